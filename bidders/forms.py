"""Bidders' forms: shape the input for the services, and show the services' refusals."""

from collections.abc import Mapping
from dataclasses import fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserChangeForm
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from bidders.models import Company, CompanyDocument, Representative
from bidders.services import (
    DOCUMENT_TYPES,
    CompanyDetails,
    OwnerDetails,
    add_representative,
    check_document,
    refuse_staff,
)
from core.errors import DomainError
from core.held_uploads import HeldUpload

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Where each refusal of the bidder services belongs on the page.
FIELD_OF_ERROR = {"company_exists": "registration_number"}
OWNER_ERRORS = frozenset({"owners_required", "owner_shares", "owner_repeated"})
# The registration's three file fields, each the document kind it uploads.
DOCUMENT_FIELDS = {
    "registration_certificate": CompanyDocument.Kind.REGISTRATION_CERTIFICATE,
    "ownership_structure": CompanyDocument.Kind.OWNERSHIP_STRUCTURE,
    "power_of_attorney": CompanyDocument.Kind.POWER_OF_ATTORNEY,
}
# A registration page names a document held from the previous attempt by `<field>_held`.
HELD_SUFFIX = "_held"
ACCEPTED_EXTENSIONS = ",".join(f".{extension}" for extension in DOCUMENT_TYPES)
COMPANY_FIELDS = tuple(field.name for field in fields(CompanyDetails))
OWNER_FIELDS = tuple(field.name for field in fields(OwnerDetails))


def country_field(label: "StrOrPromise") -> forms.Field:
    """Return a required country choice, its empty option asking to choose."""
    # django-countries' stubs type blank_label as str; the field takes a lazy string too.
    return CountryField(blank_label=_("Choose a country")).formfield(  # type: ignore[call-overload]
        label=label
    )


class DocumentInput(forms.ClearableFileInput):
    """A document's file input; the browser does not demand a file while a held one counts."""

    is_held = False

    def use_required_attribute(self, initial: object) -> bool:
        return super().use_required_attribute(initial) and not self.is_held


def document_field(label: "StrOrPromise") -> forms.FileField:
    """Return a file field that offers only the document types the platform accepts."""
    return forms.FileField(label=label, widget=DocumentInput(attrs={"accept": ACCEPTED_EXTENSIONS}))


