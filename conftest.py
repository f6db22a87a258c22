"""Personas shared by every test: who acts, for which company, on which lot."""

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache

from auctions.models import Application, Lot, Payment
from auctions.tests.factories import ApplicationFactory, LotFactory, PaymentFactory
from bidders.models import Company
from bidders.tests.factories import (
    CompanyFactory,
    RepresentativeFactory,
    UserFactory,
    with_all_documents,
)


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Start every test with an empty cache: rate limits and lockouts must not leak."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_clerk(django_user_model: type[AbstractBaseUser]) -> AbstractBaseUser:
    """A ministry clerk: staff with every permission of a superuser."""
    return UserFactory(username="clerk", is_staff=True, is_superuser=True)


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


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say which backends this run exercises, so CI logs show both modes ran."""
    from django.conf import settings

    return [
        f"database: {settings.DATABASES['default']['ENGINE']}",
        f"channel layer: {settings.CHANNEL_LAYERS['default']['BACKEND']}",
        f"cache: {settings.CACHES['default']['BACKEND']}",
        f"celery broker: {settings.CELERY_BROKER_URL.split('@')[-1]}",
    ]
