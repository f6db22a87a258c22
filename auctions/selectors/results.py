"""Results: which lots were awarded, each event's totals, the lots with their results as
published (or, for staff previewing, as the live rows stand), errata and bid logs."""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.db.models.functions import Coalesce

from auctions.models import (
    AuctionEvent,
    Bid,
    Erratum,
    Lot,
    PublishedResult,
    Result,
)
from auctions.selectors.catalogue import PUBLIC_LOT_STATUSES
from core.money import CENT
from deposits.selectors import minerals_once


def awarded_lots(prefix: str = "") -> Q:
    """Return the condition that a lot closed with a winner; `prefix` reaches the lot
    through a relation, e.g. 'lots__'. Every other finished lot counts as failed."""
    return Q(
        **{
            f"{prefix}status": Lot.Status.CLOSED,
            f"{prefix}result__outcome": Result.Outcome.AWARDED,
        }
    )


def is_awarded(lot: Lot, result: Result | PublishedResult | None) -> bool:
    """Say in Python what `awarded_lots` says in SQL."""
    return (
        lot.status == Lot.Status.CLOSED
        and result is not None
        and result.outcome == Result.Outcome.AWARDED
    )


def published_awarded_lots(prefix: str = "") -> Q:
    """Return the condition that a lot's published result awards it and the lot is still
    closed (licensing fails a lot whose licence nobody paid for)."""
    return Q(
        **{
            f"{prefix}status": Lot.Status.CLOSED,
            f"{prefix}published_result__outcome": Result.Outcome.AWARDED,
        }
    )


@dataclass(frozen=True)
class EventTotals:
    """An event's results in figures; in US dollars only where staff set a rate."""

    lots_offered: int
    lots_awarded: int
    lots_failed: int
    bonus_kzt: Decimal
    kzt_per_usd: Decimal | None

    @property
    def lots_unfinished(self) -> int:
        return self.lots_offered - self.lots_awarded - self.lots_failed

    @property
    def bonus_usd(self) -> Decimal | None:
        if self.kzt_per_usd is None:
            return None
        return (self.bonus_kzt / self.kzt_per_usd).quantize(CENT, rounding=ROUND_HALF_UP)


def with_totals(events: QuerySet[AuctionEvent]) -> QuerySet[AuctionEvent]:
    """Annotate each event's lot counts and signature bonuses, in the events' own query.

    Offered: its public lots. Awarded: closed with a winner. Failed: every other finished
    lot (failed, cancelled, closed without an award). Bonuses: the awarded lots' winning
    signature bonuses. A published event counts its published results only (a lot that
    finished since counts once its result is published too); an unpublished one, for
    staff previewing it, its live results.
    """
    published = Q(results_published_at__isnull=False)
    live = Q(results_published_at__isnull=True)
    awarded = (published & published_awarded_lots("lots__")) | (live & awarded_lots("lots__"))
    finished = (published & Q(lots__published_result__isnull=False)) | (
        live & Q(lots__status__in=Lot.FINISHED_STATUSES)
    )
    return events.annotate(
        lots_offered=Count("lots", filter=Q(lots__status__in=PUBLIC_LOT_STATUSES)),
        lots_awarded=Count("lots", filter=awarded),
        lots_finished=Count("lots", filter=finished),
        bonus_kzt=Sum(
            Case(
                When(published, then=F("lots__published_result__winning_bonus")),
                default=F("lots__result__winning_bonus"),
            ),
            filter=awarded,
        ),
    )


def totals_of(event: AuctionEvent) -> EventTotals:
    """Return the totals of an event annotated by `with_totals`."""
    return EventTotals(
        lots_offered=event.lots_offered,
        lots_awarded=event.lots_awarded,
        lots_failed=event.lots_finished - event.lots_awarded,
        bonus_kzt=(event.bonus_kzt or Decimal(0)).quantize(CENT),
        kzt_per_usd=event.kzt_per_usd,
    )


def event_totals(event_id: int) -> EventTotals:
    """Return one event's totals, in one query."""
    return totals_of(with_totals(AuctionEvent.objects.filter(pk=event_id)).get())


def events_with_published_results() -> QuerySet[AuctionEvent]:
    """Return the events whose results are published, latest first, with their totals."""
    return with_totals(AuctionEvent.objects.filter(results_published_at__isnull=False)).order_by(
        "-results_published_at"
    )


def events_with_public_lots() -> QuerySet[AuctionEvent]:
    """Return the events with public lots, each with its totals, latest first."""
    has_public_lot = Exists(
        Lot.objects.filter(event=OuterRef("pk"), status__in=PUBLIC_LOT_STATUSES)
    )
    return with_totals(AuctionEvent.objects.filter(has_public_lot)).order_by("-created_at", "pk")


def offered_lots_of_event(event_id: int) -> QuerySet[Lot]:
    """Return one event's offered (non-draft) lots, bare and unordered: what its results
    count, to aggregate over."""
    return Lot.objects.filter(event_id=event_id, status__in=PUBLIC_LOT_STATUSES)


def offered_lots_of_published_events() -> QuerySet[Lot]:
    """Return the offered lots of every event whose results are published, bare and
    unordered: what the results dashboard aggregates over."""
    return Lot.objects.filter(
        event__results_published_at__isnull=False, status__in=PUBLIC_LOT_STATUSES
    )


