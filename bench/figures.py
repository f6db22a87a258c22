"""A run's figures, flat and named, their ratios, the table and the JSON document.

Every figure is (key, side, value, unit): the key names what was measured
(`fanout.500.all_watchers_ms.p99`), the side which server measured it (`after`: the current
tree; `before`: --before's checkout; `bare`: the bare websockets room; `floor`: pgbench).
bench/README.md documents the keys, units and ratios; keep it in step.
"""

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from bench.floor import FloorRun
from bench.report import Row

SCHEMA = 1
# Issue 12's targets.
FLOOR_SHARE_TARGETS = {"hot": 0.10, "many": 0.25}
FANOUT_BARE_TARGET = 2.0
FANOUT_TARGET_WATCHERS = (500, 2000)
MEMORY_TARGET_MIB = 300.0
CLOSING_TARGET_SECONDS = 5.0
# Issue 16: proxy bidding may cost the hot lot at most 20% of its accepted bids per second.
PROXY_HOT_TARGET = 0.80
PERCENTILES = ("p50", "p95", "p99")


@dataclass(frozen=True)
class Figure:
    key: str
    side: str
    value: float | None
    unit: str


@dataclass(frozen=True)
class Ratio:
    """numerator / denominator, both figures of the run (key, side)."""

    kind: str
    key: str
    numerator: str
    denominator: str
    value: float | None


def collect(results: dict[str, Any], floors: dict[str, FloorRun]) -> list[Figure]:
    """Return every figure of the run's results and floors, flat."""
    return list(_collect(results, floors))


def _collect(results: dict[str, Any], floors: dict[str, FloorRun]) -> Iterator[Figure]:
    for name in ("hot", "hot_proxy", "many"):
        for side, figures in results.get(name, {}).items():
            yield Figure(f"{name}.accepted_per_second", side, figures["accepted_per_second"], "1/s")
            for key in ("automatic_per_second", "chain_bids_per_second"):
                if key in figures:
                    yield Figure(f"{name}.{key}", side, figures[key], "1/s")
            for outcome, count in figures["outcomes"].items():
                yield Figure(f"{name}.outcomes.{outcome}", side, count, "count")
            for p in PERCENTILES:
                yield Figure(
                    f"{name}.bid_round_trip_ms.{p}", side, figures["bid_round_trip_ms"][p], "ms"
                )
        floor_run = floors.get(name)
        if floor_run is not None:
            yield Figure(
                f"{name}.accepted_per_second", "floor", floor_run.transactions_per_second, "1/s"
            )
    for name in ("fanout", "memory", "scaleout"):
        for side, run in results.get(name, {}).items():
            for figures in run["per_watcher_count"]:
                prefix = name if name != "fanout" else f"fanout.{figures['watchers']}"
                yield from _fanout_figures(prefix, side, figures)
    for side, figures in results.get("closing", {}).items():
        for key in (
            "lots",
            "sockets",
            "closed",
            "results",
            "licences",
            "closed_frames",
        ):
            yield Figure(f"closing.{key}", side, figures[key], "count")
        for key in ("results_seconds", "licences_seconds", "closed_frames_seconds"):
            yield Figure(f"closing.{key}", side, figures[key], "s")
    for side, run in results.get("spectators", {}).items():
        for phase in ("without", "with", "without_again"):
            for measure in ("ack_ms", "own_state_ms"):
                for p in PERCENTILES:
                    yield Figure(
                        f"spectators.{phase}.{measure}.{p}", side, run[phase][measure][p], "ms"
                    )
        crowd = run["spectators"]
        yield Figure("spectators.connected", side, crowd["connected"], "count")
        yield Figure(
            "spectators.bids_not_seen_by_all", side, crowd["bids_not_seen_by_all"], "count"
        )
        for p in PERCENTILES:
            yield Figure(f"spectators.delivery_ms.{p}", side, crowd["delivery_ms"][p], "ms")


