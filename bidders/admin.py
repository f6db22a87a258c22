from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from bidders import services
from bidders.forms import RepresentativeForm, RepresentativeFormSet, StaffAccountForm
from bidders.models import (
    BeneficialOwner,
    Company,
    CompanyDecision,
    CompanyDocument,
    Representative,
)
from core.admin import QueueRow, may_view, work_queue_source
from core.admin_actions import ReasonForm, apply_to_each, ask_reason_then
from core.admin_guard import GuardedAdmin
from core.errors import DomainError

# The decisions the company's page offers in each status. The services decide what is
# allowed; this only spares staff buttons that would certainly be refused.
DECISIONS_BY_STATUS = {
    Company.Status.PENDING: ("approve", "reject"),
    Company.Status.APPROVED: ("suspend",),
    Company.Status.SUSPENDED: ("approve",),
    Company.Status.REJECTED: (),
}


class BeneficialOwnerInline(admin.TabularInline):
    """Owners as the company declared them; the company corrects them, staff read them."""

    model = BeneficialOwner
    extra = 0
    can_delete = False
    fields = ["full_name", "country", "identifier", "share_percent"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Company | None = None) -> bool:
        return False


class RepresentativeInline(admin.TabularInline):
    model = Representative
    form = RepresentativeForm
    formset = RepresentativeFormSet
    extra = 0
    autocomplete_fields = ["user"]


