"""Bidders' pages: registration, the company and its documents, lots and the dashboard."""

import logging
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auctions import calendars
from auctions.models import Application, BankDetails, Lot
from auctions.selectors import (
    are_results_public,
    company_applications,
    is_awarded,
    outcome_for,
    public_lots,
    public_result,
)
from auctions.services import apply_for_lot, required_payments
from bidders import services
from bidders.documents import document_response
from bidders.forms import (
    DOCUMENT_FIELDS,
    HELD_SUFFIX,
    ApplicationForm,
    CompanyForm,
    DocumentUploadForm,
    EditOwnerFormSet,
    RegistrationForm,
    RegistrationOwnerFormSet,
)
from bidders.models import Company
from bidders.selectors import company_of, documents_visible_to
from core.errors import DomainError
from core.held_uploads import (
    HeldUpload,
    held_upload,
    hold_upload,
    open_held_upload,
    release_held_uploads,
)
from core.money import format_kzt
from core.roles import is_ministry_staff
from deposits.locator import locator_map
from deposits.selectors import reserves_of
from licensing.invoices import bonus_due
from licensing.selectors import company_licences

# Lots in which an admitted participant may (or soon may) bid.
BIDDING_LOT_STATUSES = frozenset(Lot.OPEN_STATUSES)
OWNERS_PREFIX = "owners"

View = Callable[..., HttpResponse]
logger = logging.getLogger(__name__)


