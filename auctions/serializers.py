"""What the applications API reads and writes: explicit shapes, never the tables themselves."""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from auctions import pauses
from auctions.event_root import event_root
from auctions.filters import PUBLIC_STATUS_CHOICES
from auctions.models import (
    Application,
    AuctionEvent,
    BankDetails,
    Erratum,
    LicenceType,
    Lot,
    LotPause,
    Payment,
    Result,
)
from auctions.selectors.catalogue import offered_lots
from auctions.selectors.results import totals_of
from core.money import CURRENCY, DECIMAL_PLACES, MAX_DIGITS
from deposits.serializers import DepositSummarySerializer, ShapeField

# --- Input ------------------------------------------------------------------------------


class ApplicationInputSerializer(serializers.Serializer):
    """A request to take part in a lot."""

    # Only lots the public can see: a draft's id answers like one that does not exist.
    lot = serializers.PrimaryKeyRelatedField(
        queryset=offered_lots(), help_text="Id of a lot open for applications."
    )
    accept_terms = serializers.BooleanField(help_text="Must be true: the lot's terms are accepted.")


# --- Output -----------------------------------------------------------------------------


class EventSummarySerializer(serializers.Serializer):
    """The auction event a lot belongs to."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class LotSummarySerializer(serializers.Serializer):
    """The lot an application is for."""

    id = serializers.IntegerField()
    number = serializers.IntegerField()
    deposit_name = serializers.CharField(source="deposit.name")
    event = EventSummarySerializer()


def _bank(serializer: serializers.Serializer) -> BankDetails:
    """Return the ministry's bank details, read once per response (kept in its context)."""
    context = serializer.context
    if "bank" not in context:
        # DRF's context is the dict the view passed; the stubs call it a read-only Mapping.
        context["bank"] = BankDetails.load()  # type: ignore[index]
    return context["bank"]


class BankDetailsSerializer(serializers.Serializer):
    """The ministry's account that every payment goes to."""

    beneficiary = serializers.CharField()
    bin = serializers.CharField(help_text="The beneficiary's business identification number.")
    bank_name = serializers.CharField()
    iban = serializers.CharField()
    bic = serializers.CharField()
    kbe = serializers.CharField(help_text="The beneficiary code (KBe).")


class PaymentSerializer(serializers.Serializer):
    """A payment the application owes; pay it with its reference and KNP code."""

    kind = serializers.ChoiceField(choices=Payment.Kind.choices)
    reference = serializers.CharField(help_text="Quote it in the bank transfer.")
    amount = serializers.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    currency = serializers.SerializerMethodField(help_text="Every amount is in tenge.")
    status = serializers.ChoiceField(
        choices=Payment.Status.choices,
        help_text="'short': received below the amount; it counts once paid in full.",
    )
    amount_received = serializers.DecimalField(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        allow_null=True,
        help_text="What the bank credited so far.",
    )
    amount_due = serializers.DecimalField(
        source="shortfall",
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        help_text="What is still to pay; zero once received in full.",
    )
    excess = serializers.DecimalField(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        help_text="Credited beyond the amount: the ministry refunds it.",
    )
    due_by = serializers.DateTimeField(
        source="application.lot.application_deadline",
        help_text="Pay by the lot's application deadline.",
    )
    knp = serializers.SerializerMethodField(
        help_text="The payment purpose code (KNP) to quote; null until the bank details are set."
    )
    invoice_url = serializers.SerializerMethodField(
        help_text="The invoice (PDF); null until the ministry's bank details are set."
    )
    value_date = serializers.DateField(
        allow_null=True, help_text="The day the bank credited the latest transfer."
    )
    received_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field({"type": "string", "enum": [CURRENCY]})
    def get_currency(self, payment: Payment) -> str:
        """Return the currency of every amount: the tenge."""
        return CURRENCY

    @extend_schema_field({"type": "string", "nullable": True})
    def get_knp(self, payment: Payment) -> str | None:
        """Return the KNP code of this kind of payment, once the bank details are set."""
        bank = _bank(self)
        return bank.knp_for(payment.kind) if bank.is_complete else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_invoice_url(self, payment: Payment) -> str | None:
        """Return the invoice's address, once the bank details are set."""
        if not _bank(self).is_complete:
            return None
        return reverse("auctions:invoice", args=[payment.reference])


