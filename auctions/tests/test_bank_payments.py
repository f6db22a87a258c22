"""Recording payments as the bank statement shows them: amount, value date, reference;
short credits not counted, excess flagged; and the ministry's bank details."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from auctions import services, signals
from auctions.models import Application, BankDetails, Lot, Payment
from core.errors import DomainError

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def record(payment: Payment, clerk: object, amount: str, **overrides: object) -> Payment:
    return services.record_bank_payment(
        payment_id=payment.pk,
        recorded_by=clerk,
        amount=Decimal(amount),
        value_date=overrides.pop("value_date", TODAY()),
        bank_reference=overrides.pop("bank_reference", "HSBK-2026-000117"),
    )


def admit(application: Application, clerk: object) -> Application:
    return services.admit_application(application_id=application.pk, decided_by=clerk)


def payments(application: Application) -> tuple[Payment, Payment]:
    return (
        application.payments.get(kind=Payment.Kind.PARTICIPATION_FEE),
        application.payments.get(kind=Payment.Kind.GUARANTEE_DEPOSIT),
    )


def test_a_credit_of_the_amount_owed_is_received_with_its_date_and_reference(
    submitted_application, staff_clerk
) -> None:
    Application.objects.filter(pk=submitted_application.pk).update(
        submitted_at=timezone.now() - timedelta(days=3)
    )
    fee, _ = payments(submitted_application)
    yesterday = TODAY() - timedelta(days=1)
    record(fee, staff_clerk, str(fee.amount), value_date=yesterday, bank_reference=" HSBK-1 ")
    fee.refresh_from_db()
    assert fee.status == Payment.Status.RECEIVED
    assert fee.amount_received == fee.amount
    assert fee.value_date == yesterday
    assert fee.bank_reference == "HSBK-1"
    assert fee.recorded_by == staff_clerk
    assert fee.shortfall == 0
    assert fee.excess == 0


def test_a_short_credit_is_flagged_and_does_not_admit(submitted_application, staff_clerk) -> None:
    fee, deposit = payments(submitted_application)
    record(fee, staff_clerk, str(fee.amount))
    short = record(deposit, staff_clerk, str(deposit.amount - Decimal("1000000.00")))
    assert short.status == Payment.Status.SHORT
    assert short.shortfall == Decimal("1000000.00")
    with pytest.raises(DomainError) as error:
        admit(submitted_application, staff_clerk)
    assert error.value.code == "payment_missing"
    assert "Guarantee deposit" in error.value.message
    submitted_application.refresh_from_db()
    assert submitted_application.status == Application.Status.SUBMITTED


def test_a_further_credit_makes_up_a_short_payment_and_admits(
    submitted_application, staff_clerk
) -> None:
    fee, deposit = payments(submitted_application)
    record(fee, staff_clerk, str(fee.amount))
    record(deposit, staff_clerk, "1000000.00", bank_reference="HSBK-1")
    topped_up = record(
        deposit, staff_clerk, str(deposit.amount - Decimal("1000000.00")), bank_reference="HSBK-2"
    )
    assert topped_up.status == Payment.Status.RECEIVED
    assert topped_up.amount_received == deposit.amount
    assert topped_up.bank_reference == "HSBK-1; HSBK-2"
    assert admit(submitted_application, staff_clerk).is_admitted


def test_an_excess_credit_counts_and_is_flagged_for_refund(
    submitted_application, staff_clerk
) -> None:
    fee, deposit = payments(submitted_application)
    over = record(fee, staff_clerk, str(fee.amount + Decimal("500.00")))
    assert over.status == Payment.Status.RECEIVED
    assert over.excess == Decimal("500.00")
    record(deposit, staff_clerk, str(deposit.amount))
    assert admit(submitted_application, staff_clerk).is_admitted


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"value_date": "tomorrow"}, "value_date_in_future"),
        ({"bank_reference": "   "}, "bank_reference_required"),
        ({"amount": "0"}, "invalid_amount"),
        ({"amount": "-5.00"}, "invalid_amount"),
        ({"amount": "10.001"}, "invalid_amount"),
        ({"amount": "1e40"}, "invalid_amount"),
        ({"amount": "12345678901234567.00"}, "invalid_amount"),
        ({"value_date": "before the application"}, "value_date_before_application"),
    ],
)
def test_a_credit_the_bank_cannot_have_made_is_refused_and_nothing_stored(
    submitted_application, staff_clerk, overrides, code
) -> None:
    fee, _ = payments(submitted_application)
    dates = {
        "tomorrow": TODAY() + timedelta(days=1),
        "before the application": timezone.localdate(submitted_application.submitted_at)
        - timedelta(days=1),
    }
    if "value_date" in overrides:
        overrides["value_date"] = dates[overrides["value_date"]]
    amount = overrides.pop("amount", str(fee.amount))
    with pytest.raises(DomainError) as error:
        record(fee, staff_clerk, amount, **overrides)
    assert error.value.code == code
    fee.refresh_from_db()
    assert fee.status == Payment.Status.AWAITING
    assert fee.amount_received is None
    assert fee.bank_reference == ""


def test_a_payment_received_in_full_takes_no_further_credit(
    submitted_application, staff_clerk
) -> None:
    fee, _ = payments(submitted_application)
    record(fee, staff_clerk, str(fee.amount))
    with pytest.raises(DomainError) as error:
        record(fee, staff_clerk, "10.00", bank_reference="HSBK-9")
    assert error.value.code == "payment_not_awaited"
    fee.refresh_from_db()
    assert fee.amount_received == fee.amount


def test_a_short_deposit_of_a_cancelled_lot_is_due_for_refund(
    submitted_application, staff_clerk
) -> None:
    _, deposit = payments(submitted_application)
    record(deposit, staff_clerk, "1000.00")
    Lot.objects.filter(pk=submitted_application.lot_id).update(status=Lot.Status.CANCELLED)
    # Whoever settles finished lots (licensing) answers this announcement.
    signals.lot_finished.send(sender=Lot, lot_id=submitted_application.lot_id)
    deposit.refresh_from_db()
    assert deposit.status == Payment.Status.REFUND_DUE


def test_the_database_refuses_a_short_status_without_a_short_credit(submitted_application) -> None:
    fee, _ = payments(submitted_application)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=fee.pk).update(
            status=Payment.Status.SHORT,
            received_at=timezone.now(),
            amount_received=fee.amount,
            value_date=TODAY(),
            bank_reference="X",
        )


# --- The ministry's bank details ----------------------------------------------------------

VALID = {
    "beneficiary": "Ministry of Industry and Construction",
    "bin": "990740000001",
    "bank_name": "Treasury",
    "iban": "KZ57070105KZT0001234",
    "bic": "KKMFKZ2A",
    "kbe": "11",
    "knp_participation_fee": "859",
    "knp_guarantee_deposit": "171",
    "knp_signature_bonus": "911",
}


def test_bank_details_are_empty_and_incomplete_until_staff_set_them() -> None:
    bank = BankDetails.load()
    assert bank.pk == BankDetails.SINGLETON_ID
    assert bank._state.adding
    assert not bank.is_complete
    BankDetails.objects.create(pk=BankDetails.SINGLETON_ID, **VALID)
    assert BankDetails.load().is_complete


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("iban", "KZ58070105KZT0001234"),  # a typo: the check digits no longer match
        ("iban", "kz57 0701 05KZ T000 1234"),
        ("bin", "99074000000"),
        ("bic", "KKMF"),
        ("kbe", "1"),
        ("knp_guarantee_deposit", "17A"),
    ],
)
def test_bank_details_with_a_malformed_code_are_refused(field, value) -> None:
    with pytest.raises(ValidationError) as error:
        BankDetails(pk=BankDetails.SINGLETON_ID, **{**VALID, field: value}).full_clean()
    assert field in error.value.message_dict


def test_there_is_only_one_set_of_bank_details() -> None:
    BankDetails.objects.create(pk=BankDetails.SINGLETON_ID, **VALID)
    with pytest.raises(IntegrityError), transaction.atomic():
        BankDetails.objects.create(pk=2, **VALID)
