from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, F, ForeignKey, Model, OuterRef, Q, QuerySet
from django.forms import ModelChoiceField
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from modeltranslation.admin import TranslationAdmin

from auctions import ceilings, dataroom, documents, engine, identity, selectors, services
from auctions.models import (
    Application,
    AuctionEvent,
    BankDetails,
    Bid,
    Erratum,
    LiveLot,
    Lot,
    LotDocument,
    LotDocumentDownload,
    LotPause,
    Payment,
    PublishedResult,
    Result,
)
from auctions.resources import LotResource
from core.admin import QueueRow, may_view, work_queue_source
from core.admin_actions import apply_to_each, ask_reason_then
from core.admin_display import kzt_column
from core.admin_guard import GuardedAdmin
from core.errors import DomainError
from core.money import CENT, DECIMAL_PLACES, MAX_DIGITS, format_kzt, format_usd
from core.uploads import SizeLimitedImportForm

FROZEN_MESSAGE = _(
    "The results of this event are published: the event, its offered lots, their results "
    "and bids can no longer be changed or deleted. Correct a published figure with an "
    "erratum, which is shown publicly with its reason."
)


def is_frozen(event: AuctionEvent | None) -> bool:
    """Published means frozen: the admin changes nothing the public has seen."""
    return event is not None and event.are_results_published


@admin.register(AuctionEvent)
class AuctionEventAdmin(GuardedAdmin, TranslationAdmin):
    list_display = [
        "name",
        "code",
        "lot_count",
        "kzt_per_usd",
        "has_public_gallery",
        "results_published_at",
    ]
    search_fields = ["name", "code"]
    readonly_fields = ["results_published_at", "results_notified_at", "results_totals"]
    actions = ["publish_results"]

    def has_change_permission(self, request: HttpRequest, obj: AuctionEvent | None = None) -> bool:
        # A published event's page is view-only; the list's actions still need the
        # permission (publishing an event is refused by the service once it is published).
        return not is_frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: AuctionEvent | None = None) -> bool:
        return not is_frozen(obj) and super().has_delete_permission(request, obj)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        event = self.get_object(request, object_id)
        if is_frozen(event) and request.method == "GET":
            self.message_user(request, FROZEN_MESSAGE, messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AuctionEvent]) -> None:
        # The confirmation page already refuses published events; this guards a forged POST.
        super().delete_queryset(request, queryset.filter(results_published_at__isnull=True))

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
        totals = selectors.results.event_totals(event.pk)
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


@admin.display(description=_("company"))
def company_identity(application: Application) -> str:
    return identity.staff_hidden_note(application.lot.status) or application.company.legal_name


# Not sortable: an order by number would tell the numbers of rows that hide them.
@admin.display(description=_("participant number"))
def participant_number(application: Application) -> str:
    if application.participant_number is None:
        return "—"
    if not identity.staff_may_see_number(application.lot.status):
        return str(_("Hidden until the lot has finished"))
    return str(application.participant_number)


def participant_label(application: Application | None) -> str:
    """Name a participant by its number alone, never by the application (or a link to it)."""
    if application is None:
        return "—"
    return str(_("Participant %(number)s") % {"number": application.participant_number})


