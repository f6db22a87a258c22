"""A bidder's dashboard: its company's applications, payments, lots, results and licences."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from auctions.models import BankDetails, Lot
from auctions.selectors.participants import company_applications, outcome_for
from bidders.decorators import bidders_only
from bidders.selectors import company_of
from licensing.invoices import bonus_due
from licensing.selectors import company_licences

# Lots in which an admitted participant may (or soon may) bid.
BIDDING_LOT_STATUSES = frozenset(Lot.OPEN_STATUSES)


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
