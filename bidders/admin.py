from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from bidders import services
from bidders.forms import RepresentativeForm, RepresentativeFormSet, StaffAccountForm
from bidders.models import (
    BeneficialOwner,
    Company,
    CompanyDecision,
    CompanyDocument,
    Representative,
)
from core.admin_actions import apply_to_each, ask_reason_then
from core.admin_guard import GuardedAdmin


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
    inlines = [
        BeneficialOwnerInline,
        RepresentativeInline,
        CompanyDocumentInline,
        CompanyDecisionInline,
    ]
    actions = ["approve", "reject", "suspend"]

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
