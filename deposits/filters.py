"""The catalogue's filters: one FilterSet serves the deposit pages and the REST API."""

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.constants import EMPTY_VALUES
from modeltranslation.utils import build_localized_fieldname

from deposits.models import Deposit, Mineral, Region, Reserve

# A search term longer than any deposit's name is a mistake, not a query.
SEARCH_MAX_LENGTH = 100


def name_matches(term: str, *, prefix: str = "") -> Q:
    """Return the condition that a name, in any of the site's languages, contains `term`.

    A reader searching in Russian finds a deposit whose English name they never saw.
    """
    condition = Q()
    for code, _name in settings.LANGUAGES:
        field = build_localized_fieldname(f"{prefix}name", code)
        for spelling in case_spellings(term):
            condition |= Q(**{f"{field}__icontains": spelling})
    return condition


def case_spellings(term: str) -> set[str]:
    """Return the term as typed, in lower and upper case and capitalised.

    SQLite, the embedded database, folds case in LIKE for ASCII letters only: "куйрек"
    would never find "Куйректыколь". PostgreSQL needs none of this and ignores the extras.
    """
    return {term, term.lower(), term.upper(), term.capitalize(), term.title()}


def with_reserve(deposit_ref: str, **reserve: object) -> Exists:
    """Return the condition that the deposit at `deposit_ref` has a reserve matching
    `reserve`: an EXISTS, so a deposit with many matching reserves is listed once."""
    return Exists(Reserve.objects.filter(deposit=OuterRef(deposit_ref), **reserve))


class StableOrderingFilter(filters.OrderingFilter):
    """Order by the chosen field, then by `default` and the primary key.

    Without the tie-breakers, rows that share a value (two lots starting at the same
    moment) could swap between two page requests and appear on both pages or on neither.
    """

    def __init__(self, *args: object, default: tuple[str, ...], **kwargs: object) -> None:
        self.default = default
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        chosen = [
            self.get_ordering_value(param) for param in value or [] if param not in EMPTY_VALUES
        ]
        return qs.order_by(*chosen, *self.default, "pk")


def search_filter() -> filters.CharFilter:
    """Return the search box: a deposit's name in any language, or its cadastre code."""
    return filters.CharFilter(
        label=_("Search"),
        method="search",
        max_length=SEARCH_MAX_LENGTH,
        help_text=_("Part of the deposit's name in any language, or its cadastre code."),
    )


def mineral_filter() -> filters.ModelChoiceFilter:
    """Return the filter of things whose deposit holds a reserve of one mineral, by code."""
    return filters.ModelChoiceFilter(
        label=_("Mineral"),
        queryset=Mineral.objects.all(),
        to_field_name="code",
        method="filter_mineral",
        empty_label=_("Any mineral"),
        help_text=_("Mineral code, e.g. gold."),
    )


def mineral_group_filter() -> filters.ChoiceFilter:
    """Return the filter of things whose deposit holds a mineral of one group."""
    return filters.ChoiceFilter(
        label=_("Mineral group"),
        choices=Mineral.Group.choices,
        method="filter_mineral_group",
        empty_label=_("Any group"),
    )


def region_filter(field_name: str = "region") -> filters.ModelChoiceFilter:
    """Return the filter by the deposit's region, by code; `field_name` reaches the region."""
    return filters.ModelChoiceFilter(
        label=_("Region"),
        field_name=field_name,
        queryset=Region.objects.all(),
        to_field_name="code",
        empty_label=_("Any region"),
        help_text=_("Region code, e.g. east-kazakhstan."),
    )


class DepositFacets:
    """The filter methods of every FilterSet whose rows lie on a deposit.

    `deposit_ref` reaches the deposit from the filtered model ("pk" for deposits
    themselves) and `deposit_prefix` is the lookup prefix to its fields.
    """

    deposit_ref = "pk"
    deposit_prefix = ""

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        term = value.strip()
        if not term:
            return queryset
        code_matches = Q(**{f"{self.deposit_prefix}code__icontains": term})
        return queryset.filter(name_matches(term, prefix=self.deposit_prefix) | code_matches)

    def filter_mineral(self, queryset: QuerySet, name: str, value: Mineral | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(with_reserve(self.deposit_ref, mineral=value))

    def filter_mineral_group(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(with_reserve(self.deposit_ref, mineral__group=value))


class DepositFilter(DepositFacets, filters.FilterSet):
    q = search_filter()
    mineral = mineral_filter()
    mineral_group = mineral_group_filter()
    region = region_filter()
    status = filters.ChoiceFilter(
        label=_("Status"), choices=Deposit.Status.choices, empty_label=_("Any status")
    )
    ordering = StableOrderingFilter(
        label=_("Sort by"),
        default=("name",),
        fields=(("name", "name"), ("region__name", "region"), ("code", "code")),
        field_labels={"name": _("Name"), "region__name": _("Region"), "code": _("Code")},
        empty_label=_("Name"),
    )

    class Meta:
        model = Deposit
        fields = ["q", "mineral", "mineral_group", "region", "status"]
