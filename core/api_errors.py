"""One error body for the whole API: {"code": ..., "message": ..., "errors": {...}}."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.exceptions import (
    APIException,
    NotFound,
    PermissionDenied,
    Throttled,
    ValidationError,
)
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.errors import DomainError


class ErrorSerializer(serializers.Serializer):
    """The one error body of the API."""

    code = serializers.CharField(help_text="Stable machine-readable code, e.g. already_applied.")
    message = serializers.CharField(help_text="Human-readable explanation.")
    # DRF's metaclass moves declared fields off the class, so the `errors` property stays;
    # the stubs cannot see that.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.JSONField(),
        required=False,
        help_text="Per-field messages, present when code is 'invalid'.",
    )


# How the public endpoints document their refusals, each with the one error body.
INVALID_QUERY = OpenApiResponse(
    ErrorSerializer,
    description="A filter, ordering or page parameter is malformed or unknown (code invalid, "
    "with errors per parameter).",
)
NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="Nothing public with this identifier, or a page past the end."
)
RATE_LIMITED = OpenApiResponse(
    ErrorSerializer,
    description="Too many requests from this address (code rate_limited); retry after the "
    "seconds in the Retry-After header.",
)


# Domain refusals that mean "that already happened" or "the state moved on" rather than
# "your input is wrong"; and those that mean "not yours" or "not there".
CONFLICT_CODES = frozenset(
    {
        "already_applied",
        "already_decided",
        "already_registered",
        "company_exists",
        "payment_not_awaited",
        "too_low",
        "maximum_below_price",
        "already_leading",
        "lot_not_live",
        "round_closed",
        "sealed_bid_exists",
        # Above the participant's bid ceiling: more money secured would let it through.
        "above_limit",
    }
)
STATUS_BY_CODE = {
    **dict.fromkeys(CONFLICT_CODES, status.HTTP_409_CONFLICT),
    "not_admitted": status.HTTP_403_FORBIDDEN,
    "second_factor_required": status.HTTP_403_FORBIDDEN,
    "login_required": status.HTTP_403_FORBIDDEN,
    "staff_not_bidder": status.HTTP_403_FORBIDDEN,
    "lot_not_found": status.HTTP_404_NOT_FOUND,
    "no_sealed_bid": status.HTTP_404_NOT_FOUND,
    "rate_limited": status.HTTP_429_TOO_MANY_REQUESTS,
}


def handle_exception(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn domain errors and DRF's own errors into the one error body."""
    if isinstance(exc, DomainError):
        http_status = STATUS_BY_CODE.get(exc.code, status.HTTP_400_BAD_REQUEST)
        return Response({"code": exc.code, "message": exc.message}, status=http_status)
    if isinstance(exc, Http404):
        exc = NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, APIException):
        return response
    if isinstance(exc, ValidationError):
        response.data = {
            "code": "invalid",
            "message": gettext("The request has invalid fields."),
            "errors": response.data,
        }
    elif isinstance(exc, Throttled):
        # The wire contract's name for it, on the websocket and the API alike.
        response.data = {"code": "rate_limited", "message": str(exc.detail)}
    else:
        detail = exc.detail
        response.data = {
            "code": getattr(detail, "code", None) or exc.default_code,
            "message": str(detail),
        }
    return response


def unknown_endpoint(request: HttpRequest, path: str = "") -> JsonResponse:
    """Answer an address under /api/ that names no endpoint with the error body, not a page."""
    return JsonResponse(
        {"code": "not_found", "message": gettext("There is no such endpoint.")}, status=404
    )
