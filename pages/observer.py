"""The observer's report of a published event: what a journalist or auditor would look for.

Per lot: the bids over time, how many came in the last minutes and while extensions kept
the lot open, the participants who never bid, a winner that later forfeited its licence,
and participants sharing a beneficial owner. Across events: pairs of companies that win
by turns. Every figure is computed from what is public once the event's results are
published (the bid log, the frozen published results, the licences), and names appear
only where the identity policy lets the viewer see them.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import combinations

import pygal
from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from pygal.style import Style

from auctions import charts
from auctions.identity import anonymous_lots, may_name_in
from auctions.models import Application, AuctionEvent, Bid, Lot, PublishedResult
from bidders.models import BeneficialOwner
from licensing.models import Licence

# Two companies are a rotation signal once they met in this many lots.
ROTATION_MIN_SHARED_LOTS = 2
CHART_HEIGHT = 260
MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Participant:
    """A lot's participant by number, and by name where the viewer may see it."""

    number: int
    name: str = ""

    def __str__(self) -> str:
        label = _("Participant %(number)s") % {"number": self.number}
        return f"{label} ({self.name})" if self.name else label


@dataclass
class TimingFigures:
    """When a lot's bids came: in its last minutes, and while extensions kept it open."""

    bid_count: int
    in_last_minutes: int
    after_extension: int
    was_extended: bool

    @property
    def last_minutes_percent(self) -> int | None:
        return _percent(self.in_last_minutes, self.bid_count)

    @property
    def after_extension_percent(self) -> int | None:
        return _percent(self.after_extension, self.bid_count)


@dataclass
class LotReport:
    lot: Lot
    result: PublishedResult
    timing: TimingFigures
    chart: SafeString | None
    never_bid: list[Participant]
    forfeited_winner: Participant | None
    duty_passed_to: list[Participant]
    shared_owners: list[list[Participant]]
    names_shown: bool


@dataclass
class RotationPair:
    """Two companies that met in several published lots and took turns winning them."""

    first: str
    second: str
    first_wins: list[str] = field(default_factory=list)
    second_wins: list[str] = field(default_factory=list)

    @property
    def lot_count(self) -> int:
        return len(self.first_wins) + len(self.second_wins)


def _percent(part: int, whole: int) -> int | None:
    if not whole:
        return None
    return round(100 * part / whole)


def bid_timing(
    placed: Sequence[datetime], *, ends_at: datetime, hard_end: datetime, window: timedelta
) -> TimingFigures:
    """Count the bids placed in the lot's last minutes and those after an extension.

    A bid in the last minutes (the soft-close window before the end in force) moves the
    end to exactly its time plus the window, never past the hard end. The platform keeps
    the final end, not each extension, but the log shows them: when the final end is the
    last bid's time plus the window (or the hard end, reached from within the window),
    the lot closed on a run of last-minute bids, each placed within the window of the one
    before. Those are the bids in the last minutes; every one after the run's first came
    after an extension.
    """
    placed = sorted(placed)
    run = 0
    if placed and window > timedelta(0) and min(placed[-1] + window, hard_end) == ends_at:
        run = 1
        for earlier, later in zip(reversed(placed[:-1]), reversed(placed[1:]), strict=True):
            if later - earlier > window:
                break
            run += 1
    return TimingFigures(
        bid_count=len(placed),
        in_last_minutes=run,
        after_extension=max(run - 1, 0),
        was_extended=run > 0,
    )


def _participants(result: PublishedResult, *, names_shown: bool) -> dict[int, Participant]:
    return {
        entry["number"]: Participant(
            number=entry["number"],
            name=entry.get("legal_name", "") if names_shown else "",
        )
        for entry in result.participants
    }


def shared_owner_groups(numbers_by_company: dict[int, int]) -> list[list[int]]:
    """Return the participant numbers whose companies share a beneficial owner, as groups
    (an owner is one person or entity: the same country and identifier)."""
    owners: dict[tuple[str, str], set[int]] = defaultdict(set)
    for company_id, country, identifier in BeneficialOwner.objects.filter(
        company_id__in=numbers_by_company
    ).values_list("company_id", "country", "identifier"):
        owners[(country, identifier.strip().upper())].add(numbers_by_company[company_id])
    groups: list[set[int]] = []
    for numbers in owners.values():
        if len(numbers) < 2:
            continue
        joined = [group for group in groups if group & numbers]
        merged = set(numbers).union(*joined)
        groups = [group for group in groups if group not in joined] + [merged]
    return sorted(sorted(group) for group in groups)


