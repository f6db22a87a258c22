"""Paying, in the browser: a bidder sees where and how to pay and downloads the invoice; a
clerk records a short bank credit and sees it flagged."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from auctions.models import Application, BankDetails, Payment
from auctions.tests.factories import ApplicationFactory, LotFactory, PaymentFactory
from bidders.tests.factories import TEST_PASSWORD, RepresentativeFactory, with_second_factor
from tests.browser.logins import log_in_as_staff

BANK = {
    "beneficiary": "Ministry of Industry and Construction of the Republic of Kazakhstan",
    "bin": "990740000001",
    "bank_name": "Committee of the Treasury of the Ministry of Finance",
    "iban": "KZ57070105KZT0001234",
    "bic": "KKMFKZ2A",
    "kbe": "11",
    "knp_participation_fee": "859",
    "knp_guarantee_deposit": "171",
    "knp_signature_bonus": "911",
}


def signed_in(browser: Browser, live_server_url: str, user: AbstractBaseUser) -> BrowserContext:
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        viewport={"width": 1280, "height": 1000}, timezone_id="Europe/Berlin", locale="en-GB"
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server_url}]
    )
    return context


def applied(company_name: str) -> Application:
    """An application of a new approved company for a new lot, both payments awaited."""
    lot = LotFactory(deposit__name="Kuirektykol")
    representative = RepresentativeFactory(company__legal_name=company_name)
    application = ApplicationFactory(lot=lot, company=representative.company)
    for kind, amount in (
        (Payment.Kind.PARTICIPATION_FEE, lot.participation_fee),
        (Payment.Kind.GUARANTEE_DEPOSIT, lot.guarantee_deposit),
    ):
        PaymentFactory(application=application, kind=kind, amount=amount)
    return application


def record_credit(staff: Page, live_server_url: str, payment: Payment, amount: Decimal) -> None:
    """Open the payment in the admin and record one bank credit through its form."""
    staff.goto(f"{live_server_url}/admin/auctions/payment/{payment.pk}/change/")
    staff.get_by_role("link", name="Record a bank payment").click()
    staff.get_by_label("Amount credited, KZT:").fill(str(amount))
    staff.get_by_label("Value date:").fill(timezone.localdate().isoformat())
    staff.get_by_label("Bank reference:").fill(f"HSBK-{payment.pk:06d}")
    staff.get_by_role("button", name="Record the credit").click()


def test_a_bidder_sees_how_to_pay_and_downloads_the_invoice(
    browser: Browser, live_server_url: str, screenshot
) -> None:
    application = applied("Ridgeline Critical Minerals Inc.")
    user = application.company.representatives.get().user
    context = signed_in(browser, live_server_url, user)
    page = context.new_page()

    # Before staff set the bank details, the page says so and invents nothing.
    page.goto(f"{live_server_url}/dashboard/")
    expect(page.get_by_text("The ministry's bank details are not set yet")).to_be_visible()
    expect(page.get_by_role("link", name="Invoice (PDF)")).to_have_count(0)
    screenshot("1-bank-details-not-set", of=page)

    BankDetails.objects.create(pk=BankDetails.SINGLETON_ID, **BANK)
    page.reload()
    how_to_pay = page.locator(".how-to-pay")
    expect(how_to_pay.get_by_role("heading", name="How to pay")).to_be_visible()
    for value in (BANK["beneficiary"], BANK["bin"], BANK["iban"], BANK["bic"]):
        expect(how_to_pay.get_by_text(value, exact=True)).to_be_visible()
    deposit = application.payments.get(kind=Payment.Kind.GUARANTEE_DEPOSIT)
    row = page.locator("table.payments tr", has_text=deposit.reference)
    expect(row.get_by_text(BANK["knp_guarantee_deposit"], exact=True)).to_be_visible()
    expect(row.get_by_text("KZT 10,000,000").first).to_be_visible()
    screenshot("2-how-to-pay", of=page)

    with page.expect_download() as download:
        row.get_by_role("link", name="Invoice (PDF)").click()
    invoice = download.value
    assert invoice.suggested_filename == f"invoice-{deposit.reference}.pdf"
    with open(invoice.path(), "rb") as document:
        assert document.read(4) == b"%PDF"
    context.close()


def test_a_clerk_records_a_short_payment_and_sees_it_flagged(
    browser: Browser, live_server_url: str, screenshot, ministry_clerk
) -> None:
    application = applied("Nordic Rare Earths Oy")
    deposit = application.payments.get(kind=Payment.Kind.GUARANTEE_DEPOSIT)
    Application.objects.filter(pk=application.pk).update(
        submitted_at=timezone.now() - timedelta(days=2)
    )
    with_second_factor(ministry_clerk)
    staff = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    log_in_as_staff(staff, live_server_url, ministry_clerk.username, TEST_PASSWORD)

    # A value date in the future is refused, with the reason, and nothing is recorded.
    staff.goto(f"{live_server_url}/admin/auctions/payment/{deposit.pk}/change/")
    staff.get_by_role("link", name="Record a bank payment").click()
    staff.get_by_label("Value date:").fill((timezone.localdate() + timedelta(days=3)).isoformat())
    staff.get_by_label("Bank reference:").fill("HSBK-000001")
    staff.get_by_role("button", name="Record the credit").click()
    expect(staff.get_by_text("is in the future")).to_be_visible()
    screenshot("1-future-value-date-refused", of=staff)

    record_credit(staff, live_server_url, deposit, deposit.amount - Decimal("5000000"))
    expect(staff.locator(".messagelist .warning")).to_contain_text("received short")
    expect(staff.get_by_text("Short by KZT 5,000,000").first).to_be_visible()
    screenshot("2-short-recorded", of=staff)

    staff.goto(f"{live_server_url}/admin/auctions/payment/?discrepancy=short")
    row = staff.locator("#result_list tr", has_text=deposit.reference)
    expect(row.get_by_text("Short by KZT 5,000,000")).to_be_visible()
    expect(row.get_by_text("Received short")).to_be_visible()
    expect(row.get_by_role("link", name="Record a further credit")).to_be_visible()
    screenshot("3-short-flagged-in-the-list", of=staff)

    # Admission counts only payments received in full.
    staff.goto(f"{live_server_url}/admin/auctions/application/")
    staff.locator("#result_list tr", has_text="Nordic Rare Earths Oy").locator(
        "input.action-select"
    ).check()
    staff.locator("select[name=action]").select_option("admit")
    staff.get_by_role("button", name="Go").click()
    expect(staff.locator(".messagelist .error")).to_contain_text("Not received in full yet")
    screenshot("4-admission-refused", of=staff)
    staff.context.close()
    deposit.refresh_from_db()
    assert deposit.status == Payment.Status.SHORT
    assert deposit.shortfall == Decimal("5000000.00")
