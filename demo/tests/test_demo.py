"""The demo loader: a realistic 50-lot auction, approved bidders and staff, safe to re-run."""

import uuid
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from auctions.engine import place_bid
from auctions.models import MAX_DEADLINE_TO_AUCTION, Application, AuctionEvent, LicenceType, Lot
from bidders import services as bidder_services
from bidders.models import BeneficialOwner, Company, CompanyDecision, Representative
from core.errors import DomainError
from core.roles import CLERKS
from core.second_factor import current_code, has_second_factor
from demo.catalogue import EVENT_CODE, LIVE_EVENT_CODE, LOTS, lot_schedule
from demo.loader import load_demo
from demo.people import COMPANIES, DEMO_PASSWORD, DEMO_TOTP_SECRET
from deposits.models import Deposit, Mineral, Region, Reserve
from deposits.tests.reference import install_reference_data
from licensing.workdays import is_working_day

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]

User = get_user_model()
MODELS: tuple[type[Model], ...] = (
    Region,
    Mineral,
    Deposit,
    Reserve,
    AuctionEvent,
    Lot,
    Company,
    BeneficialOwner,
    Representative,
    CompanyDecision,
    User,
    Group,
)
EU_COUNTRIES = frozenset(
    {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"}
    | {"IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
)


@pytest.fixture(scope="module")
def demo_output(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    """Run the command once for this module's read-only tests; return what it printed.

    Loading takes seconds, so it happens once, in a transaction that is rolled back after
    the module: each test runs in a savepoint inside it, and nothing leaks to other modules.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        install_reference_data()
        out = StringIO()
        call_command("load_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def row_counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in MODELS}


def test_the_command_loads_one_event_with_fifty_published_lots(demo_output: str) -> None:
    event = AuctionEvent.objects.get(code=EVENT_CODE)
    assert event.kzt_per_usd == Decimal("505.00")
    assert event.name_ru
    assert event.name_kk
    assert sorted(event.lots.values_list("number", flat=True)) == list(range(1, 51))
    assert set(event.lots.values_list("status", flat=True)) == {Lot.Status.PUBLISHED}
    assert Deposit.objects.filter(lots__event=event).count() == 50
    assert set(Deposit.objects.values_list("status", flat=True)) == {Deposit.Status.OFFERED}


def test_a_demonstration_lot_is_live_with_three_admitted_bidders(demo_output: str) -> None:
    lot = Lot.objects.get(event__code=LIVE_EVENT_CODE)
    now = timezone.now()
    assert lot.status == Lot.Status.LIVE
    assert lot.starts_at <= now < lot.ends_at <= lot.hard_end
    assert lot.application_deadline < lot.starts_at
    participants = lot.applications.filter(status=Application.Status.ADMITTED)
    assert sorted(participants.values_list("participant_number", flat=True)) == [1, 2, 3]
    for application in participants:
        assert set(application.payments.values_list("status", flat=True)) == {"received"}
    assert f"/lots/{lot.pk}/room/" in demo_output

    # The first demo bidder can bid at once; the fourth company is not a participant.
    first, fourth = (User.objects.get(email=COMPANIES[n].contact_email) for n in (0, 3))
    # A bidder needs a second factor before its first bid: the demo enrolled the published
    # authenticator-app secret.
    assert has_second_factor(first)
    outcome = place_bid(user=first, lot_id=lot.pk, amount=lot.starting_price, key=uuid.uuid4())
    assert outcome.bid.participant_number == 1
    with pytest.raises(DomainError) as refusal:
        place_bid(user=fourth, lot_id=lot.pk, amount=lot.minimum_next_bid, key=uuid.uuid4())
    assert refusal.value.code == "not_admitted"


def test_every_region_of_kazakhstan_has_its_names_in_three_languages(demo_output: str) -> None:
    assert Region.objects.filter(kind=Region.Kind.OBLAST).count() == 17
    assert set(Region.objects.filter(kind=Region.Kind.CITY).values_list("code", flat=True)) == {
        "astana",
        "almaty",
        "shymkent",
    }
    east = Region.objects.get(code="east-kazakhstan")
    assert east.name_ru == "Восточно-Казахстанская область"
    assert east.name_kk == "Шығыс Қазақстан облысы"
    assert not Region.objects.filter(name_ru="").exists()
    assert not Region.objects.filter(name_kk="").exists()


def test_the_kuirektykol_deposit_holds_about_800000_tonnes_of_rare_earths(
    demo_output: str,
) -> None:
    deposit = Deposit.objects.get(name_en="Kuirektykol")
    rare_earths = deposit.reserves.filter(mineral__group=Mineral.Group.RARE_EARTH)
    assert set(rare_earths.values_list("unit", flat=True)) == {Reserve.Unit.TONNE}
    total = sum(reserve.quantity for reserve in rare_earths)
    assert Decimal("780000") <= total <= Decimal("820000")
    assert {"cerium", "lanthanum"} <= set(rare_earths.values_list("mineral__code", flat=True))
    assert deposit.region.code == "ulytau"


def test_every_production_lot_offers_a_deposit_with_balance_reserves(demo_output: str) -> None:
    production = Lot.objects.filter(licence_type=LicenceType.PRODUCTION)
    exploration = Lot.objects.filter(licence_type=LicenceType.EXPLORATION)
    assert production.exists()
    assert exploration.exists()
    for lot in production:
        assert lot.deposit.reserves.filter(category__in=Reserve.BALANCE_CATEGORIES).exists(), lot
        assert lot.licence_term_years <= 25
    assert set(exploration.values_list("licence_term_years", flat=True)) == {6}


def test_every_deposit_has_one_to_three_reserves_with_a_source(demo_output: str) -> None:
    for deposit in Deposit.objects.prefetch_related("reserves"):
        reserves = list(deposit.reserves.all())
        assert 1 <= len(reserves) <= 3, deposit
        assert all(reserve.source and reserve.estimated_on for reserve in reserves)
        assert deposit.description_ru
        assert deposit.exploration_history_ru
        assert deposit.last_surveyed_year


def test_lot_amounts_and_schedules_follow_the_platform_rules(demo_output: str) -> None:
    now = timezone.now()
    for lot in Lot.objects.filter(event__code=EVENT_CODE):
        assert lot.participation_fee == lot.starting_price / 100
        assert lot.starting_price / 100 <= lot.bid_step <= lot.starting_price / 20
        assert 0 < lot.guarantee_deposit < lot.starting_price
        assert lot.min_annual_work_expenditure > 0
        assert now < lot.application_deadline < lot.starts_at < lot.ends_at <= lot.hard_end
        assert lot.starts_at - lot.application_deadline <= MAX_DEADLINE_TO_AUCTION
        assert lot.soft_close_window == timedelta(minutes=5)


def test_bidders_from_the_us_the_eu_china_and_kazakhstan_are_approved(demo_output: str) -> None:
    companies = Company.objects.filter(status=Company.Status.APPROVED)
    countries = {company.country.code for company in companies}
    assert {"US", "CN", "KZ"} <= countries
    assert countries & EU_COUNTRIES
    admin = User.objects.get(username="admin")
    for company in companies:
        decision = CompanyDecision.objects.get(company=company)
        assert decision.decided_by == admin
        assert decision.status == Company.Status.APPROVED
        shares = [owner.share_percent for owner in company.beneficial_owners.all()]
        assert 1 <= len(shares) <= 2
        assert sum(shares) <= 100
        representative = company.representatives.get()
        assert representative.user.check_password(DEMO_PASSWORD)


def test_the_clerk_is_staff_who_may_manage_the_domain_but_not_change_bids(
    demo_output: str,
) -> None:
    clerk = User.objects.get(username="clerk")
    assert clerk.is_staff
    assert not clerk.is_superuser
    assert clerk.check_password(DEMO_PASSWORD)
    assert list(clerk.groups.values_list("name", flat=True)) == [CLERKS]
    assert clerk.has_perms(
        [
            "deposits.change_deposit",
            "bidders.change_company",
            "auctions.change_lot",
            "auctions.view_bid",
            "licensing.change_licence",
        ]
    )
    assert not clerk.has_perm("auctions.change_bid")
    assert not clerk.has_perm("auctions.delete_bid")
    # Least privilege (core/roles.py): licences come from settling a lot, never typed in;
    # and the clerk never writes who speaks for a company.
    assert not clerk.has_perm("licensing.add_licence")
    assert not clerk.has_perm("bidders.add_representative")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password(DEMO_PASSWORD)


def test_every_demo_login_passes_its_second_factor_with_the_published_secret(
    demo_output: str,
) -> None:
    assert DEMO_TOTP_SECRET in demo_output
    logins = User.objects.filter(
        username__in=["admin", "clerk", "head", "auditor"]
    ) | User.objects.filter(email__in=[row.contact_email for row in COMPANIES])
    assert logins.count() == 4 + len(COMPANIES)
    for user in logins:
        authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        assert TOTP(authenticator).validate_code(current_code(DEMO_TOTP_SECRET)), user
    demo_code = StringIO()
    call_command("demo_code", stdout=demo_code)
    assert demo_code.getvalue().strip() == current_code(DEMO_TOTP_SECRET)


def test_the_command_prints_the_logins_and_the_demo_password(demo_output: str) -> None:
    assert DEMO_PASSWORD in demo_output
    for username in ("admin", "clerk", "ridgeline", "nordic", "sinoearth", "steppe"):
        assert username in demo_output
    assert "50 lots" in demo_output


def test_running_it_twice_duplicates_nothing_and_moves_no_schedule_or_password() -> None:
    load_demo()
    counts = row_counts()
    schedules = set(
        Lot.objects.values_list("pk", "application_deadline", "starts_at", "ends_at", "hard_end")
    )
    passwords = dict(User.objects.values_list("username", "password"))

    # A week later the lots would be scheduled differently: existing ones must not move.
    summary = load_demo(now=timezone.now() + timedelta(days=7))

    assert row_counts() == counts
    assert summary.new_lots == 0
    assert (
        set(
            Lot.objects.values_list(
                "pk", "application_deadline", "starts_at", "ends_at", "hard_end"
            )
        )
        == schedules
    )
    assert dict(User.objects.values_list("username", "password")) == passwords


def test_running_it_again_refreshes_descriptions_but_respects_staff_decisions() -> None:
    load_demo()
    Deposit.objects.filter(name_en="Kuirektykol").update(description_en="Scribbled over")
    steppe = Company.objects.get(legal_name="Steppe Mining LLP")
    bidder_services.suspend_company(
        company_id=steppe.pk,
        reason="Documents expired",
        decided_by=User.objects.get(username="admin"),
    )

    load_demo()

    assert Deposit.objects.get(name_en="Kuirektykol").description_en.startswith("Lies ")
    steppe.refresh_from_db()
    assert steppe.status == Company.Status.SUSPENDED
    assert steppe.decisions.count() == 2


@pytest.mark.parametrize(
    ("today", "holidays"),
    [
        # Independence Day, Wednesday 16 December, three days on: the deadline moves on.
        (date(2026, 12, 13), [date(2026, 12, 16)]),
        # New Year and Orthodox Christmas fall among the auction days.
        (date(2026, 12, 20), [date(2027, 1, 1), date(2027, 1, 7)]),
        # Nauryz, 21-23 March, and the Monday and Wednesday given for its weekend days.
        (date(2027, 3, 15), [date(2027, 3, 22), date(2027, 3, 23), date(2027, 3, 24)]),
    ],
)
def test_demo_deadlines_and_auctions_fall_on_kazakhstans_working_days_not_holidays(
    today: date, holidays: list[date]
) -> None:
    astana = timezone.get_default_timezone()
    now = datetime.combine(today, time(9, 0), tzinfo=astana)
    days = set()
    for number in range(1, len(LOTS) + 1):
        schedule = lot_schedule(number, now)
        days |= {
            timezone.localdate(schedule.application_deadline, astana),
            timezone.localdate(schedule.starts_at, astana),
        }
    assert all(is_working_day(day) for day in days), sorted(days)
    assert not days & set(holidays)
    # The holidays lie inside the schedule's span, so it did step over them.
    assert today < min(holidays)
    assert max(holidays) < max(days)
