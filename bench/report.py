"""The bench's figures as a table, against the floor and the targets, with the machine."""

import contextlib
import os
import platform
import timeit
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path


@dataclass(frozen=True)
class Row:
    """One line of the table: a figure (or one per side), what it is held to, and whether
    it holds."""

    measure: str
    figure: str
    against: str = ""
    verdict: str = ""
    figures: dict[str, str] = field(default_factory=dict)
    # after/before, with --before.
    change: str = ""


SPECTATOR_PHASES = {
    "without": "no spectators",
    "with": "with the spectators",
    "without_again": "no spectators again",
}


def spectator_lines(result: dict, *, bidders: int) -> tuple[list[Row], list[str]]:
    """Return the rows and notes of the spectators scenario: the bidders' round trips in
    each phase, and how the spectators fared."""
    spectators = result["spectators"]
    rows, details = [], []
    for phase, label in SPECTATOR_PHASES.items():
        figures = result[phase]
        ack, own = figures["ack_ms"], figures["own_state_ms"]
        crowd = f"{spectators['connected']:,}" if phase == "with" else "0"
        rows.append(
            Row(
                measure=f"bid round trip, {bidders} bidders, {crowd} spectators, p50/p95/p99",
                figure=f"to ack {_triple(ack)} ms; to own state {_triple(own)} ms",
                against=label,
            )
        )
        details.append(
            f"spectators scenario, {label}: {figures['bids']} bids in "
            f"{figures['seconds']:.1f} s, refused {figures['refused']}, states not seen by "
            f"their bidder {figures['states_missing']}; load generator used "
            f"{figures['client_cpu_share']:.0%} of a core"
        )
    delivery = spectators["delivery_ms"]
    details.append(
        f"spectators: {spectators['connected']:,} of {spectators['count']:,} connected in "
        f"{spectators['connect_seconds']:.1f} s (refused {spectators['refused']}); bids not "
        f"seen by every spectator within 10 s: {spectators['bids_not_seen_by_all']}; from a "
        f"bid sent to a spectator's copy of its state, per delivery, p50/p95/p99 "
        f"{_triple(delivery)} ms; stale or repeated frames: "
        f"{spectators['stale_or_repeated_frames']}"
    )
    return rows, details


def _triple(figures: dict) -> str:
    return "/".join("-" if figures[p] is None else f"{figures[p]:.1f}" for p in figures)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def markdown_table(rows: list[Row]) -> str:
    lines = ["| measure | figure | against | target |", "| --- | --- | --- | --- |"]
    lines += [f"| {r.measure} | {r.figure} | {r.against} | {r.verdict} |" for r in rows]
    return "\n".join(lines)


def machine(*, postgresql: str, redis: str) -> dict[str, str]:
    """Describe the machine and the versions of everything in the measured path."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.partition(":")[2].strip()
            break
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    packages = ("Django", "channels", "channels-redis", "uvicorn", "websockets", "psycopg2-binary")
    return {
        "cores (nproc)": str(os.cpu_count()),
        "CPU": cpu,
        "RAM": f"{memory_kb / 1024 / 1024:.1f} GiB",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        # A yardstick for how fast this CPU runs Python (a current desktop: about 10 µs).
        "Python speed": f"sum(range(1000)) in {_sum_microseconds():.1f} µs",
        "PostgreSQL": postgresql,
        "Redis": redis,
        "packages": ", ".join(f"{name} {version(name)}" for name in packages),
    }


def _sum_microseconds() -> float:
    return min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000 * 1e6


@dataclass
class CpuShares:
    """How the machine's CPU was spent while a scenario ran: by the bench, by anything else."""

    bench: float = 0.0
    others: float = 0.0

    @classmethod
    def mean(cls, shares: list["CpuShares"]) -> "CpuShares":
        """Return the shares of several equally long runs taken together."""
        return cls(
            bench=sum(each.bench for each in shares) / len(shares),
            others=sum(each.others for each in shares) / len(shares),
        )

    def __str__(self) -> str:
        return f"machine CPU: bench {self.bench:.0%}, other processes {self.others:.0%}"


@contextlib.contextmanager
def cpu_shares(roots: list[int]) -> Iterator[CpuShares]:
    """Measure the CPU used by the processes under `roots` and by all the others.

    The machine is shared: a test run or a build beside the bench takes CPU from the
    server, and the figures are only worth what this says.
    """
    shares = CpuShares()
    busy, total = _machine_ticks()
    ours = _tree_ticks(roots)
    yield shares
    busy_after, total_after = _machine_ticks()
    ours_after = _tree_ticks(roots)
    elapsed = max(1, total_after - total)
    shares.bench = (ours_after - ours) / elapsed
    shares.others = max(0, (busy_after - busy) - (ours_after - ours)) / elapsed


def _machine_ticks() -> tuple[int, int]:
    """Return (busy, total) clock ticks of all CPUs since boot."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    return total - idle, total


def _tree_ticks(roots: list[int]) -> int:
    """Return the CPU ticks of the roots, their descendants and their reaped children."""
    children: defaultdict[int, list[int]] = defaultdict(list)
    ticks: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        pid = int(entry.name)
        children[int(fields[1])].append(pid)
        # utime, stime, and the same of children that exited and were waited for.
        ticks[pid] = sum(int(value) for value in fields[11:15])
    total, pending = 0, [pid for pid in roots if pid in ticks]
    while pending:
        pid = pending.pop()
        total += ticks.get(pid, 0)
        pending.extend(children[pid])
    return total


def results_section(
    *,
    command: str,
    machine_facts: dict[str, str],
    setup: dict[str, str],
    table: str,
    details: list[str],
) -> str:
    """Return the Markdown section one run appends to bench/RESULTS.md."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        f"## Run of {when}",
        "",
        f"Command: `{command}`",
        "",
        *(f"- {name}: {value}" for name, value in {**machine_facts, **setup}.items()),
        "",
        table,
        "",
        *(f"- {line}" for line in details),
        "",
    ]
    return "\n".join(parts)
