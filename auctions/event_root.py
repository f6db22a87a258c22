"""One number for a whole event: the root hash over every published lot's bid chain head.

root = lowercase hex SHA-256 of the UTF-8 text made of one line per lot with a published
result, in lot-number order, each line `lot_number|lot_id|head` (head: the hash of the
lot's last bid, 64 zeros for a lot without bids), the lines joined by a single newline
with none after the last. Every input is in the lots' published bid logs, so anyone
recomputes it (tools/verify_event_root.py) without our code.
"""

import hashlib

from auctions.hashchain import GENESIS_HASH
from auctions.models import AuctionEvent, Lot


def event_root_hash(heads: list[tuple[int, int, str]]) -> str:
    """Return the root of (lot_number, lot_id, head) triples, whatever their order."""
    lines = [f"{number}|{lot_id}|{head}" for number, lot_id, head in sorted(heads)]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def published_chain_heads(event_id: int) -> list[tuple[int, int, str]]:
    """Return (lot_number, lot_id, head) of every lot of the event with a published result."""
    lots = Lot.objects.filter(event_id=event_id, published_result__isnull=False).order_by("number")
    return [
        (number, lot_id, head or GENESIS_HASH)
        for number, lot_id, head in lots.values_list("number", "pk", "last_bid_hash")
    ]


def event_root(event: AuctionEvent) -> str | None:
    """Return the event's root hash once its results are published, else None."""
    if not event.are_results_published:
        return None
    heads = published_chain_heads(event.pk)
    return event_root_hash(heads) if heads else None
