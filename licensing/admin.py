from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import QueueRow, may_view, work_queue_source
from core.admin_actions import apply_to_each
from core.admin_display import kzt_column
from core.admin_guard import GuardedAdmin
from licensing import services
from licensing.models import Licence


def bonus_stage(stage: str) -> Q:
    """Licences awaiting the signature bonus within their deadline, or past it (Astana's
    date: the deadline is a day in Kazakhstan)."""
    today = timezone.localdate()
    awaiting = Q(status=Licence.Status.AWAITING_PAYMENT)
    if stage == "overdue":
        return awaiting & Q(payment_deadline__lt=today)
    return awaiting & Q(payment_deadline__gte=today)


class BonusPaymentFilter(admin.SimpleListFilter):
    title = _("signature bonus")
    parameter_name = "bonus"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("awaiting", _("Awaiting, within the deadline")), ("overdue", _("Overdue"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Licence]) -> QuerySet[Licence]:
        if self.value() in {"awaiting", "overdue"}:
            return queryset.filter(bonus_stage(self.value()))
        return queryset


@work_queue_source
def licences_awaiting_the_bonus(request: HttpRequest) -> list[QueueRow]:
    """Licences whose signature bonus is awaited, and those past their deadline."""
    if not may_view(request, Licence):
        return []
    counts = Licence.objects.aggregate(
        awaiting=Count("pk", filter=bonus_stage("awaiting")),
        overdue=Count("pk", filter=bonus_stage("overdue")),
    )
    url = reverse("admin:licensing_licence_changelist")
    return [
        QueueRow(
            _("Licences awaiting the signature bonus"),
            counts["awaiting"],
            f"{url}?bonus=awaiting",
        ),
        QueueRow(_("Licences with the bonus overdue"), counts["overdue"], f"{url}?bonus=overdue"),
    ]


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
        BonusPaymentFilter,
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
