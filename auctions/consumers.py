"""The auction room's websocket, /ws/lots/<id>/, speaking DESIGN.md section 4.

A thin interface: it takes the user's seat, sends snapshots and broadcasts, and hands
every bid to `engine.place_bid`, turning refusals into frames.
"""

import asyncio
import concurrent.futures
import contextlib
import contextvars
import dataclasses
import functools
import json
import logging
import math
import os
import queue
import random
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from concurrent.futures import Executor
from http.cookies import CookieError, SimpleCookie
from typing import Any, TypeVar
from urllib.parse import parse_qs

from asgiref.sync import SyncToAsync, sync_to_async
from channels.auth import AuthMiddleware
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.sessions import InstanceSessionWrapper
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from auctions import ceilings, engine, fanout, live, presence, proxy, sealed
from auctions.models import Lot
from core import ratelimit, second_factor, session_sockets, sql
from core.errors import DomainError
from core.lockout import address_behind_proxies
from core.ratelimit import TokenBucket

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Close codes in the application range: 4401 no login (or the session ended), 4403 not a
# participant (or the seat was revoked, or the gallery is closed), 4404 no lot, 4429 too
# many sockets of the user or address, or too many snapshots of the address.
REFUSAL_CLOSE_CODES = {
    "login_required": 4401,
    "session_ended": 4401,
    "not_admitted": 4403,
    "seat_revoked": 4403,
    "second_factor_required": 4403,
    "gallery_closed": 4403,
    "lot_not_found": 4404,
    "too_many_sockets": 4429,
    "rate_limited": 4429,
}
# Refusals of a bid that also end the socket.
ENDING_CODES = frozenset({"session_ended", "seat_revoked"})
MALFORMED = _("Send a JSON object whose type is bid, set_maximum, sealed_bid, resync or ping.")
SERVER_ERROR = _("Something went wrong; your view is refreshed.")
WATCHERS_DO_NOT_BID = _("Staff watch the auction; they do not bid.")
SPECTATORS_DO_NOT_BID = _("The public gallery only watches the auction; bidding is in the room.")
TOO_MANY_GALLERY_SOCKETS = _(
    "This lot is already open in too many windows from your address; close one of them."
)
SESSION_ENDED = _("Your session has ended; log in again.")
RESYNC_LIMITED = _("Too many requests for the state; wait a moment.")
TOO_MANY_SOCKETS = _(
    "This lot is already open in too many windows of your account; close one of them."
)
# A socket's slot lapses after this many missed renewals (its process died).
SLOT_RENEWALS_MISSED = 3


def _closing_if_broken(function: Callable[[], Any]) -> Any:
    """Run the database work; then close the thread's connection if it was left broken or
    in a transaction."""
    try:
        return function()
    finally:
        _close_if_broken()


class DatabaseThread(Executor):
    """One thread for the sockets' database work, keeping its own connection between calls.

    An event loop hands it work with `call`: the work and an asyncio future on one queue,
    the answer back with one `call_soon_threadsafe`. asgiref's `sync_to_async` (on a
    `ThreadPoolExecutor`) wrapped each call in a concurrent future chained to an asyncio
    one, shielded, its context copied there and back: 5-7% of a web process's time in the
    50 lots' profiles (bench/RESULTS.md). As asgiref does, the work runs in a copy of the
    caller's context and can reach the loop with `async_to_sync`. `submit` serves everything
    else (tests, asgiref given it as an executor).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._work: queue.SimpleQueue[_Work | None] = queue.SimpleQueue()
        # Started on first use, and again in a forked child (`_forked`), which has no thread.
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()
        _all_threads.add(self)

    async def call(self, function: Callable[[], T]) -> T:
        """Run `function` on the thread; close its connection after it if it was left
        broken or in a transaction."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._put(_Work(function, future, loop, contextvars.copy_context()))
        return await future

    def submit(
        self, fn: Callable[..., T], /, *args: Any, **kwargs: Any
    ) -> "concurrent.futures.Future[T]":
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._put(_Work(functools.partial(fn, *args, **kwargs), future, None, None))
        return future

    @property
    def started(self) -> bool:
        """Whether the thread runs (in this process): only then can it hold a connection."""
        return self._thread is not None

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        thread = self._thread
        if thread is not None:
            self._work.put(None)
            if wait:
                thread.join()
            self._thread = None

    def _put(self, work: "_Work") -> None:
        if self._thread is None:
            with self._starting:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._serve, args=(self._work,), name=self.name, daemon=True
                    )
                    self._thread.start()
        self._work.put(work)

    def _forked(self) -> None:
        self._work = queue.SimpleQueue()
        self._thread = None
        self._starting = threading.Lock()

    @staticmethod
    def _serve(work_queue: "queue.SimpleQueue[_Work | None]") -> None:
        while (work := work_queue.get()) is not None:
            if work.loop is None or work.context is None:
                work.run_here()
            else:
                _run_for_loop(work.function, work.future, work.loop, work.context)


