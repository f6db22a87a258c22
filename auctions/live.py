"""A lot's live state as the wire contract carries it (DESIGN.md section 4): who may see
it, how it is built from the database, and how it reaches every socket of the lot."""

import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from auctions import pauses, selectors
from auctions.models import Application, Bid, Lot, Result
from bidders.models import Representative
from core import ratelimit, session_sockets
from core.errors import DomainError
from core.money import format_kzt

logger = logging.getLogger(__name__)

RECENT_BIDS = 10


@dataclass(frozen=True)
class Seat:
    """A place in a lot's auction room: a participant's, or a clerk's who only watches."""

    lot_id: int
    participant_number: int | None
    # False for staff, and for a participant whose company was suspended since admission
    # or whose deposit is not (or no longer) received: it watches, the engine refuses.
    may_bid: bool


def take_seat(*, user: User | AnonymousUser, lot_id: int) -> Seat:
    """Return the user's seat in the lot's room.

    Admitted participants get a numbered seat, staff who may view lots a watching one:
    staff never take a participant's seat, even from an account wrongly linked to a
    company. Raises DomainError: login_required, lot_not_found (no such public lot),
    not_admitted.
    """
    if not user.is_authenticated:
        raise DomainError("login_required", _("Log in to enter the auction room."))
    lot = Lot.objects.filter(pk=lot_id).exclude(status=Lot.Status.DRAFT).first()
    if lot is None:
        raise DomainError("lot_not_found", _("There is no such lot."))
    # Staff only ever watch, even from an account wrongly linked to a company.
    is_staff = user.is_staff or user.is_superuser
    number = None if is_staff else selectors.participants.admitted_number(user=user, lot_id=lot_id)
    if number is not None:
        may_bid = selectors.participants.bidding_participant(user=user, lot=lot) is not None
        return Seat(lot_id=lot_id, participant_number=number, may_bid=may_bid)
    if user.is_staff and user.has_perm("auctions.view_lot"):
        return Seat(lot_id=lot_id, participant_number=None, may_bid=False)
    raise DomainError(
        "not_admitted", _("Only the lot's admitted participants may enter its auction room.")
    )


def take_spectator_seat(*, lot_id: int) -> Seat:
    """Return a spectator's seat in the lot's public gallery: it watches, never bids.

    Anyone may watch a lot that is announced (not a draft) while its event's gallery is
    open; a spectator sees participants by number only, as everyone in the room does.
    Raises DomainError: lot_not_found (no such public lot), gallery_closed.
    """
    has_gallery = (
        Lot.objects.filter(pk=lot_id)
        .exclude(status=Lot.Status.DRAFT)
        .values_list("event__has_public_gallery", flat=True)
        .first()
    )
    if has_gallery is None:
        raise DomainError("lot_not_found", _("There is no such lot."))
    if not has_gallery:
        raise DomainError(
            "gallery_closed", _("The ministry has closed the public gallery of this auction.")
        )
    return Seat(lot_id=lot_id, participant_number=None, may_bid=False)


def spend_gallery_snapshot(*, address: str, lot_id: int) -> None:
    """Spend one of the snapshots of the lot that spectators from one address may ask for;
    raise DomainError rate_limited when none is left.

    Spectators have no account to count by; their address is what a flood comes from.
    """
    if not ratelimit.take(
        f"gallery-snapshots:{lot_id}:{address}", settings.GALLERY_SNAPSHOT_RATE_LIMIT
    ):
        raise DomainError("rate_limited", _("Too many requests for the state; wait a moment."))


# A spectator's snapshot may be this old (seconds): thousands of spectators opening the
# gallery together cost the database one read per process and second, not one each.
GALLERY_STATE_SECONDS = 1.0
_gallery_states: dict[int, tuple[float, dict[str, Any]]] = {}


def gallery_state(lot_id: int) -> dict[str, Any]:
    """Return the lot's state for a spectator, read from the database at most once a second
    per process; the server time is always now.

    A snapshot up to a second behind is caught up by the next broadcast, or by the
    heartbeat's version, as a lost broadcast is.
    """
    now = time.monotonic()
    cached = _gallery_states.get(lot_id)
    if cached is None or now - cached[0] >= GALLERY_STATE_SECONDS:
        if len(_gallery_states) >= FRAME_CACHE_SIZE:
            _gallery_states.clear()
        cached = _gallery_states[lot_id] = (now, lot_state(lot_id))
    return {**cached[1], "server_time": timezone.now().isoformat()}


