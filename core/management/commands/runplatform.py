import logging
from typing import Any

import uvicorn
from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from core.embedded_beat import EmbeddedBeat


def server_options(*, host: str, port: int) -> dict[str, Any]:
    """Return uvicorn's options for the one embedded process.

    It has no proxy in front, so it trusts none: uvicorn would otherwise take the client
    address from X-Forwarded-For whenever the peer is loopback (its default
    FORWARDED_ALLOW_IPS), and any local client could pick the address that lockouts and
    the anonymous API limit count. Nor does it compress websocket frames, as production
    does not (README "No permessage-deflate"): a frame written to every socket of a lot
    would be compressed once per socket.
    """
    return {
        "host": host,
        "port": port,
        "log_level": "info",
        "lifespan": "off",
        "proxy_headers": False,
        "forwarded_allow_ips": "",
        "ws_per_message_deflate": False,
    }


def asgi_target() -> str:
    """Return settings.ASGI_APPLICATION as uvicorn's "module:attribute" import string."""
    module, _, attribute = settings.ASGI_APPLICATION.rpartition(".")
    return f"{module}:{attribute}"


class Command(BaseCommand):
    help = "Run the whole platform in one process: the ASGI server and, in embedded mode, beat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: object, host: str, port: int, **options: object) -> None:
        beat = None
        if settings.CELERY_TASK_ALWAYS_EAGER:
            # The sweep runs every five seconds: one line per run would drown the console.
            # Failures still print, as warnings and errors.
            logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
            # The project's Celery app, made current when the settings package loaded it:
            # core names neither config nor its app, as it stands below both.
            beat = EmbeddedBeat(current_app)
            beat.start()
            self.stdout.write("Scheduled jobs run in this process (embedded mode).")
        self.stdout.write(self.style.SUCCESS(f"Nedra is running at http://{host}:{port}/"))
        self.stdout.write(f"Ministry admin: http://{host}:{port}/admin/  (Ctrl+C stops)")
        try:
            uvicorn.run(asgi_target(), **server_options(host=host, port=port))
        finally:
            if beat:
                beat.stop()
