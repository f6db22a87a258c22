from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from auctions.models import LicenceType
from deposits.models import Mineral, Region, Reserve
from licensing.models import Licence

ALL_STATUSES = "all"


class RegistryFilterForm(forms.Form):
    """The registry's GET filters; a value that does not validate is ignored, not fatal."""

    licence_type = forms.ChoiceField(
        label=_("Licence type"),
        choices=[("", _("Any type")), *LicenceType.choices],
        required=False,
    )
    mineral = forms.ModelChoiceField(
        label=_("Mineral"),
        queryset=Mineral.objects.order_by("name"),
        to_field_name="code",
        empty_label=_("Any mineral"),
        required=False,
    )
    region = forms.ModelChoiceField(
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

    def __init__(self, *args: object, licences: QuerySet[Licence], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Only the countries of the holders the registry may list: a choice that can match.
        codes = licences.order_by().values_list("holder__country", flat=True).distinct()
        self.fields["country"].choices = [
            ("", _("Any country")),
            *sorted(((code, countries.name(code)) for code in codes), key=lambda c: c[1]),
        ]

    def filter(self, licences: QuerySet[Licence]) -> QuerySet[Licence]:
        """Return the licences matching the valid filters; active ones unless told."""
        # Validating keeps the valid values in cleaned_data and drops only the bad ones.
        if self.is_bound:
            self.is_valid()
        values = getattr(self, "cleaned_data", {})
        status = values.get("status") or Licence.Status.ACTIVE
        if status != ALL_STATUSES:
            licences = licences.filter(status=status)
        if values.get("licence_type"):
            licences = licences.filter(licence_type=values["licence_type"])
        if values.get("mineral"):
            licences = licences.filter(
                Exists(
                    Reserve.objects.filter(
                        deposit_id=OuterRef("deposit_id"), mineral=values["mineral"]
                    )
                )
            )
        if values.get("region"):
            licences = licences.filter(deposit__region=values["region"])
        if values.get("country"):
            licences = licences.filter(holder__country=values["country"])
        return licences
