"""The emails auctions sends: application decisions and results notices.

Services queue these after commit; they stand below services (and tasks.py, which queues
results notices the publication run missed), so nothing here imports either. The tasks
keep the names they had in tasks.py, so messages queued by the previous release still
find them.
"""

from smtplib import SMTPException

from celery import shared_task
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from auctions import selectors
from auctions.models import Application, AuctionEvent
from bidders.tasks import company_emails, send_to_company
from core.money import format_kzt


@shared_task(
    name="auctions.tasks.send_application_decision",
    autoretry_for=(OSError, SMTPException),
    retry_backoff=True,
    max_retries=5,
)
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


@shared_task(
    name="auctions.tasks.send_results_notices",
    autoretry_for=(OSError, SMTPException),
    retry_backoff=True,
    max_retries=5,
)
def send_results_notices(event_id: int) -> int:
    """Email the event's participants their outcomes; a second run sends nothing."""
    return notify_results(event_id=event_id)


def notify_results(*, event_id: int) -> int:
    """Email each admitted participant of the event's lots its outcome, once per event.

    Returns how many emails were sent: none when the results are unpublished or already
    emailed. A sending error propagates, and the emails stay due, for a retry.
    """
    # The conditional update is the claim: of two runs at once (the admin's publication and
    # a redelivered task, say) exactly one sends. Sending happens outside any transaction.
    claimed = AuctionEvent.objects.filter(
        pk=event_id, results_published_at__isnull=False, results_notified_at__isnull=True
    ).update(results_notified_at=timezone.now())
    if not claimed:
        return 0
    try:
        recipients = selectors.participants.results_recipients(event_id)
        messages = [
            message for application in recipients for message in _results_notice(application)
        ]
        with mail.get_connection() as connection:
            connection.send_messages(messages)
    except Exception:
        AuctionEvent.objects.filter(pk=event_id).update(results_notified_at=None)
        raise
    return len(messages)


def _results_notice(application: Application) -> list[mail.EmailMessage]:
    """Write one participant's results email, in the language each of its people uses."""
    lot = application.lot
    event = lot.event
    outcome = selectors.participants.outcome_for(application)

    def write() -> tuple[str, str]:
        lot_name = _("Lot %(number)s (%(deposit)s)") % {
            "number": lot.number,
            "deposit": lot.deposit.name,
        }
        names = {"lot": lot_name, "participant": application.participant_number}
        if outcome == "won":
            subject = _("You won %(lot)s") % names
            body = _(
                "Your company, Participant %(participant)s, won %(lot)s with a signature bonus "
                "of %(bonus)s. The guarantee deposit counts toward the bonus; the ministry "
                "sends the licence terms and the payment deadline (20 working days from the "
                "results protocol)."
            ) % {**names, "bonus": format_kzt(lot.result.winning_bonus)}
        elif outcome == "lost":
            # Never None: an awarded result has a winner (result_awarded_has_winner).
            winner = lot.result.winner
            if winner is None:
                raise ValueError(f"lot {lot.pk} is awarded without a winner")
            subject = _("Results of %(lot)s") % names
            body = _(
                "Participant %(winner)s won %(lot)s with a signature bonus of %(bonus)s. Your "
                "company took part as Participant %(participant)s; its guarantee deposit is "
                "refunded."
            ) % {
                **names,
                "winner": winner.participant_number,
                "bonus": format_kzt(lot.result.winning_bonus),
            }
        elif outcome == "failed":
            subject = f"{lot_name}: {lot.get_status_display().lower()}"
            reason = lot.status_reason or _("no valid bids or too few participants.")
            body = _(
                "The auction of %(lot)s did not award a licence: %(reason)s Your company's "
                "guarantee deposit is refunded."
            ) % {**names, "reason": reason}
        else:
            subject = _("Results of %(event)s: %(lot)s not finished yet") % {
                **names,
                "event": event.name,
            }
            body = (
                _(
                    "%(lot)s has not finished yet; its result appears on the results page when "
                    "it does."
                )
                % names
            )
        footer = _(
            "The results of %(event)s, each lot's bid log and its results protocol are on "
            "Nedra's results page: %(url)s"
        ) % {"event": event.name, "url": reverse("auctions:event_results", args=[event.code])}
        return subject, f"{body}\n\n{footer}"

    return company_emails(application.company, write)
