from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from auctions import selectors
from deposits.models import Mineral


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the database answers; used by the proxy and container checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Send a browser's request for /favicon.ico to the icon among the static files."""
    # Not permanent: the static file's hashed name changes with its content.
    return HttpResponseRedirect(static("favicon.ico"))


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
