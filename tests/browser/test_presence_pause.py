"""A bidder watches the lot pause by itself when most other participants drop, with the
reason, and resume when they are back (README: "A pause when bidders drop")."""

import time
from collections.abc import Callable

from playwright.sync_api import Browser, Page, expect

from auctions import presence, tasks
from auctions.models import Lot
from auctions.tests.factories import admitted_representative
from tests.browser.test_auction_room import in_another_thread, live_lot, signed_in  # noqa: F401


def wait_for_connected(lot: Lot, numbers: set[int]) -> None:
    """Wait until the server has the participants' sockets (opened or closed) registered."""
    deadline = time.monotonic() + 15
    while presence.connected_numbers([lot.pk])[lot.pk] != numbers:
        assert time.monotonic() < deadline, presence.connected_numbers([lot.pk])
        time.sleep(0.1)


def open_room(browser: Browser, url: str, lot: Lot, user: object) -> Page:
    page = signed_in(browser, url, user).new_page()
    page.goto(f"{url}/lots/{lot.pk}/room/")
    expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")
    return page


def test_a_bidder_sees_the_lot_pause_when_others_drop_and_resume_when_they_return(
    browser: Browser,
    live_server_url: str,
    live_lot: Lot,  # noqa: F811
    screenshot: Callable,
) -> None:
    users = [
        admitted_representative(live_lot, number, legal_name=name)
        for number, name in ((3, "Ridgeline"), (5, "Baltic Lanthanide"), (8, "Steppe Lithium"))
    ]
    staying, *leaving = (open_room(browser, live_server_url, live_lot, user) for user in users)
    wait_for_connected(live_lot, {3, 5, 8})
    in_another_thread(tasks.send_heartbeats)

    for page in leaving:
        page.context.close()
    wait_for_connected(live_lot, {3})
    in_another_thread(tasks.send_heartbeats)

    banner = staying.locator("#room-closed")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(
        "The auction is paused: 2 of 3 participants lost their connection at once; the "
        "platform paused the auction by itself."
    )
    expect(banner).to_contain_text("The time left is kept")
    expect(banner).not_to_contain_text("Baltic")
    expect(banner).not_to_contain_text("Participant 5")
    expect(staying.get_by_role("button", name="Place bid")).to_be_disabled()
    screenshot("1-paused", of=staying)

    back = [open_room(browser, live_server_url, live_lot, user) for user in users[1:]]
    wait_for_connected(live_lot, {3, 5, 8})
    in_another_thread(tasks.send_heartbeats)
    expect(banner).to_be_hidden()
    expect(staying.get_by_role("button", name="Place bid")).to_be_enabled()
    live_lot.refresh_from_db()
    assert live_lot.status == Lot.Status.LIVE
    screenshot("2-resumed", of=staying)

    # The lot's public page keeps the pause on its record.
    staying.goto(f"{live_server_url}/lots/{live_lot.pk}/")
    record = staying.locator("section", has_text="Pauses of the auction")
    expect(record).to_contain_text("Paused automatically")
    expect(record).to_contain_text("Resumed when participants returned")
    screenshot("3-lot-record", of=staying)
    for page in back:
        page.context.close()