class ApplicationSerializer(serializers.Serializer):
    """One of the caller's company's applications with the payments it owes."""

    id = serializers.IntegerField()
    lot = LotSummarySerializer()
    status = serializers.ChoiceField(choices=Application.Status.choices)
    participant_number = serializers.IntegerField(
        allow_null=True, help_text="Set once admitted; the company bids under it."
    )
    rejection_reason = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    payments = PaymentSerializer(many=True)
    bank_details = serializers.SerializerMethodField(
        help_text="The account to pay into; null until the ministry sets it."
    )

    @extend_schema_field(BankDetailsSerializer(allow_null=True))
    def get_bank_details(self, application: Application) -> dict[str, str] | None:
        """Return the ministry's bank details, or null while they are not set."""
        bank = _bank(self)
        return BankDetailsSerializer(bank).data if bank.is_complete else None


# --- The live auction (DESIGN.md section 4) ---------------------------------------------


class BidInputSerializer(serializers.Serializer):
    """A bid as the API documents it; the engine itself checks the values."""

    amount = serializers.CharField(
        help_text="The signature bonus offered, in KZT, as a decimal string: '1250000000.00'."
    )
    key = serializers.UUIDField(
        help_text="A UUID made by the client; sending it again returns the first outcome."
    )


class RecentBidSerializer(serializers.Serializer):
    sequence = serializers.IntegerField()
    participant_number = serializers.IntegerField()
    amount = serializers.CharField(help_text="KZT, decimal string.")
    placed_at = serializers.DateTimeField()
    automatic = serializers.BooleanField(
        help_text="Placed by the platform for the participant's maximum (a proxy bid)."
    )


class LotStateSerializer(serializers.Serializer):
    """The lot's live state: the websocket's first frame and every broadcast."""

    type = serializers.ChoiceField(choices=["state"])
    lot = serializers.IntegerField()
    version = serializers.IntegerField(help_text="Strictly increasing; drop older states.")
    status = serializers.CharField()
    current_price = serializers.CharField(allow_null=True, help_text="KZT; null before a bid.")
    min_next_bid = serializers.CharField(help_text="KZT: the lowest bid accepted now.")
    leader = serializers.CharField(allow_null=True, help_text='"you", "Participant N" or null.')
    bid_count = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(help_text="Moves later when a bid falls in soft close.")
    hard_end = serializers.DateTimeField()
    server_time = serializers.DateTimeField(help_text="Count down by this clock, not yours.")
    recent_bids = RecentBidSerializer(many=True)
    format = serializers.ChoiceField(
        choices=Lot.Format.choices,
        help_text="The lot's format; two-stage lots start with a sealed round.",
    )
    round = serializers.ChoiceField(
        choices=["sealed", "ascending"], help_text='"ascending" for plain lots.'
    )
    sealed_bids = serializers.IntegerField(
        allow_null=True, help_text="Two-stage lots: sealed bids received (never amounts)."
    )
    sealed_round_ends_at = serializers.DateTimeField(
        allow_null=True, help_text="Two-stage lots: when the sealed round closes."
    )


class SealedBidReceiptSerializer(serializers.Serializer):
    """The bidder's own receipt of its sealed bid; its amount is nobody else's."""

    type = serializers.ChoiceField(choices=["sealed_bid"])
    lot = serializers.IntegerField()
    key = serializers.UUIDField()
    amount = serializers.CharField(help_text="KZT, decimal string: the amount sealed.")
    commitment = serializers.CharField(
        help_text="Lowercase hex SHA-256 of 'lot|participant_number|amount|nonce'."
    )
    nonce = serializers.CharField(help_text="64 hex digits, random, hashed with the amount.")
    submitted_at = serializers.DateTimeField()
    rank = serializers.IntegerField(allow_null=True, help_text="Once the round has closed.")
    of = serializers.IntegerField(allow_null=True, help_text="Sealed bids ranked.")
    advanced = serializers.BooleanField(
        allow_null=True, help_text="Whether it goes on to the ascending round."
    )
    message = serializers.CharField()
    repeated = serializers.BooleanField(
        required=False, help_text="Answering a submission: True when the key was seen before."
    )


