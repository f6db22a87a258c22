"""The live auction engine: the one door through which every bid passes.

The websocket consumer and the REST API both call `place_bid`; nothing else writes bids,
prices, leaders or end times of a live lot.
"""

import re
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import User
from django.db import OperationalError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from auctions import ceilings, live, selectors, signals
from auctions.hashchain import GENESIS_HASH, bid_hash
from auctions.models import Application, Bid, Lot, Payment, Result, next_minimum
from core import ratelimit, sql
from core.errors import DomainError
from core.money import CENT, format_kzt
from core.second_factor import refuse_without_second_factor
from deposits.models import Deposit

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


def place_bid(*, user: User, lot_id: int, amount: object, key: object) -> BidOutcome:
    """Place a bid for the user's company and broadcast the new state after commit.

    A key seen before returns that bid and places nothing. Each participant has one budget
    of BID_RATE_LIMIT bids per lot, whichever sockets, API calls or accounts of its company
    it bids from. Raises DomainError with the wire contract's codes: rate_limited,
    invalid_amount, malformed, lot_not_live, not_admitted, already_leading, too_low,
    above_limit (above the participant's bid ceiling, `ceilings`) (and lot_not_found for no
    such lot).
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
    if user.is_staff or user.is_superuser:
        raise DomainError("not_admitted", _("Staff watch the auction; they do not bid."))
    with transaction.atomic():
        outcome = _place_locked(user=user, lot_id=lot_id, amount=amount, key=key)
        if outcome.created:
            state = outcome.state
            transaction.on_commit(lambda: live.broadcast_state(lot_id, state), robust=True)
        if outcome.extended:
            transaction.on_commit(lambda: schedule_close(lot_id), robust=True)
    return outcome


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
# bids for the state), then the INSERT and the UPDATE. The rules stay in Python, here.

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
    "guarantee_deposit",
    "bid_ceiling",
    "bid_ceiling_multiple",
)
_RECENT_FIELDS = ("sequence", "participant_number", "amount", "placed_at")
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
    # The lot's version as the statement's snapshot saw it, before any wait for the lock.
    seen_version: int
    # Newest first: (sequence, participant number, amount, placed at).
    recent: list[live.RecentBid]


@dataclass(frozen=True)
class _Statements:
    lock: sql.Compiled
    insert: sql.Compiled
    update: sql.Compiled
    lot_converters: list[sql.Converter]
    recent_converters: list[sql.Converter]
    # The candidate's deposit received and bank guarantee, as the ORM reads them.
    secured_converters: list[sql.Converter]


_statements: dict[str, _Statements] = {}


def _prepared(using: str = "default") -> _Statements:
    """Return the bid's statements for the database, built once per process."""
    found = _statements.get(using)
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
    recent_selected = ", ".join(
        sql.column(Bid, name, alias="r", using=using) for name in _RECENT_FIELDS
    )
    placed_by = sql.column(Bid, "placed_by", alias="k", using=using)
    version_ = sql.column(Lot, "version", using=using)
    # The lock first in the statement's plan, and only the lot's row locked: the joined
    # rows are read, never locked.
    lock_clause = " FOR UPDATE OF l" if connection.features.has_select_for_update_of else ""
    # S608: every name comes from the models' meta, quoted; every value is a parameter.
    lock = (
        f"SELECT {lot_columns}, k.{id_}, {placed_by}, p.id, p.participant_number, "  # noqa: S608
        f"p.has_deposit, p.has_factor, p.deposit_received, p.bank_guarantee, "
        f"(SELECT s.{version_} FROM {sql.table(Lot, using=using)} s WHERE s.{id_} = %s), "
        f"{recent_selected} "
        f"FROM {sql.table(Lot, using=using)} l "
        f"LEFT JOIN {bid} k ON k.{lot_} = l.{id_} AND k.{key_} = %s "
        f"LEFT JOIN ({candidate.sql}) p ON 1 = 1 "
        f"LEFT JOIN (SELECT {recent_columns} FROM {bid} WHERE {lot_} = %s "
        f"ORDER BY {seq_} DESC LIMIT {_EARLIER_BIDS}) r ON 1 = 1 "
        f"WHERE l.{id_} = %s ORDER BY r.{seq_} DESC{lock_clause}"
    )
    lock_params = (
        sql.Slot("lot_id"),
        sql.Slot("key"),
        *candidate.params,
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
    found = _statements[using] = _Statements(
        lock=sql.Compiled(lock, lock_params, name="nedra_bid_lock"),
        insert=sql.Compiled(
            insert, tuple(sql.Slot(name) for name in inserted), name="nedra_bid_insert"
        ),
        update=sql.Compiled(
            update, (*(sql.Slot(name) for name in updated), sql.Slot("id")), name="nedra_bid_update"
        ),
        lot_converters=sql.converters(Lot, _LOT_FIELDS, using=using),
        recent_converters=sql.converters(Bid, _RECENT_FIELDS, using=using),
        secured_converters=[
            *sql.converters(Payment, ["amount_received"], using=using),
            *sql.converters(Application, ["bank_guarantee"], using=using),
        ],
    )
    return found


def _lock_lot(*, user: User, lot_id: int, key: uuid.UUID) -> _LockedLot | None:
    """Lock the lot's row and read what the bid's rules need; None if there is no lot."""
    statements = _prepared()
    connection = connections["default"]
    (key_value,) = sql.db_values(Bid, [("key", key)])
    with connection.cursor() as cursor:
        statements.lock.execute(cursor, key=key_value, user_id=user.pk, lot_id=lot_id)
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
    seen_version = first[width + 8]
    recent: list[live.RecentBid] = []
    for row in rows:
        if row[width + 9] is None:
            break
        sequence, bid_number, bid_amount, placed_at = (
            convert(value)
            for convert, value in zip(statements.recent_converters, row[width + 9 :], strict=True)
        )
        recent.append((sequence, bid_number, bid_amount, placed_at))  # type: ignore[arg-type]
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
        seen_version=seen_version,
        recent=recent,
    )


