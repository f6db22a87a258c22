"""The load generator: websocket bidders and watchers speaking DESIGN.md section 4.

It runs in its own process (`python -m bench.load < spec.json`, the result as JSON on
stdout) so it never shares the server's event loop, and imports nothing of Django. All
times come from time.monotonic(), one system-wide clock on Linux.
"""

import asyncio
import contextlib
import functools
import json
import math
import os
import random
import re
import signal
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import uvloop
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

REPLY_TIMEOUT = 30.0
# Watchers read only these two numbers of a frame: decoding 2,000 frames a bid in full
# would make the client, not the server, the thing measured.
# Either JSON spacing: the server may encode with json.dumps or a compact encoder.
VERSION = re.compile(r'"version":\s*(\d+)')
BID_COUNT = re.compile(r'"bid_count":\s*(\d+)')
CLOSED = re.compile(r'"type":\s*"closed"')


PERCENTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}


def percentile(values: Sequence[float], share: float) -> float | None:
    """Return the nearest-rank percentile (share in 0..1) of the values, None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def milliseconds(values: Sequence[float]) -> dict[str, float | None]:
    """Return p50/p95/p99 of durations in seconds, in milliseconds."""
    figures = {name: percentile(values, share) for name, share in PERCENTILES.items()}
    return {name: None if value is None else value * 1000 for name, value in figures.items()}


async def open_socket(
    url: str,
    *,
    origin: str,
    session: str | None,
    compression: bool,
    address: str | None = None,
) -> ClientConnection:
    """Open a lot's websocket logged in by the session cookie, as a browser would; without a
    session, as an anonymous visitor from `address` (as the TLS proxy reports it)."""
    headers = {"Cookie": f"sessionid={session}"} if session else {}
    if address:
        headers["X-Forwarded-For"] = address
    return await connect(
        url,
        origin=Origin(origin),
        additional_headers=headers,
        compression="deflate" if compression else None,
        proxy=None,
        ping_interval=None,
        open_timeout=60,
        max_queue=None,
    )


class Room:
    """One bidder's socket: the newest state it was sent and the replies to its bids."""

    def __init__(self, websocket: ClientConnection) -> None:
        self.websocket = websocket
        self.state: dict[str, Any] = {"version": -1}
        # When the state of each bid count first arrived.
        self.arrived: dict[int, float] = {}
        # When a state first listed each automatic bid (placed for a maximum), by sequence.
        self.automatic: dict[int, float] = {}
        self.news = asyncio.Condition()
        self.replies: dict[str, asyncio.Future[dict[str, Any]]] = {}
        # When (wall clock) the socket was told its lot closed.
        self.closed_at: float | None = None
        self.reader = asyncio.create_task(self._read())

    @property
    def version(self) -> int:
        return int(self.state["version"])

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self._read_frames()

    async def _read_frames(self) -> None:
        async for text in self.websocket:
            frame = json.loads(text)
            if frame["type"] == "state":
                now = time.monotonic()
                self.arrived.setdefault(frame["bid_count"], now)
                for listed in frame["recent_bids"]:
                    if listed.get("automatic"):
                        self.automatic.setdefault(listed["sequence"], now)
                # Broadcasts may arrive out of order; the newest version wins.
                if frame["version"] > self.version:
                    self.state = frame
                async with self.news:
                    self.news.notify_all()
            elif frame["type"] in {"bid_accepted", "bid_rejected"}:
                reply = self.replies.pop(frame["key"], None)
                if reply is not None:
                    reply.set_result(frame)
            elif frame["type"] == "closed" and self.closed_at is None:
                self.closed_at = time.time()

    async def wait_until(self, condition: Callable[[], bool], *, timeout: float = 10.0) -> bool:
        """Wait for a state that meets the condition; say whether one came in time."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout), self.news:
                await self.news.wait_for(condition)
        return condition()

    async def bid(self, amount: Decimal) -> dict[str, Any]:
        """Send a bid and return the server's bid_accepted or bid_rejected."""
        key = str(uuid.uuid4())
        reply = self.replies[key] = asyncio.get_running_loop().create_future()
        await self.websocket.send(
            json.dumps({"type": "bid", "amount": f"{amount:.2f}", "key": key})
        )
        async with asyncio.timeout(REPLY_TIMEOUT):
            return await reply


def _has_bid_count(room: Room, count: int) -> bool:
    return int(room.state["bid_count"]) >= count


def _is_newer(room: Room, version: int) -> bool:
    return room.version > version