_all_threads: "weakref.WeakSet[DatabaseThread]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for thread in list(_all_threads):
        thread._forked()


os.register_at_fork(after_in_child=_after_fork_in_child)


@dataclasses.dataclass(frozen=True, slots=True)
class _Work:
    function: Callable[[], Any]
    # An asyncio future of `loop`'s, run in `context`; or, without them, a concurrent one.
    future: Any
    loop: asyncio.AbstractEventLoop | None
    context: contextvars.Context | None

    def run_here(self) -> None:
        future = self.future
        if not future.set_running_or_notify_cancel():
            return
        try:
            result = self.function()
        except BaseException as error:
            future.set_exception(error)
        else:
            future.set_result(result)


def _run_for_loop(
    function: Callable[[], Any],
    future: "asyncio.Future[Any]",
    loop: asyncio.AbstractEventLoop,
    context: contextvars.Context,
) -> None:
    # What asgiref's own hop sets, so that `async_to_sync` in the work (a broadcast not
    # collected) runs its coroutine on this loop rather than on a new one.
    SyncToAsync.threadlocal.main_event_loop = loop
    SyncToAsync.threadlocal.main_event_loop_pid = os.getpid()
    SyncToAsync.threadlocal.task_context = None
    try:
        result, error = context.run(_closing_if_broken, function), None
    except BaseException as raised:
        result, error = None, raised
    with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
        loop.call_soon_threadsafe(_settle, future, result, error)


def _settle(future: "asyncio.Future[Any]", result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class DatabaseThreads:
    """The sockets' database work of a process, on `LIVE_DATABASE_THREADS` threads each
    keeping its own connection (`DatabaseThread`).

    On asgiref's thread-sensitive thread, Channels' own cleanup (before every message it
    dispatches, and in its AuthMiddleware's user lookup, which `SocketAuthMiddleware`
    replaces) closes connections with CONN_MAX_AGE=0, the setting ASGI needs for HTTP; here
    nothing does, and a bid does not pay a new connection (a login and cold caches, which
    cost more than the bid itself).
    One thread is the default: the work is CPU, and more only contended for the GIL
    (bench/RESULTS.md). More let work on different lots wait on a slow PostgreSQL
    together; each call goes to the least busy thread, the first of equals.
    """

    def __init__(self, size: int, *, name: str = "lot-sockets-db") -> None:
        self.executors = [DatabaseThread(f"{name}-{index}") for index in range(size)]
        self.busy = [0] * size
        # Event loops of several threads (tests, async_to_sync) may pick at once.
        self.lock = threading.Lock()

    def take(self) -> int:
        """Return the index of the least busy thread, counted busy until `give_back`."""
        with self.lock:
            index = self.busy.index(min(self.busy))
            self.busy[index] += 1
        return index

    def give_back(self, index: int) -> None:
        with self.lock:
            self.busy[index] -= 1

    def close_connections(self) -> None:
        """Close every thread's database connection (each thread holds its own)."""
        for executor in self.executors:
            if executor.started:
                # The lambda looks the connection up on that thread: connections are per
                # thread.
                executor.submit(lambda: connection.close()).result()


DATABASE_THREADS = DatabaseThreads(settings.LIVE_DATABASE_THREADS)
# Whose session a socket opening carries is read on a thread of its own: a storm of
# handshakes (a restart's reconnects, or anyone's made-up cookies, before any limit can
# count them) queues there, never ahead of the bids on the threads above.
HANDSHAKE_THREADS = DatabaseThreads(1, name="lot-sockets-handshake")


async def on_database_thread(
    function: Callable[[], T], *, threads: DatabaseThreads | None = None
) -> T:
    """Run `function` on the least busy of `threads` (the sockets' database threads unless
    given, looked up when called); a connection left broken or in a transaction is closed
    after it."""
    if threads is None:
        threads = DATABASE_THREADS

    index = threads.take()
    try:
        return await threads.executors[index].call(function)
    finally:
        threads.give_back(index)


class SocketAuthMiddleware(AuthMiddleware):
    """Channels' AuthMiddleware, with the session's user read by `session_sockets.session_user`
    on the handshakes' database thread, which keeps its connection.

    Channels reads it on asgiref's thread-sensitive thread and closes the connection around
    the read (CONN_MAX_AGE=0, as ASGI's HTTP needs): every socket that opened paid a new
    PostgreSQL connection, a fifth of a connect's CPU (bench/RESULTS.md). The read is the
    sockets' own check, too: it never rewrites the session (Channels flushed one whose
    password hash no longer matched; the browser's next page does that).
    """

    async def resolve_scope(self, scope: dict[str, Any]) -> None:
        session = scope["session"]
        user = None
        if session.session_key:
            key = session.session_key
            user = await on_database_thread(
                lambda: session_sockets.session_user(key), threads=HANDSHAKE_THREADS
            )
        scope["user"]._wrapped = user if user is not None else AnonymousUser()


class SlotKeeper:
    """The socket slots held by one event loop's sockets (a server process's), renewed
    together every `LIVE_SESSION_CHECK_SECONDS`: one thread hop and one Redis round trip
    for all of them. Renewed per socket, 2,000 idle sockets cost 400 thread hops a second,
    most of an idle process's CPU and the tail of its broadcasts (bench/RESULTS.md)."""

    def __init__(self) -> None:
        self.held: dict[str, str] = {}
        self.task: asyncio.Task[None] | None = None

    def keep(self, name: str, holder: str) -> None:
        self.held[name] = holder
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._renew())

    def let_go(self, name: str) -> None:
        self.held.pop(name, None)

    async def _renew(self) -> None:
        interval = settings.LIVE_SESSION_CHECK_SECONDS
        while self.held:
            await asyncio.sleep(interval)
            try:
                await sync_to_async(ratelimit.renew_slots, thread_sensitive=False)(
                    list(self.held.items()), ttl=interval * SLOT_RENEWALS_MISSED
                )
            except Exception:
                # The next round tries again; a slot lapses only after three missed ones.
                logger.exception("Renewing the sockets' slots failed")


