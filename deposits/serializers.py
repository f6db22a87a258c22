"""What the public API shows of regions, minerals and deposits: explicit shapes.

Names come in the caller's language (Accept-Language) through modeltranslation.
"""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deposits.models import Deposit, Mineral, Region, Reserve


class RegionSerializer(serializers.Serializer):
    """An administrative region of Kazakhstan."""

    code = serializers.SlugField(help_text="Stable identifier, e.g. east-kazakhstan.")
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Region.Kind.choices)


class RegionSummarySerializer(serializers.Serializer):
    """The region a deposit lies in."""

    code = serializers.SlugField()
    name = serializers.CharField()


class MineralSerializer(serializers.Serializer):
    """A commodity, flagged where it is a critical raw material."""

    code = serializers.SlugField(help_text="Stable identifier, e.g. gold.")
    symbol = serializers.CharField()
    name = serializers.CharField()
    group = serializers.ChoiceField(choices=Mineral.Group.choices)
    is_critical = serializers.BooleanField()


class ReserveSerializer(serializers.Serializer):
    """One mineral of a deposit in one reserve category."""

    mineral = serializers.SlugField(source="mineral.code", help_text="Mineral code.")
    category = serializers.ChoiceField(choices=Reserve.Category.choices)
    quantity = serializers.DecimalField(
        max_digits=20, decimal_places=3, help_text="Decimal string, in `unit`."
    )
    unit = serializers.ChoiceField(choices=Reserve.Unit.choices)
    grade = serializers.DecimalField(
        max_digits=10, decimal_places=4, allow_null=True, help_text="Decimal string, or null."
    )
    grade_unit = serializers.CharField(help_text="'%', 'g/t', or empty without a grade.")
    estimated_on = serializers.DateField()
    # DRF's metaclass moves declared fields off the class; the stubs read this as Field.source.
    source = serializers.CharField()  # type: ignore[assignment]


@extend_schema_field(serializers.ListField(child=serializers.SlugField()))
class MineralCodesField(serializers.Field):
    """The codes of a deposit's minerals, once each, from its prefetched minerals."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "Codes of the deposit's minerals, each once.")
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, deposit: Deposit) -> list[str]:
        return sorted({mineral.code for mineral in deposit.minerals.all()})


# OpenAPI's description of a shape: a GeoJSON geometry (RFC 7946).
SHAPE_SCHEMA = {
    "type": "object",
    "nullable": True,
    "description": "GeoJSON Polygon or MultiPolygon (RFC 7946): positions are [longitude, "
    "latitude] in WGS 84, each ring closed; null when no shape is on file.",
    "properties": {
        "type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
        "coordinates": {"type": "array", "items": {"type": "array"}},
    },
    "required": ["type", "coordinates"],
}


@extend_schema_field(SHAPE_SCHEMA)
class ShapeField(serializers.JSONField):
    """A shape as a GeoJSON geometry, or null."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)


class DepositSummarySerializer(serializers.Serializer):
    """The deposit a lot, a result or a licence is about."""

    code = serializers.SlugField(help_text="Cadastre code.")
    name = serializers.CharField()
    region = RegionSummarySerializer()
    minerals = MineralCodesField(source="*")


class DepositSerializer(serializers.Serializer):
    """A deposit with its location, status and reserves."""

    code = serializers.SlugField(help_text="Cadastre code: the deposit's stable identifier.")
    name = serializers.CharField()
    region = RegionSummarySerializer()
    latitude = serializers.DecimalField(
        max_digits=8, decimal_places=5, help_text="Of the centre, degrees north (WGS 84)."
    )
    longitude = serializers.DecimalField(
        max_digits=8, decimal_places=5, help_text="Of the centre, degrees east (WGS 84)."
    )
    area_km2 = serializers.DecimalField(max_digits=12, decimal_places=3, allow_null=True)
    licensing_blocks = serializers.IntegerField(allow_null=True)
    outline = ShapeField(help_text="The deposit's outline as a GeoJSON geometry, or null.")
    status = serializers.ChoiceField(choices=Deposit.Status.choices)
    minerals = MineralCodesField(source="*")
    reserves = ReserveSerializer(many=True)


class DepositDetailSerializer(DepositSerializer):
    """A deposit with everything the catalogue tells about it."""

    description = serializers.CharField()
    exploration_history = serializers.CharField()
    last_surveyed_year = serializers.IntegerField(allow_null=True)
