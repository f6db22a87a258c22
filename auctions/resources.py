"""Bulk import of lots (CSV/XLSX) for the admin; imported lots start as drafts."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields

from auctions.models import AuctionEvent, Lot
from core.import_widgets import CodeWidget, SpreadsheetResource
from deposits.models import Deposit
from deposits.resources import ShapeWidget


class LotResource(SpreadsheetResource):
    event = fields.Field(
        attribute="event", column_name="event", widget=CodeWidget(AuctionEvent, field="code")
    )
    deposit = fields.Field(
        attribute="deposit", column_name="deposit", widget=CodeWidget(Deposit, field="code")
    )
    licence_area = fields.Field(
        attribute="licence_area", column_name="licence_area", widget=ShapeWidget()
    )

    class Meta:
        model = Lot
        import_id_fields = ["event", "number"]
        # Status, price and leader are not importable: they change only through services.
        # Nor exported: the leader is an application, and an application can be opened to
        # see its company, so before the close an export would name the leading bidder.
        exclude = ["leader"]
        fields = [
            "event",
            "number",
            "deposit",
            "licence_type",
            "licence_term_years",
            "area_km2",
            "licensing_blocks",
            "licence_area",
            "min_annual_work_expenditure",
            "starting_price",
            "bid_step",
            "participation_fee",
            "guarantee_deposit",
            "application_deadline",
            "starts_at",
            "ends_at",
            "hard_end",
            "soft_close_window",
            "single_participant_rule",
        ]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False

    def after_init_instance(self, instance: Lot, new: bool, row: dict, **kwargs: object) -> None:
        """Refuse rows that would change a lot already open to bidders."""
        if not new and instance.status != Lot.Status.DRAFT:
            raise ValidationError(
                _("Lot %(number)s is %(status)s; only draft lots can be changed by import.")
                % {"number": instance.number, "status": instance.get_status_display().lower()}
            )