class CeilingSerializer(serializers.Serializer):
    """A participant's own bid ceiling: the websocket's `ceiling` frame."""

    type = serializers.ChoiceField(choices=["ceiling"])
    lot = serializers.IntegerField()
    amount = serializers.CharField(
        allow_null=True, help_text="KZT: the highest bid allowed; null when the lot has none."
    )
    basis = serializers.ChoiceField(
        choices=Lot.BidCeiling.choices, help_text="The lot's bid ceiling rule."
    )
    message = serializers.CharField(help_text="What the ceiling is and what would raise it.")


class BidAcceptedSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["bid_accepted"])
    key = serializers.UUIDField()
    sequence = serializers.IntegerField()
    amount = serializers.CharField()
    placed_at = serializers.DateTimeField()
    repeated = serializers.BooleanField(help_text="True when the key was seen before.")


class MaximumAcceptedSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["maximum_accepted"])
    key = serializers.UUIDField()
    amount = serializers.CharField(help_text="KZT, decimal string: the maximum set.")
    set_at = serializers.DateTimeField()
    repeated = serializers.BooleanField(help_text="True when the key was seen before.")


class MaximumSerializer(serializers.Serializer):
    """The caller's own maximum in a lot: shown to its owner only, never to anyone else."""

    type = serializers.ChoiceField(choices=["maximum"])
    lot = serializers.IntegerField()
    amount = serializers.CharField(allow_null=True, help_text="KZT; null: no maximum set.")
    active = serializers.BooleanField(
        help_text="True while it bids for you: you lead and the price has not passed it."
    )
    set_at = serializers.DateTimeField(allow_null=True)
    message = serializers.CharField(help_text="What it means now, in the caller's language.")


# --- The public catalogue, events and results -------------------------------------------


def money(help_text: str = "KZT, decimal string.", **kwargs: Any) -> serializers.DecimalField:
    """Return an amount in tenge as the API writes every amount: a decimal string."""
    return serializers.DecimalField(
        max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, help_text=help_text, **kwargs
    )


@extend_schema_field({"type": "string", "enum": [CURRENCY]})
class CurrencyField(serializers.Field):
    """The currency of every amount beside it: the tenge."""

    def __init__(self) -> None:
        super().__init__(read_only=True, source="*", help_text="Every amount is in tenge.")

    def to_representation(self, value: object) -> str:
        return CURRENCY


class EventReferenceSerializer(serializers.Serializer):
    """The auction event something belongs to."""

    code = serializers.SlugField(help_text="Stable identifier; the `event` filter takes it.")
    name = serializers.CharField()


class PublicLotSerializer(serializers.Serializer):
    """A public lot: its terms, prices and schedule; never its live bidding."""

    id = serializers.IntegerField()
    number = serializers.IntegerField(help_text="Lot number within its event.")
    event = EventReferenceSerializer()
    deposit = DepositSummarySerializer()
    status = serializers.ChoiceField(choices=PUBLIC_STATUS_CHOICES)
    licence_type = serializers.ChoiceField(choices=LicenceType.choices)
    licence_term_years = serializers.IntegerField()
    area_km2 = serializers.DecimalField(max_digits=12, decimal_places=3)
    licensing_blocks = serializers.IntegerField(allow_null=True)
    licence_area = ShapeField(help_text="The licence area as a GeoJSON geometry, or null.")
    currency = CurrencyField()
    starting_price = money("The minimum signature bonus, KZT, decimal string.")
    bid_step = money()
    participation_fee = money("Non-refundable, KZT, decimal string.")
    guarantee_deposit = money()
    min_annual_work_expenditure = money()
    application_deadline = serializers.DateTimeField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(help_text="Moves later when a bid falls in soft close.")
    hard_end = serializers.DateTimeField(help_text="No extension goes past it.")
    soft_close_seconds = serializers.SerializerMethodField(
        help_text="A bid this close to the end moves the end this far past the bid."
    )
    is_open_for_applications = serializers.BooleanField()
    format = serializers.ChoiceField(
        choices=Lot.Format.choices,
        help_text="sealed_then_ascending: a sealed round, then an ascending round among the best.",
    )
    sealed_round_ends_at = serializers.DateTimeField(
        allow_null=True, help_text="Two-stage lots: when the sealed round closes; else null."
    )
    sealed_advancing_percent = serializers.IntegerField(
        help_text="Two-stage lots: the share of sealed bids (rounded up) that go on."
    )
    sealed_advancing_minimum = serializers.IntegerField(
        help_text="Two-stage lots: at least this many go on."
    )

    def get_soft_close_seconds(self, lot: Lot) -> int:
        return int(lot.soft_close_window.total_seconds())


