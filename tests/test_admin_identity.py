"""The admin never lets a company meet a participant number before its lot has finished:
not through URL lookups, ordering, search, inlines, the leader field, deletions or exports."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import AbstractBaseUser, Permission
from django.test import Client
from django.urls import reverse

from auctions.models import Application, Lot
from auctions.resources import LotResource
from auctions.tests.factories import (
    ApplicationFactory,
    LiveLotFactory,
    LotFactory,
    admit,
    place_bids,
)
from bidders.tests.factories import CompanyFactory, RepresentativeFactory, UserFactory
from core.admin_guard import GuardedAdmin

pytestmark = pytest.mark.django_db

CLERK_APPS = ("deposits", "bidders", "auctions", "licensing")


def make_clerk() -> AbstractBaseUser:
    """A ministry clerk: staff who may view and change the domain's records, no superuser."""
    clerk = UserFactory(username="desk-clerk", is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=CLERK_APPS, codename__regex=r"^(view|change)_"
        )
    )
    return clerk


@pytest.fixture(params=["clerk", "superuser"])
def staff(request: pytest.FixtureRequest, client: Client) -> Client:
    """The admin as a clerk and as a superuser: nobody, staff included, names a number."""
    if request.param == "clerk":
        client.force_login(make_clerk())
    else:
        client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def running() -> dict:
    """A live lot with two bidders, Participants 29317 and 31529, the second leading."""
    lot = LiveLotFactory()
    first = RepresentativeFactory(
        company=CompanyFactory(legal_name="Vantorra Mining AG"), user__username="vantorra"
    )
    second = RepresentativeFactory(
        company=CompanyFactory(legal_name="Brackwell Ores Ltd"), user__username="brackwell"
    )
    applications = [
        admit(first.company, lot, 29317),
        admit(second.company, lot, 31529),
    ]
    place_bids(lot, [(applications[0], "100000000"), (applications[1], "105000000")])
    return {"lot": lot, "applications": applications, "representatives": [first, second]}


def refused_lookups(running: dict) -> list[str]:
    vantorra, brackwell = running["applications"]
    representative = running["representatives"][0]
    lot = running["lot"]
    return [
        f"auctions/application/?company={vantorra.company_id}",
        f"auctions/application/?company_id={vantorra.company_id}",
        f"auctions/application/?company__legal_name__startswith=Vantorra&lot={lot.pk}",
        "auctions/application/?participant_number=29317",
        "auctions/application/?participant_number__gte=30000",
        f"bidders/company/?applications={brackwell.pk}",
        f"bidders/company/?applications__bids__lot={lot.pk}",
        f"bidders/representative/?company__applications={brackwell.pk}",
        f"auctions/bid/?placed_by={representative.user_id}",
        f"auctions/bid/?application={vantorra.pk}",
        f"auctions/livelot/?leader__company={brackwell.company_id}",
        f"auctions/livelot/?leader={brackwell.pk}",
        f"auctions/lot/?applications__company={vantorra.company_id}",
        f"auctions/lot/?leader={brackwell.pk}",
        f"auctions/payment/?application={vantorra.pk}",
        f"auctions/payment/?application__company={vantorra.company_id}",
        f"auth/user/?representative__company={vantorra.company_id}",
        f"auth/user/?representative={representative.pk}",
    ]


def test_relation_lookups_the_sidebar_does_not_offer_are_refused(staff: Client, running) -> None:
    for query in refused_lookups(running):
        response = staff.get(f"/admin/{query}")
        # The clerk may not open users at all; everyone else gets Django's clean refusal.
        expected = 403 if query.startswith("auth/") and response.status_code == 403 else 400
        assert response.status_code == expected, query


def test_the_sidebar_filters_still_work(staff: Client, running) -> None:
    lot = running["lot"]
    for query in [
        f"auctions/bid/?lot__id__exact={lot.pk}",
        f"auctions/application/?status__exact=admitted&lot__event__id__exact={lot.event_id}",
        f"auctions/lot/?event__id__exact={lot.event_id}&status__exact=live",
        "auctions/lot/?starts_at__year=2026",
        "bidders/company/?status__exact=approved",
        "licensing/licence/?payment_deadline__gte=2026-01-01&payment_deadline__lt=2027-01-01",
        "deposits/deposit/?reserves__mineral__group__exact=rare_earth",
    ]:
        assert staff.get(f"/admin/{query}").status_code == 200, query


def test_applications_are_never_sorted_by_participant_number_before_the_close(
    staff: Client, running
) -> None:
    url = reverse("admin:auctions_application_changelist")
    columns = len(admin.site._registry[Application].list_display)
    for order in [None, *range(1, columns + 1), *(-index for index in range(1, columns + 1))]:
        response = staff.get(url, {} if order is None else {"o": str(order)})
        assert response.status_code == 200
        ordering = response.context["cl"].queryset.query.order_by
        assert not any("participant_number" in str(term) for term in ordering), (order, ordering)