def check_seat(*, session_key: str | None, user_id: int | None, seat: Seat) -> None:
    """Check that the socket's session still authenticates its user, still fit for its seat.

    Raises DomainError session_ended (logged out, password changed, deactivated) or
    seat_revoked (the seat now allows less: the company was suspended, the user made staff).
    """
    user = session_user(session_key=session_key, user_id=user_id)
    try:
        now = take_seat(user=user, lot_id=seat.lot_id)
    except DomainError:
        now = None
    if (
        now is None
        or now.participant_number != seat.participant_number
        # Once the lot is over nobody bids: the winner's deposit applied to its bonus, the
        # others' returned, takes no seat away from a room that only shows the outcome.
        or (seat.may_bid and not now.may_bid and not _is_over(seat.lot_id))
    ):
        raise DomainError(
            "seat_revoked", _("Your seat in this auction has changed; the room reloads.")
        )


def _is_over(lot_id: int) -> bool:
    return Lot.objects.filter(pk=lot_id, status__in=Lot.FINISHED_STATUSES).exists()


def session_user(*, session_key: str | None, user_id: int | None) -> User:
    """Return the socket's user if its session still authenticates it; raise session_ended."""
    user = session_sockets.session_user(session_key, user_id)
    if user is None or user.pk != user_id:
        raise session_ended()
    return user


def session_ended() -> DomainError:
    """Return the refusal of a socket whose login session no longer holds; it ends the
    socket."""
    return DomainError("session_ended", _("Your session has ended; log in again."))


def spend_snapshot(*, user_id: int, lot_id: int) -> None:
    """Spend one of the user's snapshots of the lot (the API's state, a socket's resync);
    raise DomainError rate_limited when none is left.

    A snapshot costs the database, not the asker: one budget per user and lot, whatever
    sockets and sessions ask, keeps a flood of them from slowing everyone's bids.
    """
    if not ratelimit.take(f"snapshots:{lot_id}:{user_id}", settings.SNAPSHOT_RATE_LIMIT):
        raise DomainError("rate_limited", _("Too many requests for the state; wait a moment."))


def group_name(lot_id: int) -> str:
    """Return the channel-layer group every socket of the lot listens on."""
    return f"lot-{lot_id}"


def lot_state(lot_id: int) -> dict[str, Any]:
    """Return the lot's state as everyone sees it, the leader as a number.

    `personal_state` turns it into what one viewer is sent.
    """
    lot = Lot.objects.get(pk=lot_id)
    # Bids up to the lot's own count only: one committed after the lot row was read
    # belongs to a later version.
    recent = list(
        Bid.objects.filter(lot_id=lot_id, sequence__lte=lot.bid_count)
        .order_by("-sequence")
        .values_list("sequence", "participant_number", "amount", "placed_at", "automatic")[
            :RECENT_BIDS
        ]
    )
    return build_state(
        lot_id=lot.pk,
        version=lot.version,
        status=lot.status,
        current_price=lot.current_price,
        min_next_bid=lot.minimum_next_bid,
        has_leader=lot.leader_id is not None,
        bid_count=lot.bid_count,
        status_reason=lot.status_reason,
        starts_at=lot.starts_at,
        ends_at=lot.ends_at,
        hard_end=lot.hard_end,
        recent=recent,
        sealed=sealed_round_of(
            format=lot.format,
            ends_at=lot.sealed_round_ends_at,
            closed_at=lot.sealed_round_closed_at,
            bid_count=lot.sealed_bid_count,
        ),
    )


# (sequence, participant number, amount, placed at, automatic: placed for a maximum).
RecentBid = tuple[int, int, Decimal, datetime, bool]


@dataclass(frozen=True)
class SealedRound:
    """A two-stage lot's sealed round as the state shows it: never an amount."""

    ends_at: datetime
    is_closed: bool
    bid_count: int