def event_lots_with_results(event_id: int, *, published: bool = True) -> QuerySet[Lot]:
    """Return one event's offered lots by number, each with what its result shows
    (`_with_results`): as published, or, for staff previewing an unpublished event, as
    the live rows stand. Unfinished lots are included, flagged `is_finished` False."""
    return _with_results(offered_lots_of_event(event_id), published=published).order_by("number")


def lots_of_published_events_with_results() -> QuerySet[Lot]:
    """Return the offered lots of every published event, latest event first, then by
    number, each with its published result (`_with_results`), unfinished ones included."""
    return (
        _with_results(offered_lots_of_published_events(), published=True)
        .select_related("event")
        .order_by("-event__results_published_at", "event_id", "number")
    )


def lots_with_public_result() -> QuerySet[Lot]:
    """Return only the lots whose result is public (`are_results_public` in SQL): the
    finished lots of published events that have their published result, joined, loaded
    as `lots_of_published_events_with_results`, with `ranked_bid_count` to sort by."""
    return (
        lots_of_published_events_with_results()
        .filter(status__in=Lot.FINISHED_STATUSES, published_result__isnull=False)
        .select_related("published_result")
        .annotate(
            # A lot cancelled before it ran has no count of its own to rank by: it sorts
            # with the missing figures, last both ways.
            ranked_bid_count=Case(
                When(
                    published_result__closed_at__isnull=False,
                    then=F("published_result__bid_count"),
                )
            )
        )
    )


def _with_results(lots: QuerySet[Lot], *, published: bool) -> QuerySet[Lot]:
    """Annotate what each lot's result shows: `winner_legal_name`, `winner_country` (a
    code), `winner_number`, `winning_bonus`, `result_bid_count` and `closed_at`; and the bid
    ceiling in force (`ceiling_rule`, `ceiling_multiple`, `winner_ceiling`).

    Published: from the lot's published result, and a lot is finished once that result is
    written, never from the live rows a later edit could change. Not published (a staff
    preview): from the lot's Result and its winner's company as they stand.
    """
    lots = lots.select_related("deposit", "deposit__region").prefetch_related(
        # A mineral with reserves in several categories is still one mineral.
        minerals_once("deposit__minerals")
    )
    if published:
        return lots.annotate(
            is_awarded=ExpressionWrapper(published_awarded_lots(), output_field=BooleanField()),
            is_finished=ExpressionWrapper(
                Q(published_result__isnull=False), output_field=BooleanField()
            ),
            winner_legal_name=F("published_result__winner_legal_name"),
            winner_country=F("published_result__winner_country"),
            winner_number=F("published_result__winner_participant_number"),
            winning_bonus=F("published_result__winning_bonus"),
            result_bid_count=F("published_result__bid_count"),
            closed_at=F("published_result__closed_at"),
            has_errata=Exists(Erratum.objects.filter(lot=OuterRef("pk"))),
            ceiling_rule=F("published_result__bid_ceiling"),
            ceiling_multiple=F("published_result__bid_ceiling_multiple"),
            winner_ceiling=F("published_result__winner_ceiling"),
        )
    return lots.annotate(
        is_awarded=ExpressionWrapper(awarded_lots(), output_field=BooleanField()),
        is_finished=ExpressionWrapper(
            Q(status__in=Lot.FINISHED_STATUSES), output_field=BooleanField()
        ),
        winner_legal_name=F("result__winner__company__legal_name"),
        winner_country=F("result__winner__company__country"),
        winner_number=F("result__winner__participant_number"),
        winning_bonus=F("result__winning_bonus"),
        result_bid_count=Coalesce(F("result__bid_count"), F("bid_count")),
        closed_at=F("result__closed_at"),
        ceiling_rule=Coalesce(F("result__bid_ceiling"), F("bid_ceiling")),
        ceiling_multiple=F("result__bid_ceiling_multiple"),
        winner_ceiling=F("result__winner_ceiling"),
    )


def with_errata_flag(events: QuerySet[AuctionEvent]) -> QuerySet[AuctionEvent]:
    """Annotate `has_errata`: whether any erratum was published to the event's results."""
    return events.annotate(has_errata=Exists(Erratum.objects.filter(event=OuterRef("pk"))))


def lot_errata(lot_ids: list[int]) -> QuerySet[Erratum]:
    """Return the errata to the lots' published results, oldest first."""
    return Erratum.objects.filter(lot_id__in=lot_ids).order_by("published_at", "pk")


def published_errata() -> QuerySet[Erratum]:
    """Return every erratum, oldest first: errata exist only for published events."""
    return Erratum.objects.order_by("published_at", "pk")


def event_errata(event_id: int) -> QuerySet[Erratum]:
    """Return the errata published to an event's results, oldest first, with their lots."""
    return (
        Erratum.objects.filter(event_id=event_id)
        .select_related("lot")
        .order_by("published_at", "pk")
    )


def bid_log(lot_id: int) -> QuerySet[Bid]:
    """Return the lot's bids in sequence, with the published fields only."""
    return (
        Bid.objects.filter(lot_id=lot_id)
        .order_by("sequence")
        .only(
            "sequence",
            "participant_number",
            "amount",
            "placed_at",
            "prev_hash",
            "hash",
            "automatic",
        )
    )


def events_with_results_unsent(*, published_before: datetime) -> QuerySet[AuctionEvent, int]:
    """Return ids of events published before `published_before` whose emails are not sent."""
    return AuctionEvent.objects.filter(
        results_published_at__lt=published_before, results_notified_at__isnull=True
    ).values_list("pk", flat=True)