def test_a_published_lots_applicants_are_listed_in_order_of_submission_not_number(
    staff: Client,
) -> None:
    lot = LotFactory(status=Lot.Status.PUBLISHED)
    first = admit(CompanyFactory(legal_name="Aldermoor Minerals"), lot, 2)
    second = admit(CompanyFactory(legal_name="Birchvale Metals"), lot, 1)
    assert first.submitted_at <= second.submitted_at
    lot_page = staff.get(reverse("admin:auctions_lot_change", args=[lot.pk])).content.decode()
    assert lot_page.index("Aldermoor") < lot_page.index("Birchvale")
    listed = staff.get(reverse("admin:auctions_application_changelist"))
    assert list(listed.context["cl"].result_list) == [first, second]


def test_a_published_lot_shows_its_applicants_without_their_numbers(staff: Client) -> None:
    lot = LotFactory(status=Lot.Status.PUBLISHED)
    admitted = admit(CompanyFactory(legal_name="Zephyrine Quarries Ltd"), lot, 27143)
    ApplicationFactory(lot=lot, company=CompanyFactory(legal_name="Quillon Basalt LLP"))
    pages = [
        staff.get(reverse("admin:auctions_application_changelist")),
        staff.get(reverse("admin:auctions_application_change", args=[admitted.pk])),
        staff.get(reverse("admin:auctions_lot_change", args=[lot.pk])),
    ]
    for page in pages:
        text = page.content.decode()
        assert "Zephyrine Quarries Ltd" in text
        assert "27143" not in text


def test_a_running_lot_shows_numbers_only_where_no_company_or_application_is(
    staff: Client, running
) -> None:
    lot = running["lot"]
    vantorra, brackwell = running["applications"]
    lot_page = staff.get(reverse("admin:auctions_lot_change", args=[lot.pk])).content.decode()
    # The leader is a number, never a link that opens the application (and its company).
    assert "Participant 31529" in lot_page
    assert (
        reverse("admin:auctions_application_change", args=[brackwell.pk])
        not in (lot_page.split('id="applications-group"')[0])
    )
    monitor = staff.get(reverse("admin:auctions_livelot_changelist")).content.decode()
    assert "Participant 31529" in monitor
    for page in [
        lot_page,
        monitor,
        staff.get(reverse("admin:auctions_application_changelist")).content.decode(),
        staff.get(
            reverse("admin:auctions_application_change", args=[vantorra.pk])
        ).content.decode(),
    ]:
        assert "Vantorra" not in page
        assert "Brackwell" not in page
    # An application keeps its id from admission, when staff saw its company: beside that
    # id, its number would name the company as surely as the name itself.
    for page in [
        lot_page.split('id="applications-group"')[1],
        staff.get(reverse("admin:auctions_application_changelist")).content.decode(),
        staff.get(
            reverse("admin:auctions_application_change", args=[vantorra.pk])
        ).content.decode(),
    ]:
        assert "29317" not in page
        assert "31529" not in page


def test_staff_see_names_beside_numbers_once_the_lot_has_finished(staff: Client, running) -> None:
    lot = running["lot"]
    vantorra, brackwell = running["applications"]
    for status in sorted(Lot.FINISHED_STATUSES):
        Lot.objects.filter(pk=lot.pk).update(status=status)
        for url in [
            reverse("admin:auctions_application_changelist"),
            reverse("admin:auctions_application_change", args=[brackwell.pk]),
            reverse("admin:auctions_lot_change", args=[lot.pk]),
        ]:
            page = staff.get(url).content.decode()
            assert "Brackwell Ores Ltd" in page, (status, url)
            assert "31529" in page, (status, url)
        search = staff.get(reverse("admin:auctions_application_changelist"), {"q": "Vantorra"})
        assert list(search.context["cl"].result_list) == [vantorra]


def test_a_search_by_name_does_not_find_running_lots_rows(staff: Client, running) -> None:
    for model in ("auctions_application", "auctions_payment"):
        page = staff.get(reverse(f"admin:{model}_changelist"), {"q": "Vantorra"})
        assert list(page.context["cl"].result_list) == [], model


def test_deleting_a_bidders_user_does_not_list_its_bids(client: Client, running) -> None:
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    user = running["representatives"][0].user
    page = client.get(reverse("admin:auth_user_delete", args=[user.pk])).content.decode()
    assert "vantorra" in page
    assert "29317" not in page
    assert "Participant" not in page
    action = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [user.pk]},
    ).content.decode()
    assert "29317" not in action
    assert "Participant" not in action


def test_the_lot_export_carries_no_leader_before_the_close(staff: Client, running) -> None:
    lot = running["lot"]
    exported = LotResource().export(queryset=Lot.objects.filter(pk=lot.pk))
    assert "leader" not in exported.headers
    # Through the admin, asking for every column and for the leader by name.
    offered = [f"lotresource_{name}" for name in exported.headers]
    response = staff.post(
        reverse("admin:auctions_lot_export"),
        {
            "format": "0",
            "resource": "0",
            "lotresource_leader": "on",
            **dict.fromkeys(offered, "on"),
        },
    )
    assert response.status_code == 200
    header, *rows = response.content.decode().splitlines()
    assert "leader" not in header
    assert "deposit" in header
    assert len(rows) == 1
    assert "Participant" not in rows[0]


def test_every_registered_admin_is_guarded() -> None:
    unguarded = [
        f"{model._meta.label}: {type(model_admin).__name__}"
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, GuardedAdmin)
    ]
    assert unguarded == []
