"""The live auction engine: the one door through which every bid passes.

The websocket consumer and the REST API both call `place_bid`; nothing else writes bids,
prices, leaders or end times of a live lot.
"""

import dataclasses
import functools
import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import User
from django.db import OperationalError, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from auctions import ceilings, live, pauses, proxy, sealed, selectors, signals
from auctions.hashchain import GENESIS_HASH, bid_hash
from auctions.models import (
    Application,
    Bid,
    Lot,
    LotPause,
    Maximum,
    Payment,
    Result,
    SealedBid,
    next_minimum,
)
from core import ratelimit, session_sockets, sql
from core.errors import DomainError
from core.money import CENT, format_kzt
from core.second_factor import refuse_without_second_factor
from deposits.models import Deposit

logger = logging.getLogger(__name__)

# Up to 10^13 tenge (a thousand times any signature bonus ever paid) with at most two
# decimals: 15 significant digits, which SQLite too stores exactly, so the amount stored
# is always the amount hashed. ASCII digits only. The room's amount box is given this
# limit (views.room), so it refuses what the engine would.
MAX_WHOLE_DIGITS = 13
AMOUNT_PATTERN = re.compile(rf"[0-9]{{1,{MAX_WHOLE_DIGITS}}}(\.[0-9]{{1,2}})?")


@dataclass(frozen=True)
class BidOutcome:
    """An accepted bid; `created` is False when its key was seen before and nothing changed."""

    bid: Bid
    created: bool
    extended: bool = False
    # The lot's state after the bid, built in its transaction (None for a repeated key).
    state: dict[str, Any] | None = None


def parse_amount(raw: object) -> Decimal:
    """Return a bid amount in KZT from a decimal string or an integer; raise invalid_amount."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    elif isinstance(raw, Decimal) and raw.is_finite() and -2 <= raw.adjusted() < MAX_WHOLE_DIGITS:
        # Bounded before formatting: 1e999999999 would otherwise be written out in full.
        raw = f"{raw:f}"
    if not isinstance(raw, str) or not AMOUNT_PATTERN.fullmatch(raw.strip()):
        raise DomainError(
            "invalid_amount",
            _("Enter the amount in tenge as digits with at most two decimals, e.g. %(example)s.")
            % {"example": "1250000000.00"},
        )
    amount = Decimal(raw.strip()).quantize(CENT)
    if amount <= 0:
        raise DomainError("invalid_amount", _("The amount must be more than zero."))
    return amount


def parse_key(raw: object) -> uuid.UUID:
    """Return a bid's idempotency key from its UUID string; raise malformed."""
    if isinstance(raw, uuid.UUID):
        return raw
    if isinstance(raw, str):
        try:
            return uuid.UUID(raw)
        except ValueError:
            pass
    raise DomainError("malformed", _("Every bid needs a key: a UUID made by the client."))


def place_bid(
    *, user: User, lot_id: int, amount: object, key: object, session_key: str | None = None
) -> BidOutcome:
    """Place a bid for the user's company and broadcast the new state after commit.

    Given the login session it comes from (a socket's), the bid also needs that session to
    still authenticate the user, as `session_sockets.session_user` decides: read with the
    lot's lock, in the same statement, and refused with session_ended otherwise.

    A key seen before returns that bid and places nothing. Each participant has one budget
    of BID_RATE_LIMIT bids per lot, whichever sockets, API calls or accounts of its company
    it bids from. Raises DomainError with the wire contract's codes: rate_limited,
    invalid_amount, malformed, lot_not_live, not_admitted, already_leading, too_low,
    above_limit (above the participant's bid ceiling, `ceilings`), session_ended (and
    lot_not_found for no such lot). A maximum the bid outbids answers it in the same transaction
    (auctions/proxy.py): the state returned and broadcast shows the final price.
    """
    # Before anything else, and outside the lock: a flood is refused after one indexed read
    # (whose budget it spends), never waiting for the lot's lock. Shared by every process
    # through the cache; per process while it is down.
    if not ratelimit.take(f"bids:{lot_id}:{_bid_budget_holder(user)}", settings.BID_RATE_LIMIT):
        raise DomainError("rate_limited", _("Too many bids at once; wait a moment."))
    amount = parse_amount(amount)
    key = parse_key(key)
    # Staff never bid, even from an account wrongly linked to a company; decided before the
    # lock from the user alone, and the same answer whatever the lot.
    _refuse_staff(user)
    user, session_key = _session_to_join(user, session_key)
    # On PostgreSQL BEGIN goes with the lock and COMMIT with the write (`sql.Trip`): a bid is
    # two round trips, and what follows runs once it committed.
    with sql.transaction_in_trips() as trip:
        outcome = _place_locked(
            user=user, lot_id=lot_id, amount=amount, key=key, session_key=session_key, trip=trip
        )
        if outcome.created:
            state = outcome.state
            transaction.on_commit(lambda: _announce_bid(lot_id, state), robust=True)
        if outcome.extended:
            transaction.on_commit(lambda: schedule_close(lot_id), robust=True)
    return outcome


def _refuse_staff(user: User) -> None:
    if user.is_staff or user.is_superuser:
        raise DomainError("not_admitted", _("Staff watch the auction; they do not bid."))


def _session_to_join(user: User, session_key: str | None) -> tuple[User, str | None]:
    """Return the user and the session for the lock to read with the lot. Where sessions
    are not kept in the database, check it now: the user it still authenticates, and None."""
    if session_key is None or _prepared().session is not None:
        return user, session_key
    checked = session_sockets.session_user(session_key, user.pk)
    if checked is None:
        raise live.session_ended()
    _refuse_staff(checked)
    return checked, None


def _session_checked(locked: "_LockedLot", *, user: User, session_key: str | None) -> User:
    """Return the user as the lock read it, if the session read with it still authenticates
    it (with no session to check, `user`); raise session_ended, or not_admitted for a user
    made staff since."""
    if session_key is None:
        return user
    join = _prepared().session
    checked = (
        None
        if join is None or locked.session is None
        else join.user(locked.session, user_id=user.pk)
    )
    if checked is None:
        raise live.session_ended()
    _refuse_staff(checked)
    return checked


def _announce_bid(lot_id: int, state: dict[str, Any] | None) -> None:
    """Send the bid's state to every socket of the lot; pause the lot if it cannot be sent.

    A bid the other participants cannot see must not run on: with the channel layer down
    (Redis, which the beat's broker usually is too) nothing else would notice in time.
    """
    try:
        with live.lost_state_pauses():
            live.broadcast_state(lot_id, state)
    except pauses.CHANNEL_LAYER_FAILURES:
        logger.exception("Lot %s: the state of a bid could not be sent", lot_id)
        pause_unannounced(lot_id)


def pause_unannounced(lot_id: int) -> None:
    """Pause the lot whose new state (a bid's) the channel layer could not send."""
    pause_automatically(
        lot_id=lot_id,
        cause=LotPause.Cause.CHANNEL_LAYER,
        reason=pauses.channel_layer_failed(),
        awaiting=(),
    )


# Which company's budget a user spends, remembered for a while per process: a bid would
# otherwise pay a query for it before anything else. A user moved to another company
# spends the old one's budget for at most this long.
BUDGET_HOLDER_SECONDS = 30.0
_budget_holders: dict[int, tuple[float, str]] = {}
BUDGET_HOLDERS_SIZE = 10_000


def _bid_budget_holder(user: User) -> str:
    """Name whose bid budget a user spends: its company's, which every account of the
    company shares (a participant is a company, not a login); its own otherwise."""
    now = time.monotonic()
    known = _budget_holders.get(user.pk)
    if known is not None and now - known[0] < BUDGET_HOLDER_SECONDS:
        return known[1]
    company_id = selectors.participants.represented_company_id(user)
    holder = f"company-{company_id}" if company_id is not None else f"user-{user.pk}"
    if len(_budget_holders) >= BUDGET_HOLDERS_SIZE:
        _budget_holders.clear()
    _budget_holders[user.pk] = (now, holder)
    return holder


