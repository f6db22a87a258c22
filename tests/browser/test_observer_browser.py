"""The observer's report in Chromium: reached from the event's results page by anyone, its
figures and chart shown without script or inline style, readable on a phone."""

from collections.abc import Callable

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS
from tests.test_observer_report import observed_event

pytestmark = pytest.mark.browser


def test_anyone_opens_the_report_from_the_results_page_and_reads_it(
    page: Page,
    live_server_url: str,
    screenshot: Callable[..., object],
    assert_accessible: Callable[..., list[dict]],
) -> None:
    observed = observed_event()

    page.goto(live_server_url + reverse("auctions:event_results", args=[observed.event.code]))
    page.get_by_role("link", name="Observer's report").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Observer's report")
    lot = page.locator(".observer-lot")
    expect(lot.locator("svg[role=img]")).to_be_visible()
    expect(lot).to_contain_text("2 (50%)")
    expect(lot).to_contain_text("Participant 3 (Gamma Metals LLP)")
    expect(lot).to_contain_text("Participant 2 (Beta Resources JSC) did not pay")
    expect(lot.locator(".observer-flag")).to_contain_text("Participant 4 (Delta Holding Ltd)")
    # Two dots for the earlier bids and two for the last minutes, as drawn by the server.
    assert lot.locator("svg .dots").count() == 4
    assert_accessible(page)
    screenshot("desktop")

    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot("phone")

    page.goto(live_server_url + "/ru" + reverse("observer_report", args=[observed.event.code]))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    screenshot("ru")
    assert SCREENSHOTS.exists()