class CompanyDocumentInline(admin.TabularInline):
    model = CompanyDocument
    extra = 0
    can_delete = False
    fields = ["kind", "download", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[CompanyDocument]:
        return super().get_queryset(request).select_related("uploaded_by")

    def has_add_permission(self, request: HttpRequest, obj: Company | None = None) -> bool:
        # Companies upload their own documents; staff only read them.
        return False

    @admin.display(description=_("file"))
    def download(self, document: CompanyDocument) -> str:
        url = reverse("bidders:document", args=[document.pk])
        return format_html('<a href="{}">{}</a>', url, document.original_name)


class CompanyDecisionInline(admin.TabularInline):
    model = CompanyDecision
    extra = 0
    can_delete = False
    fields = ["decided_at", "status", "reason", "decided_by"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[CompanyDecision]:
        return super().get_queryset(request).select_related("decided_by")

    def has_add_permission(self, request: HttpRequest, obj: Company | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Company | None = None) -> bool:
        return False


@admin.register(Company)
class CompanyAdmin(GuardedAdmin, admin.ModelAdmin):
    list_display = ["legal_name", "country", "registration_number", "status", "submitted_at"]
    list_filter = ["status", "country"]
    search_fields = ["legal_name", "registration_number", "tax_number", "contact_email"]
    # Status changes only through the actions, so every decision is recorded. The contact
    # email is the company's own: notices go there, the admission's with the participant
    # number among them, so staff who could point it at their own mailbox would learn
    # whose number it is.
    readonly_fields = ["contact_email", "status", "status_reason", "created_at", "submitted_at"]
    # Documents last, so the decision panel (templates/admin/bidders/company/
    # change_form.html) follows them: staff decide where they read.
    inlines = [
        BeneficialOwnerInline,
        RepresentativeInline,
        CompanyDecisionInline,
        CompanyDocumentInline,
    ]
    actions = ["approve", "reject", "suspend"]

    def get_urls(self) -> list[URLPattern]:
        decide = path(
            "<path:object_id>/decide/",
            self.admin_site.admin_view(require_POST(self.decide_view)),
            name="bidders_company_decide",
        )
        return [decide, *super().get_urls()]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        company = self.get_object(request, object_id)
        decisions: tuple[str, ...] = ()
        if company is not None and self.has_change_permission(request, company):
            decisions = DECISIONS_BY_STATUS[company.status]
        extra_context = {
            **(extra_context or {}),
            "decisions": decisions,
            "decision_needs_reason": bool({"reject", "suspend"} & set(decisions)),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request: HttpRequest, object_id: str) -> HttpResponseRedirect:
        """Approve, reject or suspend one company from its own page, as the actions do."""
        company = self.get_object(request, object_id)
        if company is None:
            raise Http404
        if not self.has_change_permission(request, company):
            raise PermissionDenied
        page = reverse("admin:bidders_company_change", args=[company.pk])
        decision = request.POST.get("decision", "")
        services_by_decision: dict[str, tuple[Callable[[str], Company], str]] = {
            "approve": (
                lambda reason: services.approve_company(
                    company_id=company.pk, decided_by=request.user
                ),
                gettext("Approved"),
            ),
            "reject": (
                lambda reason: services.reject_company(
                    company_id=company.pk, reason=reason, decided_by=request.user
                ),
                gettext("Rejected"),
            ),
            "suspend": (
                lambda reason: services.suspend_company(
                    company_id=company.pk, reason=reason, decided_by=request.user
                ),
                gettext("Suspended"),
            ),
        }
        if decision not in services_by_decision:
            self.message_user(request, gettext("Choose a decision."), messages.ERROR)
            return HttpResponseRedirect(page)
        reason = ""
        if decision != "approve":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                self.message_user(
                    request,
                    gettext("Write the reason to reject or suspend the company: it is sent to it."),
                    messages.ERROR,
                )
                return HttpResponseRedirect(page)
            reason = form.cleaned_data["reason"]
        service, done = services_by_decision[decision]
        try:
            service(reason)
        except DomainError as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
        else:
            self.log_change(request, company, done)
            self.message_user(request, f"{company.legal_name}: {done}.", messages.SUCCESS)
        return HttpResponseRedirect(page)

    @admin.action(description=_("Approve selected companies"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Company]) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda company: services.approve_company(
                company_id=company.pk, decided_by=request.user
            ),
            str(_("Approved")),
        )

    @admin.action(
        description=_("Reject selected companies (with a reason)"), permissions=["change"]
    )
    def reject(self, request: HttpRequest, queryset: QuerySet[Company]) -> TemplateResponse | None:
        return ask_reason_then(
            self,
            request,
            queryset,
            title=str(_("Reject companies")),
            service=lambda company, reason: services.reject_company(
                company_id=company.pk, reason=reason, decided_by=request.user
            ),
            done=str(_("Rejected")),
        )

    @admin.action(
        description=_("Suspend selected companies (with a reason)"), permissions=["change"]
    )
    def suspend(self, request: HttpRequest, queryset: QuerySet[Company]) -> TemplateResponse | None:
        return ask_reason_then(
            self,
            request,
            queryset,
            title=str(_("Suspend companies")),
            service=lambda company, reason: services.suspend_company(
                company_id=company.pk, reason=reason, decided_by=request.user
            ),
            done=str(_("Suspended")),
        )


@work_queue_source
def companies_awaiting_review(request: HttpRequest) -> list[QueueRow]:
    """Companies whose documents wait for a decision."""
    if not may_view(request, Company):
        return []
    return [
        QueueRow(
            _("Companies awaiting review"),
            Company.objects.filter(status=Company.Status.PENDING).count(),
            reverse("admin:bidders_company_changelist") + "?status__exact=pending",
        )
    ]


@admin.register(Representative)
class RepresentativeAdmin(GuardedAdmin, admin.ModelAdmin):
    list_display = ["user", "company", "position"]
    list_select_related = ["user", "company"]
    search_fields = ["user__username", "user__email", "company__legal_name"]
    autocomplete_fields = ["user", "company"]
    form = RepresentativeForm

    def save_model(
        self, request: HttpRequest, obj: Representative, form: RepresentativeForm, change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        obj.pk = services.add_representative(
            user=obj.user, company=obj.company, position=obj.position, language=obj.language
        ).pk


# Accounts as Django's admin shows them, but a representative is never made staff there.
admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class StaffAccountAdmin(GuardedAdmin, UserAdmin):
    form = StaffAccountForm
