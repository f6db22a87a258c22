"""The lot catalogue's filters: one FilterSet serves the lot pages and the REST API."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from auctions.models import AuctionEvent, LicenceType, Lot
from auctions.selectors.catalogue import PUBLIC_LOT_STATUSES
from deposits.filters import (
    DepositFacets,
    StableOrderingFilter,
    mineral_filter,
    mineral_group_filter,
    region_filter,
    search_filter,
)

PUBLIC_STATUS_CHOICES = [
    (value, label) for value, label in Lot.Status.choices if value in PUBLIC_LOT_STATUSES
]


class LotFilter(DepositFacets, filters.FilterSet):
    deposit_ref = "deposit"
    deposit_prefix = "deposit__"

    q = search_filter()
    mineral = mineral_filter()
    mineral_group = mineral_group_filter()
    region = region_filter("deposit__region")
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
