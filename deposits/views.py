"""The public deposit catalogue and each deposit's page."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from auctions.selectors.catalogue import offered_lots
from core.pagination import page_of
from deposits import selectors
from deposits.filters import DepositFilter
from deposits.locator import locator_map
from deposits.models import Deposit
from licensing.selectors import registry_licences


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """List deposits by mineral, region and status, with search, and map the listed page."""
    deposits = DepositFilter(request.GET, queryset=selectors.catalogue_deposits())
    page = page_of(deposits.qs, request)
    context = {"filter": deposits, "page": page, "locator": locator_map(page.object_list)}
    return render(request, "deposits/catalogue.html", context)


@require_GET
def deposit_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Show a deposit: where it lies, its reserves by category, its lots and licences."""
    deposit = get_object_or_404(Deposit.objects.select_related("region"), code=code)
    context = {
        "deposit": deposit,
        "reserves": selectors.reserves_of(deposit),
        "locator": locator_map([deposit]),
        "lots": offered_lots().filter(deposit=deposit).order_by("-starts_at", "-pk"),
        # The registry's rule of what is public; its minerals prefetch is not needed here.
        "licences": registry_licences().filter(deposit=deposit).prefetch_related(None),
    }
    return render(request, "deposits/detail.html", context)
