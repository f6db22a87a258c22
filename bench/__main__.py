"""Run the live bid engine's benchmark: `python -m bench [--quick]` (see bench/README.md).

`python -m bench catalogue [--quick]` runs the catalogue's benchmark instead (bench/catalogue.py).

Starts throwaway PostgreSQL and Redis (or uses BENCH_DATABASE_URL and BENCH_REDIS_URL),
migrates and fills a fresh database, starts uvicorn as production does, drives it with
websocket bidders and watchers, measures the floor with pgbench, prints the figures and
appends them to bench/RESULTS.md.
"""

import argparse
import contextlib
import dataclasses
import importlib.util
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import django

from bench import figures, floor, report, servers

DEFAULT_RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run (~1 minute)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn --workers (2)")
    parser.add_argument(
        "--bidders", type=int, default=10, help="bidders on the hot lot = pgbench clients (10)"
    )
    parser.add_argument(
        "--lot-bidders", type=int, default=2, help="bidders on each of the 50 lots (2)"
    )
    parser.add_argument("--watchers", default=None, help="watcher counts (100,500,2000)")
    parser.add_argument("--duration", type=int, default=None, help="seconds per rate (20)")
    parser.add_argument("--warmup", type=int, default=None, help="seconds before counting (3)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run each bidding scenario (hot, hot_proxy, many) this many times per side, "
        "--duration seconds each, the sides' order swapped every round (A B, B A, A B, ...), "
        "and report the rounds together: neither side always runs first, and a drift of the "
        "machine falls on both (1)",
    )
    parser.add_argument(
        "--fanout-bids", type=int, default=None, help="bids per watcher count (200)"
    )
    parser.add_argument(
        "--fanout-rate", type=float, default=5.0, help="bids/s while timing fan-out (5)"
    )
    parser.add_argument(
        "--spectators",
        type=int,
        default=None,
        help="anonymous spectators in the public gallery of one lot (2000; --quick 300)",
    )
    parser.add_argument(
        "--spectator-bidders", type=int, default=10, help="bidders on the spectators' lot (10)"
    )
    parser.add_argument(
        "--spectator-bids",
        type=int,
        default=None,
        help="bids timed in each spectators phase (100; --quick 25)",
    )
    parser.add_argument(
        "--spectator-rate",
        type=float,
        default=5.0,
        help="bids/s while timing the spectators' bidders (5)",
    )
    parser.add_argument(
        "--bid-rate-limit",
        default="100000/s",
        help="the server's BID_RATE_LIMIT for the run (100000/s: the bidders are not throttled)",
    )
    parser.add_argument(
        "--no-compression",
        action="store_true",
        help="do not offer permessage-deflate (browsers do, so the default offers it)",
    )
    parser.add_argument(
        "--only",
        choices=[*ORDER, "floor"],
        action="append",
        help="run only these parts (repeatable); the default runs all",
    )
    parser.add_argument(
        "--before",
        type=Path,
        metavar="PATH",
        help="also run every scenario against a server of the checkout at PATH (e.g. made by "
        "`git worktree add --detach /tmp/before <commit>`), alternating with the current "
        "tree's, and print after/before; its migrations must be the current tree's or a prefix "
        "of them (it then runs on a copy of the data with the newer ones unapplied)",
    )
    parser.add_argument(
        "--server",
        choices=["uvicorn", "granian"],
        default="uvicorn",
        help="the ASGI server (uvicorn, as the Dockerfile runs; granian if installed)",
    )
    parser.add_argument(
        "--compare-servers",
        action="store_true",
        help="run every scenario against the current tree on uvicorn, then on granian, and "
        "print granian/uvicorn (not with --before)",
    )
    parser.add_argument(
        "--server-deflate",
        action="store_true",
        help="let the server (and the bare room) negotiate permessage-deflate; production "
        "runs uvicorn with --ws-per-message-deflate false, so the default does too",
    )
    parser.add_argument(
        "--no-bare", action="store_true", help="skip the bare websockets room in the fan-out"
    )
    parser.add_argument(
        "--memory-sockets",
        type=int,
        default=None,
        help="watcher sockets on the memory scenario's one-worker server (2000; --quick 300)",
    )
    parser.add_argument(
        "--memory-bids", type=int, default=20, help="bids broadcast before memory is read (20)"
    )
    parser.add_argument(
        "--closing-lots", type=int, default=50, help="lots ending in the same second (50)"
    )
    parser.add_argument(
        "--closing-watchers",
        type=int,
        default=None,
        help="watcher sockets on each lot ending together, besides its 2 bidders (10; --quick 2)",
    )
    parser.add_argument(
        "--scaleout-watchers",
        type=int,
        default=None,
        help="watchers split over the scale-out's two servers (500; --quick 100)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="FILE",
        help="write every figure and ratio of the run to FILE (shape: bench/README.md)",
    )
    parser.add_argument(
        "--results", type=Path, default=DEFAULT_RESULTS, help="file the run is appended to"
    )
    parser.add_argument(
        "--gallery-workers",
        type=int,
        default=0,
        help=(
            "serve the spectators' gallery sockets from a second uvicorn with this many "
            "workers, as production's gallery service does (0: the bidders' server)"
        ),
    )
    parser.add_argument("--no-record", action="store_true", help="print, do not append")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="sample the server with py-spy while each scenario measures, as collapsed stacks "
        "in DIR/<scenario>.txt (py-spy on PATH or beside the interpreter)",
    )
    arguments = parser.parse_args()
    quick = arguments.quick
    if arguments.watchers is None:
        arguments.watchers = "100" if quick else "100,500,2000"
    arguments.watchers = sorted(int(count) for count in arguments.watchers.split(","))
    if arguments.duration is None:
        arguments.duration = 5 if quick else 20
    if arguments.warmup is None:
        arguments.warmup = 1 if quick else 3
    if arguments.fanout_bids is None:
        arguments.fanout_bids = 25 if quick else 200
    if arguments.spectators is None:
        arguments.spectators = 300 if quick else 2000
    if arguments.spectator_bids is None:
        arguments.spectator_bids = 25 if quick else 100
    if arguments.memory_sockets is None:
        arguments.memory_sockets = 300 if quick else 2000
    if arguments.closing_watchers is None:
        arguments.closing_watchers = 2 if quick else 10
    if arguments.scaleout_watchers is None:
        arguments.scaleout_watchers = 100 if quick else 500
    granian = arguments.server == "granian" or arguments.compare_servers
    if granian and importlib.util.find_spec("granian") is None:
        parser.error("granian is not installed in this interpreter (pip install granian)")
    if arguments.compare_servers and arguments.before is not None:
        parser.error("--compare-servers and --before: one comparison per run")
    if arguments.rounds < 1:
        parser.error("--rounds: at least 1")
    return arguments


