import re
import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from bidders.models import Company
from core.money import money_field
from deposits.areas import check_shape
from deposits.models import Deposit

MAX_TERM_YEARS = {"exploration": 6, "production": 25}
# The auction is held at most two months after the application deadline.
MAX_DEADLINE_TO_AUCTION = timedelta(days=62)


KNP_VALIDATOR = RegexValidator(r"^\d{3}$", _("A KNP code has 3 digits."))


def validate_iban(value: str) -> None:
    """Refuse an IBAN whose format or check digits are wrong (ISO 13616, mod 97)."""
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", value):
        raise ValidationError(
            _("Write the IBAN in capitals without spaces, e.g. KZ86125KZT5004100100.")
        )
    rearranged = value[4:] + value[:4]
    if int("".join(str(int(char, 36)) for char in rearranged)) % 97 != 1:
        raise ValidationError(_("This IBAN's check digits are wrong: check it for a typo."))


class LicenceType(models.TextChoices):
    EXPLORATION = "exploration", _("Exploration")
    PRODUCTION = "production", _("Production")


def licence_term_constraint(term_field: str, *, name: str) -> models.CheckConstraint:
    """Return the check that a licence term fits its type: 1-6 years exploring, 1-25 producing."""
    return models.CheckConstraint(
        condition=(
            Q(licence_type=LicenceType.EXPLORATION)
            & Q(**{f"{term_field}__gte": 1})
            & Q(**{f"{term_field}__lte": MAX_TERM_YEARS["exploration"]})
        )
        | (
            Q(licence_type=LicenceType.PRODUCTION)
            & Q(**{f"{term_field}__gte": 1})
            & Q(**{f"{term_field}__lte": MAX_TERM_YEARS["production"]})
        ),
        name=name,
        violation_error_message=_(
            "An exploration licence lasts 1 to 6 years; a production licence 1 to 25."
        ),
    )


