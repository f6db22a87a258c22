"""The guard every registered ModelAdmin wears: the admin filters and searches only in ways
that cannot join records its screens are meant to keep apart.

Django's admin accepts any URL lookup on a one-step relation (`?company=1`,
`?placed_by=5`) and on any local field, whatever the filter sidebar offers, so a page can be
filtered into answering a question it never shows (which company is application 12, which
application holds participant number 3). Here the URL filters exactly as the sidebar does
and nothing else; everything else is Django's clean 400 (`DisallowedModelAdminLookup`).
The rule holds always, not only while an auction runs: it is simpler to trust, and nothing
in Nedra's admin links to a lookup its sidebar does not offer.

Which rows of a model hide an identity is the business of the app that owns the rule; a
ModelAdmin declares it in `hidden_from_search`, and a search then leaves those rows out.
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin.filters import FieldListFilter, ListFilter
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import url_params_from_lookup_dict
from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.forms import Field
from django.http import HttpRequest

from core.parsers import JSONFormField


def is_sidebar_parameter(model_admin: admin.ModelAdmin, request: HttpRequest, lookup: str) -> bool:
    """Return whether the changelist's filter sidebar or date drill-down uses this URL
    parameter."""
    hierarchy = model_admin.date_hierarchy
    if hierarchy and lookup in {f"{hierarchy}__{part}" for part in ("year", "month", "day")}:
        return True
    model = model_admin.model
    for item in model_admin.get_list_filter(request):
        spec: ListFilter
        if isinstance(item, str | tuple | list):
            field_path, filter_class = (
                item if isinstance(item, tuple | list) else (item, FieldListFilter.create)
            )
            # A field's filter uses only parameters under its path; building one that
            # cannot match would cost a query for its choices.
            if lookup != field_path and not lookup.startswith(f"{field_path}{LOOKUP_SEP}"):
                continue
            field = get_fields_from_path(model, field_path)[-1]
            spec = filter_class(field, request, {}, model, model_admin, field_path=field_path)
        else:
            spec = item(request, {}, model, model_admin)
        if lookup in spec.expected_parameters():
            return True
    return False


class GuardedAdmin:
    """Mix into every ModelAdmin, first among its bases."""

    # Rows a search must never return, because their screen hides who they belong to: a
    # match on a name would say it.
    hidden_from_search: Q | None = None

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        """Allow a URL lookup only if the filter sidebar offers it (or a raw-id popup's
        `limit_choices_to` needs it)."""
        model_admin: Any = self
        for fk_lookup in model_admin.model._meta.related_fkey_lookups:
            limits = fk_lookup() if callable(fk_lookup) else fk_lookup
            if (lookup, value) in url_params_from_lookup_dict(limits).items():
                return True
        return is_sidebar_parameter(model_admin, request, lookup)

    def formfield_for_dbfield(
        self, db_field: models.Field, request: HttpRequest, **kwargs: Any
    ) -> Field | None:
        """Read a JSON field (a shape) with the field that refuses absurd nesting as a form
        error, where Django's own answers a 500."""
        if isinstance(db_field, models.JSONField):
            kwargs.setdefault("form_class", JSONFormField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        """Refuse a date drill-down no calendar has, as Django refuses a year that is not a
        number (its own check lets a year past datetime's range through to a 500)."""
        hierarchy = self.date_hierarchy  # type: ignore[attr-defined]
        if hierarchy:
            for part in ("year", "month", "day"):
                value = request.GET.get(f"{hierarchy}__{part}")
                if value is not None and not (value.isdecimal() and len(value) <= 4):
                    raise IncorrectLookupParameters(f"No such {part}: {value!r}")
        return super().get_changelist_instance(request)  # type: ignore[misc]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        queryset, may_have_duplicates = super().get_search_results(  # type: ignore[misc]
            request, queryset, search_term
        )
        if search_term.strip() and self.hidden_from_search is not None:
            queryset = queryset.exclude(self.hidden_from_search)
        return queryset, may_have_duplicates


def guard(model_admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """Return the ModelAdmin class with the guard mixed in first."""
    if issubclass(model_admin_class, GuardedAdmin):
        return model_admin_class
    return type(
        model_admin_class.__name__,
        (GuardedAdmin, model_admin_class),
        {"__module__": model_admin_class.__module__},
    )


def guard_registered(site: admin.AdminSite) -> None:
    """Re-register every ModelAdmin already on the site (Django's, allauth's, axes') with
    the guard mixed in."""
    for model, model_admin in list(site._registry.items()):
        if not isinstance(model_admin, GuardedAdmin):
            site.unregister(model)
            site.register(model, guard(type(model_admin)))
