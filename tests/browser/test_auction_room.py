"""Two participants bid against each other live, each in their own Chromium."""

import json
import re
import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, WebSocketRoute, expect

from auctions import live, tasks
from auctions.models import Bid, Lot
from auctions.tests.factories import LotFactory, admitted_representative


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
        soft_close_window=timedelta(minutes=5),
        starting_price=Decimal("100000000.00"),
        bid_step=Decimal("5000000.00"),
    )


def test_two_participants_bid_against_each_other_and_see_it_live(
    browser: Browser, live_server_url: str, live_lot: Lot, screenshot: Callable
) -> None:
    first = signed_in(
        browser,
        live_server_url,
        admitted_representative(live_lot, 1, legal_name="Ridgeline Critical Minerals"),
    ).new_page()
    second = signed_in(
        browser,
        live_server_url,
        admitted_representative(live_lot, 2, legal_name="Baltic Lanthanide AB"),
    ).new_page()
    room = f"{live_server_url}/lots/{live_lot.pk}/room/"
    for page in (first, second):
        page.goto(room)
        expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")
        expect(page.locator("#room-standing")).to_contain_text("No bids yet")
    expect(first.get_by_text("You are Participant 1")).to_be_visible()
    expect(second.get_by_text("You are Participant 2")).to_be_visible()
    screenshot("1-empty-room", of=first)

    # Participant 1 opens at the starting price with the +1 step button, which writes the
    # amount as the page's language does and echoes what would be bid.
    first.get_by_role("button", name="+1 step").click()
    expect(first.get_by_label("Your signature bonus offer, KZT")).to_have_value("100,000,000")
    expect(first.locator("#bid-echo")).to_have_text(
        re.compile(r"^You are bidding KZT\s100,000,000\.$")
    )
    first.get_by_role("button", name="Place bid").click()
    expect(first.locator("#bid-feedback")).to_contain_text("is accepted")
    expect(first.locator("#room-standing")).to_have_text("You are leading.")
    expect(second.locator("#room-price")).to_have_text(re.compile(r"^KZT\s100,000,000$"))
    expect(second.locator("#room-standing")).to_have_text("Participant 1 leads.")
    expect(second.locator("#room-minimum")).to_have_text(re.compile(r"^KZT\s105,000,000$"))

    # Participant 2 answers five steps up; participant 1 sees it without reloading.
    second.get_by_role("button", name="+5 steps").click()
    expect(second.get_by_label("Your signature bonus offer, KZT")).to_have_value("125,000,000")
    second.get_by_role("button", name="Place bid").click()
    expect(second.locator("#room-standing")).to_have_text("You are leading.")
    expect(first.locator("#room-price")).to_have_text(re.compile(r"^KZT\s125,000,000$"))
    expect(first.locator("#room-standing")).to_have_text(
        "You have been outbid: Participant 2 leads."
    )
    history = first.locator("#room-bids tr")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("Participant 2")
    expect(history.last).to_contain_text("You (Participant 1)")
    screenshot("2-outbid", of=first)
    screenshot("2-leading", of=second)

    # A bid far above the price asks first; cancelling sends nothing.
    first.get_by_label("Your signature bonus offer, KZT").fill("900000000")
    first.get_by_role("button", name="Place bid").click()
    dialog = first.get_by_role("dialog", name="Confirm a high bid")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("155 bid steps above the current price")
    screenshot("3-confirm", of=first)
    dialog.get_by_role("button", name="Change the amount").click()
    expect(dialog).to_be_hidden()

    # Too low: the server's refusal is shown, and nothing is stored.
    first.get_by_label("Your signature bonus offer, KZT").fill("126000000")
    first.get_by_role("button", name="Place bid").click()
    expect(first.locator("#bid-feedback")).to_have_text(re.compile("The lowest bid now is"))
    assert Bid.objects.filter(lot=live_lot).count() == 2


def test_a_late_bid_extends_the_end_for_everyone(
    browser: Browser, live_server_url: str, live_lot: Lot, screenshot: Callable
) -> None:
    two_minutes_left = timezone.now() + timedelta(minutes=2)
    Lot.objects.filter(pk=live_lot.pk).update(ends_at=two_minutes_left)
    user_1 = admitted_representative(live_lot, 1, legal_name="Ridgeline")
    first = signed_in(browser, live_server_url, user_1).new_page()
    user_2 = admitted_representative(live_lot, 2, legal_name="Baltic")
    second = signed_in(browser, live_server_url, user_2).new_page()
    room = f"{live_server_url}/lots/{live_lot.pk}/room/"
    for page in (first, second):
        page.goto(room)
        expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")
    expect(second.locator("#room-countdown")).to_have_attribute("data-urgent", "false")

    first.get_by_label("Your signature bonus offer, KZT").fill("100000000")
    first.get_by_role("button", name="Place bid").click()
    for page in (first, second):
        expect(page.locator("#room-extension")).to_contain_text("Extended: a late bid moved")
    live_lot.refresh_from_db()
    bid = Bid.objects.get(lot=live_lot)
    assert live_lot.ends_at == bid.placed_at + timedelta(minutes=5) > two_minutes_left
    for page in (first, second):
        expect(page.locator("#room-countdown")).to_have_text(re.compile(r"^00:0[45]:\d\d$"))
    screenshot("extended", of=second)