def _is_not_leading(room: Room) -> bool:
    return bool(room.state["leader"] != "you")


def _has_arrived(room: Room, count: int) -> bool:
    return count in room.arrived


@dataclass
class Tally:
    """Bid outcomes whose reply arrived inside the measured window."""

    window_start: float
    window_end: float
    outcomes: Counter[str] = field(default_factory=Counter)
    round_trips: list[float] = field(default_factory=list)

    def record(self, reply: dict[str, Any], sent: float) -> None:
        received = time.monotonic()
        if not self.window_start <= received < self.window_end:
            return
        outcome = "accepted" if reply["type"] == "bid_accepted" else reply["code"]
        self.outcomes[outcome] += 1
        if outcome == "accepted":
            self.round_trips.append(received - sent)


async def bid_as_fast_as_allowed(room: Room, *, step: Decimal, until: float, tally: Tally) -> None:
    """Outbid the leader whenever this bidder is not it, at the last minimum it saw.

    One bid in flight per bidder, like a person at a button; a random zero to two extra
    steps spreads concurrent bids, as real bidders do.
    """
    await room.wait_until(lambda: room.version >= 0)
    while time.monotonic() < until:
        state = room.state
        if state["leader"] == "you":
            await room.wait_until(lambda: room.state["leader"] != "you", timeout=1.0)
            continue
        amount = Decimal(state["min_next_bid"]) + step * random.randint(0, 2)  # noqa: S311
        sent = time.monotonic()
        reply = await room.bid(amount)
        tally.record(reply, sent)
        if reply["type"] == "bid_accepted":
            # Decide the next move on the state this bid made, not an older one.
            sequence = reply["sequence"]
            await room.wait_until(functools.partial(_has_bid_count, room, sequence))
        elif reply["code"] in {"too_low", "already_leading"}:
            # Someone else moved the price: bid again on the state that says by how much.
            seen = state["version"]
            await room.wait_until(functools.partial(_is_newer, room, seen), timeout=1.0)
        elif reply["code"] == "rate_limited":
            await asyncio.sleep(0.01)
        else:
            await asyncio.sleep(0.1)


async def run_bidding(spec: dict[str, Any]) -> dict[str, Any]:
    """Bidders on their lots for warmup + duration seconds; count what was accepted."""
    rooms = [
        Room(
            await open_socket(
                url, origin=spec["origin"], session=session, compression=spec["compression"]
            )
        )
        for url, session in spec["sockets"]
    ]
    start = time.monotonic()
    window_start = start + spec["warmup"]
    tally = Tally(window_start=window_start, window_end=window_start + spec["duration"])
    cpu_before = _cpu_seconds()

    async def profile_window() -> None:
        await asyncio.sleep(spec["warmup"])
        async with profiling(spec, spec["name"]):
            await asyncio.sleep(spec["duration"])

    await asyncio.gather(
        profile_window(),
        *(
            bid_as_fast_as_allowed(
                room, step=Decimal(spec["bid_step"]), until=tally.window_end, tally=tally
            )
            for room in rooms
        ),
    )
    elapsed = time.monotonic() - start
    client_cpu = (_cpu_seconds() - cpu_before) / elapsed
    await asyncio.gather(*(room.websocket.close() for room in rooms))
    # The engine's automatic bids (proxy bids) answer no socket: counted from the states,
    # each by when a bidder first saw it.
    automatic: dict[int, float] = {}
    for room in rooms:
        for sequence, seen in room.automatic.items():
            automatic[sequence] = min(seen, automatic.get(sequence, seen))
    answered = sum(tally.window_start <= seen < tally.window_end for seen in automatic.values())
    return {
        "sockets": len(rooms),
        "duration": spec["duration"],
        "accepted_per_second": tally.outcomes["accepted"] / spec["duration"],
        "automatic_per_second": answered / spec["duration"],
        "chain_bids_per_second": (tally.outcomes["accepted"] + answered) / spec["duration"],
        "outcomes": dict(tally.outcomes),
        "bid_round_trip_ms": milliseconds(tally.round_trips),
        "client_cpu_share": client_cpu,
    }


@dataclass
class Arrivals:
    """When each watcher got the state of each bid (by bid count), and any disorder."""

    times: defaultdict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    stale_or_repeated: int = 0
    # States that skipped a bid count: a watcher that saw 7 then 9 missed 8's state.
    gaps: int = 0
    connected: int = 0
    # The largest state frame seen, in bytes of its text: the frames compared are alike.
    frame_bytes: int = 0


