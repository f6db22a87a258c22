"""The public licence registry and licence certificates."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from auctions.models import BankDetails
from core.pagination import page_of
from core.pdf import issued_pdf_response, pdf_response
from licensing import invoices, selectors
from licensing.certificates import issue_certificate
from licensing.filters import LicenceFilter
from licensing.forms import RegistryFilterForm
from licensing.models import Licence


@require_GET
def registry(request: HttpRequest) -> HttpResponse:
    """List licences by type, mineral, region, holder country and status (active unless asked)."""
    licences = selectors.registry_licences()
    form = RegistryFilterForm(request.GET, licences=licences)
    form.is_valid()  # shows what it cannot use; LicenceFilter drops only that value
    licences = LicenceFilter(request.GET, queryset=licences).qs
    page = page_of(licences, request)
    return render(request, "licensing/registry.html", {"form": form, "page": page})


@require_GET
@never_cache
def certificate(request: HttpRequest, number: str) -> HttpResponse:
    """Send a licence's PDF certificate to whoever may see it, else 404.

    Anyone may open a licence in force or expired; its holder and staff, any licence.
    """
    # 404 rather than 403: an offer still awaiting payment is not confirmed to exist.
    licence = get_object_or_404(
        selectors.with_registry_details(selectors.licences_visible_to(request.user)).select_related(
            "lot__event"
        ),
        number=number,
    )
    return issued_pdf_response(
        issue_certificate(licence=licence, base_url=request.build_absolute_uri("/"))
    )


@never_cache
@login_required
@require_GET
def bonus_invoice(request: HttpRequest, number: str) -> HttpResponse:
    """Send the signature bonus invoice (PDF) of a licence awaiting payment to its holder
    (and staff), else 404; 404 too while the ministry's bank details are not set."""
    licence = get_object_or_404(
        selectors.licences_visible_to(request.user)
        .filter(status=Licence.Status.AWAITING_PAYMENT)
        .select_related("holder", "deposit"),
        number=number,
    )
    bank = BankDetails.load()
    if not bank.is_complete:
        raise Http404(_("The ministry's bank details are not set yet."))
    return pdf_response(invoices.bonus_invoice(licence, bank), invoices.invoice_filename(licence))


@require_GET
def licence_area(request: HttpRequest, number: str) -> HttpResponse:
    """Serve a registry licence's area, the licence area of its lot, as a GeoJSON Feature;
    404 for a licence the registry does not list or whose lot has no shape on file."""
    licence = get_object_or_404(
        selectors.registry_licences().filter(lot__licence_area__isnull=False), number=number
    )
    feature = {
        "type": "Feature",
        "geometry": licence.lot.licence_area,
        "properties": {
            "licence": licence.number,
            "deposit": licence.deposit.code,
            "area_km2": str(licence.area_km2),
        },
    }
    response = JsonResponse(feature, content_type="application/geo+json")
    response["Content-Disposition"] = f'attachment; filename="{licence.number}-area.geojson"'
    return response
