from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from auctions.models import LicenceType, Lot, licence_term_constraint
from bidders.models import Company
from core.money import money_field
from deposits.models import Deposit


class Licence(models.Model):
    """The right to explore or produce a deposit, won at auction."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment of the signature bonus")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")
        FORFEITED = "forfeited", _("Forfeited (bonus not paid)")

    number = models.CharField(_("licence number"), max_length=32, unique=True)
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, related_name="licences", verbose_name=_("lot")
    )
    holder = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="licences", verbose_name=_("holder")
    )
    deposit = models.ForeignKey(
        Deposit, on_delete=models.PROTECT, related_name="licences", verbose_name=_("deposit")
    )
    licence_type = models.CharField(_("licence type"), max_length=12, choices=LicenceType.choices)
    term_years = models.PositiveSmallIntegerField(_("term, years"))
    area_km2 = models.DecimalField(_("area, km²"), max_digits=12, decimal_places=3)
    signature_bonus = money_field(_("signature bonus, KZT"))
    payment_deadline = models.DateField(_("bonus payment deadline"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.AWAITING_PAYMENT
    )
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    bonus_recorded_at = models.DateTimeField(_("bonus payment recorded"), null=True, blank=True)
    bonus_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bonus payment recorded by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        constraints = [
            # A forfeited offer makes way for the next bidder's; any other licence is the
            # lot's one and only.
            models.UniqueConstraint(
                fields=["lot"],
                condition=~Q(status="forfeited"),
                name="licence_one_standing_per_lot",
                violation_error_message=_("This lot already has a licence."),
            ),
            licence_term_constraint("term_years", name="licence_term_within_limit"),
            models.CheckConstraint(
                condition=Q(signature_bonus__gt=0) & Q(area_km2__gt=0),
                name="licence_bonus_and_area_positive",
                violation_error_message=_("The signature bonus and area must be positive."),
            ),
            models.CheckConstraint(
                condition=(Q(issued_on__isnull=True) & Q(expires_on__isnull=True))
                | (
                    Q(issued_on__isnull=False)
                    & Q(expires_on__isnull=False)
                    & Q(expires_on__gt=F("issued_on"))
                ),
                name="licence_expiry_after_issue",
                violation_error_message=_("A licence expires after it is issued."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["active", "suspended", "expired"])
                | Q(issued_on__isnull=False),
                name="licence_active_is_issued",
                violation_error_message=_("An active, suspended or expired licence was issued."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.get_licence_type_display()}, {self.deposit.name}"

    @property
    def is_awaiting_payment(self) -> bool:
        return self.status == self.Status.AWAITING_PAYMENT

    @property
    def is_public(self) -> bool:
        """An issued licence in force or run out: anyone may see its certificate."""
        return self.status in PUBLIC_CERTIFICATE_STATUSES


# Licences whose certificate anyone may download; others only their holder and staff.
PUBLIC_CERTIFICATE_STATUSES = (Licence.Status.ACTIVE, Licence.Status.EXPIRED)


class LicenceNumberSeries(models.Model):
    """The last number given in one series of licence numbers, such as KZ-P-2026."""

    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    last_number = models.PositiveIntegerField(_("last number given"), default=0)

    class Meta:
        ordering = ["prefix"]
        verbose_name = _("licence number series")
        verbose_name_plural = _("licence number series")

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last_number}"
