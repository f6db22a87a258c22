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
