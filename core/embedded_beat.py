"""Drive the Celery beat schedule inside one process, for embedded mode.

Embedded Nedra has no broker and no separate beat: tasks run eagerly in the caller, so
this thread walks the same CELERY_BEAT_SCHEDULE that production's beat uses and applies
each task when it falls due. Production never runs this.
"""

import logging
import threading
from datetime import datetime

from celery import Celery
from celery.schedules import BaseSchedule, maybe_schedule
from django.db import close_old_connections

logger = logging.getLogger(__name__)


class EmbeddedBeat(threading.Thread):
    """A daemon thread that applies due beat entries until stopped."""

    def __init__(self, app: Celery, *, tick_seconds: float = 1.0) -> None:
        super().__init__(name="embedded-beat", daemon=True)
        self.app = app
        self.tick_seconds = tick_seconds
        self.stopped = threading.Event()
        self.last_run: dict[str, datetime] = {}

    def schedules(self) -> dict[str, tuple[BaseSchedule, dict]]:
        """Return each beat entry's schedule object with the entry itself."""
        return {
            name: (maybe_schedule(entry["schedule"], app=self.app), entry)
            for name, entry in self.app.conf.beat_schedule.items()
        }

    def tick(self) -> int:
        """Apply every entry that is due now; return how many ran."""
        ran = 0
        for name, (schedule, entry) in self.schedules().items():
            last = self.last_run.get(name)
            if last is not None and not schedule.is_due(last).is_due:
                continue
            self.last_run[name] = schedule.now()
            task = self.app.tasks[entry["task"]]
            try:
                task.apply_async(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}))
            except Exception:
                # One failing job must not stop the schedule; the next tick retries it.
                logger.exception("Scheduled task %s failed", name)
            finally:
                close_old_connections()
            ran += 1
        return ran

    def run(self) -> None:
        while not self.stopped.wait(self.tick_seconds):
            self.tick()

    def stop(self) -> None:
        self.stopped.set()
