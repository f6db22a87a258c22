"""What the bidders' API reads and writes: explicit shapes, never the tables themselves."""

from dataclasses import fields
from decimal import Decimal

from django.urls import reverse
from django_countries.serializer_fields import CountryField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from bidders.models import Company, CompanyDocument
from bidders.services import CompanyDetails, OwnerDetails

# A decision decides: it approves, rejects or suspends; a company is never decided pending.
DECIDED_STATUSES = [
    (value, label) for value, label in Company.Status.choices if value != Company.Status.PENDING
]


# --- Input ------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Owner")
class OwnerInputSerializer(serializers.Serializer):
    """A beneficial owner as the bidder declares it."""

    full_name = serializers.CharField(max_length=255)
    country = CountryField()
    identifier = serializers.CharField(max_length=64, help_text="Passport or registration number.")
    share_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("100")
    )


class CompanyUpdateSerializer(serializers.Serializer):
    """A company's details and beneficial owners, as the bidder submits them."""

    legal_name = serializers.CharField(max_length=255)
    country = CountryField()
    registration_number = serializers.CharField(max_length=64)
    tax_number = serializers.CharField(max_length=64)
    address = serializers.CharField()
    contact_name = serializers.CharField(max_length=200)
    contact_email = serializers.EmailField()
    contact_phone = serializers.CharField(max_length=40, allow_blank=True, default="")
    owners = OwnerInputSerializer(many=True, allow_empty=False)

    def company_details(self) -> CompanyDetails:
        """Return the validated company details for the services."""
        return CompanyDetails(
            **{field.name: self.validated_data[field.name] for field in fields(CompanyDetails)}
        )

    def owner_details(self) -> list[OwnerDetails]:
        """Return the validated beneficial owners for the services."""
        return [OwnerDetails(**owner) for owner in self.validated_data["owners"]]


class CompanyRegistrationSerializer(CompanyUpdateSerializer):
    """A new company, with the registering user's position in it."""

    position = serializers.CharField(max_length=120, allow_blank=True, default="")


@extend_schema_serializer(component_name="Document")
class DocumentUploadSerializer(serializers.Serializer):
    """One document file for the company's approval (PDF, JPEG or PNG)."""

    kind = serializers.ChoiceField(choices=CompanyDocument.Kind.choices)
    file = serializers.FileField(help_text="PDF, JPEG or PNG; its content must match its name.")


# --- Output -----------------------------------------------------------------------------


class OwnerSerializer(serializers.Serializer):
    """A beneficial owner of a company."""

    full_name = serializers.CharField()
    country = CountryField()
    identifier = serializers.CharField()
    share_percent = serializers.DecimalField(max_digits=5, decimal_places=2)


class DocumentSerializer(serializers.Serializer):
    """An uploaded company document, downloadable only by its company and staff."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CompanyDocument.Kind.choices)
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField(
        help_text="Where the company's representatives and staff download the file."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, document: CompanyDocument) -> str:
        """Return the URL that serves the file to its company and staff."""
        url = reverse("api-company-document-download", args=[document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class DecisionSerializer(serializers.Serializer):
    """A ministry decision on the company; who decided stays internal."""

    status = serializers.ChoiceField(choices=DECIDED_STATUSES)
    reason = serializers.CharField()
    decided_at = serializers.DateTimeField()


class CompanySerializer(serializers.Serializer):
    """The caller's company with its owners, documents and the decisions on it."""

    id = serializers.IntegerField()
    legal_name = serializers.CharField()
    country = CountryField()
    registration_number = serializers.CharField()
    tax_number = serializers.CharField()
    address = serializers.CharField()
    contact_name = serializers.CharField()
    contact_email = serializers.EmailField()
    contact_phone = serializers.CharField()
    status = serializers.ChoiceField(choices=Company.Status.choices)
    status_reason = serializers.CharField(help_text="Why it was rejected or suspended.")
    submitted_at = serializers.DateTimeField()
    beneficial_owners = OwnerSerializer(many=True)
    documents = DocumentSerializer(many=True)
    decisions = DecisionSerializer(many=True, help_text="Newest first.")
