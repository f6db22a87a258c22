"""Ministry staff in a real browser: login, the demo event's lots, the bid log."""

import re

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect

from auctions.models import Lot
from bidders.tests.factories import with_second_factor
from demo.catalogue import EVENT_CODE, LIVE_EVENT_CODE
from demo.people import DEMO_PASSWORD
from tests.browser.logins import log_in_as_staff


def load_demo_with_enrolled_clerk() -> None:
    """Load the demo; its clerk's authenticator app is the tests' own (TEST_TOTP_SECRET),
    whatever one the demo gave it."""
    call_command("load_demo", verbosity=0)
    clerk = get_user_model().objects.get(username="clerk")
    Authenticator.objects.filter(user=clerk, type=Authenticator.Type.TOTP).delete()
    with_second_factor(clerk)


def test_admin_login_page_renders(page: Page, live_server_url: str, screenshot) -> None:
    # The admin's login is the site's one login page, which asks for the second factor.
    page.goto(f"{live_server_url}/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fadmin%2F"))
    expect(page.get_by_label("Login")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    screenshot("login")


@pytest.mark.usefixtures("reference_data")  # the regions and minerals the demo names
def test_staff_logs_in_and_sees_the_demo_lots(page: Page, live_server_url: str, screenshot) -> None:
    load_demo_with_enrolled_clerk()
    # The 50-lot event, and the demonstration lot that is live now.
    assert Lot.objects.filter(event__code=EVENT_CODE).count() == 50
    assert Lot.objects.filter(event__code=LIVE_EVENT_CODE, status=Lot.Status.LIVE).count() == 1

    log_in_as_staff(page, live_server_url, "clerk", DEMO_PASSWORD)
    expect(
        page.get_by_role("heading", name="Deposits, auctions, bidders and licences")
    ).to_be_visible()
    screenshot("index")

    page.get_by_role("link", name="Lots", exact=True).first.click()
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


@pytest.mark.usefixtures("reference_data")  # the regions and minerals the demo names
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


@pytest.mark.usefixtures("reference_data")  # the regions and minerals the demo names
def test_staff_watch_the_live_monitor(page: Page, live_server_url: str, screenshot) -> None:
    load_demo_with_enrolled_clerk()
    log_in_as_staff(page, live_server_url, "clerk", DEMO_PASSWORD)
    page.goto(f"{live_server_url}/admin/auctions/livelot/")
    expect(page.get_by_role("heading", name="Live monitor")).to_be_visible()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Kyzylkain")
    expect(rows.first.get_by_role("link", name="Watch")).to_be_visible()
    screenshot("live-monitor")
