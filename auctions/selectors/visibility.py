"""Who may see what before results are public: staff previewing, bid logs, protocols,
published results and invoices."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.expressions import Combinable

from auctions.models import (
    Application,
    Lot,
    Payment,
    PublishedResult,
)


def may_preview_results(user: User | AnonymousUser) -> bool:
    """Staff who may view results see them (and bid logs) before publication."""
    return user.is_staff and user.has_perm("auctions.view_result")


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
    # Q | Exists is a Q at run time; the stubs type it as the expression's Combinable.
    visible: Q | Combinable = Q(event__results_published_at__isnull=False)
    if user.is_authenticated:
        visible |= Exists(
            Application.objects.filter(
                lot=OuterRef("pk"),
                status=Application.Status.ADMITTED,
                company__representatives__user=user,
            )
        )
    return _finished_lots().filter(visible)


def payments_visible_to(user: User) -> QuerySet[Payment]:
    """Return the payments whose invoice the user may open: its company's, or any for staff
    who may view payments."""
    payments = Payment.objects.select_related(
        "application__company", "application__lot__event", "application__lot__deposit"
    )
    if user.is_staff:
        return payments if user.has_perm("auctions.view_payment") else payments.none()
    return payments.filter(application__company__representatives__user=user)
