"""The clerk's desk in a real browser: the work queue, deciding on a company from its
page, and the live monitor on a laptop screen."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from auctions.models import Lot, Payment
from auctions.tests.factories import ApplicationFactory, LiveLotFactory, LotFactory, PaymentFactory
from bidders.models import Company
from bidders.tests.factories import (
    TEST_PASSWORD,
    CompanyFactory,
    UserFactory,
    with_all_documents,
)
from core.roles import CLERKS, setup_roles
from licensing.models import Licence
from licensing.tests.factories import LicenceFactory
from tests.browser.logins import log_in_as_staff


def clerk_logs_in(page: Page, live_server_url: str) -> None:
    clerk = UserFactory(username="aigul", is_staff=True)  # enrolled in TEST_TOTP_SECRET
    clerk.groups.add(setup_roles()[CLERKS])
    log_in_as_staff(page, live_server_url, "aigul", TEST_PASSWORD)


def test_the_clerk_starts_from_the_work_queue(page: Page, live_server_url: str, screenshot) -> None:
    with_all_documents(CompanyFactory(legal_name="Nordic Rare Earths Oy", status="pending"))
    application = ApplicationFactory(lot=LotFactory(status=Lot.Status.PUBLISHED))
    PaymentFactory(application=application, kind=Payment.Kind.PARTICIPATION_FEE)
    LotFactory(status=Lot.Status.DRAFT)
    LotFactory(status=Lot.Status.DRAFT)
    LiveLotFactory()
    LicenceFactory(
        status=Licence.Status.AWAITING_PAYMENT,
        issued_on=None,
        expires_on=None,
        payment_deadline=timezone.localdate() - timedelta(days=2),
    )

    clerk_logs_in(page, live_server_url)
    queue = page.locator("#work-queue")
    expect(queue.get_by_role("caption")).to_have_text("Work queue")
    rows = queue.locator("tbody tr")
    expect(rows).to_have_count(7)
    expect(queue.get_by_role("row", name="Companies awaiting review")).to_contain_text("1")
    expect(queue.get_by_role("row", name="Lots ready to publish (drafts)")).to_contain_text("2")
    expect(queue.get_by_role("row", name="Licences with the bonus overdue")).to_contain_text("1")
    # The clerk's menu holds the domain, not the plumbing.
    expect(page.get_by_role("link", name="Access attempts")).to_have_count(0)
    expect(page.get_by_role("link", name="Email addresses")).to_have_count(0)
    screenshot("index")

    queue.get_by_role("link", name="Lots ready to publish (drafts)").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    expect(page.locator("#changelist-filter")).to_contain_text("Draft")
    screenshot("drafts")

    page.go_back()
    queue.get_by_role("link", name="Applications awaiting payments").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    screenshot("applications-awaiting-payments")

    page.go_back()
    queue.get_by_role("link", name="Companies awaiting review").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text("Nordic Rare Earths Oy")


def test_the_clerk_decides_on_a_company_beside_its_documents(
    page: Page, live_server_url: str, screenshot
) -> None:
    pending = with_all_documents(
        CompanyFactory(legal_name="Nordic Rare Earths Oy", country="FI", status="pending")
    )
    doubtful = with_all_documents(
        CompanyFactory(legal_name="Caspian Copper Ltd", country="GB", status="pending")
    )
    clerk_logs_in(page, live_server_url)

    page.goto(f"{live_server_url}/admin/bidders/company/{doubtful.pk}/change/")
    panel = page.locator("#company-decision")
    expect(panel.get_by_role("button", name="Approve")).to_be_visible()
    expect(panel.get_by_role("button", name="Suspend (with the reason)")).to_have_count(0)
    screenshot("pending-company")

    # A rejection without a reason is refused, and the page says why.
    panel.get_by_role("button", name="Reject (with the reason)").click()
    expect(page.locator(".messagelist")).to_contain_text("Write the reason")
    page.get_by_label("Reason").fill("The certificate of registration is illegible.")
    page.locator("#company-decision").get_by_role("button", name="Reject (with the reason)").click()
    expect(page.locator(".messagelist")).to_contain_text("Caspian Copper Ltd: Rejected.")
    expect(page.locator("#company-decision")).to_have_count(0)
    screenshot("rejected")
    doubtful.refresh_from_db()
    assert doubtful.status == Company.Status.REJECTED

    page.goto(f"{live_server_url}/admin/bidders/company/{pending.pk}/change/")
    page.locator("#company-decision").get_by_role("button", name="Approve").click()
    expect(page.locator(".messagelist")).to_contain_text("Nordic Rare Earths Oy: Approved.")
    page.get_by_label("Reason").fill("Sanctions screening pending.")
    page.locator("#company-decision").get_by_role(
        "button", name="Suspend (with the reason)"
    ).click()
    expect(page.locator(".messagelist")).to_contain_text("Nordic Rare Earths Oy: Suspended.")
    screenshot("suspended")
    pending.refresh_from_db()
    assert pending.status == Company.Status.SUSPENDED
    assert pending.status_reason == "Sanctions screening pending."


def test_the_live_monitor_fits_a_laptop_screen(
    browser: Browser, live_server_url: str, screenshot
) -> None:
    LiveLotFactory(
        event__name="June 2025 solid-minerals auction",
        deposit__name="Kuirektykol rare-earth deposit",
        starting_price=Decimal("2500000000.00"),
    )
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
    page = context.new_page()
    try:
        clerk_logs_in(page, live_server_url)
        page.goto(f"{live_server_url}/admin/auctions/livelot/")
        row = page.locator("#result_list tbody tr").first
        expect(row).to_contain_text("June 2025 solid-minerals auction, lot")
        expect(row).to_contain_text("KZT\u00a02,500,000,000")
        expect(row).to_contain_text("starting price, no bids yet")
        watch = row.get_by_role("link", name="Watch")
        expect(watch).to_be_in_viewport()
        box = watch.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= 1366
        # Nothing scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        screenshot("1366", of=page)
    finally:
        context.close()