async def watch(websocket: ClientConnection, arrivals: Arrivals, ready: asyncio.Event) -> None:
    """Record the arrival of every state frame on one watcher's socket."""
    with contextlib.suppress(ConnectionClosed):
        await _watch_frames(websocket, arrivals, ready)


async def _watch_frames(
    websocket: ClientConnection, arrivals: Arrivals, ready: asyncio.Event
) -> None:
    version = count = -1
    async for message in websocket:
        received = time.monotonic()
        text = message if isinstance(message, str) else message.decode()
        found_version, found_count = VERSION.search(text), BID_COUNT.search(text)
        if found_version is None or found_count is None:
            continue
        if version < 0:
            arrivals.connected += 1
            ready.set()
        elif int(found_version[1]) <= version:
            arrivals.stale_or_repeated += 1
        elif int(found_count[1]) > count + 1:
            arrivals.gaps += 1
        version = max(version, int(found_version[1]))
        count = max(count, int(found_count[1]))
        arrivals.frame_bytes = max(arrivals.frame_bytes, len(text.encode()))
        arrivals.times[int(found_count[1])].append(received)


async def run_fanout(spec: dict[str, Any]) -> dict[str, Any]:
    """For each watcher count, steady bids on one lot; time each state's delivery to all.

    With several `urls` (servers serving the same lot) the watchers are spread over them in
    turn, and so are the bidders; each server's watchers are also timed on their own.
    """
    origin, compression = spec["origin"], spec["compression"]
    urls: list[str] = spec.get("urls") or [spec["url"]]
    # Each server checks the Origin against its own address.
    origins: list[str] = spec.get("origins") or [origin] * len(urls)
    bidders = [
        Room(
            await open_socket(
                urls[index % len(urls)],
                origin=origins[index % len(urls)],
                session=s,
                compression=compression,
            )
        )
        for index, s in enumerate(spec["bidder_sessions"])
    ]
    await bidders[0].wait_until(lambda: bidders[0].version >= 0)
    step = Decimal(spec["bid_step"])
    next_amount = Decimal(bidders[0].state["min_next_bid"])
    groups = [Arrivals() for _ in urls]
    watchers: list[ClientConnection] = []
    readers: list[asyncio.Task[None]] = []
    opening = asyncio.Semaphore(50)

    async def add_watcher(index: int) -> None:
        async with opening:
            websocket = await open_socket(
                urls[index % len(urls)],
                origin=origins[index % len(urls)],
                session=spec["watcher_session"],
                compression=compression,
            )
            ready = asyncio.Event()
            readers.append(asyncio.create_task(watch(websocket, groups[index % len(urls)], ready)))
            watchers.append(websocket)
            await ready.wait()

    results = []
    # The lot may have a leader from an earlier scenario: it is not the first to bid.
    turn = 1 if bidders[0].state["leader"] == "you" else 0
    pids: list[int] = spec.get("rss_pids", [])
    for count in spec["watchers"]:
        opened = time.monotonic()
        await asyncio.gather(*(add_watcher(index) for index in range(len(watchers), count)))
        connect_seconds = time.monotonic() - opened
        await asyncio.sleep(1.0)
        rss_connected = resident_mib(pids)
        sent_at: dict[int, float] = {}
        refused: Counter[str] = Counter()
        cpu_before, start = _cpu_seconds(), time.monotonic()
        async with profiling(spec, f"{spec.get('name', 'fanout')}-{count}"):
            for index in range(spec["bids"]):
                await asyncio.sleep(max(0.0, start + index / spec["rate"] - time.monotonic()))
                # Two bidders take turns: the one who did not bid last is never the leader.
                bidder = bidders[turn % len(bidders)]
                sent = time.monotonic()
                reply = await bidder.bid(next_amount)
                if reply["type"] == "bid_accepted":
                    sent_at[reply["sequence"]] = sent
                    next_amount += step
                    turn += 1
                else:
                    refused[reply["code"]] += 1
                    if reply["code"] == "already_leading":
                        turn += 1
                    await bidder.wait_until(functools.partial(_is_not_leading, bidder), timeout=1)
                    next_amount = Decimal(bidder.state["min_next_bid"])
            deadline = time.monotonic() + spec["settle"]
            while time.monotonic() < deadline and any(
                sum(len(group.times[sequence]) for group in groups) < count for sequence in sent_at
            ):
                await asyncio.sleep(0.05)
        client_cpu = (_cpu_seconds() - cpu_before) / (time.monotonic() - start)
        figures = _delivery_figures(groups, sent_at, count=count)
        results.append(
            {
                "watchers": count,
                "bids": len(sent_at),
                "refused": dict(refused),
                "connect_seconds": connect_seconds,
                **figures,
                "per_server": (
                    [
                        {"url": url, **_delivery_figures([group], sent_at, count=None)}
                        for url, group in zip(urls, groups, strict=True)
                    ]
                    if len(urls) > 1
                    else []
                ),
                "rss_mib_connected": rss_connected,
                "rss_mib_after_bids": resident_mib(pids),
                "sockets_per_process": socket_counts(pids, spec.get("server_ports", [])),
                "client_cpu_share": client_cpu,
            }
        )
        for group in groups:
            group.times.clear()
    for reader in readers:
        reader.cancel()
    await asyncio.gather(
        *(w.close() for w in [*watchers, *(b.websocket for b in bidders)]),
        return_exceptions=True,
    )
    return {"rate": spec["rate"], "per_watcher_count": results}


