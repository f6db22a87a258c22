import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class Company(models.Model):
    """A bidder: a legal entity whose representatives apply for lots and bid."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")

    legal_name = models.CharField(_("legal name"), max_length=255)
    country = CountryField(_("country of registration"))
    registration_number = models.CharField(_("registration number"), max_length=64)
    tax_number = models.CharField(_("tax number"), max_length=64)
    address = models.TextField(_("registered address"))
    contact_name = models.CharField(_("contact person"), max_length=200)
    contact_email = models.EmailField(_("contact email"))
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    status_reason = models.TextField(_("reason for the status"), blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    submitted_at = models.DateTimeField(
        _("submitted for review"),
        default=timezone.now,
        help_text=_("Set again when a rejected company resubmits."),
    )

    class Meta:
        ordering = ["legal_name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "registration_number"],
                name="company_unique_registration",
                violation_error_message=_(
                    "A company with this registration number in this country already exists."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["rejected", "suspended"]) | ~Q(status_reason=""),
                name="company_rejection_has_reason",
                violation_error_message=_("A rejection or suspension needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        # django-countries' stubs leave the field a CharField (str) to the plugin; the
        # instance attribute is a Country.
        return f"{self.legal_name} ({self.country.code})"  # type: ignore[attr-defined]

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def is_editable_by_bidder(self) -> bool:
        """A company corrects its details while pending review or after a rejection."""
        return self.status in {self.Status.PENDING, self.Status.REJECTED}


class BeneficialOwner(models.Model):
    """A person or entity that ultimately owns a share of a company."""

    company = models.ForeignKey(
        Company,
        on_delete=models.CASCADE,
        related_name="beneficial_owners",
        verbose_name=_("company"),
    )
    full_name = models.CharField(_("full name"), max_length=255)
    country = CountryField(_("country"))
    # Passport or registration number: what tells two owners with one name apart, and
    # what links affiliated bidders.
    identifier = models.CharField(_("passport or registration number"), max_length=64)
    share_percent = models.DecimalField(_("share, %"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["company", "-share_percent"]
        verbose_name = _("beneficial owner")
        verbose_name_plural = _("beneficial owners")
        constraints = [
            models.CheckConstraint(
                condition=Q(share_percent__gt=0, share_percent__lte=100),
                name="owner_share_between_0_and_100",
                violation_error_message=_("A share must be above 0% and at most 100%."),
            ),
            models.UniqueConstraint(
                fields=["company", "country", "identifier"],
                name="owner_unique_per_company",
                violation_error_message=_("This owner is already listed for the company."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name}: {self.share_percent}% of {self.company.legal_name}"


class Representative(models.Model):
    """A user who logs in and acts for one company."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="representative",
        verbose_name=_("user"),
    )
    company = models.ForeignKey(
        Company,
        on_delete=models.CASCADE,
        related_name="representatives",
        verbose_name=_("company"),
    )
    position = models.CharField(_("position"), max_length=120, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language this person last used on Nedra; emails come in it."),
    )

    class Meta:
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")

    def __str__(self) -> str:
        return f"{self.user.get_username()} for {self.company.legal_name}"


def document_path(document: "CompanyDocument", filename: str) -> str:
    """Store each upload under a random name, out of any public URL space."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"company-documents/{document.company_id}/{uuid.uuid4().hex}.{extension}"


class CompanyDocument(models.Model):
    """A document a company uploads for its approval; private to its users and staff."""

    class Kind(models.TextChoices):
        REGISTRATION_CERTIFICATE = "registration", _("Certificate of registration")
        OWNERSHIP_STRUCTURE = "ownership", _("Ownership structure")
        POWER_OF_ATTORNEY = "attorney", _("Power of attorney for the representative")

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="documents", verbose_name=_("company")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=document_path, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size, bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["company", "kind", "-uploaded_at"]
        verbose_name = _("company document")
        verbose_name_plural = _("company documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gt=0),
                name="document_not_empty",
                violation_error_message=_("A document cannot be empty."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name} ({self.company.legal_name})"


class CompanyDecision(models.Model):
    """One staff decision on a company's status; append-only audit trail."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("company")
    )
    status = models.CharField(_("decision"), max_length=10, choices=Company.Status.choices)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("company decision")
        verbose_name_plural = _("company decisions")

    def __str__(self) -> str:
        return f"{self.company.legal_name}: {self.get_status_display()}"
