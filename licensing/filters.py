"""The licence registry's filters, as a FilterSet for the REST API."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_filters import rest_framework as filters

from auctions.models import LicenceType
from deposits.filters import DepositFacets, StableOrderingFilter, mineral_filter, region_filter
from licensing.forms import ALL_STATUSES
from licensing.models import Licence


class LicenceFilter(DepositFacets, filters.FilterSet):
    """The registry page's filters: active licences unless another status, or "all", is asked."""

    deposit_ref = "deposit"
    deposit_prefix = "deposit__"

    licence_type = filters.ChoiceFilter(
        label=_("Licence type"), choices=LicenceType.choices, empty_label=_("Any type")
    )
    mineral = mineral_filter()
    region = region_filter("deposit__region")
    country = filters.ChoiceFilter(
        label=_("Holder's country"),
        field_name="holder__country",
        # Any country's code is a fair question; one without licences has an empty answer.
        choices=lambda: list(countries),
        empty_label=_("Any country"),
        help_text=_("ISO 3166 code of the holder's country, e.g. KZ."),
    )
    status = filters.ChoiceFilter(
        label=_("Status"),
        choices=[*Licence.Status.choices, (ALL_STATUSES, _("Any status"))],
        method="filter_status",
        help_text=_("Active unless given; 'all' for every status."),
    )
    ordering = StableOrderingFilter(
        label=_("Sort by"),
        default=("-issued_on", "number"),
        fields=(
            ("number", "number"),
            ("issued_on", "issued_on"),
            ("expires_on", "expires_on"),
            ("signature_bonus", "signature_bonus"),
            ("holder__legal_name", "holder"),
        ),
    )

    class Meta:
        model = Licence
        fields = ["licence_type", "mineral", "region", "country", "status"]

    def filter_queryset(self, queryset: QuerySet[Licence]) -> QuerySet[Licence]:
        # A filter's method runs only when its value is given: the default status is here.
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status=Licence.Status.ACTIVE)
        return queryset

    def filter_status(
        self, queryset: QuerySet[Licence], name: str, value: str
    ) -> QuerySet[Licence]:
        return queryset if value == ALL_STATUSES else queryset.filter(status=value)