_slot_keepers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SlotKeeper] = (
    weakref.WeakKeyDictionary()
)


def slot_keeper() -> SlotKeeper:
    """Return the running event loop's slot keeper."""
    loop = asyncio.get_running_loop()
    keeper = _slot_keepers.get(loop)
    if keeper is None:
        keeper = _slot_keepers[loop] = SlotKeeper()
    return keeper


# A turn lives while a bid holds or awaits it: the lots' turns do not pile up in a process.
_lot_turns: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, weakref.WeakValueDictionary[int, asyncio.Lock]
] = weakref.WeakKeyDictionary()


def lot_turn(lot_id: int) -> asyncio.Lock:
    """Return the running event loop's turn for the lot: its sockets' bids, sealed bids and
    maxima take it one at a time (first come, first served)."""
    loop = asyncio.get_running_loop()
    turns = _lot_turns.get(loop)
    if turns is None:
        turns = _lot_turns[loop] = weakref.WeakValueDictionary()
    turn = turns.get(lot_id)
    if turn is None:
        turn = turns[lot_id] = asyncio.Lock()
    return turn


# Results of periodic session re-checks, shared by the sockets of a process that opened
# with the same session and seat (one browser's tabs, or a bench's watchers).
_recent_checks: dict[tuple[str | None, live.Seat], tuple[float, DomainError | None]] = {}
RECENT_CHECKS_SIZE = 10_000


