"""Ministry staff in a real browser: login, the demo event's lots, the bid log."""

import re

from django.core.management import call_command
from playwright.sync_api import Page, expect

from auctions.models import Lot
from core.demo import DEMO_PASSWORD, EVENT_CODE, LIVE_EVENT_CODE


def test_admin_login_page_renders(page: Page, live_server_url: str, screenshot) -> None:
    page.goto(f"{live_server_url}/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    expect(page.get_by_label("Username:")).to_be_visible()
    expect(page.get_by_label("Password:")).to_be_visible()
    screenshot("login")


def test_staff_logs_in_and_sees_the_demo_lots(page: Page, live_server_url: str, screenshot) -> None:
    call_command("load_demo", verbosity=0)
    # The 50-lot event, and the demonstration lot that is live now.
    assert Lot.objects.filter(event__code=EVENT_CODE).count() == 50
    assert Lot.objects.filter(event__code=LIVE_EVENT_CODE, status=Lot.Status.LIVE).count() == 1

    page.goto(f"{live_server_url}/admin/login/")
    page.get_by_label("Username:").fill("clerk")
    page.get_by_label("Password:").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("heading", name="Deposits, auctions, bidders and licences")
    ).to_be_visible()
    screenshot("index")

    page.get_by_role("link", name="Lots").first.click()
    expect(page.locator("#result_list tbody tr")).to_have_count(51)
    expect(page.get_by_text("51 lots")).to_be_visible()
    screenshot("lots")

    page.get_by_role("link", name="Production", exact=True).click()
    rows = page.locator("#result_list tbody tr")
    expect(rows.first).to_contain_text("Production")
    screenshot("production-lots")

    page.locator("#result_list tbody tr").first.locator("th a").first.click()
    expect(page.get_by_role("link", name="Open the bid log")).to_be_visible()
    screenshot("lot")


def test_public_front_page_shows_the_demo_event(
    page: Page, live_server_url: str, screenshot
) -> None:
    call_command("load_demo", verbosity=0)
    page.goto(f"{live_server_url}/")
    # Two events: the 50-lot auction and the live demonstration lot.
    expect(page.locator("table.lots tbody tr")).to_have_count(51)
    expect(page.locator(".viewer-time").first).to_contain_text("Europe/Berlin")
    screenshot("home")
    page.get_by_label("Language", exact=True).select_option("ru")
    page.get_by_role("button", name="Go").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    screenshot("home-ru")


def test_staff_watch_the_live_monitor(page: Page, live_server_url: str, screenshot) -> None:
    call_command("load_demo", verbosity=0)
    page.goto(f"{live_server_url}/admin/login/")
    page.get_by_label("Username:").fill("clerk")
    page.get_by_label("Password:").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server_url}/admin/auctions/livelot/")
    expect(page.get_by_role("heading", name="Live monitor")).to_be_visible()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Kyzylkain")
    expect(rows.first.get_by_role("link", name="Watch")).to_be_visible()
    screenshot("live-monitor")
