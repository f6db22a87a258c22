import logging

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from config.celery import app as celery_app
from core.embedded_beat import EmbeddedBeat


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
            beat = EmbeddedBeat(celery_app)
            beat.start()
            self.stdout.write("Scheduled jobs run in this process (embedded mode).")
        self.stdout.write(self.style.SUCCESS(f"Nedra is running at http://{host}:{port}/"))
        self.stdout.write(f"Ministry admin: http://{host}:{port}/admin/  (Ctrl+C stops)")
        try:
            uvicorn.run(
                "config.asgi:application", host=host, port=port, log_level="info", lifespan="off"
            )
        finally:
            if beat:
                beat.stop()