class AuctionEvent(models.Model):
    """One auction session with many lots; its results are published together."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kzt_per_usd = models.DecimalField(
        _("KZT per USD for reporting"),
        max_digits=10,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Exchange rate used to report the event's totals in US dollars."),
    )
    # On unless staff turn it off: an open auction is watched by the public (as Prozorro's
    # are), and spectators see only what the published bid log will show anyway.
    has_public_gallery = models.BooleanField(
        _("public gallery"),
        default=True,
        help_text=_(
            "Anyone may watch this event's live lots without logging in: prices, time left "
            "and bids by participant number, never companies. Turn off only for a reason "
            "on record."
        ),
    )
    results_published_at = models.DateTimeField(_("results published"), null=True, blank=True)
    # Set once the participants have been emailed the published results: never twice.
    results_notified_at = models.DateTimeField(_("results emailed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("auction event")
        verbose_name_plural = _("auction events")
        constraints = [
            models.CheckConstraint(
                condition=Q(kzt_per_usd__isnull=True) | Q(kzt_per_usd__gt=0),
                name="event_rate_positive",
                violation_error_message=_("The exchange rate must be positive."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def are_results_published(self) -> bool:
        return self.results_published_at is not None


def next_minimum(
    *, current_price: Decimal | None, starting_price: Decimal, bid_step: Decimal
) -> Decimal:
    """The lowest bid a lot takes next: its starting price for the first bid, its current
    price plus one step after that (the engine asks it from the bid's locked row)."""
    if current_price is None:
        return starting_price
    return current_price + bid_step


class Lot(models.Model):
    """One deposit offered under one licence type and term, auctioned on its bonus."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Open for applications")
        LIVE = "live", _("Live")
        PAUSED = "paused", _("Paused")
        CLOSED = "closed", _("Closed")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    # Lots that hold their deposit: offered, running or paused.
    OPEN_STATUSES = (Status.PUBLISHED, Status.LIVE, Status.PAUSED)
    # Lots whose auction is over, one way or another.
    FINISHED_STATUSES = (Status.CLOSED, Status.FAILED, Status.CANCELLED)

    class SingleParticipantRule(models.TextChoices):
        CANCEL = "cancel", _("Cancel the auction")
        OFFER_AT_START = "offer_at_start", _("Offer the licence to the single applicant")

    class Format(models.TextChoices):
        ASCENDING = "ascending", _("Open ascending auction")
        SEALED_THEN_ASCENDING = (
            "sealed_then_ascending",
            _("Sealed round, then an ascending round among the best"),
        )

    class BidCeiling(models.TextChoices):
        """What a participant's bids may not exceed (`auctions.ceilings`)."""

        NONE = "none", _("No ceiling")
        DEPOSIT = "deposit", _("A multiple of the guarantee deposit received")
        BANK_GUARANTEE = "bank_guarantee", _("The bank guarantee recorded by the ministry")
        DEPOSIT_AND_BANK_GUARANTEE = (
            "deposit_and_bank_guarantee",
            _("A multiple of the guarantee deposit received plus the bank guarantee"),
        )

    # The rules that count the deposit, and so need a multiple.
    DEPOSIT_CEILINGS = (BidCeiling.DEPOSIT, BidCeiling.DEPOSIT_AND_BANK_GUARANTEE)

    event = models.ForeignKey(
        AuctionEvent, on_delete=models.PROTECT, related_name="lots", verbose_name=_("event")
    )
    number = models.PositiveSmallIntegerField(_("lot number"))
    deposit = models.ForeignKey(
        Deposit, on_delete=models.PROTECT, related_name="lots", verbose_name=_("deposit")
    )
    licence_type = models.CharField(_("licence type"), max_length=12, choices=LicenceType.choices)
    licence_term_years = models.PositiveSmallIntegerField(_("licence term, years"))
    area_km2 = models.DecimalField(_("area, km²"), max_digits=12, decimal_places=3)
    licensing_blocks = models.PositiveIntegerField(_("licensing blocks"), null=True, blank=True)
    licence_area = models.JSONField(
        _("licence area"),
        null=True,
        blank=True,
        help_text=_(
            "A GeoJSON Polygon or MultiPolygon, positions as [longitude, latitude]; its area "
            "must be close to the area in km²."
        ),
    )
    min_annual_work_expenditure = money_field(_("minimum annual work expenditure, KZT"))
    starting_price = money_field(
        _("starting price, KZT"), help_text=_("The minimum signature bonus.")
    )
    bid_step = money_field(_("bid step, KZT"))
    participation_fee = money_field(_("participation fee, KZT"))
    guarantee_deposit = money_field(_("guarantee deposit, KZT"))
    application_deadline = models.DateTimeField(_("application deadline"))
    starts_at = models.DateTimeField(_("auction start"))
    ends_at = models.DateTimeField(
        _("auction end"), help_text=_("Moves later when a bid falls in the soft-close window.")
    )
    hard_end = models.DateTimeField(_("hard end"), help_text=_("No extension goes past it."))
    soft_close_window = models.DurationField(_("soft-close window"), default=timedelta(minutes=5))
    single_participant_rule = models.CharField(
        _("rule with a single participant"),
        max_length=16,
        choices=SingleParticipantRule.choices,
        default=SingleParticipantRule.CANCEL,
    )
    # A two-stage lot (auctions/sealed.py): from its start until `sealed_round_ends_at`
    # each participant submits one sealed bid; the best go on to the ascending round,
    # which runs to `ends_at`.
    format = models.CharField(
        _("auction format"), max_length=24, choices=Format.choices, default=Format.ASCENDING
    )
    sealed_round_ends_at = models.DateTimeField(
        _("sealed round ends"),
        null=True,
        blank=True,
        help_text=_(
            "Two-stage lots only: after the auction start and before its end; the ascending "
            "round runs from here to the auction end."
        ),
    )
    sealed_advancing_percent = models.PositiveSmallIntegerField(
        _("share advancing, %"),
        default=50,
        help_text=_(
            "Two-stage lots: the best this share of sealed bids (rounded up) go on to the "
            "ascending round."
        ),
    )
    sealed_advancing_minimum = models.PositiveSmallIntegerField(
        _("fewest advancing"),
        default=2,
        help_text=_("Two-stage lots: at least this many go on (two or more)."),
    )
    # Kept on the locked row, so the state shows it without counting: never an amount.
    sealed_bid_count = models.PositiveIntegerField(_("sealed bids received"), default=0)
    sealed_round_closed_at = models.DateTimeField(_("sealed round closed"), null=True, blank=True)
    bid_ceiling = models.CharField(
        _("bid ceiling"),
        max_length=32,
        choices=BidCeiling.choices,
        default=BidCeiling.NONE,
        help_text=_(
            "What each participant's bids may not exceed: the multiple below times the "
            "guarantee deposit it paid, the bank guarantee the ministry recorded for its "
            "application, or both added together. Bids above it are refused."
        ),
    )
    bid_ceiling_multiple = models.DecimalField(
        _("bid ceiling, multiple of the deposit"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("E.g. 10 lets a participant bid up to ten times its deposit received."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    status_reason = models.TextField(_("reason for the status"), blank=True)
    # While paused, the time that was left: resuming gives it back in full.
    paused_remaining = models.DurationField(_("time left when paused"), null=True, blank=True)
    current_price = money_field(_("current price, KZT"), null=True, blank=True)
    # No index: every bid changes the leader, and an index on it would make each bid's
    # UPDATE write a new index entry in every index of the lot (no HOT update); nothing
    # looks lots up by their leader.
    leader = models.ForeignKey(
        "Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("leading participant"),
        db_index=False,
    )
    # Bumped by every change of the lot's live state; clients drop older broadcasts.
    version = models.PositiveBigIntegerField(_("state version"), default=0)
    # Bumped by every maximum set, raised or lowered (auctions/proxy.py), which changes no
    # state anyone sees: a bid that waited for the lot's lock meanwhile reads them again.
    maxima_changes = models.PositiveBigIntegerField(
        _("changes of maxima"), default=0, editable=False
    )
    # The head of the bid chain, kept on the locked row so a bid needs no extra read.
    bid_count = models.PositiveIntegerField(_("bids"), default=0)
    last_bid_hash = models.CharField(_("hash of the last bid"), max_length=64, blank=True)

    class Meta:
        ordering = ["event", "number"]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        indexes = [models.Index(fields=["status", "ends_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["deposit"],
                condition=Q(status__in=["published", "live", "paused"]),
                name="lot_one_open_per_deposit",
                violation_error_message=_("This deposit is already offered in another open lot."),
            ),
            models.UniqueConstraint(
                fields=["event", "number"],
                name="lot_unique_number_per_event",
                violation_error_message=_("This event already has a lot with this number."),
            ),
            models.CheckConstraint(
                condition=Q(starting_price__gt=0)
                & Q(bid_step__gt=0)
                & Q(participation_fee__gte=0)
                & Q(guarantee_deposit__gte=0)
                & Q(min_annual_work_expenditure__gte=0),
                name="lot_amounts_positive",
                violation_error_message=_(
                    "The starting price and bid step must be positive; fees and deposits "
                    "cannot be negative."
                ),
            ),
            models.CheckConstraint(
                condition=Q(area_km2__gt=0),
                name="lot_area_positive",
                violation_error_message=_("The area must be positive."),
            ),
            licence_term_constraint("licence_term_years", name="lot_term_within_licence_limit"),
            models.CheckConstraint(
                condition=Q(application_deadline__lt=F("starts_at"))
                & Q(starts_at__lt=F("ends_at"))
                & Q(ends_at__lte=F("hard_end")),
                name="lot_schedule_in_order",
                violation_error_message=_(
                    "The schedule must run: application deadline, start, end, hard end."
                ),
            ),
            models.CheckConstraint(
                condition=Q(current_price__isnull=True) | Q(current_price__gte=F("starting_price")),
                name="lot_price_at_least_start",
                violation_error_message=_("The current price cannot be below the starting price."),
            ),
            models.CheckConstraint(
                condition=Q(soft_close_window__gte=timedelta(0)),
                name="lot_soft_close_not_negative",
                violation_error_message=_("The soft-close window cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(format="ascending")
                | (
                    Q(format="sealed_then_ascending")
                    & Q(sealed_round_ends_at__gt=F("starts_at"))
                    & Q(sealed_round_ends_at__lt=F("ends_at"))
                ),
                name="lot_sealed_round_within_auction",
                violation_error_message=_(
                    "A two-stage lot's sealed round ends after the auction start and before "
                    "its end."
                ),
            ),
            models.CheckConstraint(
                condition=Q(sealed_advancing_percent__gte=1)
                & Q(sealed_advancing_percent__lte=100)
                & Q(sealed_advancing_minimum__gte=2),
                name="lot_sealed_advancing_sensible",
                violation_error_message=_(
                    "The share advancing is 1 to 100 percent, and at least two advance."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    Q(bid_ceiling__in=["deposit", "deposit_and_bank_guarantee"])
                    # Not null first: a CHECK passes when its condition is NULL.
                    & Q(bid_ceiling_multiple__isnull=False)
                    & Q(bid_ceiling_multiple__gt=0)
                )
                | (
                    Q(bid_ceiling__in=["none", "bank_guarantee"])
                    & Q(bid_ceiling_multiple__isnull=True)
                ),
                name="lot_bid_ceiling_multiple_iff_deposit",
                violation_error_message=_(
                    "A ceiling tied to the deposit needs a positive multiple; no other has one."
                ),
            ),
        ]

    def __str__(self) -> str:
        # Numbers restart in every event: "lot 1" alone names fifty lots.
        return _("%(event)s, lot %(number)s: %(deposit)s (%(type)s)") % {
            "event": self.event.name,
            "number": self.number,
            "deposit": self.deposit.name,
            "type": self.get_licence_type_display(),
        }

    @property
    def is_auction_too_late(self) -> bool:
        """The auction is held at most two months after the application deadline."""
        return self.starts_at - self.application_deadline > MAX_DEADLINE_TO_AUCTION

    def clean(self) -> None:
        self._clean_bid_ceiling()
        if self.licence_area is not None:
            try:
                check_shape(self.licence_area, declared_km2=self.area_km2)
            except ValidationError as error:
                raise ValidationError({"licence_area": error.messages}) from None
        self._clean_sealed_round()
        if self.application_deadline and self.starts_at and self.is_auction_too_late:
            raise ValidationError(
                {
                    "starts_at": _(
                        "The auction must be held at most two months after the application "
                        "deadline."
                    )
                }
            )

    def _clean_sealed_round(self) -> None:
        """Say on the right field what is wrong with a two-stage lot's sealed round."""
        if self.format != self.Format.SEALED_THEN_ASCENDING:
            return
        if self.sealed_round_ends_at is None:
            raise ValidationError(
                {"sealed_round_ends_at": _("A two-stage lot needs the sealed round's end.")}
            )
        if self.starts_at and self.sealed_round_ends_at <= self.starts_at:
            raise ValidationError(
                {"sealed_round_ends_at": _("The sealed round must end after the auction start.")}
            )
        if self.ends_at and self.sealed_round_ends_at >= self.ends_at:
            raise ValidationError(
                {
                    "sealed_round_ends_at": _(
                        "The sealed round must end before the auction end, leaving time for "
                        "the ascending round."
                    )
                }
            )
        if self.sealed_advancing_minimum is not None and self.sealed_advancing_minimum < 2:
            raise ValidationError(
                {"sealed_advancing_minimum": _("At least two must go on to the ascending round.")}
            )
        if (
            self.sealed_advancing_percent is not None
            and not 1 <= self.sealed_advancing_percent <= 100
        ):
            raise ValidationError(
                {"sealed_advancing_percent": _("The share advancing is 1 to 100%.")}
            )

    def _clean_bid_ceiling(self) -> None:
        """Say on the form's own fields what the ceiling's constraint would refuse."""
        counts_deposit = self.bid_ceiling in self.DEPOSIT_CEILINGS
        if counts_deposit and self.bid_ceiling_multiple is None:
            raise ValidationError(
                {
                    "bid_ceiling_multiple": _(
                        "Give the multiple of the deposit that bids may reach, e.g. 10."
                    )
                }
            )
        if counts_deposit and self.bid_ceiling_multiple is not None:
            if self.bid_ceiling_multiple <= 0:
                raise ValidationError(
                    {"bid_ceiling_multiple": _("The multiple must be more than zero.")}
                )
            if self.guarantee_deposit is not None and self.guarantee_deposit <= 0:
                raise ValidationError(
                    {
                        "bid_ceiling": _(
                            "This lot asks no guarantee deposit: a ceiling tied to the deposit "
                            "would refuse every bid."
                        )
                    }
                )
        if not counts_deposit and self.bid_ceiling_multiple is not None:
            raise ValidationError(
                {
                    "bid_ceiling_multiple": _(
                        "Only a ceiling tied to the guarantee deposit has a multiple; leave it "
                        "empty."
                    )
                }
            )

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.LIVE

    @property
    def is_two_stage(self) -> bool:
        return self.format == self.Format.SEALED_THEN_ASCENDING

    @property
    def is_in_sealed_round(self) -> bool:
        """A two-stage lot whose sealed round has not been closed (it may be due)."""
        return self.is_two_stage and self.sealed_round_closed_at is None

    @property
    def minimum_next_bid(self) -> Decimal:
        """The starting price for the first bid; the current price plus one step after it."""
        return next_minimum(
            current_price=self.current_price,
            starting_price=self.starting_price,
            bid_step=self.bid_step,
        )

    @property
    def is_open_for_applications(self) -> bool:
        return self.status == self.Status.PUBLISHED and timezone.now() < self.application_deadline


class LiveLot(Lot):
    """The ministry's live monitor: running and paused lots, participants by number only."""

    class Meta:
        proxy = True
        verbose_name = _("live lot")
        verbose_name_plural = _("live monitor")


class LotPause(models.Model):
    """One pause of a lot's auction, automatic or by staff: part of the lot's public record.

    The reason is public; who paused is recorded only as staff or automatic, never which
    official. `awaiting` is internal: the participant numbers whose return resumes an
    automatic pause; it is shown to nobody, so participants never learn who dropped.
    """

    class Cause(models.TextChoices):
        STAFF = "staff", _("Paused by staff")
        PARTICIPANTS_DROPPED = "participants_dropped", _("Participants lost their connection")
        CHANNEL_LAYER = "channel_layer", _("The server's messaging failed")
        DATABASE = "database", _("The server's database failed")

    class Ending(models.TextChoices):
        STAFF = "staff", _("Resumed by staff")
        PARTICIPANTS_RETURNED = "participants_returned", _("Resumed when participants returned")
        CANCELLED = "cancelled", _("The lot was cancelled")

    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, related_name="pauses", verbose_name=_("lot")
    )
    started_at = models.DateTimeField(_("paused at"))
    ended_at = models.DateTimeField(_("resumed at"), null=True, blank=True)
    cause = models.CharField(_("cause"), max_length=24, choices=Cause.choices)
    reason = models.TextField(_("reason"))
    ended_how = models.CharField(_("ended"), max_length=24, choices=Ending.choices, blank=True)
    awaiting = models.JSONField(_("participants awaited"), default=list, blank=True)

    class Meta:
        ordering = ["lot", "started_at"]
        verbose_name = _("lot pause")
        verbose_name_plural = _("lot pauses")
        constraints = [
            models.UniqueConstraint(
                fields=["lot"], condition=Q(ended_at__isnull=True), name="lot_pause_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.lot_id} {self.started_at:%Y-%m-%d %H:%M:%S} {self.cause}"

    @property
    def is_automatic(self) -> bool:
        return self.cause != self.Cause.STAFF


class Application(models.Model):
    """A company's request to take part in a lot; admitted ones bid under a number."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ADMITTED = "admitted", _("Admitted")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, related_name="applications", verbose_name=_("lot")
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="applications", verbose_name=_("company")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    participant_number = models.PositiveSmallIntegerField(
        _("participant number"), null=True, blank=True
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    terms_accepted_at = models.DateTimeField(_("terms accepted"))
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    # A bank's guarantee of the bidder's payment, as the ministry checked and recorded it
    # (`ceilings.record_bank_guarantee`); raises its bid ceiling on lots that count it.
    bank_guarantee = money_field(_("bank guarantee, KZT"), null=True, blank=True)
    bank_guarantee_reference = models.CharField(
        _("bank guarantee reference"), max_length=255, blank=True
    )
    bank_guarantee_recorded_at = models.DateTimeField(
        _("bank guarantee recorded"), null=True, blank=True
    )
    bank_guarantee_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bank guarantee recorded by"),
    )

    class Meta:
        ordering = ["lot", "participant_number", "submitted_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "company"],
                name="application_one_per_company_and_lot",
                violation_error_message=_("This company has already applied for this lot."),
            ),
            models.UniqueConstraint(
                fields=["lot", "participant_number"],
                name="application_unique_participant_number",
                violation_error_message=_("This participant number is already taken."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="admitted")
                    & Q(participant_number__isnull=False)
                    & Q(participant_number__gte=1)
                )
                | (~Q(status="admitted") & Q(participant_number__isnull=True)),
                name="application_number_iff_admitted",
                violation_error_message=_(
                    "An admitted application has a participant number; no other does."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="application_rejection_has_reason",
                violation_error_message=_("A rejection needs a reason."),
            ),
            models.CheckConstraint(
                condition=Q(bank_guarantee__isnull=True)
                | (
                    Q(bank_guarantee__gte=0)
                    & Q(bank_guarantee_recorded_at__isnull=False)
                    & Q(bank_guarantee_recorded_by__isnull=False)
                ),
                name="application_bank_guarantee_recorded",
                violation_error_message=_(
                    "A bank guarantee is not negative and says who recorded it and when."
                ),
            ),
        ]

    def __str__(self) -> str:
        # Never the participant number: this text lands in admin lists, links, history
        # and exports beside the company, where only the identity policy may join them.
        return f"Application {self.pk} for lot {self.lot.number}"

    @property
    def is_admitted(self) -> bool:
        return self.status == self.Status.ADMITTED


class Payment(models.Model):
    """A payment owed for an application: the participation fee or the guarantee deposit.

    Staff record each bank credit as the statement shows it (amount, value date, bank
    reference); a bank feed would call the same service. A credit below what is owed leaves
    the payment received short, which admission does not count, until further credits make
    up the difference; a credit above it counts, and its excess is due back to the payer.
    """

    class Kind(models.TextChoices):
        PARTICIPATION_FEE = "participation_fee", _("Participation fee (non-refundable)")
        GUARANTEE_DEPOSIT = "guarantee_deposit", _("Guarantee deposit")

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting")
        SHORT = "short", _("Received short")
        RECEIVED = "received", _("Received")
        REFUNDED = "refunded", _("Refunded")
        FORFEITED = "forfeited", _("Forfeited")
        APPLIED = "applied", _("Applied to the signature bonus")
        REFUND_DUE = "refund_due", _("To be refunded")

    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("application"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = money_field(_("amount, KZT"))
    reference = models.CharField(_("payment reference"), max_length=64, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.AWAITING
    )
    amount_received = money_field(
        _("amount received, KZT"),
        null=True,
        blank=True,
        help_text=_("What the bank credited, all credits together."),
    )
    value_date = models.DateField(
        _("value date"),
        null=True,
        blank=True,
        help_text=_("The day the bank credited the ministry's account (the latest credit)."),
    )
    bank_reference = models.CharField(
        _("bank transaction reference"),
        max_length=255,
        blank=True,
        help_text=_("The bank's reference of each credit, in the order they were recorded."),
    )
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["application", "kind"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind"],
                name="payment_one_of_each_kind",
                violation_error_message=_("This application already has a payment of this kind."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payment_amount_positive",
                violation_error_message=_("A payment amount must be positive."),
            ),
            models.CheckConstraint(
                condition=Q(status="awaiting") | Q(received_at__isnull=False),
                name="payment_received_has_time",
                violation_error_message=_("A received payment needs the time it arrived."),
            ),
            models.CheckConstraint(
                condition=Q(amount_received__isnull=True) | Q(amount_received__gt=0),
                name="payment_amount_received_positive",
                violation_error_message=_("An amount received must be positive."),
            ),
            # Received short means the bank credited less than is owed, and nothing else.
            models.CheckConstraint(
                condition=~Q(status="short")
                | (
                    Q(amount_received__lt=F("amount"))
                    & Q(value_date__isnull=False)
                    & ~Q(bank_reference="")
                ),
                name="payment_short_is_below_amount",
                violation_error_message=_(
                    "A payment received short has a credit below the amount owed."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}: {self.get_status_display()}"

    @property
    def shortfall(self) -> Decimal:
        """What is still owed after the credits recorded (zero once paid in full)."""
        if self.status not in (self.Status.AWAITING, self.Status.SHORT):
            return Decimal("0.00")
        return max(self.amount - (self.amount_received or 0), Decimal("0.00"))

    @property
    def excess(self) -> Decimal:
        """What the bank credited beyond the amount owed: due back to the payer."""
        if self.amount_received is None:
            return Decimal("0.00")
        return max(self.amount_received - self.amount, Decimal("0.00"))


class BankDetails(models.Model):
    """The ministry's account that bidders pay into: one row, set by staff in the admin.

    Until staff fill it in, every page says the details are not set yet: a made-up account
    on an invoice would send real money astray.
    """

    SINGLETON_ID = 1

    beneficiary = models.CharField(_("beneficiary"), max_length=255, blank=True)
    bin = models.CharField(
        _("BIN"),
        max_length=12,
        blank=True,
        validators=[RegexValidator(r"^\d{12}$", _("A BIN has 12 digits."))],
        help_text=_("The beneficiary's business identification number (12 digits)."),
    )
    bank_name = models.CharField(_("bank"), max_length=255, blank=True)
    iban = models.CharField(
        _("IBAN"),
        max_length=34,
        blank=True,
        validators=[validate_iban],
        help_text=_("The account, e.g. KZ86 125K ZT50 0410 0100 without spaces."),
    )
    bic = models.CharField(
        _("BIC"),
        max_length=11,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$", _("A BIC has 8 or 11 capital letters.")
            )
        ],
    )
    kbe = models.CharField(
        _("KBe"),
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^\d{2}$", _("A KBe code has 2 digits."))],
        help_text=_("The beneficiary code (Kbe), e.g. 11 for a state body resident in Kazakhstan."),
    )
    knp_participation_fee = models.CharField(
        _("KNP for participation fees"),
        max_length=3,
        blank=True,
        validators=[KNP_VALIDATOR],
        help_text=_("The payment purpose code (KNP) to quote with a participation fee."),
    )
    knp_guarantee_deposit = models.CharField(
        _("KNP for guarantee deposits"),
        max_length=3,
        blank=True,
        validators=[KNP_VALIDATOR],
    )
    knp_signature_bonus = models.CharField(
        _("KNP for signature bonuses"),
        max_length=3,
        blank=True,
        validators=[KNP_VALIDATOR],
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("bank details")
        verbose_name_plural = _("bank details")
        constraints = [
            models.CheckConstraint(
                condition=Q(id=1),
                name="bank_details_single_row",
                violation_error_message=_("There is one set of bank details."),
            ),
        ]

    def __str__(self) -> str:
        return str(_("The ministry's bank details"))

    @classmethod
    def load(cls) -> "BankDetails":
        """Return the bank details, or an empty unsaved set when staff have not set them."""
        return cls.objects.filter(pk=cls.SINGLETON_ID).first() or cls(pk=cls.SINGLETON_ID)

    @property
    def is_complete(self) -> bool:
        """Whether every detail a transfer needs is set: only then are they shown."""
        return all(getattr(self, name) for name in self.DETAIL_FIELDS)

    DETAIL_FIELDS = (
        "beneficiary",
        "bin",
        "bank_name",
        "iban",
        "bic",
        "kbe",
        "knp_participation_fee",
        "knp_guarantee_deposit",
        "knp_signature_bonus",
    )

    def knp_for(self, kind: str) -> str:
        """Return the payment purpose code for a kind of payment or 'signature_bonus'."""
        return getattr(self, f"knp_{kind}")


class Bid(models.Model):
    """One offer of a signature bonus; append-only, chained by hash."""

    # Indexed by the unique constraints that lead with it (lot, sequence) and (lot, key): an
    # index of its own would only cost each bid's INSERT one more entry.
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, related_name="bids", verbose_name=_("lot"), db_index=False
    )
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="bids", verbose_name=_("participant")
    )
    participant_number = models.PositiveSmallIntegerField(_("participant number"))
    sequence = models.PositiveIntegerField(_("sequence"))
    amount = money_field(_("amount, KZT"))
    placed_at = models.DateTimeField(_("placed at"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("placed by"),
    )
    key = models.UUIDField(_("idempotency key"))
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)
    # Placed by the engine for the participant's maximum (auctions/proxy.py), not by hand.
    automatic = models.BooleanField(_("automatic"), default=False)

    class Meta:
        ordering = ["lot", "sequence"]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "sequence"],
                name="bid_unique_sequence_per_lot",
                violation_error_message=_("This lot already has a bid with this sequence."),
            ),
            models.UniqueConstraint(
                fields=["lot", "key"],
                name="bid_unique_key_per_lot",
                violation_error_message=_("A bid with this key was already placed."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(sequence__gte=1),
                name="bid_amount_and_sequence_positive",
                violation_error_message=_("A bid amount and sequence must be positive."),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Lot {self.lot.number} bid #{self.sequence}: {self.amount} KZT "
            f"by Participant {self.participant_number}"
        )


class SealedBid(models.Model):
    """A participant's one bid of a two-stage lot's sealed round (auctions/sealed.py).

    Until the round closes its amount exists only encrypted, with a SHA-256 commitment the
    bidder holds as a receipt: nobody reading the database, staff in the admin included,
    can see it. The close reveals it (amount, nonce, rank) and checks the commitment.
    """

    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, related_name="sealed_bids", verbose_name=_("lot")
    )
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="+", verbose_name=_("participant")
    )
    participant_number = models.PositiveSmallIntegerField(_("participant number"))
    key = models.UUIDField(_("idempotency key"))
    submitted_at = models.DateTimeField(_("submitted"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    sealed_amount = models.TextField(_("encrypted amount"))
    commitment = models.CharField(_("commitment"), max_length=64, unique=True)
    # Set when the round closes, never before.
    amount = money_field(_("amount, KZT"), null=True, blank=True)
    nonce = models.CharField(_("nonce"), max_length=64, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    advanced = models.BooleanField(_("advanced to the ascending round"), null=True, blank=True)

    class Meta:
        ordering = ["lot", "submitted_at", "pk"]
        verbose_name = _("sealed bid")
        verbose_name_plural = _("sealed bids")
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "application"],
                name="sealed_bid_one_per_participant",
                violation_error_message=_("This participant has already submitted a sealed bid."),
            ),
            models.UniqueConstraint(
                fields=["lot", "key"],
                name="sealed_bid_unique_key_per_lot",
                violation_error_message=_("A sealed bid with this key was already submitted."),
            ),
        ]

    def __str__(self) -> str:
        # Never the amount nor the company: this text may be shown before the close.
        return f"Lot {self.lot.number} sealed bid of Participant {self.participant_number}"


class Maximum(models.Model):
    """A participant's private maximum for a lot: the engine bids for it up to this amount.

    Never shown to anyone but its owner (staff neither): no admin, export or API lists it.
    Each setting is a row of its own, so a repeated key finds its first outcome; the
    participant's standing maximum is its one current row, its order among equal maxima
    its id (set under the lot's lock, so ids follow the order they were set in).
    """

    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, related_name="maxima", verbose_name=_("lot")
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        related_name="maxima",
        verbose_name=_("participant"),
    )
    amount = money_field(_("maximum, KZT"))
    set_at = models.DateTimeField(_("set at"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("set by"),
    )
    key = models.UUIDField(_("idempotency key"))
    is_current = models.BooleanField(_("current"), default=True)

    class Meta:
        ordering = ["lot", "id"]
        verbose_name = _("maximum bid")
        verbose_name_plural = _("maximum bids")
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "key"],
                name="maximum_unique_key_per_lot",
                violation_error_message=_("A maximum with this key was already set."),
            ),
            models.UniqueConstraint(
                fields=["lot", "application"],
                condition=Q(is_current=True),
                name="maximum_one_current_per_participant",
                violation_error_message=_("A participant has one standing maximum per lot."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="maximum_amount_positive",
                violation_error_message=_("A maximum must be more than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"Lot {self.lot_id} maximum #{self.pk}"


class Result(models.Model):
    """The outcome of one closed lot."""

    class Outcome(models.TextChoices):
        AWARDED = "awarded", _("Awarded")
        FAILED = "failed", _("Failed")

    lot = models.OneToOneField(
        Lot, on_delete=models.PROTECT, related_name="result", verbose_name=_("lot")
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    winner = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("winner"),
    )
    winning_bonus = money_field(_("winning signature bonus, KZT"), null=True, blank=True)
    bid_count = models.PositiveIntegerField(_("bids"))
    closed_at = models.DateTimeField(_("closed at"))
    # The lot's bid ceiling rule and the winner's ceiling when the lot closed (None: no
    # ceiling), so the result says what backed the winning bid even if a guarantee changes.
    bid_ceiling = models.CharField(
        _("bid ceiling"),
        max_length=32,
        choices=Lot.BidCeiling.choices,
        default=Lot.BidCeiling.NONE,
    )
    bid_ceiling_multiple = models.DecimalField(
        _("bid ceiling, multiple of the deposit"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
    )
    winner_ceiling = money_field(_("winner's bid ceiling, KZT"), null=True, blank=True)

    class Meta:
        ordering = ["lot"]
        verbose_name = _("result")
        verbose_name_plural = _("results")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(outcome="awarded")
                    & Q(winner__isnull=False)
                    & Q(winning_bonus__isnull=False)
                    & Q(winning_bonus__gt=0)
                )
                | (Q(outcome="failed") & Q(winner__isnull=True) & Q(winning_bonus__isnull=True)),
                name="result_awarded_has_winner",
                violation_error_message=_(
                    "An awarded lot has a winner and a bonus; a failed lot has neither."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Result of lot {self.lot.number}: {self.get_outcome_display()}"


class PublishedResult(models.Model):
    """One finished lot's result as it was published: what every public surface shows.

    Copied from the lot, its Result and its participants' companies when the result goes
    public, so a company renamed or moved later does not change the published record.
    Only an erratum changes it; on PostgreSQL a trigger refuses anything else.
    """

    lot = models.OneToOneField(
        Lot, on_delete=models.PROTECT, related_name="published_result", verbose_name=_("lot")
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Result.Outcome.choices)
    winner_legal_name = models.CharField(_("winner's legal name"), max_length=255, blank=True)
    winner_country = CountryField(_("winner's country"), blank=True)
    winner_participant_number = models.PositiveSmallIntegerField(
        _("winner's participant number"), null=True, blank=True
    )
    winning_bonus = money_field(_("winning signature bonus, KZT"), null=True, blank=True)
    bid_count = models.PositiveIntegerField(_("bids"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The admitted participants by number with their names, for the results protocol:
    # [{"number": 1, "legal_name": "...", "country": "KZ"}, ...].
    participants = models.JSONField(_("participants"), default=list, blank=True)
    published_at = models.DateTimeField(_("published"))
    # Copied from the Result: the ceiling rule the lot ran under and the winner's ceiling.
    bid_ceiling = models.CharField(
        _("bid ceiling"),
        max_length=32,
        choices=Lot.BidCeiling.choices,
        default=Lot.BidCeiling.NONE,
    )
    bid_ceiling_multiple = models.DecimalField(
        _("bid ceiling, multiple of the deposit"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
    )
    winner_ceiling = money_field(_("winner's bid ceiling, KZT"), null=True, blank=True)

    class Meta:
        ordering = ["lot"]
        verbose_name = _("published result")
        verbose_name_plural = _("published results")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(outcome="awarded")
                    & ~Q(winner_legal_name="")
                    & Q(winner_participant_number__isnull=False)
                    & Q(winning_bonus__gt=0)
                )
                | (
                    Q(outcome="failed")
                    & Q(winner_legal_name="")
                    & Q(winner_participant_number__isnull=True)
                    & Q(winning_bonus__isnull=True)
                ),
                name="published_result_awarded_has_winner",
                violation_error_message=_(
                    "An awarded lot has a named winner and a bonus; a failed lot has neither."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Published result of lot {self.lot.number}: {self.get_outcome_display()}"

    @property
    def is_awarded(self) -> bool:
        return self.outcome == Result.Outcome.AWARDED


class Erratum(models.Model):
    """A published correction of an event's published results, with its reason: the only
    way a published result changes, and shown beside it for everyone to see."""

    class Field(models.TextChoices):
        WINNER_LEGAL_NAME = "winner_legal_name", _("Winner's legal name")
        WINNER_COUNTRY = "winner_country", _("Winner's country")
        WINNING_BONUS = "winning_bonus", _("Winning signature bonus")
        BID_COUNT = "bid_count", _("Number of bids")
        KZT_PER_USD = "kzt_per_usd", _("KZT per USD for reporting")

    # What an erratum of the event itself corrects; every other field is a lot's.
    EVENT_FIELDS = (Field.KZT_PER_USD,)

    event = models.ForeignKey(
        AuctionEvent, on_delete=models.PROTECT, related_name="errata", verbose_name=_("event")
    )
    lot = models.ForeignKey(
        Lot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="errata",
        verbose_name=_("lot"),
    )
    field = models.CharField(_("corrected"), max_length=20, choices=Field.choices)
    old_value = models.CharField(_("published value"), max_length=255, blank=True)
    new_value = models.CharField(_("corrected value"), max_length=255)
    reason = models.TextField(_("reason"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published"))

    class Meta:
        ordering = ["event", "published_at", "pk"]
        verbose_name = _("erratum")
        verbose_name_plural = _("errata")
        permissions = [("publish_erratum", _("Can publish an erratum to published results"))]
        constraints = [
            models.CheckConstraint(
                condition=(Q(field="kzt_per_usd") & Q(lot__isnull=True))
                | (~Q(field="kzt_per_usd") & Q(lot__isnull=False)),
                name="erratum_lot_iff_lot_field",
                violation_error_message=_(
                    "A correction of a lot's result names the lot; one of the event's rate "
                    "does not."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="erratum_has_reason",
                violation_error_message=_("An erratum needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        where = f"lot {self.lot.number}" if self.lot is not None else self.event.code
        return f"Erratum {self.pk} to {where}: {self.get_field_display()}"


def lot_document_path(document: "LotDocument", filename: str) -> str:
    """Store each upload under a random name, out of any public URL space: restricted
    papers are served only by a view that checks who asks."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"lot-documents/{document.lot_id}/{uuid.uuid4().hex}.{extension}"


class LotDocument(models.Model):
    """A paper of a lot's data room, public or for the lot's admitted applicants only."""

    class Kind(models.TextChoices):
        GEOLOGICAL_SUMMARY = "geology", _("Geological report summary")
        DRAFT_CONTRACT = "contract", _("Draft subsoil-use contract")
        AUCTION_RULES = "rules", _("Auction rules")
        AREA_COORDINATES = "coordinates", _("Licence area coordinates")
        OTHER = "other", _("Other")

    class Access(models.TextChoices):
        PUBLIC = "public", _("Public")
        ADMITTED = "admitted", _("Admitted applicants only")

    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, related_name="documents", verbose_name=_("lot")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    access = models.CharField(_("access"), max_length=10, choices=Access.choices)
    file = models.FileField(_("file"), upload_to=lot_document_path, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size, bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["lot", "kind", "pk"]
        verbose_name = _("lot document")
        verbose_name_plural = _("lot documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gt=0),
                name="lot_document_not_empty",
                violation_error_message=_("A document cannot be empty."),
            ),
            models.CheckConstraint(
                condition=Q(access__in=["public", "admitted"]),
                name="lot_document_access_known",
                violation_error_message=_("A document is public or for admitted applicants."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_kind_display()})"

    @property
    def is_public(self) -> bool:
        return self.access == self.Access.PUBLIC

    @property
    def file_type(self) -> str:
        """The kind of file as people name it: PDF, DOCX, XLSX, JPEG, PNG."""
        extension = self.original_name.rsplit(".", 1)[-1] if "." in self.original_name else ""
        return extension.upper().replace("JPG", "JPEG")


class LotDocumentDownload(models.Model):
    """One download of a restricted lot document by a company's representative.

    Append-only. Each row says that a company is an admitted applicant of the lot, so
    staff see the log only once the event's results are published (auctions.identity).
    """

    document = models.ForeignKey(
        LotDocument, on_delete=models.PROTECT, related_name="downloads", verbose_name=_("document")
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("downloaded by"),
    )
    downloaded_at = models.DateTimeField(_("downloaded"), default=timezone.now)

    class Meta:
        ordering = ["-downloaded_at", "-pk"]
        verbose_name = _("data room download")
        verbose_name_plural = _("data room downloads")

    def __str__(self) -> str:
        return f"{self.document} · {self.company} · {self.downloaded_at:%Y-%m-%d %H:%M}"
