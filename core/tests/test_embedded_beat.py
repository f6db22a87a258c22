"""Embedded mode drives the production beat schedule inside one process."""

from datetime import timedelta

import pytest
from celery import Celery

from core.embedded_beat import EmbeddedBeat

# Each tick releases the thread's database connection, as the real thread does.
pytestmark = pytest.mark.django_db


@pytest.fixture
def app() -> Celery:
    app = Celery("embedded-test", set_as_current=False)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    return app


def test_due_entries_run_in_process_and_wait_for_their_interval(app: Celery) -> None:
    calls: list[str] = []

    @app.task(name="sweep")
    def sweep(label: str) -> None:
        calls.append(label)

    app.conf.beat_schedule = {
        "sweep-often": {"task": "sweep", "schedule": 2.0, "args": ("often",)},
        "sweep-daily": {"task": "sweep", "schedule": timedelta(days=1), "args": ("daily",)},
    }
    beat = EmbeddedBeat(app)
    assert beat.tick() == 2
    assert calls == ["often", "daily"]
    # Immediately after, nothing is due yet.
    assert beat.tick() == 0
    beat.last_run["sweep-often"] -= timedelta(seconds=3)
    assert beat.tick() == 1
    assert calls == ["often", "daily", "often"]


def test_a_failing_job_is_logged_and_the_others_still_run(
    app: Celery, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str] = []

    @app.task(name="broken")
    def broken() -> None:
        raise RuntimeError("database went away")

    @app.task(name="healthy")
    def healthy() -> None:
        calls.append("healthy")

    app.conf.beat_schedule = {
        "broken": {"task": "broken", "schedule": 1.0},
        "healthy": {"task": "healthy", "schedule": 1.0},
    }
    EmbeddedBeat(app).tick()
    assert calls == ["healthy"]
    assert "Scheduled task broken failed" in caplog.text


def test_the_thread_stops_when_asked(app: Celery) -> None:
    app.conf.beat_schedule = {}
    beat = EmbeddedBeat(app, tick_seconds=0.01)
    beat.start()
    beat.stop()
    beat.join(timeout=2)
    assert not beat.is_alive()
