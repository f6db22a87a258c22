"""Staff never represent a company and representatives are never staff: in the database,
the one service that creates representatives, and every admin page that could write one."""

import uuid
from importlib import import_module

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from auctions.models import Bid, Lot
from bidders import services
from bidders.models import Company, Representative
from bidders.tests.factories import CompanyFactory, RepresentativeFactory, UserFactory
from core.errors import DomainError
from core.tests.races import run_overlapping

pytestmark = pytest.mark.django_db

User = get_user_model()
MIGRATION = "0004_staff_never_represent"


def logged_in(client: Client, user: AbstractBaseUser) -> Client:
    client.force_login(user)
    return client


# --- Finding 2: the demo's clerk made itself a participant --------------------------------


def test_the_clerk_cannot_add_itself_as_a_representative_in_the_admin(
    client: Client, ministry_clerk, approved_company: Company
) -> None:
    response = logged_in(client, ministry_clerk).post(
        reverse("admin:bidders_representative_add"),
        {"user": ministry_clerk.pk, "company": approved_company.pk, "position": "Agent"},
    )
    assert response.status_code == 403
    assert not Representative.objects.filter(user=ministry_clerk).exists()


def test_the_clerk_cannot_add_itself_through_the_company_pages_representative_inline(
    client: Client, ministry_clerk, approved_company: Company
) -> None:
    url = reverse("admin:bidders_company_change", args=[approved_company.pk])
    page = logged_in(client, ministry_clerk).get(url).content.decode()
    # The inline is read-only for the clerk: no empty form to add a representative with.
    assert "representatives-__prefix__-user" not in page
    client.post(
        url,
        {
            "representatives-TOTAL_FORMS": "1",
            "representatives-INITIAL_FORMS": "0",
            "representatives-0-user": ministry_clerk.pk,
            "representatives-0-position": "Agent",
        },
    )
    assert not Representative.objects.filter(user=ministry_clerk).exists()


def test_a_clerk_who_is_made_a_representative_anyway_is_refused_by_the_database(
    ministry_clerk, approved_company: Company
) -> None:
    with pytest.raises(IntegrityError, match="separation of duties"), transaction.atomic():
        Representative.objects.create(user=ministry_clerk, company=approved_company)
    assert not Representative.objects.filter(user=ministry_clerk).exists()


