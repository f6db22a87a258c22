"""How to pay, where bidders and clerks meet it: the dashboard, the invoices, the API, the
licence offer, the admin's record form and the bank details admin."""

import html
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auctions.models import Application, BankDetails, Payment
from auctions.tests.factories import ApplicationFactory, PaymentFactory, record_credit_in_admin
from bidders.tests.factories import CompanyFactory, RepresentativeFactory
from licensing import notices as licensing_notices
from licensing.models import Licence
from licensing.tests.factories import LicenceFactory

pytestmark = pytest.mark.django_db

BANK = {
    "beneficiary": "Ministry of Industry and Construction of the Republic of Kazakhstan",
    "bin": "990740000001",
    "bank_name": "Committee of the Treasury",
    "iban": "KZ57070105KZT0001234",
    "bic": "KKMFKZ2A",
    "kbe": "11",
    "knp_participation_fee": "859",
    "knp_guarantee_deposit": "171",
    "knp_signature_bonus": "911",
}


@pytest.fixture
def bank() -> BankDetails:
    return BankDetails.objects.create(pk=BankDetails.SINGLETON_ID, **BANK)


@pytest.fixture
def bidder_client(client: Client, bidder_user) -> Client:
    client.force_login(bidder_user)
    return client


@pytest.fixture
def staff_client(client: Client, staff_clerk) -> Client:
    client.force_login(staff_clerk)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def deposit_of(application: Application) -> Payment:
    return application.payments.get(kind=Payment.Kind.GUARANTEE_DEPOSIT)


# --- The dashboard and the invoice --------------------------------------------------------


def test_the_dashboard_says_the_bank_details_are_not_set_rather_than_invent_them(
    bidder_client, submitted_application
) -> None:
    page = text(bidder_client.get(reverse("dashboard")))
    assert "bank details are not set yet" in page
    assert "IBAN" not in page
    assert "invoice.pdf" not in page
    # The reference to quote is known before the account is.
    assert deposit_of(submitted_application).reference in page


def test_the_dashboard_shows_how_to_pay_each_payment(
    bidder_client, submitted_application, bank
) -> None:
    page = text(bidder_client.get(reverse("dashboard")))
    for value in (BANK["beneficiary"], BANK["bin"], BANK["iban"], BANK["bic"], BANK["kbe"]):
        assert value in page
    assert BANK["knp_participation_fee"] in page
    assert BANK["knp_guarantee_deposit"] in page
    assert "How to pay" in page
    assert "Pay by" in page
    for payment in submitted_application.payments.all():
        assert payment.reference in page
        assert reverse("auctions:invoice", args=[payment.reference]) in page


def test_a_short_payment_tells_the_bidder_what_is_left(
    bidder_client, submitted_application, bank, staff_clerk
) -> None:
    deposit = deposit_of(submitted_application)
    record_credit_in_admin(Client(), deposit)  # an anonymous post records nothing
    assert Payment.objects.get(pk=deposit.pk).status == Payment.Status.AWAITING
    staff = Client()
    staff.force_login(staff_clerk)
    record_credit_in_admin(staff, deposit, deposit.amount - Decimal("2000000.00"))
    page = text(bidder_client.get(reverse("dashboard")))
    assert "Received short" in page
    assert "KZT\u00a02,000,000 still to pay" in page


