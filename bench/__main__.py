"""Run the live bid engine's benchmark: `python -m bench [--quick]` (see bench/README.md).

`python -m bench catalogue [--quick]` runs the catalogue's benchmark instead (bench/catalogue.py).

Starts throwaway PostgreSQL and Redis (or uses BENCH_DATABASE_URL and BENCH_REDIS_URL),
migrates and fills a fresh database, starts uvicorn as production does, drives it with
websocket bidders and watchers, measures the floor with pgbench, prints the figures and
appends them to bench/RESULTS.md.
"""

import argparse
import contextlib
import json
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import django

from bench import floor, report, servers

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
        choices=["hot", "many", "fanout", "spectators", "floor"],
        action="append",
        help="run only these parts (repeatable); the default runs all",
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
    return arguments


def main() -> None:
    if sys.argv[1:2] == ["catalogue"]:
        from bench import catalogue

        catalogue.main(sys.argv[2:])
        return
    arguments = parse_arguments()
    database_url, redis_url = (
        os.environ.get("BENCH_DATABASE_URL"),
        os.environ.get("BENCH_REDIS_URL"),
    )
    if database_url and redis_url:
        run(arguments, servers.given_backends(database_url, redis_url))
        return
    with servers.throwaway_backends() as backends:
        run(arguments, backends)