class LotConsumer(AsyncWebsocketConsumer):
    """One socket of a lot's auction room: a participant bidding or a clerk watching."""

    seat: live.Seat | None = None
    # The socket in its process's hub of the lot, which writes the lot's news to it.
    listener: fanout.Listener | None = None
    slot: str | None = None
    user_id: int | None = None
    # The user the socket opened as (from its session then); each bid re-reads it with the
    # lot's lock.
    user: Any = None
    watcher: asyncio.Task[None] | None = None
    ended: bool = False
    in_user_group: bool = False
    lot_format: str | None = None
    # When an accepted bid of this socket last checked its seat (`time.monotonic()`).
    seat_checked_at: float = -math.inf

    async def connect(self) -> None:
        self.lot_id = int(self.scope["url_route"]["kwargs"]["lot_id"])
        self.language = _language_of(self.scope)
        self.snapshots = TokenBucket(settings.RESYNC_RATE_LIMIT)
        session = self.scope.get("session")
        self.session_key = session.session_key if session is not None else None
        user = self.scope["user"]
        await self.accept()
        if user.is_authenticated:
            self.user_id, self.user = user.pk, user
            # Before the seat, which costs the database: a flood of sockets is refused here.
            self.slot = await sync_to_async(ratelimit.claim_slot, thread_sensitive=False)(
                f"sockets:{self.lot_id}:{user.pk}",
                self.channel_name,
                slots=settings.LIVE_SOCKETS_PER_USER,
                ttl=settings.LIVE_SESSION_CHECK_SECONDS * SLOT_RENEWALS_MISSED,
            )
            if self.slot is None:
                await self._end(DomainError("too_many_sockets", self._translate(TOO_MANY_SOCKETS)))
                return
            # The user's group first: news of a logout or a password change from now on
            # reaches this socket, and the seat below re-reads the session, so news that
            # came before (while the browser already saw the socket open) is not lost.
            await self.channel_layer.group_add(
                session_sockets.user_group(user.pk), self.channel_name
            )
            self.in_user_group = True
        # The room's page answers staff only once their session passed a second factor
        # (core.second_factor's middleware); its socket asks the same.
        if (
            user.is_authenticated
            and (user.is_staff or user.is_superuser)
            and not await self._call(second_factor.staff_session_passed, session=session, user=user)
        ):
            await self._end(
                DomainError(
                    "second_factor_required",
                    self._translate(second_factor.STAFF_NEEDS_SECOND_FACTOR),
                )
            )
            return
        try:
            self.seat = await self._call(self._take_seat, user)
        except DomainError as error:
            await self._end(error)
            return
        # In the lot's presence register before the snapshot: a participant that sees the
        # room counts as connected.
        await self._be_present()
        await self._join_and_send_snapshot()
        await self._send_maximum(only_if_set=True)
        await self._send_ceiling()
        self.watcher = asyncio.create_task(self._watch_session())

    async def _be_present(self) -> None:
        """Enter (or renew) a participant's socket in the lot's presence register."""
        if self.seat is not None and self.seat.participant_number is not None:
            await sync_to_async(presence.enter, thread_sensitive=False)(
                lot_id=self.lot_id,
                participant_number=self.seat.participant_number,
                channel=self.channel_name,
            )

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Handle a message, without Channels' per-message hop to close old connections.

        Channels closes stale connections of its one thread-sensitive thread before every
        message it dispatches: a thread hop per bid, queued behind every other socket's on
        that one thread. This consumer's database work runs on its own threads
        (`DATABASE_THREADS`), each keeping its connection; the thread-sensitive thread is
        used only through Channels' database_sync_to_async, which closes them itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def disconnect(self, code: int) -> None:
        if self.watcher is not None:
            self.watcher.cancel()
        if self.seat is not None and self.seat.participant_number is not None:
            await sync_to_async(presence.leave, thread_sensitive=False)(
                lot_id=self.lot_id,
                participant_number=self.seat.participant_number,
                channel=self.channel_name,
            )
        if self.listener is not None:
            await fanout.leave(self.listener)
        if self.in_user_group and self.user_id is not None:
            await self.channel_layer.group_discard(
                session_sockets.user_group(self.user_id), self.channel_name
            )
        if self.slot is not None:
            slot_keeper().let_go(self.slot)
            await sync_to_async(ratelimit.release_slot, thread_sensitive=False)(
                self.slot, self.channel_name
            )
            self.slot = None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.seat is None or self.ended:
            return
        try:
            # Numbers with a fraction or exponent stay text: the engine parses amounts
            # strictly and never expands an exponent.
            message = json.loads(text_data or "", parse_float=str)
        except (ValueError, RecursionError):
            message = None
        kind = message.get("type") if isinstance(message, dict) else None
        try:
            if kind == "bid":
                await self._bid(message)
            elif kind == "sealed_bid":
                await self._sealed_bid(message)
            elif kind == "set_maximum":
                await self._set_maximum(message)
            elif kind == "resync":
                await self._resync()
            elif kind == "ping":
                await self._send({"type": "pong", "server_time": timezone.now().isoformat()})
            else:
                await self._send(
                    {
                        "type": "error",
                        "code": "malformed",
                        "message": self._translate(MALFORMED),
                    }
                )
        except Exception:
            # A fault behind one message must not take the room down for this socket.
            logger.exception("Lot %s: message %r failed", self.lot_id, kind)
            await self._send(
                {
                    "type": "error",
                    "code": "server_error",
                    "message": self._translate(SERVER_ERROR),
                }
            )
            if self.snapshots.take():
                await self._send_snapshot()

    async def session_ended(self, event: dict[str, Any]) -> None:
        """Close this socket if it was opened with the session that just ended."""
        if self.session_key and event["session"] == session_sockets.session_fingerprint(
            self.session_key
        ):
            with translation.override(self.language):
                ended = DomainError("session_ended", str(SESSION_ENDED))
            await self._end(ended)

    async def session_check(self, event: dict[str, Any]) -> None:
        """Re-check the session and seat now: the user or its company changed."""
        try:
            await self._check_session(fresh=True)
        except Exception:
            # The periodic check tries again; the socket stays up meanwhile.
            logger.exception("Lot %s: the session check failed", self.lot_id)

    async def ceiling_changed(self, event: dict[str, Any]) -> None:
        """Send the participant its new bid ceiling: the ministry recorded a guarantee."""
        if event.get("lot") != self.lot_id:
            return
        try:
            await self._send_ceiling()
        except Exception:
            # The next connect sends it again; the socket stays up meanwhile.
            logger.exception("Lot %s: the new ceiling could not be sent", self.lot_id)

    async def _send_ceiling(self) -> None:
        """Send a participant that may bid its own `ceiling` frame (never to the lot), on a
        lot with a ceiling: a plain lot's room hears nothing new."""
        if self.seat is None or not self.seat.may_bid or self.user_id is None:
            return
        try:
            ceiling_frame = await self._call(self._read_ceiling)
        except DomainError:
            # The session ended: the next check or bid ends the socket and says why.
            return
        if ceiling_frame is not None:
            await self._send(ceiling_frame)

    def _read_ceiling(self) -> dict[str, Any] | None:
        user = live.session_user(session_key=self.session_key, user_id=self.user_id)
        own = ceilings.own_frame(user=user, lot_id=self.lot_id)
        return None if own is None or own["basis"] == Lot.BidCeiling.NONE else own

    async def _bid(self, message: dict[str, Any]) -> None:
        await self._hand_to_engine(
            message,
            self._place_bid,
            lambda outcome: live.accepted_frame(outcome.bid, created=outcome.created),
            rejected="bid_rejected",
        )

    async def _sealed_bid(self, message: dict[str, Any]) -> None:
        """Submit the participant's sealed bid; answer with its receipt or the refusal."""
        await self._hand_to_engine(
            message, self._submit_sealed_bid, lambda receipt: receipt, rejected="bid_rejected"
        )

    async def _set_maximum(self, message: dict[str, Any]) -> None:
        await self._hand_to_engine(
            message,
            self._place_maximum,
            lambda outcome: proxy.accepted_frame(outcome.maximum, created=outcome.created),
            rejected="maximum_rejected",
        )

    async def _hand_to_engine(
        self,
        message: dict[str, Any],
        place: Callable[[object, object], T],
        reply: Callable[[T], dict[str, Any]],
        *,
        rejected: str,
    ) -> None:
        """Hand a participant's bid, sealed bid or maximum to the engine (`place`, given the
        message's amount and key) and answer with `reply(outcome)`, or with a `rejected`
        frame carrying the refusal's code; a refusal that ends the session ends the socket."""
        key = message.get("key")
        key = key if isinstance(key, str) else None
        if self.seat is None or self.seat.participant_number is None:
            await self._send(
                {
                    "type": rejected,
                    "key": key,
                    "code": "not_admitted",
                    "message": self._translate(WATCHERS_DO_NOT_BID),
                }
            )
            return
        # The state it made (and any other) waits until the bidder has its reply.
        if self.listener is not None:
            self.listener.hold()
        try:
            try:
                # One at a time per lot from this process: they would only queue for the
                # lot's row lock in PostgreSQL, each holding a database thread meanwhile
                # (and reading again what changed while it waited); here they wait in turn
                # on the event loop, and other lots' work has the threads.
                outcome = await self._run(
                    place,
                    (message.get("amount"), message.get("key")),
                    {},
                    turn=lot_turn(self.lot_id),
                )
            except DomainError as error:
                await self._send(
                    {"type": rejected, "key": key, "code": error.code, "message": error.message}
                )
                if error.code in ENDING_CODES:
                    await self._end(error)
                return
            await self._send(reply(outcome))
        finally:
            if self.listener is not None:
                self.listener.release()

    def _take_seat(self, user: Any) -> live.Seat:
        """Return the user's seat, if the session the socket opened with still holds."""
        if user.is_authenticated:
            user = live.session_user(session_key=self.session_key, user_id=user.pk)
        return live.take_seat(user=user, lot_id=self.lot_id)

    def _submit_sealed_bid(self, amount: object, key: object) -> dict[str, Any]:
        """Submit a sealed bid as the user the socket's session still authenticates."""
        user = live.session_user(session_key=self.session_key, user_id=self.user_id)
        outcome = engine.submit_sealed_bid(user=user, lot_id=self.lot_id, amount=amount, key=key)
        return sealed.receipt(outcome.sealed_bid, repeated=not outcome.created)

    async def sealed_result(self, event: dict[str, Any]) -> None:
        """Send this participant its sealed bid's rank: the lot's sealed round closed."""
        if event["lot"] == self.lot_id and not self.ended:
            await self._send_own_sealed_bid()

    async def _send_own_sealed_bid(self) -> None:
        """Send the participant's own receipt of its sealed bid, if it submitted one."""
        if self.seat is None or self.seat.participant_number is None or self.user_id is None:
            return
        receipt = await self._call(self._own_sealed_bid)
        if receipt is not None:
            await self._send(receipt)

    def _own_sealed_bid(self) -> dict[str, Any] | None:
        user = live.session_user(session_key=self.session_key, user_id=self.user_id)
        found = sealed.own_sealed_bid(user=user, lot_id=self.lot_id)
        return None if found is None else sealed.receipt(found)

    # --- Proxy (maximum) bids: the owner's own frames, never in the lot's state ------------

    def _place_maximum(self, amount: object, key: object) -> engine.MaximumOutcome:
        """Set a maximum as the user the socket's session still authenticates (checked with
        the lot's lock)."""
        return engine.set_maximum(
            user=self.user,
            lot_id=self.lot_id,
            amount=amount,
            key=key,
            session_key=self.session_key or "",
        )

    async def lot_maximum(self, event: dict[str, Any]) -> None:
        """Send this socket its maximum again: it changed (set, bid for, or used up)."""
        if event.get("lot") == self.lot_id:
            await self._send_maximum(only_if_set=False)

    async def _send_maximum(self, *, only_if_set: bool) -> None:
        if self.ended or self.seat is None or self.seat.participant_number is None:
            return
        frame = await self._call(self._read_maximum)
        if frame["amount"] is not None or not only_if_set:
            await self._send(frame)

    def _read_maximum(self) -> dict[str, Any]:
        return proxy.maximum_frame(user_id=self.user_id or 0, lot_id=self.lot_id)

    def _place_bid(self, amount: object, key: object) -> engine.BidOutcome:
        """Place a bid as the user the socket's session still authenticates."""
        # Every bid re-checks the session: a logout, a password change or a deactivation
        # ends the bidding at once, even if the news of it never reached this socket.
        checked_at = time.monotonic()
        outcome = engine.place_bid(
            user=self.user,
            lot_id=self.lot_id,
            amount=amount,
            key=key,
            session_key=self.session_key or "",
        )
        seat = self.seat
        if (
            outcome.created
            and seat is not None
            and outcome.bid.participant_number == seat.participant_number
        ):
            # Accepted, it passed what the periodic check asks: the session, the user,
            # and the seat's participant, admitted and fit to bid.
            self.seat_checked_at = checked_at
        return outcome

    async def _resync(self) -> None:
        try:
            if not self.snapshots.take():
                raise DomainError("rate_limited", self._translate(RESYNC_LIMITED))
            # The user's budget too, which its other sockets and the API's state share.
            if self.user_id is not None:
                await sync_to_async(live.spend_snapshot, thread_sensitive=False)(
                    user_id=self.user_id, lot_id=self.lot_id
                )
        except DomainError:
            await self._send(
                {
                    "type": "error",
                    "code": "rate_limited",
                    "message": self._translate(RESYNC_LIMITED),
                }
            )
            return
        await self._send_snapshot()

    async def _watch_session(self) -> None:
        """Re-check the session now and then; the process's keeper renews the slot."""
        if self.slot is not None:
            slot_keeper().keep(self.slot, self.channel_name)
        interval = settings.LIVE_SESSION_CHECK_SECONDS
        # Spread out: sockets opened together must not all re-check together.
        await asyncio.sleep(interval * random.uniform(0.5, 1.0))  # noqa: S311
        while not self.ended:
            try:
                await self._be_present()
                await self._check_session(fresh=False)
            except Exception:
                logger.exception("Lot %s: the periodic session check failed", self.lot_id)
            await asyncio.sleep(interval)

    async def _check_session(self, *, fresh: bool) -> None:
        """End this socket if its session no longer authenticates its user for its seat.

        A periodic check reuses one made by another socket of the process with the same
        session and seat within half an interval; a check asked for by news never does.
        """
        if self.ended or self.seat is None:
            return
        now = time.monotonic()
        if not fresh and now - self.seat_checked_at < settings.LIVE_SESSION_CHECK_SECONDS:
            # An accepted bid checked the seat since the last round: a bidding
            # participant's socket costs no check of its own (they were most of a busy
            # room's queries).
            return
        memo_key = (self.session_key, self.seat)
        recent = _recent_checks.get(memo_key)
        if (
            not fresh
            and recent is not None
            and now - recent[0] < (settings.LIVE_SESSION_CHECK_SECONDS / 2)
        ):
            refusal = recent[1]
        else:
            try:
                await self._call(
                    live.check_seat,
                    session_key=self.session_key,
                    user_id=self.user_id,
                    seat=self.seat,
                )
                refusal = None
            except DomainError as error:
                refusal = error
            if len(_recent_checks) >= RECENT_CHECKS_SIZE:
                _recent_checks.clear()
            _recent_checks[memo_key] = (now, refusal)
        if refusal is not None:
            await self._end(refusal)

    async def _end(self, error: DomainError) -> None:
        """Tell the socket why it ends, then close it with the refusal's code."""
        if self.ended:
            return
        self.ended = True
        await self._send({"type": "error", "code": error.code, "message": error.message})
        code = REFUSAL_CLOSE_CODES.get(error.code, 4400)
        if self.listener is not None:
            # After the frames the hub handed over before it: the close comes last.
            self.listener.emit({"type": "websocket.close", "code": code})
        else:
            await self.close(code=code)

    async def _join_and_send_snapshot(self) -> None:
        """Join the process's hub of the lot, then send the snapshot, then the news.

        The hub is in the lot's group before the snapshot is read, and holds the news
        until the snapshot is sent: no state falls between, none comes before it, and an
        older or repeated one is skipped.
        """
        if self.seat is None:
            return
        self.listener = await fanout.join(
            get_channel_layer(),
            self.lot_id,
            _server_send(self.base_send),
            participant_number=self.seat.participant_number,
            language=self.language,
        )
        try:
            await self._send_snapshot()
            # A two-stage lot's participant gets its own receipt after the snapshot.
            if self.lot_format == "sealed_then_ascending":
                await self._send_own_sealed_bid()
        except BaseException:
            await fanout.leave(self.listener)
            self.listener = None
            raise
        self.listener.release()

    async def _send_snapshot(self) -> None:
        listener = self.listener
        if self.seat is None or listener is None:
            return
        listener.hold()
        try:
            state = await self._call(self.read_state, self.lot_id)
            self.lot_format = state.get("format")
            listener.snapshot(
                live.state_frame(state, self.seat.participant_number), state["version"]
            )
        finally:
            listener.release()

    @staticmethod
    def read_state(lot_id: int) -> dict[str, Any]:
        """Return the lot's state for a snapshot of this socket."""
        return live.lot_state(lot_id)

    async def _send(self, frame: dict[str, Any]) -> None:
        if self.listener is not None:
            # In order with the lot's news the hub writes to this socket.
            self.listener.emit({"type": "websocket.send", "text": live.encode(frame)})
        else:
            await self.send(text_data=live.encode(frame))

    async def _call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a database function in the socket's language, on a sockets' database thread.

        The lot states it broadcasts (a bid's) are sent by this event loop once it is done.
        """
        return await self._run(function, args, kwargs)

    async def _run(
        self,
        function: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        turn: asyncio.Lock | None = None,
    ) -> T:
        """`_call`, holding `turn` (if given) while the database thread works."""
        broadcasts = live.Broadcasts()

        def in_language() -> T:
            with translation.override(self.language), broadcasts.collected():
                return function(*args, **kwargs)

        try:
            async with turn if turn is not None else contextlib.nullcontext():
                return await on_database_thread(in_language)
        finally:
            await broadcasts.send(self._pause_unannounced)

    async def _pause_unannounced(self, lot_id: int) -> None:
        await self._call(engine.pause_unannounced, lot_id)

    def _translate(self, message: Promise) -> str:
        with translation.override(self.language):
            return str(message)


class GalleryConsumer(LotConsumer):
    """One spectator's socket in a lot's public gallery, /ws/lots/<id>/gallery/.

    The room's own socket on the room's own fan-out (its process's hub of the lot, the
    frames encoded once per broadcast), in a watcher's seat: participants by number, never
    "you", and no bid. Anyone may open it, logged in or not, so its limits count by the client's
    address: a few sockets and snapshots each, and snapshots read at most once a second
    per process (`live.gallery_state`), so that thousands of spectators cost the bidders
    next to nothing.
    """

    address: str = ""
    # A spectator gets no news of its own (no session, no user): no channel-layer channel
    # per socket (an alias no layer has), so Channels neither subscribes one in Redis nor
    # keeps a task receiving on it. The lot's news comes from the process's hub.
    channel_layer_alias = "spectators-need-no-channel"

    async def connect(self) -> None:
        self.lot_id = int(self.scope["url_route"]["kwargs"]["lot_id"])
        self.language = _language_of(self.scope)
        self.snapshots = TokenBucket(settings.RESYNC_RATE_LIMIT)
        self.address = _client_address(self.scope)
        # What the socket slots know it by, in place of a channel's name.
        self.channel_name = f"spectator!{uuid.uuid4().hex}"
        await self.accept()
        # Before anything that costs the database: a flood of sockets is refused here.
        self.slot = await sync_to_async(ratelimit.claim_slot, thread_sensitive=False)(
            f"gallery-sockets:{self.lot_id}:{self.address}",
            self.channel_name,
            slots=settings.GALLERY_SOCKETS_PER_IP,
            ttl=settings.LIVE_SESSION_CHECK_SECONDS * SLOT_RENEWALS_MISSED,
        )
        if self.slot is None:
            await self._end(
                DomainError("too_many_sockets", self._translate(TOO_MANY_GALLERY_SOCKETS))
            )
            return
        try:
            await self._spend_snapshot()
            self.seat = await self._call(live.take_spectator_seat, lot_id=self.lot_id)
        except DomainError as error:
            await self._end(error)
            return
        await self._join_and_send_snapshot()
        self.watcher = asyncio.create_task(self._watch_session())

    @staticmethod
    def read_state(lot_id: int) -> dict[str, Any]:
        """Return the lot's state for a spectator's snapshot, shared for a second."""
        return live.gallery_state(lot_id)

    async def _bid(self, message: dict[str, Any]) -> None:
        await self._refuse(message, "error")

    async def _sealed_bid(self, message: dict[str, Any]) -> None:
        # A spectator seals nothing either: the same answer as to a bid.
        await self._refuse(message, "error")

    async def _set_maximum(self, message: dict[str, Any]) -> None:
        await self._refuse(message, "maximum_rejected")

    async def _refuse(self, message: dict[str, Any], kind: str) -> None:
        """Answer a spectator's bid, sealed bid or maximum: the gallery only watches."""
        key = message.get("key")
        await self._send(
            {
                "type": kind,
                "code": "not_admitted",
                "key": key if isinstance(key, str) else None,
                "message": self._translate(SPECTATORS_DO_NOT_BID),
            }
        )

    async def _resync(self) -> None:
        try:
            if not self.snapshots.take():
                raise DomainError("rate_limited", self._translate(RESYNC_LIMITED))
            await self._spend_snapshot()
        except DomainError:
            await self._send(
                {
                    "type": "error",
                    "code": "rate_limited",
                    "message": self._translate(RESYNC_LIMITED),
                }
            )
            return
        await self._send_snapshot()

    async def _spend_snapshot(self) -> None:
        await sync_to_async(live.spend_gallery_snapshot, thread_sensitive=False)(
            address=self.address, lot_id=self.lot_id
        )

    async def _check_session(self, *, fresh: bool) -> None:
        """End this socket if staff closed the event's gallery since it opened.

        Every spectator of the lot in this process shares one check per half interval.
        """
        if self.ended or self.seat is None:
            return
        # Never a session key: those are 32 random characters.
        memo_key = ("gallery", self.seat)
        now = time.monotonic()
        recent = _recent_checks.get(memo_key)
        if recent is not None and now - recent[0] < (settings.LIVE_SESSION_CHECK_SECONDS / 2):
            refusal = recent[1]
        else:
            try:
                await self._call(live.take_spectator_seat, lot_id=self.lot_id)
                refusal = None
            except DomainError as error:
                refusal = error
            if len(_recent_checks) >= RECENT_CHECKS_SIZE:
                _recent_checks.clear()
            _recent_checks[memo_key] = (now, refusal)
        if refusal is not None:
            await self._end(refusal)


def _client_address(scope: dict[str, Any]) -> str:
    """Return the client's IP address as HTTP's limits count it (core.lockout): the peer's,
    or the TLS proxy's word for it (uvicorn's --proxy-headers puts it in the scope), or,
    with PROXY_COUNT set, X-Forwarded-For's that many hops from the right. Without that,
    behind such proxies every spectator would be the proxy, one address for all."""
    client = scope.get("client")
    forwarded = ",".join(
        value.decode("latin-1")
        for name, value in scope.get("headers", [])
        if name == b"x-forwarded-for"
    )
    return address_behind_proxies(str(client[0]) if client else "", forwarded) or "unknown"


def _server_send(send: Callable[..., Any]) -> Callable[..., Any]:
    """Return the server's own send beneath Channels' session wrappers, for a socket's frames.

    The wrapper saves a changed session before an HTTP response only; before each of a
    socket's frames it only looked the session up through its lazy proxy: 1% of a web
    process's time in the 50 lots' profile, for nothing (bench/RESULTS.md). A socket never
    changes its session.
    """
    while isinstance(wrapper := getattr(send, "__self__", None), InstanceSessionWrapper):
        send = wrapper.real_send
    return send


def _close_if_broken() -> None:
    """Close this thread's connection if it saw an error or was left in a transaction; the
    next call opens a fresh one."""
    if connection.connection is not None and (
        connection.errors_occurred
        or not connection.get_autocommit()
        or sql.in_server_transaction(connection)
    ):
        connection.close()


def close_database_thread_connection() -> None:
    """Close the sockets' database threads' connections (tests end with it, as the
    server's process does)."""
    DATABASE_THREADS.close_connections()
    HANDSHAKE_THREADS.close_connections()


def _language_of(scope: dict[str, Any]) -> str:
    """Return the socket's language: ?lang=, else the language cookie, else the default."""
    query = scope.get("query_string", b"").decode("latin-1")
    candidates = parse_qs(query).get("lang", [])
    cookies = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            with contextlib.suppress(CookieError):
                cookies.load(value.decode("latin-1"))
    if settings.LANGUAGE_COOKIE_NAME in cookies:
        candidates.append(cookies[settings.LANGUAGE_COOKIE_NAME].value)
    for candidate in candidates:
        try:
            return translation.get_supported_language_variant(candidate)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE
