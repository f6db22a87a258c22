"""load_demo never adds its published logins to a database that holds data of its own
(issue 11, finding 17): only an empty database, or one the demo was loaded into, unless
--force."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from auctions.models import AuctionEvent
from bidders.tests.factories import CompanyFactory, UserFactory
from demo.catalogue import LIVE_EVENT_CODE
from demo.loader import DemoRefused, load_demo
from demo.people import DEMO_PASSWORD
from deposits.models import Region

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]

User = get_user_model()


def test_the_command_refuses_a_database_with_accounts_of_its_own_and_adds_nothing() -> None:
    UserFactory(username="minister", is_staff=True, is_superuser=True)
    with pytest.raises(CommandError) as refusal:
        call_command("load_demo", stdout=StringIO())
    message = str(refusal.value)
    assert "not a demo one" in message
    assert "minister" in message
    assert DEMO_PASSWORD in message  # says what it would have exposed
    assert "--force" in message
    assert not User.objects.filter(username__in=["admin", "clerk"]).exists()
    assert not AuctionEvent.objects.exists()


def test_a_company_alone_makes_a_database_not_a_demo_one() -> None:
    CompanyFactory(legal_name="Real Mining LLP")
    with pytest.raises(DemoRefused, match="1 company"):
        load_demo()


def test_force_loads_the_demo_into_such_a_database_anyway() -> None:
    UserFactory(username="developer")
    call_command("load_demo", "--force", stdout=StringIO())
    assert User.objects.get(username="admin").check_password(DEMO_PASSWORD)
    assert AuctionEvent.objects.filter(code=LIVE_EVENT_CODE).exists()


def test_a_demo_database_where_people_signed_up_loads_again() -> None:
    load_demo()
    UserFactory(username="visitor")  # someone tried the demo and registered
    CompanyFactory(legal_name="Visitor Mining LLP")
    call_command("load_demo", stdout=StringIO())
    assert User.objects.filter(username="visitor").exists()


def test_reloading_never_makes_a_visitor_holding_a_demo_username_staff() -> None:
    load_demo()
    # A demo site loaded before the auditor's login existed, where a visitor signed up as
    # auditor@… and got that username.
    User.objects.filter(username="auditor").delete()
    UserFactory(username="auditor", email="auditor@visitor.example")
    with pytest.raises(DemoRefused, match="belongs to another account"):
        load_demo()
    visitor = User.objects.get(username="auditor")
    assert not visitor.is_staff
    assert not visitor.groups.exists()


def test_the_command_refuses_a_database_without_the_reference_regions_and_adds_nothing() -> None:
    # The regions come from migrate; the demo never writes one of its own.
    Region.objects.filter(code="ulytau").delete()
    with pytest.raises(CommandError) as refusal:
        call_command("load_demo", stdout=StringIO())
    message = str(refusal.value)
    assert "missing here: ulytau" in message
    assert "migrate" in message
    assert not Region.objects.filter(code="ulytau").exists()
    assert not User.objects.exists()
    assert not AuctionEvent.objects.exists()
