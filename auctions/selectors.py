from django.db.models import Prefetch, QuerySet

from auctions.models import AuctionEvent, Lot

PUBLIC_LOT_STATUSES = [
    Lot.Status.PUBLISHED,
    Lot.Status.LIVE,
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
                queryset=public_lots().prefetch_related("deposit__minerals").order_by("number"),
                to_attr="public_lots",
            )
        )
    )