# --- The bid's transaction, in plain SQL ----------------------------------------------------
# A bid is the platform's hottest path: built and compiled by the ORM it cost 5.2 ms of CPU,
# as plain SQL 0.3 ms (bench/RESULTS.md). So it is three statements, as pgbench's bare
# transaction: one that locks the lot row and reads, with it, what every rule needs (the
# key's earlier bid, the user's company's admission from `bidding_candidate`, the newest
# bids for the state, and a socket's login session with its user), then the INSERT and the
# UPDATE. The rules stay in Python, here. On PostgreSQL the last two are one statement, and
# the transaction's BEGIN and COMMIT travel with the first and the last (`sql.Trip`): two
# round trips a bid.

_LOT_FIELDS = (
    "number",
    "status",
    "status_reason",
    "starts_at",
    "ends_at",
    "hard_end",
    "soft_close_window",
    "starting_price",
    "bid_step",
    "current_price",
    "leader",
    "bid_count",
    "last_bid_hash",
    "version",
    "maxima_changes",
    "guarantee_deposit",
    "format",
    "sealed_round_ends_at",
    "sealed_round_closed_at",
    "sealed_bid_count",
    "bid_ceiling",
    "bid_ceiling_multiple",
)
_RECENT_FIELDS = ("sequence", "participant_number", "amount", "placed_at", "automatic")
# A participant's current maximum (auctions/proxy.py), read with the lock for the lot's
# leader and for the bidder: on a lot without maxima both joins find nothing.
_MAXIMUM_FIELDS = ("amount", "id", "set_by")
# The state shows RECENT_BIDS bids: the new one and this many before it.
_EARLIER_BIDS = live.RECENT_BIDS - 1


@dataclass(frozen=True)
class _LockedLot:
    """The lot's row as the bid's lock read it, and what was read with it."""

    lot: dict[str, Any]
    repeated_id: int | None
    repeated_by: int | None
    participant: tuple[int, int] | None
    may_bid: bool
    # The participant's bid ceiling (`ceilings`), from the lot's rule and its money.
    ceiling: ceilings.Ceiling
    # The lot's version plus its changes of maxima, as the statement's snapshot saw them
    # before any wait for the lock (both only grow, so the sum moves when either does).
    seen_changes: int
    # Newest first: (sequence, participant number, amount, placed at, automatic).
    recent: list[live.RecentBid]
    leader_maximum: proxy.StandingMaximum | None = None
    own_maximum: proxy.StandingMaximum | None = None
    # The session and user columns (`session_sockets.SessionJoin`), where read.
    session: tuple[Any, ...] | None = None
    # On PostgreSQL the id the bid's last INSERT stores, taken from the bids' sequence with
    # the lock: the INSERT then returns nothing, and COMMIT can travel with it.
    next_bid_id: int | None = None


@dataclass(frozen=True)
class _Statements:
    lock: sql.Compiled
    insert: sql.Compiled
    update: sql.Compiled
    # On PostgreSQL the last INSERT (of the id the lock took) and the UPDATE in one
    # statement (one round trip fewer): a data-modifying WITH. None elsewhere, where they
    # stay two statements.
    insert_and_update: sql.Compiled | None
    lot_converters: list[sql.Converter]
    recent_converters: list[sql.Converter]
    maximum_converters: list[sql.Converter]
    # The candidate's deposit received and bank guarantee, as the ORM reads them.
    secured_converters: list[sql.Converter]
    # Whether the lock's row carries the newest bids as arrays (PostgreSQL) or each of its
    # rows one bid.
    recent_as_arrays: bool
    # The joins reading the bidder's login session with the lot; None where sessions are
    # not kept in the database.
    session: session_sockets.SessionJoin | None


# By database and session engine (whether the lock can read the session with the lot).
_statements: dict[tuple[str, str], _Statements] = {}


def _prepared(using: str = "default") -> _Statements:
    """Return the bid's statements for the database, built once per process."""
    key = (using, settings.SESSION_ENGINE)
    found = _statements.get(key)
    if found is not None:
        return found
    connection = connections[using]
    candidate = sql.compiled(
        selectors.participants.bidding_candidate, "user_id", "lot_id", using=using
    )
    lot_columns = ", ".join(sql.column(Lot, name, alias="l", using=using) for name in _LOT_FIELDS)
    bid = sql.table(Bid, using=using)
    id_, lot_, key_, seq_ = (
        sql.column(Bid, name, using=using) for name in ("id", "lot", "key", "sequence")
    )
    recent_columns = ", ".join(sql.column(Bid, name, using=using) for name in _RECENT_FIELDS)
    recent_bids = (
        f"SELECT {recent_columns} FROM {bid} WHERE {lot_} = %s "  # noqa: S608
        f"ORDER BY {seq_} DESC LIMIT {_EARLIER_BIDS}"
    )
    on_postgresql = connection.vendor == "postgresql"
    if on_postgresql:
        # The newest bids as one array per field, in the lot's one row: each further row
        # would repeat the lot's forty columns, for the server to write and psycopg2 to read
        # (a tenth of the bid's CPU in a profile).
        arrays = ", ".join(
            f"array_agg(x.{sql.column(Bid, name, using=using)} ORDER BY x.{seq_} DESC) "
            f"AS recent_{index}"
            for index, name in enumerate(_RECENT_FIELDS)
        )
        recent_join = f"LEFT JOIN (SELECT {arrays} FROM ({recent_bids}) x) r ON 1 = 1"  # noqa: S608
        recent_selected = ", ".join(f"r.recent_{index}" for index in range(len(_RECENT_FIELDS)))
        order = ""
    else:
        recent_join = f"LEFT JOIN ({recent_bids}) r ON 1 = 1"
        recent_selected = ", ".join(
            sql.column(Bid, name, alias="r", using=using) for name in _RECENT_FIELDS
        )
        order = f" ORDER BY r.{seq_} DESC"
    placed_by = sql.column(Bid, "placed_by", alias="k", using=using)
    maximum = sql.table(Maximum, using=using)
    max_lot, max_participant, max_current = (
        sql.column(Maximum, name, using=using) for name in ("lot", "application", "is_current")
    )
    leader_maximum, own_maximum = (
        ", ".join(sql.column(Maximum, name, alias=alias, using=using) for name in _MAXIMUM_FIELDS)
        for alias in ("lm", "om")
    )
    leader_column = sql.column(Lot, "leader", alias="l", using=using)
    version_, maxima_changes_ = (
        sql.column(Lot, name, using=using) for name in ("version", "maxima_changes")
    )
    # The bidder's session and user, read with the lot: a socket's bid re-checks its session,
    # and a statement of its own cost a round trip and a transaction per bid (bench/RESULTS.md).
    session = session_sockets.session_join(using=using)
    session_columns = f"{session.columns}, " if session is not None else ""
    # The id of the bid's last INSERT, from the bids' own sequence (never read back).
    next_id = "NULL"
    next_id_params: tuple[object, ...] = ()
    if on_postgresql:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [bid, str(Bid._meta.pk.column)])
            next_id, next_id_params = "nextval(%s::regclass)", (cursor.fetchone()[0],)
    session_joins = f"{session.joins} " if session is not None else ""
    # The lock first in the statement's plan, and only the lot's row locked: the joined
    # rows are read, never locked.
    lock_clause = " FOR UPDATE OF l" if connection.features.has_select_for_update_of else ""
    # S608: every name comes from the models' meta, quoted; every value is a parameter.
    lock = (
        f"SELECT {lot_columns}, k.{id_}, {placed_by}, p.id, p.participant_number, "  # noqa: S608
        f"p.has_deposit, p.has_factor, p.deposit_received, p.bank_guarantee, "
        f"(SELECT s.{version_} + s.{maxima_changes_} FROM {sql.table(Lot, using=using)} s "
        f"WHERE s.{id_} = %s), {next_id}, "
        f"{leader_maximum}, {own_maximum}, {session_columns}{recent_selected} "
        f"FROM {sql.table(Lot, using=using)} l "
        f"LEFT JOIN {bid} k ON k.{lot_} = l.{id_} AND k.{key_} = %s "
        f"LEFT JOIN ({candidate.sql}) p ON 1 = 1 "
        f"LEFT JOIN {maximum} lm ON lm.{max_lot} = l.{id_} "
        f"AND lm.{max_participant} = {leader_column} AND lm.{max_current} "
        f"LEFT JOIN {maximum} om ON om.{max_lot} = l.{id_} "
        f"AND om.{max_participant} = p.id AND om.{max_current} "
        f"{session_joins}{recent_join} "
        f"WHERE l.{id_} = %s{order}{lock_clause}"
    )
    lock_params = (
        sql.Slot("lot_id"),
        *next_id_params,
        sql.Slot("key"),
        *candidate.params,
        *(session.params if session is not None else ()),
        sql.Slot("lot_id"),
        sql.Slot("lot_id"),
    )
    inserted = (
        "lot",
        "application",
        "participant_number",
        "sequence",
        "amount",
        "placed_at",
        "placed_by",
        "key",
        "prev_hash",
        "hash",
        "automatic",
    )
    columns = ", ".join(sql.column(Bid, name, using=using) for name in inserted)
    insert = (
        f"INSERT INTO {bid} ({columns}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(inserted))}) RETURNING {id_}"
    )
    updated = ("current_price", "leader", "bid_count", "last_bid_hash", "version", "ends_at")
    assignments = ", ".join(f"{sql.column(Lot, name, using=using)} = %s" for name in updated)
    lot_table, lot_id_column = sql.table(Lot, using=using), sql.column(Lot, "id", using=using)
    update = f"UPDATE {lot_table} SET {assignments} WHERE {lot_id_column} = %s"  # noqa: S608
    insert_slots = tuple(sql.Slot(name) for name in inserted)
    update_slots = (*(sql.Slot(name) for name in updated), sql.Slot("id"))
    insert_and_update = (
        sql.Compiled(
            # S608: the two statements above, built from the models' meta; the INSERT of the
            # id the lock took, so nothing is returned.
            f"WITH inserted AS (INSERT INTO {bid} ({id_}, {columns}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * (len(inserted) + 1))})) {update}",
            (sql.Slot("bid_id"), *insert_slots, *update_slots),
            name="nedra_bid_insert_update",
        )
        if on_postgresql
        else None
    )
    found = _statements[key] = _Statements(
        # Named by its shape: a connection may have prepared the other (tests change the
        # session engine).
        lock=sql.Compiled(
            lock, lock_params, name="nedra_bid_lock_session" if session else "nedra_bid_lock"
        ),
        insert=sql.Compiled(insert, insert_slots, name="nedra_bid_insert"),
        update=sql.Compiled(update, update_slots, name="nedra_bid_update"),
        insert_and_update=insert_and_update,
        lot_converters=sql.converters(Lot, _LOT_FIELDS, using=using),
        recent_converters=sql.converters(Bid, _RECENT_FIELDS, using=using),
        maximum_converters=sql.converters(Maximum, _MAXIMUM_FIELDS, using=using),
        secured_converters=[
            *sql.converters(Payment, ["amount_received"], using=using),
            *sql.converters(Application, ["bank_guarantee"], using=using),
        ],
        recent_as_arrays=on_postgresql,
        session=session,
    )
    return found


