"""An anonymous spectator watches a live lot in the public gallery: a bid, then the close."""

import re
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Browser, expect

from auctions import engine, live, tasks
from auctions.models import Lot
from auctions.tests.factories import LotFactory, admitted_representative
from tests.browser.test_auction_room import signed_in
from tests.browser.test_lot_closing import in_thread


def test_an_anonymous_spectator_sees_a_bid_from_the_room_and_the_close(
    browser: Browser, live_server_url: str, screenshot: Callable
) -> None:
    live._gallery_states.clear()
    now = timezone.now()
    lot = LotFactory(
        deposit__name="Kuirektykol",
        status=Lot.Status.LIVE,
        application_deadline=now - timedelta(days=2),
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(minutes=30),
        hard_end=now + timedelta(hours=1),
    )
    first_user = admitted_representative(lot, 1, legal_name="Ridgeline Critical Minerals")
    second_user = admitted_representative(lot, 2, legal_name="Baltic Lanthanide AB")
    engine.place_bid(user=first_user, lot_id=lot.pk, amount="100000000", key=uuid.uuid4())

    # A visitor with no account finds the live lot in the catalogue and opens its gallery.
    spectator = browser.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="Europe/Berlin", locale="en-GB"
    ).new_page()
    spectator.goto(f"{live_server_url}/lots/")
    spectator.get_by_role("link", name="Watch live").click()
    expect(spectator).to_have_url(f"{live_server_url}/lots/{lot.pk}/watch/")
    expect(spectator.locator("#room-connection")).to_have_attribute("data-state", "connected")
    expect(spectator.locator("#room-standing")).to_have_text("Participant 1 leads.")
    expect(spectator.locator("#bid-form")).to_have_count(0)
    screenshot("watching", of=spectator)

    # Participant 2 bids from the auction room; the spectator's page follows.
    bidder = signed_in(browser, live_server_url, second_user).new_page()
    bidder.goto(f"{live_server_url}/lots/{lot.pk}/room/")
    expect(bidder.locator("#room-connection")).to_have_attribute("data-state", "connected")
    bidder.locator("#bid-amount").fill("125000000")
    bidder.locator("#bid-submit").click()
    expect(bidder.locator("#bid-feedback")).to_contain_text("accepted")

    expect(spectator.locator("#room-price")).to_have_text(re.compile(r"KZT\s125,000,000"))
    expect(spectator.locator("#room-standing")).to_have_text("Participant 2 leads.")
    expect(spectator.locator("#room-count")).to_have_text("2")
    rows = spectator.locator("#room-bids tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Participant 2")
    main = spectator.locator("main")
    expect(main).not_to_contain_text("Baltic Lanthanide")
    expect(main).not_to_contain_text("Ridgeline")
    expect(main).not_to_contain_text("You (")
    screenshot("after-bid", of=spectator)

    # The end comes; the sweep closes the lot and the spectator is told who won, by number.
    Lot.objects.filter(pk=lot.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    assert in_thread(tasks.sweep_lots) == {"opened": 0, "closed": 1}
    expect(spectator.locator("#room-closed")).to_have_text(
        re.compile(r"The auction is over: Participant 2 won with KZT\s125,000,000\.")
    )
    expect(spectator.locator("#room-status")).to_have_text("Closed")
    expect(spectator.locator("#room-countdown")).to_have_text("—")
    expect(main).not_to_contain_text("Baltic Lanthanide")
    screenshot("closed", of=spectator)