def lot_report(
    result: PublishedResult, *, bids: list[Bid], user: User | AnonymousUser
) -> LotReport:
    """Compute one published lot's observer figures."""
    lot = result.lot
    names_shown = may_name_in(user, lot)
    participants = _participants(result, names_shown=names_shown)
    numbers_by_company = {
        company_id: number
        for company_id, number in Application.objects.filter(
            lot=lot, status=Application.Status.ADMITTED, participant_number__in=participants
        ).values_list("company_id", "participant_number")
        # Never None (an IN matches no NULL); the check tells the type checker.
        if number is not None
    }
    bidders = {bid.participant_number for bid in bids}
    forfeited_winner = None
    duty_passed_to = []
    for licence in Licence.objects.filter(lot=lot).order_by("created_at", "pk"):
        number = numbers_by_company.get(licence.holder_id)
        if number is None:
            continue
        if (
            licence.status == Licence.Status.FORFEITED
            and number == result.winner_participant_number
        ):
            forfeited_winner = participants[number]
        elif number != result.winner_participant_number:
            duty_passed_to.append(participants[number])
    timing = bid_timing(
        [bid.placed_at for bid in bids],
        ends_at=lot.ends_at,
        hard_end=lot.hard_end,
        window=lot.soft_close_window,
    )
    return LotReport(
        lot=lot,
        result=result,
        timing=timing,
        chart=bids_chart(lot, bids, last_minutes=timing.in_last_minutes) if bids else None,
        never_bid=[p for number, p in sorted(participants.items()) if number not in bidders],
        forfeited_winner=forfeited_winner,
        duty_passed_to=duty_passed_to,
        shared_owners=[
            [participants[number] for number in group]
            for group in shared_owner_groups(numbers_by_company)
        ],
        names_shown=names_shown,
    )


def rotation_pairs(event: AuctionEvent) -> list[RotationPair]:
    """Return the pairs of companies that met in at least two published lots, one of them
    this event's, each won at least one, and between them they won every one."""
    results = {
        result.lot_id: result
        for result in PublishedResult.objects.filter(lot__event__results_published_at__isnull=False)
        # Names of lots the identity policy lets anyone see, and no other.
        .exclude(anonymous_lots("lot__"))
        .select_related("lot", "lot__event")
    }
    companies_of_lot: dict[int, dict[int, int]] = defaultdict(dict)  # lot -> company -> number
    for lot_id, company_id, number in Application.objects.filter(
        lot_id__in=results, status=Application.Status.ADMITTED
    ).values_list("lot_id", "company_id", "participant_number"):
        # An admitted application always has its number (a check constraint says so).
        if number is not None:
            companies_of_lot[lot_id][company_id] = number
    names: dict[int, str] = {}
    winners: dict[int, int] = {}
    for lot_id, numbers in companies_of_lot.items():
        result = results[lot_id]
        published = {entry["number"]: entry.get("legal_name", "") for entry in result.participants}
        for company_id, number in numbers.items():
            names.setdefault(company_id, published.get(number, ""))
            if result.is_awarded and number == result.winner_participant_number:
                winners[lot_id] = company_id
    met: dict[tuple[int, int], list[int]] = defaultdict(list)
    for lot_id, numbers in companies_of_lot.items():
        for companies in combinations(sorted(numbers), 2):
            met[companies].append(lot_id)
    pairs = []
    for (first, second), lot_ids in met.items():
        if len(lot_ids) < ROTATION_MIN_SHARED_LOTS:
            continue
        if not any(results[lot_id].lot.event_id == event.pk for lot_id in lot_ids):
            continue
        won = [winners.get(lot_id) for lot_id in lot_ids]
        if not all(winner in (first, second) for winner in won):
            continue
        if first not in won or second not in won:
            continue
        pair = RotationPair(first=names[first], second=names[second])
        for lot_id in sorted(lot_ids, key=lambda pk: (results[pk].lot.event.pk, pk)):
            lot = results[lot_id].lot
            label = _("%(event)s, lot %(number)s") % {"event": lot.event.name, "number": lot.number}
            (pair.first_wins if winners[lot_id] == first else pair.second_wins).append(label)
        pairs.append(pair)
    return sorted(pairs, key=lambda pair: (-pair.lot_count, pair.first, pair.second))