def run(arguments: argparse.Namespace, backends: servers.Backends) -> None:
    parts = set(arguments.only or ["hot", "many", "fanout", "spectators", "floor"])
    environment = {
        "DATABASE_URL": backends.database_url,
        "REDIS_URL": backends.redis_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "BID_RATE_LIMIT": arguments.bid_rate_limit,
        # The fan-out's watchers are thousands of sockets of one clerk to one lot.
        "LIVE_SOCKETS_PER_USER": "100000",
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
    bench = data.create_bench_data(bidders=bidders, run=secrets.token_hex(3))
    results: dict[str, Any] = {}
    cpu: dict[str, report.CpuShares] = {}
    roots = [os.getpid(), *backends.pids]
    log_path = Path(tempfile.gettempdir()) / f"nedra-bench-uvicorn-{os.getpid()}.log"
    with servers.app_server(
        workers=arguments.workers, environment=environment, log_path=log_path
    ) as server:
        note(f"{server.command} (pid {server.pid}); log {log_path}")
        common: dict[str, Any] = {
            "origin": server.origin,
            "compression": not arguments.no_compression,
        }
        if arguments.profile is not None:
            arguments.profile.mkdir(parents=True, exist_ok=True)
            common["profile"] = profiler_command(server.pid, arguments.profile)
        step = str(data.BID_STEP)
        bidding = {
            "warmup": arguments.warmup,
            "duration": arguments.duration,
            "bid_step": step,
            **common,
        }

        if "hot" in parts:
            note(f"one hot lot: {arguments.bidders} bidders for {arguments.duration}s")
            sockets = [
                (server.lot_url(bench.hot_lot), session)
                for session in bench.bidder_sessions[: arguments.bidders]
            ]
            with report.cpu_shares(roots) as cpu["hot"]:
                results["hot"] = load(
                    {"scenario": "bidding", "name": "hot", "sockets": sockets, **bidding}
                )
        if "many" in parts:
            note(f"50 lots: {arguments.lot_bidders} bidders each for {arguments.duration}s")
            sockets = [
                (server.lot_url(lot), session)
                for lot in bench.many_lots
                for session in bench.bidder_sessions[: arguments.lot_bidders]
            ]
            with report.cpu_shares(roots) as cpu["many"]:
                results["many"] = load(
                    {"scenario": "bidding", "name": "many", "sockets": sockets, **bidding}
                )
        if "fanout" in parts:
            note(f"fan-out: {arguments.watchers} watchers, {arguments.fanout_rate} bids/s")
            with report.cpu_shares(roots) as cpu["fanout"]:
                results["fanout"] = load(
                    {
                        "scenario": "fanout",
                        "url": server.lot_url(bench.fanout_lot),
                        "watcher_session": bench.watcher_session,
                        "bidder_sessions": bench.bidder_sessions[:2],
                        "watchers": arguments.watchers,
                        "bids": arguments.fanout_bids,
                        "rate": arguments.fanout_rate,
                        "settle": 10,
                        "bid_step": step,
                        **common,
                    }
                )
        if "spectators" in parts:
            note(
                f"spectators: {arguments.spectator_bidders} bidders at "
                f"{arguments.spectator_rate} bids/s, without then with {arguments.spectators} "
                "anonymous spectators, then without again"
            )
            lot_url = server.lot_url(bench.spectator_lot)
            with contextlib.ExitStack() as stack:
                gallery = server
                if arguments.gallery_workers:
                    # Production's split (docker-compose's gallery service): spectators'
                    # sockets on processes of their own, the lot's news through Redis.
                    gallery = stack.enter_context(
                        servers.app_server(
                            workers=arguments.gallery_workers,
                            environment=environment,
                            log_path=log_path.with_suffix(".gallery.log"),
                        )
                    )
                    note(f"gallery sockets: {gallery.command} (pid {gallery.pid})")
                    roots.append(gallery.pid)
                with report.cpu_shares(roots) as cpu["spectators"]:
                    results["spectators"] = load(
                        {
                            "scenario": "spectators",
                            "url": lot_url,
                            "gallery_url": f"{gallery.lot_url(bench.spectator_lot)}gallery/",
                            "gallery_origin": gallery.origin,
                            "bidder_sessions": bench.bidder_sessions[: arguments.spectator_bidders],
                            "spectators": arguments.spectators,
                            "bids": arguments.spectator_bids,
                            "rate": arguments.spectator_rate,
                            "settle": 10,
                            **common,
                            "bid_step": step,
                        }
                    )
        command = server.command
    if "floor" in parts:
        for name, lots, clients in (
            ("hot", [bench.floor_hot_lot], arguments.bidders),
            ("many", bench.floor_many_lots, arguments.lot_bidders * len(bench.floor_many_lots)),
        ):
            note(f"floor: pgbench, {clients} clients on {len(lots)} row(s)")
            with report.cpu_shares(roots) as cpu[f"floor_{name}"]:
                results[f"floor_{name}"] = floor.run_floor(
                    pgbench=servers.pgbench(),
                    database_url=backends.database_url,
                    lot_ids=lots,
                    application=bench.floor_application,
                    user=bench.floor_user,
                    clients=clients,
                    duration=arguments.duration,
                )
    record(arguments, backends, command, results, cpu)


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
    arguments: argparse.Namespace,
    backends: servers.Backends,
    server_command: str,
    results: dict[str, Any],
    cpu: dict[str, report.CpuShares],
) -> None:
    """Print the table and append the run to RESULTS.md."""
    rows: list[report.Row] = []
    details: list[str] = []
    for name, label, clients in (
        ("hot", "one hot lot", arguments.bidders),
        ("many", "50 lots", arguments.lot_bidders * 50),
    ):
        if name not in results:
            continue
        figures = results[name]
        floor_run = results.get(f"floor_{name}")
        floor_rate = floor_run.transactions_per_second if floor_run else 0.0
        rows.append(
            report.throughput_row(
                f"accepted bids/s, {label} ({clients} bidders)",
                figures["accepted_per_second"],
                floor_rate,
            )
        )
        trip = figures["bid_round_trip_ms"]
        details.append(
            f"{label}: outcomes in {figures['duration']}s {figures['outcomes']}; accepted bid "
            f"round trip p50 {trip['p50']:.1f} ms, p99 {trip['p99']:.1f} ms; load generator "
            f"used {figures['client_cpu_share']:.0%} of a core; {cpu[name]}"
        )
    for name in ("hot", "many"):
        floor_run = results.get(f"floor_{name}")
        if floor_run is not None:
            details.append(
                f"floor ({floor_run.rows} row(s), {floor_run.clients} clients): "
                f"{floor_run.transactions_per_second:,.0f} transactions/s, "
                f"latency {floor_run.latency_ms:.2f} ms; {cpu[f'floor_{name}']}"
            )
    if "fanout" in cpu:
        details.append(f"fan-out, all watcher counts with their connecting: {cpu['fanout']}")
    for figures in results.get("fanout", {}).get("per_watcher_count", []):
        rows.append(report.fanout_row(figures["watchers"], figures))
        details.append(
            f"fan-out, {figures['watchers']} watchers: {figures['bids']} bids at "
            f"{results['fanout']['rate']}/s; bids not seen by every watcher within 10 s: "
            f"{figures['incomplete_bids']}; stale or repeated frames: "
            f"{figures['stale_or_repeated_frames']}; refused {figures['refused']}; load "
            f"generator used {figures['client_cpu_share']:.0%} of a core"
        )
    if "spectators" in results:
        spectator_rows, spectator_details = report.spectator_lines(
            results["spectators"], bidders=arguments.spectator_bidders
        )
        rows += spectator_rows
        details += [*spectator_details, f"spectators, all phases: {cpu['spectators']}"]
    table = report.markdown_table(rows)
    sys.stdout.write("\n" + table + "\n\n" + "\n".join(details) + "\n")
    if arguments.no_record:
        return
    setup = {
        "server": f"`{server_command}`",
        "server environment": f"DEBUG=false, BID_RATE_LIMIT={arguments.bid_rate_limit}, "
        f"CONN_MAX_AGE={os.environ.get('CONN_MAX_AGE', 'unset (0)')}",
        "PostgreSQL settings": ", ".join(f"{k}={v}" for k, v in servers.PG_SETTINGS.items())
        + " (as CI runs it)",
        "clients offer permessage-deflate": "no" if arguments.no_compression else "yes",
    }
    section = report.results_section(
        command=shlex.join(["python", "-m", "bench", *sys.argv[1:]]),
        machine_facts=report.machine(
            postgresql=backends.postgresql_version, redis=backends.redis_version
        ),
        setup=setup,
        rows=rows,
        details=details,
    )
    with arguments.results.open("a") as results_file:
        results_file.write("\n" + section)
    note(f"appended to {arguments.results}")


def note(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}\n")


if __name__ == "__main__":
    main()
