"""How lists are paged: the pages' forgiving ?page=N, and the public API's strict
?page=N&page_size=M, to anyone, at a pace set for anonymous callers."""

from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import translation
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle

from core.api_errors import INVALID_QUERY, NOT_FOUND, RATE_LIMITED

# One page size for the catalogue, the registry and the API.
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
# No list has a billion pages; a longer number is a mistake, not a page.
MAX_NUMBER_DIGITS = 9


def page_of(items: QuerySet, request: HttpRequest) -> Page:
    """Return the page of `items` a web page's ?page= asks for; a number that is no page
    gives the first or the last, as a reader following an old link expects."""
    return Paginator(items, DEFAULT_PAGE_SIZE).get_page(request.GET.get("page"))


def positive_number(request: Request, param: str) -> int | None:
    """Return the query parameter as a positive integer, None when absent; raise 400 else."""
    raw = request.query_params.get(param)
    if raw is None:
        return None
    # isdigit() alone would take "²" and other Unicode digits that int() refuses; the
    # length bound keeps int() from refusing thousands of digits with a ValueError.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_NUMBER_DIGITS or int(raw) < 1:
        raise ValidationError({param: [_("Give a whole number from 1 up.")]})
    return int(raw)


class PublicPagination(PageNumberPagination):
    """Numbered pages of at most 100 items; a malformed number is a 400, a page past the
    end a 404, so a client can tell its own mistake from running out of data."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    # "last" is not a number: the schema promises an integer, so the API keeps to it.
    last_page_strings = ()

    def get_page_size(self, request: Request) -> int:
        asked = positive_number(request, self.page_size_query_param)
        # A larger page is capped rather than refused: the links say what was given.
        return self.page_size if asked is None else min(asked, self.max_page_size)

    def get_page_number(self, request: Request, paginator: Any) -> int:
        return positive_number(request, self.page_query_param) or 1

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Items per page, {DEFAULT_PAGE_SIZE} unless given; at most {MAX_PAGE_SIZE}."
                )
        return parameters


if TYPE_CHECKING:
    # What the mixin is mixed into: the type checker then knows its settings and super().
    from rest_framework.generics import GenericAPIView

    _PublicView = GenericAPIView[Any]
else:
    _PublicView = object


class PublicReadMixin(_PublicView):
    """What every public endpoint shares: anyone may read, anonymous callers are paced,
    lists come in pages and take their FilterSet's query parameters, names come in the
    caller's language."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]
    pagination_class = PublicPagination
    filter_backends = [DjangoFilterBackend]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # The pages take their language from the URL's prefix, which /api/ never has: an API
        # client names its language in Accept-Language (or the site's language cookie).
        language = translation.get_language_from_request(request)
        with translation.override(language):
            response = super().dispatch(request, *args, **kwargs)
        response.headers.setdefault("Content-Language", language)
        return response


def public_list_responses(serializer: Any) -> dict[int, Any]:
    """Return the documented answers of a public list: its page, or the one error body."""
    return {200: serializer, 400: INVALID_QUERY, 404: NOT_FOUND, 429: RATE_LIMITED}
