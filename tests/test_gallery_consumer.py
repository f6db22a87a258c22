"""The public gallery's websocket, /ws/lots/<id>/gallery/: anyone watches, nobody bids.

Spoken to through config.asgi.application as the room's tests do (test_consumers.py), so
the origin check, the session middleware and the routing are the real ones.
"""

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from auctions import engine, live
from auctions.models import AuctionEvent, Bid, Lot
from auctions.tests.contract import NEXT, START, assert_contract_shape
from auctions.tests.factories import LotFactory
from tests.test_consumers import (
    Browser,
    host,
    next_state,
    origin,
    refusal_of,
    room,
    run,
    send_bid,
    session_cookie,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_gallery_states() -> Iterator[None]:
    """Forget the spectators' shared snapshots: a lot id may come again in the next test."""
    live._gallery_states.clear()
    yield
    live._gallery_states.clear()


@asynccontextmanager
async def gallery_socket(
    lot_id: int,
    *,
    cookie: bytes | None = None,
    address: str = "203.0.113.7",
    from_origin: bytes | None = None,
) -> AsyncIterator[Browser]:
    headers = [(b"host", host()), (b"origin", from_origin or origin())]
    if cookie is not None:
        headers.append((b"cookie", cookie))
    browser = Browser(f"/ws/lots/{lot_id}/gallery/", headers)
    browser.scope["client"] = (address, 50000)
    try:
        yield browser
    finally:
        await browser.leave()


@asynccontextmanager
async def gallery(
    lot_id: int, *, cookie: bytes | None = None, address: str = "203.0.113.7"
) -> AsyncIterator[tuple[Browser, dict[str, Any]]]:
    """Open the lot's gallery; yield the socket and the snapshot it was greeted with."""
    async with gallery_socket(lot_id, cookie=cookie, address=address) as browser:
        assert await browser.connect()
        snapshot = await browser.frame()
        assert snapshot["type"] == "state", snapshot
        yield browser, snapshot


def test_an_anonymous_spectator_is_greeted_with_the_lots_state_by_number(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    engine.place_bid(user=admitted_bidder, lot_id=live_lot.pk, amount=START, key=str(uuid.uuid4()))

    async def conversation() -> None:
        async with gallery(live_lot.pk) as (_, snapshot):
            assert_contract_shape(snapshot)
            assert snapshot["status"] == "live"
            assert snapshot["current_price"] == START
            assert snapshot["min_next_bid"] == NEXT
            assert snapshot["leader"] == "Participant 1"
            assert [bid["participant_number"] for bid in snapshot["recent_bids"]] == [1]
            assert "Ridgeline" not in json.dumps(snapshot)

    run(conversation)


def test_a_spectator_receives_every_bid_by_number_and_never_you(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with gallery(live_lot.pk) as (spectator, _), room(live_lot.pk, cookie) as (bidder, _):
            reply = await send_bid(bidder, START)
            assert reply["type"] == "bid_accepted"
            state = await next_state(spectator)
            assert state["version"] == 1
            assert state["leader"] == "Participant 1"
            assert state["current_price"] == START
            assert "you" not in json.dumps(state)

    run(conversation)


def test_the_participant_itself_in_the_gallery_is_a_spectator_without_you(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    engine.place_bid(user=admitted_bidder, lot_id=live_lot.pk, amount=START, key=str(uuid.uuid4()))
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with gallery(live_lot.pk, cookie=cookie) as (spectator, snapshot):
            assert snapshot["leader"] == "Participant 1"
            await spectator.send_json({"type": "bid", "amount": NEXT, "key": str(uuid.uuid4())})
            assert (await spectator.frame())["code"] == "not_admitted"

    run(conversation)
    assert Bid.objects.count() == 1


def test_a_bid_from_a_spectator_gets_an_error_frame_and_places_nothing(live_lot: Lot) -> None:
    key = str(uuid.uuid4())

    async def conversation() -> None:
        async with gallery(live_lot.pk) as (spectator, _):
            await spectator.send_json({"type": "bid", "amount": START, "key": key})
            error = await spectator.frame()
            assert error["type"] == "error"
            assert error["code"] == "not_admitted"
            assert error["key"] == key
            assert error["message"]
            # The socket stays open and keeps watching.
            await spectator.send_json({"type": "ping"})
            assert (await spectator.frame())["type"] == "pong"

    run(conversation)
    assert not Bid.objects.exists()


def test_a_spectator_is_told_the_close_with_the_winner_by_number(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    engine.place_bid(user=admitted_bidder, lot_id=live_lot.pk, amount=START, key=str(uuid.uuid4()))

    async def conversation() -> None:
        async with gallery(live_lot.pk) as (spectator, _):
            await _close(live_lot)
            closed = await spectator.frame()
            while closed["type"] != "closed":
                closed = await spectator.frame()
            assert closed["winner"] == "Participant 1"
            assert closed["winning_bonus"] == START
            assert "Participant 1" in closed["message"]

    run(conversation)


async def _close(lot: Lot) -> None:
    def close() -> None:
        Lot.objects.filter(pk=lot.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
        engine.close_lot(lot_id=lot.pk)

    await sync_to_async(close)()


def test_a_closed_gallery_refuses_spectators_with_4403(live_lot: Lot) -> None:
    AuctionEvent.objects.filter(pk=live_lot.event_id).update(has_public_gallery=False)

    async def conversation() -> None:
        async with gallery_socket(live_lot.pk) as spectator:
            error, code = await refusal_of(spectator)
            assert (error["type"], error["code"], code) == ("error", "gallery_closed", 4403)
            assert error["message"]

    run(conversation)


def test_closing_the_gallery_ends_the_spectators_sockets_within_a_check(
    live_lot: Lot, settings: Any
) -> None:
    settings.LIVE_SESSION_CHECK_SECONDS = 0.2

    async def conversation() -> None:
        async with gallery(live_lot.pk) as (spectator, _):
            await sync_to_async(AuctionEvent.objects.filter(pk=live_lot.event_id).update)(
                has_public_gallery=False
            )
            frame = await spectator.frame()
            while frame["type"] != "error":
                frame = await spectator.frame()
            assert frame["code"] == "gallery_closed"
            assert await spectator.close_code() == 4403

    run(conversation)


def test_a_draft_lot_has_no_gallery() -> None:
    draft = LotFactory(status=Lot.Status.DRAFT)

    async def conversation() -> None:
        async with gallery_socket(draft.pk) as spectator:
            error, code = await refusal_of(spectator)
            assert (error["code"], code) == ("lot_not_found", 4404)

    run(conversation)


def test_a_page_of_another_site_cannot_open_the_gallery(live_lot: Lot) -> None:
    async def conversation() -> None:
        async with gallery_socket(live_lot.pk, from_origin=b"https://evil.example") as spectator:
            assert not await spectator.connect()

    run(conversation)


def test_one_address_may_hold_only_a_few_gallery_sockets(live_lot: Lot, settings: Any) -> None:
    settings.GALLERY_SOCKETS_PER_IP = 2

    async def conversation() -> None:
        async with gallery(live_lot.pk), gallery(live_lot.pk):
            async with gallery_socket(live_lot.pk) as third:
                error, code = await refusal_of(third)
                assert (error["code"], code) == ("too_many_sockets", 4429)
            # Another address is not counted against this one.
            async with gallery(live_lot.pk, address="198.51.100.9"):
                pass
        # A socket that left frees its place.
        async with gallery(live_lot.pk):
            pass

    run(conversation)


def test_one_address_may_ask_for_only_a_few_snapshots(live_lot: Lot, settings: Any) -> None:
    settings.GALLERY_SNAPSHOT_RATE_LIMIT = "2/h"
    settings.RESYNC_RATE_LIMIT = "100/s"

    async def conversation() -> None:
        async with gallery(live_lot.pk) as (spectator, _):
            await spectator.send_json({"type": "resync"})
            assert (await spectator.frame())["type"] == "state"
            await spectator.send_json({"type": "resync"})
            refused = await spectator.frame()
            assert (refused["type"], refused["code"]) == ("error", "rate_limited")
            # A new socket from the same address spends the same budget: refused at once.
            async with gallery_socket(live_lot.pk) as late:
                error, code = await refusal_of(late)
                assert (error["code"], code) == ("rate_limited", 4429)
            async with gallery(live_lot.pk, address="198.51.100.9"):
                pass

    run(conversation)


def test_spectators_opening_together_share_one_read_of_the_state(live_lot: Lot) -> None:
    async def conversation() -> None:
        with mock.patch.object(live, "lot_state", wraps=live.lot_state) as reads:
            async with (
                gallery(live_lot.pk, address="198.51.100.1") as (_, first),
                gallery(live_lot.pk, address="198.51.100.2") as (_, second),
            ):
                assert reads.call_count == 1
                assert second["version"] == first["version"]
                assert second["server_time"] >= first["server_time"]

    run(conversation)


def test_behind_proxies_django_cannot_resolve_spectators_count_by_their_forwarded_address(
    live_lot: Lot, settings: Any
) -> None:
    # With PROXY_COUNT set every socket's peer is the proxy: counted by the peer, one
    # address's few sockets were the whole gallery's.
    settings.PROXY_COUNT = 1
    settings.GALLERY_SOCKETS_PER_IP = 1
    proxy = "10.0.0.2"

    def forwarded_socket(forwarded_for: str) -> Browser:
        browser = Browser(
            f"/ws/lots/{live_lot.pk}/gallery/",
            [
                (b"host", host()),
                (b"origin", origin()),
                (b"x-forwarded-for", forwarded_for.encode()),
            ],
        )
        browser.scope["client"] = (proxy, 50000)
        return browser

    async def conversation() -> None:
        first = forwarded_socket("198.51.100.1")
        second = forwarded_socket("198.51.100.2")
        # A client's own entry left of the proxy's hop moves nothing.
        forged = forwarded_socket("198.51.100.2, 198.51.100.1")
        try:
            assert await first.connect()
            assert (await first.frame())["type"] == "state"
            assert await second.connect()
            assert (await second.frame())["type"] == "state"
            error, code = await refusal_of(forged)
            assert (error["code"], code) == ("too_many_sockets", 4429)
        finally:
            for browser in (first, second, forged):
                await browser.leave()

    run(conversation)
