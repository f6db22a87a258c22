"""The lot's news, fanned out once per process (auctions/fanout.py): every state reaches
every socket of the lot, room and gallery, each viewer's own frame, in order, once; a
socket that is gone or slow never holds up the others; the hub is in the lot's group
exactly while the process has sockets of the lot. And the sockets' database threads.

Whole-stack tests speak through config.asgi.application as test_consumers.py does; the
hub's own tests stand in for the server's ASGI send, which is where a socket closes or
stalls. Both run on whichever backend the environment selects (in-memory layer, or
Redis's pub/sub layer).
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection

from auctions import consumers, fanout, live
from auctions.models import Lot
from auctions.tests.contract import NEXT, START
from tests.test_consumers import frame, next_state, room, run, session_cookie
from tests.test_gallery_consumer import gallery

# A lot id no test's database holds: the hub's own tests need no rows.
LOT = 990_001


def state(version: int, leader: int | None) -> dict[str, Any]:
    """A lot's state as `live.lot_state` returns it, reduced to what the fan-out reads."""
    return {
        "type": "state",
        "lot": LOT,
        "version": version,
        "status": "live",
        "leader_number": leader,
        "bid_count": version,
        "server_time": "2026-12-06T23:00:00+00:00",
        "recent_bids": [],
    }


class Socket:
    """The server's ASGI send of one socket: it records, or stalls, or is gone."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.gate: asyncio.Event | None = None
        self.gone = False

    async def send(self, message: dict[str, Any]) -> None:
        if self.gone:
            # What uvicorn raises for a socket whose client went away (ClientDisconnected).
            raise OSError("the client went away")
        if self.gate is not None:
            await self.gate.wait()
        self.sent.append(message)

    def versions(self) -> list[int]:
        return [json.loads(m["text"])["version"] for m in self.sent if "text" in m]

    def leaders(self) -> list[str | None]:
        return [json.loads(m["text"])["leader"] for m in self.sent if "text" in m]


async def until(condition: Callable[[], bool]) -> None:
    """Wait for the hub's reader to catch up; a bound, not a measurement."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the news did not arrive within 10 s")


@asynccontextmanager
async def listening(
    layer: Any, socket: Socket, participant_number: int | None = None
) -> AsyncIterator[fanout.Listener]:
    """Join the hub of LOT with a socket that has its snapshot (version 0) already."""
    listener = await fanout.join(
        layer, LOT, socket.send, participant_number=participant_number, language="en"
    )
    listener.snapshot(json.dumps(live.personal_state(state(0, None), participant_number)), 0)
    listener.release()
    try:
        yield listener
    finally:
        await fanout.leave(listener)


def group_members(layer: Any, lot_id: int) -> set[str]:
    """Return the channels of this process in the lot's group, for either backend."""
    group = live.group_name(lot_id)
    if isinstance(layer, InMemoryChannelLayer):
        return set(layer.groups.get(group, {}))
    loop_layer = layer._get_layer()
    return set(loop_layer.groups.get(loop_layer._get_group_channel_name(group), set()))


# --- Whole stack ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_every_state_reaches_every_socket_of_the_lot_each_with_its_own_leader(
    admitted_bidder: AbstractBaseUser,
    rival_bidder: AbstractBaseUser,
    staff_clerk: AbstractBaseUser,
    live_lot: Lot,
) -> None:
    cookies = [session_cookie(user) for user in (admitted_bidder, rival_bidder, staff_clerk)]

    async def conversation() -> None:
        async with (
            room(live_lot.pk, cookies[0]) as (ridgeline, _),
            room(live_lot.pk, cookies[1]) as (steppe, _),
            room(live_lot.pk, cookies[2]) as (clerk, _),
            gallery(live_lot.pk, address="203.0.113.7") as (spectator, _),
            gallery(live_lot.pk, address="203.0.113.8") as (other_spectator, _),
        ):
            watchers = [clerk, spectator, other_spectator]
            amount = START
            for version, (bidder, rival, number) in enumerate(
                [(ridgeline, steppe, 1), (steppe, ridgeline, 2), (ridgeline, steppe, 1)], start=1
            ):
                await bidder.send_json({"type": "bid", "amount": amount, "key": str(uuid.uuid4())})
                assert (await frame(bidder))["type"] == "bid_accepted"
                mine = await next_state(bidder)
                assert (mine["version"], mine["leader"]) == (version, "you")
                for other in [rival, *watchers]:
                    theirs = await next_state(other)
                    assert theirs["version"] == version
                    assert theirs["leader"] == f"Participant {number}"
                    assert {**theirs, "leader": "you"} == mine
                amount = mine["min_next_bid"]
            for browser in [ridgeline, steppe, *watchers]:
                await browser.send_json({"type": "ping"})
                # Nothing else was queued for any socket: no repeated or stale state.
                assert (await frame(browser))["type"] == "pong"

    run(conversation)


