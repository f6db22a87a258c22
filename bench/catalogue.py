"""The catalogue's benchmark: `python -m bench catalogue [--quick]` (see bench/README.md).

Issue #6: with 10,000 deposits and 50,000 reserves loaded, the catalogue list and a
filtered search each use a fixed number of queries, and their response times (median and
p95) are reported against the time of Django's plain 404 page measured in the same run.

Starts throwaway PostgreSQL and Redis (or uses BENCH_DATABASE_URL and BENCH_REDIS_URL),
migrates, generates the synthetic catalogue, counts each page's queries in-process, starts
uvicorn as production does and times the pages interleaved, one request at a time and at a
small concurrency; prints the table and appends it to bench/RESULTS.md.
"""

# ruff: noqa: S603 -- git with fixed arguments, to name the commit measured.

import argparse
import contextlib
import http.client
import os
import random
import secrets
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django

from bench import report, servers

DEFAULT_RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
NOT_FOUND = "404"
# The pages timed, by name: the baseline first. Filters chosen so each search matches some
# tens of rows of the generated catalogue, as a reader's search would.
PAGES: dict[str, str] = {
    NOT_FOUND: "/bench/no-such-page/",
    "deposit list": "/deposits/",
    "deposit search": "/deposits/?q=tau&mineral=copper&region=karaganda&ordering=-name",
    "deposit list, page 200": "/deposits/?page=200",
    "lot list": "/lots/",
    "lot search": "/lots/?q=tau&mineral=copper&licence_type=production&ordering=-starting_price",
    "API deposit search": "/api/deposits/?q=tau&mineral=copper&region=karaganda",
    "API lot list": "/api/lots/",
}
# A TLS-terminating proxy says the request came over HTTPS; without it the production
# settings answer every request with a redirect to https.
HEADERS = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Accept-Language": "en"}


@dataclass
class PageFacts:
    """What one page is, as counted in-process against the same database."""

    name: str
    path: str
    status: int
    queries: int
    database_ms: float
    rows: int | None
    slowest_sql: str = ""


@dataclass
class Timings:
    """Response times (ms) of each page at one concurrency, and the run's wall time."""

    concurrency: int
    by_page: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench catalogue", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 60 requests a page")
    parser.add_argument("--deposits", type=int, default=10_000, help="deposits (10000)")
    parser.add_argument(
        "--reserves-per-deposit", type=int, default=5, help="reserves per deposit (5)"
    )
    parser.add_argument("--lots", type=int, default=3_000, help="published lots (3000)")
    parser.add_argument("--seed", type=int, default=0, help="the generator's seed (0)")
    parser.add_argument("--requests", type=int, default=None, help="requests per page (300)")
    parser.add_argument(
        "--concurrency", default="1,4", help="client counts, each a run of its own (1,4)"
    )
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests a page (10)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn --workers (2)")
    parser.add_argument(
        "--results", type=Path, default=DEFAULT_RESULTS, help="file the run is appended to"
    )
    parser.add_argument("--no-record", action="store_true", help="print, do not append")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN ANALYZE of each page's slowest query (to stderr)",
    )
    arguments = parser.parse_args(argv)
    if arguments.requests is None:
        arguments.requests = 60 if arguments.quick else 300
    arguments.concurrency = [int(count) for count in arguments.concurrency.split(",")]
    return arguments


def main(argv: list[str]) -> None:
    arguments = parse_arguments(argv)
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
    static_root = tempfile.mkdtemp(prefix="nedra-bench-static.")
    environment = {
        "DATABASE_URL": backends.database_url,
        "REDIS_URL": backends.redis_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        # The anonymous API limit (120/min by default) would answer most requests with 429.
        "API_ANON_RATE": "1000000/s",
        # Pages name their stylesheets by the manifest, as the Docker image builds it.
        "STATIC_ROOT": static_root,
    }
    os.environ.update(environment)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()
    from django.core.management import call_command

    from bench import data

    note("migrating a fresh database and collecting the static files")
    data.migrate()
    call_command("collectstatic", interactive=False, verbosity=0)
    generation = generate(arguments)
    pages = count_queries(PAGES)
    for facts in pages.values():
        note(
            f"{facts.name}: {facts.status}, {facts.queries} queries, "
            f"{facts.database_ms:.1f} ms in the database, rows {facts.rows}"
        )
        if arguments.explain and facts.slowest_sql:
            sys.stderr.write(explain(facts.slowest_sql) + "\n")
    # The API may not be there: time only what answers as it should.
    timed = {
        name: path
        for name, path in PAGES.items()
        if pages[name].status == (404 if name == NOT_FOUND else 200)
    }
    roots = [os.getpid(), *backends.pids]
    log_path = Path(tempfile.gettempdir()) / f"nedra-bench-catalogue-{os.getpid()}.log"
    runs: list[Timings] = []
    cpu: list[report.CpuShares] = []
    with servers.app_server(
        workers=arguments.workers, environment=environment, log_path=log_path
    ) as server:
        note(f"{server.command} (pid {server.pid}); log {log_path}")
        note(f"warming up: {arguments.warmup} requests a page")
        measure(server.port, timed, requests=arguments.warmup * 2, concurrency=2)
        for concurrency in arguments.concurrency:
            note(f"{arguments.requests} requests a page, {concurrency} client(s), interleaved")
            with report.cpu_shares(roots) as shares:
                runs.append(
                    measure(
                        server.port, timed, requests=arguments.requests, concurrency=concurrency
                    )
                )
            cpu.append(shares)
        command = server.command
    shutil.rmtree(static_root, ignore_errors=True)
    record(arguments, backends, command, generation, pages, runs, cpu)


def generate(arguments: argparse.Namespace) -> str:
    """Generate the catalogue unless this seed's is there already; describe what was done."""
    from django.db import connection

    from demo.synthetic import generate_catalogue, generated_prefix
    from deposits.models import Deposit, Reserve

    prefix = generated_prefix(arguments.seed)
    if Deposit.objects.filter(code__startswith=prefix).exists():
        note(f"reusing the catalogue generated earlier with seed {arguments.seed}")
        deposits = Deposit.objects.count()
        return f"reused: {deposits:,} deposits, {Reserve.objects.count():,} reserves in all"
    note(
        f"generating {arguments.deposits:,} deposits x {arguments.reserves_per_deposit} "
        f"reserves, {arguments.lots:,} lots"
    )
    started = time.monotonic()
    summary = generate_catalogue(
        deposits=arguments.deposits,
        reserves_per_deposit=arguments.reserves_per_deposit,
        lots=arguments.lots,
        seed=arguments.seed,
    )
    elapsed = time.monotonic() - started
    # The planner's statistics, as autovacuum would have gathered them on a live server.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return (
        f"{summary.deposits:,} deposits, {summary.reserves:,} reserves, {summary.lots:,} "
        f"published lots in {summary.events} events, generated in {elapsed:.1f} s, then ANALYZE"
    )


def count_queries(pages: dict[str, str]) -> dict[str, PageFacts]:
    """Render each page in-process (second request, caches warm) and count its queries."""
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import (
        CaptureQueriesContext,
        setup_test_environment,
        teardown_test_environment,
    )

    client = Client(
        HTTP_HOST=HEADERS["Host"],
        HTTP_X_FORWARDED_PROTO=HEADERS["X-Forwarded-Proto"],
        HTTP_ACCEPT_LANGUAGE=HEADERS["Accept-Language"],
    )
    facts: dict[str, PageFacts] = {}
    # Only in a test environment does a response carry its template context (the row count).
    setup_test_environment()
    for name, path in pages.items():
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        timed = [(float(query["time"]), query["sql"]) for query in queries.captured_queries]
        slowest = max(timed, default=(0.0, ""))
        facts[name] = PageFacts(
            name=name,
            path=path,
            status=response.status_code,
            queries=len(queries),
            database_ms=sum(seconds for seconds, _sql in timed) * 1000,
            rows=_row_count(response),
            slowest_sql=slowest[1],
        )
    teardown_test_environment()
    connections.close_all()
    return facts


def explain(sql: str) -> str:
    """Return the query and PostgreSQL's EXPLAIN ANALYZE of it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return f"{sql}\n{plan}\n"


def _row_count(response: Any) -> int | None:
    """Return how many rows the page's list matched, where it says."""
    context: Any = getattr(response, "context", None)
    with contextlib.suppress(KeyError, TypeError, AttributeError):
        return int(context["page"].paginator.count)
    with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
        return int(response.json()["count"])
    return None


