"""Bulk import of deposits and reserves (CSV/XLSX) for the admin."""

import json
from typing import Any

from django.utils.translation import gettext as _
from import_export import fields, widgets

from core.import_widgets import CodeWidget, SpreadsheetResource
from deposits.models import Deposit, Mineral, Region, Reserve


class ShapeWidget(widgets.Widget):
    """A GeoJSON geometry in one cell (a Feature's geometry is taken from it); the model's
    own validation then checks the shape itself."""

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> dict | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as error:
                raise ValueError(
                    _("This is not GeoJSON (%(problem)s at character %(position)s).")
                    % {"problem": error.msg, "position": error.pos + 1}
                ) from None
        if isinstance(value, dict) and value.get("type") == "Feature":
            value = value.get("geometry")
        if not isinstance(value, dict):
            raise ValueError(_("This is not a GeoJSON geometry."))  # noqa: TRY004 - import-export shows a ValueError as the row's error
        return value

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else json.dumps(value, separators=(",", ":"))


class DepositResource(SpreadsheetResource):
    region = fields.Field(
        attribute="region", column_name="region", widget=CodeWidget(Region, field="code")
    )
    outline = fields.Field(attribute="outline", column_name="outline", widget=ShapeWidget())

    class Meta:
        model = Deposit
        import_id_fields = ["code"]
        fields = [
            "code",
            "name_en",
            "name_ru",
            "name_kk",
            "region",
            "latitude",
            "longitude",
            "area_km2",
            "licensing_blocks",
            "outline",
            "description_en",
            "description_ru",
            "description_kk",
            "exploration_history_en",
            "exploration_history_ru",
            "exploration_history_kk",
            "last_surveyed_year",
        ]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False


class ReserveResource(SpreadsheetResource):
    deposit = fields.Field(
        attribute="deposit", column_name="deposit", widget=CodeWidget(Deposit, field="code")
    )
    mineral = fields.Field(
        attribute="mineral", column_name="mineral", widget=CodeWidget(Mineral, field="code")
    )

    class Meta:
        model = Reserve
        import_id_fields = ["deposit", "mineral", "category"]
        fields = [
            "deposit",
            "mineral",
            "category",
            "quantity",
            "unit",
            "grade",
            "grade_unit",
            "estimated_on",
            "source",
        ]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False
