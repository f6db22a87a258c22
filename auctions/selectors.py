from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from auctions.models import Application, AuctionEvent, Lot
from bidders.models import BeneficialOwner, Company
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
