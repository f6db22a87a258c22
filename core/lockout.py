"""Which account and which address a login attempt came from, whichever form it used."""

from django.conf import settings
from django.http import HttpRequest


def username_of_attempt(request: HttpRequest, credentials: dict | None) -> str | None:
    """Return the login the attempt named: `login` (email or staff username) or `username`."""
    for source in (credentials or {}, request.POST if request is not None else {}):
        for field in ("login", "username", "email"):
            value = source.get(field)
            if value:
                return str(value).strip().lower()
    return None


def client_address(request: HttpRequest) -> str:
    """Return the client's address as lockouts and throttles count it.

    REMOTE_ADDR, which the ASGI server sets to the peer or, behind proxies it trusts, to
    the client they forwarded. Only with PROXY_COUNT set (a server that cannot resolve
    proxies itself) is X-Forwarded-For read, that many hops from the right, as DRF's
    NUM_PROXIES and allauth's TRUSTED_PROXY_COUNT read it; a client's own entries sit to
    the left of every hop a proxy appends and are never taken.
    """
    return address_behind_proxies(
        request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_X_FORWARDED_FOR", "")
    )


def address_behind_proxies(remote: str, forwarded: str) -> str:
    """Return the client's address from the peer's and the X-Forwarded-For header's, by
    `client_address`'s rule: the header only with PROXY_COUNT set, that many hops from the
    right; the websockets' limits count by it too."""
    if settings.PROXY_COUNT and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        return hops[-min(settings.PROXY_COUNT, len(hops))] or remote
    return remote
