"""What a Celery worker's process sets up when it starts (`worker_process_init`)."""

from collections.abc import Iterator

import pytest
from celery.signals import worker_process_init
from django.db import connection, connections
from django.test import override_settings

from licensing import workdays


@pytest.fixture
def restored_connection_settings() -> Iterator[None]:
    saved = {alias: dict(connections.settings[alias]) for alias in connections}
    yield
    for alias, values in saved.items():
        connections.settings[alias].clear()
        connections.settings[alias].update(values)


@override_settings(WORKER_CONN_MAX_AGE=45)
def test_a_worker_process_keeps_its_database_connection_between_tasks(
    restored_connection_settings: None,
) -> None:
    """Web processes open one per request (CONN_MAX_AGE=0); a worker's tasks share one,
    checked before each reuse."""
    assert connection.settings_dict["CONN_MAX_AGE"] == 0
    worker_process_init.send(sender=None)
    assert connection.settings_dict["CONN_MAX_AGE"] == 45
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_worker_process_loads_the_holiday_calendar_before_its_first_task() -> None:
    workdays._calendar.cache_clear()
    worker_process_init.send(sender=None)
    assert workdays._calendar.cache_info().currsize >= 1
