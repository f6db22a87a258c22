"""Licensing's jobs: settling finished lots, and the forfeit and expiry sweeps."""

from datetime import timedelta
from typing import Any

from celery import shared_task
from celery.signals import worker_process_init
from django.db import OperationalError
from django.utils import timezone

from licensing import selectors, services, workdays

# A lot is settled by the task queued when it finished; the sweep leaves it that long
# before settling it itself (the task may have been lost in a broker outage).
SETTLE_GRACE = timedelta(minutes=1)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def settle_finished_lot(lot_id: int) -> None:
    """Offer the licence to the winner and release the other deposits; repeatable."""
    services.settle_lot(lot_id=lot_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def settle_unsettled_lots() -> int:
    """Settle every lot finished over a minute ago and still unsettled; the beat runs this
    every few seconds. Returns how many it queued."""
    lot_ids = list(selectors.unsettled_lot_ids(finished_before=timezone.now() - SETTLE_GRACE))
    for lot_id in lot_ids:
        settle_finished_lot.delay(lot_id)
    return len(lot_ids)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def forfeit_overdue_licences() -> list[int]:
    """Forfeit the licences unpaid past their deadline and pass each lot on."""
    return services.forfeit_overdue_licences()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def expire_licences() -> int:
    """Expire the active licences whose term has run out."""
    return services.expire_licences()


@worker_process_init.connect
def load_the_holiday_calendar(**kwargs: Any) -> None:
    """Load Kazakhstan's holidays when a worker process starts, not in its first settlement
    (the holidays package imports a country's module on first use: a second of the first
    lots' licence offers when fifty end together)."""
    workdays.add_working_days(timezone.localdate(), services.PAYMENT_WORKING_DAYS)
