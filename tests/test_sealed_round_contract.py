"""Two-stage lots on the wire: the `sealed_bid` message and frame on /ws/lots/<id>/, the
HTTP API's /api/lots/<id>/sealed-bids/, and the state's format, round and count."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from auctions import engine
from auctions.models import Lot, SealedBid
from auctions.tests.contract import START, assert_contract_shape
from auctions.tests.factories import LiveLotFactory, SealedLotFactory, admitted_representative
from tests.test_consumers import Browser, room, run, session_cookie
from tests.test_gallery_consumer import gallery

pytestmark = pytest.mark.django_db(transaction=True)

ABOVE = "250000000.00"


def api(user: AbstractBaseUser) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def sealed_url(lot: Lot) -> str:
    return f"/api/lots/{lot.pk}/sealed-bids/"


async def send_sealed(browser: Browser, amount: object, key: str | None = None) -> dict[str, Any]:
    """Send a sealed bid; return the reply, skipping the state broadcasts in between."""
    await browser.send_json(
        {"type": "sealed_bid", "amount": amount, "key": key or str(uuid.uuid4())}
    )
    while True:
        received = await browser.frame()
        if received["type"] != "state":
            return received


def close_round(lot: Lot) -> None:
    Lot.objects.filter(pk=lot.pk).update(
        sealed_round_ends_at=timezone.now() - timedelta(milliseconds=1)
    )
    engine.close_sealed_round(lot_id=lot.pk)


# --- The state ---------------------------------------------------------------------------


def test_a_plain_lots_state_says_ascending_twice_and_counts_no_sealed_bids(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (_, snapshot):
            assert_contract_shape(snapshot)
            assert (snapshot["format"], snapshot["round"], snapshot["sealed_bids"]) == (
                "ascending",
                "ascending",
                None,
            )

    run(conversation)


def test_a_sealed_bid_over_the_socket_answers_with_the_receipt_and_counts_in_the_state() -> None:
    lot = SealedLotFactory()
    user = admitted_representative(lot, 1, username="first")
    watcher = admitted_representative(lot, 2, username="second")
    cookie, other = session_cookie(user), session_cookie(watcher)

    async def conversation() -> None:
        async with room(lot.pk, other) as (watching, before):
            assert (before["format"], before["round"], before["sealed_bids"]) == (
                "sealed_then_ascending",
                "sealed",
                0,
            )
            async with room(lot.pk, cookie) as (bidding, _):
                key = str(uuid.uuid4())
                receipt = await send_sealed(bidding, ABOVE, key)
                assert receipt["type"] == "sealed_bid"
                assert receipt["key"] == key
                assert receipt["amount"] == ABOVE
                assert receipt["repeated"] is False
                assert receipt["rank"] is None
                assert len(receipt["commitment"]) == 64
                state = await watching.frame()
                assert state["type"] == "state"
                assert state["sealed_bids"] == 1
                # The count only: nobody else learns the amount.
                assert ABOVE not in str(state)
                again = await send_sealed(bidding, ABOVE, key)
                assert again["repeated"] is True
                assert again["commitment"] == receipt["commitment"]
                second = await send_sealed(bidding, ABOVE)
                assert (second["type"], second["code"]) == ("bid_rejected", "sealed_bid_exists")

    run(conversation)


def test_the_receipt_follows_the_snapshot_on_reconnect_and_an_open_bid_is_refused() -> None:
    lot = SealedLotFactory()
    user = admitted_representative(lot, 1, username="first")
    stored = engine.submit_sealed_bid(user=user, lot_id=lot.pk, amount=START, key=uuid.uuid4())
    cookie = session_cookie(user)

    async def conversation() -> None:
        async with room(lot.pk, cookie) as (browser, snapshot):
            assert snapshot["round"] == "sealed"
            receipt = await browser.frame()
            assert receipt["type"] == "sealed_bid"
            assert receipt["commitment"] == stored.sealed_bid.commitment
            assert receipt["amount"] == START
            await browser.send_json({"type": "bid", "amount": START, "key": str(uuid.uuid4())})
            refused = await browser.frame()
            assert (refused["type"], refused["code"]) == ("bid_rejected", "lot_not_live")
            assert "sealed" in refused["message"]

    run(conversation)


def test_the_rounds_close_tells_each_participant_its_rank_in_its_own_frame() -> None:
    lot = SealedLotFactory(sealed_advancing_percent=50)
    users = [admitted_representative(lot, n, username=f"b{n}") for n in (1, 2, 3, 4)]
    for offset, user in enumerate(users):
        engine.submit_sealed_bid(
            user=user,
            lot_id=lot.pk,
            amount=f"{100_000_000 + offset * 10_000_000}.00",
            key=uuid.uuid4(),
        )
    lowest = session_cookie(users[0])

    async def conversation() -> None:
        async with room(lot.pk, lowest) as (browser, _):
            assert (await browser.frame())["rank"] is None
            await sync_to_async(close_round)(lot)
            seen: dict[str, dict[str, Any]] = {}
            while "sealed_bid" not in seen or "state" not in seen:
                received = await browser.frame()
                seen[received["type"]] = received
            assert seen["state"]["round"] == "ascending"
            assert seen["state"]["leader"] == "Participant 4"
            assert (seen["sealed_bid"]["rank"], seen["sealed_bid"]["of"]) == (4, 4)
            assert seen["sealed_bid"]["advanced"] is False
            assert "no longer bid" in seen["sealed_bid"]["message"]
            await browser.send_json(
                {"type": "bid", "amount": "900000000", "key": str(uuid.uuid4())}
            )
            refused = await browser.frame()
            assert (refused["type"], refused["code"]) == ("bid_rejected", "not_admitted")

    run(conversation)


def test_a_spectator_or_clerk_socket_submits_no_sealed_bid(staff_clerk: AbstractBaseUser) -> None:
    lot = SealedLotFactory()
    cookie = session_cookie(staff_clerk)

    async def conversation() -> None:
        async with room(lot.pk, cookie) as (browser, _):
            refused = await send_sealed(browser, START)
            assert (refused["type"], refused["code"]) == ("bid_rejected", "not_admitted")

    run(conversation)
    assert not SealedBid.objects.exists()


# --- The HTTP API ------------------------------------------------------------------------


def test_the_api_takes_one_sealed_bid_and_shows_its_receipt() -> None:
    lot = SealedLotFactory()
    user = admitted_representative(lot, 1, username="first")
    client = api(user)
    assert client.get(sealed_url(lot)).json()["code"] == "no_sealed_bid"
    key = str(uuid.uuid4())
    created = client.post(sealed_url(lot), {"amount": ABOVE, "key": key}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["type"], body["amount"], body["repeated"]) == ("sealed_bid", ABOVE, False)
    repeated = client.post(sealed_url(lot), {"amount": START, "key": key}, format="json")
    assert repeated.status_code == 200
    assert repeated.json()["amount"] == ABOVE
    second = client.post(
        sealed_url(lot), {"amount": ABOVE, "key": str(uuid.uuid4())}, format="json"
    )
    assert (second.status_code, second.json()["code"]) == (409, "sealed_bid_exists")
    shown = client.get(sealed_url(lot))
    assert shown.status_code == 200
    assert shown.json()["commitment"] == body["commitment"]
    state = client.get(f"/api/lots/{lot.pk}/state/").json()
    assert (state["format"], state["round"], state["sealed_bids"]) == (
        "sealed_then_ascending",
        "sealed",
        1,
    )


def test_the_api_refuses_a_sealed_bid_after_the_round_closed_with_409_round_closed() -> None:
    lot = SealedLotFactory()
    first = admitted_representative(lot, 1, username="first")
    second = admitted_representative(lot, 2, username="second")
    late = admitted_representative(lot, 3, username="late")
    for user in (first, second):
        engine.submit_sealed_bid(user=user, lot_id=lot.pk, amount=START, key=uuid.uuid4())
    close_round(lot)
    refused = api(late).post(
        sealed_url(lot), {"amount": ABOVE, "key": str(uuid.uuid4())}, format="json"
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "round_closed")


def test_the_api_refuses_an_open_bid_in_the_sealed_round_and_a_sealed_bid_on_a_plain_lot() -> None:
    lot = SealedLotFactory()
    user = admitted_representative(lot, 1, username="first")
    refused = api(user).post(
        f"/api/lots/{lot.pk}/bids/", {"amount": START, "key": str(uuid.uuid4())}, format="json"
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "lot_not_live")
    plain = LiveLotFactory()
    other = admitted_representative(plain, 1, username="plain")
    refused = api(other).post(
        sealed_url(plain), {"amount": START, "key": str(uuid.uuid4())}, format="json"
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "lot_not_live")


def test_the_api_refuses_a_sealed_bid_without_a_key_or_below_the_start() -> None:
    lot = SealedLotFactory()
    client = api(admitted_representative(lot, 1, username="first"))
    no_key = client.post(sealed_url(lot), {"amount": START}, format="json")
    assert (no_key.status_code, no_key.json()["code"]) == (400, "malformed")
    low = client.post(sealed_url(lot), {"amount": "1.00", "key": str(uuid.uuid4())}, format="json")
    assert (low.status_code, low.json()["code"]) == (409, "too_low")
    anonymous = Client().post(
        sealed_url(lot),
        {"amount": START, "key": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert anonymous.status_code == 403


def test_the_public_lot_page_and_api_say_the_format() -> None:
    lot = SealedLotFactory(status=Lot.Status.PUBLISHED)
    page = Client().get(f"/lots/{lot.pk}/").content.decode()
    assert "Sealed round, then an ascending round among the best" in page
    body = Client().get(f"/api/lots/{lot.pk}/").json()
    assert body["format"] == "sealed_then_ascending"
    assert body["sealed_round_ends_at"] is not None
    assert body["sealed_advancing_minimum"] == 2
    plain = Client().get(f"/api/lots/{LiveLotFactory(status=Lot.Status.PUBLISHED).pk}/").json()
    assert (plain["format"], plain["sealed_round_ends_at"]) == ("ascending", None)


def test_the_gallery_sees_the_count_and_a_spectators_sealed_bid_is_refused() -> None:
    lot = SealedLotFactory()
    user = admitted_representative(lot, 1, username="first")
    engine.submit_sealed_bid(user=user, lot_id=lot.pk, amount=ABOVE, key=uuid.uuid4())
    key = str(uuid.uuid4())

    async def conversation() -> None:
        async with gallery(lot.pk) as (spectator, snapshot):
            assert (snapshot["round"], snapshot["sealed_bids"]) == ("sealed", 1)
            assert ABOVE not in str(snapshot)
            await spectator.send_json({"type": "sealed_bid", "amount": START, "key": key})
            error = await spectator.frame()
            assert (error["type"], error["code"], error["key"]) == ("error", "not_admitted", key)

    run(conversation)
    assert SealedBid.objects.count() == 1
