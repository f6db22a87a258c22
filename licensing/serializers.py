"""What the public API shows of a licence: what the public registry shows, no more."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from auctions.models import LicenceType
from auctions.serializers import CurrencyField, money
from deposits.serializers import DepositSummarySerializer, ShapeField
from licensing.models import Licence


class HolderSerializer(serializers.Serializer):
    """The company holding a licence."""

    legal_name = serializers.CharField()
    country = serializers.CharField(source="country.code", help_text="ISO 3166 code.")


class LicenceSerializer(serializers.Serializer):
    """A licence as the public registry lists it."""

    number = serializers.CharField(help_text="E.g. KZ-E-2026-0001.")
    holder = HolderSerializer()
    deposit = DepositSummarySerializer()
    licence_type = serializers.ChoiceField(choices=LicenceType.choices)
    term_years = serializers.IntegerField()
    area_km2 = serializers.DecimalField(max_digits=12, decimal_places=3)
    licence_area = ShapeField(
        source="lot.licence_area",
        help_text="The licence area of the lot it was won in, as a GeoJSON geometry, or null.",
    )
    currency = CurrencyField()
    signature_bonus = money()
    status = serializers.ChoiceField(choices=Licence.Status.choices)
    payment_deadline = serializers.SerializerMethodField(
        help_text="While the signature bonus is awaited; null otherwise."
    )
    issued_on = serializers.DateField(allow_null=True)
    expires_on = serializers.DateField(allow_null=True)
    certificate_url = serializers.SerializerMethodField(
        help_text="The PDF certificate, for a licence in force or expired; null otherwise."
    )

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_payment_deadline(self, licence: Licence) -> str | None:
        if not licence.is_awaiting_payment:
            return None
        return serializers.DateField().to_representation(licence.payment_deadline)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_certificate_url(self, licence: Licence) -> str | None:
        if not licence.is_public:
            return None
        path = reverse("licensing:certificate", args=[licence.number])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path
