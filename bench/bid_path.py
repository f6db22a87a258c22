"""What one bid costs the web process, in-process: `python -m bench.bid_path` (run by hand).

No sockets and no server: the websocket consumer's work for a bid (re-reading the session's
user, then `engine.place_bid` with its broadcast after commit) called in a loop, two bidders
alternating at the minimum on one lot, so every bid is accepted. Prints the CPU time and the
wall time per bid, and the SQL statements of one bid.

Needs `BENCH_DATABASE_URL` (a throwaway PostgreSQL database: it is migrated and filled) or
nothing for a throwaway SQLite file. The channel layer is the in-memory one (no Redis): the
figures are the engine's and the state's, not the network's. To compare two versions of the
code in one run, run it once per checkout back to back (`PYTHONPATH=<checkout>`), on the same
database.
"""

import argparse
import os
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bid_path", description=__doc__)
    parser.add_argument("--bids", type=int, default=800, help="timed bids (800)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed bids first (50)")
    arguments = parser.parse_args()

    database_url = os.environ.get("BENCH_DATABASE_URL") or (
        f"sqlite:///{Path(tempfile.mkdtemp(prefix='nedra-bidpath-')) / 'db.sqlite3'}"
    )
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(40),
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "BID_RATE_LIMIT": "1000000/s",
        }
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from auctions import engine, live
    from auctions.models import Lot
    from bench import data

    data.migrate()
    bench = data.create_bench_data(bidders=2, run=secrets.token_hex(4))
    users = list(get_user_model().objects.filter(username__contains="-bidder-").order_by("-pk")[:2])

    lot = Lot.objects.get(pk=bench.hot_lot)
    # Two bidders alternating at the minimum: each bid is one step above the one before.
    first = lot.minimum_next_bid

    def bid(index: int) -> None:
        user = live.session_user(
            session_key=bench.bidder_sessions[index % 2], user_id=users[index % 2].pk
        )
        amount = first + index * lot.bid_step
        engine.place_bid(user=user, lot_id=bench.hot_lot, amount=amount, key=uuid.uuid4())

    # Which user holds which session: the sessions follow the users' order in the data.
    users.sort(key=lambda each: each.pk)
    for index in range(arguments.warmup):
        bid(index)
    with CaptureQueriesContext(connection) as queries:
        bid(arguments.warmup)
    statements = [query["sql"] for query in queries.captured_queries]
    cpu, wall = time.process_time(), time.perf_counter()
    for index in range(arguments.warmup + 1, arguments.warmup + 1 + arguments.bids):
        bid(index)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    lines = [
        f"code: {Path(engine.__file__).resolve().parent.parent}",
        f"database: {connection.vendor}",
        f"bids: {arguments.bids}",
        f"CPU per bid: {cpu / arguments.bids * 1000:.3f} ms",
        f"wall per bid: {wall / arguments.bids * 1000:.3f} ms",
        f"statements per bid: {len(statements)}",
        *(f"  {statement[:160]}" for statement in statements),
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
