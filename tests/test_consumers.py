"""The auction room's websocket, /ws/lots/<id>/, spoken to as a browser speaks it.

Every test goes through config.asgi.application, so the origin check, the session
middleware and the routing are the real ones. pytest-asyncio is not a dependency: each
test runs its whole conversation in one event loop with async_to_sync. Nor is daphne,
which `channels.testing` imports: `Browser` is asgiref's communicator speaking the
websocket side of ASGI, as channels' Browser does.
"""

import asyncio
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock
from urllib.parse import urlparse

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from asgiref.testing import ApplicationCommunicator
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.backends.signals import connection_created
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auctions import engine, live, tasks
from auctions.consumers import _language_of
from auctions.models import Bid, Lot, LotPause, Payment
from auctions.tests.contract import NEXT, START, assert_contract_shape
from auctions.tests.factories import LiveLotFactory, admit, admitted_representative
from bidders import services as bidder_services
from bidders.tests.factories import TEST_PASSWORD, UserFactory
from config.asgi import application
from core import ratelimit, session_sockets

pytestmark = pytest.mark.django_db(transaction=True)

# How long to wait for a frame before the test fails; a bound, not a measurement.
FRAME_TIMEOUT = 10


class Browser(ApplicationCommunicator):
    """One websocket of a browser tab, talking ASGI to the application."""

    def __init__(self, path: str, headers: list[tuple[bytes, bytes]]) -> None:
        parsed = urlparse(path)
        super().__init__(
            application,
            {
                "type": "websocket",
                "path": parsed.path,
                "query_string": parsed.query.encode(),
                "headers": headers,
                "subprotocols": [],
            },
        )

    async def connect(self) -> bool:
        """Open the socket; say whether the server accepted it."""
        await self.send_input({"type": "websocket.connect"})
        reply = await self.receive_output(FRAME_TIMEOUT)
        assert reply["type"] in {"websocket.accept", "websocket.close"}, reply
        return reply["type"] == "websocket.accept"

    async def send_text(self, text: str) -> None:
        await self.send_input({"type": "websocket.receive", "text": text})

    async def send_bytes(self, data: bytes) -> None:
        await self.send_input({"type": "websocket.receive", "bytes": data})

    async def send_json(self, message: object) -> None:
        await self.send_text(json.dumps(message))

    async def frame(self) -> dict[str, Any]:
        """Return the next text frame the server sends, decoded."""
        reply = await self.receive_output(FRAME_TIMEOUT)
        assert reply["type"] == "websocket.send", reply
        return json.loads(reply["text"])

    async def close_code(self) -> int:
        """Return the code of the close the server sends next."""
        reply = await self.receive_output(FRAME_TIMEOUT)
        assert reply["type"] == "websocket.close", reply
        return reply.get("code", 1000)

    async def leave(self) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.wait(FRAME_TIMEOUT)


def host() -> bytes:
    """A Host the project's ALLOWED_HOSTS accept."""
    return settings.ALLOWED_HOSTS[0].encode()


def origin() -> bytes:
    """The site's own Origin for that Host, as a page of the site would send."""
    return b"http://" + host()


def session_cookie(user: AbstractBaseUser) -> bytes:
    """Log the user in as the browser would and return its Cookie header."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def run(conversation: Callable[[], Awaitable[None]]) -> None:
    """Hold the whole conversation in one event loop, as one browser tab would."""
    async_to_sync(conversation)()


@asynccontextmanager
async def socket(
    lot_id: int,
    cookie: bytes | None = None,
    *,
    query: str = "",
    from_origin: bytes | None = None,
) -> AsyncIterator[Browser]:
    headers = [(b"host", host()), (b"origin", from_origin or origin())]
    if cookie is not None:
        headers.append((b"cookie", cookie))
    path = f"/ws/lots/{lot_id}/" + (f"?{query}" if query else "")
    browser = Browser(path, headers)
    try:
        yield browser
    finally:
        await browser.leave()


@asynccontextmanager
async def room(
    lot_id: int, cookie: bytes, *, query: str = ""
) -> AsyncIterator[tuple[Browser, dict[str, Any]]]:
    """Enter the lot's room; yield the socket and the snapshot it was greeted with."""
    async with socket(lot_id, cookie, query=query) as browser:
        assert await browser.connect()
        snapshot = await browser.frame()
        assert snapshot["type"] == "state", snapshot
        yield browser, snapshot


async def frame(browser: Browser) -> dict[str, Any]:
    return await browser.frame()


async def next_state(browser: Browser) -> dict[str, Any]:
    """Return the next state frame, failing on anything else in between."""
    received = await browser.frame()
    assert received["type"] == "state", received
    return received


async def send_bid(browser: Browser, amount: object, key: object = None) -> dict[str, Any]:
    """Send a bid; return the reply to it, skipping the state broadcasts in between."""
    key = str(uuid.uuid4()) if key is None else key
    await browser.send_json({"type": "bid", "amount": amount, "key": key})
    while True:
        received = await browser.frame()
        if received["type"] != "state":
            return received


async def refusal_of(browser: Browser) -> tuple[dict[str, Any], int]:
    """Return the error frame and the close code a refused socket gets."""
    assert await browser.connect()  # accepted first, so the browser can read why
    error = await browser.frame()
    return error, await browser.close_code()


def has_offset(moment: str) -> bool:
    return datetime.fromisoformat(moment).utcoffset() is not None


def place(user: AbstractBaseUser, lot: Lot, amount: str) -> None:
    engine.place_bid(user=user, lot_id=lot.pk, amount=amount, key=str(uuid.uuid4()))


# --- The snapshot ------------------------------------------------------------------------


