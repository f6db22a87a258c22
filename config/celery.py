"""The Celery app; tasks are discovered in each Django app's tasks.py."""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("nedra")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def keep_database_connections(**kwargs: Any) -> None:
    """Let a worker process keep its database connections between tasks.

    The web processes must not (CONN_MAX_AGE=0: ASGI runs requests on a thread pool, whose
    idle connections would pile up); a worker process runs its tasks one after another on
    one thread, and opening a connection per task cost a third of a lot's close.
    """
    from django.conf import settings
    from django.db import connections

    for alias in connections:
        # The dict every connection of the alias reads its settings from, in this process.
        connections.settings[alias]["CONN_MAX_AGE"] = settings.WORKER_CONN_MAX_AGE
        connections.settings[alias]["CONN_HEALTH_CHECKS"] = True
