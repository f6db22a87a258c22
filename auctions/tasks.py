from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone
from django.utils.translation import gettext as _

from auctions import engine, live, selectors, services
from auctions.models import Application, Lot
from bidders.tasks import send_to_company


@shared_task(autoretry_for=(OSError, SMTPException), retry_backoff=True, max_retries=5)
def send_application_decision(application_id: int) -> None:
    """Tell a company that its application for a lot was admitted or rejected."""
    application = Application.objects.select_related("lot", "lot__deposit", "company").get(
        pk=application_id
    )
    lot = application.lot

    def write() -> tuple[str, str]:
        names = {
            "number": lot.number,
            "deposit": lot.deposit.name,
            "participant": application.participant_number,
        }
        if application.is_admitted:
            return (
                _("Admitted to lot %(number)s: %(deposit)s") % names,
                _(
                    "Your company takes part in lot %(number)s (%(deposit)s) as Participant "
                    "%(participant)s. Other participants see you only by this number."
                )
                % names,
            )
        return (
            _("Application for lot %(number)s rejected") % names,
            _("Reason: %(reason)s") % {"reason": application.rejection_reason},
        )

    send_to_company(application.company, write)


# --- The auction clock: opening and closing lots --------------------------------------------


SETTLE_GRACE = timedelta(minutes=1)


@shared_task
def sweep_lots() -> dict[str, int]:
    """Open every published lot whose start has come and close every live lot whose end
    has passed; the beat runs this every few seconds."""
    now = timezone.now()
    due_to_open = Lot.objects.filter(status=Lot.Status.PUBLISHED, starts_at__lte=now)
    due_to_close = Lot.objects.filter(status=Lot.Status.LIVE, ends_at__lte=now)
    opened = [engine.open_lot(lot_id=pk) for pk in due_to_open.values_list("pk", flat=True)]
    closed = [engine.close_lot(lot_id=pk) for pk in due_to_close.values_list("pk", flat=True)]
    # The task queued after a lot finished can be lost (a broker outage at that moment):
    # settling is repeatable, so lots still unsettled a minute later are settled again.
    for lot_id in selectors.unsettled_lots(finished_before=now - SETTLE_GRACE):
        settle_finished_lot.delay(lot_id)
    return {"opened": len(opened), "closed": len(closed)}


@shared_task(ignore_result=True)
def send_heartbeats() -> int:
    """Send every running lot's version to its sockets; the beat runs this every 2 s.

    Never retried: the next beat sends a fresher one.
    """
    return live.broadcast_heartbeats()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def close_lot_when_due(lot_id: int) -> None:
    """Close the lot if its end has passed; an extension since leaves it for later."""
    engine.close_lot(lot_id=lot_id)


def schedule_close(lot_id: int) -> None:
    """Queue a close for the lot's current end, so it closes on the second, not at the
    next sweep. Embedded mode runs tasks at once, so there the sweep does it."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    ends_at = Lot.objects.values_list("ends_at", flat=True).get(pk=lot_id)
    close_lot_when_due.apply_async(args=[lot_id], eta=ends_at)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def settle_finished_lot(lot_id: int) -> None:
    """Offer the licence to the winner and release the other deposits; repeatable."""
    # Licensing builds on auctions, so it is imported when the task runs, never when
    # auctions is loaded.
    from licensing.services import settle_lot

    settle_lot(lot_id=lot_id)


# --- Results ---------------------------------------------------------------------------------


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def publish_finished_events() -> list[int]:
    """Publish the results of every event whose lots have all finished; the beat runs this."""
    published = services.publish_finished_events()
    # Emails whose task was lost go out now; notify_results claims them, so never twice.
    for event_id in selectors.events_with_results_unsent(
        published_before=timezone.now() - SETTLE_GRACE
    ):
        send_results_notices.delay(event_id)
    return published


@shared_task(autoretry_for=(OSError, SMTPException), retry_backoff=True, max_retries=5)
def send_results_notices(event_id: int) -> int:
    """Email the event's participants their outcomes; a second run sends nothing."""
    return services.notify_results(event_id=event_id)
