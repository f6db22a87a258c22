"""The public front page lists open lots, never drafts, in a bounded number of queries."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auctions.models import Lot
from auctions.tests.factories import AuctionEventFactory, LotFactory
from deposits.tests.factories import ReserveFactory

pytestmark = pytest.mark.django_db


def test_home_lists_published_lots_with_prices_in_tenge(client: Client) -> None:
    lot = LotFactory(deposit__name="Kuirektykol", starting_price="2500000000.00")
    LotFactory(event=lot.event, deposit__name="Secret draft", status=Lot.Status.DRAFT)
    page = client.get("/").content.decode()
    assert "Kuirektykol" in page
    assert "KZT\u00a02,500,000,000" in page
    assert "Secret draft" not in page
    assert '<span class="time-zone">Astana time (UTC+5)</span>' in page


def test_home_queries_do_not_grow_with_the_number_of_lots(client: Client) -> None:
    event = AuctionEventFactory()
    for _ in range(3):
        ReserveFactory(deposit=LotFactory(event=event).deposit)
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for _ in range(20):
        ReserveFactory(deposit=LotFactory(event=AuctionEventFactory()).deposit)
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)


@pytest.mark.parametrize("language", ["ru", "kk", "zh-hans"])
def test_home_renders_in_each_language(client: Client, language: str) -> None:
    LotFactory()
    response = client.get(f"/{language}/")
    assert response.status_code == 200
    assert f'lang="{language}"' in response.content.decode()


def test_astana_time_is_utc_plus_5_after_the_2024_change() -> None:
    moment = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)
    assert timezone.localtime(moment).isoformat() == "2026-12-03T10:00:00+05:00"


def test_health_answers_when_the_database_does(client: Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_mineral_with_several_categories_is_listed_once(client: Client) -> None:
    lot = LotFactory()
    ReserveFactory(deposit=lot.deposit, category="C1")
    ReserveFactory(deposit=lot.deposit, category="C2")
    page = client.get("/").content.decode()
    assert "Gold" in page
    assert "Gold, Gold" not in page
