#!/usr/bin/env python3
"""Verify a bid log downloaded from Nedra, without trusting Nedra's server or code.

Every published bid is chained to the one before it:

    hash = lowercase hex SHA-256 of the UTF-8 string
           prev_hash|lot_id|sequence|participant_number|amount|placed_at

where prev_hash is the previous bid's hash (64 zeros for the first bid), amount has exactly
two decimals (1250000000.00) and placed_at is the server time in UTC as
YYYY-MM-DDTHH:MM:SS.ffffffZ. This script recomputes every hash and checks that the
sequence numbers run 1, 2, 3, ..., that each bid names the previous bid's hash and that
every bid is higher than the one before. It needs Python 3.9 or later and nothing else.

Usage:

    python3 verify_bid_log.py nedra-lot-42-bids.json
    python3 verify_bid_log.py nedra-lot-42-bids.csv --lot 42
    python3 verify_bid_log.py nedra-lot-42-bids.json --head 3f5a...   (the last hash you noted)

A JSON log carries its lot id; a CSV log does not, so give it with --lot (the number in
the lot's page address, /lots/42/). With --head, the last bid's hash must also equal the
one you noted elsewhere (in the auction room, the results protocol, a copy downloaded
earlier): that shows nobody rewrote the whole chain since.

A two-stage lot's JSON log also lists its sealed round (`sealed_round`): each sealed bid's

    commitment = lowercase hex SHA-256 of the UTF-8 string lot_id|participant_number|amount|nonce

is recomputed (so a bidder can find the receipt it was given), the ranks must run 1, 2, 3,
... by amount (the earlier submission first between equal amounts), and the chain's first
bid must be the best sealed bid.

Exit status 0 prints "OK: <n> bids verified"; 1 prints the first bad row; 2 is a usage error.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from decimal import Decimal
from pathlib import Path

GENESIS_HASH = "0" * 64
FIELDS = ("sequence", "participant_number", "amount", "placed_at", "prev_hash", "hash")
AMOUNT = re.compile(r"[0-9]+\.[0-9]{2}")
PLACED_AT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
HASH = re.compile(r"[0-9a-f]{64}")
WHOLE_NUMBER = re.compile(r"[1-9][0-9]*")


class BadLog(Exception):
    """The log is unreadable or a row breaks the chain; the message says where."""


def bid_hash(lot_id: str, bid: dict[str, str]) -> str:
    """Return the hash the bid must carry, from its own fields and the lot id."""
    message = "|".join(
        [
            bid["prev_hash"],
            lot_id,
            bid["sequence"],
            bid["participant_number"],
            bid["amount"],
            bid["placed_at"],
        ]
    )
    return hashlib.sha256(message.encode("utf-8")).hexdigest()


def read_log(path: Path, lot_id: str | None) -> tuple[str, list[dict[str, str]]]:
    """Return the lot id and the bids of a CSV or JSON log, every field as text."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BadLog(f"cannot read {path}: {error}") from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
            bids = document["bids"]
            logged_lot = str(document["lot_id"])
        except (ValueError, KeyError, TypeError) as error:
            raise BadLog(f"not a Nedra bid log in JSON: {error}") from None
        if lot_id is not None and lot_id != logged_lot:
            raise BadLog(f"the log is of lot {logged_lot}, not lot {lot_id}")
        if not isinstance(bids, list) or not all(isinstance(bid, dict) for bid in bids):
            raise BadLog('"bids" must be a list of objects')
        lot_id = logged_lot
    else:
        if lot_id is None:
            raise BadLog("a CSV log does not say its lot: give it with --lot")
        reader = csv.DictReader(text.splitlines())
        if tuple(reader.fieldnames or ()) != FIELDS:
            raise BadLog(f"the CSV header must be: {','.join(FIELDS)}")
        bids = list(reader)
    missing = [
        (number, field)
        for number, bid in enumerate(bids, start=1)
        for field in FIELDS
        if bid.get(field) is None
    ]
    if missing:
        number, field = missing[0]
        raise BadLog(f"row {number}: no {field}")
    return lot_id, [{field: str(bid[field]) for field in FIELDS} for bid in bids]


