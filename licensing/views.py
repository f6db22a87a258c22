"""The public licence registry and licence certificates."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.pagination import page_of
from core.pdf import pdf_response
from licensing import selectors
from licensing.certificates import certificate_filename, licence_certificate
from licensing.filters import LicenceFilter
from licensing.forms import RegistryFilterForm


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
    return pdf_response(licence_certificate(licence), certificate_filename(licence))
