"""A lot ends while its participants watch; after publication the public sees it all."""

import re
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Browser, expect

from auctions import engine, tasks
from auctions.models import Lot
from tests.browser.test_auction_room import admitted_bidder, signed_in


def test_both_participants_see_the_lot_close_with_its_winner(
    browser: Browser, live_server_url: str, screenshot: Callable
) -> None:
    now = timezone.now()
    from auctions.tests.factories import LotFactory

    lot = LotFactory(
        deposit__name="Kuirektykol",
        status=Lot.Status.LIVE,
        application_deadline=now - timedelta(days=2),
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(minutes=30),
        hard_end=now + timedelta(hours=1),
    )
    first_user = admitted_bidder(lot, 1, "Ridgeline Critical Minerals")
    second_user = admitted_bidder(lot, 2, "Baltic Lanthanide AB")
    engine.place_bid(user=first_user, lot_id=lot.pk, amount="100000000", key=uuid.uuid4())
    engine.place_bid(user=second_user, lot_id=lot.pk, amount="125000000", key=uuid.uuid4())

    first = signed_in(browser, live_server_url, first_user).new_page()
    second = signed_in(browser, live_server_url, second_user).new_page()
    for page in (first, second):
        page.goto(f"{live_server_url}/lots/{lot.pk}/room/")
        expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")

    # The end comes; the scheduled sweep closes the lot while both rooms are open.
    Lot.objects.filter(pk=lot.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    # As in embedded mode, the sweep runs on a thread of its own (the beat's), not the
    # server's event loop.
    swept: list[dict] = []
    sweeper = threading.Thread(target=lambda: swept.append(tasks.sweep_lots()))
    sweeper.start()
    sweeper.join(timeout=30)
    assert swept == [{"opened": 0, "closed": 1}]

    expect(second.locator("#room-closed")).to_have_text(
        re.compile(r"The auction is over: you won with 125\D000\D000\.00\sKZT\.")
    )
    expect(first.locator("#room-closed")).to_have_text(
        re.compile(r"The auction is over: Participant 2 won with 125\D000\D000\.00\sKZT\.")
    )
    for page in (first, second):
        expect(page.locator("#room-status")).to_have_text("Closed")
        expect(page.locator("#room-countdown")).to_have_text("—")
        expect(page.locator("#bid-submit")).to_be_disabled()
    screenshot("closed-winner", of=second)
    screenshot("closed-other", of=first)
