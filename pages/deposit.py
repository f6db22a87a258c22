"""A deposit's page: the deposit with its reserves, and the lots and licences on it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from auctions.selectors.catalogue import offered_lots
from deposits.locator import locator_map
from deposits.models import Deposit
from deposits.selectors import reserves_of
from licensing.selectors import registry_licences


@require_GET
def deposit_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Show a deposit: where it lies, its reserves by category, its lots and licences."""
    deposit: Deposit = get_object_or_404(Deposit.objects.select_related("region"), code=code)
    context = {
        "deposit": deposit,
        "reserves": reserves_of(deposit),
        "locator": locator_map([deposit]),
        "lots": offered_lots().filter(deposit=deposit).order_by("-starts_at", "-pk"),
        # The registry's rule of what is public; its minerals prefetch is not needed here.
        "licences": registry_licences().filter(deposit=deposit).prefetch_related(None),
    }
    return render(request, "deposits/detail.html", context)
