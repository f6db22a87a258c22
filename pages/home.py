"""The front page: the way into the catalogue and the auction events open to the public."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from auctions import selectors
from deposits.models import Mineral

# The front page shows each event's first lots (a whole ordinary auction day); the
# catalogue pages through the rest of an event with hundreds.
HOME_LOTS_PER_EVENT = 50


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Show the way into the catalogue and the auction events open to the public."""
    lots_by_group = selectors.catalogue.public_lot_counts_by_mineral_group()
    mineral_groups = [
        (group, label, lots_by_group[group])
        for group, label in Mineral.Group.choices
        if group in lots_by_group
    ]
    context = {
        "events": selectors.catalogue.public_events_with_first_lots(HOME_LOTS_PER_EVENT),
        "mineral_groups": mineral_groups,
    }
    return render(request, "home.html", context)
