"""The synthetic catalogue generator, and the catalogue's query count at two sizes of it.

Issue #6: with thousands of deposits the catalogue list and a filtered search each use a
fixed number of queries. Here the same pages are asked for with 40 and with 400 generated
deposits; a query per listed row (an N+1) shows as a different count.
"""

from datetime import UTC, datetime
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from auctions.models import AuctionEvent, Lot
from demo.synthetic import generate_catalogue, generated_prefix, remove_catalogue
from deposits.models import Deposit, Mineral, Region, Reserve

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def snapshot(seed: int) -> list[tuple[object, ...]]:
    """Return what the generator wrote for `seed`, codes aside, in a comparable form."""
    prefix = generated_prefix(seed)
    deposits = [
        (
            d.code.removeprefix(prefix),
            d.name_en,
            d.name_ru,
            d.name_kk,
            d.region.code,
            d.latitude,
            d.longitude,
            d.area_km2,
            d.status,
        )
        for d in Deposit.objects.filter(code__startswith=prefix).select_related("region")
    ]
    reserves = [
        (r.deposit.code.removeprefix(prefix), r.mineral.code, r.category, r.quantity, r.grade)
        for r in Reserve.objects.filter(deposit__code__startswith=prefix).select_related(
            "deposit", "mineral"
        )
    ]
    lots = [
        (
            lot.event.code.removeprefix(prefix),
            lot.number,
            lot.deposit.code.removeprefix(prefix),
            lot.licence_type,
            lot.starting_price,
            lot.starts_at,
        )
        for lot in Lot.objects.filter(event__code__startswith=prefix).select_related(
            "event", "deposit"
        )
    ]
    return sorted(deposits) + sorted(reserves) + sorted(lots)  # type: ignore[return-value]


# --- The generator ------------------------------------------------------------------------


def test_generator_writes_the_counts_asked_for_into_the_reference_regions_and_minerals() -> None:
    summary = generate_catalogue(deposits=30, reserves_per_deposit=5, lots=12, seed=3, now=NOW)

    prefix = generated_prefix(3)
    assert Deposit.objects.filter(code__startswith=prefix).count() == 30
    assert Reserve.objects.filter(deposit__code__startswith=prefix).count() == 150
    assert Lot.objects.filter(event__code__startswith=prefix, status="published").count() == 12
    assert Deposit.objects.filter(code__startswith=prefix, status="offered").count() == 12
    # Kazakhstan's 17 oblasts and 3 cities and the 19 minerals come from migrate; the
    # generator only uses them.
    assert Region.objects.count() == 20
    assert Mineral.objects.count() == 19
    assert (summary.deposits, summary.reserves, summary.lots) == (30, 150, 12)


def test_generator_refuses_a_database_without_regions_and_writes_nothing() -> None:
    Region.objects.all().delete()
    with pytest.raises(ValueError, match="run migrate"):
        generate_catalogue(deposits=5, seed=9, now=NOW)
    assert not Deposit.objects.exists()


def test_generated_rows_pass_every_model_and_database_check() -> None:
    generate_catalogue(deposits=40, reserves_per_deposit=6, lots=20, seed=4, now=NOW)

    deposits = Deposit.objects.filter(code__startswith=generated_prefix(4))
    for deposit in deposits:
        deposit.full_clean()
        assert deposit.name_en
        assert deposit.name_ru
        assert deposit.name_kk
        assert deposit.name_ru != deposit.name_en
    for reserve in Reserve.objects.filter(deposit__in=deposits):
        reserve.full_clean()
    for lot in Lot.objects.filter(deposit__in=deposits):
        lot.full_clean()
        assert not lot.is_auction_too_late
        assert lot.application_deadline > NOW
    assert Region.objects.filter(deposits__in=deposits).distinct().count() > 10
    assert Reserve.objects.filter(deposit__in=deposits).values("mineral").distinct().count() > 10


def test_same_seed_gives_the_same_catalogue_and_another_seed_another() -> None:
    generate_catalogue(deposits=25, seed=5, now=NOW)
    first = snapshot(5)
    remove_catalogue(seed=5)
    assert not Deposit.objects.filter(code__startswith=generated_prefix(5)).exists()

    generate_catalogue(deposits=25, seed=5, now=NOW)
    generate_catalogue(deposits=25, seed=6, now=NOW)

    assert snapshot(5) == first
    assert snapshot(6) != first


