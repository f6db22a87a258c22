from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)

from auctions.models import Application, AuctionEvent, Bid, Lot, Payment, Result
from bidders.models import BeneficialOwner, Company
from core.money import CENT
from deposits.models import Mineral

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
                    Prefetch("deposit__minerals", queryset=Mineral.objects.distinct())
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


def is_awarded(lot: Lot, result: Result | None) -> bool:
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


def with_totals(events: QuerySet[AuctionEvent]) -> QuerySet[AuctionEvent]:
    """Annotate each event's lot counts and signature bonuses, in the events' own query.

    Offered: its public lots. Awarded: closed with a winner. Failed: every other finished
    lot (failed, cancelled, closed without an award). Bonuses: the awarded lots' winning
    signature bonuses.
    """
    awarded = awarded_lots("lots__")
    return events.annotate(
        lots_offered=Count("lots", filter=Q(lots__status__in=PUBLIC_LOT_STATUSES)),
        lots_awarded=Count("lots", filter=awarded),
        lots_finished=Count("lots", filter=Q(lots__status__in=Lot.FINISHED_STATUSES)),
        bonus_kzt=Sum("lots__result__winning_bonus", filter=awarded),
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


def may_preview_results(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Staff who may view results see them (and bid logs) before publication."""
    return user.is_staff and user.has_perm("auctions.view_result")


def result_lots(event_id: int) -> QuerySet[Lot]:
    """Return an event's public lots in order, each with its result, winner and company,
    and `is_awarded` / `is_finished` flags."""
    return (
        Lot.objects.filter(event_id=event_id, status__in=PUBLIC_LOT_STATUSES)
        .select_related("deposit", "result", "result__winner", "result__winner__company")
        .annotate(
            is_awarded=ExpressionWrapper(awarded_lots(), output_field=BooleanField()),
            is_finished=ExpressionWrapper(
                Q(status__in=Lot.FINISHED_STATUSES), output_field=BooleanField()
            ),
        )
        .order_by("number")
    )


def are_results_public(lot: Lot) -> bool:
    """A lot's result, bid log and names are public once its event's results are published
    and the lot itself has finished (staff may publish before every lot has)."""
    return lot.event.are_results_published and lot.status in Lot.FINISHED_STATUSES


def public_result(lot: Lot) -> Result | None:
    """Return the lot's result with its winner's company once it is public, else None."""
    if not are_results_public(lot):
        return None
    return Result.objects.select_related("winner", "winner__company").filter(lot=lot).first()


def _finished_lots() -> QuerySet[Lot]:
    return Lot.objects.filter(status__in=Lot.FINISHED_STATUSES).select_related("event", "deposit")


def lots_with_visible_bid_log(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Lot]:
    """Return the finished lots whose bid log the user may read: the published ones, and
    every finished one for staff previewing."""
    if may_preview_results(user):
        return _finished_lots()
    return _finished_lots().filter(event__results_published_at__isnull=False)


def lots_with_visible_protocol(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Lot]:
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


def unsettled_lots(*, finished_before: datetime) -> QuerySet[Lot]:
    """Return ids of finished lots not yet settled: deposits still held as received, or a
    won lot without its licence. Lots that finished after `finished_before` are left to
    the task queued when they finished."""
    held_deposit = Payment.objects.filter(
        application__lot=OuterRef("pk"),
        kind=Payment.Kind.GUARANTEE_DEPOSIT,
        status=Payment.Status.RECEIVED,
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


def events_with_results_unsent(*, published_before: datetime) -> QuerySet[AuctionEvent]:
    """Return ids of events published before `published_before` whose emails are not sent."""
    return AuctionEvent.objects.filter(
        results_published_at__lt=published_before, results_notified_at__isnull=True
    ).values_list("pk", flat=True)


def bidding_participant(*, user: AbstractBaseUser, lot: Lot) -> Application | None:
    """Return the user's company's application that may bid in the lot, or None.

    It may bid when it is admitted, its company is approved (not suspended since) and, if
    the lot asks one, its guarantee deposit is received.
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
    return participant
