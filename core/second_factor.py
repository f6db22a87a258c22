"""The second factor: who has one, which sessions passed it, and staff's need of it.

A second factor is an authenticator app (TOTP) or a security key; recovery codes only stand
in for one. allauth's login asks for it from everyone who has one; what this module adds
is who must have one: staff before the admin or any other page answers them,
representatives before their first bid (`auctions.selectors.participants.bidding_participant`).
"""

import base64
import time
from collections.abc import Callable
from typing import Any

from allauth.account.internal.flows.login import get_authentication_records, record_authentication
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import encrypt
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError

FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# What the API and the room's socket tell a staff session that has not passed its factor.
STAFF_NEEDS_SECOND_FACTOR = gettext_lazy(
    "Staff accounts need two-factor authentication: log in with your authenticator app's code."
)


def has_second_factor(user: User | AnonymousUser) -> bool:
    """Say whether the user has enrolled an authenticator app or a security key."""
    if not user.is_authenticated:
        return False
    return enrolled_factors(user.pk).exists()


def enrolled_factors(user_id: int) -> QuerySet[Authenticator]:
    """Return the user's second factors: authenticator apps and security keys (recovery
    codes alone are none). The bid's locked statement asks it as an `Exists`."""
    return Authenticator.objects.filter(user_id=user_id, type__in=FACTOR_TYPES)


def has_passed_second_factor(request: HttpRequest) -> bool:
    """Say whether this session's user proved a second factor: at login, at a later
    reauthentication, or by entering a code from the authenticator they enrolled in it."""
    return any(
        record.get("method") == "mfa"
        for record in get_authentication_records(request, request.user)
    )


def staff_session_passed(*, session: Any, user: User) -> bool:
    """Say whether a session of the user (a websocket's, which has no request) has an
    enrolled factor and proved it, as the staff pages ask."""
    request = HttpRequest()
    request.session = session
    request.user = user
    return has_second_factor(user) and has_passed_second_factor(request)


def record_enrolment(request: HttpRequest, authenticator: Authenticator) -> None:
    """Count enrolling an authenticator as passing it: its code was just entered."""
    if authenticator.type in FACTOR_TYPES and request.user.pk == authenticator.user_id:
        record_authentication(
            request, request.user, "mfa", id=authenticator.pk, type=authenticator.type
        )


def enrol_authenticator_app(*, user: User, secret: str) -> Authenticator:
    """Give the user an authenticator app with a known base32 `secret`, unless it has one.

    For accounts whose secret is published on purpose (the demo's); everyone else enrols
    on the page, where allauth draws a fresh secret.
    """
    # A secret no app can read would turn every code into an error: refuse it here.
    base64.b32decode(secret, casefold=True)
    authenticator, _ = Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": encrypt(secret)}}
    )
    return authenticator


def current_code(secret: str, *, steps_ahead: int = 0) -> str:
    """Return the six digits an authenticator app with this base32 secret shows now (or
    `steps_ahead` periods later: a code is accepted once, so a second login in the same
    period needs the next)."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD + steps_ahead
    return format_hotp_value(hotp_value(secret, counter))


def enrolment_url() -> str:
    """Return the page that sets up an authenticator app, in the active language."""
    return reverse("mfa_activate_totp")


def refuse_without_second_factor(user: User) -> None:
    """Raise DomainError second_factor_required unless the user has a second factor."""
    if not has_second_factor(user):
        raise DomainError(
            "second_factor_required",
            _(
                "Set up two-factor authentication before your first bid: add an "
                "authenticator app at %(url)s"
            )
            % {"url": enrolment_url()},
        )


# Pages a staff session may open before it has passed a second factor: logging in and
# out, enrolling an authenticator and proving it (allauth's account and mfa pages), the
# language switch and the health check.
OPEN_BEFORE_SECOND_FACTOR = ("account_", "mfa_")
OPEN_VIEWS = frozenset({"set_language", "health"})


class StaffSecondFactorMiddleware:
    """Answer a request of staff only once its session has passed a second factor.

    A staff account's privileges reach beyond the admin (companies' private documents,
    unpublished results, bid logs and protocols, the auction room), so a password alone
    opens none of them. Staff without an authenticator are sent to set one up, then come
    back; staff whose session never proved theirs (one that began before it was enrolled)
    prove it again; the API answers 403 second_factor_required. Anyone else is let through.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        match = request.resolver_match
        user = request.user
        if match is None or not (user.is_authenticated and user.is_active):
            return None
        if not (user.is_staff or user.is_superuser):
            return None
        name = match.url_name or ""
        if name.startswith(OPEN_BEFORE_SECOND_FACTOR) or name in OPEN_VIEWS:
            return None
        # Both: an authenticator removed later in the session no longer opens anything.
        enrolled = has_second_factor(user)
        if enrolled and has_passed_second_factor(request):
            return None
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {
                    "code": "second_factor_required",
                    "message": str(STAFF_NEEDS_SECOND_FACTOR),
                },
                status=403,
            )
        if not enrolled:
            messages.warning(
                request,
                _(
                    "The ministry admin needs two-factor authentication. Set up an "
                    "authenticator app, then open the admin again."
                ),
            )
            return HttpResponseRedirect(enrolment_url())
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse('mfa_reauthenticate')}?{query}")
