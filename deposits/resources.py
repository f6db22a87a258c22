"""Bulk import of deposits and reserves (CSV/XLSX) for the admin."""

from import_export import fields

from core.import_widgets import CodeWidget, SpreadsheetResource
from deposits.models import Deposit, Mineral, Region, Reserve


class DepositResource(SpreadsheetResource):
    region = fields.Field(
        attribute="region", column_name="region", widget=CodeWidget(Region, field="code")
    )

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