@pytest.mark.django_db(transaction=True)
def test_the_bidder_gets_its_reply_before_the_state_of_its_bid(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    cookies = [session_cookie(admitted_bidder), session_cookie(rival_bidder)]

    async def conversation() -> None:
        async with (
            room(live_lot.pk, cookies[0]) as (ridgeline, _),
            room(live_lot.pk, cookies[1]) as (steppe, _),
        ):
            for bidder, rival, amount in [(ridgeline, steppe, START), (steppe, ridgeline, NEXT)]:
                await bidder.send_json({"type": "bid", "amount": amount, "key": str(uuid.uuid4())})
                assert (await frame(bidder))["type"] == "bid_accepted"
                assert (await next_state(bidder))["leader"] == "you"
                assert (await next_state(rival))["leader"] != "you"

    run(conversation)


@pytest.mark.django_db(transaction=True)
def test_the_process_joins_the_lots_group_once_for_all_its_sockets_and_leaves_with_the_last(
    admitted_bidder: AbstractBaseUser, staff_clerk: AbstractBaseUser, live_lot: Lot
) -> None:
    cookies = [session_cookie(admitted_bidder), session_cookie(staff_clerk)]

    async def conversation() -> None:
        layer = get_channel_layer()
        async with (
            room(live_lot.pk, cookies[0]),
            room(live_lot.pk, cookies[1]),
            gallery(live_lot.pk),
        ):
            hub = fanout.hub_of(layer, live_lot.pk)
            assert hub is not None
            assert len(hub.listeners) == 3
            # The hub's channel alone: no socket of the lot is in the group itself.
            assert group_members(layer, live_lot.pk) == {hub.channel}
        assert fanout.hub_of(layer, live_lot.pk) is None
        assert group_members(layer, live_lot.pk) == set()
        assert hub.reader is not None
        await until(hub.reader.done)
        # A new socket gets a hub of its own, in the group again, and its news.
        async with room(live_lot.pk, cookies[0]) as (ridgeline, snapshot):
            again = fanout.hub_of(layer, live_lot.pk)
            assert again is not None
            assert again is not hub
            assert group_members(layer, live_lot.pk) == {again.channel}
            await sync_to_async(live.broadcast_state)(
                live_lot.pk, {**await _state(live_lot.pk), "version": snapshot["version"] + 1}
            )
            assert (await next_state(ridgeline))["version"] == snapshot["version"] + 1

    run(conversation)


@pytest.mark.django_db(transaction=True)
def test_spectators_hold_no_channel_of_their_own_only_the_hubs(live_lot: Lot) -> None:
    async def conversation() -> None:
        layer = get_channel_layer()
        before = layer_channels(layer)
        async with (
            gallery(live_lot.pk, address="203.0.113.7"),
            gallery(live_lot.pk, address="203.0.113.8"),
        ):
            hub = fanout.hub_of(layer, live_lot.pk)
            assert hub is not None
            assert layer_channels(layer) - before == {hub.channel}

    run(conversation)


def layer_channels(layer: Any) -> set[str]:
    """Return the channels this process receives on, for either backend."""
    if isinstance(layer, InMemoryChannelLayer):
        return set(layer.channels)
    return set(layer._get_layer().channels)


async def _state(lot_id: int) -> dict[str, Any]:
    return await sync_to_async(
        live.lot_state, thread_sensitive=False, executor=consumers.DATABASE_THREADS.executors[0]
    )(lot_id)


# --- The hub -------------------------------------------------------------------------------


def test_the_leader_gets_you_everyone_else_its_number_and_a_spectator_never_you() -> None:
    async def conversation() -> None:
        layer = get_channel_layer()
        leader, rival, spectator = Socket(), Socket(), Socket()
        async with (
            listening(layer, leader, participant_number=3),
            listening(layer, rival, participant_number=4),
            listening(layer, spectator),
        ):
            for version, number in [(1, 3), (2, 4), (3, 3)]:
                await layer.group_send(
                    live.group_name(LOT), live.state_message(state(version, number))
                )
            await until(lambda: len(spectator.sent) == 4)
            await until(lambda: len(leader.sent) == len(rival.sent) == 4)
        assert leader.versions() == rival.versions() == spectator.versions() == [0, 1, 2, 3]
        assert leader.leaders()[1:] == ["you", "Participant 4", "you"]
        assert rival.leaders()[1:] == ["Participant 3", "you", "Participant 3"]
        assert spectator.leaders()[1:] == ["Participant 3", "Participant 4", "Participant 3"]

    run(conversation)


def test_a_frame_is_json_text_as_any_client_reads_it() -> None:
    """`live.encode` (orjson): compact UTF-8 JSON, other languages' letters as they are."""
    frame = {
        "type": "bid_rejected",
        "message": "Ставка слишком мала; 最低出价",
        "amount": "1250000000.00",
        "recent_bids": [{"sequence": 1, "automatic": False, "at": None}],
        7: "a number as a key, as the standard library writes it",
    }
    text = live.encode(frame)
    assert isinstance(text, str)
    assert "Ставка слишком мала; 最低出价" in text
    assert json.loads(text) == {**{k: v for k, v in frame.items() if k != 7}, "7": frame[7]}


def test_a_socket_gone_during_a_broadcast_is_skipped_and_the_others_get_every_state() -> None:
    async def conversation() -> None:
        layer = get_channel_layer()
        first, gone, last = Socket(), Socket(), Socket()
        async with listening(layer, first), listening(layer, gone) as lost, listening(layer, last):
            gone.gone = True
            for version in (1, 2):
                await layer.group_send(live.group_name(LOT), live.state_message(state(version, 1)))
            await until(lambda: len(last.sent) == 3)
            assert lost.closed
        assert first.versions() == last.versions() == [0, 1, 2]
        assert gone.versions() == [0]

    run(conversation)


def test_a_slow_socket_holds_up_nobody_and_gets_every_state_in_order_once_it_reads() -> None:
    async def conversation() -> None:
        layer = get_channel_layer()
        slow, quick = Socket(), Socket()
        async with listening(layer, slow) as listener, listening(layer, quick):
            slow.gate = asyncio.Event()
            for version in (1, 2, 3):
                await layer.group_send(live.group_name(LOT), live.state_message(state(version, 1)))
            await until(lambda: quick.versions() == [0, 1, 2, 3])
            assert slow.versions() == [0]
            assert listener.writer is not None
            slow.gate.set()
            await until(lambda: slow.versions() == [0, 1, 2, 3])
            await until(lambda: listener.writer is None)
            slow.gate = None
            await layer.group_send(live.group_name(LOT), live.state_message(state(4, 1)))
            await until(lambda: slow.versions() == quick.versions() == [0, 1, 2, 3, 4])

    run(conversation)


def test_a_socket_too_far_behind_is_closed_to_try_again_later() -> None:
    async def conversation() -> None:
        layer = get_channel_layer()
        stuck = Socket()
        async with listening(layer, stuck) as listener:
            stuck.gate = asyncio.Event()
            hub = fanout.hub_of(layer, LOT)
            assert hub is not None
            for version in range(1, fanout.BACKLOG_LIMIT + 3):
                hub.publish(live.state_message(state(version, 1)))
            assert listener.closed
            stuck.gate.set()
            await until(lambda: listener.writer is None)
        assert stuck.versions() == [0, 1]
        assert stuck.sent[-1] == {"type": "websocket.close", "code": fanout.TRY_AGAIN_LATER}

    run(conversation)


def test_a_joining_socket_gets_its_snapshot_first_then_only_newer_states() -> None:
    async def conversation() -> None:
        layer = get_channel_layer()
        socket = Socket()
        listener = await fanout.join(layer, LOT, socket.send, participant_number=1, language="en")
        try:
            hub = fanout.hub_of(layer, LOT)
            assert hub is not None
            # Broadcast while its snapshot is read: the hub was in the group already.
            hub.publish(live.state_message(state(1, 1)))
            hub.publish(live.state_message(state(2, 2)))
            assert socket.sent == []
            listener.snapshot(json.dumps(live.personal_state(state(1, 1), 1)), 1)
            listener.release()
            hub.publish(live.state_message(state(2, 2)))  # the channel layer repeated it
            hub.publish(live.state_message(state(1, 1)))  # ... or reordered it
            hub.publish(live.state_message(state(3, 1)))
        finally:
            await fanout.leave(listener)
        assert socket.versions() == [1, 2, 3]
        assert socket.leaders() == ["you", "Participant 2", "you"]

    run(conversation)


def test_the_heartbeat_is_one_frame_for_every_socket() -> None:
    async def conversation() -> None:
        layer = get_channel_layer()
        sockets = [Socket(), Socket()]
        async with listening(layer, sockets[0], 1), listening(layer, sockets[1]):
            hub = fanout.hub_of(layer, LOT)
            assert hub is not None
            beat = {"type": "heartbeat", "lot": LOT, "version": 7, "server_time": "t"}
            hub.publish({"type": "lot.heartbeat", "frame": json.dumps(beat)})
        assert sockets[0].sent[1] is not sockets[1].sent[1]
        assert sockets[0].sent[1]["text"] is sockets[1].sent[1]["text"]
        assert json.loads(sockets[0].sent[1]["text"]) == beat

    run(conversation)


def test_the_close_is_told_to_every_socket_in_its_language_and_seat() -> None:
    async def conversation() -> None:
        layer = get_channel_layer()
        winner, rival, spectator, russian = Socket(), Socket(), Socket(), Socket()
        async with (
            listening(layer, winner, 1),
            listening(layer, rival, 2),
            listening(layer, spectator),
        ):
            listener = await fanout.join(
                layer, LOT, russian.send, participant_number=2, language="ru"
            )
            listener.release()
            try:
                hub = fanout.hub_of(layer, LOT)
                assert hub is not None
                outcome = {
                    "status": "closed",
                    "outcome": "awarded",
                    "reason": "",
                    "winner_number": 1,
                    "winning_bonus": "100000000.00",
                    "bid_count": 1,
                }
                hub.publish({"type": "lot.closed", "state": state(1, 1), "outcome": outcome})
            finally:
                await fanout.leave(listener)
        told = {
            name: json.loads(socket.sent[-1]["text"])
            for name, socket in [
                ("winner", winner),
                ("rival", rival),
                ("spectator", spectator),
                ("russian", russian),
            ]
        }
        assert {frame["type"] for frame in told.values()} == {"closed"}
        assert told["winner"]["winner"] == "you"
        assert told["winner"]["message"].startswith("The auction is over: you won")
        assert told["rival"]["winner"] == told["spectator"]["winner"] == "Participant 1"
        assert told["rival"]["message"] == told["spectator"]["message"]
        assert told["rival"]["message"].startswith("The auction is over: Participant 1 won")
        assert told["russian"]["winner"] == "Participant 1"
        assert told["russian"]["message"].startswith("Аукцион завершён")

    run(conversation)


@pytest.mark.skipif(not settings.REDIS_URL, reason="two processes share a Redis")
def test_two_processes_hubs_on_one_redis_both_deliver_every_state() -> None:
    async def conversation() -> None:
        # Two channel layers of their own, as two web processes have.
        layers = [RedisPubSubChannelLayer(hosts=[settings.REDIS_URL]) for _ in range(2)]
        sockets = [Socket(), Socket(), Socket()]
        try:
            async with (
                listening(layers[0], sockets[0], 1),
                listening(layers[0], sockets[1]),
                listening(layers[1], sockets[2], 1),
            ):
                hubs = [fanout.hub_of(layer, LOT) for layer in layers]
                assert None not in hubs
                assert hubs[0] is not hubs[1]
                for version in range(1, 6):
                    await layers[version % 2].group_send(
                        live.group_name(LOT), live.state_message(state(version, 1))
                    )
                await until(lambda: all(len(socket.sent) == 6 for socket in sockets))
        finally:
            for layer in layers:
                await layer.flush()
        for socket in sockets:
            assert socket.versions() == [0, 1, 2, 3, 4, 5]
        assert sockets[0].leaders()[1:] == sockets[2].leaders()[1:] == ["you"] * 5
        assert sockets[1].leaders()[1:] == ["Participant 1"] * 5

    run(conversation)


# --- The sockets' database threads ---------------------------------------------------------


def test_database_work_goes_to_the_least_busy_thread_the_first_of_equals() -> None:
    threads = consumers.DatabaseThreads(3)
    assert [threads.take(), threads.take(), threads.take(), threads.take()] == [0, 1, 2, 0]
    threads.give_back(1)
    assert threads.take() == 1
    for index in (0, 0, 1, 2):
        threads.give_back(index)
    assert threads.take() == 0
    threads.give_back(0)
    for executor in threads.executors:
        executor.shutdown()


@pytest.mark.django_db(transaction=True)
def test_closing_the_sockets_database_connections_closes_every_threads_own() -> None:
    assert len(consumers.DATABASE_THREADS.executors) == settings.LIVE_DATABASE_THREADS
    # Configured with several threads (LIVE_DATABASE_THREADS), each keeps its own.
    pool = consumers.DatabaseThreads(3)
    try:
        for executor in pool.executors:
            executor.submit(lambda: connection.ensure_connection()).result()
        assert all(_connection_of(executor) is not None for executor in pool.executors)
        pool.close_connections()
        assert all(_connection_of(executor) is None for executor in pool.executors)
    finally:
        for executor in pool.executors:
            executor.shutdown()


def _connection_of(executor: Any) -> Any:
    return executor.submit(lambda: connection.connection).result()
