"""A company goes from nothing to an admitted, anonymous participant, in the browser."""

import re

from django.core import mail
from playwright.sync_api import Browser, Page, expect

from auctions.models import Application
from auctions.tests.factories import LotFactory
from bidders.models import Company
from bidders.tests.factories import PDF_BYTES, TEST_PASSWORD, with_second_factor
from tests.browser.logins import log_in_as_staff
from tests.browser.test_payments_browser import record_credit

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def log_in_to_admin(browser: Browser, live_server_url: str) -> Page:
    staff = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in_as_staff(staff, live_server_url, "clerk", TEST_PASSWORD)
    expect(
        staff.get_by_role("heading", name="Deposits, auctions, bidders and licences")
    ).to_be_visible()
    return staff


def run_admin_action(staff: Page, url: str, row_text: str | None, action: str) -> None:
    staff.goto(url)
    if row_text is None:
        staff.locator("#action-toggle").check()
    else:
        staff.locator("#result_list tr", has_text=row_text).locator("input.action-select").check()
    staff.locator("select[name=action]").select_option(action)
    staff.get_by_role("button", name="Go").click()
    expect(staff.locator(".messagelist .success")).to_be_visible()


def test_new_company_registers_is_approved_applies_and_is_admitted(
    page: Page, browser: Browser, live_server_url: str, screenshot, staff_clerk
) -> None:
    lot = LotFactory(deposit__name="Kuirektykol")

    # 1. Sign up and confirm the email address.
    page.goto(f"{live_server_url}/accounts/signup/")
    page.get_by_label("Email:").fill("megan.flow@ridgeline.example")
    page.get_by_label("Password:", exact=True).fill("Lithium-Brine-2026!")
    page.get_by_label("Password (again):").fill("Lithium-Brine-2026!")
    screenshot("1-signup")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Confirm your email address")).to_be_visible()
    link = re.search(r"/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(f"{live_server_url}{link}")
    screenshot("2-confirm")
    page.get_by_role("button", name="Confirm").click()

    # 2. Register the company with its owners and documents.
    page.goto(f"{live_server_url}/company/register/")
    page.get_by_label("Legal name:", exact=True).fill("Ridgeline Critical Minerals Inc.")
    page.locator("select[name=country]").select_option("US")
    page.get_by_label("Registration number:", exact=True).fill("DE-7741209")
    page.get_by_label("Tax number:", exact=True).fill("84-1234567")
    page.get_by_label("Registered address:", exact=True).fill(
        "1700 Lincoln St, Denver, CO 80203, USA"
    )
    page.get_by_label("Contact person:", exact=True).fill("Megan O'Rourke")
    page.get_by_label("Contact email:", exact=True).fill("megan.flow@ridgeline.example")
    page.get_by_label("Your position in the company:", exact=True).fill(
        "Head of business development"
    )
    page.locator("input[name=owners-0-full_name]").fill("Daniel Whitaker")
    page.locator("select[name=owners-0-country]").select_option("US")
    page.locator("input[name=owners-0-identifier]").fill("P55120987")
    page.locator("input[name=owners-0-share_percent]").fill("62.5")
    for field, name, mime, data in [
        ("registration_certificate", "certificate.pdf", "application/pdf", PDF_BYTES),
        ("ownership_structure", "owners.png", "image/png", PNG_BYTES),
        ("power_of_attorney", "attorney.pdf", "application/pdf", PDF_BYTES),
    ]:
        page.locator(f"input[name={field}]").set_input_files(
            {"name": name, "mimeType": mime, "buffer": data}
        )
    screenshot("3-register")
    page.get_by_role("button", name="Register for review").click()
    expect(page.get_by_text("Pending approval").first).to_be_visible()
    screenshot("4-company-pending")
    company = Company.objects.get(registration_number="DE-7741209")
    assert company.documents.count() == 3

    # 3. Staff approve the company in the admin (the clerk has an authenticator app).
    with_second_factor(staff_clerk)
    staff = log_in_to_admin(browser, live_server_url)
    run_admin_action(
        staff,
        f"{live_server_url}/admin/bidders/company/",
        "Ridgeline Critical Minerals Inc.",
        "approve",
    )
    screenshot("5-admin-approved", of=staff)

    # 4. The company applies for the lot.
    page.goto(f"{live_server_url}/lots/{lot.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Lot {lot.number}: Kuirektykol")
    page.get_by_role("checkbox").check()
    screenshot("6-lot")
    page.get_by_role("button", name=f"Apply for lot {lot.number}").click()
    application = Application.objects.get(company=company, lot=lot)
    references = list(application.payments.values_list("reference", flat=True))
    assert len(references) == 2
    for reference in references:
        expect(page.get_by_text(reference).first).to_be_visible()
    screenshot("7-dashboard-applied")

    # 5. Staff record both bank credits, as the statement shows them, and admit.
    for payment in application.payments.all():
        record_credit(staff, live_server_url, payment, payment.amount)
        expect(staff.locator(".messagelist .success")).to_contain_text("received in full")
    run_admin_action(
        staff,
        f"{live_server_url}/admin/auctions/application/",
        "Ridgeline Critical Minerals Inc.",
        "admit",
    )
    screenshot("9-admin-admitted", of=staff)

    # 6. The dashboard shows the participant number, drawn at random at admission: the
    # company's only name in the room.
    admitted = Application.objects.get(company__legal_name="Ridgeline Critical Minerals Inc.")
    assert admitted.participant_number is not None
    page.goto(f"{live_server_url}/dashboard/")
    expect(page.get_by_text(f"Participant {admitted.participant_number}").first).to_be_visible()
    screenshot("10-dashboard-admitted")
    staff.context.close()