def _lock_lot(
    *,
    user: User,
    lot_id: int,
    key: uuid.UUID,
    session_key: str | None = None,
    trip: sql.Trip | None = None,
) -> _LockedLot | None:
    """Lock the lot's row and read what the bid's rules need, and the session if given;
    None if there is no lot. The first statement of the `trip`, if given."""
    statements = _prepared()
    connection = connections["default"]
    # A number no lot's id can be is no lot (the ORM says so itself; plain SQL would fail).
    low, high = connection.ops.integer_field_range(Lot._meta.pk.get_internal_type())
    if (low is not None and lot_id < low) or (high is not None and lot_id > high):
        return None
    (key_value,) = sql.db_values(Bid, [("key", key)])
    with connection.cursor() as cursor:
        session = statements.session.bind(session_key, user.pk) if statements.session else {}
        statements.lock.run(
            cursor,
            {"key": key_value, "user_id": user.pk, "lot_id": lot_id, **session},
            before=trip.begin() if trip is not None else "",
        )
        rows = cursor.fetchall()
    if not rows:
        return None
    width = len(_LOT_FIELDS)
    first = rows[0]
    lot: dict[str, Any] = {
        name: convert(value)
        for name, convert, value in zip(
            _LOT_FIELDS, statements.lot_converters, first[:width], strict=True
        )
    }
    repeated_id, repeated_by, participant_id, number, has_deposit, has_factor = first[
        width : width + 6
    ]
    deposit_received, bank_guarantee = (
        None if value is None else convert(value)
        for convert, value in zip(
            statements.secured_converters, first[width + 6 : width + 8], strict=True
        )
    )
    seen_changes, next_bid_id = first[width + 8 : width + 10]
    maxima = width + 10
    sessions = maxima + 2 * len(_MAXIMUM_FIELDS)
    bids = sessions + (statements.session.width if statements.session else 0)
    recent: list[live.RecentBid] = []
    # PostgreSQL gives them as one array per field in the one row (`_prepared`); the others
    # one row each.
    if statements.recent_as_arrays:
        newest = list(zip(*first[bids:], strict=True)) if first[bids] is not None else []
    else:
        newest = [row[bids:] for row in rows if row[bids] is not None]
    for values in newest:
        sequence, bid_number, bid_amount, placed_at, automatic = (
            convert(value)
            for convert, value in zip(statements.recent_converters, values, strict=True)
        )
        recent.append((sequence, bid_number, bid_amount, placed_at, bool(automatic)))  # type: ignore[arg-type]
    return _LockedLot(
        lot=lot,
        repeated_id=repeated_id,
        repeated_by=repeated_by,
        participant=(participant_id, number) if participant_id is not None else None,
        may_bid=participant_id is not None
        and selectors.participants.may_bid(
            guarantee_deposit=lot["guarantee_deposit"],
            has_deposit=has_deposit,
            has_factor=has_factor,
        ),
        ceiling=ceilings.from_row(
            rule=lot["bid_ceiling"],
            multiple=lot["bid_ceiling_multiple"],
            deposit=deposit_received,  # type: ignore[arg-type]
            bank_guarantee=bank_guarantee,  # type: ignore[arg-type]
        ),
        seen_changes=seen_changes,
        recent=recent,
        leader_maximum=_standing_maximum(statements, first[maxima : maxima + 3]),
        own_maximum=_standing_maximum(statements, first[maxima + 3 : sessions]),
        session=first[sessions:bids] if session_key and statements.session else None,
        next_bid_id=next_bid_id,
    )


def _standing_maximum(
    statements: _Statements, values: tuple[Any, ...]
) -> proxy.StandingMaximum | None:
    if values[1] is None:
        return None
    amount, order, set_by = (
        convert(value) for convert, value in zip(statements.maximum_converters, values, strict=True)
    )
    return proxy.StandingMaximum(amount=amount, order=order, set_by=set_by)  # type: ignore[arg-type]


def _lock_current(
    read: Callable[..., _LockedLot | None], *, trip: sql.Trip | None = None
) -> _LockedLot | None:
    """Lock the lot's row and read what the rules need, current as of holding the lock:
    `read` is `_lock_lot` with the bid's arguments, called again if the first read is stale."""
    locked = read(trip=trip)
    if locked is not None and (
        locked.lot["bid_count"] != (locked.recent[0][0] if locked.recent else 0)
        # Or a change of the participants' money (`ceilings.record_bank_guarantee`, which
        # moves the version) or of a maximum committed while this statement waited.
        or locked.seen_changes != locked.lot["version"] + locked.lot["maxima_changes"]
    ):
        # The statement waited for the lock while other bids committed: PostgreSQL hands
        # it the lot's newest row but the joined rows of the snapshot it started with. Read
        # again, holding the lock now, so the key and the newest bids are current too.
        locked = read()
    return locked


