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
