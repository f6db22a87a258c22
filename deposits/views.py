"""The public deposit catalogue."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.pagination import page_of
from deposits import selectors
from deposits.filters import DepositFilter
from deposits.locator import locator_map


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """List deposits by mineral, region and status, with search, and map the listed page."""
    deposits = DepositFilter(request.GET, queryset=selectors.catalogue_deposits())
    page = page_of(deposits.qs, request)
    context = {"filter": deposits, "page": page, "locator": locator_map(page.object_list)}
    return render(request, "deposits/catalogue.html", context)
