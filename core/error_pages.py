"""The site's own 404 and 400 pages, also while DEBUG is on.

The embedded mode runs with DEBUG on, so Django would answer a mistyped address or a
lot that is not public with its yellow technical page, which lists every URL pattern.
Those are the visitor's mistakes, not the developer's: they get the page production
shows. Exceptions from the code itself (a real 500) still get the debug page.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver, get_urlconf
from django.views import defaults


class SiteErrorPagesMiddleware:
    """With DEBUG on, answer a missing page or a bad request with the site's own page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DEBUG and not self._resolves(request):
            # Django resolves the URL outside every middleware's exception hook, so an
            # address no pattern matches is caught here, before the handler tries it.
            return defaults.page_not_found(request, Http404(request.path))
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not settings.DEBUG:
            return None  # Django's own handlers already render 404.html and 400.html.
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, BadRequest | SuspiciousOperation):
            return defaults.bad_request(request, exception)
        return None

    @staticmethod
    def _resolves(request: HttpRequest) -> bool:
        try:
            get_resolver(getattr(request, "urlconf", None) or get_urlconf()).resolve(
                request.path_info
            )
        except Resolver404:
            return False
        return True