def _place_locked(
    *,
    user: User,
    lot_id: int,
    amount: Decimal,
    key: uuid.UUID,
    session_key: str | None,
    trip: sql.Trip | None,
) -> BidOutcome:
    # Lock the lot row: every rule below is checked against the state this bid will
    # change, so two bids at once can never both be validated against the same price.
    locked = _lock_current(
        functools.partial(_lock_lot, user=user, lot_id=lot_id, key=key, session_key=session_key),
        trip=trip,
    )
    if locked is None or locked.lot["status"] == Lot.Status.DRAFT:
        raise DomainError("lot_not_found", _("There is no such lot."))
    user = _session_checked(locked, user=user, session_key=session_key)
    lot = locked.lot
    if locked.repeated_id is not None:
        if locked.repeated_by != user.pk:
            raise DomainError("malformed", _("This key belongs to another bid; make a new one."))
        return BidOutcome(bid=Bid.objects.get(pk=locked.repeated_id), created=False)

    # The lot's status before the participant: once a lot is over its settlement moves
    # deposits on, and everyone, admitted or not, is told the same thing: it is over.
    now = timezone.now()
    if lot["status"] != Lot.Status.LIVE or not lot["starts_at"] <= now < lot["ends_at"]:
        raise DomainError(
            "lot_not_live", _("Lot %(number)s is not taking bids now.") % {"number": lot["number"]}
        )
    participant_id, number = _open_bidder(locked, user=user, lot_id=lot_id)
    if lot["leader"] == participant_id:
        raise DomainError("already_leading", _("You already hold the highest bid."))
    minimum = next_minimum(
        current_price=lot["current_price"],
        starting_price=lot["starting_price"],
        bid_step=lot["bid_step"],
    )
    if amount < minimum:
        raise DomainError(
            "too_low", _("The lowest bid now is %(minimum)s.") % {"minimum": format_kzt(minimum)}
        )
    ceilings.check(amount, locked.ceiling)

    entries = [_Entry(participant_id, number, amount, user.pk, key, automatic=False)]
    if locked.leader_maximum is not None or locked.own_maximum is not None:
        # A maximum stands: the one this bid outbids answers it (auctions/proxy.py).
        entries += _answers_to_bid(
            locked, lot_id=lot_id, participant_id=participant_id, number=number, amount=amount
        )
    appended = _append_bids(locked, lot_id=lot_id, entries=entries, now=now, trip=trip)
    if locked.leader_maximum is not None and entries[-1].participant_id != lot["leader"]:
        # The outbid leader's maximum is used up: its owner is told (one that answered
        # and still leads changed nothing its owner sees).
        _tell_owners_on_commit(lot_id, {lot["leader"]})
    return BidOutcome(
        bid=appended.bids[0], created=True, extended=appended.extended, state=appended.state
    )


def _open_bidder(locked: _LockedLot, *, user: User, lot_id: int) -> tuple[int, int]:
    """Return the (application, participant number) that may bid openly in the live lot
    now: a bid or a maximum. Raises DomainError lot_not_live (a two-stage lot's sealed
    round) or not_admitted."""
    lot = locked.lot
    is_two_stage = lot["format"] == Lot.Format.SEALED_THEN_ASCENDING
    if is_two_stage and lot["sealed_round_closed_at"] is None:
        raise DomainError(
            "lot_not_live",
            _(
                "Lot %(number)s is in its sealed round: submit your one sealed bid; open "
                "bidding starts when the round closes."
            )
            % {"number": lot["number"]},
        )
    if locked.participant is None or not locked.may_bid:
        # Only on the way to a refusal: say what would let an admitted bidder bid.
        if selectors.participants.admitted_number(user=user, lot_id=lot_id) is not None:
            refuse_without_second_factor(user)
        raise DomainError(
            "not_admitted", _("Your company is not an admitted participant of this lot.")
        )
    if is_two_stage:
        # Only two-stage lots pay this read: plain lots keep their three statements.
        sealed.refuse_unless_advanced(lot_id=lot_id, application_id=locked.participant[0])
    return locked.participant


@dataclass(frozen=True)
class _Entry:
    """A bid to append to the lot's chain."""

    participant_id: int
    participant_number: int
    amount: Decimal
    placed_by: int
    key: uuid.UUID
    automatic: bool


@dataclass(frozen=True)
class _Appended:
    bids: list[Bid]
    extended: bool
    state: dict[str, Any]


def _append_bids(
    locked: _LockedLot,
    *,
    lot_id: int,
    entries: list["_Entry"],
    now: datetime,
    trip: sql.Trip | None = None,
) -> _Appended:
    """Append the bids to the lot's hash chain, one INSERT each, then move the lot in one
    UPDATE; return them with the state they make. Under the lot's lock, rules checked; the
    last statement of the `trip`, if given, which commits with it."""
    lot, recent = locked.lot, locked.recent
    # A bid in the soft-close window moves the end so nobody wins by sniping; the
    # extension is computed here, under the lock, and never passes the hard end.
    window = lot["soft_close_window"]
    extended_end = min(now + window, lot["hard_end"])
    extended = lot["ends_at"] - now <= window and extended_end > lot["ends_at"]
    ends_at = extended_end if extended else lot["ends_at"]
    version = lot["version"] + 1

    statements = _prepared()
    sequence = lot["bid_count"]
    digest = lot["last_bid_hash"] or GENESIS_HASH
    bids: list[Bid] = []
    appended: list[live.RecentBid] = []
    last = entries[-1]
    with connections["default"].cursor() as cursor:
        for entry in entries:
            sequence += 1
            prev_hash, digest = (
                digest,
                bid_hash(
                    prev_hash=digest,
                    lot_id=lot_id,
                    sequence=sequence,
                    participant_number=entry.participant_number,
                    amount=entry.amount,
                    placed_at=now,
                ),
            )
            inserted = [
                ("lot", lot_id),
                ("application", entry.participant_id),
                ("participant_number", entry.participant_number),
                ("sequence", sequence),
                ("amount", entry.amount),
                ("placed_at", now),
                ("placed_by", entry.placed_by),
                ("key", entry.key),
                ("prev_hash", prev_hash),
                ("hash", digest),
                ("automatic", entry.automatic),
            ]
            values = dict(
                zip((name for name, _ in inserted), sql.db_values(Bid, inserted), strict=True)
            )
            if entry is last:
                # The lot moves to where the last bid leaves it: its price and leader, the
                # chain's head, the new version and the end (extended by a late bid).
                moved = [
                    ("current_price", last.amount),
                    ("leader", last.participant_id),
                    ("bid_count", sequence),
                    ("last_bid_hash", digest),
                    ("version", version),
                    ("ends_at", ends_at),
                ]
                values.update(
                    zip((name for name, _ in moved), sql.db_values(Lot, moved), strict=True),
                    id=lot_id,
                )
            if entry is last and statements.insert_and_update is not None:
                bid_id = values["bid_id"] = locked.next_bid_id
                statements.insert_and_update.run(
                    cursor, values, after=trip.commit() if trip is not None else ""
                )
            else:
                statements.insert.execute(cursor, **values)
                bid_id = cursor.fetchone()[0]
            # The bid as stored, built from what was inserted: nothing is read back.
            bids.append(
                sql.stored_instance(
                    Bid,
                    {
                        "id": bid_id,
                        **{sql.model_field(Bid, name).attname: value for name, value in inserted},
                    },
                )
            )
            appended.insert(
                0, (sequence, entry.participant_number, entry.amount, now, entry.automatic)
            )
        if statements.insert_and_update is None:
            # Elsewhere the lot moves in a statement of its own, from the last bid's values.
            statements.update.execute(cursor, **values)
    state = live.build_state(
        lot_id=lot_id,
        version=version,
        status=lot["status"],
        current_price=last.amount,
        min_next_bid=next_minimum(
            current_price=last.amount,
            starting_price=lot["starting_price"],
            bid_step=lot["bid_step"],
        ),
        has_leader=True,
        bid_count=sequence,
        status_reason=lot["status_reason"],
        starts_at=lot["starts_at"],
        ends_at=ends_at,
        hard_end=lot["hard_end"],
        recent=[*appended, *recent][: live.RECENT_BIDS],
        sealed=live.sealed_round_of(
            format=lot["format"],
            ends_at=lot["sealed_round_ends_at"],
            closed_at=lot["sealed_round_closed_at"],
            bid_count=lot["sealed_bid_count"],
        ),
    )
    return _Appended(bids=bids, extended=extended, state=state)


