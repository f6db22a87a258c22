"""The lot's news, fanned out once per process to all of its local sockets.

Each web process (each event loop of it) subscribes once to a lot's channel-layer group
while it holds sockets of that lot: a `LotHub` with a channel of its own, joined to
`live.group_name(lot_id)`, counted by its sockets' `Listener`s and left when the last of
them goes. A broadcast arrives already encoded (`live.state_message`): the hub picks each
socket's frame (the leader's own or everyone else's) and hands it to the server's ASGI
send, without a decode, a queue, a task or a dispatch per socket. Channels' path per
socket carried each message through all four, which cost most of the fan-out's CPU
(bench/RESULTS.md, "Fan-out").
"""

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Generator
from typing import Any

from django.utils import translation

from auctions import live

logger = logging.getLogger(__name__)

Send = Callable[[dict[str, Any]], Awaitable[None]]
# A socket this many messages behind its server's buffer stops reading: it is closed
# (1013, try again later) rather than held in memory, and its page reconnects and gets a
# snapshot. At 5 bids/s that is 20 s of states.
BACKLOG_LIMIT = 100
TRY_AGAIN_LATER = 1013


class Listener:
    """One socket of a lot as its process's hub sees it: what it was sent and how to write
    to it, in order, without ever making the hub wait."""

    __slots__ = (
        "backlog",
        "closed",
        "held",
        "held_frames",
        "hub",
        "language",
        "participant_number",
        "send",
        "version",
        "writer",
    )

    def __init__(
        self, hub: "LotHub", send: Send, *, participant_number: int | None, language: str
    ) -> None:
        self.hub = hub
        self.send = send
        self.participant_number = participant_number
        self.language = language
        # The version of the last state this socket was given: an older or repeated one
        # from the hub is skipped.
        self.version = -1
        # Held while its snapshot is read or its bid placed: the news waits, so the
        # snapshot comes first and the bid's reply before the state it made.
        self.held = 1
        self.held_frames: list[tuple[str, int | None]] = []
        # Messages waiting behind a write the server has not finished (its buffer is full).
        self.backlog: deque[dict[str, Any]] = deque()
        self.writer: asyncio.Future[None] | None = None
        self.closed = False

    def hold(self) -> None:
        """Keep the lot's news back until `release`."""
        self.held += 1

    def release(self) -> None:
        """Send the news kept back, newer states only."""
        self.held -= 1
        if self.held == 0 and self.held_frames:
            frames, self.held_frames = self.held_frames, []
            for text, version in frames:
                self.deliver(text, version)

    def snapshot(self, text: str, version: int) -> None:
        """Send a state read for this socket, unless it already has a newer one."""
        if version < self.version:
            return
        self.version = version
        self.emit({"type": "websocket.send", "text": text})

    def deliver(self, text: str, version: int | None) -> None:
        """Send a frame of the lot's news; a state only if newer than what it has."""
        if self.closed:
            return
        if self.held:
            self.held_frames.append((text, version))
            return
        if version is not None:
            if version <= self.version:
                return
            self.version = version
        self.emit({"type": "websocket.send", "text": text})

    def emit(self, message: dict[str, Any]) -> None:
        """Hand an ASGI message to the server after those before it; never wait for it."""
        if self.closed:
            return
        if message["type"] == "websocket.close":
            self.closed = True
        if self.writer is not None:
            if len(self.backlog) >= BACKLOG_LIMIT:
                self._fall_behind()
            else:
                self.backlog.append(message)
            return
        # uvicorn's sans-I/O websocket writes to the transport at once unless its buffer is
        # above the high-water mark (then it waits for it to drain), and the legacy
        # `websockets` one always waits for the drain: step the send by hand, and only a
        # write that must wait gets a task that finishes it and the backlog behind it.
        step = self.send(message).__await__()
        try:
            waiting_for = step.send(None)
        except StopIteration:
            return
        except Exception:
            self._lose()
            return
        self.writer = asyncio.ensure_future(self._finish(step, waiting_for))

    async def _finish(self, step: Generator[Any, None, None], waiting_for: Any) -> None:
        try:
            await _Resumed(step, waiting_for)
            while self.backlog:
                await self.send(self.backlog.popleft())
        except Exception:
            self._lose()
        finally:
            self.writer = None

    def _fall_behind(self) -> None:
        logger.warning("Lot %s: a socket fell behind and is closed", self.hub.lot_id)
        self.backlog.clear()
        self.backlog.append({"type": "websocket.close", "code": TRY_AGAIN_LATER})
        self.closed = True

    def _lose(self) -> None:
        """Stop writing to a socket the server says is gone; its disconnect follows."""
        self.closed = True
        self.backlog.clear()
        self.held_frames.clear()