def test_opening_a_socket_costs_no_new_database_connection(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    """The session's user is read on the sockets' database thread, which keeps its
    connection. Channels' AuthMiddleware read it on another thread and closed that
    connection after each read (CONN_MAX_AGE=0): every socket paid a new one."""
    cookie = session_cookie(admitted_bidder)
    opened: list[object] = []

    def count(connection: object, **kwargs: object) -> None:
        opened.append(connection)

    async def conversation() -> None:
        # The room greets participants only: the user was read from the session.
        async with room(live_lot.pk, cookie):
            pass
        connection_created.connect(count)
        try:
            async with room(live_lot.pk, cookie) as (_, snapshot):
                assert snapshot["lot"] == live_lot.pk
        finally:
            connection_created.disconnect(count)

    run(conversation)
    assert opened == []


def test_the_handshakes_session_is_read_off_the_bids_database_thread(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anyone may open sockets with made-up cookies before any limit counts them: their
    reads queue on a thread of their own, never ahead of the bids."""
    cookie = session_cookie(admitted_bidder)
    threads: list[str] = []
    read = session_sockets.session_user

    def recorded(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        return read(*args, **kwargs)

    monkeypatch.setattr(session_sockets, "session_user", recorded)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (browser, snapshot):
            reply = await send_bid(browser, snapshot["min_next_bid"])
            assert reply["type"] == "bid_accepted", reply

    run(conversation)
    handshake, bid = threads[0], threads[-1]
    assert handshake.startswith("lot-sockets-handshake")
    assert bid.startswith("lot-sockets-db")


def test_a_participant_is_greeted_with_the_lots_full_state(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (_, snapshot):
            assert_contract_shape(snapshot)
            assert snapshot["lot"] == live_lot.pk
            assert snapshot["version"] == 0
            assert snapshot["status"] == "live"
            assert snapshot["current_price"] is None
            assert snapshot["min_next_bid"] == START
            assert snapshot["leader"] is None
            assert snapshot["bid_count"] == 0
            assert snapshot["recent_bids"] == []
            assert datetime.fromisoformat(snapshot["ends_at"]) == live_lot.ends_at
            assert datetime.fromisoformat(snapshot["hard_end"]) == live_lot.hard_end
            for moment in ("starts_at", "ends_at", "hard_end", "server_time"):
                assert has_offset(snapshot[moment]), moment

    run(conversation)


def test_the_snapshot_names_the_leader_you_or_by_number(
    admitted_bidder: AbstractBaseUser,
    rival_bidder: AbstractBaseUser,
    staff_clerk: AbstractBaseUser,
    live_lot: Lot,
) -> None:
    place(admitted_bidder, live_lot, START)
    leader, rival, clerk = map(session_cookie, [admitted_bidder, rival_bidder, staff_clerk])

    async def conversation() -> None:
        async with room(live_lot.pk, leader) as (_, leaders_view):
            assert leaders_view["leader"] == "you"
            assert leaders_view["version"] == 1
            assert leaders_view["current_price"] == START
            assert leaders_view["min_next_bid"] == NEXT
            assert leaders_view["bid_count"] == 1
            [last] = leaders_view["recent_bids"]
            assert last["sequence"] == 1
            assert last["participant_number"] == 1
            assert last["amount"] == START
            assert has_offset(last["placed_at"])
        async with room(live_lot.pk, rival) as (_, rivals_view):
            assert rivals_view["leader"] == "Participant 1"
        async with room(live_lot.pk, clerk) as (_, clerks_view):
            assert clerks_view["leader"] == "Participant 1"
            assert clerks_view["recent_bids"] == leaders_view["recent_bids"]

    run(conversation)


def test_the_snapshot_never_names_a_company(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    place(admitted_bidder, live_lot, START)
    cookie = session_cookie(rival_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (_, snapshot):
            text = json.dumps(snapshot)
            assert "Ridgeline" not in text
            assert "ridgeline" not in text
            assert "leader_number" not in snapshot

    run(conversation)


# --- Bidding -------------------------------------------------------------------------------


def test_an_accepted_bid_is_acknowledged_and_every_socket_gets_its_own_view_of_the_state(
    admitted_bidder: AbstractBaseUser,
    rival_bidder: AbstractBaseUser,
    staff_clerk: AbstractBaseUser,
    live_lot: Lot,
) -> None:
    cookies = [session_cookie(user) for user in (admitted_bidder, rival_bidder, staff_clerk)]
    key = str(uuid.uuid4())

    async def conversation() -> None:
        async with (
            room(live_lot.pk, cookies[0]) as (ridgeline, _),
            room(live_lot.pk, cookies[1]) as (steppe, _),
            room(live_lot.pk, cookies[2]) as (clerk, _),
        ):
            reply = await send_bid(ridgeline, START, key)
            assert reply["type"] == "bid_accepted"
            assert reply["key"] == key
            assert reply["sequence"] == 1
            assert reply["amount"] == START
            assert reply["repeated"] is False
            assert has_offset(reply["placed_at"])

            seen_by = {
                "ridgeline": await next_state(ridgeline),
                "steppe": await next_state(steppe),
                "clerk": await next_state(clerk),
            }
            for state in seen_by.values():
                assert_contract_shape(state)
                assert state["version"] == 1
                assert state["current_price"] == START
                assert state["min_next_bid"] == NEXT
                assert state["bid_count"] == 1
            assert seen_by["ridgeline"]["leader"] == "you"
            assert seen_by["steppe"]["leader"] == "Participant 1"
            assert seen_by["clerk"]["leader"] == "Participant 1"

            reply = await send_bid(steppe, NEXT)
            assert reply["type"] == "bid_accepted"
            assert reply["sequence"] == 2
            ridgelines, steppes, clerks = [
                await next_state(each) for each in (ridgeline, steppe, clerk)
            ]
            assert ridgelines["version"] == steppes["version"] == clerks["version"] == 2
            assert ridgelines["leader"] == "Participant 2"
            assert steppes["leader"] == "you"
            assert clerks["leader"] == "Participant 2"
            assert [bid["sequence"] for bid in steppes["recent_bids"]] == [2, 1]

    run(conversation)
    assert list(Bid.objects.values_list("sequence", "participant_number")) == [(1, 1), (2, 2)]


def test_a_repeated_key_is_acknowledged_again_and_broadcast_once(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    ridgeline_cookie, steppe_cookie = map(session_cookie, [admitted_bidder, rival_bidder])
    key = str(uuid.uuid4())

    async def conversation() -> None:
        async with (
            room(live_lot.pk, ridgeline_cookie) as (ridgeline, _),
            room(live_lot.pk, steppe_cookie) as (steppe, _),
        ):
            first = await send_bid(ridgeline, START, key)
            assert (await next_state(steppe))["version"] == 1
            again = await send_bid(ridgeline, START, key)
            assert again["type"] == "bid_accepted"
            assert again["repeated"] is True
            assert again["sequence"] == first["sequence"] == 1
            # Had the repeat been broadcast, Steppe would see version 1 again first.
            await send_bid(steppe, NEXT)
            assert (await next_state(steppe))["version"] == 2

    run(conversation)
    assert Bid.objects.count() == 2


def test_refused_bids_are_answered_with_their_code_and_not_broadcast(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (ridgeline, _):
            for amount, key, code in [
                ("99999999.99", str(uuid.uuid4()), "too_low"),
                ("a lot", str(uuid.uuid4()), "invalid_amount"),
                ("100000000.001", str(uuid.uuid4()), "invalid_amount"),
                (None, str(uuid.uuid4()), "invalid_amount"),
                (START, "not-a-uuid", "malformed"),
                (START, None, "malformed"),
            ]:
                await ridgeline.send_json({"type": "bid", "amount": amount, "key": key})
                reply = await frame(ridgeline)
                assert reply["type"] == "bid_rejected", reply
                assert reply["code"] == code, (amount, key)
                assert reply["key"] == key
                assert isinstance(reply["message"], str)
                assert reply["message"]

            accepted = await send_bid(ridgeline, START)
            assert accepted["type"] == "bid_accepted"
            # The first state after all those refusals is the accepted bid's.
            assert (await next_state(ridgeline))["version"] == 1

            reply = await send_bid(ridgeline, "200000000.00")
            assert reply["type"] == "bid_rejected"
            assert reply["code"] == "already_leading"

    run(conversation)
    assert list(Bid.objects.values_list("amount", flat=True)) == [Decimal(START)]


def test_a_key_that_is_not_text_is_echoed_as_null(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (ridgeline, _):
            reply = await send_bid(ridgeline, START, key=12345)
            assert reply["type"] == "bid_rejected"
            assert reply["code"] == "malformed"
            assert reply["key"] is None

    run(conversation)
    assert not Bid.objects.exists()


def test_a_bid_in_a_lot_that_is_not_live_is_rejected(bidder_user: AbstractBaseUser) -> None:
    lot = LiveLotFactory(status=Lot.Status.PUBLISHED)
    admit(bidder_user.representative.company, lot, 1)
    cookie = session_cookie(bidder_user)

    async def conversation() -> None:
        async with room(lot.pk, cookie) as (ridgeline, snapshot):
            assert snapshot["status"] == "published"
            reply = await send_bid(ridgeline, START)
            assert reply["type"] == "bid_rejected"
            assert reply["code"] == "lot_not_live"

    run(conversation)
    assert not Bid.objects.exists()


def test_a_staff_session_that_never_passed_the_second_factor_may_not_watch(
    staff_clerk: AbstractBaseUser, live_lot: Lot
) -> None:
    """The room's page asks staff for their second factor; its socket must too."""
    client = Client()
    # The client's plain login: a session with no second factor recorded.
    client._login(staff_clerk, "django.contrib.auth.backends.ModelBackend")
    name = settings.SESSION_COOKIE_NAME
    cookie = f"{name}={client.cookies[name].value}".encode()

    async def conversation() -> None:
        async with socket(live_lot.pk, cookie) as browser:
            error, code = await refusal_of(browser)
            assert (error["type"], error["code"], code) == ("error", "second_factor_required", 4403)

    run(conversation)


def test_a_staff_watcher_cannot_bid(staff_clerk: AbstractBaseUser, live_lot: Lot) -> None:
    cookie = session_cookie(staff_clerk)
    key = str(uuid.uuid4())

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (clerk, snapshot):
            assert snapshot["leader"] is None
            reply = await send_bid(clerk, START, key)
            assert reply["type"] == "bid_rejected"
            assert reply["code"] == "not_admitted"
            assert reply["key"] == key

    run(conversation)
    assert not Bid.objects.exists()


def test_a_burst_of_bids_beyond_the_rate_limit_is_rejected_unplaced(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, settings: Any
) -> None:
    settings.BID_RATE_LIMIT = "3/h"
    cookie = session_cookie(admitted_bidder)
    key = str(uuid.uuid4())

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (ridgeline, _):
            for _ in range(3):
                assert (await send_bid(ridgeline, "1.00"))["code"] == "too_low"
            # A bid that would be accepted, were it not one too many.
            reply = await send_bid(ridgeline, START, key)
            assert reply["type"] == "bid_rejected"
            assert reply["code"] == "rate_limited"
            assert reply["key"] == key
            assert reply["message"]
            # Other messages are not limited.
            await ridgeline.send_json({"type": "ping"})
            assert (await frame(ridgeline))["type"] == "pong"

    run(conversation)
    assert not Bid.objects.exists()


def test_the_bid_budget_is_one_for_every_socket_and_the_api_of_a_bidder(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, settings: Any
) -> None:
    """Ten sockets do not buy ten budgets: the limit is the bidder's, in this lot."""
    settings.BID_RATE_LIMIT = "2/h"
    cookie = session_cookie(admitted_bidder)
    api = Client()
    api.force_login(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (first_tab, _):
            assert (await send_bid(first_tab, "1.00"))["code"] == "too_low"
            async with room(live_lot.pk, cookie) as (second_tab, _):
                assert (await send_bid(second_tab, "1.00"))["code"] == "too_low"
                assert (await send_bid(second_tab, START))["code"] == "rate_limited"
                assert (await send_bid(first_tab, START))["code"] == "rate_limited"
        response = await sync_to_async(api.post)(
            f"/api/lots/{live_lot.pk}/bids/",
            {"amount": START, "key": str(uuid.uuid4())},
            content_type="application/json",
        )
        assert response.status_code == 429
        assert response.json()["code"] == "rate_limited"

    run(conversation)
    assert not Bid.objects.exists()


def test_a_rival_keeps_its_own_budget_while_a_bidder_is_limited(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot, settings: Any
) -> None:
    settings.BID_RATE_LIMIT = "1/h"
    ridgeline_cookie, steppe_cookie = map(session_cookie, [admitted_bidder, rival_bidder])

    async def conversation() -> None:
        async with (
            room(live_lot.pk, ridgeline_cookie) as (ridgeline, _),
            room(live_lot.pk, steppe_cookie) as (steppe, _),
        ):
            assert (await send_bid(ridgeline, "1.00"))["code"] == "too_low"
            assert (await send_bid(ridgeline, START))["code"] == "rate_limited"
            assert (await send_bid(steppe, START))["type"] == "bid_accepted"

    run(conversation)
    assert Bid.objects.count() == 1


def test_resync_beyond_its_rate_is_refused_and_the_socket_stays_open(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, settings: Any
) -> None:
    settings.RESYNC_RATE_LIMIT = "2/h"
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (ridgeline, _):
            for _ in range(2):
                await ridgeline.send_json({"type": "resync"})
                assert (await frame(ridgeline))["type"] == "state"
            await ridgeline.send_json({"type": "resync"})
            refusal = await frame(ridgeline)
            assert refusal["type"] == "error"
            assert refusal["code"] == "rate_limited"
            assert refusal["message"]
            # Each socket has its own: a second tab still gets its snapshot.
            async with room(live_lot.pk, cookie) as (second_tab, _):
                await second_tab.send_json({"type": "resync"})
                assert (await frame(second_tab))["type"] == "state"
            # Bids are not snapshots: they still go through.
            assert (await send_bid(ridgeline, START))["type"] == "bid_accepted"

    run(conversation)


def test_the_users_sockets_and_api_share_one_snapshot_budget_per_lot(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, settings: Any
) -> None:
    """Resyncs spread over several sockets and the API's state draw on one budget."""
    settings.SNAPSHOT_RATE_LIMIT = "3/h"
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with (
            room(live_lot.pk, cookie) as (first, _),
            room(live_lot.pk, cookie) as (
                second,
                _,
            ),
        ):
            await first.send_json({"type": "resync"})
            assert (await frame(first))["type"] == "state"
            await second.send_json({"type": "resync"})
            assert (await frame(second))["type"] == "state"
            await third_snapshot_by_the_api()
            await first.send_json({"type": "resync"})
            refusal = await frame(first)
            assert (refusal["type"], refusal["code"]) == ("error", "rate_limited")
            await second.send_json({"type": "resync"})
            assert (await frame(second))["code"] == "rate_limited"

    async def third_snapshot_by_the_api() -> None:
        client = Client()
        await sync_to_async(client.force_login)(admitted_bidder)
        url = f"/api/lots/{live_lot.pk}/state/"
        assert (await sync_to_async(client.get)(url)).status_code == 200
        assert (await sync_to_async(client.get)(url)).status_code == 429

    run(conversation)


def test_a_user_may_hold_only_a_few_sockets_to_a_lot(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot, settings: Any
) -> None:
    settings.LIVE_SOCKETS_PER_USER = 2
    cookie, other_session = session_cookie(admitted_bidder), session_cookie(admitted_bidder)
    rival = session_cookie(rival_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (first, _):
            async with room(live_lot.pk, cookie):
                # A third socket, even from another session of the same user, is refused.
                async with socket(live_lot.pk, other_session) as third:
                    error, code = await refusal_of(third)
                    assert error["type"] == "error"
                    assert error["code"] == "too_many_sockets"
                    assert error["message"]
                    assert code == 4429
                # Others are not counted against this user.
                async with room(live_lot.pk, rival):
                    pass
            # A socket that left frees its place.
            async with room(live_lot.pk, other_session):
                await first.send_json({"type": "ping"})
                assert (await frame(first))["type"] == "pong"

    run(conversation)


def test_the_socket_limit_is_per_lot(admitted_bidder: AbstractBaseUser, settings: Any) -> None:
    settings.LIVE_SOCKETS_PER_USER = 1
    lots = [LiveLotFactory(), LiveLotFactory()]
    for lot in lots:
        admit(admitted_bidder.representative.company, lot, 1)
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(lots[0].pk, cookie), room(lots[1].pk, cookie):
            pass

    run(conversation)


def test_socket_slots_of_a_dead_process_lapse(admitted_bidder: AbstractBaseUser) -> None:
    """Slots are held in the cache with an expiry: a crashed process leaks none for long."""
    key = f"sockets:1:{admitted_bidder.pk}"
    assert ratelimit.claim_slot(key, "a", slots=1, ttl=1) is not None
    assert ratelimit.claim_slot(key, "b", slots=1, ttl=1) is None
    time.sleep(1.2)
    assert ratelimit.claim_slot(key, "b", slots=1, ttl=1) is not None


def test_an_open_socket_keeps_its_slot_beyond_the_slots_expiry(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, settings: Any
) -> None:
    """The process renews its sockets' slots together; a socket open longer than a slot's
    life still holds it, and gives it back when it closes."""
    settings.LIVE_SESSION_CHECK_SECONDS = 0.3
    _, cookie = logged_in_client(admitted_bidder)
    slot = f"slot:sockets:{live_lot.pk}:{admitted_bidder.pk}:0"

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (tab, _):
            holder = await sync_to_async(cache.get)(slot)
            assert holder is not None
            # A slot lives 3 renewals (1 s, Redis's least): three times that here.
            await asyncio.sleep(3)
            await still_open(tab)
            assert await sync_to_async(cache.get)(slot) == holder
        assert await sync_to_async(cache.get)(slot) is None

    run(conversation)


def test_a_refusal_speaks_the_sockets_language_and_keeps_its_code(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    """?lang=ru picks Russian; until a Russian catalogue exists the text may be English."""
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie, query="lang=ru") as (ridgeline, snapshot):
            assert snapshot["min_next_bid"] == START
            reply = await send_bid(ridgeline, "1.00")
            assert reply["code"] == "too_low"
            assert isinstance(reply["message"], str)
            assert reply["message"]

    run(conversation)


# --- Other messages ------------------------------------------------------------------------


def test_ping_is_answered_with_pong_and_the_server_time(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (ridgeline, _):
            await ridgeline.send_json({"type": "ping"})
            pong = await frame(ridgeline)
            assert pong["type"] == "pong"
            assert has_offset(pong["server_time"])

    run(conversation)


def test_resync_sends_the_current_state_again(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (ridgeline, snapshot):
            assert snapshot["version"] == 0
            await ridgeline.send_json({"type": "resync"})
            again = await next_state(ridgeline)
            assert_contract_shape(again)
            assert again["version"] == 0
            assert again["leader"] is None

    run(conversation)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("not json", id="not-json"),
        pytest.param("{", id="truncated"),
        pytest.param("[1, 2]", id="array"),
        pytest.param('"bid"', id="string"),
        pytest.param("42", id="number"),
        pytest.param("null", id="null"),
        pytest.param("{}", id="no-type"),
        pytest.param('{"type": "dance"}', id="unknown-type"),
        pytest.param('{"type": ["bid"]}', id="type-not-text"),
        pytest.param('{"type": "BID", "amount": "100000000.00"}', id="type-in-capitals"),
    ],
)
def test_a_message_the_room_does_not_speak_gets_an_error_and_the_socket_stays_open(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, text: str
) -> None:
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (ridgeline, _):
            await ridgeline.send_text(text)
            error = await frame(ridgeline)
            assert error["type"] == "error"
            assert error["code"] == "malformed"
            assert error["message"]
            assert (await send_bid(ridgeline, START))["type"] == "bid_accepted"

    run(conversation)
    assert Bid.objects.count() == 1


def test_a_binary_frame_gets_an_error_and_the_socket_stays_open(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (ridgeline, _):
            await ridgeline.send_bytes(b'{"type": "ping"}')
            assert (await frame(ridgeline))["code"] == "malformed"
            await ridgeline.send_json({"type": "ping"})
            assert (await frame(ridgeline))["type"] == "pong"

    run(conversation)


def test_deeply_nested_json_gets_an_error_and_the_socket_stays_open(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    """Python's JSON parser gives up on deep nesting with RecursionError, not ValueError."""
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (ridgeline, _):
            await ridgeline.send_text("[" * 100_000)
            error = await frame(ridgeline)
            assert error["type"] == "error"
            assert error["code"] == "malformed"
            await ridgeline.send_json({"type": "ping"})
            assert (await frame(ridgeline))["type"] == "pong"

    run(conversation)


def test_an_amount_with_a_huge_exponent_is_refused_at_once(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    """1e999999999 written out would take seconds and a gigabyte on the database thread."""
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (ridgeline, _):
            for amount in ("1e999999999", "1e-999999999", "-1e999999999"):
                key = str(uuid.uuid4())
                await ridgeline.send_text(f'{{"type": "bid", "amount": {amount}, "key": "{key}"}}')
                rejection = await frame(ridgeline)
                assert rejection["type"] == "bid_rejected"
                assert rejection["code"] == "invalid_amount"

    run(conversation)
    assert not Bid.objects.filter(lot=live_lot).exists()


def test_a_query_string_that_is_not_utf8_falls_back_to_the_default_language() -> None:
    scope = {"query_string": b"lang=\xff\xfe", "headers": [(b"cookie", b"\xff=\xfe")]}
    assert _language_of(scope) == "en"


# --- Who may enter -------------------------------------------------------------------------


def test_an_anonymous_visitor_is_refused_with_4401(live_lot: Lot) -> None:
    async def conversation() -> None:
        async with socket(live_lot.pk) as anonymous:
            error, code = await refusal_of(anonymous)
            assert error["type"] == "error"
            assert error["code"] == "login_required"
            assert code == 4401

    run(conversation)


def test_a_logged_in_company_that_is_no_participant_is_refused_with_4403(
    non_participant: AbstractBaseUser, live_lot: Lot
) -> None:
    cookie = session_cookie(non_participant)

    async def conversation() -> None:
        async with socket(live_lot.pk, cookie) as outsider:
            error, code = await refusal_of(outsider)
            assert error["code"] == "not_admitted"
            assert code == 4403

    run(conversation)


def test_a_participant_of_another_lot_is_refused_with_4403(
    admitted_bidder: AbstractBaseUser,
) -> None:
    other_lot = LiveLotFactory()
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with socket(other_lot.pk, cookie) as wrong_room:
            error, code = await refusal_of(wrong_room)
            assert error["code"] == "not_admitted"
            assert code == 4403

    run(conversation)


def test_an_unknown_lot_is_refused_with_4404(admitted_bidder: AbstractBaseUser) -> None:
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with socket(987654, cookie) as nowhere:
            error, code = await refusal_of(nowhere)
            assert error["code"] == "lot_not_found"
            assert code == 4404

    run(conversation)


def test_a_draft_lot_is_refused_with_4404_even_to_its_participant(
    bidder_user: AbstractBaseUser, staff_clerk: AbstractBaseUser
) -> None:
    draft = LiveLotFactory(status=Lot.Status.DRAFT)
    admit(bidder_user.representative.company, draft, 1)
    cookies = [session_cookie(bidder_user), session_cookie(staff_clerk)]

    async def conversation() -> None:
        for cookie in cookies:
            async with socket(draft.pk, cookie) as hidden:
                error, code = await refusal_of(hidden)
                assert error["code"] == "lot_not_found"
                assert code == 4404

    run(conversation)


def test_a_page_of_another_site_cannot_open_the_room(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    """Cross-site websocket hijacking: the browser sends the victim's cookie, not our Origin."""
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with socket(live_lot.pk, cookie, from_origin=b"https://evil.example") as hijack:
            assert not await hijack.connect()

    run(conversation)


def test_a_staff_member_without_the_view_permission_is_refused(live_lot: Lot) -> None:
    cookie = session_cookie(UserFactory(username="intern", is_staff=True))

    async def conversation() -> None:
        async with socket(live_lot.pk, cookie) as intern:
            error, code = await refusal_of(intern)
            assert error["code"] == "not_admitted"
            assert code == 4403

    run(conversation)


def test_each_participant_sees_only_its_own_number_as_you(live_lot: Lot) -> None:
    third = admitted_representative(live_lot, 3, username="altyn")
    place(third, live_lot, START)
    cookie = session_cookie(third)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (_, snapshot):
            assert snapshot["leader"] == "you"
            assert snapshot["recent_bids"][0]["participant_number"] == 3

    run(conversation)


# --- Sessions end sockets ------------------------------------------------------------------


def logged_in_client(user: AbstractBaseUser) -> tuple[Client, bytes]:
    """Log the user in as a browser would; return the browser and its Cookie header."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return client, f"{name}={client.cookies[name].value}".encode()


async def ended(browser: Browser, code: str, close_code: int) -> None:
    """The socket is told why it ends, with the code, and closed, within the frame timeout."""
    while True:
        received = await browser.frame()
        if received["type"] not in {"state", "heartbeat"}:
            break
    assert received["type"] == "error", received
    assert received["code"] == code
    assert received["message"]
    assert await browser.close_code() == close_code


async def still_open(browser: Browser) -> None:
    await browser.send_json({"type": "ping"})
    assert (await frame(browser))["type"] == "pong"


def test_logging_out_closes_the_sockets_of_that_session_only(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    browser, cookie = logged_in_client(admitted_bidder)
    _, other_cookie = logged_in_client(admitted_bidder)

    async def conversation() -> None:
        async with (
            room(live_lot.pk, cookie) as (tab, _),
            room(live_lot.pk, other_cookie) as (other_device, _),
        ):
            response = await sync_to_async(browser.post)(reverse("account_logout"))
            assert response.status_code == 302
            await ended(tab, "session_ended", 4401)
            await still_open(other_device)

    run(conversation)


def test_a_logout_while_the_socket_opens_still_closes_it(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    """The browser sees the socket open as soon as it is accepted; a logout before the socket
    listens for news of its session must not leave it open until the next periodic check."""
    browser, cookie = logged_in_client(admitted_bidder)
    claim_slot = ratelimit.claim_slot

    def log_out_then_claim(*args: Any, **kwargs: Any) -> str | None:
        # After the socket is accepted and its user known, before it joins its user's
        # group: the logout's news goes to nobody.
        assert browser.post(reverse("account_logout")).status_code == 302
        return claim_slot(*args, **kwargs)

    async def conversation() -> None:
        async with socket(live_lot.pk, cookie) as tab:
            assert await tab.connect()
            # No snapshot first: the seat is refused at once.
            received = await tab.frame()
            assert received["type"] == "error", received
            assert received["code"] == "session_ended"
            assert await tab.close_code() == 4401

    with mock.patch.object(ratelimit, "claim_slot", log_out_then_claim):
        run(conversation)


def test_changing_the_password_closes_every_socket_of_the_user(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    """Through allauth's form, from another browser: the sockets' sessions no longer verify."""
    _, cookie = logged_in_client(admitted_bidder)
    other_browser, _ = logged_in_client(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (tab, _):
            response = await sync_to_async(other_browser.post)(
                reverse("account_change_password"),
                {
                    "oldpassword": TEST_PASSWORD,
                    "password1": "a-new-password-for-2027",
                    "password2": "a-new-password-for-2027",
                },
            )
            assert response.status_code == 302, response.content.decode()[:2000]
            await ended(tab, "session_ended", 4401)

    run(conversation)


def test_a_password_set_by_django_closes_every_socket_of_the_user(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    """As the admin's password form or a shell does it: set_password and save."""
    _, cookie = logged_in_client(admitted_bidder)

    def change_password() -> None:
        admitted_bidder.set_password("another-password-for-2027")
        admitted_bidder.save()

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (tab, _):
            await sync_to_async(change_password)()
            await ended(tab, "session_ended", 4401)

    run(conversation)


def test_deactivating_the_user_closes_its_sockets(
    admitted_bidder: AbstractBaseUser, staff_clerk: AbstractBaseUser, live_lot: Lot
) -> None:
    _, cookie = logged_in_client(admitted_bidder)
    _, clerk_cookie = logged_in_client(staff_clerk)

    def deactivate() -> None:
        admitted_bidder.is_active = False
        admitted_bidder.save()

    async def conversation() -> None:
        async with (
            room(live_lot.pk, cookie) as (tab, _),
            room(live_lot.pk, clerk_cookie) as (clerk, _),
        ):
            await sync_to_async(deactivate)()
            await ended(tab, "session_ended", 4401)
            await still_open(clerk)

    run(conversation)


def test_a_staff_watcher_logging_out_is_closed_too(
    staff_clerk: AbstractBaseUser, live_lot: Lot
) -> None:
    browser, cookie = logged_in_client(staff_clerk)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (clerk, _):
            await sync_to_async(browser.post)(reverse("account_logout"))
            await ended(clerk, "session_ended", 4401)

    run(conversation)


def test_suspending_the_company_closes_its_sockets_when_told(
    admitted_bidder: AbstractBaseUser, staff_clerk: AbstractBaseUser, live_lot: Lot, settings: Any
) -> None:
    """Suspension tells the company's sockets after commit: they re-check their seat."""
    # Far beyond the wait below: only the news from the suspension can close the socket.
    settings.LIVE_SESSION_CHECK_SECONDS = 60
    _, cookie = logged_in_client(admitted_bidder)

    def suspend() -> None:
        bidder_services.suspend_company(
            company_id=admitted_bidder.representative.company_id,
            reason="Sanctions screening.",
            decided_by=staff_clerk,
        )

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (tab, _):
            await sync_to_async(suspend)()
            started = time.monotonic()
            await ended(tab, "seat_revoked", 4403)
            assert time.monotonic() - started < 3

    run(conversation)


@pytest.mark.parametrize("bids_first", [False, True], ids=["quiet", "just-bid"])
def test_a_suspension_nobody_announced_closes_the_sockets_within_a_few_seconds(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, settings: Any, bids_first: bool
) -> None:
    """The periodic re-check, for news the channel layer lost; an accepted bid stands in
    for one round of it, never for more."""
    settings.LIVE_SESSION_CHECK_SECONDS = 0.5
    _, cookie = logged_in_client(admitted_bidder)

    def suspend() -> None:
        # As if the news were lost: the company's row changes and nothing is sent.
        type(admitted_bidder.representative.company).objects.filter(
            pk=admitted_bidder.representative.company_id
        ).update(status="suspended", status_reason="Sanctions screening.")

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (tab, _):
            if bids_first:
                assert (await send_bid(tab, START))["type"] == "bid_accepted"
            await sync_to_async(suspend)()
            started = time.monotonic()
            await ended(tab, "seat_revoked", 4403)
            assert time.monotonic() - started < 3

    run(conversation)


def test_a_deposit_settled_after_the_lot_closed_takes_no_seat_from_its_room(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, settings: Any
) -> None:
    """Once the lot is over, the winner's deposit applied to its bonus (or a loser's
    returned) is no revocation: the room stays on the outcome instead of reloading."""
    settings.LIVE_SESSION_CHECK_SECONDS = 0.5
    _, cookie = logged_in_client(admitted_bidder)

    def close_and_settle() -> None:
        Lot.objects.filter(pk=live_lot.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
        engine.close_lot(lot_id=live_lot.pk)
        # As licensing's settlement does with the winner's guarantee deposit.
        Payment.objects.filter(
            application__lot=live_lot,
            application__company=admitted_bidder.representative.company,
            kind=Payment.Kind.GUARANTEE_DEPOSIT,
        ).update(status=Payment.Status.APPLIED)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (tab, _):
            assert (await send_bid(tab, START))["type"] == "bid_accepted"
            await sync_to_async(close_and_settle)()
            seen: list[dict[str, Any]] = []
            deadline = time.monotonic() + 3
            # Several periodic checks: each finds the seat's number, and the lot over.
            while time.monotonic() < deadline:
                if not await tab.receive_nothing(timeout=0.2):
                    output = await tab.receive_output(1)
                    assert output["type"] == "websocket.send", output
                    seen.append(json.loads(output["text"]))
            assert [frame for frame in seen if frame["type"] == "error"] == []
            assert "closed" in {frame["type"] for frame in seen}

    run(conversation)


def test_a_bid_that_passed_the_seat_stands_in_for_the_periodic_check(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, settings: Any
) -> None:
    """An accepted bid re-checked the session and the admission on its way: the socket's
    own periodic check skips the interval after it, and resumes once the socket is quiet."""
    settings.LIVE_SESSION_CHECK_SECONDS = 1.0
    cookie = session_cookie(admitted_bidder)
    checks: list[float] = []
    check_seat = live.check_seat

    def counted(**arguments: Any) -> None:
        checks.append(time.monotonic())
        check_seat(**arguments)

    async def conversation() -> None:
        with mock.patch("auctions.live.check_seat", side_effect=counted):
            async with room(live_lot.pk, cookie) as (tab, _):
                assert (await send_bid(tab, START))["type"] == "bid_accepted"
                bid_at = time.monotonic()
                await asyncio.sleep(0.8)
                assert not [at for at in checks if at >= bid_at]
                await asyncio.sleep(1.7)
                assert [at for at in checks if at >= bid_at + 1.0]

    run(conversation)


def test_a_sockets_bid_is_broadcast_by_its_event_loop(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    """No database thread waits on the channel layer for a socket's bid: the state goes
    out from the event loop, before the bidder's reply, and every room still gets it."""
    bidder, rival = session_cookie(admitted_bidder), session_cookie(rival_bidder)

    async def conversation() -> None:
        async with (
            room(live_lot.pk, bidder) as (ridgeline, _),
            room(live_lot.pk, rival) as (
                steppe,
                _,
            ),
        ):
            with mock.patch("auctions.live.async_to_sync") as through_a_thread:
                reply = await send_bid(ridgeline, START)
            assert reply["type"] == "bid_accepted"
            through_a_thread.assert_not_called()
            state = await next_state(steppe)
            assert state["version"] == 1
            assert state["leader"] == "Participant 1"

    run(conversation)


@contextmanager
def states_lost() -> Iterator[None]:
    """Make the channel layer fail to send any lot's state, as with Redis gone."""
    layer = get_channel_layer()
    group_send = layer.group_send

    async def failing(group: str, message: dict[str, Any]) -> None:
        if message.get("type") == "lot.state":
            raise ConnectionError("the channel layer is gone")
        await group_send(group, message)

    with mock.patch.object(layer, "group_send", side_effect=failing):
        yield


def test_a_sockets_bid_whose_state_cannot_be_sent_pauses_the_lot_before_the_reply(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (ridgeline, _):
            with states_lost():
                reply = await send_bid(ridgeline, START)
            assert reply["type"] == "bid_accepted"
            lot = await sync_to_async(Lot.objects.get)(pk=live_lot.pk)
            assert lot.status == Lot.Status.PAUSED
            assert lot.bid_count == 1
            pause = await sync_to_async(lot.pauses.get)()
            assert pause.cause == LotPause.Cause.CHANNEL_LAYER

    run(conversation)


def test_a_bid_whose_state_is_lost_and_whose_lot_cannot_pause_is_still_acknowledged(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    """The bid is stored: its bidder hears so, whatever failed after the commit."""
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (ridgeline, _):
            with (
                states_lost(),
                mock.patch.object(
                    engine, "pause_unannounced", side_effect=RuntimeError("database gone too")
                ),
            ):
                reply = await send_bid(ridgeline, START)
            assert reply["type"] == "bid_accepted"

    run(conversation)
    assert Bid.objects.filter(lot=live_lot).count() == 1


def test_a_maximum_whose_state_is_lost_pauses_nothing_as_through_the_api(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    """Only a bid's lost state pauses its lot; a maximum set with no bid is not news."""
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (ridgeline, _):
            with states_lost():
                await ridgeline.send_json(
                    {"type": "set_maximum", "amount": str(NEXT), "key": str(uuid.uuid4())}
                )
                reply = await frame(ridgeline)
                while reply["type"] not in {"maximum_accepted", "maximum_rejected"}:
                    reply = await frame(ridgeline)
            assert reply["type"] == "maximum_accepted"

    run(conversation)
    live_lot.refresh_from_db()
    assert live_lot.status == Lot.Status.LIVE


def test_a_session_deleted_without_news_ends_the_socket_at_its_next_bid(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    """Every bid re-checks the session, whatever reached the socket."""
    browser, cookie = logged_in_client(admitted_bidder)
    key = str(uuid.uuid4())

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (tab, _):
            await sync_to_async(browser.session.delete)()
            reply = await send_bid(tab, START, key)
            assert reply["type"] == "bid_rejected"
            assert reply["code"] == "session_ended"
            assert reply["key"] == key
            await ended(tab, "session_ended", 4401)

    run(conversation)
    assert not Bid.objects.exists()


def test_a_deactivated_user_cannot_bid_even_if_the_news_was_lost(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    _, cookie = logged_in_client(admitted_bidder)

    def deactivate_quietly() -> None:
        type(admitted_bidder).objects.filter(pk=admitted_bidder.pk).update(is_active=False)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (tab, _):
            await sync_to_async(deactivate_quietly)()
            reply = await send_bid(tab, START)
            assert reply["code"] == "session_ended"

    run(conversation)
    assert not Bid.objects.exists()


# --- Heartbeat -----------------------------------------------------------------------------


def test_the_heartbeat_tells_every_socket_of_a_running_lot_its_version(
    admitted_bidder: AbstractBaseUser, staff_clerk: AbstractBaseUser, live_lot: Lot
) -> None:
    place(admitted_bidder, live_lot, START)
    cookies = [session_cookie(admitted_bidder), session_cookie(staff_clerk)]

    async def conversation() -> None:
        async with (
            room(live_lot.pk, cookies[0]) as (ridgeline, _),
            room(live_lot.pk, cookies[1]) as (clerk, _),
        ):
            assert await sync_to_async(tasks.send_heartbeats)() >= 1
            for browser in (ridgeline, clerk):
                beat = await frame(browser)
                assert beat == {
                    "type": "heartbeat",
                    "lot": live_lot.pk,
                    "version": 1,
                    "server_time": beat["server_time"],
                }
                assert has_offset(beat["server_time"])

    run(conversation)


def test_a_room_that_missed_a_broadcast_catches_up_at_the_next_heartbeat(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    """As room.js does: a heartbeat newer than the state shown asks for a resync."""
    cookie = session_cookie(rival_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (steppe, snapshot):
            with mock.patch("auctions.live.broadcast_state"):  # the broadcast is lost
                await sync_to_async(place)(admitted_bidder, live_lot, START)
            await sync_to_async(tasks.send_heartbeats)()
            beat = await frame(steppe)
            assert beat["type"] == "heartbeat"
            assert beat["version"] > snapshot["version"]
            await steppe.send_json({"type": "resync"})
            state = await next_state(steppe)
            assert state["version"] == beat["version"] == 1
            assert state["leader"] == "Participant 1"

    run(conversation)


def test_the_heartbeat_covers_lots_running_and_just_finished_not_drafts_nor_old_ones() -> None:
    now = timezone.now()
    running = [LiveLotFactory(), LiveLotFactory(status=Lot.Status.PAUSED)]
    opening_soon = LiveLotFactory(status=Lot.Status.PUBLISHED, starts_at=now + timedelta(minutes=1))
    just_closed = LiveLotFactory(
        status=Lot.Status.CLOSED,
        starts_at=now - timedelta(hours=2),
        ends_at=now - timedelta(minutes=1),
    )
    LiveLotFactory(status=Lot.Status.DRAFT)
    LiveLotFactory(status=Lot.Status.PUBLISHED, starts_at=now + timedelta(days=3))
    LiveLotFactory(
        status=Lot.Status.CLOSED,
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=1),
    )
    sent: list[str] = []

    class Layer:
        async def group_send(self, group: str, message: dict[str, Any]) -> None:
            sent.append(group)

    with mock.patch("auctions.live.get_channel_layer", return_value=Layer()):
        assert live.broadcast_heartbeats() == 4
    assert sorted(sent) == sorted(
        live.group_name(lot.pk) for lot in [*running, opening_soon, just_closed]
    )


def test_the_beat_sends_heartbeats_every_two_seconds() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["send-heartbeats"]
    assert entry["task"] == "auctions.tasks.send_heartbeats"
    assert entry["schedule"] <= 2.0