def test_generator_refuses_a_seed_already_generated_and_impossible_counts() -> None:
    generate_catalogue(deposits=5, seed=7, now=NOW)
    with pytest.raises(ValueError, match="already exists"):
        generate_catalogue(deposits=5, seed=7, now=NOW)
    with pytest.raises(ValueError, match="one lot at most"):
        generate_catalogue(deposits=5, lots=6, seed=8, now=NOW)
    assert not Deposit.objects.filter(code__startswith=generated_prefix(8)).exists()


def test_command_refuses_a_database_not_said_to_be_disposable() -> None:
    # The test settings run with DEBUG off, as production does.
    with pytest.raises(CommandError, match="disposable-database"):
        call_command("generate_catalogue", deposits=5, stdout=StringIO())
    assert not Deposit.objects.exists()


def test_command_prints_what_it_made_and_replaces_on_request() -> None:
    out = StringIO()
    call_command(
        "generate_catalogue",
        deposits=20,
        reserves_per_deposit=3,
        lots=4,
        disposable_database=True,
        stdout=out,
    )
    assert "20 deposits, 60 reserves, 4 published lots in 1 events" in out.getvalue()

    with pytest.raises(CommandError, match="already exists"):
        call_command("generate_catalogue", deposits=20, disposable_database=True, stdout=StringIO())
    call_command(
        "generate_catalogue", "--deposits=10", "--replace", "--disposable-database", stdout=out
    )
    assert Deposit.objects.filter(code__startswith=generated_prefix(0)).count() == 10
    assert AuctionEvent.objects.filter(code__startswith=generated_prefix(0)).count() == 1


# --- The catalogue at two sizes -----------------------------------------------------------


def catalogue_urls() -> dict[str, str]:
    """Return the pages to count, their filters taken from the first generated deposit and
    lot, so each filtered list has rows at both sizes."""
    deposit = Deposit.objects.filter(code__startswith=generated_prefix(1)).order_by("code")[0]
    mineral = deposit.reserves.order_by("pk")[0].mineral
    lot = Lot.objects.filter(event__code__startswith=generated_prefix(1)).order_by("pk")[0]
    lot_mineral = lot.deposit.reserves.order_by("pk")[0].mineral
    deposit_search = {
        "q": deposit.name_en[:4].lower(),
        "mineral": mineral.code,
        "region": deposit.region.code,
        "ordering": "-name",
    }
    lot_search = {
        "q": lot.deposit.name_en[:4].lower(),
        "mineral": lot_mineral.code,
        "region": lot.deposit.region.code,
        "licence_type": lot.licence_type,
        "ordering": "-starting_price",
    }
    deposits, lots = reverse("deposits:catalogue"), reverse("auctions:catalogue")
    api_deposits, api_lots = reverse("api-deposits"), reverse("api-lots")
    return {
        "deposit list": deposits,
        "deposit search": f"{deposits}?{urlencode(deposit_search)}",
        "deposit list, page 2": f"{deposits}?page=2",
        "lot list": lots,
        "lot search": f"{lots}?{urlencode(lot_search)}",
        "API deposit list": api_deposits,
        "API deposit search": f"{api_deposits}?{urlencode(deposit_search)}",
        "API lot list": api_lots,
        "API lot search": f"{api_lots}?{urlencode(lot_search)}",
    }


def measure(client: Client, urls: dict[str, str]) -> dict[str, tuple[int, int, int]]:
    """Return each page's status, query count and number of matching rows (pages and API)."""
    figures = {}
    for name, url in urls.items():
        client.get(url)  # the first request fills per-process caches (content types etc.)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        rows = (
            response.json()["count"]
            if name.startswith("API")
            else response.context["page"].paginator.count
        )
        figures[name] = (response.status_code, len(queries), rows)
    return figures


def test_catalogue_pages_make_the_same_number_of_queries_with_10_times_the_deposits(
    client: Client,
) -> None:
    generate_catalogue(deposits=40, seed=1, now=NOW)
    urls = catalogue_urls()
    small = measure(client, urls)
    generate_catalogue(deposits=360, seed=2, now=NOW)
    large = measure(client, urls)

    for name in urls:
        small_status, small_queries, small_rows = small[name]
        large_status, large_queries, large_rows = large[name]
        assert small_status == large_status == 200, name
        assert large_queries == small_queries, f"{name}: {small_queries} -> {large_queries}"
        assert large_rows >= small_rows >= 1, name
    assert large["deposit list"][2] == large["API deposit list"][2] == 400
    assert large["lot list"][2] == large["API lot list"][2] > small["lot list"][2]
