from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from auctions.models import LicenceType
from deposits.models import Mineral, Region
from licensing.models import Licence

ALL_STATUSES = "all"


class RegistryFilterForm(forms.Form):
    """The registry page's filter form, as people see it (active first, only the holders'
    countries); `licensing.filters.LicenceFilter` applies it, for the page and the API."""

    licence_type = forms.ChoiceField(
        label=_("Licence type"),
        choices=[("", _("Any type")), *LicenceType.choices],
        required=False,
    )
    mineral: "forms.ModelChoiceField[Mineral]" = forms.ModelChoiceField(
        label=_("Mineral"),
        queryset=Mineral.objects.order_by("name"),
        to_field_name="code",
        empty_label=_("Any mineral"),
        required=False,
    )
    region: "forms.ModelChoiceField[Region]" = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.order_by("name"),
        to_field_name="code",
        empty_label=_("Any region"),
        required=False,
    )
    country = forms.ChoiceField(label=_("Holder's country"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        # Active first: with no status asked for, the registry lists active licences.
        choices=[
            (Licence.Status.ACTIVE, Licence.Status.ACTIVE.label),
            *(choice for choice in Licence.Status.choices if choice[0] != Licence.Status.ACTIVE),
            (ALL_STATUSES, _("Any status")),
        ],
        required=False,
    )

    def __init__(self, *args: Any, licences: QuerySet[Licence], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the countries of the holders the registry may list: a choice that can match.
        codes = licences.order_by().values_list("holder__country", flat=True).distinct()
        self.fields["country"].choices = [
            ("", _("Any country")),
            *sorted(((code, countries.name(code)) for code in codes), key=lambda c: c[1]),
        ]
