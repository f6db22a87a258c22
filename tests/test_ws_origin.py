"""The websocket accepts only the site's own origin: scheme, host and port, as browsers mean it.

Each handshake goes through config.asgi.application, so the check tested is the one served.
"""

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.conf import LazySettings

from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

NO_SUCH_LOT = "/ws/lots/999999/"


@pytest.fixture(autouse=True)
def site_hosts(settings: LazySettings) -> None:
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "nedra.example.kz"]
    settings.CSRF_TRUSTED_ORIGINS = []


def is_accepted(
    *, origin: str | None, host: str | None = "127.0.0.1:8000", scheme: str = "ws", **headers: str
) -> bool:
    """Open a socket with these handshake headers; say whether the server accepted it.

    The lot does not exist: an accepted socket is then told so and closed by the room,
    a refused one is closed before it is ever accepted.
    """
    header_list = [
        (name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()
    ]
    if origin is not None:
        header_list.append((b"origin", origin.encode()))
    if host is not None:
        header_list.append((b"host", host.encode()))
    scope = {
        "type": "websocket",
        "scheme": scheme,
        "path": NO_SUCH_LOT,
        "query_string": b"",
        "headers": header_list,
        "subprotocols": [],
    }

    async def handshake() -> bool:
        socket = ApplicationCommunicator(application, scope)
        await socket.send_input({"type": "websocket.connect"})
        reply = await socket.receive_output(10)
        await socket.send_input({"type": "websocket.disconnect", "code": 1000})
        await socket.wait(10)
        return reply["type"] == "websocket.accept"

    return async_to_sync(handshake)()


def test_a_page_of_the_site_itself_may_open_a_socket() -> None:
    assert is_accepted(origin="http://127.0.0.1:8000")


def test_the_same_host_on_another_port_is_refused() -> None:
    assert not is_accepted(origin="http://127.0.0.1:6666")


def test_the_same_host_and_port_under_another_scheme_is_refused() -> None:
    assert not is_accepted(origin="https://127.0.0.1:8000")


def test_a_handshake_without_origin_is_refused() -> None:
    assert not is_accepted(origin=None)


def test_a_handshake_without_host_is_refused() -> None:
    assert not is_accepted(origin="http://127.0.0.1:8000", host=None)


def test_a_host_outside_allowed_hosts_is_refused_even_when_origin_matches_it() -> None:
    assert not is_accepted(origin="http://evil.example", host="evil.example")


def test_another_site_is_refused() -> None:
    assert not is_accepted(origin="https://evil.example")
    assert not is_accepted(origin="http://127.0.0.1.evil.example:8000")
    assert not is_accepted(origin="null")


def test_a_default_port_matches_whether_written_or_not() -> None:
    assert is_accepted(origin="http://localhost:80", host="localhost")
    assert is_accepted(origin="http://localhost", host="localhost:80")


def test_a_secure_socket_accepts_only_the_https_origin() -> None:
    assert is_accepted(origin="https://nedra.example.kz", host="nedra.example.kz", scheme="wss")
    assert not is_accepted(origin="http://nedra.example.kz", host="nedra.example.kz", scheme="wss")


def test_behind_the_tls_proxy_the_forwarded_scheme_is_the_sites() -> None:
    assert is_accepted(
        origin="https://nedra.example.kz", host="nedra.example.kz", x_forwarded_proto="https"
    )
    assert not is_accepted(
        origin="http://nedra.example.kz", host="nedra.example.kz", x_forwarded_proto="https"
    )


def test_an_origin_in_csrf_trusted_origins_is_accepted(settings: LazySettings) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://portal.nedra.example.kz", "https://*.gov.kz"]

    assert is_accepted(origin="https://portal.nedra.example.kz", host="nedra.example.kz")
    assert is_accepted(origin="https://egov.gov.kz", host="nedra.example.kz")
    assert not is_accepted(origin="http://portal.nedra.example.kz", host="nedra.example.kz")
    assert not is_accepted(origin="https://portal.nedra.example.kz:8443", host="nedra.example.kz")
