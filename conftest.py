"""Personas shared by every test: who acts, for which company, on which lot."""

from collections.abc import Iterator

import pytest
from allauth.account.internal.flows.login import record_authentication
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.http import HttpRequest
from django.test import Client
from django.utils import translation
from pytest_django import DjangoDbBlocker

from auctions import consumers, engine, presence
from auctions.models import Application, Lot, Payment
from auctions.tests.factories import (
    ApplicationFactory,
    LiveLotFactory,
    LotFactory,
    PaymentFactory,
    admit,
    admitted_representative,
)
from bidders.models import Company
from bidders.tests.factories import (
    CompanyFactory,
    RepresentativeFactory,
    UserFactory,
    with_all_documents,
)
from core.pdf import NedraPDF
from core.roles import AUDITORS, CLERKS, HEADS_OF_COMMISSION, setup_roles
from deposits.models import Mineral, Region
from deposits.tests.reference import install_reference_data


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> None:
    """Migrate the test database, then take out the regions and minerals migrate added.

    Each test builds the regions and minerals it reads, with names it can assert, and a
    transactional test's flush would remove the migrated ones halfway through a run
    anyway. A test that needs the real ones asks for `reference_data`; that `migrate`
    writes them is tested on a fresh database (tests/test_demo_removable.py).
    """
    with django_db_blocker.unblock():
        Region.objects.all().delete()
        Mineral.objects.all().delete()


@pytest.fixture
def reference_data(db: None) -> None:
    """Kazakhstan's 20 regions and 19 minerals, as every migrated database holds them."""
    install_reference_data()


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Start every test with an empty cache: rate limits and lockouts must not leak.

    The engine's memo of whose bid budget a user spends too: SQLite gives a rolled-back
    test's ids to the next test's users, whose companies differ.
    """
    cache.clear()
    engine._budget_holders.clear()
    presence._local.clear()
    yield
    cache.clear()
    engine._budget_holders.clear()
    presence._local.clear()


@pytest.fixture(autouse=True)
def sockets_database_connection_closed() -> Iterator[None]:
    """Close the websockets' database thread's connection after every test, as a server
    process does when it ends: PostgreSQL refuses to drop a test database still in use."""
    yield
    consumers.close_database_thread_connection()


@pytest.fixture(autouse=True, scope="session")
def force_login_includes_the_second_factor() -> Iterator[None]:
    """Make the test client's force_login stand for a whole login, second factor included.

    force_login skips every step of a login (it never checks a password either); tests of
    what staff may do in the admin start from a session that is fully logged in. The
    steps themselves are tested through allauth's real pages (tests/test_second_factor.py).
    """
    original = Client.force_login

    def force_login(self: Client, user: AbstractBaseUser, backend: str | None = None) -> None:
        original(self, user, backend)
        request = HttpRequest()
        request.session = self.session
        request.user = user
        record_authentication(request, user, "mfa", type="totp")
        request.session.save()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "force_login", force_login)
        yield


@pytest.fixture(autouse=True)
def english_by_default() -> Iterator[None]:
    """Start and leave every test in English.

    A request in another language leaves that language active in the thread, and the
    next test would then read its messages in Russian, or have modeltranslation write a
    factory's names into the Russian fields.
    """
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def staff_clerk(django_user_model: type[AbstractBaseUser]) -> AbstractBaseUser:
    """A ministry clerk: staff with every permission of a superuser and an authenticator app."""
    return UserFactory(username="clerk", is_staff=True, is_superuser=True)


def staff_in_role(username: str, role: str) -> AbstractBaseUser:
    """Return a staff account (not a superuser) holding one role of core/roles.py."""
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(setup_roles()[role])
    return user


@pytest.fixture
def ministry_clerk() -> AbstractBaseUser:
    """A ministry clerk with the clerk role's least privilege, as production sets it up."""
    return staff_in_role("aigul", CLERKS)


@pytest.fixture
def head_of_commission() -> AbstractBaseUser:
    """The head of the auction commission: the clerk's rights plus publishing results."""
    return staff_in_role("marat", HEADS_OF_COMMISSION)


