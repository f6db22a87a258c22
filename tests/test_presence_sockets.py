"""Real room sockets drop and come back: the lot pauses by itself, says why by counting
participants, and resumes with its time when they return, or when staff resume it.

Through config.asgi.application, as tests/test_consumers.py does; the heartbeat's task is
run as the beat runs it (embedded mode's beat calls the same task).
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import AbstractBaseUser

from auctions import engine, presence, tasks
from auctions.models import Lot, LotPause
from auctions.tests.factories import LiveLotFactory, admitted_representative
from tests.test_consumers import Browser, frame, room, run, session_cookie
from tests.test_gallery_consumer import gallery

pytestmark = pytest.mark.django_db(transaction=True)

COMPANIES = ["Ridgeline Critical Minerals", "SinoEarth Resources", "Steppe Lithium"]


async def state_with_status(browser: Browser, status: str) -> dict[str, Any]:
    """Return the next state of that status, skipping heartbeats and other states."""
    while True:
        received = await frame(browser)
        if received["type"] == "state" and received["status"] == status:
            return received


async def beat() -> None:
    await sync_to_async(tasks.send_heartbeats)()


@asynccontextmanager
async def rooms(lot: Lot, cookies: list[bytes]) -> AsyncIterator[list[Browser]]:
    async with AsyncExitStack() as stack:
        yield [(await stack.enter_async_context(room(lot.pk, cookie)))[0] for cookie in cookies]


@pytest.fixture
def lot_of_three() -> tuple[Lot, list[bytes]]:
    lot = LiveLotFactory()
    cookies = [
        session_cookie(admitted_representative(lot, number, legal_name=name))
        for number, name in zip((4, 7, 9), COMPANIES, strict=True)
    ]
    return lot, cookies


def test_sockets_dropping_pause_the_lot_and_their_return_resumes_it(
    lot_of_three: tuple[Lot, list[bytes]],
) -> None:
    lot, (first, second, third) = lot_of_three

    async def conversation() -> None:
        async with room(lot.pk, first) as (staying, _):
            async with rooms(lot, [second, third]):
                await beat()
                assert await sync_to_async(presence.connected_numbers)([lot.pk]) == {
                    lot.pk: {4, 7, 9}
                }
            # Both closed their sockets: the next beat pauses the lot.
            await beat()
            paused = await state_with_status(staying, "paused")
            reason = paused["status_reason"]
            assert reason.startswith(
                "2 of 3 participants lost their connection at once; the platform paused the auction"
            )
            # Who dropped is nobody's business: no number, no company.
            assert "Participant" not in reason
            assert not any(name in reason for name in COMPANIES)
            assert "7" not in reason
            assert "9" not in reason
            # A bid now is refused as for any paused lot.
            await staying.send_json(
                {"type": "bid", "amount": str(lot.starting_price), "key": str(uuid.uuid4())}
            )
            reply = await frame(staying)
            while reply["type"] in {"state", "heartbeat"}:
                reply = await frame(staying)
            assert reply["type"] == "bid_rejected"
            assert reply["code"] == "lot_not_live"

            async with rooms(lot, [second, third]) as (back, _):
                await beat()
                resumed = await state_with_status(staying, "live")
                assert resumed["status_reason"] == ""
                assert (await state_with_status(back, "live"))["status"] == "live"

    run(conversation)
    pause = LotPause.objects.get(lot=lot)
    assert pause.cause == LotPause.Cause.PARTICIPANTS_DROPPED
    assert pause.ended_how == LotPause.Ending.PARTICIPANTS_RETURNED


def test_staff_resume_a_lot_paused_by_dropping_sockets(
    lot_of_three: tuple[Lot, list[bytes]],
) -> None:
    lot, cookies = lot_of_three

    async def conversation() -> None:
        async with room(lot.pk, cookies[0]) as (staying, _):
            async with rooms(lot, cookies[1:]):
                await beat()
            await beat()
            await state_with_status(staying, "paused")
            await sync_to_async(engine.resume_lot)(lot_id=lot.pk)
            assert (await state_with_status(staying, "live"))["status_reason"] == ""
            # The others are still away: the watch starts afresh and does not pause again.
            await beat()
            await beat()

    run(conversation)
    assert Lot.objects.get(pk=lot.pk).status == Lot.Status.LIVE
    assert LotPause.objects.get(lot=lot).ended_how == LotPause.Ending.STAFF


def test_spectators_and_staff_watching_are_not_participants(
    lot_of_three: tuple[Lot, list[bytes]], staff_clerk: AbstractBaseUser
) -> None:
    lot, cookies = lot_of_three
    lot.event.has_public_gallery = True
    lot.event.save(update_fields=["has_public_gallery"])
    clerk = session_cookie(staff_clerk)

    async def conversation() -> None:
        async with (
            room(lot.pk, clerk),
            gallery(lot.pk),
            room(lot.pk, cookies[0]),
        ):
            connected = await sync_to_async(presence.connected_numbers)([lot.pk])
            assert connected == {lot.pk: {4}}
        assert await sync_to_async(presence.connected_numbers)([lot.pk]) == {lot.pk: set()}

    run(conversation)
