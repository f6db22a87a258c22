from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from modeltranslation.admin import TranslationAdmin

from auctions import engine, selectors, services
from auctions.models import Application, AuctionEvent, Bid, LiveLot, Lot, Payment, Result
from auctions.resources import LotResource
from core.admin_actions import apply_to_each, ask_reason_then
from core.money import format_kzt, format_usd
from core.uploads import SizeLimitedImportForm


@admin.register(AuctionEvent)
class AuctionEventAdmin(TranslationAdmin):
    list_display = ["name", "code", "lot_count", "kzt_per_usd", "results_published_at"]
    search_fields = ["name", "code"]
    readonly_fields = ["results_published_at", "results_notified_at", "results_totals"]
    actions = ["publish_results"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuctionEvent]:
        return super().get_queryset(request).annotate(lot_count=Count("lots"))

    @admin.display(description=_("lots"), ordering="lot_count")
    def lot_count(self, event: AuctionEvent) -> str:
        url = reverse("admin:auctions_lot_changelist") + f"?event__id__exact={event.pk}"
        return format_html('<a href="{}">{}</a>', url, event.lot_count)

    @admin.display(description=_("results in figures"))
    def results_totals(self, event: AuctionEvent) -> str:
        if event.pk is None:
            return "—"
        totals = selectors.event_totals(event.pk)
        usd = format_usd(totals.bonus_usd) if totals.bonus_usd is not None else _("no rate set")
        return format_html(
            '{}: {} · {}: {} · {}: {} · {}: {}<br>{}: {} ({})<br><a href="{}">{}</a>',
            _("offered"),
            totals.lots_offered,
            _("awarded"),
            totals.lots_awarded,
            _("failed"),
            totals.lots_failed,
            _("not finished"),
            totals.lots_unfinished,
            _("signature bonuses"),
            format_kzt(totals.bonus_kzt),
            usd,
            reverse("auctions:event_results", args=[event.code]),
            _("Open the results page (a preview until published)"),
        )

    @admin.action(
        description=_("Publish results (lots not finished yet stay hidden until they finish)"),
        permissions=["change"],
    )
    def publish_results(self, request: HttpRequest, queryset: QuerySet[AuctionEvent]) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda event: services.publish_results(
                event_id=event.pk, published_by=request.user, early=True
            ),
            str(_("Results published")),
        )


class MineralFilter(admin.SimpleListFilter):
    title = _("mineral")
    parameter_name = "mineral"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        from deposits.models import Mineral

        return [(m.code, m.name) for m in Mineral.objects.order_by("name")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Lot]) -> QuerySet[Lot]:
        if self.value():
            return queryset.filter(deposit__reserves__mineral__code=self.value()).distinct()
        return queryset


def is_identity_hidden(application: Application) -> bool:
    """While a lot runs, staff too see its participants by number only (DESIGN.md)."""
    return application.lot.status in (Lot.Status.LIVE, Lot.Status.PAUSED)


class HidesRunningLotsFromNameSearch:
    """A search by company name leaves out running lots' rows: a match would tell staff
    which number a company bids under."""

    running_lot_path: str

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            running = {f"{self.running_lot_path}__status__in": [Lot.Status.LIVE, Lot.Status.PAUSED]}
            queryset = queryset.exclude(**running)
        return queryset, may_have_duplicates


@admin.display(description=_("company"))
def company_identity(application: Application) -> str:
    if is_identity_hidden(application):
        return str(_("Hidden while the lot is live"))
    return application.company.legal_name


class ApplicationInline(admin.TabularInline):
    model = Application
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["participant_number", company_identity, "status", "submitted_at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        return super().get_queryset(request).select_related("company", "lot")

    def has_add_permission(self, request: HttpRequest, obj: Lot | None = None) -> bool:
        return False


@admin.action(description=_("Cancel selected lots (with a reason)"), permissions=["change"])
def cancel(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Lot]
) -> TemplateResponse | None:
    """Cancel lots for good, from the lot list or the live monitor, each with a reason."""
    return ask_reason_then(
        modeladmin,
        request,
        queryset,
        title=str(_("Cancel lots")),
        service=lambda lot, reason: engine.cancel_lot(lot_id=lot.pk, reason=reason),
        done=str(_("Cancelled")),
    )


