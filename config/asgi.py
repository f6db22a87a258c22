"""ASGI entry point: HTTP goes to Django, websockets to Channels consumers."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Django must be set up before anything imports models (consumers do).
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.sessions import CookieMiddleware, SessionMiddleware  # noqa: E402

from auctions.consumers import SocketAuthMiddleware  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from core.request_limits import BodySizeLimit  # noqa: E402
from core.ws_origin import SameOriginWebsockets  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Oversized bodies are refused before Django stores them in a temporary file.
        "http": BodySizeLimit(django_asgi_app),
        # Only the site's own pages (exact scheme, host and port) may open a socket.
        # The session's user is read as the sockets' own check does, on a database thread
        # of the handshakes (auctions.consumers.SocketAuthMiddleware).
        "websocket": SameOriginWebsockets(
            CookieMiddleware(
                SessionMiddleware(SocketAuthMiddleware(URLRouter(websocket_urlpatterns)))
            )
        ),
    }
)
