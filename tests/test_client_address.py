"""Finding 10: the client address that lockouts and limits count cannot be forged.

Embedded mode has no proxy and trusts none; in production uvicorn trusts nginx alone and
nginx the configured TLS terminator alone. Django counts REMOTE_ADDR, as the server set it.
"""

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import yaml
from allauth.account.adapter import get_adapter
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from bidders.tests.factories import TEST_PASSWORD
from core.lockout import client_address
from core.management.commands.runplatform import server_options

ROOT = Path(__file__).resolve().parents[1]
FORGED = "203.0.113.77"


async def peer_of(options: dict[str, Any], *, peer: str, forwarded_for: str) -> str:
    """Send one request through uvicorn's app stack built with `options`; return the client
    address the application receives."""
    seen: dict[str, Any] = {}

    async def application(scope: dict, receive: Any, send: Any) -> None:
        seen.update(scope)

    config = uvicorn.Config(application, **options)
    config.load()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "headers": [(b"host", b"localhost"), (b"x-forwarded-for", forwarded_for.encode())],
        "client": (peer, 50123),
        "server": ("127.0.0.1", 8000),
    }
    await config.loaded_app(scope, None, None)
    return seen["client"][0]


def test_the_embedded_server_ignores_a_forged_forwarded_for_from_loopback() -> None:
    options = server_options(host="127.0.0.1", port=8000)
    assert options["proxy_headers"] is False

    assert asyncio.run(peer_of(options, peer="127.0.0.1", forwarded_for=FORGED)) == "127.0.0.1"
    # What uvicorn's defaults did: believe any loopback peer about the client's address.
    defaults = {"host": "127.0.0.1", "port": 8000, "forwarded_allow_ips": "127.0.0.1"}
    assert asyncio.run(peer_of(defaults, peer="127.0.0.1", forwarded_for=FORGED)) == FORGED


def test_production_uvicorn_believes_only_the_proxy_it_is_told_to_trust() -> None:
    proxy = "172.29.80.10"
    options = {"proxy_headers": True, "forwarded_allow_ips": proxy}
    assert asyncio.run(peer_of(options, peer=proxy, forwarded_for="198.51.100.4")) == "198.51.100.4"
    assert asyncio.run(peer_of(options, peer="172.29.80.3", forwarded_for=FORGED)) == "172.29.80.3"


def test_django_counts_the_servers_address_and_reads_forwarded_hops_only_when_told() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=f"{FORGED}, 198.51.100.4"
    )
    assert client_address(request) == "10.0.0.9"
    assert get_adapter(request).get_client_ip(request) == "10.0.0.9"
    with override_settings(PROXY_COUNT=1):
        # The hop the one proxy appended; the client's own entries to its left never count.
        assert client_address(request) == "198.51.100.4"
        assert get_adapter(request).get_client_ip(request) == "198.51.100.4"


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_escape_the_lockout(bidder_user) -> None:
    url = reverse("account_login")
    guesser = Client(REMOTE_ADDR="198.51.100.66")
    for number in range(5):
        guesser.post(
            url,
            {"login": bidder_user.email, "password": "wrong-guess-123"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{number}",
        )
    locked = guesser.post(
        url,
        {"login": bidder_user.email, "password": TEST_PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert b"Too many failed login" in locked.content
    assert "_auth_user_id" not in guesser.session


# --- The production stack's configuration ------------------------------------------------


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def default_of(value: str) -> str:
    """Return the default of a compose interpolation like ${NAME:-default}."""
    match = re.fullmatch(r"\$\{\w+:-([^}]*)\}", value)
    assert match, value
    return match.group(1)


def test_compose_lets_uvicorn_trust_the_nginx_container_alone() -> None:
    stack = compose()
    environment = stack["x-app-environment"]
    web_command = " ".join(stack["services"]["web"]["command"])
    assert "--proxy-headers" in web_command
    assert '--forwarded-allow-ips "$${FORWARDED_ALLOW_IPS:?}"' in web_command
    assert "'*'" not in web_command

    proxy_address = stack["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    assert default_of(environment["FORWARDED_ALLOW_IPS"]) == default_of(proxy_address)
    subnet = stack["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert default_of(proxy_address).startswith(default_of(subnet).rsplit(".", 1)[0])
    # uvicorn resolved the client already: Django must not read the header a second time.
    assert environment["PROXY_COUNT"] == "0"

    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--forwarded-allow-ips '*'" not in dockerfile


def test_nginx_takes_the_client_address_from_the_configured_terminator_only() -> None:
    stack = compose()
    proxy = stack["services"]["proxy"]
    assert proxy["environment"]["NEDRA_TLS_TERMINATOR"].startswith("${NEDRA_TLS_TERMINATOR:?")
    assert (
        "./deploy/real_ip.conf.template:/etc/nginx/templates/real_ip.conf.template:ro"
        in proxy["volumes"]
    )
    template = (ROOT / "deploy" / "real_ip.conf.template").read_text()
    directives = [line.strip() for line in template.splitlines() if not line.startswith("#")]
    assert "set_real_ip_from ${NEDRA_TLS_TERMINATOR};" in directives
    assert "real_ip_header X-Forwarded-For;" in directives
    assert "real_ip_recursive on;" in directives

    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "include /etc/nginx/conf.d/real_ip.conf;" in nginx
    # Overwritten with the resolved client, never appended to what a client sent.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx
    assert "$proxy_add_x_forwarded_for" not in nginx


def test_the_public_gallery_has_web_processes_of_its_own_that_trust_nginx_alone() -> None:
    """Spectators' sockets go to the gallery service, never to the bidders' processes."""
    stack = compose()
    gallery_command = " ".join(stack["services"]["gallery"]["command"])
    assert "uvicorn config.asgi:application" in gallery_command
    assert '--forwarded-allow-ips "$${FORWARDED_ALLOW_IPS:?}"' in gallery_command
    assert "gallery" in stack["services"]["proxy"]["depends_on"]

    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "server gallery:8000;" in nginx
    gallery_route = nginx.index("location ~ ^/ws/lots/[0-9]+/gallery/$ {")
    assert (
        "proxy_pass http://nedra_gallery;" in nginx[gallery_route : nginx.index("}", gallery_route)]
    )


def test_the_embedded_server_does_not_compress_websocket_frames() -> None:
    """As production runs uvicorn (--ws-per-message-deflate false)."""
    config = uvicorn.Config("config.asgi:application", **server_options(host="127.0.0.1", port=0))
    assert config.ws_per_message_deflate is False