def document_help_text() -> str:
    """Say which files are accepted, with the size limit currently in force."""
    megabytes = max(settings.DOCUMENT_MAX_BYTES // (1024 * 1024), 1)
    return _("PDF, JPEG or PNG, at most %(megabytes)s MB.") % {"megabytes": megabytes}


def checked_document(upload: UploadedFile) -> UploadedFile:
    """Return the upload if the document rules accept it; raise ValidationError otherwise."""
    try:
        check_document(upload)
    except DomainError as error:
        raise forms.ValidationError(error.message, code=error.code) from None
    return upload


class CompanyForm(forms.Form):
    """A company's details as a bidder enters and corrects them."""

    legal_name = forms.CharField(label=_("Legal name"), max_length=255)
    country = country_field(_("Country of registration"))
    registration_number = forms.CharField(label=_("Registration number"), max_length=64)
    tax_number = forms.CharField(label=_("Tax number"), max_length=64)
    address = forms.CharField(
        label=_("Registered address"), widget=forms.Textarea(attrs={"rows": 3})
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=200)
    contact_email = forms.EmailField(label=_("Contact email"))
    contact_phone = forms.CharField(
        label=_("Contact phone (optional)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    @classmethod
    def initial_from(cls, company: Company) -> dict[str, str]:
        """Return the form's initial data for an existing company."""
        initial = {name: getattr(company, name) for name in COMPANY_FIELDS}
        # django-countries' stubs leave the field a CharField (str); it holds a Country.
        initial["country"] = company.country.code  # type: ignore[attr-defined]
        return initial

    def company_details(self) -> CompanyDetails:
        """Return the cleaned company fields as the services' company details."""
        return CompanyDetails(**{name: self.cleaned_data[name] for name in COMPANY_FIELDS})

    def add_domain_error(self, error: DomainError, owners: "BaseOwnerFormSet") -> None:
        """Show a service's refusal next to the input it concerns."""
        if error.code in OWNER_ERRORS:
            owners.non_form_errors().append(error.message)
        else:
            self.add_error(FIELD_OF_ERROR.get(error.code), error.message)


class RegistrationForm(CompanyForm):
    """A new company's details, its representative's position and its three documents."""

    position = forms.CharField(label=_("Your position in the company"), max_length=120)
    registration_certificate = document_field(_("Certificate of registration"))
    ownership_structure = document_field(_("Ownership structure"))
    power_of_attorney = document_field(_("Power of attorney for you as representative"))

    def __init__(
        self, *args: Any, held: Mapping[str, HeldUpload] | None = None, **kwargs: Any
    ) -> None:
        """`held` describes the documents kept from the previous attempt; `initial` carries
        them opened, so that a field left empty takes its held file (and checks it again)."""
        super().__init__(*args, **kwargs)
        for name in DOCUMENT_FIELDS:
            self.fields[name].help_text = document_help_text()
        self.keep_documents(held or {})

    def keep_documents(self, held: Mapping[str, HeldUpload]) -> None:
        """Show these documents as kept for the next attempt, needing no new file."""
        self.held = dict(held)
        for name in DOCUMENT_FIELDS:
            self.fields[name].widget.is_held = name in self.held

    def accepted_documents(self) -> dict[str, UploadedFile]:
        """Return the documents that passed their checks, chosen now or held."""
        return {
            name: self.cleaned_data[name]
            for name in DOCUMENT_FIELDS
            if name in self.cleaned_data and name not in self.errors
        }

    def is_held_document(self, name: str, upload: UploadedFile) -> bool:
        """Say whether `upload` is the held file standing in for an empty field."""
        return name in self.held and upload is self.initial.get(name)

    def clean_registration_certificate(self) -> UploadedFile:
        return checked_document(self.cleaned_data["registration_certificate"])

    def clean_ownership_structure(self) -> UploadedFile:
        return checked_document(self.cleaned_data["ownership_structure"])

    def clean_power_of_attorney(self) -> UploadedFile:
        return checked_document(self.cleaned_data["power_of_attorney"])


class OwnerForm(forms.Form):
    """One beneficial owner of the company."""

    full_name = forms.CharField(label=_("Full name"), max_length=255)
    country = country_field(_("Country"))
    identifier = forms.CharField(label=_("Passport or registration number"), max_length=64)
    share_percent = forms.DecimalField(
        label=_("Share, %"),
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )

    def owner_details(self) -> OwnerDetails:
        """Return the cleaned input as the services' owner details."""
        return OwnerDetails(**{name: self.cleaned_data[name] for name in OWNER_FIELDS})


class BaseOwnerFormSet(forms.BaseFormSet):
    """The company's owners; the services decide whether together they add up."""

    def owner_details(self) -> list[OwnerDetails]:
        """Return the owners entered, skipping rows left empty or marked for removal."""
        return [
            form.owner_details()
            for form in self.forms
            if form.has_changed() and form not in self.deleted_forms
        ]

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this owner")

    @classmethod
    def initial_from(cls, company: Company) -> list[dict[str, object]]:
        """Return the formset's initial rows for an existing company's owners."""
        return [
            {
                "full_name": owner.full_name,
                # django-countries' stubs leave the field a CharField (str); it holds a
                # Country.
                "country": owner.country.code,  # type: ignore[attr-defined]
                "identifier": owner.identifier,
                "share_percent": owner.share_percent,
            }
            for owner in company.beneficial_owners.all()
        ]


# Every row may be left empty: whether enough owners are listed is the services' rule.
RegistrationOwnerFormSet = forms.formset_factory(OwnerForm, formset=BaseOwnerFormSet, extra=3)
EditOwnerFormSet = forms.formset_factory(
    OwnerForm, formset=BaseOwnerFormSet, extra=1, can_delete=True, can_delete_extra=False
)


class DocumentUploadForm(forms.Form):
    """A new version of one of the company's documents."""

    kind = forms.ChoiceField(label=_("Document"), choices=CompanyDocument.Kind.choices)
    file = document_field(_("File"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = document_help_text()

    def clean_file(self) -> UploadedFile:
        return checked_document(self.cleaned_data["file"])


class ApplicationForm(forms.Form):
    """A company's application for a lot: the lot's terms must be accepted."""

    accept_terms = forms.BooleanField(
        label=_(
            "I accept the lot's terms: the participation fee is not refunded, and the "
            "guarantee deposit counts toward the signature bonus if we win, is refunded if "
            "we lose, and is forfeited if we win and do not pay."
        ),
        error_messages={"required": _("Accept the lot's terms to apply.")},
    )


class RepresentativeForm(forms.ModelForm):
    """A representative as staff add or change one in the admin: never a staff account."""

    class Meta:
        model = Representative
        fields = ["user", "company", "position", "language"]

    def clean_user(self) -> object:
        user = self.cleaned_data["user"]
        try:
            refuse_staff(user)
        except DomainError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        return user


class RepresentativeFormSet(forms.BaseInlineFormSet):
    """A company's representatives in the admin; new ones through the one service."""

    def save_new(self, form: forms.ModelForm, commit: bool = True) -> Representative:
        return add_representative(
            user=form.cleaned_data["user"],
            company=self.instance,
            position=form.cleaned_data.get("position", ""),
            language=form.cleaned_data.get("language", ""),
        )


class StaffAccountForm(UserChangeForm):
    """An account as the admin edits it: a company's representative never becomes staff."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        representative = (
            Representative.objects.filter(user_id=self.instance.pk)
            .select_related("company")
            .first()
        )
        if representative is not None and (cleaned.get("is_staff") or cleaned.get("is_superuser")):
            raise forms.ValidationError(
                _(
                    "%(username)s represents %(company)s, and a company's representative is "
                    "never staff or a superuser. Give the person a separate staff account."
                )
                % {
                    "username": self.instance.get_username(),
                    "company": representative.company.legal_name,
                },
                code="representative_not_staff",
            )
        return cleaned