def test_a_dropped_connection_resyncs_what_it_missed(
    browser: Browser, live_server_url: str, live_lot: Lot
) -> None:
    user_1 = admitted_representative(live_lot, 1, legal_name="Ridgeline")
    first_context = signed_in(browser, live_server_url, user_1)
    sockets: list[WebSocketRoute] = []

    def pass_through(socket: WebSocketRoute) -> None:
        socket.connect_to_server()
        sockets.append(socket)

    first = first_context.new_page()
    first.route_web_socket(re.compile(r"/ws/lots/"), pass_through)
    user_2 = admitted_representative(live_lot, 2, legal_name="Baltic")
    second = signed_in(browser, live_server_url, user_2).new_page()
    room = f"{live_server_url}/lots/{live_lot.pk}/room/"
    first.goto(room)
    second.goto(room)
    expect(first.locator("#room-connection")).to_have_attribute("data-state", "connected")
    expect(second.locator("#room-connection")).to_have_attribute("data-state", "connected")

    sockets[0].close()
    expect(first.locator("#room-connection")).not_to_have_attribute("data-state", "connected")
    second.get_by_label("Your signature bonus offer, KZT").fill("100000000")
    second.get_by_role("button", name="Place bid").click()
    expect(second.locator("#room-standing")).to_have_text("You are leading.")

    # The page reconnects by itself and its snapshot carries the bid it missed.
    expect(first.locator("#room-connection")).to_have_attribute("data-state", "connected")
    expect(first.locator("#room-price")).to_have_text(re.compile(r"^KZT\s100,000,000$"))
    expect(first.locator("#room-standing")).to_have_text("Participant 2 leads.")
    assert len(sockets) == 2


@pytest.mark.parametrize(
    ("language", "current_price", "connected", "refusal"),
    [
        ("ru", "Текущая цена", "Подключено", "Минимальная ставка сейчас"),
        ("kk", "Ағымдағы баға", "Қосылды", "Қазіргі ең төменгі ставка"),
    ],
    ids=["ru", "kk"],
)
def test_the_room_and_its_refusals_speak_the_page_language(
    browser: Browser,
    live_server_url: str,
    live_lot: Lot,
    screenshot: Callable,
    language: str,
    current_price: str,
    connected: str,
    refusal: str,
) -> None:
    user = admitted_representative(live_lot, 1, legal_name="Ridgeline")
    page = signed_in(browser, live_server_url, user)
    page = page.new_page()
    page.goto(f"{live_server_url}/{language}/lots/{live_lot.pk}/room/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_text(current_price)).to_be_visible()
    expect(page.locator("#room-connection")).to_have_text(connected)
    # The script writes tenge as the server does in this language: "100 000 000 ₸".
    expect(page.locator("#room-minimum")).to_have_text(re.compile(r"^100\s000\s000\s₸$"))
    page.locator("#bid-amount").fill("1000")
    page.locator("#bid-submit").click()
    expect(page.locator("#bid-feedback")).to_contain_text(refusal)
    expect(page.locator("#bid-feedback")).to_contain_text(re.compile(r"100\s000\s000\s₸"))
    screenshot(language, of=page)


def in_another_thread(action: Callable[[], object]) -> None:
    """Run Django code that broadcasts away from Playwright's event loop in this thread."""

    def run() -> None:
        try:
            action()
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=30)


def test_a_room_that_lost_a_broadcast_catches_up_at_the_next_heartbeat(
    browser: Browser, live_server_url: str, live_lot: Lot
) -> None:
    user_1 = admitted_representative(live_lot, 1, legal_name="Ridgeline")
    first = signed_in(browser, live_server_url, user_1).new_page()
    dropping = {"state": True}

    def lose_states(page_socket: WebSocketRoute) -> None:
        server = page_socket.connect_to_server()

        def forward(message: str | bytes) -> None:
            # The channel layer was down: the room never hears of the bid.
            frame = json.loads(message)
            if dropping["state"] and frame.get("type") == "state" and frame.get("version") == 1:
                return
            page_socket.send(message)

        server.on_message(forward)

    first.route_web_socket(re.compile(r"/ws/lots/"), lose_states)
    user_2 = admitted_representative(live_lot, 2, legal_name="Baltic")
    second = signed_in(browser, live_server_url, user_2).new_page()
    room = f"{live_server_url}/lots/{live_lot.pk}/room/"
    for page in (first, second):
        page.goto(room)
        expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")
    second.get_by_label("Your signature bonus offer, KZT").fill("100000000")
    second.get_by_role("button", name="Place bid").click()
    expect(second.locator("#room-standing")).to_have_text("You are leading.")
    expect(first.locator("#room-standing")).to_contain_text("No bids yet")
    dropping["state"] = False

    # Nobody bids: the heartbeat alone tells the page it is behind, and it asks again.
    in_another_thread(live.broadcast_heartbeats)
    expect(first.locator("#room-price")).to_have_text(
        re.compile(r"^KZT\s100,000,000$"), timeout=5000
    )
    expect(first.locator("#room-standing")).to_have_text("Participant 2 leads.")


