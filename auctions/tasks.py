"""Auctions' scheduled jobs, run by the beat: the auction clock and results publication.

An interface like the views: each job calls the engine or a service. The tasks those queue
themselves live below them (engine.close_lot_when_due, the emails in notices).
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, OperationalError
from django.utils import timezone

from auctions import engine, live, notices, pauses, presence, sealed, selectors, services
from auctions.models import Lot

logger = logging.getLogger(__name__)

# --- The auction clock: opening and closing lots --------------------------------------------


@shared_task
def sweep_lots() -> dict[str, int]:
    """Open every published lot whose start has come, close every sealed round and every
    live lot whose end has passed; the beat runs this every few seconds."""
    # First: a lot whose end passed while the database was down is paused with the time
    # it had left then, not closed.
    presence.pause_after_database_outage()
    now = timezone.now()
    due_to_open = Lot.objects.filter(status=Lot.Status.PUBLISHED, starts_at__lte=now)
    due_to_close = Lot.objects.filter(status=Lot.Status.LIVE, ends_at__lte=now)
    # Two-stage lots' sealed rounds before the lots: a lot whose round and end both passed
    # (the beat was down) ranks its sealed bids, then closes on them.
    rounds_due = Lot.objects.filter(
        status=Lot.Status.LIVE,
        format=Lot.Format.SEALED_THEN_ASCENDING,
        sealed_round_closed_at__isnull=True,
        sealed_round_ends_at__lte=now,
    )
    opened = [engine.open_lot(lot_id=pk) for pk in due_to_open.values_list("pk", flat=True)]
    for pk in rounds_due.values_list("pk", flat=True):
        try:
            engine.close_sealed_round(lot_id=pk)
        except sealed.SealedBidTampered:
            # One altered sealed bid holds its own lot in the sealed round for staff to
            # act on; it must not stop every other lot's clock.
            logger.exception("Lot %s: a sealed bid does not match its commitment", pk)
    closed = [engine.close_lot(lot_id=pk) for pk in due_to_close.values_list("pk", flat=True)]
    return {"opened": len(opened), "closed": len(closed)}


@shared_task(ignore_result=True)
def send_heartbeats() -> int:
    """Send every running lot's version to its sockets; the beat runs this every 2 s.

    Never retried: the next beat sends a fresher one. Then the presence watch: a lot whose
    participants dropped, or whose heartbeat could not be sent, pauses by itself.
    """
    sent, channel_layer_failed = 0, False
    try:
        sent = live.broadcast_heartbeats()
    except DatabaseError:
        # The watch notes the database's outage itself.
        pass
    except pauses.CHANNEL_LAYER_FAILURES:
        logger.exception("The heartbeats could not be sent: the channel layer failed")
        channel_layer_failed = True
    if settings.LIVE_AUTOMATIC_PAUSES:
        presence.watch_lots(channel_layer_failed=channel_layer_failed)
    return sent


# --- Results ---------------------------------------------------------------------------------

# A results email queued at publication is left this long to its own task before the
# publication run sends it again (its task may have been lost in a broker outage).
LOST_TASK_GRACE = timedelta(minutes=1)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def publish_finished_events() -> list[int]:
    """Publish the results of every event whose lots have all finished; the beat runs this."""
    published = services.publish_finished_events()
    # Emails whose task was lost go out now; notify_results claims them, so never twice.
    for event_id in selectors.results.events_with_results_unsent(
        published_before=timezone.now() - LOST_TASK_GRACE
    ):
        notices.send_results_notices.delay(event_id)
    return published
