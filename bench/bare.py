"""The bare room: what a lot's fan-out costs in Python itself, the reference for Nedra's.

One process (`python -m bench.bare --port N [--deflate] --sessions KEY,KEY`) using the
`websockets` library on uvloop, as uvicorn does: one lot in memory, no database, no channel
layer, no authentication. It speaks the wire contract's part the load generator uses:
the state on connect; a bid answered with `bid_accepted` or `bid_rejected` (`too_low`,
`already_leading`); after each accepted bid the state encoded twice (the leader's variant
and everyone else's, with the same fields as Nedra's state frame) and written to every
socket with `websockets.broadcast`. The `sessionid` cookie only tells which participant a
socket is: the n-th key of `--sessions` is Participant n; any other socket watches.
"""

import argparse
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.cookies import CookieError, SimpleCookie
from typing import Any

import uvloop
from websockets.asyncio.server import ServerConnection, broadcast, serve

# As bench/data.py's lots and Nedra's state (auctions/live.py).
STARTING_PRICE = Decimal("100000000.00")
BID_STEP = Decimal("5000000.00")
RECENT_BIDS = 10


class Lot:
    """One live lot's state, kept in memory."""

    def __init__(self, lot_id: int) -> None:
        now = datetime.now(UTC)
        self.lot_id = lot_id
        self.version = 1
        self.current_price: Decimal | None = None
        self.leader: int | None = None
        self.bids: list[dict[str, Any]] = []
        self.starts_at = (now - timedelta(hours=1)).isoformat()
        self.ends_at = (now + timedelta(days=1)).isoformat()
        self.hard_end = (now + timedelta(days=1, hours=1)).isoformat()
        self.keys: dict[str, dict[str, Any]] = {}

    @property
    def minimum_next_bid(self) -> Decimal:
        return STARTING_PRICE if self.current_price is None else self.current_price + BID_STEP

    def state(self, viewer: int | None) -> dict[str, Any]:
        """Return the state as the viewer (a participant number, None: a watcher) sees it."""
        if self.leader is None:
            leader = None
        elif self.leader == viewer:
            leader = "you"
        else:
            leader = f"Participant {self.leader}"
        return {
            "type": "state",
            "lot": self.lot_id,
            "version": self.version,
            "status": "live",
            "current_price": None if self.current_price is None else f"{self.current_price:.2f}",
            "min_next_bid": f"{self.minimum_next_bid:.2f}",
            "bid_count": len(self.bids),
            "status_reason": "",
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "hard_end": self.hard_end,
            "server_time": datetime.now(UTC).isoformat(),
            "recent_bids": self.bids[-1 : -RECENT_BIDS - 1 : -1],
            "leader": leader,
        }

    def bid(self, number: int | None, message: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Return the reply to a bid and whether it was placed."""
        key = str(message.get("key"))
        if key in self.keys:
            return {**self.keys[key], "repeated": True}, False
        if number is None:
            return _rejected(
                key, "not_admitted", "Staff watch the auction; they do not bid."
            ), False
        if number == self.leader:
            return _rejected(key, "already_leading", "You are already the leader."), False
        try:
            amount = Decimal(str(message.get("amount")))
        except ArithmeticError:
            return _rejected(key, "invalid_amount", "Send the amount as a number."), False
        if amount < self.minimum_next_bid:
            return _rejected(key, "too_low", "Someone bid more; bid at least the minimum."), False
        placed_at = datetime.now(UTC).isoformat()
        self.current_price, self.leader = amount, number
        self.version += 1
        sequence = len(self.bids) + 1
        self.bids.append(
            {
                "sequence": sequence,
                "participant_number": number,
                "amount": f"{amount:.2f}",
                "placed_at": placed_at,
            }
        )
        reply = {
            "type": "bid_accepted",
            "key": key,
            "sequence": sequence,
            "amount": f"{amount:.2f}",
            "placed_at": placed_at,
            "repeated": False,
        }
        self.keys[key] = reply
        return reply, True


def _rejected(key: str, code: str, message: str) -> dict[str, Any]:
    return {"type": "bid_rejected", "key": key, "code": code, "message": message}


class Room:
    """The lot and its sockets, by participant number (None: watchers)."""

    def __init__(self, lot_id: int, sessions: list[str]) -> None:
        self.lot = Lot(lot_id)
        self.numbers = {session: number for number, session in enumerate(sessions, start=1)}
        self.sockets: dict[ServerConnection, int | None] = {}

    async def serve_socket(self, websocket: ServerConnection) -> None:
        number = self.numbers.get(_session(websocket))
        self.sockets[websocket] = number
        try:
            await websocket.send(json.dumps(self.lot.state(number)))
            async for text in websocket:
                message = json.loads(text)
                if message.get("type") == "ping":
                    await websocket.send(json.dumps({"type": "pong"}))
                    continue
                if message.get("type") != "bid":
                    continue
                reply, placed = self.lot.bid(number, message)
                await websocket.send(json.dumps(reply))
                if placed:
                    self.broadcast()
        finally:
            del self.sockets[websocket]

    def broadcast(self) -> None:
        """Write the new state to every socket: encoded once for the leader, once for all."""
        leader = self.lot.leader
        leaders = [socket for socket, number in self.sockets.items() if number == leader]
        others = [socket for socket, number in self.sockets.items() if number != leader]
        broadcast(leaders, json.dumps(self.lot.state(leader)))
        broadcast(others, json.dumps(self.lot.state(None)))


def _session(websocket: ServerConnection) -> str:
    cookies = SimpleCookie()
    try:
        cookies.load(websocket.request.headers.get("Cookie", "") if websocket.request else "")
    except CookieError:
        return ""
    return cookies["sessionid"].value if "sessionid" in cookies else ""


async def serve_room(*, port: int, deflate: bool, lot_id: int, sessions: list[str]) -> None:
    room = Room(lot_id, sessions)
    async with serve(
        room.serve_socket,
        "127.0.0.1",
        port,
        compression="deflate" if deflate else None,
        ping_interval=None,
        max_queue=None,
    ) as server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--lot", type=int, default=1, help="the lot id its state carries")
    parser.add_argument("--deflate", action="store_true", help="accept permessage-deflate")
    parser.add_argument("--sessions", default="", help="session keys of Participants 1, 2, ...")
    arguments = parser.parse_args()
    uvloop.run(
        serve_room(
            port=arguments.port,
            deflate=arguments.deflate,
            lot_id=arguments.lot,
            sessions=[key for key in arguments.sessions.split(",") if key],
        )
    )


if __name__ == "__main__":
    main()