def _delivery_figures(
    groups: list[Arrivals], sent_at: dict[int, float], *, count: int | None
) -> dict[str, Any]:
    """Return how the bids' states reached the watchers of the groups: to all of them (the
    last one's arrival), per delivery, and what was missed or out of order.

    `count` is how many watchers there are; None: as many as connected in the groups.
    """
    watchers = sum(group.connected for group in groups) if count is None else count
    to_all: list[float] = []
    deliveries: list[float] = []
    incomplete = 0
    for sequence, sent in sent_at.items():
        times = [moment for group in groups for moment in group.times.get(sequence, [])]
        deliveries.extend(received - sent for received in times)
        if len(times) >= watchers:
            to_all.append(max(times) - sent)
        else:
            incomplete += 1
    return {
        "connected": sum(group.connected for group in groups),
        "incomplete_bids": incomplete,
        "deliveries": len(deliveries),
        # Of every (watcher, bid) state that should have arrived.
        "delivered_percent": (
            100.0 * len(deliveries) / (watchers * len(sent_at)) if watchers and sent_at else None
        ),
        "all_watchers_ms": milliseconds(to_all),
        "per_delivery_ms": milliseconds(deliveries),
        "stale_or_repeated_frames": sum(group.stale_or_repeated for group in groups),
        "gaps": sum(group.gaps for group in groups),
        "frame_bytes": max((group.frame_bytes for group in groups), default=0),
    }


def resident_mib(pids: list[int]) -> dict[str, float | None]:
    """Return each process's resident memory (VmRSS) in MiB, None for one that is gone."""
    sizes: dict[str, float | None] = {}
    for pid in pids:
        sizes[str(pid)] = None
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes[str(pid)] = int(line.split()[1]) / 1024
    return sizes


def socket_counts(pids: list[int], ports: list[int]) -> dict[str, int]:
    """Return how many established TCP connections to the ports each process holds."""
    wanted = {f"{port:04X}" for port in ports}
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                # local address "0100007F:1F90", state 01 = ESTABLISHED, inode in field 9.
                if fields[1].rpartition(":")[2] in wanted and fields[3] == "01":
                    inodes.add(f"socket:[{fields[9]}]")
    counts = {}
    for pid in pids:
        held = 0
        with contextlib.suppress(OSError):
            for descriptor in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    held += os.readlink(descriptor) in inodes
        counts[str(pid)] = held
    return counts


