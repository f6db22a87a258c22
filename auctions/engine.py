"""The live auction engine: the one door through which every bid passes.

The websocket consumer and the REST API both call `place_bid`; nothing else writes bids,
prices, leaders or end times of a live lot.
"""

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import User
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from auctions import live, selectors, signals
from auctions.hashchain import GENESIS_HASH, bid_hash
from auctions.models import Application, Bid, Lot, Result
from core import ratelimit
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
    invalid_amount, malformed, lot_not_live, not_admitted, already_leading, too_low (and
    lot_not_found for no such lot).
    """
    # Before anything else, and outside the lock: a flood is refused after one indexed read
    # (whose budget it spends), never waiting for the lot's lock. Shared by every process
    # through the cache; per process while it is down.
    if not ratelimit.take(f"bids:{lot_id}:{_bid_budget_holder(user)}", settings.BID_RATE_LIMIT):
        raise DomainError("rate_limited", _("Too many bids at once; wait a moment."))
    amount = parse_amount(amount)
    key = parse_key(key)
    with transaction.atomic():
        outcome = _place_locked(user=user, lot_id=lot_id, amount=amount, key=key)
        if outcome.created:
            transaction.on_commit(lambda: live.broadcast_state(lot_id), robust=True)
        if outcome.extended:
            transaction.on_commit(lambda: schedule_close(lot_id), robust=True)
    return outcome


def _bid_budget_holder(user: User) -> str:
    """Name whose bid budget a user spends: its company's, which every account of the
    company shares (a participant is a company, not a login); its own otherwise."""
    company_id = selectors.participants.represented_company_id(user)
    return f"company-{company_id}" if company_id is not None else f"user-{user.pk}"


def _place_locked(*, user: User, lot_id: int, amount: Decimal, key: uuid.UUID) -> BidOutcome:
    # Lock the lot row: every rule below is checked against the state this bid will
    # change, so two bids at once can never both be validated against the same price.
    lot = Lot.objects.select_for_update().filter(pk=lot_id).first()
    if lot is None or lot.status == Lot.Status.DRAFT:
        raise DomainError("lot_not_found", _("There is no such lot."))
    repeated = Bid.objects.filter(lot_id=lot_id, key=key).first()
    if repeated is not None:
        if repeated.placed_by_id != user.pk:
            raise DomainError("malformed", _("This key belongs to another bid; make a new one."))
        return BidOutcome(bid=repeated, created=False)

    # The lot's status before the participant: once a lot is over its settlement moves
    # deposits on, and everyone, admitted or not, is told the same thing: it is over.
    now = timezone.now()
    if lot.status != Lot.Status.LIVE or not lot.starts_at <= now < lot.ends_at:
        raise DomainError(
            "lot_not_live", _("Lot %(number)s is not taking bids now.") % {"number": lot.number}
        )
    participant, number = _admitted_participant(user=user, lot=lot)
    if lot.leader_id == participant.pk:
        raise DomainError("already_leading", _("You already hold the highest bid."))
    minimum = lot.minimum_next_bid
    if amount < minimum:
        raise DomainError(
            "too_low", _("The lowest bid now is %(minimum)s.") % {"minimum": format_kzt(minimum)}
        )

    sequence = lot.bid_count + 1
    bid = Bid.objects.create(
        lot=lot,
        application_id=participant.pk,
        participant_number=number,
        sequence=sequence,
        amount=amount,
        placed_at=now,
        placed_by=user,
        key=key,
        prev_hash=lot.last_bid_hash or GENESIS_HASH,
        hash=bid_hash(
            prev_hash=lot.last_bid_hash or GENESIS_HASH,
            lot_id=lot.pk,
            sequence=sequence,
            participant_number=number,
            amount=amount,
            placed_at=now,
        ),
    )
    # A bid in the soft-close window moves the end so nobody wins by sniping; the
    # extension is computed here, under the lock, and never passes the hard end.
    extended_end = min(now + lot.soft_close_window, lot.hard_end)
    extended = lot.ends_at - now <= lot.soft_close_window and extended_end > lot.ends_at
    if extended:
        lot.ends_at = extended_end
    lot.current_price = amount
    lot.leader_id = participant.pk
    lot.bid_count = sequence
    lot.last_bid_hash = bid.hash
    lot.version += 1
    lot.save(
        update_fields=[
            "current_price",
            "leader",
            "bid_count",
            "last_bid_hash",
            "version",
            "ends_at",
        ]
    )
    return BidOutcome(bid=bid, created=True, extended=extended)


def _admitted_participant(*, user: User, lot: Lot) -> tuple[Application, int]:
    """Return the user's company's application that may bid in the lot, and its number;
    raise not_admitted.

    Staff never bid, even from an account wrongly linked to a company.
    """
    if user.is_staff or user.is_superuser:
        raise DomainError("not_admitted", _("Staff watch the auction; they do not bid."))
    participant = selectors.participants.bidding_participant(user=user, lot=lot)
    # Admitted applications always have a number (Application's constraint).
    if participant is None or participant.participant_number is None:
        # Only on the way to a refusal: say what would let an admitted bidder bid.
        if selectors.participants.admitted_number(user=user, lot_id=lot.pk) is not None:
            refuse_without_second_factor(user)
        raise DomainError(
            "not_admitted", _("Your company is not an admitted participant of this lot.")
        )
    return participant, participant.participant_number


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
                lot=lot, outcome=Result.Outcome.FAILED, bid_count=0, closed_at=now
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
                lot=lot, outcome=Result.Outcome.FAILED, bid_count=0, closed_at=now
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
            )
        _save_status(lot, extra_fields=[])
    return lot


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
