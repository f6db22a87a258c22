"""Reads of licences shared by the registry, the certificate, the dashboard and emails."""

from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from auctions.models import Lot, Payment, Result
from bidders.models import Company
from deposits.selectors import minerals_once
from licensing.models import PUBLIC_CERTIFICATE_STATUSES, Licence

# A licence's lot has a public result: its event's results are published and the lot's
# result with them (auctions.selectors.visibility.are_results_public, as a query).
PUBLIC_RESULT = Q(lot__event__results_published_at__isnull=False) & Q(
    lot__published_result__isnull=False
)


def with_registry_details(licences: QuerySet[Licence]) -> QuerySet[Licence]:
    """Return the licences with holder, deposit, region and minerals loaded in bulk."""
    return licences.select_related("holder", "deposit", "deposit__region", "lot").prefetch_related(
        # A mineral with reserves in several categories is still one mineral.
        minerals_once("deposit__minerals")
    )


def registry_licences() -> QuerySet[Licence]:
    """Return the licences the public registry may list.

    Only licences of lots whose result is public. A licence names its lot's winner, whose
    number anyone watched bid in the public gallery: before the results are published
    nobody may connect that number to a company (auctions.identity), so even a licence
    issued early waits for its lot's published result.
    """
    return with_registry_details(Licence.objects.filter(PUBLIC_RESULT)).order_by(
        "-issued_on", "number"
    )


def company_licences(company: Company) -> QuerySet[Licence]:
    """Return every licence offered to or held by the company, newest first."""
    return (
        Licence.objects.filter(holder=company)
        .select_related("deposit", "lot")
        .order_by("-created_at", "-number")
    )


def licences_visible_to(user: User | AnonymousUser) -> QuerySet[Licence]:
    """Return the licences whose certificate the user may open.

    Anyone: licences in force or expired whose lot's result is public; a holder's
    representatives: all of its own;
    staff with the view permission: all.
    """
    if user.is_authenticated and user.is_staff and user.has_perm("licensing.view_licence"):
        return Licence.objects.all()
    visible = Q(status__in=PUBLIC_CERTIFICATE_STATUSES) & PUBLIC_RESULT
    if user.is_authenticated:
        visible |= Q(holder__representatives__user=user)
    return Licence.objects.filter(visible).distinct()


def credited_deposit(licence: Licence) -> Decimal:
    """Return the holder's guarantee deposit applied to the licence's signature bonus."""
    total = Payment.objects.filter(
        application__lot_id=licence.lot_id,
        application__company_id=licence.holder_id,
        kind=Payment.Kind.GUARANTEE_DEPOSIT,
        status=Payment.Status.APPLIED,
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


def unsettled_lot_ids(*, finished_before: datetime) -> QuerySet[Lot, int]:
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
