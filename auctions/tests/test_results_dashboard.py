"""The results dashboard: totals over every published event (KZT, and USD at each event's
own rate), breakdowns by mineral group and region drawn as inline SVG with their tables,
CSV exports, and a fixed number of queries however many events and lots there are."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from auctions import charts, selectors, services
from auctions.models import AuctionEvent, Lot, Result
from auctions.tests.factories import (
    AuctionEventFactory,
    FinishedLotFactory,
    LiveLotFactory,
    admit,
    admitted_representative,
    finish,
    place_bids,
)
from bidders.tests.factories import CompanyFactory
from core.money import format_kzt, format_usd
from deposits.models import Mineral, Region, Reserve
from deposits.tests.factories import MineralFactory, RegionFactory, ReserveFactory

pytestmark = pytest.mark.django_db

SVG_NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


@pytest.fixture
def east() -> Region:
    return RegionFactory(code="east-kazakhstan", name="East Kazakhstan Region")


@pytest.fixture
def karaganda() -> Region:
    return RegionFactory(
        code="karaganda", name="Karaganda Region", name_ru="Карагандинская область"
    )


@pytest.fixture
def gold() -> Mineral:
    return MineralFactory(code="gold", name="Gold", group=Mineral.Group.PRECIOUS)


@pytest.fixture
def copper() -> Mineral:
    return MineralFactory(code="copper", symbol="Cu", name="Copper", group=Mineral.Group.BASE_METAL)


def published(event: AuctionEvent) -> AuctionEvent:
    """Mark the event published and run the publication job, which publishes the result of
    each of its finished lots (and, later, of each lot added by `awarded_lot`/`failed_lot`)."""
    event.results_published_at = timezone.now()
    event.save(update_fields=["results_published_at"])
    services.publish_late_results()
    return event


def awarded_lot(
    event: AuctionEvent,
    bonus: str,
    *,
    region: Region,
    minerals: list[Mineral],
    deposit_name: str | None = None,
    winner: str = "Ridgeline Critical Minerals Inc.",
) -> Lot:
    """Return a lot of the event won at `bonus` after two bids, its deposit holding `minerals`."""
    lot = FinishedLotFactory(
        event=event,
        deposit__region=region,
        **({"deposit__name": deposit_name} if deposit_name else {}),
    )
    for mineral in minerals:
        ReserveFactory(deposit=lot.deposit, mineral=mineral)
    company = CompanyFactory(legal_name=winner, country="US")
    leader = admit(company, lot, 1)
    rival = admit(CompanyFactory(legal_name="Steppe Mining LLP", country="KZ"), lot, 2)
    place_bids(lot, [(rival, "100000000.00"), (leader, bonus)])
    finish(lot)
    # The publication job has run since: in a published event, the lot's result is public.
    services.publish_late_results()
    return lot


def failed_lot(
    event: AuctionEvent, *, region: Region, minerals: list[Mineral], status: str = Lot.Status.FAILED
) -> Lot:
    """Return a lot of the event that ended without a winner: failed or cancelled."""
    lot = FinishedLotFactory(event=event, deposit__region=region, status=status)
    for mineral in minerals:
        ReserveFactory(deposit=lot.deposit, mineral=mineral)
    if status == Lot.Status.FAILED:
        finish(lot)
    services.publish_late_results()
    return lot


def svgs_of(page: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)


def csv_rows(response) -> list[dict[str, str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


# --- Totals -----------------------------------------------------------------------------


def test_overall_totals_add_every_published_event_with_dollars_at_each_events_own_rate(
    client: Client, east: Region, gold: Mineral
) -> None:
    at_500 = published(AuctionEventFactory(kzt_per_usd=Decimal("500")))
    awarded_lot(at_500, "1000000000.00", region=east, minerals=[gold])
    failed_lot(at_500, region=east, minerals=[gold])
    at_450 = published(AuctionEventFactory(kzt_per_usd=Decimal("450.5")))
    awarded_lot(at_450, "300000000.00", region=east, minerals=[gold])
    without_rate = published(AuctionEventFactory(kzt_per_usd=None))
    awarded_lot(without_rate, "150000000.00", region=east, minerals=[gold])
    unpublished = AuctionEventFactory(kzt_per_usd=Decimal("500"))
    awarded_lot(unpublished, "9000000000.00", region=east, minerals=[gold])

    response = client.get(reverse("auctions:results"))

    overall = response.context["overall"]
    assert overall.events == 3
    assert (overall.lots_offered, overall.lots_awarded, overall.lots_failed) == (4, 3, 1)
    assert overall.bonus_kzt == Decimal("1450000000.00")
    # 1 000 000 000 / 500 = 2 000 000.00; 300 000 000 / 450.5 = 665 926.748… -> 665 926.75;
    # the event without a rate is left out, and said to be.
    assert overall.bonus_usd == Decimal("2665926.75")
    assert overall.events_without_rate == 1
    assert overall.bonus_kzt_without_rate == Decimal("150000000.00")
    page = response.content.decode()
    assert format_kzt(Decimal("1450000000.00")) in page
    assert format_usd(Decimal("2665926.75")) in page
    assert "1 event has no exchange rate" in page
    assert format_kzt(Decimal("150000000.00")) in page
    assert "converted at the rate the ministry set for that event" in page


def test_without_any_rate_there_is_no_dollar_figure(east: Region, gold: Mineral) -> None:
    event = published(AuctionEventFactory(kzt_per_usd=None))
    awarded_lot(event, "200000000.00", region=east, minerals=[gold])
    overall = selectors.breakdowns.overall_totals(
        selectors.results.totals_of(event)
        for event in selectors.results.events_with_published_results()
    )
    assert overall.bonus_usd is None
    assert overall.bonus_kzt == overall.bonus_kzt_without_rate == Decimal("200000000.00")


# --- Breakdowns -------------------------------------------------------------------------


def test_a_lot_of_several_mineral_groups_counts_once_in_each(
    client: Client, east: Region, gold: Mineral, copper: Mineral
) -> None:
    event = published(AuctionEventFactory())
    both = awarded_lot(event, "1000000000.00", region=east, minerals=[gold, copper])
    # A second reserve of gold in another category must not count the lot's bonus twice.
    ReserveFactory(deposit=both.deposit, mineral=gold, category=Reserve.Category.C2)
    failed_lot(event, region=east, minerals=[gold])
    failed_lot(event, region=east, minerals=[copper], status=Lot.Status.CANCELLED)

    rows = {
        row.key: row
        for row in selectors.breakdowns.mineral_group_breakdown(
            selectors.results.offered_lots_of_published_events()
        )
    }

    assert set(rows) == {"precious", "base_metal"}
    precious, base = rows["precious"], rows["base_metal"]
    assert (precious.lots_awarded, precious.lots_failed) == (1, 1)
    assert (base.lots_awarded, base.lots_failed) == (1, 1)
    assert precious.bonus_kzt == base.bonus_kzt == Decimal("1000000000.00")
    assert precious.label == "Precious metal"
    page = client.get(reverse("auctions:results")).content.decode()
    assert "counts once in each of them" in page


def test_the_region_breakdown_counts_failed_and_cancelled_lots_as_failed(
    east: Region, karaganda: Region, gold: Mineral
) -> None:
    event = published(AuctionEventFactory())
    awarded_lot(event, "400000000.00", region=east, minerals=[gold])
    awarded_lot(event, "250000000.50", region=karaganda, minerals=[gold])
    awarded_lot(event, "150000000.00", region=karaganda, minerals=[gold])
    failed_lot(event, region=karaganda, minerals=[gold])
    failed_lot(event, region=karaganda, minerals=[gold], status=Lot.Status.CANCELLED)
    # Closed, but the winner's duty lapsed: no award.
    lapsed = FinishedLotFactory(event=event, deposit__region=karaganda)
    Result.objects.create(
        lot=lapsed, outcome=Result.Outcome.FAILED, bid_count=0, closed_at=lapsed.ends_at
    )
    services.publish_late_results()
    # Still running in an event published early: neither awarded nor failed.
    LiveLotFactory(event=event, deposit__region=east)

    rows = selectors.breakdowns.region_breakdown(
        selectors.results.offered_lots_of_published_events()
    )

    assert [(row.key, row.lots_awarded, row.lots_failed, row.bonus_kzt) for row in rows] == [
        ("karaganda", 2, 3, Decimal("400000000.50")),
        ("east-kazakhstan", 1, 0, Decimal("400000000.00")),
    ]
    with translation.override("ru"):
        names = [
            row.label
            for row in selectors.breakdowns.region_breakdown(
                selectors.results.offered_lots_of_published_events()
            )
        ]
    # Russian where the region has a Russian name, English where it has none.
    assert names == ["Карагандинская область", "East Kazakhstan Region"]
    with translation.override("kk"):
        names = [
            row.label
            for row in selectors.breakdowns.region_breakdown(
                selectors.results.offered_lots_of_published_events()
            )
        ]
    # Kazakh falls back to Russian before English, as the rest of the page does.
    assert names == ["Карагандинская область", "East Kazakhstan Region"]


def test_unpublished_events_never_count_for_the_public(
    client: Client, east: Region, gold: Mineral
) -> None:
    public = published(AuctionEventFactory())
    awarded_lot(public, "105000000.00", region=east, minerals=[gold], deposit_name="Akbakai")
    hidden = AuctionEventFactory(code="hidden-event")
    awarded_lot(hidden, "7000000000.00", region=east, minerals=[gold], deposit_name="Secretia")

    response = client.get(reverse("auctions:results"))
    assert response.context["overall"].lots_offered == 1
    (row,) = response.context["by_region"].rows
    assert (row.lots_awarded, row.bonus_kzt) == (1, Decimal("105000000.00"))
    assert format_kzt(Decimal("7000000000.00")) not in response.content.decode()
    deposits = [line["deposit"] for line in csv_rows(client.get(reverse("auctions:results_csv")))]
    assert deposits == ["Akbakai"]


# --- Charts -----------------------------------------------------------------------------


def test_charts_are_inline_svg_with_a_name_no_script_and_no_external_reference(
    client: Client, east: Region, karaganda: Region, gold: Mineral, copper: Mineral
) -> None:
    event = published(AuctionEventFactory())
    awarded_lot(event, "1250000000.00", region=karaganda, minerals=[gold, copper])
    failed_lot(event, region=east, minerals=[gold])

    with translation.override("ru"):
        page = client.get(reverse("auctions:results")).content.decode()
        bonus = format_kzt(Decimal("1250000000.00"))

    svgs = svgs_of(page)
    assert len(svgs) == 4  # lots and bonuses, by group and by region
    for svg in svgs:
        assert 'role="img"' in svg
        assert re.search(r'aria-label="[^"]{10,}"', svg)
        assert "<script" not in svg
        assert "<!--" not in svg
        assert set(re.findall(r"https?://[^\s\"'<>)]+", svg)) <= SVG_NAMESPACES
        assert "xml-stylesheet" not in svg
        assert "@import" not in svg
    assert "<?xml" not in page
    # The region's Cyrillic name is drawn in the chart, and the same figures are a table.
    assert "Карагандинская область" in svgs[2]
    assert page.count("<table") == 3  # two breakdowns and the events
    assert bonus in page


def test_without_published_results_the_dashboard_says_so_instead_of_charting(
    client: Client, staff_clerk: AbstractBaseUser
) -> None:
    response = client.get(reverse("auctions:results"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "No results have been published yet." in page
    assert "<svg" not in page
    assert charts.mineral_group_figure([]) is None
    assert charts.region_figure([]) is None

    # A staff preview of an event whose lots are all still running: no chart, a message.
    running = LiveLotFactory().event
    client.force_login(staff_clerk)
    preview = client.get(reverse("auctions:event_results", args=[running.code])).content.decode()
    assert "No results yet" in preview
    assert "<svg" not in preview


def test_the_event_page_charts_its_own_lots_and_lists_each_lots_details(
    client: Client, east: Region, karaganda: Region, gold: Mineral, copper: Mineral
) -> None:
    event = published(AuctionEventFactory())
    lot = awarded_lot(event, "500000000.00", region=karaganda, minerals=[gold, copper])
    other = published(AuctionEventFactory())
    awarded_lot(other, "900000000.00", region=east, minerals=[gold])

    response = client.get(reverse("auctions:event_results", args=[event.code]))

    assert [row.key for row in response.context["by_region"].rows] == ["karaganda"]
    page = response.content.decode()
    assert len(svgs_of(page)) == 4
    for text in ("Karaganda Region", "Copper", "Gold", "Exploration, 6 years", "United States"):
        assert text in page
    assert reverse("auctions:bid_log", args=[lot.pk]) in page
    assert reverse("auctions:protocol", args=[lot.pk]) in page
    assert reverse("auctions:event_results_csv", args=[event.code]) in page


# --- CSV --------------------------------------------------------------------------------


def test_the_csv_has_one_row_per_lot_with_data_formats(
    client: Client, karaganda: Region, gold: Mineral, copper: Mineral
) -> None:
    event = published(AuctionEventFactory(code="solid-june-2025", name="Solid minerals, June 2025"))
    lot = awarded_lot(
        event,
        "1250000000.50",
        region=karaganda,
        minerals=[gold, copper],
        deposit_name="Akbakai",
    )
    failed_lot(event, region=karaganda, minerals=[gold], status=Lot.Status.CANCELLED)

    response = client.get(reverse("auctions:event_results_csv", args=[event.code]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="nedra-results-solid-june-2025.csv"'
    )
    awarded, cancelled = csv_rows(response)
    assert awarded == {
        "event_code": "solid-june-2025",
        "event": "Solid minerals, June 2025",
        "lot_number": str(lot.number),
        "deposit": "Akbakai",
        "region": "Karaganda Region",
        "minerals": "Copper; Gold",
        "licence_type": "exploration",
        "licence_term_years": "6",
        "outcome": "awarded",
        "winner": "Ridgeline Critical Minerals Inc.",
        "winner_country": "US",
        "winning_bonus_kzt": "1250000000.50",
        "bid_count": "2",
        "closed_at_utc": lot.result.closed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "bid_ceiling": "none",
        "bid_ceiling_multiple": "",
        "winner_ceiling_kzt": "",
        "errata": "",
    }
    assert cancelled["outcome"] == "cancelled"
    assert cancelled["winner"] == cancelled["winning_bonus_kzt"] == ""
    index = client.get(reverse("auctions:results_csv"))
    assert index["Content-Disposition"] == 'attachment; filename="nedra-results.csv"'
    assert [row["lot_number"] for row in csv_rows(index)] == [
        row["lot_number"] for row in (awarded, cancelled)
    ]
    page = client.get(reverse("auctions:results")).content.decode()
    assert reverse("auctions:results_csv") in page


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_escaped(
    client: Client, east: Region, gold: Mineral
) -> None:
    event = published(AuctionEventFactory(name="+Solid minerals"))
    awarded_lot(
        event, "105000000.00", region=east, minerals=[gold], deposit_name="=cmd()", winner="@SUM"
    )
    (row,) = csv_rows(client.get(reverse("auctions:results_csv")))
    assert row["deposit"] == "'=cmd()"
    assert row["winner"] == "'@SUM"
    assert row["event"] == "'+Solid minerals"
    assert row["winning_bonus_kzt"] == "105000000.00"


def test_an_events_csv_is_404_before_publication_except_for_staff_previewing(
    client: Client, staff_clerk: AbstractBaseUser, east: Region, gold: Mineral
) -> None:
    event = AuctionEventFactory()
    lot = awarded_lot(event, "105000000.00", region=east, minerals=[gold])
    url = reverse("auctions:event_results_csv", args=[event.code])
    assert client.get(url).status_code == 404
    assert client.get(
        reverse("auctions:event_results_csv", args=["no-such-event"])
    ).status_code == (404)
    client.force_login(admitted_representative(lot, 3, legal_name="Curious Bidder LLP"))
    assert client.get(url).status_code == 404
    client.force_login(staff_clerk)
    (row,) = csv_rows(client.get(url))
    assert row["outcome"] == "awarded"
    # Staff preview one event's page and CSV; the all-events CSV stays published-only.
    assert csv_rows(client.get(reverse("auctions:results_csv"))) == []
    published(event)
    client.logout()
    assert client.get(url).status_code == 200


# --- Bounded queries --------------------------------------------------------------------


def queries_of(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_the_dashboard_and_csvs_take_as_many_queries_for_ten_events_as_for_two(
    client: Client, east: Region, karaganda: Region, gold: Mineral, copper: Mineral
) -> None:
    first = published(AuctionEventFactory(code="first"))

    def add_event(index: int) -> None:
        event = first if index == 0 else published(AuctionEventFactory())
        region = (east, karaganda)[index % 2]
        awarded_lot(first, f"{200000000 + index}.00", region=region, minerals=[gold, copper])
        awarded_lot(event, f"{300000000 + index}.00", region=region, minerals=[gold])
        failed_lot(event, region=region, minerals=[copper])

    urls = [
        reverse("auctions:results"),
        reverse("auctions:event_results", args=["first"]),
        reverse("auctions:results_csv"),
        reverse("auctions:event_results_csv", args=["first"]),
    ]
    for index in range(2):
        add_event(index)
    few = [queries_of(client, url) for url in urls]
    for index in range(2, 10):
        add_event(index)
    many = [queries_of(client, url) for url in urls]

    assert AuctionEvent.objects.filter(results_published_at__isnull=False).count() == 10
    assert many == few
    # The event page reads its lots' chain heads once more, for the event's root hash.
    assert few == [3, 6, 2, 3]


def test_chart_labels_are_escaped_and_charts_name_themselves() -> None:
    rows = [
        selectors.breakdowns.Breakdown(
            key="odd",
            label='Region <b>"A" & B</b>',
            lots_awarded=1,
            lots_failed=2,
            bonus_kzt=Decimal("2500000000.00"),
        )
    ]
    figure = charts.region_figure(rows)
    assert figure is not None
    assert figure.bonus_unit == "billions of KZT"
    for svg in (figure.lots_chart, figure.bonus_chart):
        assert "<b>" not in svg
        assert "Region &lt;b&gt;" in svg
    assert 'aria-label="Lots awarded and failed or cancelled, by region"' in figure.lots_chart
    assert "by region, in billions of KZT" in figure.bonus_chart
