"""Proxy (maximum) bids on the wire: `set_maximum` over the room's websocket and
/api/lots/<id>/maximum/, with the same outcomes and codes; the owner's own `maximum`
frame; the automatic bids in everyone's state, the maximum in nobody else's."""

import uuid
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client

from auctions import engine
from auctions.models import AuctionEvent, Bid, Lot, Maximum
from auctions.tests.contract import START, assert_contract_shape
from tests.test_consumers import Browser, room, run, session_cookie
from tests.test_gallery_consumer import gallery

pytestmark = pytest.mark.django_db(transaction=True)

M = Decimal("1000000.00")
SECRET = f"{150 * M:.2f}"  # the maximum nobody but its owner may see


def amount(millions: int) -> str:
    return f"{millions * M:.2f}"


async def send_maximum(browser: Browser, value: object, key: object = None) -> dict[str, Any]:
    """Send a maximum; return the reply to it, skipping other frames in between."""
    key = str(uuid.uuid4()) if key is None else key
    await browser.send_json({"type": "set_maximum", "amount": value, "key": key})
    while True:
        received = await browser.frame()
        if received["type"] in {"maximum_accepted", "maximum_rejected", "error"}:
            return received


async def frames_until(browser: Browser, kinds: set[str]) -> dict[str, dict[str, Any]]:
    """Read frames until one of each kind has come; return the last of each kind."""
    seen: dict[str, dict[str, Any]] = {}
    while not kinds <= set(seen):
        received = await browser.frame()
        seen[received["type"]] = received
    return seen


def set_max(user: AbstractBaseUser, lot: Lot, millions: int) -> None:
    engine.set_maximum(user=user, lot_id=lot.pk, amount=amount(millions), key=str(uuid.uuid4()))


def api(user: AbstractBaseUser) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- The websocket ------------------------------------------------------------------------