def main() -> None:
    if sys.argv[1:2] == ["catalogue"]:
        from bench import catalogue

        catalogue.main(sys.argv[2:])
        return
    arguments = parse_arguments()
    # Stopped (by `timeout`, a CI-like runner, kill): unwind, so the servers this run
    # started are stopped and its temporary database deleted, as on Ctrl-C.
    signal.signal(signal.SIGTERM, _stop_on_signal)
    commit = servers.checkout_commit(servers.ROOT)
    sides = [Side("after", servers.ROOT, commit, arguments.server)]
    if arguments.compare_servers:
        # The current tree on each server, uvicorn first: the ratio is granian/uvicorn.
        sides = [
            Side("uvicorn", servers.ROOT, commit, "uvicorn"),
            Side("granian", servers.ROOT, commit, "granian", index=1),
        ]
    if arguments.before is not None:
        before = arguments.before.resolve()
        if not (before / "config" / "asgi.py").is_file():
            sys.exit(f"--before {before}: not a checkout of Nedra (no config/asgi.py).")
        unapply = servers.migrations_to_unapply(before, servers.ROOT)
        if unapply is None:
            sys.exit(
                f"--before {before}: its migrations are not a prefix of the current tree's "
                "(one was removed or changed), so no copy of the bench data fits it. "
                "Differing: " + ", ".join(servers.migration_differences(before, servers.ROOT))
            )
        if unapply and "closing" in set(arguments.only or ORDER):
            # The closing scenario moves and reads its lots in this process's database.
            sys.exit(
                f"--before {before}: its migrations differ from the current tree's; the "
                "closing scenario needs both on one database: leave it out (--only ...)."
            )
        sides = [
            Side(
                "before",
                before,
                servers.checkout_commit(before),
                arguments.server,
                unapply=tuple(sorted(unapply.items())),
            ),
            Side("after", servers.ROOT, commit, arguments.server, index=1),
        ]
    database_url, redis_url = (
        os.environ.get("BENCH_DATABASE_URL"),
        os.environ.get("BENCH_REDIS_URL"),
    )
    if database_url and redis_url:
        run(arguments, servers.given_backends(database_url, redis_url), sides)
        return
    with servers.throwaway_backends() as backends:
        run(arguments, backends, sides)


