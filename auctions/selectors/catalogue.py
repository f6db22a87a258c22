"""The catalogue: the lots and counts the public browses, never drafts."""

from django.db.models import (
    Count,
    Prefetch,
    Q,
    QuerySet,
)

from auctions.models import (
    AuctionEvent,
    Lot,
)
from deposits.selectors import minerals_once

PUBLIC_LOT_STATUSES = [
    Lot.Status.PUBLISHED,
    Lot.Status.LIVE,
    Lot.Status.PAUSED,
    Lot.Status.CLOSED,
    Lot.Status.FAILED,
    Lot.Status.CANCELLED,
]


def offered_lots() -> QuerySet[Lot]:
    """Return every offered lot (any status but draft, of any event), with its deposit,
    region and event: the lots the public may see."""
    return Lot.objects.filter(status__in=PUBLIC_LOT_STATUSES).select_related(
        "deposit", "deposit__region", "event"
    )


def catalogue_lots() -> QuerySet[Lot]:
    """Return the public lots by auction start, with event, deposit, region and minerals
    loaded in a fixed number of queries whatever the page holds."""
    return (
        offered_lots()
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
                queryset=offered_lots()
                .prefetch_related(minerals_once("deposit__minerals"))
                .order_by("number")[:limit],
                to_attr="public_lots",
            )
        )
    )
