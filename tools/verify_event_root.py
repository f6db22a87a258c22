#!/usr/bin/env python3
"""Check an auction event's root hash against its published bid logs, without Nedra's code.

When an event's results are published, Nedra prints one number for the whole event (on
the results page, in the API and in every signed results protocol):

    root = lowercase hex SHA-256 of the UTF-8 text made of one line per lot,
           lot_number|lot_id|head
           in lot-number order, joined by "\\n" (no newline after the last line),

where head is the hash of the lot's last bid (64 zeros for a lot without bids). This
script verifies each lot's whole chain with verify_bid_log.py (keep both scripts in one
folder), recomputes the root from the chain heads, and compares it with the one you were
given. It needs Python 3.9 or later and nothing else.

Usage (every lot's JSON bid log of the event, from /lots/<id>/bids.json):

    python3 verify_event_root.py nedra-lot-*-bids.json --root 9c1f...

Exit status 0 prints "OK: root <hash> over <n> lots"; 1 says what does not match; 2 is a
usage error.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

# verify_bid_log.py sits beside this script; found even under `python3 -I`.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from verify_bid_log import BadLog, read_log, verify


def root_hash(heads: list[tuple[int, int, str]]) -> str:
    """Return the root of (lot_number, lot_id, head) triples, as Nedra computes it."""
    lines = [f"{number}|{lot_id}|{head}" for number, lot_id, head in sorted(heads)]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def lot_heads(paths: list[Path]) -> tuple[str, list[tuple[int, int, str]]]:
    """Verify each JSON log and return the event's code and each lot's chain head."""
    events: set[str] = set()
    heads: list[tuple[int, int, str]] = []
    for path in paths:
        if path.suffix.lower() != ".json":
            raise BadLog(f"{path}: give the JSON logs; a CSV log does not say its lot number")
        lot_id, bids = read_log(path, None)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            number = int(document["lot_number"])
            events.add(str(document["event"]))
        except (ValueError, KeyError, TypeError) as error:
            raise BadLog(f"{path}: no lot number or event: {error}") from None
        try:
            head = verify(lot_id, bids)
        except BadLog as error:
            raise BadLog(f"{path}: {error}") from None
        heads.append((number, int(lot_id), head))
    if len(events) > 1:
        raise BadLog(f"the logs are of several events: {', '.join(sorted(events))}")
    numbers = [number for number, _lot, _head in heads]
    if len(set(numbers)) != len(numbers):
        raise BadLog("two logs are of the same lot")
    return (events.pop() if events else ""), heads


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Recompute a Nedra event's root hash from its lots' JSON bid logs."
    )
    parser.add_argument("logs", type=Path, nargs="+", help="every lot's bids.json of the event")
    parser.add_argument("--root", help="the event's root hash as published, to compare")
    args = parser.parse_args(argv)
    try:
        event, heads = lot_heads(args.logs)
        root = root_hash(heads)
        if args.root is not None and root != args.root.strip().lower():
            raise BadLog(
                f"the logs give the root {root}, not the published {args.root}: a lot is "
                "missing or extra, or a log differs from the one the root was made of"
            )
    except BadLog as error:
        sys.stderr.write(f"FAILED: {error}\n")
        return 1
    sys.stdout.write(f"OK: root {root} over {len(heads)} lots (event {event})\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