def verify(lot_id: str, bids: list[dict[str, str]]) -> str:
    """Check the whole chain and return the last hash; raise BadLog at the first bad row."""
    if not WHOLE_NUMBER.fullmatch(lot_id):
        raise BadLog(f"the lot id must be a whole number, not {lot_id!r}")
    prev_hash = GENESIS_HASH
    prev_amount = None
    for number, bid in enumerate(bids, start=1):
        where = f"row {number} (sequence {bid['sequence']})"
        if bid["sequence"] != str(number):
            raise BadLog(f"{where}: expected sequence {number}; a bid is missing or extra")
        if not WHOLE_NUMBER.fullmatch(bid["participant_number"]):
            raise BadLog(f"{where}: the participant number must be a whole number")
        if not AMOUNT.fullmatch(bid["amount"]):
            raise BadLog(f"{where}: the amount must have exactly two decimals, e.g. 1250000.00")
        if not PLACED_AT.fullmatch(bid["placed_at"]):
            raise BadLog(f"{where}: the time must be UTC as YYYY-MM-DDTHH:MM:SS.ffffffZ")
        if not HASH.fullmatch(bid["hash"]):
            raise BadLog(f"{where}: the hash must be 64 lowercase hex digits")
        if bid["prev_hash"] != prev_hash:
            raise BadLog(f"{where}: prev_hash is not the previous bid's hash {prev_hash}")
        expected = bid_hash(lot_id, bid)
        if bid["hash"] != expected:
            raise BadLog(f"{where}: the hash does not match its fields; expected {expected}")
        amount = Decimal(bid["amount"])
        if prev_amount is not None and amount <= prev_amount:
            raise BadLog(f"{where}: the amount is not higher than the previous bid's")
        prev_hash, prev_amount = bid["hash"], amount
    return prev_hash


def read_sealed_round(path: Path) -> list[dict[str, object]]:
    """Return the sealed bids of a two-stage lot's JSON log, by rank; none for other logs."""
    if path.suffix.lower() != ".json":
        return []
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BadLog(f"cannot read {path}: {error}") from None
    sealed_round = document.get("sealed_round") if isinstance(document, dict) else None
    if sealed_round is None:
        return []
    try:
        sealed_bids = list(sealed_round["sealed_bids"])
    except (KeyError, TypeError) as error:
        raise BadLog(f"sealed_round must list its sealed_bids: {error}") from None
    return sealed_bids


def verify_sealed_round(
    lot_id: str, sealed_bids: list[dict[str, object]], bids: list[dict[str, str]]
) -> None:
    """Check every sealed bid's commitment, the ranking and the chain's first bid."""
    previous: tuple[Decimal, str] | None = None
    for number, sealed_bid in enumerate(sealed_bids, start=1):
        where = f"sealed bid {number}"
        try:
            rank, participant, amount, nonce, commitment, submitted_at = (
                str(sealed_bid[field])
                for field in (
                    "rank",
                    "participant_number",
                    "amount",
                    "nonce",
                    "commitment",
                    "submitted_at",
                )
            )
        except (KeyError, TypeError) as error:
            raise BadLog(f"{where}: missing {error}") from None
        if rank != str(number):
            raise BadLog(f"{where}: expected rank {number}")
        if not AMOUNT.fullmatch(amount) or not PLACED_AT.fullmatch(submitted_at):
            raise BadLog(f"{where}: amount or submission time badly written")
        message = f"{lot_id}|{participant}|{amount}|{nonce}"
        if hashlib.sha256(message.encode("utf-8")).hexdigest() != commitment:
            raise BadLog(f"{where}: the commitment does not match its amount and nonce")
        current = (Decimal(amount), submitted_at)
        if previous is not None and (
            current[0] > previous[0] or (current[0] == previous[0] and current[1] < previous[1])
        ):
            raise BadLog(f"{where}: ranked above a better or earlier sealed bid")
        previous = current
    if sealed_bids and bids:
        best = sealed_bids[0]
        first = bids[0]
        if (str(best["participant_number"]), str(best["amount"])) != (
            first["participant_number"],
            first["amount"],
        ):
            raise BadLog("the chain's first bid is not the best sealed bid")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Verify the hash chain of a bid log downloaded from Nedra (CSV or JSON)."
    )
    parser.add_argument("log", type=Path, help="the downloaded bids.csv or bids.json")
    parser.add_argument("--lot", help="the lot id (required for CSV; checked against JSON)")
    parser.add_argument("--head", help="the last bid's hash as you noted it elsewhere")
    args = parser.parse_args(argv)
    try:
        lot_id, bids = read_log(args.log, args.lot)
        head = verify(lot_id, bids)
        sealed_bids = read_sealed_round(args.log)
        verify_sealed_round(lot_id, sealed_bids, bids)
        if args.head is not None and head != args.head.strip().lower():
            raise BadLog(f"the last hash is {head}, not the {args.head} you noted")
    except BadLog as error:
        sys.stderr.write(f"FAILED: {error}\n")
        return 1
    sealed = f", {len(sealed_bids)} sealed bids" if sealed_bids else ""
    sys.stdout.write(f"OK: {len(bids)} bids verified{sealed} (lot {lot_id}, last hash {head})\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
