"""The bid hash chain of DESIGN.md section 4, so anyone can verify a published bid log.

hash = sha256("prev_hash|lot_id|sequence|participant_number|amount|placed_at"), with the
amount to exactly two decimals and the time in UTC with microseconds.
"""

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from core.money import CENT

if TYPE_CHECKING:
    from auctions.models import Bid

GENESIS_HASH = "0" * 64
# What a published bid log lists per bid, in this order: exactly the hash's inputs and it.
BID_LOG_FIELDS = ("sequence", "participant_number", "amount", "placed_at", "prev_hash", "hash")
# Published with every bid log, so a reader needs nothing else to check it.
FORMULA = (
    "hash = lowercase hex SHA-256 of the UTF-8 string "
    "prev_hash|lot_id|sequence|participant_number|amount|placed_at, where prev_hash is the "
    "previous bid's hash (64 zeros for the first bid), amount has exactly two decimals and "
    "placed_at is the server time in UTC as YYYY-MM-DDTHH:MM:SS.ffffffZ"
)


def format_amount(amount: Decimal) -> str:
    """Write an amount as the hash input does: plain digits with exactly two decimals."""
    return f"{amount.quantize(CENT):f}"


def format_placed_at(moment: datetime) -> str:
    """Write a bid's time as the hash input does: UTC, microseconds, a trailing Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def bid_hash(
    *,
    prev_hash: str,
    lot_id: int,
    sequence: int,
    participant_number: int,
    amount: Decimal,
    placed_at: datetime,
) -> str:
    """Return the lowercase hex SHA-256 that chains a bid to the one before it."""
    message = "|".join(
        [
            prev_hash,
            str(lot_id),
            str(sequence),
            str(participant_number),
            format_amount(amount),
            format_placed_at(placed_at),
        ]
    )
    return hashlib.sha256(message.encode()).hexdigest()


def bid_log_entry(bid: "Bid") -> dict[str, int | str]:
    """Return a bid as the published log lists it: the fields of BID_LOG_FIELDS, hash inputs
    written exactly as they were hashed."""
    return {
        "sequence": bid.sequence,
        "participant_number": bid.participant_number,
        "amount": format_amount(bid.amount),
        "placed_at": format_placed_at(bid.placed_at),
        "prev_hash": bid.prev_hash,
        "hash": bid.hash,
    }
