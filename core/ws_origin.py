"""Websockets only from the site's own pages: the Origin must be exactly this site's origin.

A browser sends the victim's session cookie with a websocket opened by any page, so the
Origin header is what tells the site's own pages from another site's (cross-site
websocket hijacking). Channels' AllowedHostsOriginValidator compares host names only: a
page on another port or scheme of an allowed host passed. Here scheme, host and port
must all match, as browsers define an origin.
"""

from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

from asgiref.typing import ASGIReceiveCallable, ASGISendCallable, Scope, WebSocketScope
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

DEFAULT_PORTS = {"http": 80, "https": 443}


class SameOriginWebsockets:
    """ASGI middleware: refuse a websocket whose Origin is not the site's own, or trusted."""

    def __init__(self, application: object) -> None:
        self.application = application

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        if scope["type"] == "websocket" and not is_allowed_origin(scope):
            await WebsocketDenier()(scope, receive, send)
            return
        await self.application(scope, receive, send)  # type: ignore[operator]


def is_allowed_origin(scope: WebSocketScope) -> bool:
    """Say whether the handshake's Origin is this site's origin or a CSRF-trusted one.

    This site's origin is the scheme the page was served with (https when the socket is
    wss, or the TLS proxy says so) and the Host the browser sent, which must be one of
    ALLOWED_HOSTS. A handshake without Origin or Host is not a browser's: refused.
    """
    headers = _headers(scope)
    origin_header, host = headers.get(b"origin"), headers.get(b"host")
    if not origin_header or not host:
        return False
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    origin = _origin_of(origin_header)
    if origin is None:
        return False
    scheme = "https" if _is_secure(scope, headers) else "http"
    own = _origin_of(f"{scheme}://{host}")
    return origin == own or _is_trusted(origin, settings.CSRF_TRUSTED_ORIGINS)


def _headers(scope: WebSocketScope) -> dict[bytes, str]:
    """Return the scope's headers by lowercase name; a repeated or undecodable one is dropped."""
    seen: dict[bytes, str] = {}
    repeated: set[bytes] = set()
    for name, value in scope.get("headers", []):
        name = name.lower()
        if name in seen:
            repeated.add(name)
        try:
            seen[name] = value.decode("ascii").strip()
        except UnicodeDecodeError:
            repeated.add(name)
    return {name: value for name, value in seen.items() if name not in repeated}


def _is_secure(scope: WebSocketScope, headers: dict[bytes, str]) -> bool:
    if scope.get("scheme") == "wss":
        return True
    # The proxy that terminates TLS says so, as Django's request.is_secure() reads it.
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if not proxy_header:
        return False
    meta_name, secure_value = proxy_header
    header_name = meta_name.removeprefix("HTTP_").replace("_", "-").lower().encode()
    value = headers.get(header_name)
    return value is not None and value.split(",", 1)[0].strip() == secure_value


def _origin_of(url: str) -> tuple[str, str, int] | None:
    """Return (scheme, host, port) of an http(s) origin, the port filled in; None if not one."""
    try:
        parts: SplitResult = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def _is_trusted(origin: tuple[str, str, int], trusted: Iterable[str]) -> bool:
    """Match CSRF_TRUSTED_ORIGINS as Django's CSRF check does, subdomain wildcards included."""
    scheme, host, port = origin
    for pattern in trusted:
        wildcard = "://*." in pattern
        allowed = _origin_of(pattern.replace("://*.", "://", 1) if wildcard else pattern)
        if allowed is None or allowed[0] != scheme or allowed[2] != port:
            continue
        if host == allowed[1] or (wildcard and is_same_domain(host, "." + allowed[1])):
            return True
    return False
