from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf
from modeltranslation.settings import DEFAULT_LANGUAGE
from modeltranslation.utils import build_localized_fieldname, get_language, resolution_order

from auctions.models import (
    Application,
    AuctionEvent,
    Bid,
    Erratum,
    Lot,
    Payment,
    PublishedResult,
    Result,
)
from bidders.models import BeneficialOwner, Company, Representative
from core.money import CENT
from core.second_factor import has_second_factor
from deposits.models import Mineral, Reserve
from deposits.selectors import minerals_once

LIVE_APPLICATION_STATUSES = [Application.Status.SUBMITTED, Application.Status.ADMITTED]

PUBLIC_LOT_STATUSES = [
    Lot.Status.PUBLISHED,
    Lot.Status.LIVE,
    Lot.Status.PAUSED,
    Lot.Status.CLOSED,
    Lot.Status.FAILED,
    Lot.Status.CANCELLED,
]


def public_lots() -> QuerySet[Lot]:
    """Return the lots the public may see (never drafts), with their deposit and region."""
    return Lot.objects.filter(status__in=PUBLIC_LOT_STATUSES).select_related(
        "deposit", "deposit__region", "event"
    )


def public_events_with_lots() -> QuerySet[AuctionEvent]:
    """Return events that have public lots, each with those lots prefetched in order."""
    return (
        AuctionEvent.objects.filter(lots__status__in=PUBLIC_LOT_STATUSES)
        .distinct()
        .prefetch_related(
            Prefetch(
                "lots",
                queryset=public_lots()
                .prefetch_related(
                    # A mineral with reserves in several categories is still one mineral.
                    minerals_once("deposit__minerals")
                )
                .order_by("number"),
                to_attr="public_lots",
            )
        )
    )


def with_affiliation_flag(applications: QuerySet[Application]) -> QuerySet[Application]:
    """Annotate `has_affiliated_rival`: another live applicant of the lot shares an owner."""
    shared_owner = (
        BeneficialOwner.objects.filter(
            company__applications__lot_id=OuterRef("lot_id"),
            company__applications__status__in=LIVE_APPLICATION_STATUSES,
        )
        .filter(
            Exists(
                BeneficialOwner.objects.filter(
                    company_id=OuterRef(OuterRef("company_id")),
                    country=OuterRef("country"),
                    identifier=OuterRef("identifier"),
                )
            )
        )
        .exclude(company_id=OuterRef("company_id"))
    )
    return applications.annotate(has_affiliated_rival=Exists(shared_owner))


def affiliated_rivals(application: Application) -> QuerySet[Application]:
    """Return the lot's other live applications whose company shares an owner with this one."""
    owners = application.company.beneficial_owners.values_list("country", "identifier")
    shared = Q(pk__in=[])
    for country, identifier in owners:
        shared |= Q(
            company__beneficial_owners__country=country,
            company__beneficial_owners__identifier=identifier,
        )
    return (
        Application.objects.filter(lot_id=application.lot_id, status__in=LIVE_APPLICATION_STATUSES)
        .exclude(company_id=application.company_id)
        .filter(shared)
        .select_related("company")
        .distinct()
    )


def company_applications(company: Company) -> QuerySet[Application]:
    """Return a company's applications with their lot, deposit, result and payments."""
    return (
        Application.objects.filter(company=company)
        .select_related("lot", "lot__deposit", "lot__deposit__region", "lot__event", "lot__result")
        .prefetch_related("payments")
        .order_by("lot__starts_at", "lot__number")
    )


# --- Results ------------------------------------------------------------------------------


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


def published_awarded_lots(prefix: str = "") -> Q:
    """Return the condition that a lot's published result awards it and the lot is still
    closed (licensing fails a lot whose licence nobody paid for)."""
    return Q(
        **{
            f"{prefix}status": Lot.Status.CLOSED,
            f"{prefix}published_result__outcome": Result.Outcome.AWARDED,
        }
    )


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


def published_events() -> QuerySet[AuctionEvent]:
    """Return the events whose results are published, latest first, with their totals."""
    return with_totals(AuctionEvent.objects.filter(results_published_at__isnull=False)).order_by(
        "-results_published_at"
    )


def may_preview_results(user: User | AnonymousUser) -> bool:
    """Staff who may view results see them (and bid logs) before publication."""
    return user.is_staff and user.has_perm("auctions.view_result")


def result_lots(event_id: int, *, published: bool = True) -> QuerySet[Lot]:
    """Return an event's public lots in order, with region and minerals, `is_awarded` /
    `is_finished` flags and what each result shows (`_with_results`): as published, or,
    for staff previewing an unpublished event, as the live rows stand."""
    return _with_results(event_lots(event_id), published=published).order_by("number")


def published_result_lots() -> QuerySet[Lot]:
    """Return the public lots of every published event, latest event first, as `result_lots`."""
    return (
        _with_results(published_lots(), published=True)
        .select_related("event")
        .order_by("-event__results_published_at", "event_id", "number")
    )