async def run_closing(spec: dict[str, Any]) -> dict[str, Any]:
    """Lots about to end together: bidders and watchers on each, one bid per lot; then,
    told the shared end time (a line on stdin), time every socket's `closed` frame."""
    origin, compression = spec["origin"], spec["compression"]
    opening = asyncio.Semaphore(50)
    closed_at: list[float] = []
    # Lots (by their place in `urls`) of the watchers told, and watchers the server dropped.
    watchers_told: Counter[int] = Counter()
    dropped: list[int] = []
    lot_rooms: list[list[Room]] = []
    watchers: list[ClientConnection] = []
    readers: list[asyncio.Task[None]] = []

    async def open_room(url: str, session: str) -> Room:
        async with opening:
            return Room(
                await open_socket(url, origin=origin, session=session, compression=compression)
            )

    async def add_watcher(index: int, url: str) -> None:
        async with opening:
            websocket = await open_socket(
                url, origin=origin, session=spec["watcher_session"], compression=compression
            )
        watchers.append(websocket)
        readers.append(
            asyncio.create_task(
                watch_close(websocket, closed_at, index=index, told=watchers_told, dropped=dropped)
            )
        )

    for url in spec["urls"]:
        lot_rooms.append(
            list(await asyncio.gather(*(open_room(url, s) for s in spec["bidder_sessions"])))
        )
    await asyncio.gather(
        *(
            add_watcher(index, url)
            for index, url in enumerate(spec["urls"])
            for _ in range(spec["watchers_per_lot"])
        )
    )
    rooms = [room for group in lot_rooms for room in group]

    async def bid_once(group: list[Room]) -> str:
        room = group[0]
        await room.wait_until(lambda: room.version >= 0)
        reply = await room.bid(Decimal(room.state["min_next_bid"]))
        return "accepted" if reply["type"] == "bid_accepted" else str(reply["code"])

    outcomes = Counter(await asyncio.gather(*(bid_once(group) for group in lot_rooms)))
    sockets = len(rooms) + len(watchers)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    ends_at = float(line)
    ready_before_end = time.time() < ends_at
    deadline = ends_at + spec["timeout"]

    def told() -> list[float]:
        return closed_at + [room.closed_at for room in rooms if room.closed_at is not None]

    while len(told()) < sockets and time.time() < deadline:
        await asyncio.sleep(0.05)
    after_end = [moment - ends_at for moment in told()]
    per_lot = len(spec["bidder_sessions"]) + spec["watchers_per_lot"]
    not_told = {
        spec["urls"][index]: missing
        for index, group in enumerate(lot_rooms)
        if (
            missing := per_lot
            - watchers_told[index]
            - sum(1 for room in group if room.closed_at is not None)
        )
    }
    for reader in readers:
        reader.cancel()
    await asyncio.gather(
        *(w.close() for w in [*watchers, *(r.websocket for r in rooms)]), return_exceptions=True
    )
    return {
        "lots": len(spec["urls"]),
        "sockets": sockets,
        "bids": dict(outcomes),
        "ready_before_end": ready_before_end,
        "closed_frames": len(after_end),
        "last_closed_frame_seconds": max(after_end) if after_end else None,
        "closed_frame_ms": milliseconds(after_end),
        # Where sockets were not told: lot URL -> how many; and watchers the server closed.
        "sockets_not_told_by_lot": not_told,
        "watchers_dropped_before_told": len(dropped),
    }


async def watch_close(
    websocket: ClientConnection,
    closed_at: list[float],
    *,
    index: int,
    told: Counter[int],
    dropped: list[int],
) -> None:
    """Record (wall-clock time) when the socket is told its lot closed."""
    try:
        async for message in websocket:
            text = message if isinstance(message, str) else message.decode()
            if CLOSED.search(text):
                closed_at.append(time.time())
                told[index] += 1
                return
    except ConnectionClosed:
        pass
    dropped.append(index)


async def paced_bids(
    bidders: list[Room], *, bids: int, rate: float, step: Decimal, settle: float
) -> dict[str, Any]:
    """Bidders take turns at `rate` bids/s; time each bid to its bidder's ack and to the
    bidder's own socket getting the state of that bid."""
    to_ack: list[float] = []
    to_state: list[float] = []
    sent_at: dict[int, float] = {}
    refused: Counter[str] = Counter()
    turn = 0
    bidder = bidders[0]
    await bidder.wait_until(lambda: bidder.version >= 0)
    next_amount = Decimal(bidder.state["min_next_bid"])
    start = time.monotonic()
    for index in range(bids):
        await asyncio.sleep(max(0.0, start + index / rate - time.monotonic()))
        # Taking turns: the one who bid last is never the next, so never the leader.
        bidder = bidders[turn % len(bidders)]
        sent = time.monotonic()
        reply = await bidder.bid(next_amount)
        if reply["type"] != "bid_accepted":
            refused[reply["code"]] += 1
            await bidder.wait_until(functools.partial(_is_not_leading, bidder), timeout=1)
            next_amount = Decimal(bidder.state["min_next_bid"])
            continue
        to_ack.append(time.monotonic() - sent)
        sequence = reply["sequence"]
        sent_at[sequence] = sent
        if await bidder.wait_until(
            functools.partial(_has_arrived, bidder, sequence), timeout=settle
        ):
            to_state.append(bidder.arrived[sequence] - sent)
        next_amount += step
        turn += 1
    return {
        "bids": len(to_ack),
        "refused": dict(refused),
        "ack_ms": milliseconds(to_ack),
        "own_state_ms": milliseconds(to_state),
        "states_missing": len(to_ack) - len(to_state),
        "seconds": time.monotonic() - start,
        "sent_at": sent_at,
    }