class LotPauseSerializer(serializers.Serializer):
    """One pause of the lot's auction, as its public record lists it."""

    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True, help_text="Null while still paused.")
    automatic = serializers.BooleanField(
        help_text="True when the platform paused by itself; false when staff did (never who)."
    )
    cause = serializers.ChoiceField(choices=LotPause.Cause.choices)
    reason = serializers.CharField(help_text="As the room showed it; counts, never names.")
    ended_how = serializers.ChoiceField(
        choices=LotPause.Ending.choices, allow_null=True, help_text="Null while still paused."
    )


class PublicLotDetailSerializer(PublicLotSerializer):
    """A public lot with its record of pauses."""

    pauses = serializers.SerializerMethodField()

    @extend_schema_field(LotPauseSerializer(many=True))
    def get_pauses(self, lot: Lot) -> list[dict[str, Any]]:
        return list(LotPauseSerializer(pauses.public_record(lot.pk), many=True).data)


class EventLotSerializer(serializers.Serializer):
    """One of an event's public lots, in brief."""

    id = serializers.IntegerField()
    number = serializers.IntegerField()
    deposit = DepositSummarySerializer()
    status = serializers.ChoiceField(choices=PUBLIC_STATUS_CHOICES)
    licence_type = serializers.ChoiceField(choices=LicenceType.choices)
    starting_price = money()
    starts_at = serializers.DateTimeField()


class EventTotalsSerializer(serializers.Serializer):
    """An event's results in figures, once they are published."""

    lots_offered = serializers.IntegerField()
    lots_awarded = serializers.IntegerField()
    lots_failed = serializers.IntegerField(help_text="Failed, cancelled or closed unawarded.")
    lots_unfinished = serializers.IntegerField()
    currency = CurrencyField()
    bonus_kzt = money("The awarded lots' winning signature bonuses, KZT, decimal string.")
    kzt_per_usd = serializers.DecimalField(
        max_digits=10, decimal_places=4, allow_null=True, help_text="The reporting rate."
    )
    bonus_usd = serializers.DecimalField(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        allow_null=True,
        help_text="For reporting only, at the event's rate; null without a rate.",
    )


class PublicEventSerializer(serializers.Serializer):
    """An auction event with public lots, and its totals once its results are published."""

    code = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    results_published_at = serializers.DateTimeField(allow_null=True)
    totals = serializers.SerializerMethodField()

    @extend_schema_field(EventTotalsSerializer(allow_null=True))
    def get_totals(self, event: AuctionEvent) -> dict[str, object] | None:
        if not event.are_results_published:
            return None
        return EventTotalsSerializer(totals_of(event)).data


class ErratumSerializer(serializers.Serializer):
    """A published correction of an event's results, with its date and reason."""

    published_at = serializers.DateTimeField()
    lot_number = serializers.IntegerField(
        source="lot.number", allow_null=True, help_text="Null for a correction of the event."
    )
    field = serializers.ChoiceField(choices=Erratum.Field.choices, help_text="What was corrected.")
    old_value = serializers.CharField(help_text="The value first published.")
    new_value = serializers.CharField(help_text="The corrected value, shown since.")
    reason = serializers.CharField()