class ApplicationInline(admin.TabularInline):
    model = Application
    extra = 0
    can_delete = False
    show_change_link = True
    fields = [participant_number, company_identity, "status", "submitted_at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        # In order of submission: the model's own order, by participant number, would
        # tell the numbers the rows hide.
        return (
            super()
            .get_queryset(request)
            .select_related("company", "lot")
            .order_by("submitted_at", "pk")
        )

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
class LotAdmin(GuardedAdmin, ImportExportModelAdmin):
    resource_classes = [LotResource]
    import_form_class = SizeLimitedImportForm
    list_display = [
        "number",
        "event",
        "deposit",
        "region",
        "licence_type",
        "licence_term_years",
        kzt_column("starting_price", _("starting price")),
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
    readonly_fields = [
        "status",
        "status_reason",
        "current_price",
        "leading_participant",
        "version",
        "bid_log",
        "sealed_round",
    ]
    inlines = [ApplicationInline]
    actions = ["publish", cancel]
    fieldsets = [
        (None, {"fields": ["event", "number", "deposit", "status", "status_reason"]}),
        (
            _("Licence"),
            {
                "fields": [
                    "licence_type",
                    "licence_term_years",
                    "area_km2",
                    "licensing_blocks",
                    "licence_area",
                ]
            },
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
            _("Bid ceiling"),
            {"fields": ["bid_ceiling", "bid_ceiling_multiple"]},
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
        (
            _("Format"),
            {
                "fields": [
                    "format",
                    "sealed_round_ends_at",
                    "sealed_advancing_percent",
                    "sealed_advancing_minimum",
                    "sealed_round",
                ]
            },
        ),
        (
            _("Live state"),
            {"fields": ["current_price", "leading_participant", "version", "bid_log"]},
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Lot | None = None) -> list[str]:
        # Once published, a lot's terms are what bidders applied for; only services move
        # its state.
        if obj is not None and obj.status != Lot.Status.DRAFT:
            return [field.name for field in Lot._meta.fields] + [
                "leading_participant",
                "bid_log",
                "sealed_round",
            ]
        return list(self.readonly_fields)

    def has_change_permission(self, request: HttpRequest, obj: Lot | None = None) -> bool:
        # Once offered, every field is read-only and only services move a lot (its actions):
        # the page is a view, without a Save button that would change nothing.
        if obj is not None and obj.status != Lot.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Lot | None = None) -> bool:
        # An offered lot of a published event is part of its published results, and a
        # running one is cancelled (with a reason, in its public record), never deleted.
        if obj is not None and (
            obj.status in (Lot.Status.LIVE, Lot.Status.PAUSED)
            or (obj.status != Lot.Status.DRAFT and is_frozen(obj.event))
        ):
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Lot]) -> None:
        # The confirmation page already refuses them; this guards a forged POST.
        super().delete_queryset(
            request,
            queryset.exclude(
                ~Q(status=Lot.Status.DRAFT), event__results_published_at__isnull=False
            ),
        )

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: object
    ) -> ModelChoiceField | None:
        # A new or draft lot joins an event whose results are not published yet: a
        # published event's results are complete.
        if db_field.name == "event":
            kwargs["queryset"] = AuctionEvent.objects.filter(results_published_at__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("region"), ordering="deposit__region__name")
    def region(self, lot: Lot) -> str:
        return str(lot.deposit.region)

    @admin.display(description=_("leading participant"))
    def leading_participant(self, lot: Lot) -> str:
        return participant_label(lot.leader)

    @admin.display(description=_("bid log"))
    def bid_log(self, lot: Lot) -> str:
        # An unsaved lot has no bids; a link without its id would open every lot's.
        if lot.pk is None:
            return "—"
        url = reverse("admin:auctions_bid_changelist") + f"?lot__id__exact={lot.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Open the bid log"))

    @admin.display(description=_("sealed round"))
    def sealed_round(self, lot: Lot) -> str:
        # Before the round closes only the count exists in clear: the amounts are
        # encrypted (auctions/sealed.py), and no company is ever shown beside a number here.
        if lot.pk is None or not lot.is_two_stage:
            return "—"
        if lot.sealed_round_closed_at is None:
            return str(
                _(
                    "%(count)s sealed bids received. Amounts stay sealed until the round "
                    "closes; participants are shown by number only."
                )
                % {"count": lot.sealed_bid_count}
            )
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    bid.rank,
                    _("Participant %(number)s") % {"number": bid.participant_number},
                    format_kzt(bid.amount) if bid.amount is not None else "—",
                    _("advanced") if bid.advanced else _("stopped"),
                )
                for bid in lot.sealed_bids.order_by("rank")
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("rank"),
            _("participant"),
            _("sealed bid"),
            _("ascending round"),
            rows,
        )

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


def paused_by_itself() -> Q:
    """Lots paused now by the platform itself (participants dropped, a failure), not staff."""
    automatic = LotPause.objects.filter(lot=OuterRef("pk"), ended_at__isnull=True).exclude(
        cause=LotPause.Cause.STAFF
    )
    return Q(status=Lot.Status.PAUSED) & Q(Exists(automatic))


