"""A room that loses its server mid-auction says so, catches up, and places a bid made
during the drop at most once (README: "A dropped connection reconnects...")."""

import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
import uvicorn
from playwright.sync_api import Browser, WebSocketRoute, expect

from auctions import engine
from auctions.models import Bid, Lot
from auctions.tests.factories import admitted_representative
from tests.browser.test_auction_room import in_another_thread, live_lot, signed_in  # noqa: F401


class RestartableServer:
    """The ASGI app on one local port that a test can stop and start again."""

    def __init__(self) -> None:
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None
        self.sock: socket.socket | None = None

    def start(self) -> None:
        from config.asgi import application

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.server = uvicorn.Server(
            uvicorn.Config(application, log_level="warning", lifespan="off")
        )
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("The live server did not start.")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop serving: every open socket is closed, as when the process is restarted."""
        assert self.server is not None
        assert self.thread is not None
        assert self.sock is not None
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
        self.server = None


@pytest.fixture
def restartable_server(transactional_db: None) -> Iterator[RestartableServer]:
    server = RestartableServer()
    server.start()
    yield server
    if server.server is not None:
        server.stop()


def test_a_bid_made_while_the_server_restarts_is_placed_once_when_it_is_back(
    browser: Browser,
    restartable_server: RestartableServer,
    live_lot: Lot,  # noqa: F811
    screenshot: Callable,
) -> None:
    url = restartable_server.url
    page = signed_in(
        browser, url, admitted_representative(live_lot, 1, legal_name="Ridgeline")
    ).new_page()
    other = admitted_representative(live_lot, 2, legal_name="Baltic")
    sent: list[dict] = []
    page.on(
        "websocket",
        lambda ws: ws.on("framesent", lambda frame: sent.append(json.loads(frame))),
    )
    page.goto(f"{url}/lots/{live_lot.pk}/room/")
    expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")

    restartable_server.stop()
    expect(page.locator("#room-connection")).to_have_attribute("data-state", "reconnecting")
    expect(page.locator("#room-connection")).to_have_text("Connection lost; reconnecting…")
    # The bidder bids during the drop; the page keeps it and says it goes out when back.
    page.locator("#bid-amount").fill("120,000,000")
    page.locator("#bid-submit").click()
    expect(page.locator("#bid-feedback")).to_have_text(
        re.compile("^The connection is down: your bid is sent if it is back within five seconds")
    )
    # Meanwhile the lot moves on without this room: another participant bids.
    in_another_thread(
        lambda: engine.place_bid(
            user=other, lot_id=live_lot.pk, amount="100000000", key=str(uuid.uuid4())
        )
    )
    screenshot("1-reconnecting", of=page)

    restartable_server.start()
    expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")
    # It caught up with the bid it missed, and its own bid went out once, after it.
    expect(page.locator("#room-count")).to_have_text("2")
    expect(page.locator("#room-price")).to_have_text(re.compile(r"^KZT\s120,000,000$"))
    expect(page.locator("#room-standing")).to_have_text("You are leading.")
    expect(page.locator("#bid-feedback")).to_contain_text("is accepted")
    expect(page.locator("#room-bids tr")).to_have_count(2)
    screenshot("2-caught-up", of=page)
    mine = Bid.objects.filter(lot=live_lot, participant_number=1)
    assert [bid.amount for bid in mine] == [Decimal("120000000.00")]
    assert [frame["amount"] for frame in sent if frame["type"] == "bid"] == ["120000000.00"]


def test_a_bid_whose_answer_was_lost_is_sent_again_with_its_key_and_placed_once(
    browser: Browser,
    live_server_url: str,
    live_lot: Lot,  # noqa: F811
) -> None:
    page = signed_in(
        browser, live_server_url, admitted_representative(live_lot, 1, legal_name="Ridgeline")
    ).new_page()
    bids_sent: list[dict] = []
    cut = {"pending": True}
    sockets: list[WebSocketRoute] = []

    def lose_the_answer(page_socket: WebSocketRoute) -> None:
        server = page_socket.connect_to_server()
        sockets.append(page_socket)

        def from_page(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame["type"] == "bid":
                bids_sent.append(frame)
            server.send(message)

        def from_server(message: str | bytes) -> None:
            # The bid reached the server and was placed; the connection drops before the
            # page hears so.
            if cut["pending"] and '"bid_accepted"' in str(message):
                cut["pending"] = False
                page_socket.close()
                server.close()
                return
            page_socket.send(message)

        page_socket.on_message(from_page)
        server.on_message(from_server)

    page.route_web_socket(re.compile(r"/ws/lots/"), lose_the_answer)
    page.goto(f"{live_server_url}/lots/{live_lot.pk}/room/")
    expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")
    page.locator("#bid-amount").fill("100,000,000")
    page.locator("#bid-submit").click()

    expect(page.locator("#bid-feedback")).to_contain_text("is accepted")
    expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")
    expect(page.locator("#room-standing")).to_have_text("You are leading.")
    assert len(sockets) == 2
    # Sent twice with one key, placed once.
    assert len(bids_sent) == 2
    assert bids_sent[0]["key"] == bids_sent[1]["key"]
    assert Bid.objects.filter(lot=live_lot).count() == 1
