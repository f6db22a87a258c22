"""The bid hash chain of DESIGN.md section 4, so anyone can verify a published bid log.

hash = sha256("prev_hash|lot_id|sequence|participant_number|amount|placed_at"), with the
amount to exactly two decimals and the time in UTC with microseconds.
"""

import hashlib
from datetime import UTC, datetime
from decimal import Decimal

from core.money import CENT

GENESIS_HASH = "0" * 64


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