def _answers_to_bid(
    locked: _LockedLot, *, lot_id: int, participant_id: int, number: int, amount: Decimal
) -> list[_Entry]:
    """Return the automatic bids that answer a bid by hand: the maximum of the leader it
    outbid against the bidder (and the bidder's own maximum, if it stands above the bid)."""
    lot = locked.lot
    if locked.leader_maximum is None or lot["leader"] is None or not locked.recent:
        return []
    # Asked only when the leader's maximum could answer at all: a bid past it costs nothing.
    if locked.leader_maximum.amount < amount + lot["bid_step"]:
        return []
    leader_maximum = _still_bidding(
        lot, lot_id=lot_id, participant_id=lot["leader"], maximum=locked.leader_maximum
    )
    if leader_maximum is None or leader_maximum.amount < amount + lot["bid_step"]:
        return []
    bidder = proxy.stand(
        participant_id=participant_id,
        participant_number=number,
        holds=amount,
        maximum=_within_ceiling(locked.own_maximum, locked.ceiling),
    )
    outbid = proxy.stand(
        participant_id=lot["leader"],
        participant_number=locked.recent[0][1],
        holds=None,
        maximum=leader_maximum,
    )
    return _entries(
        proxy.duel(
            price=amount,
            starting_price=lot["starting_price"],
            bid_step=lot["bid_step"],
            leader=bidder,
            challenger=outbid,
        )
    )


def _still_bidding(
    lot: dict[str, Any], *, lot_id: int, participant_id: int, maximum: proxy.StandingMaximum
) -> proxy.StandingMaximum | None:
    """Return the maximum as far as it may bid for its owner now, or None.

    Its owner may bid by the one rule of who may bid
    (`selectors.participants.bidding_candidate`), for the user who set it: a company
    suspended since, a deposit no longer received, a user gone, and its maximum bids no
    more. On a lot with a bid ceiling it bids no higher than the owner's ceiling now (a
    guarantee lowered since it was set), read from the same row.
    """
    candidate = selectors.participants.bidding_candidate(
        user_id=maximum.set_by, lot_id=lot_id
    ).first()
    if (
        candidate is None
        or candidate["id"] != participant_id
        or not selectors.participants.may_bid(
            guarantee_deposit=lot["guarantee_deposit"],
            has_deposit=bool(candidate["has_deposit"]),
            has_factor=bool(candidate["has_factor"]),
        )
    ):
        return None
    ceiling = ceilings.from_row(
        rule=lot["bid_ceiling"],
        multiple=lot["bid_ceiling_multiple"],
        deposit=candidate["deposit_received"],
        bank_guarantee=candidate["bank_guarantee"],
    )
    return _within_ceiling(maximum, ceiling)


def _within_ceiling(
    maximum: proxy.StandingMaximum | None, ceiling: ceilings.Ceiling
) -> proxy.StandingMaximum | None:
    """Return the maximum capped at the owner's bid ceiling (`ceilings`), if it has one."""
    if maximum is None or ceiling.amount is None or maximum.amount <= ceiling.amount:
        return maximum
    return dataclasses.replace(maximum, amount=ceiling.amount)


def _entries(answers: list[tuple[proxy.Stand, Decimal]]) -> list[_Entry]:
    return [
        _Entry(
            participant_id=who.participant_id,
            participant_number=who.participant_number,
            amount=amount,
            placed_by=who.set_by,  # type: ignore[arg-type]
            key=uuid.uuid4(),
            automatic=True,
        )
        for who, amount in answers
    ]


def _tell_owners_on_commit(lot_id: int, owners: set[int]) -> None:
    if owners:
        participants = sorted(owners)
        transaction.on_commit(lambda: proxy.tell_owners(lot_id, participants), robust=True)


# --- Proxy (maximum) bids --------------------------------------------------------------------


@dataclass(frozen=True)
class MaximumOutcome:
    """A maximum set; `created` is False when its key was seen before and nothing changed.

    `bids` are the automatic bids it placed at once (none when its owner leads already).
    """

    maximum: Maximum
    created: bool
    bids: tuple[Bid, ...] = ()
    extended: bool = False
    state: dict[str, Any] | None = None


def set_maximum(
    *, user: User, lot_id: int, amount: object, key: object, session_key: str | None = None
) -> MaximumOutcome:
    """Set or change the user's company's private maximum for a lot, and bid for it.

    Not leading, the participant's maximum bids at once: at the minimum, or as the duel
    with the leader's maximum decides (auctions/proxy.py); leading, it is kept for when it
    is outbid. It may be raised; never set below the lowest bid now (code too_low) or,
    while its owner leads, below the current price (code maximum_below_price). Spends the
    participant's bid budget; a key seen before returns its first outcome. Raises
    DomainError with the bid's codes: rate_limited, invalid_amount, malformed,
    lot_not_found, lot_not_live, not_admitted, too_low, and maximum_below_price. Given the
    login session it comes from, it is checked with the lot's lock as a bid's is
    (session_ended).
    """
    if not ratelimit.take(f"bids:{lot_id}:{_bid_budget_holder(user)}", settings.BID_RATE_LIMIT):
        raise DomainError("rate_limited", _("Too many bids at once; wait a moment."))
    amount = parse_amount(amount)
    key = parse_key(key)
    _refuse_staff(user)
    user, session_key = _session_to_join(user, session_key)
    with transaction.atomic():
        outcome = _set_maximum_locked(
            user=user, lot_id=lot_id, amount=amount, key=key, session_key=session_key
        )
        if outcome.state is not None:
            state = outcome.state
            transaction.on_commit(lambda: live.broadcast_state(lot_id, state), robust=True)
        if outcome.extended:
            transaction.on_commit(lambda: schedule_close(lot_id), robust=True)
    return outcome