def test_the_bidder_downloads_the_invoice_of_a_payment(
    bidder_client, submitted_application, bank, written
) -> None:
    deposit = deposit_of(submitted_application)
    response = bidder_client.get(reverse("auctions:invoice", args=[deposit.reference]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="invoice-{deposit.reference}.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    everything = "\n".join(written)
    for value in (BANK["iban"], BANK["bin"], BANK["knp_guarantee_deposit"], deposit.reference):
        assert value in everything
    assert "Ridgeline Critical Minerals Inc." in everything
    assert "Astana time (UTC+5)" in everything


def test_another_company_cannot_open_the_invoice(client, submitted_application, bank) -> None:
    client.force_login(RepresentativeFactory(company=CompanyFactory()).user)
    reference = deposit_of(submitted_application).reference
    assert client.get(reverse("auctions:invoice", args=[reference])).status_code == 404


def test_no_invoice_while_the_bank_details_are_not_set(bidder_client, submitted_application):
    reference = deposit_of(submitted_application).reference
    assert bidder_client.get(reverse("auctions:invoice", args=[reference])).status_code == 404


# --- The API ------------------------------------------------------------------------------


def test_the_api_gives_the_bank_details_and_what_to_pay(
    bidder_client, submitted_application, bank
) -> None:
    body = bidder_client.get("/api/applications/").json()
    application = body["results"][0]
    assert application["bank_details"]["iban"] == BANK["iban"]
    deposit = next(p for p in application["payments"] if p["kind"] == "guarantee_deposit")
    assert deposit["knp"] == BANK["knp_guarantee_deposit"]
    assert deposit["amount_due"] == deposit["amount"]
    assert deposit["amount_received"] is None
    assert deposit["invoice_url"] == reverse("auctions:invoice", args=[deposit["reference"]])
    assert deposit["due_by"].startswith(
        str(timezone.localtime(submitted_application.lot.application_deadline).date())
    )


def test_the_api_says_null_while_the_bank_details_are_not_set(
    bidder_client, submitted_application
) -> None:
    application = bidder_client.get("/api/applications/").json()["results"][0]
    assert application["bank_details"] is None
    assert {p["knp"] for p in application["payments"]} == {None}
    assert {p["invoice_url"] for p in application["payments"]} == {None}


# --- The licence offer --------------------------------------------------------------------


@pytest.fixture
def offered_licence(approved_company) -> Licence:
    """A licence awaiting its bonus, the winner's deposit of 30 million applied to it."""
    licence = LicenceFactory(
        holder=approved_company,
        status=Licence.Status.AWAITING_PAYMENT,
        issued_on=None,
        expires_on=None,
        signature_bonus=Decimal("150000000.00"),
        payment_deadline=date(2026, 6, 29),
    )
    application = ApplicationFactory(
        lot=licence.lot,
        company=approved_company,
        status=Application.Status.ADMITTED,
        participant_number=1,
    )
    PaymentFactory(
        application=application,
        kind=Payment.Kind.GUARANTEE_DEPOSIT,
        amount=Decimal("30000000.00"),
        status=Payment.Status.APPLIED,
        received_at=timezone.now(),
    )
    return licence


def test_the_licence_offer_email_says_how_to_pay_the_bonus(offered_licence, bank) -> None:
    licensing_notices.send_licence_offer(offered_licence.pk)
    body = mail.outbox[-1].body
    assert "To pay: KZT\u00a0120,000,000" in body
    assert f"Payment reference to quote: {offered_licence.number}" in body
    assert f"IBAN: {BANK['iban']}" in body
    assert f"KNP (payment purpose code): {BANK['knp_signature_bonus']}" in body
    assert "29.06.2026" in body


def test_the_licence_offer_email_says_the_bank_details_are_not_set(offered_licence) -> None:
    licensing_notices.send_licence_offer(offered_licence.pk)
    body = mail.outbox[-1].body
    assert "bank details are not set yet" in body
    assert "IBAN" not in body


def test_the_dashboard_shows_how_to_pay_the_bonus_and_its_invoice(
    bidder_client, offered_licence, bank, written
) -> None:
    page = text(bidder_client.get(reverse("dashboard")))
    assert f"How to pay the signature bonus of licence {offered_licence.number}" in page
    assert "KZT\u00a0120,000,000" in page
    assert BANK["knp_signature_bonus"] in page
    url = reverse("licensing:invoice", args=[offered_licence.number])
    assert url in page
    response = bidder_client.get(url)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    everything = "\n".join(written)
    assert "KZT\u00a0120,000,000" in everything
    assert offered_licence.number in everything


def test_only_the_holder_opens_the_bonus_invoice(client, offered_licence, bank) -> None:
    url = reverse("licensing:invoice", args=[offered_licence.number])
    client.force_login(RepresentativeFactory(company=CompanyFactory()).user)
    assert client.get(url).status_code == 404


# --- The clerk's record form --------------------------------------------------------------


def test_the_clerk_records_a_short_payment_and_sees_it_flagged(
    staff_client, submitted_application
) -> None:
    deposit = deposit_of(submitted_application)
    response = record_credit_in_admin(staff_client, deposit, Decimal("1000000.00"))
    page = text(response)
    assert "received short" in page
    assert "not counted for admission" in page
    deposit.refresh_from_db()
    assert deposit.status == Payment.Status.SHORT
    listing = text(
        staff_client.get(reverse("admin:auctions_payment_changelist") + "?discrepancy=short")
    )
    assert deposit.reference in listing
    assert "Short by" in listing


def test_the_clerk_sees_an_excess_flagged_for_refund(staff_client, submitted_application) -> None:
    fee = submitted_application.payments.get(kind=Payment.Kind.PARTICIPATION_FEE)
    page = text(record_credit_in_admin(staff_client, fee, fee.amount + Decimal("100.00")))
    assert "excess of KZT\u00a0100 to refund" in page
    listing = text(
        staff_client.get(reverse("admin:auctions_payment_changelist") + "?discrepancy=excess")
    )
    assert fee.reference in listing


def test_the_record_form_refuses_a_future_value_date_and_records_nothing(
    staff_client, submitted_application
) -> None:
    fee = submitted_application.payments.get(kind=Payment.Kind.PARTICIPATION_FEE)
    response = staff_client.post(
        reverse("admin:auctions_payment_record", args=[fee.pk]),
        {
            "amount": str(fee.amount),
            "value_date": (timezone.localdate() + timedelta(days=2)).isoformat(),
            "bank_reference": "HSBK-1",
        },
    )
    assert response.status_code == 200
    assert "is in the future" in text(response)
    fee.refresh_from_db()
    assert fee.status == Payment.Status.AWAITING


def test_the_record_form_asks_for_every_field(staff_client, submitted_application) -> None:
    fee = submitted_application.payments.get(kind=Payment.Kind.PARTICIPATION_FEE)
    response = staff_client.post(
        reverse("admin:auctions_payment_record", args=[fee.pk]),
        {"amount": "abc", "value_date": "", "bank_reference": ""},
    )
    assert response.status_code == 200
    assert text(response).count("This field is required.") == 2
    assert "Enter a number." in text(response)


def test_payment_amounts_cannot_be_edited_by_hand(staff_client, submitted_application) -> None:
    fee = submitted_application.payments.get(kind=Payment.Kind.PARTICIPATION_FEE)
    page = staff_client.get(reverse("admin:auctions_payment_change", args=[fee.pk]))
    for field in ("amount_received", "value_date", "bank_reference", "status"):
        assert f'name="{field}"' not in page.content.decode()


def test_the_record_form_is_for_staff_who_may_change_payments(
    client, submitted_application, auditor
) -> None:
    fee = submitted_application.payments.get(kind=Payment.Kind.PARTICIPATION_FEE)
    client.force_login(auditor)
    response = record_credit_in_admin(client, fee)
    assert response.status_code == 403
    fee.refresh_from_db()
    assert fee.status == Payment.Status.AWAITING


# --- The bank details admin ---------------------------------------------------------------


def test_staff_set_the_bank_details_once_then_edit_them(staff_client) -> None:
    changelist = reverse("admin:auctions_bankdetails_changelist")
    assert staff_client.get(changelist).url == reverse("admin:auctions_bankdetails_add")
    response = staff_client.post(reverse("admin:auctions_bankdetails_add"), BANK)
    assert response.status_code == 302
    assert BankDetails.load().is_complete
    change = reverse("admin:auctions_bankdetails_change", args=[BankDetails.SINGLETON_ID])
    assert staff_client.get(changelist).url == change
    assert staff_client.get(reverse("admin:auctions_bankdetails_add")).status_code == 403


def test_a_mistyped_iban_is_refused_in_the_admin(staff_client) -> None:
    response = staff_client.post(
        reverse("admin:auctions_bankdetails_add"), {**BANK, "iban": "KZ57070105KZT0001235"}
    )
    assert response.status_code == 200
    assert "check digits are wrong" in text(response)
    assert not BankDetails.objects.exists()


def test_a_lot_deadline_is_what_the_invoice_asks_payment_by(
    bidder_client, submitted_application, bank, written
) -> None:
    deadline = timezone.localtime(submitted_application.lot.application_deadline)
    bidder_client.get(
        reverse("auctions:invoice", args=[deposit_of(submitted_application).reference])
    )
    assert f"{deadline:%Y-%m-%d %H:%M}, Astana time (UTC+5)" in "\n".join(written)


def test_a_clerk_reads_but_only_a_head_of_commission_changes_the_bank_details(
    client, bank, ministry_clerk, head_of_commission
) -> None:
    change = reverse("admin:auctions_bankdetails_change", args=[BankDetails.SINGLETON_ID])
    client.force_login(ministry_clerk)
    client.post(change, {**BANK, "iban": "KZ86125KZT5004100100"})
    assert BankDetails.load().iban == BANK["iban"]
    client.force_login(head_of_commission)
    assert client.post(change, {**BANK, "iban": "KZ86125KZT5004100100"}).status_code == 302
    assert BankDetails.load().iban == "KZ86125KZT5004100100"
