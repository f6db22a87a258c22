"""The lot catalogue's filters: one FilterSet serves the lot pages and the REST API."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from auctions.models import AuctionEvent, LicenceType, Lot
from auctions.selectors import PUBLIC_LOT_STATUSES
from deposits.filters import (
    SEARCH_MAX_LENGTH,
    StableOrderingFilter,
    name_matches,
    with_reserve,
)
from deposits.models import Mineral, Region

PUBLIC_STATUS_CHOICES = [
    (value, label) for value, label in Lot.Status.choices if value in PUBLIC_LOT_STATUSES
]


class LotFilter(filters.FilterSet):
    q = filters.CharFilter(
        label=_("Search"),
        method="search",
        max_length=SEARCH_MAX_LENGTH,
        help_text=_("Part of the deposit's name in any language, or its cadastre code."),
    )
    mineral = filters.ModelChoiceFilter(
        label=_("Mineral"),
        queryset=Mineral.objects.all(),
        to_field_name="code",
        method="filter_mineral",
        empty_label=_("Any mineral"),
        help_text=_("Mineral code, e.g. gold."),
    )
    mineral_group = filters.ChoiceFilter(
        label=_("Mineral group"),
        choices=Mineral.Group.choices,
        method="filter_mineral_group",
        empty_label=_("Any group"),
    )
    region = filters.ModelChoiceFilter(
        label=_("Region"),
        field_name="deposit__region",
        queryset=Region.objects.all(),
        to_field_name="code",
        empty_label=_("Any region"),
        help_text=_("Region code, e.g. east-kazakhstan."),
    )
    licence_type = filters.ChoiceFilter(
        label=_("Licence type"), choices=LicenceType.choices, empty_label=_("Any type")
    )
    status = filters.ChoiceFilter(
        label=_("Status"), choices=PUBLIC_STATUS_CHOICES, empty_label=_("Any status")
    )
    event = filters.ModelChoiceFilter(
        label=_("Auction event"),
        queryset=AuctionEvent.objects.filter(lots__status__in=PUBLIC_LOT_STATUSES).distinct(),
        to_field_name="code",
        empty_label=_("Any event"),
        help_text=_("Event code."),
    )
    ordering = StableOrderingFilter(
        label=_("Sort by"),
        default=("starts_at", "number"),
        fields=(
            ("starts_at", "starts_at"),
            ("application_deadline", "application_deadline"),
            ("starting_price", "starting_price"),
            ("deposit__name", "deposit"),
            ("number", "number"),
        ),
        field_labels={
            "starts_at": _("Auction start"),
            "application_deadline": _("Application deadline"),
            "starting_price": _("Starting price"),
            "deposit__name": _("Deposit name"),
            "number": _("Lot number"),
        },
        empty_label=_("Auction start"),
    )

    class Meta:
        model = Lot
        fields = ["q", "mineral", "mineral_group", "region", "licence_type", "status", "event"]

    def search(self, queryset: QuerySet[Lot], name: str, value: str) -> QuerySet[Lot]:
        term = value.strip()
        if not term:
            return queryset
        return queryset.filter(
            name_matches(term, prefix="deposit__") | Q(deposit__code__icontains=term)
        )

    def filter_mineral(
        self, queryset: QuerySet[Lot], name: str, value: Mineral | None
    ) -> QuerySet[Lot]:
        if value is None:
            return queryset
        return queryset.filter(with_reserve("deposit", mineral=value))

    def filter_mineral_group(self, queryset: QuerySet[Lot], name: str, value: str) -> QuerySet[Lot]:
        return queryset.filter(with_reserve("deposit", mineral__group=value)) if value else queryset