def sealed_round_of(
    *, format: str, ends_at: datetime | None, closed_at: datetime | None, bid_count: int
) -> SealedRound | None:
    """Return a two-stage lot's sealed round from its row's fields; None for plain lots."""
    if format != Lot.Format.SEALED_THEN_ASCENDING or ends_at is None:
        return None
    return SealedRound(ends_at=ends_at, is_closed=closed_at is not None, bid_count=bid_count)


def build_state(
    *,
    lot_id: int,
    version: int,
    status: str,
    current_price: Decimal | None,
    min_next_bid: Decimal,
    has_leader: bool,
    bid_count: int,
    status_reason: str,
    starts_at: datetime,
    ends_at: datetime,
    hard_end: datetime,
    recent: Sequence[RecentBid],
    sealed: SealedRound | None = None,
) -> dict[str, Any]:
    """Return the state of a lot from its row and its newest bids (sequence, participant
    number, amount, time, automatic; newest first, at most RECENT_BIDS): read back by
    `lot_state`, or as the bid's own transaction holds them (engine), which then reads
    nothing again."""
    return {
        "type": "state",
        "lot": lot_id,
        "version": version,
        "status": status,
        "current_price": _amount(current_price),
        "min_next_bid": _amount(min_next_bid),
        "leader_number": recent[0][1] if has_leader and recent else None,
        "bid_count": bid_count,
        "status_reason": status_reason,
        "starts_at": starts_at.isoformat(),
        "ends_at": ends_at.isoformat(),
        "hard_end": hard_end.isoformat(),
        "server_time": timezone.now().isoformat(),
        "recent_bids": [
            {
                "sequence": sequence,
                "participant_number": number,
                "amount": _amount(amount),
                "placed_at": placed_at.isoformat(),
                "automatic": automatic,
            }
            for sequence, number, amount, placed_at, automatic in recent[:RECENT_BIDS]
        ],
        # Two-stage lots (auctions/sealed.py); plain lots "ascending" twice and no count.
        "format": Lot.Format.ASCENDING if sealed is None else Lot.Format.SEALED_THEN_ASCENDING,
        "round": "sealed" if sealed is not None and not sealed.is_closed else "ascending",
        "sealed_bids": None if sealed is None else sealed.bid_count,
        "sealed_round_ends_at": None if sealed is None else sealed.ends_at.isoformat(),
    }


def personal_state(state: dict[str, Any], participant_number: int | None) -> dict[str, Any]:
    """Return the state as one viewer sees it: the leader as "you" or "Participant N"."""
    personal = {key: value for key, value in state.items() if key != "leader_number"}
    leader = state["leader_number"]
    if leader is None:
        personal["leader"] = None
    elif leader == participant_number:
        personal["leader"] = "you"
    else:
        personal["leader"] = f"Participant {leader}"
    return personal


# Encoded frames by (lot, version, server time, is the viewer the leader): a broadcast is
# encoded twice per process, not once per socket.
_frames: dict[tuple[int, int, str, bool], str] = {}
FRAME_CACHE_SIZE = 512


def state_frame(state: dict[str, Any], participant_number: int | None) -> str:
    """Return the JSON text of the state for one viewer, encoded once per kind of viewer."""
    is_leader = participant_number is not None and state["leader_number"] == participant_number
    cache_key = (state["lot"], state["version"], state["server_time"], is_leader)
    frame = _frames.get(cache_key)
    if frame is None:
        if len(_frames) >= FRAME_CACHE_SIZE:
            _frames.clear()
        frame = _frames[cache_key] = encode(personal_state(state, participant_number))
    return frame


def encode(frame: dict[str, Any]) -> str:
    """Return a frame as the socket's text: JSON, encoded in C (orjson). The standard
    library's encoder took 2-4% of a web process's time in the 50 lots' profiles, for each
    bid's two state frames and its reply (bench/RESULTS.md)."""
    return orjson.dumps(frame, option=orjson.OPT_NON_STR_KEYS).decode()


def accepted_frame(bid: Bid, *, created: bool) -> dict[str, Any]:
    """Return what the bidder is told of an accepted bid (repeated: its key was seen before)."""
    return {
        "type": "bid_accepted",
        "key": str(bid.key),
        "sequence": bid.sequence,
        "amount": _amount(bid.amount),
        "placed_at": bid.placed_at.isoformat(),
        "repeated": not created,
    }