def _set_maximum_locked(
    *, user: User, lot_id: int, amount: Decimal, key: uuid.UUID, session_key: str | None
) -> MaximumOutcome:
    # The bid's own lock and read: a maximum races bids (and other maxima) for the same
    # price, so it is checked and answered against the state it changes, as a bid is.
    locked = _lock_current(
        functools.partial(_lock_lot, user=user, lot_id=lot_id, key=key, session_key=session_key)
    )
    if locked is None or locked.lot["status"] == Lot.Status.DRAFT:
        raise DomainError("lot_not_found", _("There is no such lot."))
    user = _session_checked(locked, user=user, session_key=session_key)
    lot = locked.lot
    repeated = Maximum.objects.filter(lot_id=lot_id, key=key).first()
    if repeated is not None:
        if repeated.set_by_id != user.pk:
            raise DomainError(
                "malformed", _("This key belongs to another maximum; make a new one.")
            )
        return MaximumOutcome(maximum=repeated, created=False)
    now = timezone.now()
    if lot["status"] != Lot.Status.LIVE or not lot["starts_at"] <= now < lot["ends_at"]:
        raise DomainError(
            "lot_not_live", _("Lot %(number)s is not taking bids now.") % {"number": lot["number"]}
        )
    participant_id, number = _open_bidder(locked, user=user, lot_id=lot_id)
    leads = lot["leader"] == participant_id
    minimum = next_minimum(
        current_price=lot["current_price"],
        starting_price=lot["starting_price"],
        bid_step=lot["bid_step"],
    )
    if leads and amount < lot["current_price"]:
        raise DomainError(
            "maximum_below_price",
            _("You lead at %(price)s: your maximum cannot be below the price you hold.")
            % {"price": format_kzt(lot["current_price"])},
        )
    if not leads and amount < minimum:
        raise DomainError(
            "too_low",
            _("Your maximum must be at least the lowest bid now: %(minimum)s.")
            % {"minimum": format_kzt(minimum)},
        )
    # Nor above what the participant secured: the engine would bid it.
    ceilings.check(amount, locked.ceiling)
    Maximum.objects.filter(lot_id=lot_id, application_id=participant_id, is_current=True).update(
        is_current=False
    )
    # A bid waiting for the lock read the maxima before this one: it must read them again.
    Lot.objects.filter(pk=lot_id).update(maxima_changes=F("maxima_changes") + 1)
    maximum = Maximum.objects.create(
        lot_id=lot_id,
        application_id=participant_id,
        amount=amount,
        set_at=now,
        set_by=user,
        key=key,
    )
    mine = proxy.stand(
        participant_id=participant_id,
        participant_number=number,
        holds=lot["current_price"] if leads else None,
        maximum=proxy.standing(maximum),
    )
    if leads:
        # Lowered, the maximum may now lose to another one that could not bid before.
        rival = proxy.best_challenger(lot_id=lot_id, leader_id=participant_id, minimum=minimum)
        rival_maximum = (
            None
            if rival is None
            else _still_bidding(
                lot,
                lot_id=lot_id,
                participant_id=rival.application_id,
                maximum=proxy.standing(rival),  # type: ignore[arg-type]
            )
        )
        answers = []
        if rival is not None and rival_maximum is not None:
            answers = proxy.duel(
                price=lot["current_price"],
                starting_price=lot["starting_price"],
                bid_step=lot["bid_step"],
                leader=mine,
                challenger=proxy.stand(
                    participant_id=rival.application_id,
                    participant_number=_participant_number(rival.application_id),
                    holds=None,
                    maximum=rival_maximum,
                ),
            )
    else:
        leader = None
        if lot["leader"] is not None:
            leader_maximum = locked.leader_maximum
            if leader_maximum is not None:
                leader_maximum = _still_bidding(
                    lot, lot_id=lot_id, participant_id=lot["leader"], maximum=leader_maximum
                )
            leader = proxy.stand(
                participant_id=lot["leader"],
                participant_number=locked.recent[0][1],
                holds=lot["current_price"],
                maximum=leader_maximum,
            )
        answers = proxy.duel(
            price=lot["current_price"],
            starting_price=lot["starting_price"],
            bid_step=lot["bid_step"],
            leader=leader,
            challenger=mine,
        )
    # Its owner's sockets are told of the maximum set, and of another one that changed:
    # the outbid leader's used up, or a waiting one that took the lead.
    leader_after = answers[-1][0].participant_id if answers else lot["leader"]
    owners = {participant_id}
    if locked.leader_maximum is not None and leader_after != lot["leader"]:
        owners.add(lot["leader"])
    if leads and answers and leader_after != participant_id:
        owners.add(leader_after)
    _tell_owners_on_commit(lot_id, owners)
    if not answers:
        return MaximumOutcome(maximum=maximum, created=True)
    appended = _append_bids(locked, lot_id=lot_id, entries=_entries(answers), now=now)
    return MaximumOutcome(
        maximum=maximum,
        created=True,
        bids=tuple(appended.bids),
        extended=appended.extended,
        state=appended.state,
    )


def _participant_number(participant_id: int) -> int:
    return Application.objects.values_list("participant_number", flat=True).get(pk=participant_id)  # type: ignore[return-value]


# --- Opening, pausing and closing ---------------------------------------------------------


def open_lot(*, lot_id: int) -> Lot:
    """Start a published lot's auction once its start time has come; else change nothing.

    With two or more admitted participants the lot goes live. With one, the lot's rule
    decides: cancel, or award the licence to that applicant at the starting price. With
    none it fails. Safe to call twice or from two workers at once.
    """
    with transaction.atomic():
        # Lock the lot: two sweeps opening it at once must decide once; an admission
        # racing the opening is either counted or refused (it needs a published lot).
        lot = Lot.objects.select_for_update().get(pk=lot_id)
        now = timezone.now()
        if lot.status != Lot.Status.PUBLISHED or now < lot.starts_at:
            return lot
        admitted = list(
            lot.applications.filter(status=Application.Status.ADMITTED).order_by(
                "participant_number"
            )
        )
        if len(admitted) >= 2:
            lot.status = Lot.Status.LIVE
        elif len(admitted) == 1 and (
            lot.single_participant_rule == Lot.SingleParticipantRule.OFFER_AT_START
        ):
            lot.status = Lot.Status.CLOSED
            lot.status_reason = _(
                "Only one participant was admitted. Under the lot's rule the auction was not "
                "held and the licence is offered to that participant at the starting price."
            )
            Result.objects.create(
                lot=lot,
                outcome=Result.Outcome.AWARDED,
                winner=admitted[0],
                winning_bonus=lot.starting_price,
                bid_count=0,
                closed_at=now,
                **_ceiling_in_force(lot, winner_id=admitted[0].pk),
            )
        elif len(admitted) == 1:
            lot.status = Lot.Status.CANCELLED
            lot.status_reason = _(
                "Only one participant was admitted. Under the lot's rule the auction is "
                "cancelled; the deposit can be offered again."
            )
        else:
            _fail_without_bids(
                lot,
                reason=_("No participant was admitted; the deposit can be offered again."),
                now=now,
            )
        _save_status(lot, extra_fields=[])
    return lot


def close_lot(*, lot_id: int) -> Lot:
    """Close a live lot whose end has passed, with its Result; else change nothing.

    The highest bid wins; a lot without bids fails. Safe to call twice, from two workers
    at once, or again after a crash (one transaction: all of it happened, or none).
    """
    with transaction.atomic():
        # Lock the lot: the same lock every bid takes, so a bid is either in before the
        # close (and in the result) or sees the lot closed and is refused.
        lot = Lot.objects.select_for_update().get(pk=lot_id)
        now = timezone.now()
        # Re-check under the lock: an extension may have moved the end since the sweep.
        if lot.status != Lot.Status.LIVE or now < lot.ends_at:
            return lot
        # A two-stage lot's sealed round closes first (close_sealed_round, which the sweep
        # runs before this): closing the lot without it would lose the sealed bids.
        if lot.is_in_sealed_round:
            return lot
        if lot.bid_count == 0:
            _fail_without_bids(
                lot, reason=_("No bids were placed; the deposit can be offered again."), now=now
            )
        else:
            lot.status = Lot.Status.CLOSED
            Result.objects.create(
                lot=lot,
                outcome=Result.Outcome.AWARDED,
                winner_id=lot.leader_id,
                winning_bonus=lot.current_price,
                bid_count=lot.bid_count,
                closed_at=now,
                **_ceiling_in_force(lot, winner_id=lot.leader_id),
            )
        _save_status(lot, extra_fields=[])
    return lot


def _fail_without_bids(lot: Lot, *, reason: str, now: datetime) -> None:
    """Mark the locked lot failed for `reason`, with its Result; the caller saves the lot's
    status (`_save_status`), which frees its deposit."""
    lot.status = Lot.Status.FAILED
    lot.status_reason = reason
    Result.objects.create(
        lot=lot,
        outcome=Result.Outcome.FAILED,
        bid_count=0,
        closed_at=now,
        **_ceiling_in_force(lot, winner_id=None),
    )


def _ceiling_in_force(lot: Lot, *, winner_id: int | None) -> dict[str, Any]:
    """Return the Result's record of the lot's bid ceiling: its rule and multiple, and the
    winner's ceiling as it stands at the close (None without a ceiling or a winner)."""
    ceiling = (
        ceilings.of_application(lot=lot, application_id=winner_id)
        if winner_id is not None
        else ceilings.NO_CEILING
    )
    return {
        "bid_ceiling": lot.bid_ceiling,
        "bid_ceiling_multiple": lot.bid_ceiling_multiple,
        "winner_ceiling": ceiling.amount,
    }


