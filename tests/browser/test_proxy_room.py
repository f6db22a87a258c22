"""A participant sets a private maximum in the room, is outbid, and sees the platform bid
for it; the rival sees the automatic bid but never the maximum."""

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from auctions.models import Bid, Lot, Maximum
from auctions.tests.factories import LotFactory, admitted_representative
from tests.browser.test_auction_room import signed_in


@pytest.fixture
def live_lot(transactional_db: None) -> Lot:
    now = timezone.now()
    return LotFactory(
        deposit__name="Kuirektykol",
        status=Lot.Status.LIVE,
        application_deadline=now - timedelta(days=2),
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
        hard_end=now + timedelta(hours=2),
        starting_price=Decimal("100000000.00"),
        bid_step=Decimal("5000000.00"),
    )


def test_a_maximum_bids_for_its_owner_when_it_is_outbid(
    browser: Browser,
    live_server_url: str,
    live_lot: Lot,
    screenshot: Callable,
) -> None:
    owner = signed_in(
        browser,
        live_server_url,
        admitted_representative(live_lot, 1, legal_name="Ridgeline Critical Minerals"),
    ).new_page()
    rival = signed_in(
        browser,
        live_server_url,
        admitted_representative(live_lot, 2, legal_name="Baltic Lanthanide AB"),
    ).new_page()
    room = f"{live_server_url}/lots/{live_lot.pk}/room/"
    for page in (owner, rival):
        page.goto(room)
        expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")
    expect(owner.locator("#maximum-status")).to_have_text("No maximum set.")

    # The owner sets 150,000,000: not leading, the platform bids the starting price for it.
    owner.get_by_label("Your maximum, KZT").fill("150,000,000")
    owner.get_by_role("button", name="Set maximum").click()
    expect(owner.locator("#maximum-feedback")).to_have_text(
        re.compile(r"^Your maximum of KZT\s150,000,000 is set\.$")
    )
    expect(owner.locator("#maximum-status")).to_contain_text("Your maximum is KZT")
    expect(owner.locator("#maximum-status")).to_have_attribute("data-active", "true")
    expect(owner.locator("#room-standing")).to_have_text("You are leading.")
    expect(owner.locator("#room-bids tr").first).to_contain_text("for your maximum")
    expect(rival.locator("#room-bids tr").first).to_contain_text("automatic")
    screenshot("1-maximum-set", of=owner)

    # The rival bids 110,000,000 by hand; the platform answers 115,000,000 for the owner.
    rival.get_by_label("Your signature bonus offer, KZT").fill("110000000")
    rival.get_by_role("button", name="Place bid").click()
    # Its "accepted" gives way at once to the state that outbids it.
    expect(rival.locator("#room-price")).to_have_text(re.compile(r"^KZT\s115,000,000$"))
    expect(rival.locator("#room-standing")).to_have_text(
        "You have been outbid: Participant 1 leads."
    )
    expect(owner.locator("#room-price")).to_have_text(re.compile(r"^KZT\s115,000,000$"))
    expect(owner.locator("#room-standing")).to_have_text("You are leading.")
    owner_rows = owner.locator("#room-bids tr")
    expect(owner_rows).to_have_count(3)
    expect(owner_rows.first).to_contain_text("for your maximum")
    expect(owner_rows.nth(1)).not_to_contain_text("automatic")
    screenshot("2-answered-for-the-maximum", of=owner)
    screenshot("2-rival-sees-an-automatic-bid", of=rival)
    # Nobody else sees the maximum.
    assert "150,000,000" not in rival.content()
    assert rival.locator("#maximum-status").text_content() == "No maximum set."

    # The rival goes above it: the owner is told its maximum is used up.
    rival.get_by_label("Your signature bonus offer, KZT").fill("160000000")
    rival.get_by_role("button", name="Place bid").click()
    expect(owner.locator("#room-standing")).to_have_text(
        "You have been outbid: Participant 2 leads."
    )
    expect(owner.locator("#maximum-status")).to_contain_text("used up")
    expect(owner.locator("#maximum-status")).to_have_attribute("data-active", "false")
    screenshot("3-maximum-used-up", of=owner)
    assert list(
        Bid.objects.filter(lot=live_lot).values_list("participant_number", "automatic")
    ) == [(1, True), (2, False), (1, True), (2, False)]


@pytest.mark.parametrize("language", ["ru", "kk", "zh-hans"])
def test_a_maximum_is_read_and_written_as_the_page_language_does(
    browser: Browser, live_server_url: str, live_lot: Lot, screenshot: Callable, language: str
) -> None:
    page = signed_in(
        browser, live_server_url, admitted_representative(live_lot, 1, legal_name="Ridgeline")
    ).new_page()
    page.goto(f"{live_server_url}/{language}/lots/{live_lot.pk}/room/")
    expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")
    # Thousands grouped as this language groups them; the wire carries a plain decimal.
    grouped = "150,000,000" if language == "zh-hans" else "150 000 000"
    page.locator("#maximum-amount").fill(grouped)
    page.locator("#maximum-submit").click()
    expect(page.locator("#maximum-status")).to_have_attribute("data-active", "true")
    expect(page.locator("#maximum-status")).to_contain_text(re.compile(r"150.000.000"))
    expect(page.locator("#room-bids tr").first).to_contain_text(re.compile(r"100.000.000"))
    screenshot(language, of=page)
    assert Maximum.objects.get(lot=live_lot).amount == Decimal("150000000.00")