def event_lots(event_id: int) -> QuerySet[Lot]:
    """Return an event's public lots, unordered: what its results count."""
    return Lot.objects.filter(event_id=event_id, status__in=PUBLIC_LOT_STATUSES)


def published_lots() -> QuerySet[Lot]:
    """Return the public lots of every event whose results are published, unordered."""
    return Lot.objects.filter(
        event__results_published_at__isnull=False, status__in=PUBLIC_LOT_STATUSES
    )


def _with_results(lots: QuerySet[Lot], *, published: bool) -> QuerySet[Lot]:
    """Annotate what each lot's result shows: `winner_legal_name`, `winner_country` (a
    code), `winner_number`, `winning_bonus`, `result_bid_count` and `closed_at`.

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
    )


def are_results_public(lot: Lot) -> bool:
    """A lot's result and names are public once its event's results are published and the
    lot's own result with them (staff may publish before every lot has finished; a lot
    that finishes later is published by the next publication run)."""
    return (
        lot.event.are_results_published
        and lot.status in Lot.FINISHED_STATUSES
        and PublishedResult.objects.filter(lot=lot).exists()
    )


def public_result(lot: Lot) -> PublishedResult | None:
    """Return the lot's result as published, or None while it is not public."""
    if not lot.event.are_results_published:
        return None
    return PublishedResult.objects.filter(lot=lot).first()


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


def _finished_lots() -> QuerySet[Lot]:
    return Lot.objects.filter(status__in=Lot.FINISHED_STATUSES).select_related("event", "deposit")


def lots_with_visible_bid_log(user: User | AnonymousUser) -> QuerySet[Lot]:
    """Return the finished lots whose bid log the user may read: the published ones, and
    every finished one for staff previewing."""
    if may_preview_results(user):
        return _finished_lots()
    return _finished_lots().filter(event__results_published_at__isnull=False)


def lots_with_visible_protocol(user: User | AnonymousUser) -> QuerySet[Lot]:
    """Return the finished lots whose results protocol the user may read: the published
    ones, those the user's company took part in, and every finished one for staff."""
    if may_preview_results(user):
        return _finished_lots()
    visible = Q(event__results_published_at__isnull=False)
    if user.is_authenticated:
        visible |= Exists(
            Application.objects.filter(
                lot=OuterRef("pk"),
                status=Application.Status.ADMITTED,
                company__representatives__user=user,
            )
        )
    return _finished_lots().filter(visible)


def bid_log(lot_id: int) -> QuerySet[Bid]:
    """Return the lot's bids in sequence, with the published fields only."""
    return (
        Bid.objects.filter(lot_id=lot_id)
        .order_by("sequence")
        .only("sequence", "participant_number", "amount", "placed_at", "prev_hash", "hash")
    )


def admitted_participants(lot_id: int) -> QuerySet[Application]:
    """Return the lot's admitted applications by participant number, with their company."""
    return (
        Application.objects.filter(lot_id=lot_id, status=Application.Status.ADMITTED)
        .select_related("company")
        .order_by("participant_number")
    )


def admitted_participants_of_lots(lot_ids: list[int]) -> QuerySet[Application]:
    """Return the admitted applications of the lots, by lot and number, with their company."""
    return (
        Application.objects.filter(lot_id__in=lot_ids, status=Application.Status.ADMITTED)
        .select_related("company")
        .order_by("lot_id", "participant_number")
    )


def results_recipients(event_id: int) -> QuerySet[Application]:
    """Return every admitted participant of the event's public lots, with what its results
    notice needs: lot, deposit, result and winner."""
    return (
        Application.objects.filter(
            lot__event_id=event_id,
            lot__status__in=PUBLIC_LOT_STATUSES,
            status=Application.Status.ADMITTED,
        )
        .select_related("company", "lot", "lot__event", "lot__deposit", "lot__result__winner")
        .order_by("lot__number", "participant_number")
    )


def outcome_for(application: Application) -> str:
    """Return an admitted participant's outcome: won, lost, failed, or pending while its lot
    has not finished."""
    lot = application.lot
    if lot.status not in Lot.FINISHED_STATUSES:
        return "pending"
    result = getattr(lot, "result", None)
    if not is_awarded(lot, result):
        return "failed"
    return "won" if result.winner_id == application.pk else "lost"


