"""The admin names lots with their event, writes amounts as people read them, and keeps
the live monitor readable on a laptop screen."""

from decimal import Decimal
from uuid import uuid4

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from auctions import engine
from auctions.models import Lot
from auctions.tests.factories import (
    ApplicationFactory,
    AuctionEventFactory,
    LiveLotFactory,
    LotFactory,
)
from licensing.tests.factories import LicenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client, staff_clerk) -> Client:
    client.force_login(staff_clerk)
    return client


def test_a_lot_is_named_with_its_event_because_numbers_restart_per_event() -> None:
    june = AuctionEventFactory(name="June 2025 auction")
    lot = LotFactory(event=june, number=1, deposit__name="Kuirektykol")
    assert str(lot) == "June 2025 auction, lot 1: Kuirektykol (Exploration)"


def test_lot_list_names_events_and_shows_amounts_formatted_and_sortable(staff_client) -> None:
    LotFactory(starting_price=Decimal("100000000.00"), event__name="June 2025 auction")
    LotFactory(starting_price=Decimal("2500000000.50"), event__name="January 2026 auction")
    url = reverse("admin:auctions_lot_changelist")
    page = staff_client.get(url).content.decode()
    assert "KZT\xa0100,000,000" in page
    assert "KZT\xa02,500,000,000.50" in page
    assert "100000000.00" not in page
    # The column still sorts, by the amount rather than by its text.
    header = next(
        column
        for column in staff_client.get(url).context["cl"].list_display
        if getattr(column, "__name__", "") == "starting_price_kzt"
    )
    assert header.admin_order_field == "starting_price"
    index = list(staff_client.get(url).context["cl"].list_display).index(header)
    ordered = staff_client.get(url, {"o": f"-{index}"}).context["cl"].result_list
    assert [lot.starting_price for lot in ordered] == [
        Decimal("2500000000.50"),
        Decimal("100000000.00"),
    ]


def test_licence_list_shows_the_bonus_formatted(staff_client) -> None:
    LicenceFactory(signature_bonus=Decimal("335000000.00"))
    page = staff_client.get(reverse("admin:licensing_licence_changelist")).content.decode()
    assert "KZT\xa0335,000,000" in page
    assert "335000000.00" not in page


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_naming_lots_with_their_events_costs_no_query_per_row(staff_client) -> None:
    url = reverse("admin:auctions_application_changelist")
    ApplicationFactory()
    one = count_queries(staff_client, url)
    for _ in range(4):
        ApplicationFactory()
    assert count_queries(staff_client, url) == one


def test_the_bid_log_link_of_an_unsaved_lot_leads_nowhere(staff_client) -> None:
    LotFactory()  # a lot with an id, so a link without one would open its bids too
    page = staff_client.get(reverse("admin:auctions_lot_add")).content.decode()
    assert "Open the bid log" not in page
    assert "lot__id__exact" not in page


def test_a_saved_lot_links_to_its_own_bids_only(staff_client) -> None:
    lot = LotFactory(status=Lot.Status.DRAFT)
    page = staff_client.get(reverse("admin:auctions_lot_change", args=[lot.pk])).content.decode()
    assert f"{reverse('admin:auctions_bid_changelist')}?lot__id__exact={lot.pk}" in page


def test_the_live_monitor_shows_the_starting_price_before_the_first_bid(staff_client) -> None:
    lot = LiveLotFactory(starting_price=Decimal("150000000.00"), event__name="June 2025 auction")
    page = staff_client.get(reverse("admin:auctions_livelot_changelist")).content.decode()
    assert "KZT\xa0150,000,000" in page
    assert "starting price, no bids yet" in page
    assert f"June 2025 auction, lot {lot.number}" in page
    assert reverse("auctions:room", args=[lot.pk]) in page


def test_the_bid_log_lists_a_lots_bids_with_amounts_and_names_lots_with_events(
    staff_client, admitted_bidder, rival_bidder, live_lot
) -> None:
    engine.place_bid(user=admitted_bidder, lot_id=live_lot.pk, amount="100000000", key=uuid4())
    url = f"{reverse('admin:auctions_bid_changelist')}?lot__id__exact={live_lot.pk}"
    response = staff_client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    page = response.content.decode()
    assert "KZT\xa0100,000,000" in page
    assert f"{live_lot.event.name}, lot {live_lot.number}" in page
