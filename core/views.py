from django.db import connection
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


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