def test_a_maximum_set_over_the_socket_is_acknowledged_and_bids_at_once(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    mine, theirs = map(session_cookie, [admitted_bidder, rival_bidder])
    key = str(uuid.uuid4())

    async def conversation() -> None:
        async with (
            room(live_lot.pk, mine) as (ridgeline, _),
            room(live_lot.pk, theirs) as (
                steppe,
                _,
            ),
        ):
            reply = await send_maximum(ridgeline, SECRET, key)
            assert reply == {
                "type": "maximum_accepted",
                "key": key,
                "amount": SECRET,
                "set_at": reply["set_at"],
                "repeated": False,
            }
            seen = await frames_until(ridgeline, {"state", "maximum"})
            assert seen["maximum"]["amount"] == SECRET
            assert seen["maximum"]["active"] is True
            assert seen["maximum"]["lot"] == live_lot.pk
            state = seen["state"]
            assert_contract_shape(state)
            assert state["current_price"] == START
            assert state["leader"] == "you"
            assert state["recent_bids"][0]["automatic"] is True

            theirs_state = await steppe.frame()
            assert theirs_state["type"] == "state"
            assert theirs_state["leader"] == "Participant 1"
            assert theirs_state["recent_bids"][0]["automatic"] is True
            assert SECRET not in str(theirs_state)
            # Steppe is told nothing of Ridgeline's maximum.
            assert await steppe.receive_nothing(0.3)

            again = await send_maximum(ridgeline, SECRET, key)
            assert again["repeated"] is True

    run(conversation)
    assert Maximum.objects.count() == 1
    assert Bid.objects.count() == 1


def test_a_bid_by_hand_is_answered_for_the_maximum_and_the_bidder_hears_its_own_first(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, 150)
    mine, theirs = map(session_cookie, [admitted_bidder, rival_bidder])

    async def conversation() -> None:
        async with room(live_lot.pk, mine) as (ridgeline, _):
            # The owner's own frame follows the snapshot on connect.
            greeting = await ridgeline.frame()
            assert greeting["type"] == "maximum"
            assert greeting["amount"] == SECRET
            assert greeting["active"] is True
            async with room(live_lot.pk, theirs) as (steppe, snapshot):
                assert SECRET not in str(snapshot)
                await steppe.send_json(
                    {"type": "bid", "amount": amount(110), "key": str(uuid.uuid4())}
                )
                accepted = await steppe.frame()
                assert accepted["type"] == "bid_accepted"
                assert accepted["amount"] == amount(110)
                state = await steppe.frame()
                assert state["type"] == "state"
                assert state["current_price"] == amount(115)
                assert state["leader"] == "Participant 1"
                assert [
                    (b["participant_number"], b["automatic"]) for b in state["recent_bids"]
                ] == [
                    (1, True),
                    (2, False),
                    (1, True),
                ]
                state = await ridgeline.frame()
                assert state["leader"] == "you"
                # Its maximum answered and still leads: nothing its owner sees changed.
                assert await ridgeline.receive_nothing(0.3)
                assert await steppe.receive_nothing(0.3)

    run(conversation)


def test_the_owner_is_told_when_a_bid_passes_its_maximum(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, 150)
    mine = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, mine) as (ridgeline, _):
            assert (await ridgeline.frame())["type"] == "maximum"
            await sync_to_async(engine.place_bid)(
                user=rival_bidder, lot_id=live_lot.pk, amount=amount(160), key=str(uuid.uuid4())
            )
            seen = await frames_until(ridgeline, {"state", "maximum"})
            assert seen["state"]["leader"] == "Participant 2"
            assert seen["maximum"]["amount"] == SECRET
            assert seen["maximum"]["active"] is False
            assert "used up" in seen["maximum"]["message"]

    run(conversation)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (amount(99), "too_low"),
        ("lots", "invalid_amount"),
    ],
)
def test_a_refused_maximum_is_answered_with_its_code_and_echoes_the_key(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, value: str, code: str
) -> None:
    mine = session_cookie(admitted_bidder)
    key = str(uuid.uuid4())

    async def conversation() -> None:
        async with room(live_lot.pk, mine) as (ridgeline, _):
            reply = await send_maximum(ridgeline, value, key)
            assert reply["type"] == "maximum_rejected"
            assert reply["code"] == code
            assert reply["key"] == key
            assert reply["message"]
            assert await ridgeline.receive_nothing(0.3)

    run(conversation)
    assert not Maximum.objects.exists()


def test_a_lowered_maximum_below_the_price_held_is_refused_over_the_socket(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, 150)  # leads at the starting price
    mine = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, mine) as (ridgeline, _):
            assert (await ridgeline.frame())["type"] == "maximum"
            reply = await send_maximum(ridgeline, amount(99))
            assert reply["code"] == "maximum_below_price"

    run(conversation)


def test_a_staff_watcher_cannot_set_a_maximum(staff_clerk: AbstractBaseUser, live_lot: Lot) -> None:
    cookie = session_cookie(staff_clerk)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (clerk, _):
            reply = await send_maximum(clerk, SECRET, "k")
            assert reply["type"] == "maximum_rejected"
            assert reply["code"] == "not_admitted"
            assert reply["key"] == "k"

    run(conversation)
    assert not Maximum.objects.exists()


def test_a_staff_watcher_never_receives_a_maximum_frame(
    admitted_bidder: AbstractBaseUser, staff_clerk: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, 150)
    cookie = session_cookie(staff_clerk)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (clerk, snapshot):
            assert SECRET not in str(snapshot)
            assert await clerk.receive_nothing(0.3)

    run(conversation)


# --- The HTTP API ---------------------------------------------------------------------------