def pause_lot(
    *,
    lot_id: int,
    reason: str,
    cause: str = LotPause.Cause.STAFF,
    awaiting: Sequence[int] = (),
    since: datetime | None = None,
) -> Lot:
    """Pause a live lot on a technical failure, keeping the time it had left, and record the
    pause in the lot's public record.

    `since`, for a failure noticed only after it ended (the database was down), keeps the
    time the lot had left then. Raises DomainError: reason_required, lot_not_live.
    """
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", _("Say why the lot is paused."))
    with transaction.atomic():
        # Lock the lot: a bid must not land between reading the time left and pausing.
        lot = Lot.objects.select_for_update().get(pk=lot_id)
        now = timezone.now()
        started = min(since, now) if since is not None else now
        if lot.status != Lot.Status.LIVE or started >= lot.ends_at:
            raise DomainError("lot_not_live", _("Only a running lot can be paused."))
        lot.paused_remaining = lot.ends_at - started
        lot.status = Lot.Status.PAUSED
        lot.status_reason = reason
        _save_status(lot, extra_fields=["paused_remaining"])
        LotPause.objects.create(
            lot=lot, started_at=started, cause=cause, reason=reason, awaiting=list(awaiting)
        )
    return lot


def pause_automatically(
    *,
    lot_id: int,
    cause: str,
    reason: str,
    awaiting: Sequence[int],
    since: datetime | None = None,
) -> Lot | None:
    """Pause a live lot by itself and alert staff; None if it was no longer running (or
    automatic pauses are off)."""
    if not settings.LIVE_AUTOMATIC_PAUSES:
        return None
    try:
        lot = pause_lot(lot_id=lot_id, reason=reason, cause=cause, awaiting=awaiting, since=since)
    except DomainError:
        return None
    pauses.alert_staff(lot_id=lot_id, cause=cause, reason=reason, awaiting=awaiting)
    return lot


def resume_lot(*, lot_id: int, by: str = LotPause.Ending.STAFF, pause_id: int | None = None) -> Lot:
    """Resume a paused lot with the time it had left; the hard end moves by the pause.

    `pause_id` resumes only that pause (an automatic resume must not end a pause staff
    made since). Raises DomainError: lot_not_paused.
    """
    with transaction.atomic():
        lot = Lot.objects.select_for_update().get(pk=lot_id)
        # pause_lot stores the time left with the status: without it nothing is paused.
        if lot.status != Lot.Status.PAUSED or lot.paused_remaining is None:
            raise DomainError("lot_not_paused", _("The lot is not paused."))
        open_pause = lot.pauses.filter(ended_at__isnull=True)
        if pause_id is not None and not open_pause.filter(pk=pause_id).exists():
            raise DomainError("lot_not_paused", _("The lot is not paused."))
        now = timezone.now()
        new_end = now + lot.paused_remaining
        lot.hard_end += new_end - lot.ends_at
        if lot.is_in_sealed_round and lot.sealed_round_ends_at is not None:
            # The sealed round gets back its time left too.
            lot.sealed_round_ends_at += new_end - lot.ends_at
        lot.ends_at = new_end
        lot.paused_remaining = None
        lot.status = Lot.Status.LIVE
        lot.status_reason = ""
        _save_status(
            lot,
            extra_fields=["paused_remaining", "ends_at", "hard_end", "sealed_round_ends_at"],
        )
        open_pause.update(ended_at=now, ended_how=by)
    return lot


def cancel_lot(*, lot_id: int, reason: str) -> Lot:
    """Cancel a published, live or paused lot with a reason; its bids stay on record.

    Raises DomainError: reason_required, lot_finished.
    """
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", _("Say why the lot is cancelled."))
    with transaction.atomic():
        lot = Lot.objects.select_for_update().get(pk=lot_id)
        if lot.status not in Lot.OPEN_STATUSES:
            raise DomainError(
                "lot_finished",
                _("Lot %(number)s is already %(status)s.")
                % {"number": lot.number, "status": lot.get_status_display().lower()},
            )
        lot.status = Lot.Status.CANCELLED
        lot.status_reason = reason
        lot.paused_remaining = None
        _save_status(lot, extra_fields=["paused_remaining"])
        lot.pauses.filter(ended_at__isnull=True).update(
            ended_at=timezone.now(), ended_how=LotPause.Ending.CANCELLED
        )
    return lot


def fail_unpaid_lot(*, lot_id: int) -> Lot:
    """Fail a closed lot whose licence nobody paid for, down the whole bid ladder.

    Called by licensing when the last offer is forfeited; the deposit is freed and every
    socket of the lot told, as for any failed lot. Raises DomainError lot_not_closed.
    """
    with transaction.atomic():
        lot = Lot.objects.select_for_update().get(pk=lot_id)
        if lot.status != Lot.Status.CLOSED:
            raise DomainError(
                "lot_not_closed", _("Only a closed lot can fail for want of payment.")
            )
        lot.status = Lot.Status.FAILED
        lot.status_reason = _(
            "The winner did not pay the signature bonus in time and no other participant is "
            "left to take the licence; the deposit can be offered again."
        )
        _save_status(lot, extra_fields=[])
    return lot


def _save_status(lot: Lot, *, extra_fields: list[str]) -> None:
    """Save a change of the lot's status, free a deposit it no longer holds, and tell
    every socket of the lot after commit; a finished lot is announced (`lot_finished`) for
    the layers above to settle."""
    lot.version += 1
    lot.save(update_fields=["status", "status_reason", "version", *extra_fields])
    if lot.status in (Lot.Status.FAILED, Lot.Status.CANCELLED):
        Deposit.objects.filter(pk=lot.deposit_id).update(status=Deposit.Status.AVAILABLE)
    lot_id = lot.pk
    if lot.status in Lot.FINISHED_STATUSES:
        transaction.on_commit(lambda: live.broadcast_closed(lot_id), robust=True)
        transaction.on_commit(
            lambda: signals.lot_finished.send(sender=Lot, lot_id=lot_id), robust=True
        )
    else:
        transaction.on_commit(lambda: live.broadcast_state(lot_id), robust=True)
    if lot.status == Lot.Status.LIVE:
        transaction.on_commit(lambda: schedule_close(lot_id), robust=True)


# --- The auction clock ----------------------------------------------------------------------
# Here, beside close_lot, rather than in tasks.py: the engine queues it whenever a lot's end
# is set, and tasks.py (an interface) stands on the engine, never under it. Named as before
# it moved, so a close queued by the previous release still finds its task.