def measure(port: int, pages: dict[str, str], *, requests: int, concurrency: int) -> Timings:
    """Request every page `requests` times from `concurrency` keep-alive clients.

    Each client asks for the pages round by round, in a shuffled order each round, so every
    page meets the same moments of the run (a burst elsewhere on the machine, a vacuum).
    """
    timings = Timings(concurrency=concurrency, by_page={name: [] for name in pages})
    lock = threading.Lock()
    # Split the requests among the clients: each page gets exactly `requests` in all.
    rounds = [
        requests // concurrency + (1 if index < requests % concurrency else 0)
        for index in range(concurrency)
    ]

    def client(index: int, count: int) -> None:
        order = random.Random(index)  # noqa: S311 -- a request order, not a secret
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: dict[str, list[float]] = {name: [] for name in pages}
        errors: dict[str, int] = {}
        for _ in range(count):
            names = list(pages)
            order.shuffle(names)
            for name in names:
                started = time.perf_counter()
                connection.request("GET", pages[name], headers=HEADERS)
                response = connection.getresponse()
                response.read()
                elapsed = (time.perf_counter() - started) * 1000
                expected = 404 if name == NOT_FOUND else 200
                if response.status != expected:
                    key = f"{name}: {response.status}"
                    errors[key] = errors.get(key, 0) + 1
                mine[name].append(elapsed)
        connection.close()
        with lock:
            for name, values in mine.items():
                timings.by_page[name].extend(values)
            for key, value in errors.items():
                timings.errors[key] = timings.errors.get(key, 0) + value

    threads = [
        threading.Thread(target=client, args=(index, count))
        for index, count in enumerate(rounds)
        if count
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    timings.seconds = time.monotonic() - started
    return timings


def percentile(values: list[float], share: float) -> float:
    """Return the value below which `share` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def table(pages: dict[str, PageFacts], runs: list[Timings]) -> str:
    """Return the Markdown table: per page and concurrency, times against the 404's."""
    lines = [
        "| page | clients | queries | median ms | p95 ms | median / 404 | p95 / 404 |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for timings in runs:
        base = timings.by_page[NOT_FOUND]
        base_median, base_p95 = statistics.median(base), percentile(base, 0.95)
        for name, values in timings.by_page.items():
            median, p95 = statistics.median(values), percentile(values, 0.95)
            lines.append(
                f"| {name} (`{pages[name].path}`) | {timings.concurrency} | "
                f"{pages[name].queries} | {median:.1f} | {p95:.1f} | "
                f"{median / base_median:.1f} | {p95 / base_p95:.1f} |"
            )
    return "\n".join(lines)


def record(
    arguments: argparse.Namespace,
    backends: servers.Backends,
    server_command: str,
    generation: str,
    pages: dict[str, PageFacts],
    runs: list[Timings],
    cpu: list[report.CpuShares],
) -> None:
    """Print the table and append the run to RESULTS.md."""
    figures = table(pages, runs)
    details = [f"catalogue: {generation}"]
    details += [
        f"{facts.name}: {facts.queries} queries taking {facts.database_ms:.1f} ms in-process"
        + ("" if facts.rows is None else f", {facts.rows:,} matching rows")
        for facts in pages.values()
        if facts.name in runs[0].by_page
    ]
    details += [
        f"{facts.name} (`{facts.path}`) was not timed: it answered {facts.status}"
        for facts in pages.values()
        if facts.name not in runs[0].by_page
    ]
    for timings, shares in zip(runs, cpu, strict=True):
        errors = f"; unexpected statuses {timings.errors}" if timings.errors else ""
        total = sum(len(values) for values in timings.by_page.values())
        details.append(
            f"{timings.concurrency} client(s): {total:,} requests in {timings.seconds:.0f} s "
            f"({total / timings.seconds:.1f}/s); {shares}{errors}"
        )
    sys.stdout.write("\n" + figures + "\n\n" + "\n".join(f"- {d}" for d in details) + "\n")
    if arguments.no_record:
        return
    facts = {
        **report.machine(postgresql=backends.postgresql_version, redis=backends.redis_version),
        "code": code_version(),
        "server": f"`{server_command}`",
        "server environment": "DEBUG=false, API_ANON_RATE=1000000/s, "
        f"CONN_MAX_AGE={os.environ.get('CONN_MAX_AGE', 'unset (0)')}",
        "PostgreSQL settings": ", ".join(f"{k}={v}" for k, v in servers.PG_SETTINGS.items()),
        "clients": "keep-alive HTTP/1.1 from the bench's own process, "
        f"{arguments.requests} requests a page per client count, pages shuffled each round",
    }
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = shlex.join(["python", "-m", "bench", "catalogue", *sys.argv[2:]])
    section = "\n".join(
        [
            f"## Catalogue run of {when}",
            "",
            f"Command: `{command}`",
            "",
            *(f"- {name}: {value}" for name, value in facts.items()),
            "",
            figures,
            "",
            *(f"- {line}" for line in details),
            "",
        ]
    )
    with arguments.results.open("a") as results_file:
        results_file.write("\n" + section)
    note(f"appended to {arguments.results}")


def code_version() -> str:
    """Return the commit measured, and whether the work tree had changes on top of it."""
    git = ["git", "-C", str(servers.ROOT)]
    try:
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            [*git, "status", "--porcelain"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    return f"commit {commit}" + (" with uncommitted changes" if changed else "")


def note(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}\n")