def test_logging_out_elsewhere_closes_the_room_and_says_why(
    browser: Browser, live_server_url: str, live_lot: Lot, screenshot: Callable
) -> None:
    user = admitted_representative(live_lot, 1, legal_name="Ridgeline")
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-GB")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server_url}]
    )
    page = context.new_page()
    page.goto(f"{live_server_url}/lots/{live_lot.pk}/room/")
    expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")

    in_another_thread(lambda: client.post(reverse("account_logout")))
    expect(page.locator("#room-connection")).to_have_attribute("data-state", "refused")
    expect(page.locator("#room-connection")).to_contain_text("Your session has ended")
    expect(page.locator("#bid-submit")).to_be_disabled()
    screenshot("session-ended", of=page)


def test_a_newer_state_replaces_outdated_answers_and_flags_a_too_low_amount(
    browser: Browser, live_server_url: str, live_lot: Lot, screenshot: Callable
) -> None:
    megan = signed_in(
        browser, live_server_url, admitted_representative(live_lot, 1, legal_name="Ridgeline")
    ).new_page()
    aino = signed_in(
        browser, live_server_url, admitted_representative(live_lot, 2, legal_name="Baltic")
    ).new_page()
    room = f"{live_server_url}/lots/{live_lot.pk}/room/"
    for page in (megan, aino):
        page.goto(room)
        expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")

    megan.locator("#bid-amount").fill("100,000,000")
    megan.locator("#bid-submit").click()
    expect(megan.locator("#bid-feedback")).to_have_attribute("data-kind", "ok")
    # Megan bids again while leading: the server's refusal shows under the form.
    megan.locator("#bid-amount").fill("105,000,000")
    megan.locator("#bid-submit").click()
    expect(megan.locator("#bid-feedback")).to_have_text("You already hold the highest bid.")
    expect(megan.locator("#bid-feedback")).to_have_attribute("data-kind", "error")

    # Aino outbids her at 105 million: Megan's refusal is about a state gone by, and the
    # amount still in her box is now below the minimum, which the box says.
    aino.get_by_role("button", name="+1 step").click()
    aino.locator("#bid-submit").click()
    expect(aino.locator("#bid-feedback")).to_have_text(
        re.compile(r"^Your bid of KZT\s105,000,000 is accepted\.$")
    )
    expect(megan.locator("#room-standing")).to_have_text(
        "You have been outbid: Participant 2 leads."
    )
    expect(megan.locator("#bid-feedback")).to_be_empty()
    expect(megan.locator("#bid-amount")).to_have_value("105,000,000")
    expect(megan.locator("#bid-amount")).to_have_attribute("aria-invalid", "true")
    expect(megan.locator("#bid-echo")).to_have_text(
        re.compile(r"^KZT\s105,000,000 is below the minimum now: KZT\s110,000,000\.$")
    )
    screenshot("1-outbid-box-flagged", of=megan)

    # Megan answers; Aino's "accepted" no longer holds once she is outbid.
    megan.get_by_role("button", name="+1 step").click()
    expect(megan.locator("#bid-echo")).to_have_text(
        re.compile(r"^You are bidding KZT\s110,000,000\.$")
    )
    expect(megan.locator("#bid-amount")).not_to_have_attribute("aria-invalid", "true")
    megan.locator("#bid-submit").click()
    expect(megan.locator("#bid-feedback")).to_contain_text("is accepted")
    expect(aino.locator("#room-standing")).to_have_text(
        "You have been outbid: Participant 1 leads."
    )
    expect(aino.locator("#bid-feedback")).to_be_empty()
    screenshot("2-accepted-gone-when-outbid", of=aino)

    # The lot closes: only the closing notice speaks, no "accepted" beside it.
    Lot.objects.filter(pk=live_lot.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    in_another_thread(tasks.sweep_lots)
    expect(megan.locator("#room-closed")).to_contain_text("you won")
    expect(megan.locator("#bid-feedback")).to_be_empty()
    expect(megan.locator("#room-extension")).to_be_hidden()
    expect(aino.locator("#room-closed")).to_contain_text("Participant 1 won")
    screenshot("3-closed", of=megan)