class _Resumed:
    """The rest of an awaitable already stepped once by hand, to be awaited in a task."""

    def __init__(self, step: Generator[Any, None, None], waiting_for: Any) -> None:
        self.step = step
        self.waiting_for = waiting_for

    def __await__(self) -> Generator[Any, None, None]:
        # What `yield from` does, from the second step on.
        step, waiting_for = self.step, self.waiting_for
        while True:
            try:
                sent = yield waiting_for
            except GeneratorExit:
                step.close()
                raise
            except BaseException as error:
                try:
                    waiting_for = step.throw(error)
                except StopIteration:
                    return
            else:
                try:
                    waiting_for = step.send(sent)
                except StopIteration:
                    return


class LotHub:
    """A process's one subscription to a lot's news, shared by its sockets of the lot."""

    def __init__(self, layer: Any, lot_id: int, key: tuple[Any, ...]) -> None:
        self.layer = layer
        self.lot_id = lot_id
        self.key = key
        self.listeners: dict[Listener, None] = {}
        self.channel = ""
        self.reader: asyncio.Task[None] | None = None
        self.subscription: asyncio.Task[None] = asyncio.ensure_future(self._subscribe())

    async def _subscribe(self) -> None:
        try:
            self.channel = await self.layer.new_channel("lot-hub.")
            await self.layer.group_add(live.group_name(self.lot_id), self.channel)
        except BaseException:
            # The next socket of the lot tries again with a hub of its own.
            if _hubs.get(self.key) is self:
                del _hubs[self.key]
            raise
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        # Neither a hiccup of the layer nor one bad message may end the lot's news for every
        # socket of the process; a state lost meanwhile is caught up by the heartbeat.
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except Exception:
                logger.exception("Lot %s: receiving the news failed", self.lot_id)
                await asyncio.sleep(0.1)
                continue
            try:
                self.publish(message)
            except Exception:
                logger.exception("Lot %s: the news %r failed", self.lot_id, message.get("type"))

    def publish(self, message: dict[str, Any]) -> None:
        """Write one message of the lot's news to every local socket of the lot."""
        kind = message["type"]
        listeners = tuple(self.listeners)
        if kind == "lot.state":
            if "frame" not in message:
                # A process not yet upgraded sends the state itself.
                message = live.state_message(message["state"])
            frame, leader_frame = message["frame"], message["leader_frame"]
            leader, version = message["leader_number"], message["version"]
            for listener in listeners:
                if leader is not None and listener.participant_number == leader:
                    listener.deliver(leader_frame, version)
                else:
                    listener.deliver(frame, version)
        elif kind == "lot.heartbeat":
            frame = message.get("frame") or live.encode(
                {
                    "type": "heartbeat",
                    "lot": message["lot"],
                    "version": message["version"],
                    "server_time": message["server_time"],
                }
            )
            for listener in listeners:
                listener.deliver(frame, None)
        elif kind == "lot.closed":
            # Rare, and told in each socket's language and seat: one frame per such pair.
            frames: dict[tuple[str, int | None], str] = {}
            for listener in listeners:
                seat = (listener.language, listener.participant_number)
                if seat not in frames:
                    with translation.override(listener.language):
                        frames[seat] = live.encode(
                            live.closed_frame(
                                message["state"], message["outcome"], listener.participant_number
                            )
                        )
                listener.deliver(frames[seat], None)
        else:
            logger.warning("Lot %s: unknown news %r", self.lot_id, kind)

    async def _stop(self) -> None:
        if not self.subscription.done():
            await asyncio.wait([self.subscription])
        if self.subscription.cancelled() or self.subscription.exception() is not None:
            return
        try:
            await self.layer.group_discard(live.group_name(self.lot_id), self.channel)
        finally:
            if self.reader is not None:
                self.reader.cancel()


# The hubs of this process: one per event loop, channel layer and lot.
_hubs: dict[tuple[Any, ...], LotHub] = {}


async def join(
    layer: Any, lot_id: int, send: Send, *, participant_number: int | None, language: str
) -> Listener:
    """Add a socket to its process's hub of the lot, subscribing it first if need be.

    Returns once the hub is in the lot's group, with the socket held: read its snapshot,
    send it with `Listener.snapshot`, then `release` it. No state falls between.
    """
    key = (asyncio.get_running_loop(), layer, lot_id)
    hub = _hubs.get(key)
    if hub is None:
        hub = _hubs[key] = LotHub(layer, lot_id, key)
    listener = Listener(hub, send, participant_number=participant_number, language=language)
    hub.listeners[listener] = None
    try:
        await asyncio.shield(hub.subscription)
    except BaseException:
        await leave(listener)
        raise
    return listener


async def leave(listener: Listener) -> None:
    """Take a socket out of its hub; the last one out leaves the lot's group."""
    listener.closed = True
    hub = listener.hub
    hub.listeners.pop(listener, None)
    if not hub.listeners:
        if _hubs.get(hub.key) is hub:
            del _hubs[hub.key]
        await hub._stop()


def hub_of(layer: Any, lot_id: int) -> LotHub | None:
    """Return this event loop's hub of the lot on the layer, if it has local sockets."""
    return _hubs.get((asyncio.get_running_loop(), layer, lot_id))