def _fanout_figures(prefix: str, side: str, figures: dict[str, Any]) -> Iterator[Figure]:
    yield Figure(f"{prefix}.watchers", side, figures["watchers"], "count")
    yield Figure(f"{prefix}.connected", side, figures["connected"], "count")
    yield Figure(f"{prefix}.bids", side, figures["bids"], "count")
    for p in PERCENTILES:
        yield Figure(f"{prefix}.all_watchers_ms.{p}", side, figures["all_watchers_ms"][p], "ms")
        yield Figure(f"{prefix}.per_delivery_ms.{p}", side, figures["per_delivery_ms"][p], "ms")
    yield Figure(f"{prefix}.delivered_percent", side, figures["delivered_percent"], "%")
    for key in ("incomplete_bids", "stale_or_repeated_frames", "gaps", "frame_bytes"):
        yield Figure(
            f"{prefix}.{key}", side, figures[key], "count" if key != "frame_bytes" else "B"
        )
    connected = [v for v in figures["rss_mib_connected"].values() if v is not None]
    after = [v for v in figures["rss_mib_after_bids"].values() if v is not None]
    yield Figure(f"{prefix}.rss_mib_connected.max", side, max(connected, default=None), "MiB")
    yield Figure(f"{prefix}.rss_mib_after_bids.max", side, max(after, default=None), "MiB")
    sockets = list(figures["sockets_per_process"].values())
    yield Figure(f"{prefix}.sockets_per_process.max", side, max(sockets, default=None), "count")
    for index, server in enumerate(figures.get("per_server", [])):
        for p in PERCENTILES:
            yield Figure(
                f"{prefix}.server_{index + 1}.all_watchers_ms.{p}",
                side,
                server["all_watchers_ms"][p],
                "ms",
            )
        for key in ("connected", "incomplete_bids", "stale_or_repeated_frames", "gaps"):
            yield Figure(f"{prefix}.server_{index + 1}.{key}", side, server[key], "count")


def ratios(figures: list[Figure], sides: list[str]) -> list[Ratio]:
    """Return the run's ratios: the second side's over the first's (after/before, or
    granian/uvicorn) of every figure both have; the engine's accepted bids to the floor's
    transactions; a server's fan-out to the bare room's."""
    values = {(f.key, f.side): f.value for f in figures}
    found: list[Ratio] = []

    def add(kind: str, key: str, numerator: tuple[str, str], denominator: tuple[str, str]) -> None:
        top, bottom = values.get(numerator), values.get(denominator)
        value = top / bottom if top is not None and bottom else None
        found.append(
            Ratio(
                kind=kind,
                key=key,
                numerator=f"{numerator[0]}@{numerator[1]}",
                denominator=f"{denominator[0]}@{denominator[1]}",
                value=value,
            )
        )

    if len(sides) == 2:
        first, second = sides
        for figure in figures:
            if figure.side == second and (figure.key, first) in values and figure.unit != "count":
                add(change_kind(sides), figure.key, (figure.key, second), (figure.key, first))
    for side in sides:
        for name in ("hot", "many"):
            key = f"{name}.accepted_per_second"
            if (key, side) in values and (key, "floor") in values:
                add("engine_floor", key, (key, side), (key, "floor"))
        for measure in ("accepted_per_second", "chain_bids_per_second"):
            proxy, plain = f"hot_proxy.{measure}", f"hot.{measure}"
            if (proxy, side) in values and (plain, side) in values:
                add("proxy_plain", proxy, (proxy, side), (plain, side))
        for figure in figures:
            if (
                figure.side == side
                and figure.key.startswith("fanout.")
                and ".all_watchers_ms." in figure.key
                and (figure.key, "bare") in values
            ):
                add("nedra_bare", figure.key, (figure.key, side), (figure.key, "bare"))
    return found


def document(
    *,
    command: list[str],
    started_at: str,
    machine: dict[str, str],
    setup: dict[str, Any],
    sides: dict[str, dict[str, str]],
    figures: list[Figure],
    found_ratios: list[Ratio],
    raw: dict[str, Any],
) -> dict[str, Any]:
    """Return the run as --json writes it (bench/README.md, "--json")."""
    return {
        "schema": SCHEMA,
        "started_at": started_at,
        "command": command,
        "machine": machine,
        "setup": setup,
        "sides": sides,
        "figures": [asdict(f) for f in figures],
        "ratios": [asdict(r) for r in found_ratios],
        "raw": raw,
    }


def change_kind(sides: list[str]) -> str:
    """Return the kind of the ratio of the second side's figures to the first's."""
    return f"{sides[-1]}_{sides[0]}"


class Table:
    """The printed table: one row per measure, a column per side, after/before beside."""

    def __init__(self, figures: list[Figure], found_ratios: list[Ratio], sides: list[str]):
        self.values = {(f.key, f.side): f.value for f in figures}
        self.ratio_values = {(r.kind, r.numerator): r.value for r in found_ratios}
        self.sides = sides
        self.rows: list[Row] = []

    def has(self, key: str) -> bool:
        return any((key, side) in self.values for side in self.sides)

    def add(
        self,
        label: str,
        keys: list[str],
        unit: str,
        *,
        against: str = "",
        verdict: str = "",
        digits: int = 1,
    ) -> None:
        if not any(self.has(key) for key in keys):
            return
        # "41/s", "12.5 ms", "0/0/0".
        suffix = unit if not unit or unit.startswith("/") else f" {unit}"
        figures = {
            side: "/".join(_number(self.values.get((key, side)), digits) for key in keys) + suffix
            for side in self.sides
        }
        change = ""
        if len(self.sides) > 1:
            change = "/".join(
                _number(
                    self.ratio_values.get((change_kind(self.sides), f"{key}@{self.sides[-1]}")), 2
                )
                for key in keys
            )
        self.rows.append(
            Row(
                measure=label,
                figure="",
                against=against,
                verdict=verdict,
                figures=figures,
                change=change,
            )
        )

    def value(self, key: str, side: str) -> float | None:
        return self.values.get((key, side))

    def ratio(self, kind: str, key: str, side: str) -> float | None:
        return self.ratio_values.get((kind, f"{key}@{side}"))