def event_report(event: AuctionEvent, *, user: User | AnonymousUser) -> list[LotReport]:
    """Compute the observer figures of every lot of the event whose result is published."""
    results = list(
        PublishedResult.objects.filter(lot__event=event)
        .select_related("lot", "lot__event", "lot__deposit")
        .order_by("lot__number")
    )
    bids: dict[int, list[Bid]] = defaultdict(list)
    for bid in Bid.objects.filter(lot_id__in=[r.lot_id for r in results]).order_by(
        "lot_id", "sequence"
    ):
        bids[bid.lot_id].append(bid)
    return [lot_report(result, bids=bids[result.lot_id], user=user) for result in results]


# --- Charts ---------------------------------------------------------------------------------


def _style() -> Style:
    return Style(
        background="transparent",
        plot_background="transparent",
        foreground=charts.INK,
        foreground_strong=charts.INK,
        foreground_subtle=charts.MUTED,
        guide_stroke_color=charts.LINE,
        major_guide_stroke_color=charts.LINE,
        colors=(charts.BONUS, charts.FAILED),
        font_family=charts.FONT_FAMILY,
        label_font_size=13,
        major_label_font_size=13,
        value_font_size=12,
        tooltip_font_size=12,
        opacity="1",
        opacity_hover="1",
        transition="0s",
    )


def bids_chart(lot: Lot, bids: Sequence[Bid], *, last_minutes: int) -> SafeString:
    """Draw the lot's bids over time: minutes from the start against the amount, with the
    last `last_minutes` bids (those in the last minutes) in their own colour."""
    start = lot.starts_at
    ordered = sorted(bids, key=lambda bid: bid.placed_at)
    first_late = len(ordered) - last_minutes
    name = _("Bids on lot %(number)s over time, in millions of KZT") % {"number": lot.number}
    earlier: list[tuple[float, float]] = []
    last: list[tuple[float, float]] = []
    for index, bid in enumerate(ordered):
        # pygal draws with floats; the exact amounts are in the bid log linked beside it.
        point = (
            (bid.placed_at - start).total_seconds() / 60,
            float(bid.amount / MILLION),
        )
        (last if index >= first_late else earlier).append(point)
    # From zero on both axes, to the lot's final end: the bids' rise and their timing are
    # seen in proportion, not magnified.
    end = (lot.ends_at - start).total_seconds() / 60
    top = max(point[1] for point in earlier + last)
    config = pygal.Config()
    config.xrange = (0, end)
    config.range = (0, charts._ticks(top)[-1])
    config.x_labels = charts._ticks(end, whole=True)
    config.y_labels = charts._ticks(top)
    config.js = []  # pygal's default loads tooltips from the internet
    config.disable_xml_declaration = True
    config.style = _style()
    config.width = charts.WIDTH
    config.height = CHART_HEIGHT
    config.show_legend = False
    config.show_x_guides = False
    config.margin = 8
    config.margin_right = 28
    config.dots_size = 4
    config.stroke = False
    config.x_title = _("minutes from the start")
    config.x_value_formatter = _number
    config.value_formatter = _number
    chart = pygal.XY(config)
    no_value: list[None] = [None]  # pygal's empty series
    chart.add(_("Earlier bids"), earlier or no_value)
    chart.add(_("Bids in the last minutes"), last or no_value)
    # The same accessible, script-free rendering as the results dashboard's charts.
    return charts._render(chart, name=name)


def _number(value: float) -> str:
    whole = value == round(value)
    return formats.number_format(value, decimal_pos=0 if whole else 1, force_grouping=True)


# --- The page -------------------------------------------------------------------------------


@require_GET
def observer_report(request: HttpRequest, code: str) -> HttpResponse:
    """Show the observer's report of a published event; 404 before publication."""
    event = AuctionEvent.objects.filter(code=code, results_published_at__isnull=False).first()
    if event is None:
        raise Http404
    lots = event_report(event, user=request.user)
    total_bids = sum(report.timing.bid_count for report in lots)
    context = {
        "event": event,
        "lots": lots,
        "total_bids": total_bids,
        "total_in_last_minutes": sum(report.timing.in_last_minutes for report in lots),
        "total_after_extension": sum(report.timing.after_extension for report in lots),
        "rotation_pairs": rotation_pairs(event),
        "rotation_min_shared_lots": ROTATION_MIN_SHARED_LOTS,
    }
    return render(request, "pages/observer_report.html", context)