def unsettled_lots(*, finished_before: datetime) -> QuerySet[Lot, int]:
    """Return ids of finished lots not yet settled: deposits still held as received, or a
    won lot without its licence. Lots that finished after `finished_before` are left to
    the task queued when they finished."""
    held_deposit = Payment.objects.filter(
        application__lot=OuterRef("pk"),
        kind=Payment.Kind.GUARANTEE_DEPOSIT,
        status__in=[Payment.Status.RECEIVED, Payment.Status.SHORT],
    )
    return (
        Lot.objects.filter(status__in=Lot.FINISHED_STATUSES)
        .filter(Q(result__isnull=True) | Q(result__closed_at__lt=finished_before))
        .filter(
            Exists(held_deposit)
            | Q(result__outcome=Result.Outcome.AWARDED, status=Lot.Status.CLOSED, licences=None)
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def events_with_results_unsent(*, published_before: datetime) -> QuerySet[AuctionEvent, int]:
    """Return ids of events published before `published_before` whose emails are not sent."""
    return AuctionEvent.objects.filter(
        results_published_at__lt=published_before, results_notified_at__isnull=True
    ).values_list("pk", flat=True)


def admitted_number(*, user: User, lot_id: int) -> int | None:
    """Return the participant number of the user's company in the lot, if it was admitted
    (whether or not it may bid now)."""
    return (
        Application.objects.filter(
            lot_id=lot_id,
            company__representatives__user=user,
            status=Application.Status.ADMITTED,
        )
        .values_list("participant_number", flat=True)
        .first()
    )


def represented_company_id(user: User | AnonymousUser) -> int | None:
    """Return the id of the company the user represents, or None."""
    if not user.is_authenticated:
        return None
    return (
        Representative.objects.filter(user_id=user.pk).values_list("company_id", flat=True).first()
    )


def bidding_participant(*, user: User, lot: Lot) -> Application | None:
    """Return the user's company's application that may bid in the lot, or None.

    It may bid when it is admitted, its company is approved (not suspended since), if the
    lot asks one, its guarantee deposit is received, and the user has a second factor.
    """
    deposit_received = Payment.objects.filter(
        application=OuterRef("pk"),
        kind=Payment.Kind.GUARANTEE_DEPOSIT,
        status=Payment.Status.RECEIVED,
    )
    participant = (
        Application.objects.filter(
            lot_id=lot.pk,
            company__representatives__user=user,
            status=Application.Status.ADMITTED,
            company__status=Company.Status.APPROVED,
        )
        .annotate(has_deposit=Exists(deposit_received))
        .only("pk", "participant_number")
        .first()
    )
    if participant is None or (lot.guarantee_deposit > 0 and not participant.has_deposit):
        return None
    if not has_second_factor(user):
        return None
    return participant


# --- Catalogue ----------------------------------------------------------------------------


def catalogue_lots() -> QuerySet[Lot]:
    """Return the public lots by auction start, with event, deposit, region and minerals
    loaded in a fixed number of queries whatever the page holds."""
    return (
        public_lots()
        .prefetch_related(
            # A mineral with reserves in several categories is still one mineral.
            minerals_once("deposit__minerals")
        )
        .order_by("starts_at", "number", "pk")
    )


def public_lot_counts_by_mineral_group() -> dict[str, int]:
    """Return how many public lots offer a deposit with a mineral of each group, in one query;
    a lot of gold and copper counts in both groups, once in each."""
    rows = (
        Lot.objects.filter(status__in=PUBLIC_LOT_STATUSES)
        .values("deposit__reserves__mineral__group")
        .annotate(lots=Count("pk", distinct=True))
        .order_by()
    )
    return {
        row["deposit__reserves__mineral__group"]: row["lots"]
        for row in rows
        if row["deposit__reserves__mineral__group"]
    }


# --- Results dashboard --------------------------------------------------------------------


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


def _breakdown(key: str, label: str, figures: dict[str, object], name: str = "") -> Breakdown:
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


# --- The public API -----------------------------------------------------------------------


def public_events() -> QuerySet[AuctionEvent]:
    """Return the events with public lots, each with its totals, latest first."""
    has_public_lot = Exists(
        Lot.objects.filter(event=OuterRef("pk"), status__in=PUBLIC_LOT_STATUSES)
    )
    return with_totals(AuctionEvent.objects.filter(has_public_lot)).order_by("-created_at", "pk")


def public_result_lots() -> QuerySet[Lot]:
    """Return every lot whose result is public (`are_results_public` in SQL): the finished
    lots of published events with their published result, loaded as `published_result_lots`
    loads them, the published result with them."""
    return (
        published_result_lots()
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


def public_events_with_first_lots(limit: int) -> QuerySet[AuctionEvent]:
    """Return events that have public lots, each with `public_lot_count` and its first
    `limit` public lots by number prefetched: a front page that stays small however many
    lots an event offers (the catalogue lists them all)."""
    return (
        AuctionEvent.objects.annotate(
            public_lot_count=Count("lots", filter=Q(lots__status__in=PUBLIC_LOT_STATUSES))
        )
        .filter(public_lot_count__gt=0)
        .prefetch_related(
            Prefetch(
                "lots",
                queryset=public_lots()
                .prefetch_related(minerals_once("deposit__minerals"))
                .order_by("number")[:limit],
                to_attr="public_lots",
            )
        )
    )


def payments_visible_to(user: User) -> QuerySet[Payment]:
    """Return the payments whose invoice the user may open: its company's, or any for staff
    who may view payments."""
    payments = Payment.objects.select_related(
        "application__company", "application__lot__event", "application__lot__deposit"
    )
    if user.is_staff:
        return payments if user.has_perm("auctions.view_payment") else payments.none()
    return payments.filter(application__company__representatives__user=user)
