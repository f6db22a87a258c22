"""The auction room's websocket, /ws/lots/<id>/, speaking DESIGN.md section 4.

A thin interface: it takes the user's seat, sends snapshots and broadcasts, and hands
every bid to `engine.place_bid`, turning refusals into frames.
"""

import contextlib
import json
import logging
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any, TypeVar
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from auctions import engine, live
from core.errors import DomainError
from core.ratelimit import TokenBucket

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Close codes in the application range: 4401 no login, 4403 not a participant, 4404 no lot.
REFUSAL_CLOSE_CODES = {"login_required": 4401, "not_admitted": 4403, "lot_not_found": 4404}
MALFORMED = _("Send a JSON object whose type is bid, resync or ping.")
SERVER_ERROR = _("Something went wrong; your view is refreshed.")
WATCHERS_DO_NOT_BID = _("Staff watch the auction; they do not bid.")
RATE_LIMITED = _("Too many bids at once; wait a moment.")


class LotConsumer(AsyncWebsocketConsumer):
    """One socket of a lot's auction room: a participant bidding or a clerk watching."""

    seat: live.Seat | None = None

    async def connect(self) -> None:
        self.lot_id = int(self.scope["url_route"]["kwargs"]["lot_id"])
        self.language = _language_of(self.scope)
        self.bids = TokenBucket(settings.BID_RATE_LIMIT)
        await self.accept()
        try:
            self.seat = await self._call(
                live.take_seat, user=self.scope["user"], lot_id=self.lot_id
            )
        except DomainError as error:
            await self._send({"type": "error", "code": error.code, "message": error.message})
            await self.close(code=REFUSAL_CLOSE_CODES.get(error.code, 4400))
            return
        await self.channel_layer.group_add(live.group_name(self.lot_id), self.channel_name)
        await self._send_snapshot()

    async def disconnect(self, code: int) -> None:
        if self.seat is not None:
            await self.channel_layer.group_discard(live.group_name(self.lot_id), self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.seat is None:
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
            elif kind == "resync":
                await self._send_snapshot()
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
            await self._send_snapshot()

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Hand a message to its handler, without channels' hop to the database thread.

        Channels (4.2+) first closes stale connections on the database thread before every
        message: for a broadcast, one hop per socket through the one thread that also runs
        every bid. Every database call here goes through `_call`, which looks after the
        connection itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def lot_closed(self, event: dict[str, Any]) -> None:
        """Tell this socket the lot is over, in its own language."""
        with translation.override(self.language):
            frame = live.closed_frame(
                event["state"], event["outcome"], self.seat.participant_number
            )
        await self._send(frame)

    async def lot_state(self, event: dict[str, Any]) -> None:
        """Forward a broadcast state of the lot to this socket."""
        await self.send(text_data=live.state_frame(event["state"], self.seat.participant_number))

    async def _bid(self, message: dict[str, Any]) -> None:
        key = message.get("key")
        key = key if isinstance(key, str) else None
        if self.seat.participant_number is None:
            await self._reject(key, "not_admitted", WATCHERS_DO_NOT_BID)
            return
        if not self.bids.take():
            await self._reject(key, "rate_limited", RATE_LIMITED)
            return
        try:
            outcome = await self._call(
                engine.place_bid,
                user=self.scope["user"],
                lot_id=self.lot_id,
                amount=message.get("amount"),
                key=message.get("key"),
            )
        except DomainError as error:
            await self._send(
                {"type": "bid_rejected", "key": key, "code": error.code, "message": error.message}
            )
            return
        await self._send(live.accepted_frame(outcome.bid, created=outcome.created))

    async def _reject(self, key: str | None, code: str, message: Promise) -> None:
        await self._send(
            {"type": "bid_rejected", "key": key, "code": code, "message": self._translate(message)}
        )

    async def _send_snapshot(self) -> None:
        state = await self._call(live.lot_state, self.lot_id)
        await self.send(text_data=live.state_frame(state, self.seat.participant_number))

    async def _send(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(frame))

    async def _call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a database function in the socket's language, off the event loop."""

        def in_language() -> T:
            with translation.override(self.language):
                return _keeping_connection(function, *args, **kwargs)

        return await sync_to_async(in_language)()

    def _translate(self, message: Promise) -> str:
        with translation.override(self.language):
            return str(message)


def _keeping_connection(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a database function, keeping the thread's connection open unless it failed.

    Every socket of a process does its database work on asgiref's one thread-sensitive
    thread, so that thread's connection is never shared and is reused by the next call,
    whoever makes it. Reconnecting for every call instead (CONN_MAX_AGE=0 with channels'
    database_sync_to_async) cost more than the bid itself: a login and cold caches in a
    new server process each time. A connection that saw an error is closed; the next call
    opens a fresh one.
    """
    try:
        return function(*args, **kwargs)
    finally:
        if connection.connection is not None and (
            connection.errors_occurred or not connection.get_autocommit()
        ):
            connection.close()


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
