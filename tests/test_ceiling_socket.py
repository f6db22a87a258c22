"""Bids backed by money on the room's websocket: the participant's own `ceiling` frame after
the snapshot and whenever the ministry records a guarantee, and above_limit refusals."""

import uuid
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import AbstractBaseUser

from auctions import ceilings
from auctions.models import Application, Bid, Lot
from auctions.tests.factories import LiveLotFactory, admitted_representative
from bidders.tests.factories import RepresentativeFactory, UserFactory
from core.money import format_kzt
from tests.test_consumers import frame, next_state, room, run, send_bid, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

START = "100000000.00"
# Twelve times LotFactory's deposit of 10 million.
CEILING = "120000000.00"


def ceiling_lot(**fields: object) -> Lot:
    return LiveLotFactory(
        bid_ceiling=Lot.BidCeiling.DEPOSIT_AND_BANK_GUARANTEE,
        bid_ceiling_multiple=Decimal("12"),
        **fields,
    )


def application_of(user: AbstractBaseUser, lot: Lot) -> Application:
    return Application.objects.get(lot=lot, company__representatives__user=user)


def test_a_participant_gets_its_own_ceiling_right_after_the_snapshot() -> None:
    lot = ceiling_lot()
    bidder = admitted_representative(lot, 1)
    cookie = session_cookie(bidder)

    async def conversation() -> None:
        async with room(lot.pk, cookie) as (socket, snapshot):
            assert "ceiling" not in snapshot  # never in the state everyone shares
            own = await frame(socket)
            assert own == {
                "type": "ceiling",
                "lot": lot.pk,
                "amount": CEILING,
                "basis": "deposit_and_bank_guarantee",
                "message": own["message"],
            }
            assert format_kzt(Decimal(CEILING)) in own["message"]
            assert "bank guarantee recorded by the ministry" in own["message"]

    run(conversation)


def test_a_plain_lots_room_gets_no_ceiling_frame(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (socket, _):
            # The first frame after the snapshot answers the ping: nothing came between.
            await socket.send_json({"type": "ping"})
            assert (await frame(socket))["type"] == "pong"

    run(conversation)


def test_a_staff_watcher_gets_no_ceiling(staff_clerk: AbstractBaseUser) -> None:
    lot = ceiling_lot()
    admitted_representative(lot, 1)
    cookie = session_cookie(staff_clerk)

    async def conversation() -> None:
        async with room(lot.pk, cookie) as (socket, _):
            await socket.send_json({"type": "ping"})
            assert (await frame(socket))["type"] == "pong"

    run(conversation)


def test_a_bid_above_the_ceiling_is_rejected_above_limit_and_not_broadcast() -> None:
    lot = ceiling_lot()
    bidder = admitted_representative(lot, 1)
    cookie = session_cookie(bidder)

    async def conversation() -> None:
        async with room(lot.pk, cookie) as (socket, _):
            assert (await frame(socket))["type"] == "ceiling"
            key = str(uuid.uuid4())
            await socket.send_json({"type": "bid", "amount": "125000000.00", "key": key})
            reply = await frame(socket)
            assert reply["type"] == "bid_rejected"
            assert (reply["code"], reply["key"]) == ("above_limit", key)
            assert format_kzt(Decimal(CEILING)) in reply["message"]
            accepted = await send_bid(socket, CEILING)
            assert accepted["type"] == "bid_accepted"
            # The first state after the refusal is the accepted bid's.
            assert (await next_state(socket))["version"] == 1

    run(conversation)
    assert list(Bid.objects.values_list("amount", flat=True)) == [Decimal(CEILING)]


def test_the_refusal_speaks_the_sockets_language() -> None:
    lot = ceiling_lot()
    bidder = admitted_representative(lot, 1)
    cookie = session_cookie(bidder)

    async def conversation() -> None:
        async with room(lot.pk, cookie, query="lang=ru") as (socket, _):
            own = await frame(socket)
            assert format_kzt(Decimal(CEILING), language="ru") in own["message"]
            reply = await send_bid(socket, "125000000.00")
            assert reply["code"] == "above_limit"
            assert format_kzt(Decimal(CEILING), language="ru") in reply["message"]

    run(conversation)


def test_a_guarantee_recorded_sends_every_socket_of_the_company_its_new_ceiling() -> None:
    lot = ceiling_lot()
    bidder = admitted_representative(lot, 1)
    application = application_of(bidder, lot)
    colleague = RepresentativeFactory(company=application.company).user
    rival = admitted_representative(lot, 2)
    clerk = UserFactory(is_staff=True)
    cookies = [session_cookie(user) for user in (bidder, colleague, rival)]

    async def conversation() -> None:
        async with (
            room(lot.pk, cookies[0]) as (first, _),
            room(lot.pk, cookies[1]) as (second, _),
            room(lot.pk, cookies[2]) as (other, _),
        ):
            for socket in (first, second, other):
                assert (await frame(socket))["amount"] == CEILING
            await sync_to_async(ceilings.record_bank_guarantee)(
                application_id=application.pk,
                amount=Decimal("80000000.00"),
                reference="No. 7/2025, Halyk Bank",
                recorded_by=clerk,
            )
            for socket in (first, second):
                # The lot's version moved with the guarantee (`ceilings`): everyone gets
                # the state, and the company's own sockets their new ceiling, by two roads
                # (the lot's fan-out, the user's group) in either order.
                frames = {received["type"]: received for received in [await frame(socket)]}
                received = await frame(socket)
                frames[received["type"]] = received
                assert frames["state"]["version"] == 1
                assert frames["ceiling"]["amount"] == "200000000.00"
            # The rival's ceiling did not change, and it is told nothing of it.
            assert (await next_state(other))["version"] == 1
            await other.send_json({"type": "ping"})
            assert (await frame(other))["type"] == "pong"
            reply = await send_bid(first, "200000000.00")
            assert reply["type"] == "bid_accepted"

    run(conversation)
