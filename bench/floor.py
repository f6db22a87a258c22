"""The floor: pgbench running the bare transaction of a bid on the same tables.

Lock the lot row, update it, insert the bid row: what `place_bid` must do at the least,
with no Python, no websocket and no broadcast. Its rate is what the engine is held to.
"""

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# One bid: the lock's read gives the next sequence, the amount and the chained hash (as
# DESIGN.md section 4 defines it); the update and the insert write them. The time's colons
# are put in after formatting: pgbench would take a colon and a letter for a variable.
BID_TRANSACTION = r"""
\set lot random(:first_lot, :last_lot)
BEGIN;
SELECT bid_count + 1 AS sequence,
       coalesce(current_price + bid_step, starting_price) AS amount,
       coalesce(nullif(last_bid_hash, ''), repeat('0', 64)) AS prev_hash,
       encode(sha256(convert_to(concat_ws('|',
           coalesce(nullif(last_bid_hash, ''), repeat('0', 64)), id, bid_count + 1,
           :participant_number::integer, coalesce(current_price + bid_step, starting_price),
           replace(to_char(clock_timestamp() AT TIME ZONE 'UTC',
                           'YYYY-MM-DD"T"HH24#MI#SS.US"Z"'), '#', ':')),
           'UTF8')), 'hex') AS hash
  FROM auctions_lot WHERE id = :lot FOR UPDATE \gset
UPDATE auctions_lot
   SET current_price = :amount, leader_id = :application, bid_count = :sequence,
       last_bid_hash = :hash, version = version + 1
 WHERE id = :lot;
INSERT INTO auctions_bid (lot_id, application_id, participant_number, sequence, amount,
                          placed_at, placed_by_id, key, prev_hash, hash, automatic)
VALUES (:lot, :application, :participant_number, :sequence, :amount,
        clock_timestamp(), :user, gen_random_uuid(), :prev_hash, :hash, false);
COMMIT;
"""


@dataclass(frozen=True)
class FloorRun:
    """One pgbench run: the rows it bid on, its clients and what it reached."""

    rows: int
    clients: int
    transactions_per_second: float
    latency_ms: float


def run_floor(
    *,
    pgbench: str,
    database_url: str,
    lot_ids: list[int],
    application: int,
    user: int,
    clients: int,
    duration: int,
) -> FloorRun:
    """Run the bid transaction on the lots (an id range) with `clients` connections."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", prefix="nedra-bid-") as script:
        script.write(BID_TRANSACTION)
        script.flush()
        variables = {
            "first_lot": min(lot_ids),
            "last_lot": max(lot_ids),
            "application": application,
            "participant_number": 1,
            "user": user,
        }
        command = [
            pgbench,
            "--no-vacuum",
            "--protocol=prepared",
            f"--client={clients}",
            f"--jobs={min(clients, 2)}",
            f"--time={duration}",
            f"--file={script.name}",
            *(f"--define={name}={value}" for name, value in variables.items()),
            database_url,
        ]
        completed = subprocess.run(  # noqa: S603 -- fixed command, our own script
            command, check=False, capture_output=True, text=True, cwd=Path(script.name).parent
        )
    if completed.returncode != 0:
        raise RuntimeError(f"pgbench failed:\n{completed.stdout}\n{completed.stderr}")
    tps = re.search(r"tps = ([\d.]+)", completed.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", completed.stdout)
    if tps is None or latency is None:
        raise RuntimeError(f"pgbench printed no rate:\n{completed.stdout}")
    return FloorRun(
        rows=len(lot_ids),
        clients=clients,
        transactions_per_second=float(tps[1]),
        latency_ms=float(latency[1]),
    )