def bidders_only(view: View) -> View:
    """Send ministry staff away from a bidder's page, saying why: staff never take part."""

    @wraps(view)
    def view_for_bidders(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if is_ministry_staff(request.user):
            messages.error(request, services.staff_refusal(request.user).message)
            return redirect("admin:index" if request.user.is_staff else "home")
        return view(request, *args, **kwargs)

    return view_for_bidders


@login_required
@bidders_only
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """Register the user's company for review, with its owners and three documents.

    A refused attempt keeps the documents it accepted (core.held_uploads): the next
    attempt needs only the ones that were refused.
    """
    if company_of(request.user) is not None:
        return redirect("bidders:company")
    if request.method == "GET":
        form = RegistrationForm()
        owners = RegistrationOwnerFormSet(prefix=OWNERS_PREFIX)
        return render(request, "bidders/register.html", {"form": form, "owners": owners})
    held = {
        field: upload
        for field in DOCUMENT_FIELDS
        if (upload := held_upload(request, request.POST.get(field + HELD_SUFFIX)))
    }
    form = RegistrationForm(
        request.POST,
        request.FILES,
        held=held,
        initial={field: open_held_upload(request, upload) for field, upload in held.items()},
    )
    owners = RegistrationOwnerFormSet(request.POST, prefix=OWNERS_PREFIX)
    is_valid = all([form.is_valid(), owners.is_valid()])
    held = _hold_documents(request, form)
    if is_valid:
        documents = {
            kind: open_held_upload(request, held[field])
            if field in held
            else form.cleaned_data[field]
            for field, kind in DOCUMENT_FIELDS.items()
        }
        try:
            company = services.register_company(
                user=request.user,
                details=form.company_details(),
                owners=owners.owner_details(),
                position=form.cleaned_data["position"],
                documents=documents,
            )
        except DomainError as error:
            form.add_domain_error(error, owners)
        else:
            release_held_uploads(request, [upload.token for upload in held.values()])
            services.remember_language(user=request.user, language=request.LANGUAGE_CODE)
            messages.success(
                request,
                _(
                    "%(company)s is registered and waits for the ministry's review. "
                    "We will email you the decision."
                )
                % {"company": company.legal_name},
            )
            return redirect("bidders:company")
    form.keep_documents(held)
    return render(request, "bidders/register.html", {"form": form, "owners": owners}, status=400)


def _hold_documents(request: HttpRequest, form: RegistrationForm) -> dict[str, HeldUpload]:
    """Hold every document the form accepted for this session; return them by field.

    A document already held stays under its token; a new file replaces a held one.
    """
    held = {}
    for field, upload in form.accepted_documents().items():
        previous = form.held.get(field)
        if form.is_held_document(field, upload):
            held[field] = previous
            continue
        try:
            held[field] = hold_upload(request, upload)
        except OSError:
            # The page then asks for this file again; nothing else is lost.
            logger.exception("Could not hold an accepted registration document")
            continue
    # A held document that a new choice replaced (or a refused one now stands for) goes.
    replaced = [upload.token for field, upload in form.held.items() if held.get(field) != upload]
    release_held_uploads(request, replaced)
    return held


@login_required
@bidders_only
@require_GET
def company_detail(request: HttpRequest) -> HttpResponse:
    """Show the user's company: its status, details, owners, documents and decisions."""
    company = company_of(request.user)
    if company is None:
        return redirect("bidders:register")
    services.remember_language(user=request.user, language=request.LANGUAGE_CODE)
    return _render_company(request, company, DocumentUploadForm())


@login_required
@bidders_only
@require_POST
def document_upload(request: HttpRequest) -> HttpResponse:
    """Store a new version of one of the user's company documents."""
    company = company_of(request.user)
    if company is None:
        return redirect("bidders:register")
    form = DocumentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = services.upload_document(
                user=request.user,
                company_id=company.pk,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except DomainError as error:
            form.add_error("file" if error.code == "invalid_document" else None, error.message)
        else:
            messages.success(
                request,
                _("%(kind)s uploaded: %(name)s.")
                % {"kind": document.get_kind_display(), "name": document.original_name},
            )
            return redirect("bidders:company")
    return _render_company(request, company, form, status=400)


def _render_company(
    request: HttpRequest, company: Company, upload_form: DocumentUploadForm, status: int = 200
) -> HttpResponse:
    context = {
        "company": company,
        "owners": company.beneficial_owners.all(),
        "documents": company.documents.all(),
        "decisions": company.decisions.all(),
        "missing_documents": services.missing_documents(company),
        "upload_form": upload_form,
    }
    return render(request, "bidders/company.html", context, status=status)


@login_required
@bidders_only
@require_http_methods(["GET", "POST"])
def company_edit(request: HttpRequest) -> HttpResponse:
    """Correct the user's company; a rejected company goes back for review."""
    company = company_of(request.user)
    if company is None:
        return redirect("bidders:register")
    if request.method == "GET":
        if not company.is_editable_by_bidder:
            messages.info(
                request,
                _("Your company is %(status)s; ask the ministry to change its details.")
                % {"status": company.get_status_display().lower()},
            )
            return redirect("bidders:company")
        form = CompanyForm(initial=CompanyForm.initial_from(company))
        owners = EditOwnerFormSet(
            initial=EditOwnerFormSet.initial_from(company), prefix=OWNERS_PREFIX
        )
        return render(
            request,
            "bidders/company_edit.html",
            {"company": company, "form": form, "owners": owners},
        )
    form = CompanyForm(request.POST)
    owners = EditOwnerFormSet(request.POST, prefix=OWNERS_PREFIX)
    if all([form.is_valid(), owners.is_valid()]):
        was_rejected = company.status == Company.Status.REJECTED
        try:
            services.update_company(
                user=request.user,
                company_id=company.pk,
                details=form.company_details(),
                owners=owners.owner_details(),
            )
        except DomainError as error:
            form.add_domain_error(error, owners)
        else:
            if was_rejected:
                messages.success(
                    request, _("Your corrections are saved and the company is back in review.")
                )
            else:
                messages.success(request, _("Your changes are saved."))
            return redirect("bidders:company")
    return render(
        request,
        "bidders/company_edit.html",
        {"company": company, "form": form, "owners": owners},
        status=400,
    )


@login_required
@require_GET
@never_cache
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    """Send a company document to its company's representatives and to staff, else 404."""
    # 404 rather than 403: another company's document ids are not confirmed to exist.
    return document_response(get_object_or_404(documents_visible_to(request.user), pk=pk))


@require_GET
def lot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a public lot with its deposit, reserves, terms and schedule, and how to apply."""
    lot = get_object_or_404(public_lots(), pk=pk)
    if request.user.is_authenticated:
        services.remember_language(user=request.user, language=request.LANGUAGE_CODE)
    return _render_lot(request, lot, ApplicationForm())


@require_GET
def lot_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """Serve a public lot's deadline and auction as an iCalendar file in the page's language."""
    lot = get_object_or_404(public_lots(), pk=pk)
    domain, _port = split_domain_port(request.get_host())
    response = HttpResponse(
        calendars.lot_calendar(
            lot=lot,
            lot_url=request.build_absolute_uri(reverse("bidders:lot", args=[lot.pk])),
            domain=domain,
        ),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="nedra-lot-{lot.pk}.ics"'
    return response


@require_POST
@bidders_only
def lot_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply for a lot for the user's company; a refusal is shown on the lot's page."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("bidders:lot", args=[pk]))
    lot = get_object_or_404(public_lots(), pk=pk)
    form = ApplicationForm(request.POST)
    if form.is_valid():
        try:
            application = apply_for_lot(
                user=request.user, lot_id=lot.pk, accept_terms=form.cleaned_data["accept_terms"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            services.remember_language(user=request.user, language=request.LANGUAGE_CODE)
            messages.success(request, _application_submitted_message(application))
            return redirect("bidders:dashboard")
    return _render_lot(request, lot, form, status=400)


def _application_submitted_message(application: Application) -> str:
    payments = "; ".join(
        _("%(kind)s %(amount)s, reference %(reference)s")
        % {
            "kind": payment.get_kind_display(),
            "amount": format_kzt(payment.amount),
            "reference": payment.reference,
        }
        for payment in application.payments.all()
    )
    message = _("Your application for lot %(number)s is submitted.") % {
        "number": application.lot.number
    }
    if payments:
        message += " " + _("To be admitted, pay: %(payments)s.") % {"payments": payments}
    return message


def _render_lot(
    request: HttpRequest, lot: Lot, form: ApplicationForm, status: int = 200
) -> HttpResponse:
    company = company_of(request.user)
    application = (
        company_applications(company).filter(lot=lot).first() if company is not None else None
    )
    context = {
        "lot": lot,
        "reserves": reserves_of(lot.deposit),
        "company": company,
        "application": application,
        "is_open_for_applications": lot.is_open_for_applications,
        "applications_have_closed": timezone.now() >= lot.application_deadline,
        "payments_due": [(kind.label, amount) for kind, amount in required_payments(lot).items()],
        "soft_close_minutes": int(lot.soft_close_window.total_seconds() // 60),
        "form": form,
        "is_finished": lot.status in Lot.FINISHED_STATUSES,
        "locator": locator_map([lot.deposit], licence_area=lot.licence_area),
    }
    if are_results_public(lot):
        result = public_result(lot)
        context.update(results_are_public=True, result=result, is_awarded=is_awarded(lot, result))
    return render(request, "bidders/lot.html", context, status=status)


@login_required
@bidders_only
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Show the user's company, its applications and payments, the lots it bids in and its
    licences."""
    company = company_of(request.user)
    if company is None:
        return render(request, "bidders/dashboard.html", {"company": None})
    applications = list(company_applications(company))
    bidding = [
        application
        for application in applications
        if application.is_admitted and application.lot.status in BIDDING_LOT_STATUSES
    ]
    outcomes = [
        (application, outcome_for(application))
        for application in applications
        if application.is_admitted and application.lot.status in Lot.FINISHED_STATUSES
    ]
    licences = list(company_licences(company))
    for licence in licences:
        if licence.is_awaiting_payment:
            licence.bonus_due = bonus_due(licence)
    context = {
        "company": company,
        "applications": applications,
        "bidding": bidding,
        "outcomes": outcomes,
        "licences": licences,
        "bank": BankDetails.load(),
    }
    return render(request, "bidders/dashboard.html", context)
