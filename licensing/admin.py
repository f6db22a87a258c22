from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_actions import apply_to_each
from core.admin_display import kzt_column
from core.admin_guard import GuardedAdmin
from licensing import services
from licensing.models import Licence


@admin.register(Licence)
class LicenceAdmin(GuardedAdmin, admin.ModelAdmin):
    """Licences come from settled lots and change only through services: no hand edits."""

    list_display = [
        "number",
        "holder",
        "deposit",
        "licence_type",
        "term_years",
        kzt_column("signature_bonus", _("signature bonus")),
        "status",
        "payment_deadline",
        "issued_on",
        "expires_on",
    ]
    list_filter = [
        "status",
        "licence_type",
        ("deposit__region", admin.RelatedOnlyFieldListFilter),
        "lot__event",
        "payment_deadline",
    ]
    list_select_related = ["holder", "deposit", "deposit__region"]
    search_fields = ["number", "holder__legal_name", "deposit__name"]
    date_hierarchy = "created_at"
    actions = ["record_bonus_payment"]
    fields = [
        "number",
        "status",
        "holder",
        "lot",
        "deposit",
        "licence_type",
        "term_years",
        "area_km2",
        "signature_bonus",
        "payment_deadline",
        "bonus_recorded_at",
        "bonus_recorded_by",
        "issued_on",
        "expires_on",
        "created_at",
        "certificate",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A licence is offered by settling a won lot, never typed in.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Licence | None = None) -> bool:
        return False

    @admin.display(description=_("certificate"))
    def certificate(self, licence: Licence) -> str:
        url = reverse("licensing:certificate", args=[licence.number])
        return format_html('<a href="{}">{}</a>', url, _("Download the certificate (PDF)"))

    @admin.action(
        description=_("Record the signature bonus as paid (licence comes into force)"),
        permissions=["change"],
    )
    def record_bonus_payment(self, request: HttpRequest, queryset: QuerySet[Licence]) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda licence: services.record_bonus_payment(
                licence_id=licence.pk, recorded_by=request.user
            ),
            str(_("Bonus recorded")),
        )