def build_table(
    figures: list[Figure], found_ratios: list[Ratio], sides: list[str], watchers: list[int]
) -> Table:
    """Return the table of the run's figures against the issue's targets."""
    table = Table(figures, found_ratios, sides)
    last = sides[-1]
    for name, label in (("hot", "one hot lot"), ("many", "50 lots")):
        key = f"{name}.accepted_per_second"
        floor = table.value(key, "floor")
        shares = ", ".join(
            f"{side} {_number(table.ratio('engine_floor', key, side), 2)}" for side in sides
        )
        target = FLOOR_SHARE_TARGETS[name]
        share = table.ratio("engine_floor", key, last)
        verdict = ""
        if share is not None:
            verdict = f"{'met' if share >= target else 'MISSED'} (>= {target:.2f} x floor)"
        table.add(
            f"accepted bids/s, {label}",
            [key],
            "/s",
            against=f"floor {_number(floor, 0)}/s; share {shares}" if floor else "",
            verdict=verdict,
            digits=0,
        )
        table.add(
            f"accepted bid round trip, {label}, p50/p95/p99",
            [f"{name}.bid_round_trip_ms.{p}" for p in PERCENTILES],
            "ms",
        )
    # Bids into the chain (by hand and automatic) judge the cost; by hand alone shows how
    # many more bidders race for each price when every one of them is always outbid.
    for key, label in (
        ("hot_proxy.chain_bids_per_second", "bids into the chain/s, the hot lot with maxima"),
        ("hot_proxy.accepted_per_second", "accepted bids by hand/s, the hot lot with maxima"),
    ):
        share = table.ratio("proxy_plain", key, last)
        verdict = ""
        if key.endswith("chain_bids_per_second") and share is not None:
            verdict = (
                f"{'met' if share >= PROXY_HOT_TARGET else 'MISSED'} "
                f"(>= {PROXY_HOT_TARGET:.2f} x hot)"
            )
        table.add(
            label,
            [key],
            "/s",
            against="x plain hot lot "
            + ", ".join(
                f"{side} {_number(table.ratio('proxy_plain', key, side), 2)}" for side in sides
            ),
            verdict=verdict,
            digits=0,
        )
    table.add(
        "accepted bid round trip, hot lot with maxima, p50/p95/p99",
        [f"hot_proxy.bid_round_trip_ms.{p}" for p in PERCENTILES],
        "ms",
    )
    for count in watchers:
        prefix = f"fanout.{count}"
        keys = [f"{prefix}.all_watchers_ms.{p}" for p in PERCENTILES]
        bare = "/".join(_number(table.value(k, "bare"), 1) for k in keys)
        has_bare = table.value(f"{prefix}.watchers", "bare") is not None
        against, verdict = "", ""
        if table.has(f"{prefix}.all_watchers_ms.p99") and table.value(keys[0], "bare") is not None:
            against = f"bare room {bare} ms; x bare " + ", ".join(
                f"{side} " + "/".join(_number(table.ratio("nedra_bare", k, side), 2) for k in keys)
                for side in sides
            )
            p99_ratio = table.ratio("nedra_bare", keys[2], last)
            complete = not table.value(f"{prefix}.incomplete_bids", last) and not table.value(
                f"{prefix}.stale_or_repeated_frames", last
            )
            if count in FANOUT_TARGET_WATCHERS and p99_ratio is not None:
                met = p99_ratio <= FANOUT_BARE_TARGET and complete
                verdict = f"{'met' if met else 'MISSED'} (p99 <= {FANOUT_BARE_TARGET:.0f} x bare)"
        table.add(
            f"fan-out to all {count} watchers, p50/p95/p99",
            keys,
            "ms",
            against=against,
            verdict=verdict,
        )
        table.add(
            f"fan-out, {count} watchers: states delivered",
            [f"{prefix}.delivered_percent"],
            "%",
            against=(
                f"bare room {_number(table.value(f'{prefix}.delivered_percent', 'bare'), 1)} %"
                if has_bare
                else ""
            ),
        )
        table.add(
            f"fan-out, {count} watchers: incomplete bids/stale or repeated/gaps",
            [f"{prefix}.{k}" for k in ("incomplete_bids", "stale_or_repeated_frames", "gaps")],
            "",
            against=(
                "bare room "
                + "/".join(
                    _number(table.value(f"{prefix}.{k}", "bare"), 0)
                    for k in ("incomplete_bids", "stale_or_repeated_frames", "gaps")
                )
                if has_bare
                else ""
            ),
            digits=0,
        )
        table.add(
            f"fan-out, {count} watchers: largest worker's RSS after the bids",
            [f"{prefix}.rss_mib_after_bids.max"],
            "MiB",
            against=(
                f"bare room {_number(table.value(f'{prefix}.rss_mib_after_bids.max', 'bare'), 0)}"
                " MiB"
                if has_bare
                else ""
            ),
            digits=0,
        )
    rss = table.value("memory.rss_mib_after_bids.max", last)
    table.add(
        "one worker's RSS with its sockets: connected/after the bids",
        ["memory.rss_mib_connected.max", "memory.rss_mib_after_bids.max"],
        "MiB",
        against="sockets in the process: "
        + ", ".join(
            f"{side} {_number(table.value('memory.sockets_per_process.max', side), 0)}"
            for side in sides
        ),
        verdict=(
            f"{'met' if rss < MEMORY_TARGET_MIB else 'MISSED'} (< {MEMORY_TARGET_MIB:.0f} MiB)"
            if rss is not None
            else ""
        ),
        digits=0,
    )
    seconds = [
        table.value(f"closing.{k}", last)
        for k in ("results_seconds", "licences_seconds", "closed_frames_seconds")
    ]
    closing_met = all(s is not None and s <= CLOSING_TARGET_SECONDS for s in seconds) and (
        table.value("closing.results", last) == table.value("closing.lots", last)
        and table.value("closing.licences", last) == table.value("closing.lots", last)
        and table.value("closing.closed_frames", last) == table.value("closing.sockets", last)
    )
    table.add(
        "lots ending together: all results/all licence offers/every socket's closed frame",
        ["closing.results_seconds", "closing.licences_seconds", "closing.closed_frames_seconds"],
        "s after the end",
        verdict=(
            f"{'met' if closing_met else 'MISSED'} (<= {CLOSING_TARGET_SECONDS:.0f} s, all)"
            if table.has("closing.results_seconds")
            else ""
        ),
        digits=2,
    )
    table.add(
        "lots ending together: lots/results/licences/sockets/closed frames",
        [f"closing.{k}" for k in ("lots", "results", "licences", "sockets", "closed_frames")],
        "",
        digits=0,
    )
    table.add(
        "scale-out, two servers, all watchers, p50/p95/p99",
        [f"scaleout.all_watchers_ms.{p}" for p in PERCENTILES],
        "ms",
        against="per server p99: "
        + ", ".join(
            f"{side} "
            + "/".join(
                _number(table.value(f"scaleout.server_{i}.all_watchers_ms.p99", side), 1)
                for i in (1, 2)
            )
            for side in sides
        ),
    )
    table.add("scale-out: states delivered", ["scaleout.delivered_percent"], "%")
    table.add(
        "scale-out: connected/incomplete bids/stale or repeated/gaps",
        [
            f"scaleout.{k}"
            for k in ("connected", "incomplete_bids", "stale_or_repeated_frames", "gaps")
        ],
        "",
        digits=0,
    )
    for phase, label in (
        ("without", "no spectators"),
        ("with", "with the spectators"),
        ("without_again", "no spectators again"),
    ):
        table.add(
            f"spectators scenario, {label}: bid to own state p50/p95/p99",
            [f"spectators.{phase}.own_state_ms.{p}" for p in PERCENTILES],
            "ms",
        )
    return table


def markdown_table(table: Table) -> str:
    """Return the table in Markdown: a column per side, and after/before with two sides."""
    sides = table.sides
    heading = ["measure", *(sides if len(sides) > 1 else ["figure"])]
    if len(sides) > 1:
        heading.append(f"{sides[-1]}/{sides[0]}")
    heading += ["against", "target"]
    lines = ["| " + " | ".join(heading) + " |", "|" + " --- |" * len(heading)]
    for row in table.rows:
        cells = [row.measure, *(row.figures.get(side, "") for side in sides)]
        if len(sides) > 1:
            cells.append(row.change)
        cells += [row.against, row.verdict]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _number(value: float | None, digits: int) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"
