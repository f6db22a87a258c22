"""The emails licensing sends to licence holders: the offer, the forfeit, the licence issued.

Services queue these after commit, so they stand below services and import none of them.
The tasks keep the names they had in tasks.py, so messages queued by the previous release
still find them.
"""

from smtplib import SMTPException

from celery import shared_task
from django.utils.translation import gettext as _

from auctions.models import BankDetails
from bidders.tasks import send_to_company
from core.money import format_kzt
from licensing import invoices, selectors
from licensing.models import Licence


def _licence(licence_id: int) -> Licence:
    return Licence.objects.select_related("holder", "deposit", "lot").get(pk=licence_id)


@shared_task(
    name="licensing.tasks.send_licence_offer",
    autoretry_for=(OSError, SMTPException),
    retry_backoff=True,
    max_retries=5,
)
def send_licence_offer(licence_id: int) -> None:
    """Tell a company it is to take a licence and what to pay by when."""
    licence = _licence(licence_id)
    lot = licence.lot
    deposit = selectors.credited_deposit(licence)
    bank = BankDetails.load()
    passed_on = Licence.objects.filter(lot=lot, status=Licence.Status.FORFEITED).exists()

    def write() -> tuple[str, str]:
        names = {
            "number": licence.number,
            "lot": lot.number,
            "deposit": licence.deposit.name,
            "deadline": f"{licence.payment_deadline:%d.%m.%Y}",
        }
        if passed_on:
            opening = _(
                "The winner of lot %(lot)s (%(deposit)s) did not pay the signature bonus in "
                "time. As the next-highest bidder, your company is offered the licence at its "
                "own last bid."
            )
        else:
            opening = _("Your company won lot %(lot)s (%(deposit)s).")
        lines = [
            opening % names,
            _("Licence %(number)s: %(type)s, %(years)s years, %(area)s km².")
            % {
                **names,
                "type": licence.get_licence_type_display().lower(),
                "years": licence.term_years,
                "area": licence.area_km2,
            },
            _(
                "Signature bonus: %(bonus)s. Your guarantee deposit counted toward it: "
                "%(deposit_paid)s. To pay: %(to_pay)s."
            )
            % {
                "bonus": format_kzt(licence.signature_bonus),
                "deposit_paid": format_kzt(deposit),
                "to_pay": format_kzt(invoices.bonus_due(licence)),
            },
            _(
                "Pay by %(deadline)s (20 working days), quoting the licence number. The "
                "licence comes into force when the ministry records the payment. Unpaid by the "
                "deadline, the offer and any deposit held are forfeited."
            )
            % names,
            _("Payment reference to quote: %(reference)s")
            % {"reference": invoices.bonus_reference(licence)},
            "\n".join([_("Pay into:"), *invoices.bank_lines(bank)]),
            _("The invoice (PDF) is on your dashboard."),
        ]
        subject = _("Licence %(number)s: pay the signature bonus by %(deadline)s") % {
            **names,
            "deadline": licence.payment_deadline.isoformat(),
        }
        return subject, "\n\n".join(lines)

    send_to_company(licence.holder, write)


@shared_task(
    name="licensing.tasks.send_licence_forfeited",
    autoretry_for=(OSError, SMTPException),
    retry_backoff=True,
    max_retries=5,
)
def send_licence_forfeited(licence_id: int) -> None:
    """Tell a company its licence offer lapsed unpaid and its deposit is forfeited."""
    licence = _licence(licence_id)

    def write() -> tuple[str, str]:
        names = {
            "number": licence.number,
            "lot": licence.lot.number,
            "deposit": licence.deposit.name,
            "deadline": f"{licence.payment_deadline:%d.%m.%Y}",
        }
        lines = [
            _(
                "The signature bonus for licence %(number)s (lot %(lot)s, %(deposit)s) was not "
                "paid by %(deadline)s."
            )
            % names,
            _("The offer is withdrawn and the guarantee deposit applied to it is forfeited."),
        ]
        return _("Licence %(number)s forfeited") % names, "\n\n".join(lines)

    send_to_company(licence.holder, write)


@shared_task(
    name="licensing.tasks.send_licence_issued",
    autoretry_for=(OSError, SMTPException),
    retry_backoff=True,
    max_retries=5,
)
def send_licence_issued(licence_id: int) -> None:
    """Tell a company its bonus was received and its licence is in force."""
    licence = _licence(licence_id)

    def write() -> tuple[str, str]:
        names = {
            "number": licence.number,
            "deposit": licence.deposit.name,
            "issued": f"{licence.issued_on:%d.%m.%Y}",
            "expires": f"{licence.expires_on:%d.%m.%Y}",
        }
        lines = [
            _("The signature bonus for licence %(number)s (%(deposit)s) is received.") % names,
            _(
                "The licence is in force from %(issued)s until %(expires)s. Its certificate is "
                "on your dashboard."
            )
            % names,
        ]
        return _("Licence %(number)s is in force") % names, "\n\n".join(lines)

    send_to_company(licence.holder, write)
