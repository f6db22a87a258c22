"""How to pay what an application owes: the account, the amount, the deadline and the
reference, on the dashboard, in the API and as an invoice (PDF).

A payment is due by its lot's application deadline: staff admit only applications whose
payments are received in full, and admit them before the auction starts; a payment that
arrives later may miss the admission.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from auctions.models import BankDetails, Payment
from core.money import format_kzt
from core.pdf import NedraPDF, invoice


@dataclass(frozen=True)
class PaymentInstruction:
    """What a payer needs to make one transfer."""

    amount_due: Decimal
    due_by: datetime
    reference: str
    knp: str


def instruction_for(payment: Payment, bank: BankDetails) -> PaymentInstruction:
    """Return how to pay what is still owed on the payment (zero once received in full)."""
    return PaymentInstruction(
        amount_due=payment.shortfall,
        due_by=payment.application.lot.application_deadline,
        reference=payment.reference,
        knp=bank.knp_for(payment.kind) if bank.is_complete else "",
    )


def bank_rows(bank: BankDetails, *, knp: str) -> list[tuple[str, str]]:
    """Return the account to pay into, labelled, with the purpose code of this payment."""
    return [
        (_("Beneficiary"), bank.beneficiary),
        (_("BIN"), bank.bin),
        (_("Bank"), bank.bank_name),
        (_("IBAN"), bank.iban),
        (_("BIC"), bank.bic),
        (_("KBe (beneficiary code)"), bank.kbe),
        (_("KNP (payment purpose code)"), knp),
    ]


def astana(moment: datetime) -> str:
    """Write a moment as the invoice states a deadline: '2026-06-12 18:00, Astana time'."""
    return _("%(moment)s, Astana time (UTC+5)") % {
        "moment": timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    }


def invoice_filename(payment: Payment) -> str:
    """Return the invoice's download name, e.g. 'invoice-NDR-00003-000012-D.pdf'."""
    return f"invoice-{payment.reference}.pdf"


def payment_invoice(payment: Payment, bank: BankDetails) -> NedraPDF:
    """Write the invoice of one payment an application owes; the caller checked that the
    bank details are set."""
    lot = payment.application.lot
    instruction = instruction_for(payment, bank)
    rows = [
        (
            _("For"),
            f"{payment.get_kind_display()}: {lot.event.name}, "
            + _("lot %(number)s (%(deposit)s)")
            % {"number": lot.number, "deposit": lot.deposit.name},
        ),
        (_("Amount owed"), format_kzt(payment.amount)),
    ]
    if payment.amount_received:
        rows.append((_("Received so far"), format_kzt(payment.amount_received)))
    rows += [
        (_("To pay"), format_kzt(instruction.amount_due)),
        (_("Pay by"), astana(instruction.due_by)),
        (_("Payment reference"), instruction.reference),
    ]
    notes = [
        _(
            "Quote the payment reference in the transfer's purpose, so the ministry can match "
            "it to your application. Pay the amount in full: an application is admitted only "
            "once each of its payments is received in full, before the auction."
        )
    ]
    if payment.kind == Payment.Kind.PARTICIPATION_FEE:
        notes.append(_("The participation fee is not refunded."))
    else:
        notes.append(
            _(
                "The guarantee deposit counts toward the signature bonus if your company wins; "
                "otherwise it is refunded after the auction."
            )
        )
    return invoice(
        title=_("Invoice %(reference)s") % {"reference": payment.reference},
        payer=payment.application.company.legal_name,
        beneficiary=bank_rows(bank, knp=instruction.knp),
        payment=rows,
        notes=notes,
    )