def test_the_clerk_sees_no_participant_on_the_dashboard_and_cannot_bid(
    client: Client, ministry_clerk, admitted_bidder, live_lot: Lot
) -> None:
    client = logged_in(client, ministry_clerk)
    dashboard = client.get(reverse("dashboard"), follow=True)
    assert "Participant 1" not in dashboard.content.decode()
    assert "ministry staff account" in dashboard.content.decode()
    response = client.post(
        f"/api/lots/{live_lot.pk}/bids/",
        {"amount": str(live_lot.starting_price), "key": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Bid.objects.exists()


# --- The database: a trigger on each side --------------------------------------------------


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_the_database_refuses_a_staff_account_as_representative(
    flag: str, approved_company: Company
) -> None:
    staff = UserFactory(username="official", **{flag: True})
    with pytest.raises(IntegrityError, match="separation of duties"), transaction.atomic():
        Representative.objects.create(user=staff, company=approved_company)


def test_the_database_refuses_pointing_a_representative_at_a_staff_account(
    bidder_user: AbstractBaseUser,
) -> None:
    staff = UserFactory(username="official", is_staff=True)
    with pytest.raises(IntegrityError, match="separation of duties"), transaction.atomic():
        Representative.objects.filter(user=bidder_user).update(user=staff)
    assert Representative.objects.get().user == bidder_user


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_the_database_refuses_making_a_representative_staff(
    flag: str, bidder_user: AbstractBaseUser
) -> None:
    with pytest.raises(IntegrityError, match="separation of duties"), transaction.atomic():
        User.objects.filter(pk=bidder_user.pk).update(**{flag: True})
    setattr(bidder_user, flag, True)
    with pytest.raises(IntegrityError, match="separation of duties"), transaction.atomic():
        bidder_user.save()
    bidder_user.refresh_from_db()
    assert not bidder_user.is_staff
    assert not bidder_user.is_superuser


def test_the_database_lets_representatives_and_staff_live_their_ordinary_lives(
    bidder_user: AbstractBaseUser, ministry_clerk
) -> None:
    bidder_user.first_name = "Megan"
    bidder_user.save()
    ministry_clerk.is_superuser = True
    ministry_clerk.save()
    other = CompanyFactory()
    Representative.objects.filter(user=bidder_user).update(company=other, position="CEO")
    assert Representative.objects.get(user=bidder_user).company == other


def test_the_triggers_exist_after_every_migration() -> None:
    # A later migration that rebuilds either table on SQLite would drop its triggers.
    if connection.vendor == "postgresql":
        sql = "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'bidders\\_%%'"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'bidders_%'"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        names = {row[0] for row in cursor.fetchall()}
    expected = {"bidders_staff_not_representative"}
    if connection.vendor == "postgresql":
        expected.add("bidders_representative_not_staff")
    else:
        expected |= {
            "bidders_representative_not_staff_insert",
            "bidders_representative_not_staff_update",
        }
    assert expected <= names


@pytest.mark.django_db(transaction=True)
def test_the_migration_refuses_existing_staff_representatives_and_names_them() -> None:
    migration = import_module(f"bidders.migrations.{MIGRATION}")
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([("bidders", "0003_representative_language")])
    try:
        representative = RepresentativeFactory(
            user__username="dual-role", company__legal_name="Steppe Mining LLP"
        )
        User.objects.filter(pk=representative.user_id).update(is_staff=True)
        executor = MigrationExecutor(connection)
        with pytest.raises(migration.StaffRepresentatives) as refusal:
            executor.migrate([("bidders", MIGRATION)])
        assert "dual-role" in str(refusal.value)
        assert "Steppe Mining LLP" in str(refusal.value)
        assert "run migrate again" in str(refusal.value)
        User.objects.filter(pk=representative.user_id).update(is_staff=False)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(leaves)
    # Migrated, the database now refuses what it held before.
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=representative.user_id).update(is_staff=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("representative_first", [True, False])
def test_concurrent_promotion_and_representation_leave_only_one_of_the_two(
    representative_first: bool,
) -> None:
    account = UserFactory(username="racer")
    company = CompanyFactory()

    def represent() -> None:
        Representative.objects.create(user_id=account.pk, company=company)

    def promote() -> None:
        User.objects.filter(pk=account.pk).update(is_staff=True)

    errors = run_overlapping(
        *((represent, promote) if representative_first else (promote, represent))
    )

    assert len(errors) == 1
    assert isinstance(errors[0], IntegrityError)
    account.refresh_from_db()
    assert account.is_staff != Representative.objects.filter(user=account).exists()


# --- The one service ------------------------------------------------------------------------


def test_the_service_refuses_a_staff_account_with_a_code_and_a_message(
    approved_company: Company,
) -> None:
    staff = UserFactory(username="official", is_staff=True)
    with pytest.raises(DomainError) as refusal:
        services.add_representative(user=staff, company=approved_company)
    assert refusal.value.code == "staff_not_bidder"
    assert "official is a ministry staff account" in refusal.value.message
    assert not Representative.objects.exists()


def test_the_service_refuses_a_user_who_already_represents_a_company(
    bidder_user: AbstractBaseUser,
) -> None:
    with pytest.raises(DomainError) as refusal:
        services.add_representative(user=bidder_user, company=CompanyFactory())
    assert refusal.value.code == "already_registered"


def test_registration_refuses_staff_and_keeps_nothing() -> None:
    staff = UserFactory(username="official", is_superuser=True)
    details = services.CompanyDetails(
        legal_name="Shadow Mining LLP",
        country="KZ",
        registration_number="990101000001",
        tax_number="990101000001",
        address="Astana",
        contact_name="A. Official",
        contact_email="official@example.com",
    )
    owners = [services.OwnerDetails("A. Official", "KZ", "800101300001", 100)]
    with pytest.raises(DomainError) as refusal:
        services.register_company(user=staff, details=details, owners=owners)
    assert refusal.value.code == "staff_not_bidder"
    assert not Company.objects.exists()


# --- The admin: a form error, never a 500 --------------------------------------------------


def test_a_superuser_adding_a_staff_account_as_representative_gets_a_form_error(
    client: Client, staff_clerk, approved_company: Company
) -> None:
    official = UserFactory(username="official", is_staff=True)
    response = logged_in(client, staff_clerk).post(
        reverse("admin:bidders_representative_add"),
        {"user": official.pk, "company": approved_company.pk, "position": "Agent"},
    )
    assert response.status_code == 200
    assert "official is a ministry staff account" in response.content.decode()
    assert not Representative.objects.exists()


def test_a_superuser_adding_itself_in_the_company_inline_gets_a_form_error(
    client: Client, staff_clerk, approved_company: Company
) -> None:
    url = reverse("admin:bidders_company_change", args=[approved_company.pk])
    client = logged_in(client, staff_clerk)
    form = {
        field: getattr(approved_company, field)
        for field in [
            "legal_name",
            "registration_number",
            "tax_number",
            "address",
            "contact_name",
            "contact_email",
            "contact_phone",
        ]
    }
    form["country"] = approved_company.country.code
    for prefix in ["beneficial_owners", "documents", "decisions"]:
        form |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    form |= {
        "representatives-TOTAL_FORMS": "1",
        "representatives-INITIAL_FORMS": "0",
        "representatives-0-user": staff_clerk.pk,
        "representatives-0-position": "Agent",
        "representatives-0-language": "",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "clerk is a ministry staff account" in response.content.decode()
    assert not Representative.objects.exists()


def test_the_admin_adds_a_representative_through_the_service(
    client: Client, staff_clerk, approved_company: Company
) -> None:
    person = UserFactory(username="megan")
    response = logged_in(client, staff_clerk).post(
        reverse("admin:bidders_representative_add"),
        {"user": person.pk, "company": approved_company.pk, "position": "Director"},
    )
    assert response.status_code == 302
    representative = Representative.objects.get(user=person)
    assert representative.company == approved_company
    assert representative.position == "Director"


def test_making_a_representative_staff_in_the_user_admin_is_a_form_error(
    client: Client, staff_clerk, bidder_user: AbstractBaseUser
) -> None:
    url = reverse("admin:auth_user_change", args=[bidder_user.pk])
    response = logged_in(client, staff_clerk).post(
        url,
        {
            "username": bidder_user.username,
            "email": bidder_user.email,
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "initial-date_joined_0": "2026-01-01",
            "initial-date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 200
    assert "never staff or a superuser" in response.content.decode()
    bidder_user.refresh_from_db()
    assert not bidder_user.is_staff