def _place_locked(*, user: User, lot_id: int, amount: Decimal, key: uuid.UUID) -> BidOutcome:
    # Lock the lot row: every rule below is checked against the state this bid will
    # change, so two bids at once can never both be validated against the same price.
    locked = _lock_lot(user=user, lot_id=lot_id, key=key)
    if locked is not None and (
        locked.lot["bid_count"] != (locked.recent[0][0] if locked.recent else 0)
        # Or a change of the participants' money (`ceilings.record_bank_guarantee`, which
        # moves the version) committed while this statement waited.
        or locked.seen_version != locked.lot["version"]
    ):
        # The statement waited for the lock while other bids committed: PostgreSQL hands
        # it the lot's newest row but the joined rows of the snapshot it started with. Read
        # again, holding the lock now, so the key and the newest bids are current too.
        locked = _lock_lot(user=user, lot_id=lot_id, key=key)
    if locked is None or locked.lot["status"] == Lot.Status.DRAFT:
        raise DomainError("lot_not_found", _("There is no such lot."))
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
    if locked.participant is None or not locked.may_bid:
        # Only on the way to a refusal: say what would let an admitted bidder bid.
        if selectors.participants.admitted_number(user=user, lot_id=lot_id) is not None:
            refuse_without_second_factor(user)
        raise DomainError(
            "not_admitted", _("Your company is not an admitted participant of this lot.")
        )
    participant_id, number = locked.participant
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

    sequence = lot["bid_count"] + 1
    prev_hash = lot["last_bid_hash"] or GENESIS_HASH
    digest = bid_hash(
        prev_hash=prev_hash,
        lot_id=lot_id,
        sequence=sequence,
        participant_number=number,
        amount=amount,
        placed_at=now,
    )
    # A bid in the soft-close window moves the end so nobody wins by sniping; the
    # extension is computed here, under the lock, and never passes the hard end.
    window = lot["soft_close_window"]
    extended_end = min(now + window, lot["hard_end"])
    extended = lot["ends_at"] - now <= window and extended_end > lot["ends_at"]
    ends_at = extended_end if extended else lot["ends_at"]
    version = lot["version"] + 1

    statements = _prepared()
    inserted = [
        ("lot", lot_id),
        ("application", participant_id),
        ("participant_number", number),
        ("sequence", sequence),
        ("amount", amount),
        ("placed_at", now),
        ("placed_by", user.pk),
        ("key", key),
        ("prev_hash", prev_hash),
        ("hash", digest),
    ]
    updated = [
        ("current_price", amount),
        ("leader", participant_id),
        ("bid_count", sequence),
        ("last_bid_hash", digest),
        ("version", version),
        ("ends_at", ends_at),
    ]
    with connections["default"].cursor() as cursor:
        statements.insert.execute(
            cursor,
            **dict(zip((name for name, _ in inserted), sql.db_values(Bid, inserted), strict=True)),
        )
        bid_id = cursor.fetchone()[0]
        statements.update.execute(
            cursor,
            id=lot_id,
            **dict(zip((name for name, _ in updated), sql.db_values(Lot, updated), strict=True)),
        )
    # The bid as stored, built from what was inserted: nothing is read back.
    bid = Bid(id=bid_id, **{sql.model_field(Bid, name).attname: value for name, value in inserted})
    bid._state.adding = False
    bid._state.db = "default"
    state = live.build_state(
        lot_id=lot_id,
        version=version,
        status=lot["status"],
        current_price=amount,
        min_next_bid=next_minimum(
            current_price=amount, starting_price=lot["starting_price"], bid_step=lot["bid_step"]
        ),
        has_leader=True,
        bid_count=sequence,
        status_reason=lot["status_reason"],
        starts_at=lot["starts_at"],
        ends_at=ends_at,
        hard_end=lot["hard_end"],
        recent=[(sequence, number, amount, now), *locked.recent[:_EARLIER_BIDS]],
    )
    return BidOutcome(bid=bid, created=True, extended=extended, state=state)


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
            lot.status = Lot.Status.FAILED
            lot.status_reason = _("No participant was admitted; the deposit can be offered again.")
            Result.objects.create(
                lot=lot,
                outcome=Result.Outcome.FAILED,
                bid_count=0,
                closed_at=now,
                **_ceiling_in_force(lot, winner_id=None),
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
        if lot.bid_count == 0:
            lot.status = Lot.Status.FAILED
            lot.status_reason = _("No bids were placed; the deposit can be offered again.")
            Result.objects.create(
                lot=lot,
                outcome=Result.Outcome.FAILED,
                bid_count=0,
                closed_at=now,
                **_ceiling_in_force(lot, winner_id=None),
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


def pause_lot(*, lot_id: int, reason: str) -> Lot:
    """Pause a live lot on a technical failure, keeping the time it had left.

    Raises DomainError: reason_required, lot_not_live.
    """
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", _("Say why the lot is paused."))
    with transaction.atomic():
        # Lock the lot: a bid must not land between reading the time left and pausing.
        lot = Lot.objects.select_for_update().get(pk=lot_id)
        now = timezone.now()
        if lot.status != Lot.Status.LIVE or now >= lot.ends_at:
            raise DomainError("lot_not_live", _("Only a running lot can be paused."))
        lot.paused_remaining = lot.ends_at - now
        lot.status = Lot.Status.PAUSED
        lot.status_reason = reason
        _save_status(lot, extra_fields=["paused_remaining"])
    return lot


def resume_lot(*, lot_id: int) -> Lot:
    """Resume a paused lot with the time it had left; the hard end moves by the pause.

    Raises DomainError: lot_not_paused.
    """
    with transaction.atomic():
        lot = Lot.objects.select_for_update().get(pk=lot_id)
        # pause_lot stores the time left with the status: without it nothing is paused.
        if lot.status != Lot.Status.PAUSED or lot.paused_remaining is None:
            raise DomainError("lot_not_paused", _("The lot is not paused."))
        new_end = timezone.now() + lot.paused_remaining
        lot.hard_end += new_end - lot.ends_at
        lot.ends_at = new_end
        lot.paused_remaining = None
        lot.status = Lot.Status.LIVE
        lot.status_reason = ""
        _save_status(lot, extra_fields=["paused_remaining", "ends_at", "hard_end"])
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
    """Queue a close for the lot's current end, so it closes on the second, not at the
    next sweep. Embedded mode runs tasks at once, so there the sweep does it."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    ends_at = Lot.objects.values_list("ends_at", flat=True).get(pk=lot_id)
    close_lot_when_due.apply_async(args=[lot_id], eta=ends_at)