@admin.register(Lot)
class LotAdmin(ImportExportModelAdmin):
    resource_classes = [LotResource]
    import_form_class = SizeLimitedImportForm
    list_display = [
        "number",
        "event",
        "deposit",
        "region",
        "licence_type",
        "licence_term_years",
        "starting_price",
        "status",
        "application_deadline",
        "starts_at",
    ]
    list_display_links = ["number", "deposit"]
    list_filter = [
        "event",
        "status",
        "licence_type",
        MineralFilter,
        ("deposit__region", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["event", "deposit", "deposit__region"]
    search_fields = ["deposit__name", "deposit__code", "event__name"]
    ordering = ["event", "number"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["deposit"]
    readonly_fields = ["status", "status_reason", "current_price", "leader", "version", "bid_log"]
    inlines = [ApplicationInline]
    actions = ["publish", cancel]
    fieldsets = [
        (None, {"fields": ["event", "number", "deposit", "status", "status_reason"]}),
        (
            _("Licence"),
            {"fields": ["licence_type", "licence_term_years", "area_km2", "licensing_blocks"]},
        ),
        (
            _("Money (KZT)"),
            {
                "fields": [
                    "starting_price",
                    "bid_step",
                    "participation_fee",
                    "guarantee_deposit",
                    "min_annual_work_expenditure",
                ]
            },
        ),
        (
            _("Schedule (Astana time)"),
            {
                "fields": [
                    "application_deadline",
                    "starts_at",
                    "ends_at",
                    "hard_end",
                    "soft_close_window",
                    "single_participant_rule",
                ]
            },
        ),
        (_("Live state"), {"fields": ["current_price", "leader", "version", "bid_log"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Lot | None = None) -> list[str]:
        # Once published, a lot's terms are what bidders applied for; only services move
        # its state.
        if obj is not None and obj.status != Lot.Status.DRAFT:
            return [field.name for field in Lot._meta.fields] + ["bid_log"]
        return list(self.readonly_fields)

    @admin.display(description=_("region"), ordering="deposit__region__name")
    def region(self, lot: Lot) -> str:
        return str(lot.deposit.region)

    @admin.display(description=_("bid log"))
    def bid_log(self, lot: Lot) -> str:
        url = reverse("admin:auctions_bid_changelist") + f"?lot__id__exact={lot.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Open the bid log"))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Lot], search_term: str
    ) -> tuple[QuerySet[Lot], bool]:
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        # isdecimal, not isdigit: '²' is a digit that int() refuses.
        if term.isdecimal() and len(term) <= 5:
            queryset |= self.model.objects.filter(number=int(term))
        return queryset, may_have_duplicates

    @admin.action(
        description=_("Publish selected lots (open for applications)"), permissions=["change"]
    )
    def publish(self, request: HttpRequest, queryset: QuerySet[Lot]) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda lot: services.publish_lot(lot_id=lot.pk),
            str(_("Published")),
        )


@admin.register(LiveLot)
class LiveLotAdmin(admin.ModelAdmin):
    """Running and paused lots at a glance; participants appear by number only."""

    change_list_template = "admin/auctions/livelot/change_list.html"
    list_display = [
        "number",
        "event",
        "deposit",
        "status",
        "current_price",
        "leading_participant",
        "bid_count",
        "ends_at",
        "hard_end",
        "room",
    ]
    list_display_links = None
    list_select_related = ["event", "deposit", "leader"]
    ordering = ["ends_at"]
    actions = ["pause", "resume", cancel]

    def get_queryset(self, request: HttpRequest) -> QuerySet[LiveLot]:
        return super().get_queryset(request).filter(status__in=[Lot.Status.LIVE, Lot.Status.PAUSED])

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: LiveLot | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LiveLot | None = None) -> bool:
        # The monitor changes lots only through its actions, each a service call.
        return obj is None and request.user.has_perm("auctions.change_lot")

    @admin.display(description=_("leading"))
    def leading_participant(self, lot: LiveLot) -> str:
        if lot.leader is None:
            return "—"
        return str(_("Participant %(number)s") % {"number": lot.leader.participant_number})

    @admin.display(description=_("room"))
    def room(self, lot: LiveLot) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("auctions:room", args=[lot.pk]), _("Watch")
        )

    @admin.action(description=_("Pause selected lots (with a reason)"), permissions=["change"])
    def pause(self, request: HttpRequest, queryset: QuerySet[LiveLot]) -> TemplateResponse | None:
        return ask_reason_then(
            self,
            request,
            queryset,
            title=str(_("Pause lots")),
            service=lambda lot, reason: engine.pause_lot(lot_id=lot.pk, reason=reason),
            done=str(_("Paused")),
        )

    @admin.action(description=_("Resume selected lots"), permissions=["change"])
    def resume(self, request: HttpRequest, queryset: QuerySet[LiveLot]) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda lot: engine.resume_lot(lot_id=lot.pk),
            str(_("Resumed")),
        )


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = ["kind", "amount", "reference", "status", "received_at", "bank_reference"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Application | None = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(HidesRunningLotsFromNameSearch, admin.ModelAdmin):
    running_lot_path = "lot"
    list_display = [
        "__str__",
        "lot",
        company_identity,
        "status",
        "participant_number",
        "payments_received",
        "affiliation",
        "submitted_at",
    ]
    list_filter = ["status", "lot__event"]
    list_select_related = ["lot", "lot__deposit", "company"]
    search_fields = ["company__legal_name", "lot__deposit__name"]
    readonly_fields = [
        "affiliation_warning",
        "lot",
        company_identity,
        "status",
        "participant_number",
        "rejection_reason",
        "terms_accepted_at",
        "submitted_at",
        "decided_at",
        "decided_by",
    ]
    # Every field is shown read-only, the company as the monitor allows: nothing here is
    # edited by hand.
    fields = readonly_fields
    inlines = [PaymentInline]
    actions = ["admit", "reject"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        return selectors.with_affiliation_flag(
            super().get_queryset(request).prefetch_related("payments")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Companies apply themselves; staff only decide.
        return False

    @admin.display(description=_("payments received"))
    def payments_received(self, application: Application) -> str:
        payments = application.payments.all()
        received = sum(payment.status == Payment.Status.RECEIVED for payment in payments)
        return f"{received} / {len(payments)}"

    @admin.display(description=_("affiliation"), boolean=False)
    def affiliation(self, application: Application) -> str:
        return "⚠ " + str(_("shared owner")) if application.has_affiliated_rival else ""

    @admin.display(description=_("affiliated applicants"))
    def affiliation_warning(self, application: Application) -> str:
        if is_identity_hidden(application):
            return str(_("Hidden while the lot is live"))
        rivals = list(selectors.affiliated_rivals(application))
        if not rivals:
            return str(_("None: no other applicant of this lot shares a beneficial owner."))
        return format_html(
            '<strong class="errornote">⚠ {}</strong><ul>{}</ul>',
            _(
                "Affiliated companies must not bid against each other on the same lot. "
                "These applicants share a beneficial owner with this company:"
            ),
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({})</li>',
                (
                    (
                        reverse("admin:auctions_application_change", args=[rival.pk]),
                        rival.company.legal_name,
                        rival.get_status_display(),
                    )
                    for rival in rivals
                ),
            ),
        )

    @admin.action(description=_("Admit selected applications"), permissions=["change"])
    def admit(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda application: services.admit_application(
                application_id=application.pk, decided_by=request.user
            ),
            str(_("Admitted")),
        )

    @admin.action(
        description=_("Reject selected applications (with a reason)"), permissions=["change"]
    )
    def reject(
        self, request: HttpRequest, queryset: QuerySet[Application]
    ) -> TemplateResponse | None:
        return ask_reason_then(
            self,
            request,
            queryset,
            title=str(_("Reject applications")),
            service=lambda application, reason: services.reject_application(
                application_id=application.pk, reason=reason, decided_by=request.user
            ),
            done=str(_("Rejected")),
        )


@admin.register(Payment)
class PaymentAdmin(HidesRunningLotsFromNameSearch, admin.ModelAdmin):
    running_lot_path = "application__lot"
    list_display = ["reference", "kind", "application", "amount", "status", "received_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["application", "application__lot"]
    search_fields = ["reference", "bank_reference", "application__company__legal_name"]
    readonly_fields = [
        "application",
        "kind",
        "amount",
        "reference",
        "status",
        "received_at",
        "recorded_by",
    ]
    actions = ["mark_received", "record_refund"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Payment | None = None) -> bool:
        return False

    @admin.action(description=_("Mark selected payments as received"), permissions=["change"])
    def mark_received(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda payment: services.record_payment_received(
                payment_id=payment.pk, recorded_by=request.user
            ),
            str(_("Marked received")),
        )

    @admin.action(description=_("Record selected deposits as refunded"), permissions=["change"])
    def record_refund(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        # Licensing builds on auctions, so it is imported when used, never when auctions
        # is loaded.
        from licensing.services import record_refund

        apply_to_each(
            self,
            request,
            queryset,
            lambda payment: record_refund(payment_id=payment.pk, recorded_by=request.user),
            str(_("Refunded")),
        )


@admin.register(Bid)
class BidAdmin(admin.ModelAdmin):
    """The bid log: visible to staff, never editable or deletable by anyone."""

    list_display = ["lot", "sequence", "participant_number", "amount", "placed_at", "short_hash"]
    list_filter = ["lot__event", ("lot", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["lot", "lot__deposit"]
    ordering = ["lot", "sequence"]
    actions = None
    # The published log's fields: who placed a bid (a user, hence a company) stays out of
    # the admin, or staff could put names to numbers while a lot runs.
    fields = [
        "lot",
        "sequence",
        "participant_number",
        "amount",
        "placed_at",
        "key",
        "prev_hash",
        "hash",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Bid | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Bid | None = None) -> bool:
        return False

    @admin.display(description=_("hash"))
    def short_hash(self, bid: Bid) -> str:
        return bid.hash[:16] + "…"


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = ["lot", "outcome", "winner", "winning_bonus", "bid_count", "closed_at"]
    list_filter = ["outcome", "lot__event"]
    list_select_related = ["lot", "lot__deposit", "winner", "winner__lot"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Result | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Result | None = None) -> bool:
        return False
