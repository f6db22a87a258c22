from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from auctions import selectors


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the database answers; used by the proxy and container checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Show the auction events open to the public with their lots."""
    return render(request, "home.html", {"events": selectors.public_events_with_lots()})