# Celery ships no annotations (its names are Any to us); the task's own signature is typed.
@shared_task(  # type: ignore[untyped-decorator]
    name="auctions.tasks.close_lot_when_due",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def close_lot_when_due(lot_id: int) -> None:
    """Close the lot if its end has passed; an extension since leaves it for later."""
    close_lot(lot_id=lot_id)


def schedule_close(lot_id: int) -> None:
    """Queue a close for the lot's current end (and its sealed round's, while open), so it
    closes on the second, not at the next sweep. Embedded mode runs tasks at once, so
    there the sweep does it."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    ends_at, format_, round_ends_at, round_closed_at = Lot.objects.values_list(
        "ends_at", "format", "sealed_round_ends_at", "sealed_round_closed_at"
    ).get(pk=lot_id)
    if format_ == Lot.Format.SEALED_THEN_ASCENDING and round_closed_at is None:
        close_sealed_round_when_due.apply_async(args=[lot_id], eta=round_ends_at)
    close_lot_when_due.apply_async(args=[lot_id], eta=ends_at)


@shared_task(  # type: ignore[untyped-decorator]
    name="auctions.tasks.close_sealed_round_when_due",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def close_sealed_round_when_due(lot_id: int) -> None:
    """Close the lot's sealed round if its end has passed."""
    close_sealed_round(lot_id=lot_id)


# --- Two-stage lots: the sealed round (auctions/sealed.py) ----------------------------------


@dataclass(frozen=True)
class SealedBidOutcome:
    """A sealed bid; `created` is False when its key was seen before and nothing changed."""

    sealed_bid: SealedBid
    created: bool


def submit_sealed_bid(*, user: User, lot_id: int, amount: object, key: object) -> SealedBidOutcome:
    """Submit the user's company's one sealed bid in a two-stage lot's sealed round.

    Stored encrypted with a commitment (auctions/sealed.py); the lot's count of sealed bids
    is broadcast, never an amount. A key seen before returns that sealed bid. Raises
    DomainError: rate_limited, invalid_amount, malformed, lot_not_found, lot_not_live,
    round_closed, not_admitted, sealed_bid_exists, too_low.
    """
    # The bids' own budget: a sealed bid is a bid.
    if not ratelimit.take(f"bids:{lot_id}:{_bid_budget_holder(user)}", settings.BID_RATE_LIMIT):
        raise DomainError("rate_limited", _("Too many bids at once; wait a moment."))
    amount = parse_amount(amount)
    key = parse_key(key)
    _refuse_staff(user)
    with transaction.atomic():
        # Lock the lot: the round's close takes the same lock, so a sealed bid is either in
        # before the close (and ranked) or sees the round closed and is refused.
        lot = Lot.objects.select_for_update().exclude(status=Lot.Status.DRAFT).filter(pk=lot_id)
        locked = lot.first()
        if locked is None:
            raise DomainError("lot_not_found", _("There is no such lot."))
        earlier = SealedBid.objects.filter(lot_id=lot_id, key=key).select_related("lot").first()
        if earlier is not None:
            if earlier.submitted_by_id != user.pk:
                raise DomainError(
                    "malformed", _("This key belongs to another bid; make a new one.")
                )
            return SealedBidOutcome(sealed_bid=earlier, created=False)
        sealed_bid = _seal_locked(user=user, lot=locked, amount=amount, key=key)
        transaction.on_commit(lambda: live.broadcast_state(lot_id), robust=True)
    return SealedBidOutcome(sealed_bid=sealed_bid, created=True)


def _seal_locked(*, user: User, lot: Lot, amount: Decimal, key: uuid.UUID) -> SealedBid:
    now = timezone.now()
    if not lot.is_two_stage:
        raise DomainError(
            "lot_not_live",
            _("Lot %(number)s has no sealed round: bid openly.") % {"number": lot.number},
        )
    round_ends_at = lot.sealed_round_ends_at
    assert round_ends_at is not None  # noqa: S101 - the lot_sealed_round_within_auction check
    if (
        lot.sealed_round_closed_at is not None
        or lot.status in Lot.FINISHED_STATUSES
        or (lot.status == Lot.Status.LIVE and now >= round_ends_at)
    ):
        raise DomainError(
            "round_closed",
            _("The sealed round of lot %(number)s has closed; no more sealed bids are taken.")
            % {"number": lot.number},
        )
    if lot.status != Lot.Status.LIVE or now < lot.starts_at:
        raise DomainError(
            "lot_not_live",
            _("Lot %(number)s is not taking sealed bids now.") % {"number": lot.number},
        )
    candidate = selectors.participants.bidding_candidate(user_id=user.pk, lot_id=lot.pk).first()
    if candidate is None or not selectors.participants.may_bid(
        guarantee_deposit=lot.guarantee_deposit,
        has_deposit=bool(candidate["has_deposit"]),
        has_factor=bool(candidate["has_factor"]),
    ):
        if selectors.participants.admitted_number(user=user, lot_id=lot.pk) is not None:
            refuse_without_second_factor(user)
        raise DomainError(
            "not_admitted", _("Your company is not an admitted participant of this lot.")
        )
    if SealedBid.objects.filter(lot=lot, application_id=candidate["id"]).exists():
        raise DomainError(
            "sealed_bid_exists",
            _("Your company has already submitted its one sealed bid in this lot."),
        )
    if amount < lot.starting_price:
        raise DomainError(
            "too_low",
            _("A sealed bid is at least the starting price, %(minimum)s.")
            % {"minimum": format_kzt(lot.starting_price)},
        )
    # The highest sealed bid becomes the ascending round's first bid: no higher than an
    # open bid may be.
    ceilings.check(
        amount,
        ceilings.from_row(
            rule=lot.bid_ceiling,
            multiple=lot.bid_ceiling_multiple,
            deposit=candidate["deposit_received"],
            bank_guarantee=candidate["bank_guarantee"],
        ),
    )
    number = candidate["participant_number"]
    sealing = sealed.seal(lot_id=lot.pk, participant_number=number, amount=amount)
    sealed_bid = SealedBid.objects.create(
        lot=lot,
        application_id=candidate["id"],
        participant_number=number,
        key=key,
        submitted_at=now,
        submitted_by=user,
        sealed_amount=sealing.token,
        commitment=sealing.commitment,
    )
    lot.sealed_bid_count += 1
    lot.version += 1
    lot.save(update_fields=["sealed_bid_count", "version"])
    return sealed_bid


def close_sealed_round(*, lot_id: int) -> Lot:
    """Close a two-stage lot's sealed round once its end has passed; else change nothing.

    Under the lot's lock: reveal every sealed bid, check it against its commitment, rank
    them (the higher amount, then the earlier), let the best go on, and make the highest
    the first bid of the ascending round's chain, its bidder leading (with no later bid it
    wins at the price it sealed). Without sealed bids the lot fails. Safe to call twice or
    concurrently. Raises sealed.SealedBidTampered, changing nothing, if a bid was altered.
    """
    with transaction.atomic():
        # Lock the lot: every sealed bid takes the same lock, so each one is either ranked
        # here or sees the round closed; and no bid of the ascending round comes before it.
        lot = Lot.objects.select_for_update().get(pk=lot_id)
        now = timezone.now()
        if (
            not lot.is_in_sealed_round
            or lot.status != Lot.Status.LIVE
            or lot.sealed_round_ends_at is None
            or now < lot.sealed_round_ends_at
        ):
            return lot
        revealed = sealed.ranked(
            [(bid, sealed.unseal(bid)) for bid in SealedBid.objects.filter(lot=lot)]
        )
        advancing = sealed.advancing_count(
            received=len(revealed),
            percent=lot.sealed_advancing_percent,
            minimum=lot.sealed_advancing_minimum,
        )
        for rank, (bid, (amount, nonce)) in enumerate(revealed, start=1):
            bid.amount, bid.nonce, bid.rank, bid.advanced = amount, nonce, rank, rank <= advancing
            bid.save(update_fields=["amount", "nonce", "rank", "advanced"])
        lot.sealed_round_closed_at = now
        lot.sealed_bid_count = len(revealed)
        extra = ["sealed_round_closed_at", "sealed_bid_count"]
        if not revealed:
            _fail_without_bids(
                lot,
                reason=_("No sealed bid was submitted; the deposit can be offered again."),
                now=now,
            )
        else:
            best, (amount, _nonce) = revealed[0]
            _open_ascending_round(lot, best=best, amount=amount, now=now)
            extra += ["current_price", "leader", "bid_count", "last_bid_hash"]
        _save_status(lot, extra_fields=extra)
        transaction.on_commit(lambda: live.send_sealed_results(lot_id), robust=True)
    return lot


def _open_ascending_round(lot: Lot, *, best: SealedBid, amount: Decimal, now: datetime) -> None:
    """Make the highest sealed bid the first bid of the lot's chain, its bidder leading;
    sequenced and hashed as any bid, under the lock the caller holds."""
    sequence = lot.bid_count + 1
    prev_hash = lot.last_bid_hash or GENESIS_HASH
    digest = bid_hash(
        prev_hash=prev_hash,
        lot_id=lot.pk,
        sequence=sequence,
        participant_number=best.participant_number,
        amount=amount,
        placed_at=now,
    )
    Bid.objects.create(
        lot=lot,
        application_id=best.application_id,
        participant_number=best.participant_number,
        sequence=sequence,
        amount=amount,
        placed_at=now,
        placed_by_id=best.submitted_by_id,
        key=best.key,
        prev_hash=prev_hash,
        hash=digest,
    )
    lot.current_price = amount
    lot.leader_id = best.application_id
    lot.bid_count = sequence
    lot.last_bid_hash = digest