def test_the_api_sets_a_maximum_201_then_200_for_its_key_again(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    client = api(admitted_bidder)
    url = f"/api/lots/{live_lot.pk}/maximum/"
    key = str(uuid.uuid4())
    response = client.post(url, {"amount": SECRET, "key": key}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["type"] == "maximum_accepted"
    assert response.json()["amount"] == SECRET
    again = client.post(url, {"amount": amount(190), "key": key}, content_type="application/json")
    assert again.status_code == 200
    assert again.json()["repeated"] is True
    assert again.json()["amount"] == SECRET

    mine = client.get(url)
    assert mine.status_code == 200
    assert mine.json()["amount"] == SECRET
    assert mine.json()["active"] is True
    theirs = api(rival_bidder).get(url)
    assert theirs.status_code == 200
    assert theirs.json()["amount"] is None
    state = api(rival_bidder).get(f"/api/lots/{live_lot.pk}/state/").json()
    assert state["recent_bids"][0]["automatic"] is True
    assert SECRET not in str(state)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"amount": amount(99), "key": str(uuid.uuid4())}, 409, "too_low"),
        ({"amount": "1e9", "key": str(uuid.uuid4())}, 400, "invalid_amount"),
        ({"amount": amount(150)}, 400, "malformed"),
        ([1, 2], 400, "malformed"),
    ],
)
def test_the_api_refuses_a_maximum_with_the_bids_codes(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, body: object, status: int, code: str
) -> None:
    response = api(admitted_bidder).post(
        f"/api/lots/{live_lot.pk}/maximum/", body, content_type="application/json"
    )
    assert response.status_code == status
    assert response.json()["code"] == code
    assert not Maximum.objects.exists()


def test_the_api_refuses_lowering_below_the_price_held_with_409(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, 150)
    response = api(admitted_bidder).post(
        f"/api/lots/{live_lot.pk}/maximum/",
        {"amount": amount(99), "key": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "maximum_below_price"


def test_staff_may_neither_set_nor_read_a_maximum_over_the_api(
    admitted_bidder: AbstractBaseUser, staff_clerk: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, 150)
    client = api(staff_clerk)
    url = f"/api/lots/{live_lot.pk}/maximum/"
    refused = client.post(
        url, {"amount": SECRET, "key": str(uuid.uuid4())}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_admitted"
    read = client.get(url)
    assert read.status_code == 403
    assert SECRET not in read.content.decode()
    state = client.get(f"/api/lots/{live_lot.pk}/state/")
    assert state.status_code == 200
    assert SECRET not in state.content.decode()


def test_an_anonymous_visitor_may_not_set_a_maximum(live_lot: Lot) -> None:
    response = Client().post(
        f"/api/lots/{live_lot.pk}/maximum/",
        {"amount": SECRET, "key": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Maximum.objects.exists()


def test_the_owner_is_told_when_a_higher_maximum_takes_the_lead(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, 150)
    mine = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, mine) as (ridgeline, _):
            assert (await ridgeline.frame())["active"] is True
            await sync_to_async(set_max)(rival_bidder, live_lot, 200)
            seen = await frames_until(ridgeline, {"state", "maximum"})
            assert seen["state"]["leader"] == "Participant 2"
            assert seen["state"]["current_price"] == amount(155)
            assert seen["maximum"]["amount"] == SECRET
            assert seen["maximum"]["active"] is False
            # The rival's maximum is never in what Ridgeline is sent.
            assert amount(200) not in str(seen)

    run(conversation)


def test_a_spectator_cannot_set_a_maximum_and_never_sees_one(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    AuctionEvent.objects.filter(pk=live_lot.event_id).update(has_public_gallery=True)
    set_max(admitted_bidder, live_lot, 150)

    async def conversation() -> None:
        async with gallery(live_lot.pk) as (spectator, snapshot):
            assert SECRET not in str(snapshot)
            assert snapshot["recent_bids"][0]["automatic"] is True
            await spectator.send_json({"type": "set_maximum", "amount": SECRET, "key": "k"})
            reply = await spectator.frame()
            assert reply["type"] == "maximum_rejected"
            assert reply["code"] == "not_admitted"
            assert reply["key"] == "k"
            assert "gallery" in reply["message"]

    run(conversation)
    assert Maximum.objects.count() == 1
