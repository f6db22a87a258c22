"""How the lot's consumer uses Channels: no message takes Channels' per-message database
hop (the lot's news is written by the process's hub, auctions/fanout.py; the socket's own
messages by the consumer's dispatch), and the sockets' database connections survive
Channels' cleanup (auctions/consumers.py says why)."""

import asyncio
import contextvars
import os
import threading
import time
from typing import Any
from unittest import mock
from uuid import uuid4

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection

from auctions import consumers, engine, live
from auctions.models import Lot
from tests.test_consumers import frame, next_state, room, run, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def database_thread_connection(index: int = 0) -> Any:
    """Return the raw connection a sockets' database thread holds now (None if closed)."""
    executor = consumers.DATABASE_THREADS.executors[index]
    return executor.submit(lambda: connection.connection).result()


def test_neither_the_lots_news_nor_a_sockets_message_takes_channels_database_hop(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (bidder, snapshot):
            with mock.patch(
                "channels.consumer.aclose_old_connections", new=mock.AsyncMock()
            ) as hop:
                # A newer version than the snapshot's: a repeated one is never sent again.
                state = {**await _state(live_lot.pk), "version": snapshot["version"] + 1}
                await get_channel_layer().group_send(
                    live.group_name(live_lot.pk), live.state_message(state)
                )
                await next_state(bidder)
                assert hop.await_count == 0
                # A bid or a ping: Channels would hop to its thread-sensitive thread first,
                # queued behind every other socket's message (auctions/consumers.py).
                await bidder.send_json({"type": "ping"})
                assert (await frame(bidder))["type"] == "pong"
                assert hop.await_count == 0

    run(conversation)


async def _state(lot_id: int) -> dict[str, Any]:
    return await sync_to_async(
        live.lot_state, thread_sensitive=False, executor=consumers.DATABASE_THREADS.executors[0]
    )(lot_id)


def test_the_sockets_connection_survives_channels_cleanup_between_messages(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, settings: Any
) -> None:
    settings.RESYNC_RATE_LIMIT = "100/s"
    cookie = session_cookie(admitted_bidder)

    async def conversation() -> None:
        async with room(live_lot.pk, cookie) as (bidder, _):
            first = database_thread_connection()
            assert first is not None
            # Each message runs Channels' close_old_connections first (CONN_MAX_AGE=0);
            # the sockets' own thread keeps its connection all the same.
            for _ in range(3):
                await bidder.send_json({"type": "resync"})
                assert (await next_state(bidder))["lot"] == live_lot.pk
            assert database_thread_connection() is first

    run(conversation)


def test_a_connection_left_in_a_transaction_is_closed_after_the_call() -> None:
    def leave_a_transaction_open() -> None:
        connection.ensure_connection()
        connection.set_autocommit(False)

    executor = consumers.DATABASE_THREADS.executors[0]
    executor.submit(leave_a_transaction_open).result()
    executor.submit(consumers._close_if_broken).result()
    assert database_thread_connection() is None


def test_one_processs_bids_on_one_lot_take_turns_and_leave_the_other_threads_free(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    """Bids of one process on one lot reach the engine one at a time, even with several
    database threads: they would only queue for the lot's row lock, each holding a thread.
    Other work (here a snapshot) still gets a free thread meanwhile."""
    pool = consumers.DatabaseThreads(3)
    inside = threading.Semaphore(0)
    release = threading.Event()
    running: list[int] = []
    most = [0]
    place_bid = engine.place_bid

    def held_place_bid(**kwargs: Any) -> Any:
        running.append(1)
        most[0] = max(most[0], len(running))
        inside.release()
        try:
            # Held until the test lets go: a slow bid, as under the lot's lock.
            assert release.wait(10)
            return place_bid(**kwargs)
        finally:
            running.pop()

    ridgeline_cookie, steppe_cookie = session_cookie(admitted_bidder), session_cookie(rival_bidder)
    start = live_lot.starting_price

    async def conversation() -> None:
        async with (
            room(live_lot.pk, ridgeline_cookie) as (ridgeline, _),
            room(live_lot.pk, steppe_cookie) as (steppe, _),
        ):
            await ridgeline.send_json({"type": "bid", "amount": str(start), "key": str(uuid4())})
            await steppe.send_json(
                {"type": "bid", "amount": str(start + live_lot.bid_step), "key": str(uuid4())}
            )
            # The first bid is in the engine; the second waits its turn, off the threads.
            assert await sync_to_async(inside.acquire)(timeout=5)
            await asyncio.sleep(0.3)
            assert len(running) == 1
            assert pool.busy.count(0) == 2
            # Another tab opening meanwhile gets a thread for its seat and snapshot.
            async with room(live_lot.pk, ridgeline_cookie) as (_, snapshot):
                assert snapshot["lot"] == live_lot.pk
            release.set()
            replies = [await _reply(ridgeline), await _reply(steppe)]
            assert sorted(reply["type"] for reply in replies) == ["bid_accepted", "bid_accepted"]

    with (
        mock.patch.object(consumers, "DATABASE_THREADS", pool),
        mock.patch.object(engine, "place_bid", held_place_bid),
    ):
        try:
            run(conversation)
        finally:
            release.set()
            pool.close_connections()
            for executor in pool.executors:
                executor.shutdown()
    assert most[0] == 1
    assert live_lot.bids.count() == 2


async def _reply(browser: Any) -> dict[str, Any]:
    """Return the socket's next frame that is not a state."""
    while True:
        received = await frame(browser)
        if received["type"] != "state":
            return received


# --- The database thread's own hop (consumers.DatabaseThread) ---------------------------------

_seen: "contextvars.ContextVar[str]" = contextvars.ContextVar("seen", default="unset")


@pytest.mark.django_db(transaction=False)
def test_a_database_threads_work_runs_in_a_copy_of_its_callers_context() -> None:
    thread = consumers.DatabaseThread("test-db-context")

    def read_and_change() -> str:
        seen = _seen.get()
        _seen.set("changed by the work")
        return seen

    async def caller() -> list[str]:
        _seen.set("the caller's")
        first = await thread.call(read_and_change)
        # The work's change stays in its copy: neither the caller nor the next work sees it.
        return [first, _seen.get(), await thread.call(_seen.get)]

    try:
        assert asyncio.run(caller()) == ["the caller's", "the caller's", "the caller's"]
    finally:
        thread.shutdown()


@pytest.mark.django_db(transaction=False)
def test_a_database_threads_work_reaches_its_callers_loop_with_async_to_sync() -> None:
    """A broadcast made from the work (not collected) runs on the socket's own loop, as
    asgiref's hop made it: the channel layer's connections belong to that loop."""
    thread = consumers.DatabaseThread("test-db-loop")

    async def loop_of_the_coroutine() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    async def caller() -> bool:
        reached = await thread.call(lambda: async_to_sync(loop_of_the_coroutine)())
        return reached is asyncio.get_running_loop()

    try:
        assert asyncio.run(caller())
    finally:
        thread.shutdown()


@pytest.mark.django_db(transaction=False)
def test_a_database_threads_failure_reaches_its_caller_and_the_thread_goes_on() -> None:
    thread = consumers.DatabaseThread("test-db-failure")

    def fails() -> None:
        raise ValueError("refused")

    async def caller() -> int:
        with pytest.raises(ValueError, match="refused"):
            await thread.call(fails)
        # A caller that stops waiting (its socket closed) leaves the thread serving.
        waiting = asyncio.ensure_future(thread.call(lambda: time.sleep(0.05)))
        await asyncio.sleep(0)
        waiting.cancel()
        return await thread.call(lambda: 7)

    try:
        assert asyncio.run(caller()) == 7
        assert thread.submit(lambda: 8).result(timeout=5) == 8
    finally:
        thread.shutdown()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
@pytest.mark.django_db(transaction=False)
def test_a_forked_process_gets_a_database_thread_of_its_own() -> None:
    """A process forked after the thread started (Celery's prefork pool imports the
    consumers) has no thread: it starts one at its first work rather than hang."""
    thread = consumers.DatabaseThread("test-db-fork")
    try:
        assert thread.submit(lambda: 1).result(timeout=5) == 1
        child = os.fork()
        if child == 0:
            answered = False
            try:
                answered = thread.submit(lambda: 2).result(timeout=5) == 2
            finally:
                os._exit(0 if answered else 1)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        thread.shutdown()