@admin.register(LiveLot)
class LiveLotAdmin(GuardedAdmin, admin.ModelAdmin):
    """Running and paused lots at a glance; participants appear by number only."""

    change_list_template = "admin/auctions/livelot/change_list.html"
    # Few and narrow columns, the room link second: the list fits a 1,366-pixel screen.
    list_display = [
        "lot",
        "room",
        "status",
        "price",
        "leading_participant",
        "bid_count",
        "ends_at",
        "hard_end",
    ]
    list_display_links = None
    list_select_related = ["event", "deposit", "leader"]
    ordering = ["ends_at"]
    actions = ["pause", "resume", cancel]

    def get_queryset(self, request: HttpRequest) -> QuerySet[LiveLot]:
        return super().get_queryset(request).filter(identity.running_lots())

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # The staff alert: lots the platform paused by itself, first on the monitor (which
        # reloads every ten seconds), with the public reason (it counts, never names).
        automatic_pauses = LotPause.objects.filter(
            ended_at__isnull=True, lot__status=Lot.Status.PAUSED
        ).exclude(cause=LotPause.Cause.STAFF)
        alerts = [
            {"lot": str(pause.lot), "started_at": pause.started_at, "reason": pause.reason}
            for pause in automatic_pauses.select_related("lot", "lot__event", "lot__deposit")
        ]
        return super().changelist_view(
            request, {**(extra_context or {}), "automatic_pauses": alerts}
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: LiveLot | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LiveLot | None = None) -> bool:
        # The monitor changes lots only through its actions, each a service call.
        return obj is None and request.user.has_perm("auctions.change_lot")

    @admin.display(description=_("lot"), ordering="event__name")
    def lot(self, lot: LiveLot) -> str:
        return str(lot)

    @admin.display(description=_("price"), ordering="current_price")
    def price(self, lot: LiveLot) -> str:
        if lot.current_price is None:
            return format_html(
                '{}<br><span class="help">{}</span>',
                format_kzt(lot.starting_price),
                _("starting price, no bids yet"),
            )
        return format_kzt(lot.current_price)

    @admin.display(description=_("leading"))
    def leading_participant(self, lot: LiveLot) -> str:
        return participant_label(lot.leader)

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


def awaiting_decision() -> Q:
    """Applications staff can still decide on: submitted for a lot open for applications."""
    return Q(status=Application.Status.SUBMITTED, lot__status__in=services.ADMISSION_LOT_STATUSES)


def has_unreceived_payment() -> Exists:
    return Exists(
        Payment.objects.filter(application=OuterRef("pk")).exclude(status=Payment.Status.RECEIVED)
    )


# What each stage of the application filter (and the work queue) selects.
APPLICATION_STAGES = {
    "awaiting_payments": lambda: awaiting_decision() & Q(has_unreceived_payment()),
    "awaiting_admission": lambda: awaiting_decision() & ~Q(has_unreceived_payment()),
}


