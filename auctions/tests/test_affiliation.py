"""Staff are warned when applicants of one lot share a beneficial owner."""

import pytest
from django.test import Client
from django.urls import reverse

from auctions.models import Application
from auctions.selectors.participants import affiliated_rivals, with_affiliation_flag
from auctions.tests.factories import ApplicationFactory
from bidders.tests.factories import BeneficialOwnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def affiliated_pair(published_lot) -> tuple[Application, Application]:
    first = ApplicationFactory(lot=published_lot)
    second = ApplicationFactory(lot=published_lot)
    BeneficialOwnerFactory(company=first.company, identifier="P1234567", country="CY")
    BeneficialOwnerFactory(company=second.company, identifier="P1234567", country="CY")
    return first, second


def test_applicants_sharing_an_owner_are_flagged_on_both_sides(affiliated_pair) -> None:
    first, second = affiliated_pair
    independent = ApplicationFactory(lot=first.lot)
    BeneficialOwnerFactory(company=independent.company, identifier="P1234567", country="KZ")
    flags = dict(
        with_affiliation_flag(Application.objects.all()).values_list("pk", "has_affiliated_rival")
    )
    assert flags == {first.pk: True, second.pk: True, independent.pk: False}
    assert list(affiliated_rivals(first)) == [second]
    assert list(affiliated_rivals(second)) == [first]


def test_the_same_owner_on_another_lot_is_no_conflict(affiliated_pair) -> None:
    first, second = affiliated_pair
    Application.objects.filter(pk=second.pk).update(lot=ApplicationFactory().lot)
    assert not affiliated_rivals(first).exists()


def test_a_rejected_rival_no_longer_counts(affiliated_pair) -> None:
    first, second = affiliated_pair
    Application.objects.filter(pk=second.pk).update(status="rejected", rejection_reason="Late")
    assert not affiliated_rivals(first).exists()


def test_staff_see_the_warning_in_the_list_and_on_both_applications(
    client: Client, staff_clerk, affiliated_pair
) -> None:
    client.force_login(staff_clerk)
    listing = client.get(reverse("admin:auctions_application_changelist")).content.decode()
    assert listing.count("shared owner") == 2
    for application, rival in (affiliated_pair, reversed(affiliated_pair)):
        page = client.get(reverse("admin:auctions_application_change", args=[application.pk]))
        assert "must not bid against each other" in page.content.decode()
        assert rival.company.legal_name in page.content.decode()