def state_message(state: dict[str, Any]) -> dict[str, Any]:
    """Return the group message that carries a state to every process's sockets of the lot.

    Its frames are encoded here, once: everyone's (the leader as "Participant N") and the
    leader's own ("you"), with the leader's number so each process's hub picks
    (auctions/fanout.py); nothing decodes or encodes the state again per socket.
    """
    leader = state["leader_number"]
    return {
        "type": "lot.state",
        "lot": state["lot"],
        "version": state["version"],
        "leader_number": leader,
        "frame": encode(personal_state(state, None)),
        "leader_frame": None if leader is None else encode(personal_state(state, leader)),
    }


def broadcast_state(lot_id: int, state: dict[str, Any] | None = None) -> None:
    """Send the lot's committed state to every socket of the lot.

    `state` is the one the bid's transaction built; without it the state is read now.
    Raises what the channel layer raised; in a block of `Broadcasts.collected` the event
    loop sends it instead (`Broadcasts.send`).
    """
    if state is None:
        state = lot_state(lot_id)
    message = state_message(state)
    collecting = getattr(_collecting, "broadcasts", None)
    pauses_if_lost = getattr(_collecting, "pauses_if_lost", False)
    if collecting is not None and collecting.add((lot_id, message, pauses_if_lost)):
        return
    async_to_sync(get_channel_layer().group_send)(group_name(lot_id), message)


# A lot's state for the event loop to send, and whether its loss pauses the lot.
Collected = tuple[int, dict[str, Any], bool]
_collecting = threading.local()


@contextmanager
def lost_state_pauses() -> Iterator[None]:
    """Mark the states broadcast in the block as a bid's: should the event loop that sends
    them (`Broadcasts.send`) fail to, the lot pauses, as the caller does when it sends."""
    _collecting.pauses_if_lost = True
    try:
        yield
    finally:
        _collecting.pauses_if_lost = False


