"""What the applications API reads and writes: explicit shapes, never the tables themselves."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from auctions.models import Application, Payment
from auctions.selectors import public_lots
from core.money import CURRENCY, DECIMAL_PLACES, MAX_DIGITS

# --- Input ------------------------------------------------------------------------------


class ApplicationInputSerializer(serializers.Serializer):
    """A request to take part in a lot."""

    # Only lots the public can see: a draft's id answers like one that does not exist.
    lot = serializers.PrimaryKeyRelatedField(
        queryset=public_lots(), help_text="Id of a lot open for applications."
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


class PaymentSerializer(serializers.Serializer):
    """A payment the application owes; pay it with its reference."""

    kind = serializers.ChoiceField(choices=Payment.Kind.choices)
    reference = serializers.CharField(help_text="Quote it in the bank transfer.")
    amount = serializers.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    currency = serializers.SerializerMethodField(help_text="Every amount is in tenge.")
    status = serializers.ChoiceField(choices=Payment.Status.choices)
    received_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field({"type": "string", "enum": [CURRENCY]})
    def get_currency(self, payment: Payment) -> str:
        """Return the currency of every amount: the tenge."""
        return CURRENCY


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


class BidAcceptedSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["bid_accepted"])
    key = serializers.UUIDField()
    sequence = serializers.IntegerField()
    amount = serializers.CharField()
    placed_at = serializers.DateTimeField()
    repeated = serializers.BooleanField(help_text="True when the key was seen before.")
