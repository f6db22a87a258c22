"""Bidders' pages: registration, and the company with its documents."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bidders import services
from bidders.decorators import bidders_only
from bidders.documents import document_response
from bidders.forms import (
    DOCUMENT_FIELDS,
    HELD_SUFFIX,
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

OWNERS_PREFIX = "owners"

logger = logging.getLogger(__name__)


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