class Broadcasts:
    """The broadcasts of database work a socket's event loop waits for, sent by that loop.

    From a database thread, `async_to_sync` hands each broadcast to the event loop and
    waits for it: two thread switches and a wait per bid (bench/RESULTS.md). Collected
    instead, the loop sends them itself once the work is done (`take`). One made after the
    loop took the rest (it stopped waiting) is sent the old way, by the thread.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: list[Collected] = []
        self.taken = False

    @contextmanager
    def collected(self) -> Iterator[None]:
        """Collect the broadcasts this thread makes in the block."""
        _collecting.broadcasts = self
        try:
            yield
        finally:
            _collecting.broadcasts = None

    def add(self, broadcast: Collected) -> bool:
        """Keep a broadcast for the loop; False once the loop took the others."""
        with self.lock:
            if self.taken:
                return False
            self.pending.append(broadcast)
            return True

    def take(self) -> list[Collected]:
        """Return the broadcasts collected; any made from now on the thread sends itself."""
        with self.lock:
            self.taken = True
            taken, self.pending = self.pending, []
        return taken

    async def send(self, pause: Callable[[int], Awaitable[object]]) -> None:
        """Send what was collected, from the event loop. A state the channel layer could
        not send is logged; a bid's (`lost_state_pauses`) also pauses its lot through
        `pause`: participants who cannot see the price must not be outbid."""
        taken = self.take()
        if not taken:
            return
        layer = get_channel_layer()
        for lot_id, message, pauses_if_lost in taken:
            try:
                await layer.group_send(group_name(lot_id), message)
            except Exception as error:
                logger.exception("Lot %s: a state could not be sent", lot_id)
                if pauses_if_lost and isinstance(error, pauses.CHANNEL_LAYER_FAILURES):
                    try:
                        await pause(lot_id)
                    except Exception:
                        # The bid stands and its bidder still gets its answer.
                        logger.exception("Lot %s: pausing it failed", lot_id)


# Besides live and paused lots, the heartbeat covers lots about to open and lots just
# finished, whose opening or closing news may have been lost.
HEARTBEAT_MARGIN = timedelta(minutes=10)


def broadcast_heartbeats() -> int:
    """Send each running lot's version to its sockets, with one query for all lots.

    A socket that shows an older version asks for a resync: a room converges on the
    database within one beat after the channel layer lost a broadcast. Returns the number
    of lots.
    """
    now = timezone.now()
    lots = list(
        Lot.objects.filter(
            Q(status__in=[Lot.Status.LIVE, Lot.Status.PAUSED])
            | Q(status=Lot.Status.PUBLISHED, starts_at__lte=now + HEARTBEAT_MARGIN)
            | Q(status__in=Lot.FINISHED_STATUSES, ends_at__gte=now - HEARTBEAT_MARGIN)
        ).values_list("pk", "version")
    )
    if not lots:
        return 0
    layer = get_channel_layer()
    server_time = now.isoformat()

    async def send_all() -> None:
        for lot_id, version in lots:
            await layer.group_send(
                group_name(lot_id),
                {
                    "type": "lot.heartbeat",
                    "frame": encode(
                        {
                            "type": "heartbeat",
                            "lot": lot_id,
                            "version": version,
                            "server_time": server_time,
                        }
                    ),
                },
            )

    async_to_sync(send_all)()
    return len(lots)


def lot_outcome(lot_id: int) -> dict[str, Any]:
    """Return how a finished lot ended, the winner as a number."""
    lot = Lot.objects.select_related("result", "result__winner").get(pk=lot_id)
    result = getattr(lot, "result", None)
    won = result if result is not None and result.outcome == Result.Outcome.AWARDED else None
    return {
        "status": lot.status,
        "outcome": result.outcome if result is not None else lot.status,
        "reason": lot.status_reason,
        "winner_number": won.winner.participant_number if won is not None else None,
        "winning_bonus": _amount(won.winning_bonus) if won is not None else None,
        "bid_count": lot.bid_count,
    }


def closed_frame(
    state: dict[str, Any], outcome: dict[str, Any], participant_number: int | None
) -> dict[str, Any]:
    """Return the close as one viewer is told it, in the active language."""
    winner = outcome["winner_number"]
    if outcome["outcome"] == Result.Outcome.AWARDED and winner == participant_number:
        message = _("The auction is over: you won with %(amount)s.") % {
            "amount": format_kzt(Decimal(outcome["winning_bonus"]))
        }
    elif outcome["outcome"] == Result.Outcome.AWARDED:
        message = _("The auction is over: Participant %(number)s won with %(amount)s.") % {
            "number": winner,
            "amount": format_kzt(Decimal(outcome["winning_bonus"])),
        }
    elif outcome["status"] == Lot.Status.CANCELLED:
        message = _("The lot was cancelled: %(reason)s") % {"reason": outcome["reason"]}
    else:
        message = _("The auction is over without a winner: %(reason)s") % {
            "reason": outcome["reason"]
        }
    if winner is None:
        leader = None
    elif winner == participant_number:
        leader = "you"
    else:
        leader = f"Participant {winner}"
    return {
        "type": "closed",
        "lot": state["lot"],
        "outcome": outcome["outcome"],
        "winner": leader,
        "winning_bonus": outcome["winning_bonus"],
        "bid_count": outcome["bid_count"],
        "message": message,
        "state": personal_state(state, participant_number),
    }


def broadcast_closed(lot_id: int) -> None:
    """Tell every socket of the lot that it is over, with its outcome and final state."""
    async_to_sync(get_channel_layer().group_send)(
        group_name(lot_id),
        {"type": "lot.closed", "state": lot_state(lot_id), "outcome": lot_outcome(lot_id)},
    )


def send_sealed_results(lot_id: int) -> None:
    """Ask every socket of the lot's admitted participants' users to send its own sealed
    bid's rank (`sealed_bid` frame): the ranks are personal, never in the broadcast."""
    user_ids = set(
        Representative.objects.filter(
            company__applications__lot_id=lot_id,
            company__applications__status=Application.Status.ADMITTED,
        ).values_list("user_id", flat=True)
    )
    layer = get_channel_layer()

    async def send_all() -> None:
        for user_id in user_ids:
            await layer.group_send(
                session_sockets.user_group(user_id), {"type": "sealed.result", "lot": lot_id}
            )

    async_to_sync(send_all)()


def _amount(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"
