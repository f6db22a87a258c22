"""Applicants and participants: a company's applications, affiliated rivals, who is admitted
to a lot and who may bid in it, and what each participant's results notice says."""

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from auctions.models import (
    Application,
    Lot,
    Payment,
    Result,
)
from auctions.selectors.catalogue import PUBLIC_LOT_STATUSES
from auctions.selectors.results import is_awarded
from bidders.models import BeneficialOwner, Company, Representative
from core.second_factor import enrolled_factors

LIVE_APPLICATION_STATUSES = [Application.Status.SUBMITTED, Application.Status.ADMITTED]


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


def bidding_candidate(*, user_id: int, lot_id: int) -> QuerySet[Any, Any]:
    """Return the user's company's admitted application in the lot, if the company is still
    approved, with what `may_bid` decides on: whether its guarantee deposit is received and
    whether the user has a second factor (`id`, `participant_number`, `has_deposit`,
    `has_factor`; at most one row); and what its bid ceiling counts (`deposit_received`,
    what the bank credited for the deposit once received, and `bank_guarantee`; see
    `auctions.ceilings`).

    The rule of who may bid, as one query: the bid's locked statement embeds it
    (`engine`, compiled once), the room's seat asks it (`bidding_participant`).
    """
    deposit_received = Payment.objects.filter(
        application=OuterRef("pk"),
        kind=Payment.Kind.GUARANTEE_DEPOSIT,
        status=Payment.Status.RECEIVED,
    )
    return (
        Application.objects.filter(
            lot_id=lot_id,
            company__representatives__user_id=user_id,
            status=Application.Status.ADMITTED,
            company__status=Company.Status.APPROVED,
        )
        .annotate(
            has_deposit=Exists(deposit_received),
            has_factor=Exists(enrolled_factors(user_id)),
            deposit_received=Subquery(_amount_received(deposit_received)),
        )
        .order_by("pk")
        .values(
            "id",
            "participant_number",
            "has_deposit",
            "has_factor",
            "deposit_received",
            "bank_guarantee",
        )[:1]
    )


def _amount_received(payments: QuerySet[Payment]) -> QuerySet[Any, Any]:
    """What the bank credited for the payment; what was owed if a record predates credits.

    Ordered by its own key: Payment's default order goes through its application, lot and
    event, four tables joined and sorted in every bid's locked statement for one row."""
    return (
        payments.annotate(credited=Coalesce("amount_received", "amount"))
        .order_by("pk")
        .values("credited")[:1]
    )


def secured_money(*, application_id: int) -> dict[str, Any]:
    """Return what an application's bid ceiling counts, as `bidding_candidate` reads it:
    `deposit_received` (None unless received) and `bank_guarantee` (None unless recorded)."""
    deposit_received = Payment.objects.filter(
        application=OuterRef("pk"),
        kind=Payment.Kind.GUARANTEE_DEPOSIT,
        status=Payment.Status.RECEIVED,
    )
    return dict(
        Application.objects.filter(pk=application_id)
        .annotate(deposit_received=Subquery(_amount_received(deposit_received)))
        .values("deposit_received", "bank_guarantee")
        .get()
    )


def may_bid(*, guarantee_deposit: Decimal, has_deposit: bool, has_factor: bool) -> bool:
    """Say whether a candidate of `bidding_candidate` may bid: if the lot asks a guarantee
    deposit it is received, and the user has a second factor."""
    return bool(has_factor) and (guarantee_deposit <= 0 or bool(has_deposit))


def bidding_participant(*, user: User, lot: Lot) -> int | None:
    """Return the participant number of the user's company in the lot if it may bid now.

    It may bid when it is admitted, its company is approved (not suspended since), if the
    lot asks one, its guarantee deposit is received, and the user has a second factor.
    """
    candidate = bidding_candidate(user_id=user.pk, lot_id=lot.pk).first()
    if candidate is None or not may_bid(
        guarantee_deposit=lot.guarantee_deposit,
        has_deposit=bool(candidate["has_deposit"]),
        has_factor=bool(candidate["has_factor"]),
    ):
        return None
    number = candidate["participant_number"]
    return int(number) if number is not None else None


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
    result: Result | None = getattr(lot, "result", None)
    if result is None or not is_awarded(lot, result):
        return "failed"
    return "won" if result.winner_id == application.pk else "lost"
