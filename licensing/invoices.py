"""How to pay a licence's signature bonus: what is left after the guarantee deposit, by
when, quoting what, into which account; on the dashboard, in the offer email and as an
invoice (PDF)."""

from decimal import Decimal

from django.utils.translation import gettext as _

from auctions.invoices import bank_rows
from auctions.models import BankDetails
from core.money import format_kzt
from core.pdf import NedraPDF, invoice
from licensing.models import Licence
from licensing.selectors import credited_deposit


def bonus_due(licence: Licence) -> Decimal:
    """Return the signature bonus left to pay once the applied guarantee deposit counts."""
    return max(licence.signature_bonus - credited_deposit(licence), Decimal("0.00"))


def bonus_reference(licence: Licence) -> str:
    """Return the reference the holder quotes in the transfer: the licence number."""
    return licence.number


def invoice_filename(licence: Licence) -> str:
    """Return the bonus invoice's download name, e.g. 'invoice-KZ-P-2026-0001.pdf'."""
    return f"invoice-{licence.number}.pdf"


def bank_lines(bank: BankDetails) -> list[str]:
    """Return the account to pay the bonus into, one 'label: value' line each, for email."""
    if not bank.is_complete:
        return [
            _(
                "The ministry's bank details are not set yet: they will appear on your "
                "dashboard, with the invoice, as soon as they are."
            )
        ]
    return [f"{label}: {value}" for label, value in bank_rows(bank, knp=bank.knp_signature_bonus)]


def bonus_invoice(licence: Licence, bank: BankDetails) -> NedraPDF:
    """Write the invoice of a licence's signature bonus; the caller checked the bank
    details are set."""
    deposit = credited_deposit(licence)
    rows = [
        (
            _("For"),
            _("Signature bonus, licence %(number)s (%(deposit)s)")
            % {"number": licence.number, "deposit": licence.deposit.name},
        ),
        (_("Signature bonus"), format_kzt(licence.signature_bonus)),
        (_("Guarantee deposit counted"), format_kzt(deposit)),
        (_("To pay"), format_kzt(bonus_due(licence))),
        (
            _("Pay by"),
            _("%(date)s, Astana time (UTC+5)") % {"date": licence.payment_deadline.isoformat()},
        ),
        (_("Payment reference"), bonus_reference(licence)),
    ]
    notes = [
        _(
            "Quote the licence number in the transfer's purpose. The licence comes into force "
            "when the ministry records the payment; unpaid by the deadline (20 working days "
            "from the results protocol), the offer and the guarantee deposit are forfeited."
        )
    ]
    return invoice(
        title=_("Invoice %(reference)s") % {"reference": bonus_reference(licence)},
        payer=licence.holder.legal_name,
        beneficiary=bank_rows(bank, knp=bank.knp_signature_bonus),
        payment=rows,
        notes=notes,
    )
