"""Licensing's jobs: the forfeit and expiry sweeps, and the emails to licence holders."""

from smtplib import SMTPException

from celery import shared_task
from django.core.mail import send_mail
from django.db import OperationalError

from bidders.tasks import company_recipients
from core.money import format_kzt
from licensing import selectors, services
from licensing.models import Licence


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def forfeit_overdue_licences() -> list[int]:
    """Forfeit the licences unpaid past their deadline and pass each lot on."""
    return services.forfeit_overdue_licences()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def expire_licences() -> int:
    """Expire the active licences whose term has run out."""
    return services.expire_licences()


def _licence(licence_id: int) -> Licence:
    return Licence.objects.select_related("holder", "deposit", "lot").get(pk=licence_id)


def _send(licence: Licence, subject: str, lines: list[str]) -> None:
    send_mail(
        subject=f"[Nedra] {subject}",
        message="\n\n".join(lines),
        from_email=None,
        recipient_list=company_recipients(licence.holder),
    )


@shared_task(autoretry_for=(OSError, SMTPException), retry_backoff=True, max_retries=5)
def send_licence_offer(licence_id: int) -> None:
    """Tell a company it is to take a licence and what to pay by when."""
    licence = _licence(licence_id)
    lot = licence.lot
    deposit = selectors.credited_deposit(licence)
    passed_on = Licence.objects.filter(lot=lot, status=Licence.Status.FORFEITED).exists()
    if passed_on:
        opening = (
            f"The winner of lot {lot.number} ({licence.deposit.name}) did not pay the "
            "signature bonus in time. As the next-highest bidder, your company is offered "
            "the licence at its own last bid."
        )
    else:
        opening = f"Your company won lot {lot.number} ({licence.deposit.name})."
    _send(
        licence,
        f"Licence {licence.number}: pay the signature bonus by {licence.payment_deadline}",
        [
            opening,
            f"Licence {licence.number}: {licence.get_licence_type_display().lower()}, "
            f"{licence.term_years} years, {licence.area_km2} km².",
            f"Signature bonus: {format_kzt(licence.signature_bonus)}. Your guarantee deposit "
            f"counted toward it: {format_kzt(deposit)}. "
            f"To pay: {format_kzt(licence.signature_bonus - deposit)}.",
            f"Pay by {licence.payment_deadline:%d.%m.%Y} (20 working days), quoting the "
            "licence number. The licence comes into force when the ministry records the "
            "payment. Unpaid by the deadline, the offer and any deposit held are forfeited.",
        ],
    )


@shared_task(autoretry_for=(OSError, SMTPException), retry_backoff=True, max_retries=5)
def send_licence_forfeited(licence_id: int) -> None:
    """Tell a company its licence offer lapsed unpaid and its deposit is forfeited."""
    licence = _licence(licence_id)
    _send(
        licence,
        f"Licence {licence.number} forfeited",
        [
            f"The signature bonus for licence {licence.number} (lot {licence.lot.number}, "
            f"{licence.deposit.name}) was not paid by {licence.payment_deadline:%d.%m.%Y}.",
            "The offer is withdrawn and the guarantee deposit applied to it is forfeited.",
        ],
    )


@shared_task(autoretry_for=(OSError, SMTPException), retry_backoff=True, max_retries=5)
def send_licence_issued(licence_id: int) -> None:
    """Tell a company its bonus was received and its licence is in force."""
    licence = _licence(licence_id)
    _send(
        licence,
        f"Licence {licence.number} is in force",
        [
            f"The signature bonus for licence {licence.number} ({licence.deposit.name}) is "
            "received.",
            f"The licence is in force from {licence.issued_on:%d.%m.%Y} until "
            f"{licence.expires_on:%d.%m.%Y}. Its certificate is on your dashboard.",
        ],
    )
