"""A real Celery worker with its beat, on Redis, opens and closes lots by the schedule.

Not the task function called directly: a worker process started here runs the beat
schedule of config/settings.py against the test database, as production's beat and
worker do.
"""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from auctions import engine
from auctions.models import Lot, Result
from auctions.tests.factories import LotFactory, admitted_representative

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.REDIS_URL or connection.vendor != "postgresql",
        reason="needs PostgreSQL and Redis (CI runs it there)",
    ),
]
WAIT_SECONDS = 60


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[subprocess.Popen]:
    """Start `celery worker --beat` on the test database; stop it after the test."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "worker-test-secret-key",
        "DATABASE_URL": (
            f"postgres://{quote(database['USER'])}:{quote(database['PASSWORD'] or '')}@"
            f"{database['HOST'] or 'localhost'}:{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        # A broker database of its own, so no other worker on this Redis takes its tasks.
        "CELERY_BROKER_URL": urlsplit(settings.REDIS_URL)._replace(path="/14").geturl(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    process = subprocess.Popen(  # noqa: S603 -- our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--beat",
            "--schedule",
            str(tmp_path / "beat-schedule"),
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for(condition, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"The worker stopped:\n{process.stdout.read()}")
        if time.monotonic() > deadline:
            process.terminate()
            pytest.fail(
                f"Nothing happened in {WAIT_SECONDS} s. Worker log:\n{process.stdout.read()}"
            )
        time.sleep(0.5)


def test_the_beat_opens_a_due_lot_and_closes_an_ended_one(worker: subprocess.Popen) -> None:
    now = timezone.now()
    opening = LotFactory(
        application_deadline=now - timedelta(days=1),
        starts_at=now + timedelta(seconds=2),
        ends_at=now + timedelta(hours=1),
        hard_end=now + timedelta(hours=2),
    )
    admitted_representative(opening, 1), admitted_representative(opening, 2)
    closing = LotFactory(
        status=Lot.Status.LIVE,
        application_deadline=now - timedelta(days=1),
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(seconds=3),
        hard_end=now + timedelta(minutes=10),
        soft_close_window=timedelta(0),
    )
    bidder = admitted_representative(closing, 1)
    admitted_representative(closing, 2)
    engine.place_bid(
        user=bidder, lot_id=closing.pk, amount=str(closing.starting_price), key=uuid.uuid4()
    )

    def lot_status(lot: Lot) -> str:
        return Lot.objects.values_list("status", flat=True).get(pk=lot.pk)

    wait_for(lambda: lot_status(opening) == Lot.Status.LIVE, worker)
    wait_for(lambda: lot_status(closing) == Lot.Status.CLOSED, worker)
    result = Result.objects.get(lot=closing)
    assert result.outcome == Result.Outcome.AWARDED
    assert result.winning_bonus == closing.starting_price
