"""The results dashboard: events' totals added up, and outcomes per mineral group and region."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from modeltranslation.settings import DEFAULT_LANGUAGE
from modeltranslation.utils import build_localized_fieldname, get_language, resolution_order

from auctions.models import (
    Lot,
)
from auctions.selectors.results import (
    EventTotals,
    awarded_lots,
    published_awarded_lots,
)
from core.money import CENT
from deposits.models import Mineral, Reserve


@dataclass(frozen=True)
class OverallTotals:
    """The results of several events added up; dollars only from events that have a rate."""

    events: int
    lots_offered: int
    lots_awarded: int
    lots_failed: int
    bonus_kzt: Decimal
    # The sum of each event's own dollar figure; None when no event has a rate.
    bonus_usd: Decimal | None
    events_without_rate: int
    bonus_kzt_without_rate: Decimal

    @property
    def lots_unfinished(self) -> int:
        return self.lots_offered - self.lots_awarded - self.lots_failed


def overall_totals(totals: Iterable[EventTotals]) -> OverallTotals:
    """Add up events' totals; each event's bonuses convert to dollars at its own rate (as its
    page shows them, to the cent), and an event without a rate is left out of the dollars."""
    totals = list(totals)
    with_rate = [event.bonus_usd for event in totals if event.bonus_usd is not None]
    without_rate = [event for event in totals if event.bonus_usd is None]
    return OverallTotals(
        events=len(totals),
        lots_offered=sum(event.lots_offered for event in totals),
        lots_awarded=sum(event.lots_awarded for event in totals),
        lots_failed=sum(event.lots_failed for event in totals),
        bonus_kzt=sum((event.bonus_kzt for event in totals), Decimal("0.00")),
        bonus_usd=sum(with_rate, Decimal("0.00")) if with_rate else None,
        events_without_rate=len(without_rate),
        bonus_kzt_without_rate=sum((event.bonus_kzt for event in without_rate), Decimal("0.00")),
    )


@dataclass(frozen=True)
class Breakdown:
    """One row of a results breakdown: a mineral group or a region, and how its lots ended."""

    key: str
    label: str
    lots_awarded: int
    lots_failed: int
    bonus_kzt: Decimal


def _outcome_counts(
    name: str = "", *, within: Q | None = None, published: bool = True
) -> dict[str, Count | Sum]:
    """Return aggregates of finished, awarded lots and their bonuses, optionally `within` a
    condition, named with the prefix `name`; failed = finished - awarded, as in the totals.
    Published: from the published results (`_with_results`); else from the live ones."""
    scope = within if within is not None else Q()
    if published:
        finished = Q(published_result__isnull=False) & scope
        awarded = published_awarded_lots() & scope
        bonus = "published_result__winning_bonus"
    else:
        finished = Q(status__in=Lot.FINISHED_STATUSES) & scope
        awarded = awarded_lots() & scope
        bonus = "result__winning_bonus"
    return {
        f"{name}finished": Count("pk", filter=finished),
        f"{name}awarded": Count("pk", filter=awarded),
        f"{name}bonus": Sum(bonus, filter=awarded),
    }


def _breakdown(key: str, label: str, figures: Mapping[str, Any], name: str = "") -> Breakdown:
    awarded = figures[f"{name}awarded"]
    return Breakdown(
        key=key,
        label=label,
        lots_awarded=awarded,
        lots_failed=figures[f"{name}finished"] - awarded,
        bonus_kzt=(figures[f"{name}bonus"] or Decimal(0)).quantize(CENT),
    )


def _by_weight(rows: Iterable[Breakdown]) -> list[Breakdown]:
    """Keep the rows with a finished lot, largest bonus first, then most lots, then by name."""
    finished = [row for row in rows if row.lots_awarded or row.lots_failed]
    return sorted(
        finished, key=lambda row: (-row.bonus_kzt, -row.lots_awarded, -row.lots_failed, row.label)
    )


def mineral_group_breakdown(lots: QuerySet[Lot], *, published: bool = True) -> list[Breakdown]:
    """Return the finished lots' outcomes per mineral group, in one query.

    A lot whose deposit has minerals of several groups counts once in each of them, so the
    groups may add up to more than the lots; one EXISTS per group, not a join on reserves,
    keeps a deposit with several reserves of a group from counting its bonus twice.
    """
    aggregates: dict[str, Count | Sum] = {}
    for group in Mineral.Group:
        in_group = Exists(
            Reserve.objects.filter(deposit_id=OuterRef("deposit_id"), mineral__group=group)
        )
        aggregates |= _outcome_counts(f"{group.value}_", within=Q(in_group), published=published)
    figures = lots.order_by().aggregate(**aggregates)
    return _by_weight(
        _breakdown(group.value, str(group.label), figures, f"{group.value}_")
        for group in Mineral.Group
    )


def region_breakdown(lots: QuerySet[Lot], *, published: bool = True) -> list[Breakdown]:
    """Return the finished lots' outcomes per region of their deposit, in one query, with the
    region's name in the active language, or the first of its fallbacks that it has
    (Kazakh falls back to Russian, then English), as modeltranslation would show it."""
    names = [
        NullIf(F(build_localized_fieldname("deposit__region__name", language)), Value(""))
        for language in resolution_order(get_language())
    ]
    fallback = F(build_localized_fieldname("deposit__region__name", DEFAULT_LANGUAGE))
    rows = (
        lots.order_by()
        .values(
            region_code=F("deposit__region__code"),
            region_name=Coalesce(*names, fallback, output_field=CharField()),
        )
        .annotate(**_outcome_counts(published=published))
    )
    return _by_weight(_breakdown(row["region_code"], row["region_name"], row) for row in rows)
