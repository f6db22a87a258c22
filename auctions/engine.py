"""The live auction engine: the one door through which every bid passes.

The websocket consumer and the REST API both call `place_bid`; nothing else writes bids,
prices, leaders or end times of a live lot.
"""

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from auctions import live
from auctions.hashchain import GENESIS_HASH, bid_hash
from auctions.models import Application, Bid, Lot, Payment
from bidders.models import Company
from core.errors import DomainError
from core.money import CENT, format_kzt

# Whole tenge up to 10^16 (the money columns' limit) with at most two decimals.
AMOUNT_PATTERN = re.compile(r"\d{1,16}(\.\d{1,2})?")


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
    elif isinstance(raw, Decimal) and raw.is_finite():
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


def place_bid(*, user: AbstractBaseUser, lot_id: int, amount: object, key: object) -> BidOutcome:
    """Place a bid for the user's company and broadcast the new state after commit.

    A key seen before returns that bid and places nothing. Raises DomainError with the
    wire contract's codes: invalid_amount, malformed, lot_not_live, not_admitted,
    already_leading, too_low (and lot_not_found for no such lot).
    """
    amount = parse_amount(amount)
    key = parse_key(key)
    with transaction.atomic():
        outcome = _place_locked(user=user, lot_id=lot_id, amount=amount, key=key)
        if outcome.created:
            transaction.on_commit(lambda: live.broadcast_state(lot_id), robust=True)
    return outcome


def _place_locked(
    *, user: AbstractBaseUser, lot_id: int, amount: Decimal, key: uuid.UUID
) -> BidOutcome:
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

    participant = _admitted_participant(user=user, lot=lot)
    now = timezone.now()
    if lot.status != Lot.Status.LIVE or not lot.starts_at <= now < lot.ends_at:
        raise DomainError(
            "lot_not_live", _("Lot %(number)s is not taking bids now.") % {"number": lot.number}
        )
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
        participant_number=participant.participant_number,
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
            participant_number=participant.participant_number,
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


def _admitted_participant(*, user: AbstractBaseUser, lot: Lot) -> Application:
    """Return the user's company's admitted application for the lot; raise not_admitted."""
    deposit_received = Payment.objects.filter(
        application=OuterRef("pk"),
        kind=Payment.Kind.GUARANTEE_DEPOSIT,
        status=Payment.Status.RECEIVED,
    )
    participant = (
        Application.objects.filter(
            lot_id=lot.pk,
            company__representatives__user=user,
            status=Application.Status.ADMITTED,
            company__status=Company.Status.APPROVED,
        )
        .annotate(has_deposit=Exists(deposit_received))
        .only("pk", "participant_number")
        .first()
    )
    if participant is None or (lot.guarantee_deposit > 0 and not participant.has_deposit):
        raise DomainError(
            "not_admitted", _("Your company is not an admitted participant of this lot.")
        )
    return participant