def _stop_on_signal(number: int, frame: object) -> None:
    sys.exit(f"stopped by signal {number}")


@dataclass(frozen=True)
class Side:
    """A checkout whose server the scenarios run against: `after` is the current tree."""

    name: str
    code: Path
    # Read when the run starts: the tree may be edited while it runs.
    commit: str
    server: str
    # Which set of the closing scenario's lots it closes.
    index: int = 0
    # An older checkout whose migrations are a prefix of the current tree's runs on a copy
    # of the bench data with the newer ones unapplied: (app, migration to go back to).
    unapply: tuple[tuple[str, str], ...] = ()
    # That copy's URL, once made.
    database_url: str | None = None


@dataclass
class Context:
    """What every scenario of the run needs."""

    arguments: argparse.Namespace
    bench: Any
    environment: dict[str, str]
    log_dir: Path
    roots: list[int]
    results: defaultdict[str, dict[str, Any]] = field(default_factory=lambda: defaultdict(dict))
    cpu: defaultdict[str, dict[str, report.CpuShares]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    commands: dict[str, str] = field(default_factory=dict)
    # pgbench's runs by scenario (hot, many).
    floors: dict[str, floor.FloorRun] = field(default_factory=dict)

    def server(
        self, side: Side, *, workers: int, name: str
    ) -> contextlib.AbstractContextManager[servers.AppServer]:
        """Start a server of the side's code as the run's flags say."""
        environment = self.environment
        if side.database_url is not None:
            environment = {**environment, "DATABASE_URL": side.database_url}
        return servers.app_server(
            workers=workers,
            environment=environment,
            log_path=self.log_dir / f"{side.name}-{name}.log",
            code=side.code,
            deflate=self.arguments.server_deflate,
            server=side.server,
        )

    def common(self, side: str, server: servers.AppServer) -> dict[str, Any]:
        """Return the load generator's settings every scenario shares."""
        spec: dict[str, Any] = {
            "origin": server.origin,
            "compression": not self.arguments.no_compression,
            "bid_step": str(BID_STEP),
            "rss_pids": server.worker_pids(),
            "server_ports": [server.port],
        }
        if self.arguments.profile is not None:
            directory = self.arguments.profile / side
            directory.mkdir(parents=True, exist_ok=True)
            spec["profile"] = profiler_command(server.pid, directory)
        return spec


BID_STEP = Decimal("5000000.00")
ORDER = ("hot", "hot_proxy", "many", "fanout", "spectators", "memory", "closing", "scaleout")
# The scenarios that measure a rate of bids, which --rounds repeats.
BIDDING = frozenset({"hot", "hot_proxy", "many"})


def merged_rounds(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Return a bidding scenario's rounds as one run: the outcomes summed and the rates over
    their whole time; each percentile of the round trips is the rounds' mean, and each
    round's accepted bids/s is listed under "rounds"."""
    if len(runs) == 1:
        return runs[0]
    duration = sum(run["duration"] for run in runs)
    outcomes: Counter[str] = Counter()
    for run in runs:
        outcomes.update(run["outcomes"])

    def rate(key: str) -> float:
        return sum(run[key] * run["duration"] for run in runs) / duration

    def mean_percentile(name: str) -> float | None:
        values = [run["bid_round_trip_ms"][name] for run in runs]
        known = [value for value in values if value is not None]
        return sum(known) / len(known) if known else None

    return {
        **runs[0],
        "duration": duration,
        "outcomes": dict(outcomes),
        "accepted_per_second": rate("accepted_per_second"),
        "automatic_per_second": rate("automatic_per_second"),
        "chain_bids_per_second": rate("chain_bids_per_second"),
        "bid_round_trip_ms": {name: mean_percentile(name) for name in runs[0]["bid_round_trip_ms"]},
        "client_cpu_share": sum(run["client_cpu_share"] for run in runs) / len(runs),
        "rounds": [run["accepted_per_second"] for run in runs],
    }


def run(arguments: argparse.Namespace, backends: servers.Backends, sides: list[Side]) -> None:
    parts = set(arguments.only or [*ORDER, "floor"])
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    environment = {
        "DATABASE_URL": backends.database_url,
        "REDIS_URL": backends.redis_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "BID_RATE_LIMIT": arguments.bid_rate_limit,
        # The fan-out's watchers are thousands of sockets of one clerk to one lot.
        "LIVE_SOCKETS_PER_USER": "100000",
        # The closing scenario's licence offers email the winners: not what it measures.
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    # CONN_MAX_AGE and the like pass through from the caller's environment as they are.
    os.environ.update(environment)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()
    # Models import only after django.setup().
    from bench import data

    note("migrating a fresh database and creating the bench data")
    data.migrate()
    bidders = max(arguments.bidders, arguments.lot_bidders, arguments.spectator_bidders, 2)
    bench = data.create_bench_data(
        bidders=bidders,
        run=secrets.token_hex(3),
        closing_sets=len(sides) if "closing" in parts else 0,
        closing_lots=arguments.closing_lots,
    )
    sides = [_with_own_schema(side, backends) for side in sides]
    log_dir = Path(tempfile.mkdtemp(prefix=f"nedra-bench-{os.getpid()}."))
    note(f"server logs in {log_dir}")
    context = Context(
        arguments=arguments,
        bench=bench,
        environment=environment,
        log_dir=log_dir,
        roots=[os.getpid(), *backends.pids],
    )
    for side in sides:
        note(f"{side.name}: {side.code} at {side.commit}")
    with contextlib.ExitStack() as stack:
        for side in sides:
            if side.database_url is not None:
                stack.callback(servers.drop_database, side.database_url)
        main_servers: dict[str, servers.AppServer] = {}
        if parts & {"hot", "hot_proxy", "many", "fanout", "spectators", "closing"}:
            for side in sides:
                main_servers[side.name] = server = stack.enter_context(
                    context.server(side, workers=arguments.workers, name="server")
                )
                context.commands["server"] = server.command
                note(f"{side.name}: {server.command} (pid {server.pid})")
        for scenario in ORDER:
            if scenario not in parts:
                continue
            if scenario == "fanout" and not arguments.no_bare:
                note(f"bare room: {arguments.watchers} watchers, {arguments.fanout_rate} bids/s")
                with report.cpu_shares(context.roots) as context.cpu["fanout"]["bare"]:
                    context.results["fanout"]["bare"] = run_bare_fanout(context)
            rounds = arguments.rounds if scenario in BIDDING else 1
            runs: defaultdict[str, list[tuple[dict[str, Any], report.CpuShares]]]
            runs = defaultdict(list)
            for index in range(rounds):
                for side in sides if index % 2 == 0 else sides[::-1]:
                    with report.cpu_shares(context.roots) as shares:
                        result = RUNNERS[scenario](context, side, main_servers.get(side.name))
                    runs[side.name].append((result, shares))
            for side in sides:
                context.results[scenario][side.name] = merged_rounds(
                    [result for result, _ in runs[side.name]]
                )
                context.cpu[scenario][side.name] = report.CpuShares.mean(
                    [shares for _, shares in runs[side.name]]
                )
    if "floor" in parts:
        for name, lots, clients in (
            ("hot", [bench.floor_hot_lot], arguments.bidders),
            ("many", bench.floor_many_lots, arguments.lot_bidders * len(bench.floor_many_lots)),
        ):
            note(f"floor: pgbench, {clients} clients on {len(lots)} row(s)")
            with report.cpu_shares(context.roots) as context.cpu[f"floor_{name}"]["floor"]:
                context.floors[name] = floor.run_floor(
                    pgbench=servers.pgbench(),
                    database_url=backends.database_url,
                    lot_ids=lots,
                    application=bench.floor_application,
                    user=bench.floor_user,
                    clients=clients,
                    duration=arguments.duration,
                )
    record(context, backends, sides, started_at)


def _code_line(side: Side) -> str:
    line = f"{side.code} at {side.commit}"
    if side.unapply:
        back = ", ".join(f"{app} back to {target}" for app, target in side.unapply)
        line += f", on its own copy of the bench data with the newer migrations unapplied ({back})"
    return line


def _with_own_schema(side: Side, backends: servers.Backends) -> Side:
    """Return the side on a copy of the bench data with its newer migrations unapplied, if
    its checkout's migrations are older than the current tree's; else as it is."""
    if not side.unapply:
        return side
    from django.db import connections

    # A database with open connections cannot be copied.
    connections.close_all()
    copy = servers.clone_database(backends.database_url, side.name)
    for app, target in side.unapply:
        note(f"{side.name}: its own copy of the data, {app} migrated back to {target}")
        # The current tree's code: only it has the migrations to unapply.
        subprocess.run(  # noqa: S603 -- this interpreter, names from the checkouts' files
            [sys.executable, "manage.py", "migrate", "--skip-checks", "-v", "0", app, target],
            cwd=servers.ROOT,
            env=servers.code_environment(servers.ROOT, {"DATABASE_URL": copy}),
            check=True,
        )
    return dataclasses.replace(side, database_url=copy)


def run_hot(context: Context, side: Side, server: servers.AppServer | None) -> dict[str, Any]:
    assert server is not None  # noqa: S101 -- started for this scenario
    arguments = context.arguments
    note(f"{side.name}: one hot lot, {arguments.bidders} bidders for {arguments.duration}s")
    sockets = [
        (server.lot_url(context.bench.hot_lot), session)
        for session in context.bench.bidder_sessions[: arguments.bidders]
    ]
    return load(
        {
            "scenario": "bidding",
            "name": "hot",
            "sockets": sockets,
            "warmup": arguments.warmup,
            "duration": arguments.duration,
            **context.common(side.name, server),
        }
    )


def run_hot_proxy(context: Context, side: Side, server: servers.AppServer | None) -> dict[str, Any]:
    """The hot scenario's bidders on the lot where others hold maxima (bench/data.py,
    PROXY_MAXIMA): nearly every bid by hand is answered by an automatic one in its own
    transaction. Against the plain hot lot it shows what proxy bidding costs."""
    assert server is not None  # noqa: S101 -- started for this scenario
    arguments = context.arguments
    note(
        f"{side.name}: the hot lot with maxima, {arguments.bidders} bidders for "
        f"{arguments.duration}s"
    )
    sockets = [
        (server.lot_url(context.bench.proxy_lot), session)
        for session in context.bench.bidder_sessions[: arguments.bidders]
    ]
    return load(
        {
            "scenario": "bidding",
            "name": "hot_proxy",
            "sockets": sockets,
            "warmup": arguments.warmup,
            "duration": arguments.duration,
            **context.common(side.name, server),
        }
    )


def run_many(context: Context, side: Side, server: servers.AppServer | None) -> dict[str, Any]:
    assert server is not None  # noqa: S101 -- started for this scenario
    arguments = context.arguments
    note(f"{side.name}: 50 lots, {arguments.lot_bidders} bidders each for {arguments.duration}s")
    sockets = [
        (server.lot_url(lot), session)
        for lot in context.bench.many_lots
        for session in context.bench.bidder_sessions[: arguments.lot_bidders]
    ]
    return load(
        {
            "scenario": "bidding",
            "name": "many",
            "sockets": sockets,
            "warmup": arguments.warmup,
            "duration": arguments.duration,
            **context.common(side.name, server),
        }
    )


def fanout_spec(context: Context, *, name: str, watchers: list[int], bids: int) -> dict[str, Any]:
    return {
        "scenario": "fanout",
        "name": name,
        "watcher_session": context.bench.watcher_session,
        "bidder_sessions": context.bench.bidder_sessions[:2],
        "watchers": watchers,
        "bids": bids,
        "rate": context.arguments.fanout_rate,
        "settle": 10,
    }


def run_fanout(context: Context, side: Side, server: servers.AppServer | None) -> dict[str, Any]:
    assert server is not None  # noqa: S101 -- started for this scenario
    arguments = context.arguments
    note(f"{side.name}: fan-out, {arguments.watchers} watchers, {arguments.fanout_rate} bids/s")
    return load(
        {
            **fanout_spec(
                context, name="fanout", watchers=arguments.watchers, bids=arguments.fanout_bids
            ),
            "url": server.lot_url(context.bench.fanout_lot),
            **context.common(side.name, server),
        }
    )


def run_bare_fanout(context: Context) -> dict[str, Any]:
    """Run the fan-out against the bare websockets room (bench/bare.py)."""
    arguments = context.arguments
    port = servers.free_port()
    command = [
        sys.executable,
        "-m",
        "bench.bare",
        f"--port={port}",
        f"--lot={context.bench.fanout_lot}",
        "--sessions=" + ",".join(context.bench.bidder_sessions[:2]),
    ]
    if arguments.server_deflate:
        command.append("--deflate")
    with (context.log_dir / "bare.log").open("w") as log:
        process = subprocess.Popen(  # noqa: S603 -- our own module, fixed arguments
            command, cwd=servers.ROOT, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        servers.wait_for_port(port, timeout=30)
        return load(
            {
                **fanout_spec(
                    context, name="bare", watchers=arguments.watchers, bids=arguments.fanout_bids
                ),
                "url": f"ws://127.0.0.1:{port}/ws/lots/{context.bench.fanout_lot}/",
                "origin": f"http://127.0.0.1:{port}",
                "compression": not arguments.no_compression,
                "bid_step": str(BID_STEP),
                "rss_pids": [process.pid],
                "server_ports": [port],
            }
        )
    finally:
        servers.stop(process)


def run_memory(context: Context, side: Side, server: servers.AppServer | None) -> dict[str, Any]:
    """One worker holding the memory scenario's sockets: its resident memory."""
    arguments = context.arguments
    note(f"{side.name}: memory, one worker with {arguments.memory_sockets} watcher sockets")
    with context.server(side, workers=1, name="memory") as one:
        return load(
            {
                **fanout_spec(
                    context,
                    name="memory",
                    watchers=[arguments.memory_sockets],
                    bids=arguments.memory_bids,
                ),
                "url": one.lot_url(context.bench.fanout_lot),
                **context.common(side.name, one),
            }
        )


def run_scaleout(context: Context, side: Side, server: servers.AppServer | None) -> dict[str, Any]:
    """Two servers (one process each, as two machines) serving one lot's sockets."""
    arguments = context.arguments
    note(f"{side.name}: scale-out, {arguments.scaleout_watchers} watchers over two servers")
    with (
        context.server(side, workers=1, name="scaleout-1") as first,
        context.server(side, workers=1, name="scaleout-2") as second,
    ):
        common = context.common(side.name, first)
        return load(
            {
                **fanout_spec(
                    context,
                    name="scaleout",
                    watchers=[arguments.scaleout_watchers],
                    bids=arguments.fanout_bids,
                ),
                "urls": [s.lot_url(context.bench.fanout_lot) for s in (first, second)],
                "origins": [first.origin, second.origin],
                **common,
                "rss_pids": first.worker_pids() + second.worker_pids(),
                "server_ports": [first.port, second.port],
            }
        )


def run_spectators(
    context: Context, side: Side, server: servers.AppServer | None
) -> dict[str, Any]:
    assert server is not None  # noqa: S101 -- started for this scenario
    arguments = context.arguments
    note(
        f"{side.name}: spectators, {arguments.spectator_bidders} bidders at "
        f"{arguments.spectator_rate} bids/s, without then with {arguments.spectators} "
        "anonymous spectators, then without again"
    )
    lot = context.bench.spectator_lot
    with contextlib.ExitStack() as stack:
        gallery = server
        if arguments.gallery_workers:
            # Production's split (docker-compose's gallery service): spectators' sockets on
            # processes of their own, the lot's news through Redis.
            gallery = stack.enter_context(
                context.server(side, workers=arguments.gallery_workers, name="gallery")
            )
            note(f"gallery sockets: {gallery.command} (pid {gallery.pid})")
        return load(
            {
                "scenario": "spectators",
                "url": server.lot_url(lot),
                "gallery_url": f"{gallery.lot_url(lot)}gallery/",
                "gallery_origin": gallery.origin,
                "bidder_sessions": context.bench.bidder_sessions[: arguments.spectator_bidders],
                "spectators": arguments.spectators,
                "bids": arguments.spectator_bids,
                "rate": arguments.spectator_rate,
                "settle": 10,
                **context.common(side.name, server),
            }
        )


# The shared end comes this long after the lots' bids are in and every socket is open.
CLOSING_LEAD_SECONDS = 3.0
CLOSING_TIMEOUT_SECONDS = 30.0


def run_closing(context: Context, side: Side, server: servers.AppServer | None) -> dict[str, Any]:
    """Lots ending in the same second, closed by a Celery worker and beat of the side's code."""
    assert server is not None  # noqa: S101 -- started for this scenario
    from bench import data

    arguments = context.arguments
    lots = context.bench.closing_lots[side.index]
    note(
        f"{side.name}: {len(lots)} lots ending together, {arguments.closing_watchers} watchers "
        "and 2 bidders on each, closed by a Celery worker and beat"
    )
    directory = context.log_dir / f"{side.name}-celery"
    directory.mkdir()
    with servers.celery_services(
        code=side.code, environment=context.environment, directory=directory
    ):
        spec = {
            "scenario": "closing",
            "urls": [server.lot_url(lot) for lot in lots],
            "bidder_sessions": context.bench.bidder_sessions[:2],
            "watcher_session": context.bench.watcher_session,
            "watchers_per_lot": arguments.closing_watchers,
            "timeout": CLOSING_TIMEOUT_SECONDS,
            **context.common(side.name, server),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.load"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=servers.ROOT,
        )
        assert process.stdin is not None  # noqa: S101 -- asked for by PIPE
        assert process.stdout is not None  # noqa: S101 -- asked for by PIPE
        process.stdin.write(json.dumps(spec) + "\n")
        process.stdin.flush()
        if process.stdout.readline().strip() != "ready":
            sys.exit(f"the load generator failed:\n{process.communicate()[1]}")
        ends_at = datetime.now(UTC) + timedelta(seconds=CLOSING_LEAD_SECONDS)
        data.end_lots_together(lots, ends_at=ends_at)
        process.stdin.write(f"{ends_at.timestamp()}\n")
        process.stdin.flush()
        deadline = time.time() + CLOSING_LEAD_SECONDS + CLOSING_TIMEOUT_SECONDS
        while True:
            progress = data.closing_progress(lots)
            done = progress.results == progress.licences == len(lots)
            if done or time.time() > deadline:
                break
            time.sleep(0.1)
        output, errors = process.communicate(timeout=CLOSING_TIMEOUT_SECONDS + 30)
        if process.returncode != 0:
            sys.exit(f"the load generator failed:\n{errors}")
    figures = json.loads(output)

    def after_end(moment: datetime | None) -> float | None:
        return None if moment is None else (moment - ends_at).total_seconds()

    return {
        **figures,
        "closed": progress.closed,
        "results": progress.results,
        "licences": progress.licences,
        "results_seconds": after_end(progress.last_result),
        "licences_seconds": after_end(progress.last_licence),
        "closed_frames_seconds": figures["last_closed_frame_seconds"],
    }


RUNNERS = {
    "hot": run_hot,
    "hot_proxy": run_hot_proxy,
    "many": run_many,
    "fanout": run_fanout,
    "spectators": run_spectators,
    "memory": run_memory,
    "closing": run_closing,
    "scaleout": run_scaleout,
}


def load(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one scenario in a load-generator process of its own and return its figures."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.load"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        check=False,
        cwd=servers.ROOT,
    )
    if completed.returncode != 0:
        sys.exit(f"the load generator failed:\n{completed.stderr}")
    return json.loads(completed.stdout)


def profiler_command(pid: int, directory: Path) -> dict[str, Any]:
    """Return how the load generator runs py-spy on the server while it measures."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    command = [py_spy, "record", f"--pid={pid}", "--subprocesses", "--nonblocking"]
    return {"command": [*command, "--threads", "--format=raw"], "directory": str(directory)}


def record(
    context: Context, backends: servers.Backends, sides: list[Side], started_at: str
) -> None:
    """Print the table; append the run to RESULTS.md and write --json's file if asked."""
    arguments, results = context.arguments, context.results
    found = figures.collect(results, context.floors)
    names = [side.name for side in sides]
    found_ratios = figures.ratios(found, names)
    table = figures.markdown_table(
        figures.build_table(found, found_ratios, names, arguments.watchers)
    )
    details = details_lines(context, names)
    sys.stdout.write("\n" + table + "\n\n" + "\n".join(f"- {d}" for d in details) + "\n")
    machine_facts = report.machine(
        postgresql=backends.postgresql_version, redis=backends.redis_version
    )
    setup = {
        "server": f"`{context.commands.get('server', '')}`",
        "servers": ", ".join(f"{side.name}: {side.server}" for side in sides),
        "server permessage-deflate": "on" if arguments.server_deflate else "off",
        "server environment": f"DEBUG=false, BID_RATE_LIMIT={arguments.bid_rate_limit}, "
        f"CONN_MAX_AGE={os.environ.get('CONN_MAX_AGE', 'unset (0)')}",
        "PostgreSQL settings": ", ".join(f"{k}={v}" for k, v in servers.PG_SETTINGS.items())
        + " (as CI runs it)",
        "clients offer permessage-deflate": "no" if arguments.no_compression else "yes",
        **{f"{side.name} code": _code_line(side) for side in sides},
    }
    command = ["python", "-m", "bench", *sys.argv[1:]]
    if arguments.json is not None:
        raw: dict[str, Any] = dict(results)
        raw["floor"] = {name: dataclasses.asdict(run) for name, run in context.floors.items()}
        raw["cpu"] = {
            name: {side: dataclasses.asdict(shares) for side, shares in by_side.items()}
            for name, by_side in context.cpu.items()
        }
        document = figures.document(
            command=command,
            started_at=started_at,
            machine=machine_facts,
            setup=setup,
            sides={
                side.name: {"path": str(side.code), "commit": side.commit, "server": side.server}
                for side in sides
            },
            figures=found,
            found_ratios=found_ratios,
            raw=raw,
        )
        arguments.json.write_text(json.dumps(document, indent=2) + "\n")
        note(f"wrote {arguments.json}")
    if arguments.no_record:
        return
    section = report.results_section(
        command=shlex.join(command),
        machine_facts=machine_facts,
        setup=setup,
        table=table,
        details=details,
    )
    with arguments.results.open("a") as results_file:
        results_file.write("\n" + section)
    note(f"appended to {arguments.results}")


def details_lines(context: Context, sides: list[str]) -> list[str]:
    """Return the notes under the table: outcomes, completeness, CPU, per side."""
    arguments, results, cpu = context.arguments, context.results, context.cpu
    details: list[str] = []
    for name, label in (
        ("hot", "one hot lot"),
        ("hot_proxy", "the hot lot with maxima"),
        ("many", "50 lots"),
    ):
        for side, run in results.get(name, {}).items():
            rounds = run.get("rounds")
            by_round = (
                f" ({len(rounds)} rounds, accepted/s: {', '.join(f'{r:.0f}' for r in rounds)})"
                if rounds
                else ""
            )
            details.append(
                f"{side}, {label}: outcomes in {run['duration']}s{by_round} {run['outcomes']}; "
                f"load generator used {run['client_cpu_share']:.0%} of a core; {cpu[name][side]}"
            )
        floor_run = context.floors.get(name)
        if floor_run is not None:
            details.append(
                f"floor ({floor_run.rows} row(s), {floor_run.clients} clients): "
                f"{floor_run.transactions_per_second:,.0f} transactions/s, latency "
                f"{floor_run.latency_ms:.2f} ms; {cpu[f'floor_{name}']['floor']}"
            )
    for name in ("fanout", "memory", "scaleout"):
        for side, run in results.get(name, {}).items():
            for f in run["per_watcher_count"]:
                rss = ", ".join(
                    f"{pid}: {'-' if mib is None else f'{mib:.0f}'} MiB with "
                    f"{f['sockets_per_process'].get(pid, 0)} sockets"
                    for pid, mib in f["rss_mib_after_bids"].items()
                )
                details.append(
                    f"{side}, {name}, {f['watchers']} watchers ({f['connected']} connected in "
                    f"{f['connect_seconds']:.1f} s): {f['bids']} bids at {run['rate']}/s; bids "
                    f"not seen by every watcher within 10 s: {f['incomplete_bids']}; stale or "
                    f"repeated frames: {f['stale_or_repeated_frames']}; gaps: {f['gaps']}; "
                    f"state frame {f['frame_bytes']} B; refused {f['refused']}; resident "
                    f"memory after the bids: {rss}; load generator used "
                    f"{f['client_cpu_share']:.0%} of a core"
                )
                for index, server in enumerate(f.get("per_server", []), start=1):
                    details.append(
                        f"{side}, {name}, server {index}: {server['connected']} watchers, "
                        f"to all of them p50/p95/p99 {_triple(server['all_watchers_ms'])} ms; "
                        f"incomplete {server['incomplete_bids']}, stale or repeated "
                        f"{server['stale_or_repeated_frames']}, gaps {server['gaps']}"
                    )
            details.append(f"{side}, {name}, with the connecting: {cpu[name][side]}")
    for side, run in results.get("closing", {}).items():
        details.append(
            f"{side}, lots ending together: {run['lots']} lots, bids {run['bids']}, "
            f"{run['closed']} closed, {run['results']} results, {run['licences']} licence "
            f"offers, {run['closed_frames']} of {run['sockets']} sockets told; every socket "
            f"open and every bid in before the end: {run['ready_before_end']}; closed frame "
            f"after the end p50/p95/p99 {_triple(run['closed_frame_ms'])} ms; sockets not "
            f"told, by lot: {run['sockets_not_told_by_lot'] or 'none'}, of which watchers "
            f"the server closed first: {run['watchers_dropped_before_told']}; "
            f"{cpu['closing'][side]}"
        )
    for side, run in results.get("spectators", {}).items():
        _, spectator_details = report.spectator_lines(run, bidders=arguments.spectator_bidders)
        details += [f"{side}, {line}" for line in spectator_details]
        details.append(f"{side}, spectators, all phases: {cpu['spectators'][side]}")
    return details


def _triple(values: dict[str, float | None]) -> str:
    return "/".join("-" if v is None else f"{v:.1f}" for v in values.values())


def note(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}\n")


if __name__ == "__main__":
    main()