class ApplicationStageFilter(admin.SimpleListFilter):
    title = _("stage")
    parameter_name = "stage"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [
            ("awaiting_payments", _("Awaiting payments")),
            ("awaiting_admission", _("Paid, awaiting admission")),
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Application]
    ) -> QuerySet[Application]:
        stage = APPLICATION_STAGES.get(self.value() or "")
        return queryset.filter(stage()) if stage else queryset


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = [
        "kind",
        "amount",
        "reference",
        "status",
        "amount_received",
        "value_date",
        "bank_reference",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Application | None = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(GuardedAdmin, admin.ModelAdmin):
    hidden_from_search = identity.running_lots("lot__")
    list_display = [
        "__str__",
        "lot",
        company_identity,
        "status",
        participant_number,
        "payments_received",
        "affiliation",
        "submitted_at",
    ]
    list_filter = [ApplicationStageFilter, "status", "lot__event"]
    list_select_related = ["lot", "lot__event", "lot__deposit", "company"]
    search_fields = ["company__legal_name", "lot__deposit__name"]
    readonly_fields = [
        "affiliation_warning",
        "lot",
        company_identity,
        "status",
        participant_number,
        "rejection_reason",
        "terms_accepted_at",
        "submitted_at",
        "decided_at",
        "decided_by",
        "bank_guarantee_record",
    ]
    # Every field is shown read-only, the company as the monitor allows: nothing here is
    # edited by hand.
    fields = readonly_fields
    inlines = [PaymentInline]
    actions = ["admit", "reject"]
    # Never the model's order by participant number: see `participant_number`.
    ordering = ["lot", "submitted_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        return selectors.participants.with_affiliation_flag(
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
        hidden = identity.staff_hidden_note(application.lot.status)
        if hidden is not None:
            return hidden
        rivals = list(selectors.participants.affiliated_rivals(application))
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

    @admin.display(description=_("bank guarantee"))
    def bank_guarantee_record(self, application: Application) -> str:
        lot = application.lot
        counted = lot.bid_ceiling in (
            Lot.BidCeiling.BANK_GUARANTEE,
            Lot.BidCeiling.DEPOSIT_AND_BANK_GUARANTEE,
        )
        if not counted:
            return str(_("This lot's bid ceiling does not count bank guarantees."))
        if application.bank_guarantee is None:
            recorded = str(_("None recorded."))
        else:
            recorded = str(
                _("%(amount)s (%(reference)s), recorded %(when)s by %(who)s.")
                % {
                    "amount": format_kzt(application.bank_guarantee),
                    "reference": application.bank_guarantee_reference,
                    "when": date_format(
                        timezone.localtime(application.bank_guarantee_recorded_at),
                        "DATETIME_FORMAT",
                    ),
                    "who": application.bank_guarantee_recorded_by,
                }
            )
        if lot.status not in Lot.OPEN_STATUSES:
            return recorded
        return format_html(
            '{} <a class="button" href="{}">{}</a>',
            recorded,
            reverse("admin:auctions_application_bank_guarantee", args=[application.pk]),
            _("Record a bank guarantee"),
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:application_id>/bank-guarantee/",
                self.admin_site.admin_view(self.bank_guarantee_view),
                name="auctions_application_bank_guarantee",
            ),
            *super().get_urls(),
        ]

    def bank_guarantee_view(self, request: HttpRequest, application_id: int) -> HttpResponse:
        """Ask for the bank guarantee the ministry checked, record it through the service."""
        application = self.get_object(request, str(application_id))
        if application is None:
            raise Http404
        if not self.has_change_permission(request, application):
            raise PermissionDenied
        form = BankGuaranteeForm(
            request.POST or None,
            initial={
                "amount": application.bank_guarantee,
                "reference": application.bank_guarantee_reference,
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                application = ceilings.record_bank_guarantee(
                    application_id=application.pk, recorded_by=request.user, **form.cleaned_data
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self.log_change(request, application, str(_("Bank guarantee recorded")))
                self.message_user(
                    request,
                    _("Bank guarantee of %(amount)s recorded for %(application)s.")
                    % {
                        "amount": format_kzt(application.bank_guarantee),
                        "application": application,
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:auctions_application_change", args=[application.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Record a bank guarantee"),
            "application": application,
            "company": company_identity(application),
            "form": form,
        }
        return TemplateResponse(request, "admin/auctions/application/bank_guarantee.html", context)

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


@work_queue_source
def applications_awaiting_staff(request: HttpRequest) -> list[QueueRow]:
    """Applications waiting for their payments to be recorded, or for admission."""
    if not may_view(request, Application):
        return []
    counts = Application.objects.aggregate(
        **{
            stage: Count("pk", filter=condition())
            for stage, condition in APPLICATION_STAGES.items()
        }
    )
    url = reverse("admin:auctions_application_changelist")
    return [
        QueueRow(
            _("Applications awaiting payments"),
            counts["awaiting_payments"],
            f"{url}?stage=awaiting_payments",
        ),
        QueueRow(
            _("Applications paid, awaiting admission"),
            counts["awaiting_admission"],
            f"{url}?stage=awaiting_admission",
        ),
    ]


@work_queue_source
def lots_needing_attention(request: HttpRequest) -> list[QueueRow]:
    """Draft lots ready to publish, and the lots running now."""
    counts = Lot.objects.aggregate(
        drafts=Count("pk", filter=Q(status=Lot.Status.DRAFT)),
        running=Count("pk", filter=identity.running_lots()),
        paused_by_itself=Count("pk", filter=paused_by_itself()),
    )
    rows = []
    if may_view(request, Lot):
        rows.append(
            QueueRow(
                _("Lots ready to publish (drafts)"),
                counts["drafts"],
                reverse("admin:auctions_lot_changelist") + "?status__exact=draft",
            )
        )
    if may_view(request, LiveLot):
        rows.append(
            QueueRow(
                _("Live and paused lots"),
                counts["running"],
                reverse("admin:auctions_livelot_changelist"),
            )
        )
        # An alert rather than a queue: shown only while there is one. The monitor lists
        # them above its table (a filter sidebar would squeeze the table off a laptop).
        if counts["paused_by_itself"]:
            rows.append(
                QueueRow(
                    _("Lots the platform paused by itself (participants dropped, a failure)"),
                    counts["paused_by_itself"],
                    reverse("admin:auctions_livelot_changelist"),
                )
            )
    return rows


class BankPaymentForm(forms.Form):
    """One bank credit as the statement shows it; the service checks it against what is owed."""

    amount = forms.DecimalField(
        label=_("Amount credited, KZT"),
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        min_value=CENT,
        help_text=_("As on the bank statement; a short or excess amount is flagged."),
    )
    value_date = forms.DateField(
        label=_("Value date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day the bank credited the ministry's account."),
    )
    bank_reference = forms.CharField(
        label=_("Bank reference"),
        max_length=120,
        help_text=_("The bank's reference of this credit."),
    )


class BankGuaranteeForm(forms.Form):
    """The bank guarantee as the ministry checked it; the service decides if it counts."""

    amount = forms.DecimalField(
        label=_("Guaranteed amount, KZT"),
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        min_value=Decimal("0.00"),
        help_text=_(
            "As the bank's guarantee letter states it. Record 0 when the guarantee is "
            "withdrawn or has expired."
        ),
    )
    reference = forms.CharField(
        label=_("Guarantee number and bank"),
        max_length=255,
        help_text=_("E.g. No. 12/345 of 1 June 2025, Halyk Bank."),
    )


class DiscrepancyFilter(admin.SimpleListFilter):
    title = _("amount received")
    parameter_name = "discrepancy"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("short", _("Short of the amount owed")), ("excess", _("Excess to refund"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Payment]) -> QuerySet[Payment]:
        if self.value() == "short":
            return queryset.filter(status=Payment.Status.SHORT)
        if self.value() == "excess":
            return queryset.filter(amount_received__gt=F("amount"))
        return queryset


@admin.register(Payment)
class PaymentAdmin(GuardedAdmin, admin.ModelAdmin):
    hidden_from_search = identity.running_lots("application__lot__")
    # Narrow enough for a 1,366-pixel screen with the sidebar: the flag must not scroll away.
    list_display = ["reference", "kind", "application", "received_of_owed", "status_and_flag"]
    list_filter = ["status", "kind", DiscrepancyFilter]
    list_select_related = ["application", "application__lot"]
    search_fields = ["reference", "bank_reference", "application__company__legal_name"]
    # Nothing is edited by hand: credits arrive through the record form and its service.
    readonly_fields = [
        "application",
        "kind",
        "reference",
        "owed",
        "received",
        "status",
        "discrepancy",
        "value_date",
        "bank_reference",
        "received_at",
        "recorded_by",
        "record_link",
    ]
    fields = readonly_fields
    actions = ["record_refund"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Payment | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:payment_id>/record/",
                self.admin_site.admin_view(self.record_view),
                name="auctions_payment_record",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, object] | None = None,
    ) -> HttpResponse:
        # Every field is read-only: a Save button would suggest otherwise.
        hidden = {"show_save": False, "show_save_and_continue": False}
        return super().change_view(
            request, object_id, form_url, {**hidden, **(extra_context or {})}
        )

    @admin.display(description=_("owed"), ordering="amount")
    def owed(self, payment: Payment) -> str:
        return format_kzt(payment.amount)

    @admin.display(description=_("received"), ordering="amount_received")
    def received(self, payment: Payment) -> str:
        return "—" if payment.amount_received is None else format_kzt(payment.amount_received)

    @admin.display(description=_("received / owed"), ordering="amount")
    def received_of_owed(self, payment: Payment) -> str:
        return f"{self.received(payment)} / {self.owed(payment)}"

    @admin.display(description=_("status"), ordering="status")
    def status_and_flag(self, payment: Payment) -> str:
        return format_html(
            "{}{}{}",
            payment.get_status_display(),
            format_html("<br>{}", self.discrepancy(payment)) if self.discrepancy(payment) else "",
            format_html("<br>{}", self.record_link(payment)) if self.record_link(payment) else "",
        )

    @admin.display(description=_("flag"))
    def discrepancy(self, payment: Payment) -> str:
        if payment.status == Payment.Status.SHORT:
            return format_html(
                '<strong class="payment-flag payment-flag-short">⚠ {}</strong>',
                _("Short by %(amount)s: not counted until paid in full")
                % {"amount": format_kzt(payment.shortfall)},
            )
        if payment.excess:
            return format_html(
                '<strong class="payment-flag payment-flag-excess">⚠ {}</strong>',
                _("Excess of %(amount)s to refund") % {"amount": format_kzt(payment.excess)},
            )
        return ""

    @admin.display(description=_("record"))
    def record_link(self, payment: Payment) -> str:
        if payment.status not in (Payment.Status.AWAITING, Payment.Status.SHORT):
            return ""
        label = (
            _("Record a further credit")
            if payment.status == Payment.Status.SHORT
            else _("Record a bank payment")
        )
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:auctions_payment_record", args=[payment.pk]),
            label,
        )

    def record_view(self, request: HttpRequest, payment_id: int) -> HttpResponse:
        """Ask for one bank credit of a payment, record it through the service, say how it
        compares with what is owed."""
        payment = self.get_object(request, str(payment_id))
        if payment is None:
            raise Http404
        if not self.has_change_permission(request, payment):
            raise PermissionDenied
        form = BankPaymentForm(
            request.POST or None,
            initial={"amount": payment.shortfall or payment.amount},
        )
        if request.method == "POST" and form.is_valid():
            try:
                payment = services.record_bank_payment(
                    payment_id=payment.pk, recorded_by=request.user, **form.cleaned_data
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self.log_change(request, payment, str(_("Bank credit recorded")))
                self._report(request, payment)
                return HttpResponseRedirect(
                    reverse("admin:auctions_payment_change", args=[payment.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Record a bank payment"),
            "payment": payment,
            "form": form,
        }
        return TemplateResponse(request, "admin/auctions/payment/record.html", context)

    def _report(self, request: HttpRequest, payment: Payment) -> None:
        if payment.status == Payment.Status.SHORT:
            self.message_user(
                request,
                _(
                    "%(reference)s received short: %(received)s of %(owed)s. It is not "
                    "counted for admission until the remaining %(shortfall)s arrives."
                )
                % {
                    "reference": payment.reference,
                    "received": format_kzt(payment.amount_received),
                    "owed": format_kzt(payment.amount),
                    "shortfall": format_kzt(payment.shortfall),
                },
                messages.WARNING,
            )
        elif payment.excess:
            self.message_user(
                request,
                _(
                    "%(reference)s received in full, with an excess of %(excess)s to refund "
                    "to the payer."
                )
                % {"reference": payment.reference, "excess": format_kzt(payment.excess)},
                messages.WARNING,
            )
        else:
            self.message_user(
                request,
                _("%(reference)s received in full.") % {"reference": payment.reference},
                messages.SUCCESS,
            )

    @admin.action(description=_("Record selected deposits as refunded"), permissions=["change"])
    def record_refund(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda payment: services.record_refund(payment_id=payment.pk, recorded_by=request.user),
            str(_("Refunded")),
        )


class LotWithBidsFilter(admin.RelatedOnlyFieldListFilter):
    """The lots that have bids, each named with its event, read in one query."""

    def field_choices(
        self, field: ForeignKey, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[int, str]]:
        ids = model_admin.get_queryset(request).values_list(f"{self.field_path}__pk", flat=True)
        lots = Lot.objects.filter(pk__in=ids).select_related("event", "deposit")
        return [(lot.pk, str(lot)) for lot in lots]


@admin.register(BankDetails)
class BankDetailsAdmin(GuardedAdmin, admin.ModelAdmin):
    """The one set of bank details: the list opens it, or offers to set it."""

    fieldsets = [
        (None, {"fields": ["beneficiary", "bin", "bank_name", "iban", "bic", "kbe"]}),
        (
            _("Payment purpose codes (KNP)"),
            {"fields": ["knp_participation_fee", "knp_guarantee_deposit", "knp_signature_bonus"]},
        ),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not BankDetails.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: BankDetails | None = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        if BankDetails.objects.exists():
            return HttpResponseRedirect(
                reverse("admin:auctions_bankdetails_change", args=[BankDetails.SINGLETON_ID])
            )
        return HttpResponseRedirect(reverse("admin:auctions_bankdetails_add"))

    def save_model(
        self, request: HttpRequest, obj: BankDetails, form: forms.ModelForm, change: bool
    ) -> None:
        obj.pk = BankDetails.SINGLETON_ID
        super().save_model(request, obj, form, change)


@admin.register(Bid)
class BidAdmin(GuardedAdmin, admin.ModelAdmin):
    """The bid log: visible to staff, never editable or deletable by anyone."""

    list_display = [
        "lot",
        "sequence",
        "participant_number",
        kzt_column("amount", _("amount")),
        "placed_at",
        "automatic",
        "short_hash",
    ]
    list_filter = ["lot__event", ("lot", LotWithBidsFilter)]
    list_select_related = ["lot", "lot__event", "lot__deposit"]
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
        # Placed for a maximum (proxy bid); the maximum itself is in no admin page.
        "automatic",
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
class ResultAdmin(GuardedAdmin, admin.ModelAdmin):
    list_display = [
        "lot",
        "outcome",
        "winner",
        kzt_column("winning_bonus", _("winning signature bonus")),
        "bid_count",
        "closed_at",
    ]
    list_filter = ["outcome", "lot__event"]
    list_select_related = ["lot", "lot__event", "lot__deposit", "winner", "winner__lot"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Result | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Result | None = None) -> bool:
        return False


@admin.register(PublishedResult)
class PublishedResultAdmin(GuardedAdmin, admin.ModelAdmin):
    """What the public sees of each lot's result, as published: read-only, for everyone."""

    list_display = [
        "lot",
        "outcome",
        "winner_legal_name",
        "winner_country",
        kzt_column("winning_bonus", _("winning signature bonus")),
        "bid_count",
        "published_at",
    ]
    list_filter = ["outcome", "lot__event"]
    list_select_related = ["lot", "lot__event", "lot__deposit"]
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: PublishedResult | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: PublishedResult | None = None
    ) -> bool:
        return False


class ServiceForm(forms.ModelForm):
    """A staff form whose service checks and stores the object when the form is checked,
    so a refusal is a form error, never a 500; `ServiceAdmin` saves nothing more."""

    # The user acting, set by ServiceAdmin.get_form on this request's form class.
    user: User | None = None

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.instance = self.store(cleaned)
        except DomainError as refusal:
            raise ValidationError(refusal.message) from None
        return cleaned

    def store(self, cleaned: dict[str, Any]) -> Model:
        """Check and store the object through its service; return it."""
        raise NotImplementedError

    def _post_clean(self) -> None:
        # The service validated and stored the object (clean above); building and
        # validating a second instance here would only repeat it.
        pass


class ServiceAdmin(admin.ModelAdmin):
    """The admin of a `ServiceForm`: it gives the form its user and saves nothing itself,
    the service having stored the object while the form was checked (in this request's
    transaction)."""

    def get_form(
        self,
        request: HttpRequest,
        obj: Model | None = None,
        change: bool = False,
        **kwargs: object,
    ) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def save_model(
        self, request: HttpRequest, obj: Model, form: forms.ModelForm, change: bool
    ) -> None:
        pass

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool
    ) -> None:
        pass


class ErratumForm(ServiceForm):
    """An erratum as staff write it: `publish_erratum` checks and applies it."""

    class Meta:
        model = Erratum
        fields = ["event", "lot", "field", "new_value", "reason"]
        help_texts = {
            "lot": _("The lot whose result is corrected; leave empty for the exchange rate."),
            "new_value": _(
                "A name; a country code (KZ, US, CN…); an amount in KZT as digits "
                "(1250000000.00); a number of bids; or KZT per USD (505.2500)."
            ),
            "reason": _("Shown publicly beside the correction."),
        }

    def store(self, cleaned: dict[str, Any]) -> Model:
        lot = cleaned.get("lot")
        return services.publish_erratum(
            event_id=cleaned["event"].pk,
            lot_id=lot.pk if lot else None,
            field=cleaned["field"],
            value=cleaned["new_value"],
            reason=cleaned["reason"],
            published_by=self.user,
        )


@admin.register(Erratum)
class ErratumAdmin(GuardedAdmin, ServiceAdmin):
    """Corrections of published results: written once, through the service, never changed."""

    form = ErratumForm
    list_display = ["published_at", "event", "lot", "field", "old_value", "new_value", "reason"]
    list_filter = ["field", "event"]
    list_select_related = ["event", "lot", "lot__event", "lot__deposit"]
    actions = None

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: object
    ) -> ModelChoiceField | None:
        if db_field.name == "event":
            kwargs["queryset"] = AuctionEvent.objects.filter(results_published_at__isnull=False)
        elif db_field.name == "lot":
            kwargs["queryset"] = Lot.objects.filter(published_result__isnull=False).select_related(
                "event", "deposit"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("auctions.publish_erratum")

    def has_change_permission(self, request: HttpRequest, obj: Erratum | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Erratum | None = None) -> bool:
        return False


class LotDocumentForm(ServiceForm):
    """A paper as staff attach or describe it: the data room's service checks and stores it."""

    upload = forms.FileField(
        label=_("file"),
        required=False,
        help_text=_("PDF, DOCX, XLSX, JPEG or PNG; its content must match its name."),
    )

    class Meta:
        model = LotDocument
        fields = ["lot", "kind", "title", "access"]

    def store(self, cleaned: dict[str, Any]) -> Model:
        if self.instance.pk is not None:
            return dataroom.describe_document(
                document_id=self.instance.pk,
                kind=cleaned["kind"],
                title=cleaned["title"],
                access=cleaned["access"],
            )
        if not cleaned.get("upload"):
            raise ValidationError({"upload": _("Choose the file to attach.")})
        return dataroom.attach_document(
            lot_id=cleaned["lot"].pk,
            kind=cleaned["kind"],
            title=cleaned["title"],
            access=cleaned["access"],
            upload=cleaned["upload"],
            uploaded_by=self.user,
        )


@admin.register(LotDocument)
class LotDocumentAdmin(GuardedAdmin, ServiceAdmin):
    """The lots' data rooms: papers attached while a lot is a draft, frozen once offered."""

    form = LotDocumentForm
    list_display = ["title", "lot", "kind", "access", "size", "uploaded_at", "download"]
    list_filter = ["access", "kind", "lot__event"]
    list_select_related = ["lot", "lot__event", "lot__deposit"]
    search_fields = ["title", "lot__deposit__name", "lot__event__name"]
    autocomplete_fields = ["lot"]
    readonly_fields = ["download", "content_type", "size", "uploaded_by", "uploaded_at"]
    actions = None

    def get_fields(self, request: HttpRequest, obj: LotDocument | None = None) -> list[str]:
        if obj is None:
            return ["lot", "kind", "title", "access", "upload"]
        return ["lot", "kind", "title", "access", *self.readonly_fields]

    def get_readonly_fields(
        self, request: HttpRequest, obj: LotDocument | None = None
    ) -> list[str]:
        if obj is None:
            return []
        return ["lot", *self.readonly_fields]

    def has_change_permission(self, request: HttpRequest, obj: LotDocument | None = None) -> bool:
        if obj is not None and obj.lot.status != Lot.Status.DRAFT:
            # Published means frozen: applicants rely on what the data room holds.
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: LotDocument | None = None) -> bool:
        if obj is not None and obj.lot.status != Lot.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: LotDocument) -> None:
        try:
            dataroom.remove_document(document_id=obj.pk)
        except DomainError as refusal:
            raise PermissionDenied(refusal.message) from None

    @admin.display(description=_("file"))
    def download(self, obj: LotDocument) -> str:
        url = reverse("admin:auctions_lotdocument_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="auctions_lotdocument_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Serve any paper to staff who may view the data rooms; not logged, since only
        companies' downloads say who takes part."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = get_object_or_404(LotDocument, pk=pk)
        return documents.document_response(document)


@admin.register(LotDocumentDownload)
class LotDocumentDownloadAdmin(GuardedAdmin, admin.ModelAdmin):
    """Who took which restricted paper, and when: only for lots whose event's results are
    published, since before that each row would say that a company is admitted to a lot."""

    list_display = ["downloaded_at", "lot", "document", "company", "user"]
    list_filter = [("document__lot__event", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["document", "document__lot", "document__lot__event", "company", "user"]
    date_hierarchy = "downloaded_at"
    actions = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[LotDocumentDownload]:
        return dataroom.download_log()

    @admin.display(description=_("lot"))
    def lot(self, obj: LotDocumentDownload) -> Lot:
        return obj.document.lot

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: LotDocumentDownload | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: LotDocumentDownload | None = None
    ) -> bool:
        return False