@pytest.fixture
def auditor() -> AbstractBaseUser:
    """An auditor: staff who read every domain record and change nothing."""
    return staff_in_role("saule", AUDITORS)


@pytest.fixture
def approved_company() -> Company:
    return CompanyFactory(legal_name="Ridgeline Critical Minerals Inc.", country="US")


@pytest.fixture
def pending_company() -> Company:
    """A company awaiting review that has uploaded every required document."""
    return with_all_documents(
        CompanyFactory(
            legal_name="Nordic Rare Earths Oy", country="FI", status=Company.Status.PENDING
        )
    )


@pytest.fixture
def bidder_user(approved_company: Company) -> AbstractBaseUser:
    return RepresentativeFactory(company=approved_company, user__username="ridgeline").user


@pytest.fixture
def published_lot() -> Lot:
    return LotFactory()


@pytest.fixture
def submitted_application(approved_company: Company, published_lot: Lot) -> Application:
    """An application with both payments still awaited."""
    application = ApplicationFactory(lot=published_lot, company=approved_company)
    PaymentFactory(
        application=application,
        kind=Payment.Kind.PARTICIPATION_FEE,
        amount=published_lot.participation_fee,
    )
    PaymentFactory(
        application=application,
        kind=Payment.Kind.GUARANTEE_DEPOSIT,
        amount=published_lot.guarantee_deposit,
    )
    return application


@pytest.fixture
def live_lot() -> Lot:
    """A lot taking bids: started a minute ago, ends in an hour, five-minute soft close."""
    return LiveLotFactory()


@pytest.fixture
def admitted_bidder(
    bidder_user: AbstractBaseUser, approved_company: Company, live_lot: Lot
) -> AbstractBaseUser:
    """Ridgeline's representative: Participant 1 of the live lot, deposit received."""
    admit(approved_company, live_lot, 1)
    return bidder_user


@pytest.fixture
def rival_bidder(live_lot: Lot) -> AbstractBaseUser:
    """Steppe Lithium's representative: Participant 2 of the live lot, deposit received."""
    return admitted_representative(
        live_lot, 2, username="steppe", legal_name="Steppe Lithium LLP", country="KZ"
    )


@pytest.fixture
def bidder_without_deposit(live_lot: Lot) -> AbstractBaseUser:
    """Participant 3 of the live lot: admitted, but its guarantee deposit is still awaited."""
    return admitted_representative(
        live_lot,
        3,
        username="altai",
        deposit_status=Payment.Status.AWAITING,
        legal_name="Altai Tungsten LLP",
        country="KZ",
    )


@pytest.fixture
def suspended_bidder(live_lot: Lot) -> AbstractBaseUser:
    """Participant 4 of the live lot, whose company staff suspended after admitting it."""
    return admitted_representative(
        live_lot,
        4,
        username="caspian",
        legal_name="Caspian Copper Ltd",
        country="GB",
        status=Company.Status.SUSPENDED,
        status_reason="Sanctions screening pending.",
    )


@pytest.fixture
def non_participant() -> AbstractBaseUser:
    """The representative of an approved company that never applied for the live lot."""
    company = CompanyFactory(legal_name="Baikal Gold LLC", country="MN")
    return RepresentativeFactory(company=company, user__username="baikal").user


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say which backends this run exercises, so CI logs show both modes ran."""
    from django.conf import settings

    return [
        f"database: {settings.DATABASES['default']['ENGINE']}",
        f"channel layer: {settings.CHANNEL_LAYERS['default']['BACKEND']}",
        f"cache: {settings.CACHES['default']['BACKEND']}",
        f"celery broker: {settings.CELERY_BROKER_URL.split('@')[-1]}",
    ]


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Collect every text a PDF document writes (its streams are compressed)."""
    texts: list[str] = []
    original = NedraPDF.multi_cell

    def recording(self: NedraPDF, *args: object, **kwargs: object) -> object:
        texts.append(str(kwargs["text"] if "text" in kwargs else args[2]))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(NedraPDF, "multi_cell", recording)
    return texts
