"""Reads of deposits shared by the catalogue, the deposit page and the lot page."""

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When

from deposits.models import Deposit, Mineral, Reserve


def minerals_once(path: str = "minerals") -> Prefetch:
    """Return the prefetch of a deposit's minerals, each listed once in one query for all
    deposits: a mineral with reserves in several categories is still one mineral. `path`
    reaches them from another model, e.g. "deposit__minerals"."""
    return Prefetch(path, queryset=Mineral.objects.distinct())


def catalogue_deposits() -> QuerySet[Deposit]:
    """Return every deposit with its region and minerals, ordered by name."""
    return (
        Deposit.objects.select_related("region")
        .prefetch_related(minerals_once())
        .order_by("name", "pk")
    )


def ranked_reserves() -> QuerySet[Reserve]:
    """Return reserves with their mineral, by mineral, then category in the order the
    classifications rank them (A before C2, Proven before Inferred)."""
    rank = Case(
        *(
            When(category=category, then=Value(position))
            for position, category in enumerate(Reserve.Category.values)
        ),
        output_field=IntegerField(),
    )
    return (
        Reserve.objects.select_related("mineral")
        .annotate(category_rank=rank)
        .order_by("mineral__name", "category_rank")
    )


def reserves_of(deposit: Deposit) -> QuerySet[Reserve]:
    """Return the deposit's reserves, ranked as `ranked_reserves` ranks them."""
    return ranked_reserves().filter(deposit=deposit)