async def run_spectators(spec: dict[str, Any]) -> dict[str, Any]:
    """Bidders on one lot, timed without spectators, with them, and without them again."""
    origin, compression = spec["origin"], spec["compression"]
    step = Decimal(spec["bid_step"])
    bidders = [
        Room(await open_socket(spec["url"], origin=origin, session=s, compression=compression))
        for s in spec["bidder_sessions"]
    ]

    async def phase(name: str) -> dict[str, Any]:
        cpu_before, start = _cpu_seconds(), time.monotonic()
        async with profiling(spec, f"spectators-{name}"):
            figures = await paced_bids(
                bidders, bids=spec["bids"], rate=spec["rate"], step=step, settle=spec["settle"]
            )
        figures["client_cpu_share"] = (_cpu_seconds() - cpu_before) / (time.monotonic() - start)
        sent_at.update(figures.pop("sent_at"))
        return figures

    sent_at: dict[int, float] = {}

    results: dict[str, Any] = {"without": await phase("without")}
    arrivals = Arrivals()
    spectators: list[ClientConnection] = []
    readers: list[asyncio.Task[None]] = []
    refused: Counter[str] = Counter()
    opening = asyncio.Semaphore(50)

    async def add_spectator(index: int) -> None:
        # Each from an address of its own, as a crowd of visitors would be.
        address = f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256}"
        async with opening:
            websocket = await open_socket(
                spec["gallery_url"],
                origin=spec.get("gallery_origin", origin),
                session=None,
                compression=compression,
                address=address,
            )
            ready = asyncio.Event()
            readers.append(asyncio.create_task(watch(websocket, arrivals, ready)))
            spectators.append(websocket)
            try:
                async with asyncio.timeout(60):
                    await ready.wait()
            except TimeoutError:
                refused["no snapshot within 60 s"] += 1

    opened = time.monotonic()
    await asyncio.gather(*(add_spectator(index) for index in range(spec["spectators"])))
    connect_seconds = time.monotonic() - opened
    await asyncio.sleep(1.0)
    sent_at.clear()
    results["with"] = await phase("with")
    deadline = time.monotonic() + spec["settle"]
    bid_counts = sorted(sent_at)
    while time.monotonic() < deadline and any(
        len(arrivals.times[count]) < arrivals.connected for count in bid_counts
    ):
        await asyncio.sleep(0.05)
    deliveries = [
        received - sent_at[count]
        for count in bid_counts
        for received in arrivals.times.get(count, [])
    ]
    results["spectators"] = {
        "count": spec["spectators"],
        "connected": arrivals.connected,
        "connect_seconds": connect_seconds,
        "refused": dict(refused),
        "bids_not_seen_by_all": sum(
            1 for count in bid_counts if len(arrivals.times.get(count, [])) < arrivals.connected
        ),
        # From the bid sent to each spectator's arrival of its state.
        "delivery_ms": milliseconds(deliveries),
        "stale_or_repeated_frames": arrivals.stale_or_repeated,
    }
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*(w.close() for w in spectators), return_exceptions=True)
    await asyncio.sleep(1.0)
    results["without_again"] = await phase("without-again")
    await asyncio.gather(*(b.websocket.close() for b in bidders))
    return results


@contextlib.asynccontextmanager
async def profiling(spec: dict[str, Any], name: str) -> AsyncIterator[None]:
    """Sample the server with the spec's profiler, if any, for as long as the block runs."""
    profile = spec.get("profile")
    if profile is None:
        yield
        return
    output = Path(profile["directory"]) / f"{name}.txt"
    profiler = await asyncio.create_subprocess_exec(
        *profile["command"], f"--output={output}", stdout=asyncio.subprocess.DEVNULL
    )
    try:
        yield
    finally:
        # py-spy writes its file when interrupted.
        profiler.send_signal(signal.SIGINT)
        await profiler.wait()


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


SCENARIOS = {
    "bidding": run_bidding,
    "fanout": run_fanout,
    "spectators": run_spectators,
    "closing": run_closing,
}


def main() -> None:
    # One line: the closing scenario reads the lots' end time from a later one.
    spec = json.loads(sys.stdin.readline())
    result = uvloop.run(SCENARIOS[spec["scenario"]](spec))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
