"""The auction room's websocket, /ws/lots/<id>/, spoken to as a browser speaks it.

Every test goes through config.asgi.application, so the origin check, the session
middleware and the routing are the real ones. pytest-asyncio is not a dependency: each
test runs its whole conversation in one event loop with async_to_sync. Nor is daphne,
which `channels.testing` imports: `Browser` is asgiref's communicator speaking the
websocket side of ASGI, as channels' Browser does.
"""

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client

from auctions import engine
from auctions.consumers import _language_of
from auctions.models import Bid, Lot
from auctions.tests.contract import NEXT, START, assert_contract_shape
from auctions.tests.factories import LiveLotFactory, admit, admitted_representative
from bidders.tests.factories import UserFactory
from config.asgi import application

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


def test_the_rate_limit_counts_each_socket_on_its_own(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, settings: Any
) -> None:
    settings.BID_RATE_LIMIT = "1/h"
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (first_tab, _):
            assert (await send_bid(first_tab, "1.00"))["code"] == "too_low"
            assert (await send_bid(first_tab, "1.00"))["code"] == "rate_limited"
            async with room(live_lot.pk, cookie) as (second_tab, _):
                assert (await send_bid(second_tab, START))["type"] == "bid_accepted"

    run(conversation)
    assert Bid.objects.count() == 1


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