class PublicEventDetailSerializer(PublicEventSerializer):
    """An auction event with its public lots in order, and the errata to its results."""

    lots = EventLotSerializer(many=True, source="public_lots")
    errata = ErratumSerializer(many=True, source="published_errata")
    root_hash = serializers.SerializerMethodField(
        help_text="Once the results are published: lowercase hex SHA-256 over every published "
        "lot's final bid-chain head in lot order (README, 'One number for a whole event')."
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_root_hash(self, event: AuctionEvent) -> str | None:
        return event_root(event)


class WinnerSerializer(serializers.Serializer):
    """The company that won a lot, as published with the results."""

    legal_name = serializers.CharField(source="winner_legal_name")
    country = serializers.CharField(source="winner_country.code", help_text="ISO 3166 code.")
    participant_number = serializers.IntegerField(
        source="winner_participant_number", help_text="The number it bid under."
    )


FINISHED_STATUS_CHOICES = [
    (value, label) for value, label in Lot.Status.choices if value in Lot.FINISHED_STATUSES
]


class ResultLotSerializer(serializers.Serializer):
    """The lot a result is for."""

    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=FINISHED_STATUS_CHOICES)
    licence_type = serializers.ChoiceField(choices=LicenceType.choices)
    licence_term_years = serializers.IntegerField()
    starting_price = money()


class PublishedCeilingSerializer(serializers.Serializer):
    """The bid ceiling a published result records (`auctions.ceilings`)."""

    rule = serializers.ChoiceField(
        source="bid_ceiling",
        choices=Lot.BidCeiling.choices,
        help_text="none, deposit (a multiple of the deposit received), bank_guarantee, or "
        "deposit_and_bank_guarantee (the two added).",
    )
    multiple = serializers.DecimalField(
        source="bid_ceiling_multiple",
        max_digits=8,
        decimal_places=2,
        allow_null=True,
        help_text="The multiple of the deposit, for the rules that count it.",
    )
    winner_ceiling = money(
        allow_null=True,
        help_text="The winner's ceiling when the lot closed; null without a ceiling or winner.",
    )


class PublicResultSerializer(serializers.Serializer):
    """The published outcome of one finished lot."""

    event = EventReferenceSerializer()
    lot = ResultLotSerializer(source="*")
    deposit = DepositSummarySerializer()
    outcome = serializers.SerializerMethodField()
    winner = serializers.SerializerMethodField()
    currency = CurrencyField()
    winning_bonus = serializers.SerializerMethodField()
    bid_count = serializers.SerializerMethodField()
    closed_at = serializers.DateTimeField(
        source="published_result.closed_at",
        allow_null=True,
        help_text="Null for a lot cancelled unrun.",
    )
    bid_ceiling = serializers.SerializerMethodField(
        help_text="The lot's bid ceiling rule and the winner's ceiling when the lot closed."
    )

    @extend_schema_field(PublishedCeilingSerializer())
    def get_bid_ceiling(self, lot: Lot) -> dict[str, object]:
        return PublishedCeilingSerializer(lot.published_result).data

    @extend_schema_field(serializers.ChoiceField(choices=Result.Outcome.choices))
    def get_outcome(self, lot: Lot) -> str:
        # Every finished lot without an award counts as failed, as in the event's totals.
        return Result.Outcome.AWARDED if lot.is_awarded else Result.Outcome.FAILED

    @extend_schema_field(WinnerSerializer(allow_null=True))
    def get_winner(self, lot: Lot) -> dict[str, object] | None:
        return WinnerSerializer(lot.published_result).data if lot.is_awarded else None

    @extend_schema_field(money(allow_null=True))
    def get_winning_bonus(self, lot: Lot) -> str | None:
        if not lot.is_awarded:
            return None
        return money().to_representation(lot.published_result.winning_bonus)

    def get_bid_count(self, lot: Lot) -> int:
        return lot.published_result.bid_count
