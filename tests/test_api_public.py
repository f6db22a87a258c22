"""The public read-only API: catalogue, events, results and licence registry, to anyone.

Every list takes the same filters as its page, comes in pages and is ordered by its
FilterSet's `ordering`; bad parameters answer 400 with the one error body; what the public
may not see (drafts, unpublished results and offers) never leaks.
"""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from auctions import services
from auctions.models import AuctionEvent, LicenceType, Lot
from auctions.tests.factories import AuctionEventFactory, LiveLotFactory, LotFactory
from bidders.tests.factories import CompanyFactory, UserFactory
from deposits.models import Deposit, Mineral, Reserve
from deposits.tests.factories import DepositFactory, MineralFactory, RegionFactory, ReserveFactory
from licensing.models import Licence
from licensing.tests.factories import LicenceFactory, auctioned_lot

pytestmark = pytest.mark.django_db

Params = dict[str, Any]


@pytest.fixture
def api() -> APIClient:
    """An anonymous client: the public API asks for no login."""
    return APIClient()


def get(api: APIClient, url: str, params: Params | None = None, **headers: str) -> Any:
    return api.get(url, params or {}, **headers)


def ok(api: APIClient, url: str, params: Params | None = None, **headers: str) -> Any:
    response = get(api, url, params, **headers)
    assert response.status_code == 200, (url, params, response.content)
    return response.json()


def listed(api: APIClient, url: str, params: Params | None = None, key: str = "code") -> list:
    """Return the `key` of every item of the list's first page, in order."""
    return [item[key] for item in ok(api, url, params)["results"]]


def assert_invalid(response: Any, param: str) -> None:
    """The one error body: code invalid, a message, and the parameter among the errors."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"]
    assert param in body["errors"], body


def assert_not_found(response: Any) -> None:
    assert response.status_code == 404, response.content
    body = response.json()
    assert body["code"] == "not_found"
    assert body["message"]


def mineral(code: str, group: str = Mineral.Group.PRECIOUS, **fields: Any) -> Mineral:
    return MineralFactory(code=code, name=code.title(), symbol="", group=group, **fields)


def deposit_with(mineral_: Mineral, **fields: Any) -> Deposit:
    deposit = DepositFactory(**fields)
    ReserveFactory(deposit=deposit, mineral=mineral_)
    return deposit


# --- Regions and minerals ------------------------------------------------------------------


def test_regions_are_listed_with_names_in_the_callers_language(api: APIClient) -> None:
    RegionFactory(code="abai", name="Abai Region", name_ru="Абайская область")
    RegionFactory(code="almaty-city", name="Almaty", name_ru="Алматы", kind="city")

    body = ok(api, "/api/regions/")
    assert body["count"] == 2
    assert body["results"] == [
        {"code": "abai", "name": "Abai Region", "kind": "oblast"},
        {"code": "almaty-city", "name": "Almaty", "kind": "city"},
    ]
    russian = ok(api, "/api/regions/", HTTP_ACCEPT_LANGUAGE="ru")["results"]
    assert [region["name"] for region in russian] == ["Абайская область", "Алматы"]


def test_minerals_are_listed_with_group_and_criticality(api: APIClient) -> None:
    mineral("cerium", Mineral.Group.RARE_EARTH, is_critical=True)
    mineral("gold")

    assert ok(api, "/api/minerals/")["results"] == [
        {
            "code": "cerium",
            "symbol": "",
            "name": "Cerium",
            "group": "rare_earth",
            "is_critical": True,
        },
        {"code": "gold", "symbol": "", "name": "Gold", "group": "precious", "is_critical": False},
    ]


# --- Deposits -------------------------------------------------------------------------------


@pytest.fixture
def catalogue() -> dict[str, Deposit]:
    """Three deposits in two regions: gold, cerium with lanthanum, and copper."""
    gold = mineral("gold")
    cerium = mineral("cerium", Mineral.Group.RARE_EARTH, is_critical=True)
    lanthanum = mineral("lanthanum", Mineral.Group.RARE_EARTH)
    copper = mineral("copper", Mineral.Group.BASE_METAL)
    east = RegionFactory(code="east-kazakhstan", name="East Kazakhstan")
    karaganda = RegionFactory(code="karaganda", name="Karaganda")
    altyn = deposit_with(
        gold,
        code="KZ-0001",
        name="Altyn Tobe",
        name_ru="Алтын Шың",
        region=east,
        latitude=Decimal("49.12345"),
        longitude=Decimal("82.54321"),
    )
    kuirektykol = deposit_with(
        cerium,
        code="KZ-0002",
        name="Kuirektykol",
        region=karaganda,
        status=Deposit.Status.OFFERED,
    )
    ReserveFactory(
        deposit=kuirektykol,
        mineral=lanthanum,
        category=Reserve.Category.INFERRED,
        quantity=Decimal("800000.000"),
        unit=Reserve.Unit.TONNE,
        grade=None,
        grade_unit="",
    )
    ReserveFactory(deposit=kuirektykol, mineral=cerium, category=Reserve.Category.B)
    zhezkazgan = deposit_with(copper, code="KZ-0003", name="Zhezkazgan West", region=karaganda)
    return {"altyn": altyn, "kuirektykol": kuirektykol, "zhezkazgan": zhezkazgan}


def test_a_deposit_shows_its_location_status_and_reserves_as_decimal_strings(
    api: APIClient, catalogue: dict[str, Deposit]
) -> None:
    item = ok(api, "/api/deposits/")["results"][0]
    assert item == {
        "code": "KZ-0001",
        "name": "Altyn Tobe",
        "region": {"code": "east-kazakhstan", "name": "East Kazakhstan"},
        "latitude": "49.12345",
        "longitude": "82.54321",
        "area_km2": "12.500",
        "licensing_blocks": None,
        "outline": None,
        "status": "available",
        "minerals": ["gold"],
        "reserves": [
            {
                "mineral": "gold",
                "category": "C1",
                "quantity": "12000.000",
                "unit": "kg",
                "grade": "4.2000",
                "grade_unit": "g/t",
                "estimated_on": "1988-06-01",
                "source": "State balance of mineral reserves, 1988",
            }
        ],
    }


def test_a_deposits_reserves_come_by_mineral_then_category_rank(
    api: APIClient, catalogue: dict[str, Deposit]
) -> None:
    body = ok(api, "/api/deposits/KZ-0002/")
    assert [(r["mineral"], r["category"]) for r in body["reserves"]] == [
        ("cerium", "B"),
        ("cerium", "C1"),
        ("lanthanum", "inferred"),
    ]
    assert body["minerals"] == ["cerium", "lanthanum"]
    assert body["reserves"][2]["grade"] is None
    assert body["reserves"][2]["quantity"] == "800000.000"
    assert {"description", "exploration_history", "last_surveyed_year"} <= set(body)


def test_an_unknown_deposit_is_404_with_the_error_body(api: APIClient) -> None:
    assert_not_found(get(api, "/api/deposits/KZ-9999/"))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["KZ-0001", "KZ-0002", "KZ-0003"]),
        ({"q": "tobe"}, ["KZ-0001"]),
        ({"q": "Алтын"}, ["KZ-0001"]),
        ({"q": "kz-0003"}, ["KZ-0003"]),
        ({"mineral": "lanthanum"}, ["KZ-0002"]),
        ({"mineral_group": "rare_earth"}, ["KZ-0002"]),
        ({"mineral_group": "energy"}, []),
        ({"region": "karaganda"}, ["KZ-0002", "KZ-0003"]),
        ({"status": "offered"}, ["KZ-0002"]),
        ({"region": "karaganda", "status": "available"}, ["KZ-0003"]),
    ],
)
def test_the_deposit_filters(
    api: APIClient, catalogue: dict[str, Deposit], params: Params, expected: list[str]
) -> None:
    assert listed(api, "/api/deposits/", params) == expected


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("name", ["KZ-0001", "KZ-0002", "KZ-0003"]),
        ("-name", ["KZ-0003", "KZ-0002", "KZ-0001"]),
        ("-code", ["KZ-0003", "KZ-0002", "KZ-0001"]),
        ("region", ["KZ-0001", "KZ-0002", "KZ-0003"]),
        ("-region", ["KZ-0002", "KZ-0003", "KZ-0001"]),
    ],
)
def test_deposits_are_ordered_both_ways(
    api: APIClient, catalogue: dict[str, Deposit], ordering: str, expected: list[str]
) -> None:
    assert listed(api, "/api/deposits/", {"ordering": ordering}) == expected


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"mineral": "unobtainium"}, "mineral"),
        ({"mineral_group": "gems"}, "mineral_group"),
        ({"region": "atlantis"}, "region"),
        ({"status": "sold"}, "status"),
        ({"ordering": "latitude"}, "ordering"),
        ({"q": "x" * 101}, "q"),
        ({"page": "abc"}, "page"),
        ({"page": "0"}, "page"),
        # More digits than int() converts: a 400, not a ValueError.
        ({"page": "9" * 5000}, "page"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "-5"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"page_size": "1" * 5000}, "page_size"),
    ],
)
def test_bad_deposit_parameters_are_400_with_the_error_body(
    api: APIClient, catalogue: dict[str, Deposit], params: Params, param: str
) -> None:
    assert_invalid(get(api, "/api/deposits/", params), param)


def test_a_search_of_100_characters_is_still_a_search(
    api: APIClient, catalogue: dict[str, Deposit]
) -> None:
    assert listed(api, "/api/deposits/", {"q": "x" * 100}) == []


def test_deposit_names_come_in_the_callers_language(
    api: APIClient, catalogue: dict[str, Deposit]
) -> None:
    body = ok(api, "/api/deposits/KZ-0001/", HTTP_ACCEPT_LANGUAGE="ru")
    assert body["name"] == "Алтын Шың"
    # No Russian name: the English one, not an empty string.
    assert ok(api, "/api/deposits/KZ-0003/", HTTP_ACCEPT_LANGUAGE="ru")["name"] == (
        "Zhezkazgan West"
    )


# --- Pagination (one list stands for all: they share the paginator) -------------------------


def test_pages_link_to_each_other_and_count_everything(api: APIClient) -> None:
    region = RegionFactory(code="abai")
    DepositFactory.create_batch(5, region=region)

    first = ok(api, "/api/deposits/", {"page_size": 2, "region": "abai"})
    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert "page=2" in first["next"]
    assert "region=abai" in first["next"]
    assert "page_size=2" in first["next"]

    last = ok(api, "/api/deposits/", {"page_size": 2, "page": 3, "region": "abai"})
    assert len(last["results"]) == 1
    assert last["next"] is None
    assert "page=2" in last["previous"]
    codes = {item["code"] for item in first["results"]} | {item["code"] for item in last["results"]}
    middle = ok(api, "/api/deposits/", {"page_size": 2, "page": 2})["results"]
    assert len(codes | {item["code"] for item in middle}) == 5


def test_a_page_past_the_end_is_404(api: APIClient) -> None:
    DepositFactory.create_batch(3, region=RegionFactory(code="abai"))
    assert ok(api, "/api/deposits/", {"page": 1, "page_size": 3})["next"] is None
    assert_not_found(get(api, "/api/deposits/", {"page": 2, "page_size": 3}))


def test_an_empty_list_still_has_its_first_page(api: APIClient) -> None:
    assert ok(api, "/api/deposits/") == {"count": 0, "next": None, "previous": None, "results": []}


def test_the_page_size_defaults_to_25_and_is_capped_at_100(api: APIClient) -> None:
    DepositFactory.create_batch(101, region=RegionFactory(code="abai"))

    assert len(ok(api, "/api/deposits/")["results"]) == 25
    capped = ok(api, "/api/deposits/", {"page_size": 1000})
    assert capped["count"] == 101
    assert len(capped["results"]) == 100
    assert "page_size=1000" in capped["next"]


# --- Lots -----------------------------------------------------------------------------------


@pytest.fixture
def lots() -> dict[str, Lot]:
    """Public lots of two events, one of them a production lot of rare earths; and a draft."""
    june = AuctionEventFactory(code="june-2026", name="Solid minerals, June 2026")
    july = AuctionEventFactory(code="july-2026", name="Solid minerals, July 2026")
    gold = mineral("gold")
    cerium = mineral("cerium", Mineral.Group.RARE_EARTH, is_critical=True)
    east = RegionFactory(code="east-kazakhstan", name="East Kazakhstan")
    karaganda = RegionFactory(code="karaganda", name="Karaganda")
    soon = timezone.now() + timedelta(days=3)
    return {
        "gold": LotFactory(
            event=june,
            number=1,
            deposit=deposit_with(gold, code="KZ-0001", name="Altyn Tobe", region=east),
            starting_price=Decimal("250000000.00"),
            application_deadline=soon,
        ),
        "cerium": LotFactory(
            event=june,
            number=2,
            deposit=deposit_with(cerium, code="KZ-0002", name="Kuirektykol", region=karaganda),
            licence_type=LicenceType.PRODUCTION,
            licence_term_years=25,
            starting_price=Decimal("1250000000.00"),
            application_deadline=soon + timedelta(hours=1),
        ),
        "live": LiveLotFactory(
            event=july,
            number=1,
            deposit=deposit_with(gold, code="KZ-0003", name="Bestobe", region=karaganda),
            starting_price=Decimal("100000000.00"),
        ),
        "draft": LotFactory(
            event=july,
            number=2,
            deposit=deposit_with(gold, code="KZ-0004", name="Secret Hill", region=east),
            status=Lot.Status.DRAFT,
        ),
    }


def lot_ids(api: APIClient, params: Params | None = None) -> list[int]:
    return listed(api, "/api/lots/", params, key="id")


def test_a_lot_shows_its_terms_prices_in_kzt_and_schedule_with_offset(
    api: APIClient, lots: dict[str, Lot]
) -> None:
    lot = lots["cerium"]
    body = ok(api, f"/api/lots/{lot.pk}/")
    assert body["number"] == 2
    assert body["event"] == {"code": "june-2026", "name": "Solid minerals, June 2026"}
    assert body["deposit"] == {
        "code": "KZ-0002",
        "name": "Kuirektykol",
        "region": {"code": "karaganda", "name": "Karaganda"},
        "minerals": ["cerium"],
    }
    assert body["status"] == "published"
    assert body["licence_type"] == "production"
    assert body["licence_term_years"] == 25
    assert body["currency"] == "KZT"
    assert body["starting_price"] == "1250000000.00"
    assert body["bid_step"] == "5000000.00"
    assert body["participation_fee"] == "1000000.00"
    assert body["guarantee_deposit"] == "10000000.00"
    assert body["min_annual_work_expenditure"] == "25000000.00"
    assert body["soft_close_seconds"] == 300
    assert body["is_open_for_applications"] is True
    # Astana time, with its offset: the same instant as stored.
    assert body["starts_at"].endswith("+05:00")
    assert body["starts_at"] == timezone.localtime(lot.starts_at).isoformat()
    # The live bidding is for participants only (GET /api/lots/<id>/state/).
    assert not {"current_price", "leader", "bid_count"} & set(body)


def test_drafts_are_never_listed_nor_shown(api: APIClient, lots: dict[str, Lot]) -> None:
    assert set(lot_ids(api)) == {lots["gold"].pk, lots["cerium"].pk, lots["live"].pk}
    assert_not_found(get(api, f"/api/lots/{lots['draft'].pk}/"))
    assert_not_found(get(api, "/api/lots/999999/"))
    assert_invalid(get(api, "/api/lots/", {"status": "draft"}), "status")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["gold", "cerium", "live"]),
        ({"q": "kuirek"}, ["cerium"]),
        ({"q": "KZ-0003"}, ["live"]),
        ({"mineral": "gold"}, ["gold", "live"]),
        ({"mineral_group": "rare_earth"}, ["cerium"]),
        ({"region": "karaganda"}, ["cerium", "live"]),
        ({"licence_type": "production"}, ["cerium"]),
        ({"status": "live"}, ["live"]),
        ({"status": "published"}, ["gold", "cerium"]),
        ({"event": "june-2026"}, ["gold", "cerium"]),
        ({"event": "july-2026", "mineral": "gold"}, ["live"]),
    ],
)
def test_the_lot_filters(
    api: APIClient, lots: dict[str, Lot], params: Params, expected: list[str]
) -> None:
    assert sorted(lot_ids(api, params)) == sorted(lots[name].pk for name in expected)


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("starting_price", ["live", "gold", "cerium"]),
        ("-starting_price", ["cerium", "gold", "live"]),
        ("application_deadline", ["live", "gold", "cerium"]),
        ("-application_deadline", ["cerium", "gold", "live"]),
        ("deposit", ["gold", "live", "cerium"]),
        ("-deposit", ["cerium", "live", "gold"]),
    ],
)
def test_lots_are_ordered_both_ways(
    api: APIClient, lots: dict[str, Lot], ordering: str, expected: list[str]
) -> None:
    assert lot_ids(api, {"ordering": ordering}) == [lots[name].pk for name in expected]


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"mineral": "unobtainium"}, "mineral"),
        ({"event": "no-such-event"}, "event"),
        ({"licence_type": "fishing"}, "licence_type"),
        ({"status": "sold"}, "status"),
        ({"ordering": "current_price"}, "ordering"),
        ({"q": "x" * 101}, "q"),
        ({"page": "abc"}, "page"),
        ({"page_size": "0"}, "page_size"),
    ],
)
def test_bad_lot_parameters_are_400_with_the_error_body(
    api: APIClient, lots: dict[str, Lot], params: Params, param: str
) -> None:
    assert_invalid(get(api, "/api/lots/", params), param)


def test_an_event_of_drafts_only_is_no_filter_value(api: APIClient) -> None:
    LotFactory(event=AuctionEventFactory(code="secret"), status=Lot.Status.DRAFT)
    assert_invalid(get(api, "/api/lots/", {"event": "secret"}), "event")


def test_the_live_lots_state_and_bids_are_still_for_participants(
    api: APIClient, lots: dict[str, Lot]
) -> None:
    live = lots["live"]
    assert get(api, f"/api/lots/{live.pk}/state/").status_code == 403
    refused = api.post(f"/api/lots/{live.pk}/bids/", {"amount": "1"}, format="json")
    assert refused.status_code == 403


# --- Events ---------------------------------------------------------------------------------


@pytest.fixture
def results() -> dict[str, Any]:
    """June's results are published: an awarded gold lot, a failed copper lot, a cancelled
    lot; its draft and a lot still open for applications are not results. July's closed lot
    awaits publication."""
    gold = mineral("gold")
    copper = mineral("copper", Mineral.Group.BASE_METAL)
    east = RegionFactory(code="east-kazakhstan", name="East Kazakhstan")
    karaganda = RegionFactory(code="karaganda", name="Karaganda")
    june = AuctionEventFactory(
        code="june-2025",
        name="Solid minerals, June 2025",
        kzt_per_usd=Decimal("500.0000"),
        results_published_at=timezone.now() - timedelta(days=1),
    )
    july = AuctionEventFactory(code="july-2025", name="Solid minerals, July 2025")
    ridgeline = CompanyFactory(legal_name="Ridgeline Critical Minerals Inc.", country="US")
    steppe = CompanyFactory(legal_name="Steppe Mining LLP", country="KZ")
    companies = {"Ridgeline": ridgeline, "Steppe": steppe}
    awarded, _ = auctioned_lot(
        [("Ridgeline", "100000000.00"), ("Steppe", "105000000.00"), ("Ridgeline", "150000000.00")],
        companies=companies,
        event=june,
        number=1,
        deposit=deposit_with(gold, code="KZ-0001", name="Altyn Tobe", region=east),
        licence_type=LicenceType.PRODUCTION,
        licence_term_years=25,
    )
    failed, _ = auctioned_lot(
        [],
        event=june,
        number=2,
        deposit=deposit_with(copper, code="KZ-0002", name="Balkhash", region=karaganda),
    )
    cancelled = LotFactory(
        event=june,
        number=3,
        deposit=deposit_with(copper, code="KZ-0003", name="Sayak", region=karaganda),
        status=Lot.Status.CANCELLED,
    )
    draft = LotFactory(
        event=june, number=4, status=Lot.Status.DRAFT, deposit=deposit_with(gold, region=east)
    )
    still_open = LotFactory(event=june, number=5, deposit=deposit_with(gold, region=east))
    unpublished, _ = auctioned_lot(
        [("Steppe", "300000000.00")],
        companies=companies,
        event=july,
        number=1,
        deposit=deposit_with(gold, code="KZ-0009", name="Secret Ridge", region=east),
    )
    # June was published before its lots were built here: the publication job publishes
    # the result of each finished one.
    services.publish_late_results()
    return {
        "june": june,
        "july": july,
        "awarded": awarded,
        "failed": failed,
        "cancelled": cancelled,
        "draft": draft,
        "open": still_open,
        "unpublished": unpublished,
    }


def test_events_show_totals_only_once_results_are_published(
    api: APIClient, results: dict[str, Any]
) -> None:
    AuctionEventFactory(code="drafts-only")
    LotFactory(event=AuctionEvent.objects.get(code="drafts-only"), status=Lot.Status.DRAFT)

    events = {event["code"]: event for event in ok(api, "/api/events/")["results"]}
    assert set(events) == {"june-2025", "july-2025"}
    assert events["july-2025"]["totals"] is None
    assert events["july-2025"]["results_published_at"] is None
    assert events["june-2025"]["results_published_at"].endswith("+05:00")
    assert events["june-2025"]["totals"] == {
        "lots_offered": 4,
        "lots_awarded": 1,
        "lots_failed": 2,
        "lots_unfinished": 1,
        "currency": "KZT",
        "bonus_kzt": "150000000.00",
        "kzt_per_usd": "500.0000",
        "bonus_usd": "300000.00",
    }


def test_an_event_shows_its_public_lots_in_order(api: APIClient, results: dict[str, Any]) -> None:
    body = ok(api, "/api/events/june-2025/")
    assert [lot["number"] for lot in body["lots"]] == [1, 2, 3, 5]
    assert body["lots"][0]["deposit"]["code"] == "KZ-0001"
    assert body["lots"][0]["starting_price"] == "100000000.00"
    assert body["totals"]["lots_awarded"] == 1


def test_an_unknown_event_or_one_of_drafts_only_is_404(api: APIClient) -> None:
    LotFactory(event=AuctionEventFactory(code="drafts-only"), status=Lot.Status.DRAFT)
    assert_not_found(get(api, "/api/events/drafts-only/"))
    assert_not_found(get(api, "/api/events/no-such-event/"))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"published": "true"}, ["june-2025"]),
        ({"published": "false"}, ["july-2025"]),
        ({"ordering": "code"}, ["july-2025", "june-2025"]),
        ({"ordering": "-code"}, ["june-2025", "july-2025"]),
        ({"ordering": "name"}, ["july-2025", "june-2025"]),
        ({"ordering": "-name"}, ["june-2025", "july-2025"]),
    ],
)
def test_the_event_filters_and_ordering(
    api: APIClient, results: dict[str, Any], params: Params, expected: list[str]
) -> None:
    assert listed(api, "/api/events/", params) == expected


@pytest.mark.parametrize(
    ("params", "param"),
    [({"published": "maybe"}, "published"), ({"ordering": "bonus"}, "ordering")],
)
def test_bad_event_parameters_are_400(
    api: APIClient, results: dict[str, Any], params: Params, param: str
) -> None:
    assert_invalid(get(api, "/api/events/", params), param)


# --- Results --------------------------------------------------------------------------------


def result_lots(api: APIClient, params: Params | None = None) -> list[int]:
    return [item["lot"]["id"] for item in ok(api, "/api/results/", params)["results"]]


def test_a_published_result_names_the_winner_and_the_bonus(
    api: APIClient, results: dict[str, Any]
) -> None:
    first = ok(api, "/api/results/")["results"][0]
    lot = results["awarded"]
    assert first == {
        "event": {"code": "june-2025", "name": "Solid minerals, June 2025"},
        "lot": {
            "id": lot.pk,
            "number": 1,
            "status": "closed",
            "licence_type": "production",
            "licence_term_years": 25,
            "starting_price": "100000000.00",
        },
        "deposit": {
            "code": "KZ-0001",
            "name": "Altyn Tobe",
            "region": {"code": "east-kazakhstan", "name": "East Kazakhstan"},
            "minerals": ["gold"],
        },
        "outcome": "awarded",
        "winner": {
            "legal_name": "Ridgeline Critical Minerals Inc.",
            "country": "US",
            "participant_number": 1,
        },
        "currency": "KZT",
        "winning_bonus": "150000000.00",
        "bid_count": 3,
        "closed_at": timezone.localtime(lot.result.closed_at).isoformat(),
        # A plain lot: no bid ceiling was in force.
        "bid_ceiling": {"rule": "none", "multiple": None, "winner_ceiling": None},
    }


def test_failed_and_cancelled_lots_are_results_without_a_winner(
    api: APIClient, results: dict[str, Any]
) -> None:
    items = {item["lot"]["number"]: item for item in ok(api, "/api/results/")["results"]}
    assert items[2]["outcome"] == "failed"
    assert items[2]["winner"] is None
    assert items[2]["winning_bonus"] is None
    assert items[2]["bid_count"] == 0
    assert items[3]["outcome"] == "failed"
    assert items[3]["lot"]["status"] == "cancelled"
    assert items[3]["closed_at"] is None


def test_unpublished_results_drafts_and_unfinished_lots_never_leak(
    api: APIClient, results: dict[str, Any]
) -> None:
    shown = result_lots(api)
    assert sorted(shown) == sorted(results[name].pk for name in ("awarded", "failed", "cancelled"))
    body = get(api, "/api/results/").content.decode()
    assert "Secret Ridge" not in body
    assert "300000000" not in body
    # Not even as a filter value: the event's results do not exist yet for the public.
    assert_invalid(get(api, "/api/results/", {"event": "july-2025"}), "event")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"event": "june-2025"}, ["awarded", "failed", "cancelled"]),
        ({"mineral": "gold"}, ["awarded"]),
        ({"mineral": "copper"}, ["failed", "cancelled"]),
        ({"mineral_group": "base_metal"}, ["failed", "cancelled"]),
        ({"region": "east-kazakhstan"}, ["awarded"]),
        ({"licence_type": "production"}, ["awarded"]),
        ({"licence_type": "exploration"}, ["failed", "cancelled"]),
        ({"outcome": "awarded"}, ["awarded"]),
        ({"outcome": "failed"}, ["failed", "cancelled"]),
        ({"outcome": "failed", "region": "karaganda", "q": "sayak"}, ["cancelled"]),
    ],
)
def test_the_result_filters(
    api: APIClient, results: dict[str, Any], params: Params, expected: list[str]
) -> None:
    assert sorted(result_lots(api, params)) == sorted(results[name].pk for name in expected)


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("number", ["awarded", "failed", "cancelled"]),
        ("-number", ["cancelled", "failed", "awarded"]),
        # A cancelled lot has no result, so no bid count: last both ways, on any database.
        ("-bid_count", ["awarded", "failed", "cancelled"]),
        ("bid_count", ["failed", "awarded", "cancelled"]),
        ("deposit", ["awarded", "failed", "cancelled"]),
        ("-deposit", ["cancelled", "failed", "awarded"]),
    ],
)
def test_results_are_ordered_both_ways(
    api: APIClient, results: dict[str, Any], ordering: str, expected: list[str]
) -> None:
    assert result_lots(api, {"ordering": ordering}) == [results[name].pk for name in expected]


def test_results_order_by_winning_bonus_both_ways(api: APIClient, results: dict[str, Any]) -> None:
    bigger, _ = auctioned_lot(
        [("Big Miner", "900000000.00")],
        event=results["june"],
        number=6,
        deposit=deposit_with(Mineral.objects.get(code="gold")),
    )
    services.publish_late_results()
    awarded = {"outcome": "awarded"}
    assert result_lots(api, {**awarded, "ordering": "winning_bonus"}) == [
        results["awarded"].pk,
        bigger.pk,
    ]
    assert result_lots(api, {**awarded, "ordering": "-winning_bonus"}) == [
        bigger.pk,
        results["awarded"].pk,
    ]


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"outcome": "won"}, "outcome"),
        ({"mineral": "unobtainium"}, "mineral"),
        ({"region": "atlantis"}, "region"),
        ({"ordering": "winner"}, "ordering"),
        ({"page": "abc"}, "page"),
    ],
)
def test_bad_result_parameters_are_400(
    api: APIClient, results: dict[str, Any], params: Params, param: str
) -> None:
    assert_invalid(get(api, "/api/results/", params), param)


# --- Licences -------------------------------------------------------------------------------


@pytest.fixture
def registry() -> dict[str, Licence]:
    """Licences of every kind the registry knows, and an offer it must not show yet."""
    gold = mineral("gold")
    tungsten = mineral("tungsten", Mineral.Group.RARE_METAL, is_critical=True)
    east = RegionFactory(code="east-kazakhstan", name="East Kazakhstan")
    karaganda = RegionFactory(code="karaganda", name="Karaganda")

    def licence(number: str, mineral_: Mineral, region: Any, **fields: Any) -> Licence:
        deposit = deposit_with(mineral_, region=region, name=f"Deposit of {number}")
        lot = LotFactory(deposit=deposit, status=Lot.Status.CLOSED, **fields.pop("lot", {}))
        return LicenceFactory(number=number, lot=lot, **fields)

    published = AuctionEventFactory(results_published_at=timezone.now())
    not_yet = {"issued_on": None, "expires_on": None, "status": Licence.Status.AWAITING_PAYMENT}
    return {
        "active": licence(
            "KZ-E-2026-0001",
            gold,
            east,
            holder=CompanyFactory(legal_name="Steppe Mining LLP", country="KZ"),
        ),
        "production": licence(
            "KZ-P-2026-0001",
            tungsten,
            karaganda,
            licence_type=LicenceType.PRODUCTION,
            term_years=25,
            lot={"licence_type": LicenceType.PRODUCTION, "licence_term_years": 25},
            holder=CompanyFactory(legal_name="SinoEarth Resources Co., Ltd.", country="CN"),
            signature_bonus=Decimal("900000000.00"),
            issued_on=date(2026, 3, 1),
            expires_on=date(2051, 3, 1),
        ),
        "expired": licence(
            "KZ-E-2019-0004",
            gold,
            east,
            status=Licence.Status.EXPIRED,
            signature_bonus=Decimal("100000000.00"),
            issued_on=date(2019, 1, 10),
            expires_on=date(2025, 1, 10),
        ),
        "awaiting": licence(
            "KZ-E-2026-0002",
            gold,
            east,
            lot={"event": published},
            signature_bonus=Decimal("50000000.00"),
            **not_yet,
        ),
        "unpublished_offer": licence(
            "KZ-E-2026-0003", tungsten, karaganda, published=False, **not_yet
        ),
    }


def licence_numbers(api: APIClient, params: Params | None = None) -> list[str]:
    return listed(api, "/api/licences/", params, key="number")


def test_a_licence_shows_what_the_registry_shows(
    api: APIClient, registry: dict[str, Licence]
) -> None:
    body = ok(api, "/api/licences/KZ-P-2026-0001/")
    assert body == {
        "number": "KZ-P-2026-0001",
        "holder": {"legal_name": "SinoEarth Resources Co., Ltd.", "country": "CN"},
        "deposit": {
            "code": registry["production"].deposit.code,
            "name": "Deposit of KZ-P-2026-0001",
            "region": {"code": "karaganda", "name": "Karaganda"},
            "minerals": ["tungsten"],
        },
        "licence_type": "production",
        "term_years": 25,
        "area_km2": "12.500",
        "licence_area": None,
        "currency": "KZT",
        "signature_bonus": "900000000.00",
        "status": "active",
        "payment_deadline": None,
        "issued_on": "2026-03-01",
        "expires_on": "2051-03-01",
        "certificate_url": "http://testserver/licences/KZ-P-2026-0001/certificate.pdf",
    }
    awaiting = ok(api, "/api/licences/KZ-E-2026-0002/")
    assert awaiting["payment_deadline"] == "2026-06-29"
    assert awaiting["certificate_url"] is None
    assert awaiting["issued_on"] is None


def test_the_registry_lists_active_licences_unless_asked(
    api: APIClient, registry: dict[str, Licence]
) -> None:
    assert licence_numbers(api) == ["KZ-E-2026-0001", "KZ-P-2026-0001"]
    assert licence_numbers(api, {"status": "expired"}) == ["KZ-E-2019-0004"]
    assert licence_numbers(api, {"status": "awaiting_payment"}) == ["KZ-E-2026-0002"]
    assert set(licence_numbers(api, {"status": "all"})) == {
        "KZ-E-2026-0001",
        "KZ-P-2026-0001",
        "KZ-E-2019-0004",
        "KZ-E-2026-0002",
    }


def test_an_offer_of_unpublished_results_never_leaks(
    api: APIClient, registry: dict[str, Licence]
) -> None:
    assert "KZ-E-2026-0003" not in licence_numbers(api, {"status": "all"})
    assert licence_numbers(api, {"status": "awaiting_payment", "mineral": "tungsten"}) == []
    assert_not_found(get(api, "/api/licences/KZ-E-2026-0003/"))
    assert_not_found(get(api, "/api/licences/KZ-X-0000/"))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"licence_type": "production"}, ["KZ-P-2026-0001"]),
        (
            {"licence_type": "exploration", "status": "all"},
            ["KZ-E-2026-0001", "KZ-E-2026-0002", "KZ-E-2019-0004"],
        ),
        ({"mineral": "tungsten"}, ["KZ-P-2026-0001"]),
        ({"region": "east-kazakhstan"}, ["KZ-E-2026-0001"]),
        (
            {"region": "east-kazakhstan", "status": "all"},
            ["KZ-E-2026-0001", "KZ-E-2026-0002", "KZ-E-2019-0004"],
        ),
        ({"country": "CN"}, ["KZ-P-2026-0001"]),
        ({"country": "KZ"}, ["KZ-E-2026-0001"]),
        ({"country": "FR"}, []),
    ],
)
def test_the_licence_filters(
    api: APIClient, registry: dict[str, Licence], params: Params, expected: list[str]
) -> None:
    assert sorted(licence_numbers(api, params)) == sorted(expected)


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("number", ["KZ-E-2019-0004", "KZ-E-2026-0001", "KZ-E-2026-0002", "KZ-P-2026-0001"]),
        ("-number", ["KZ-P-2026-0001", "KZ-E-2026-0002", "KZ-E-2026-0001", "KZ-E-2019-0004"]),
        (
            "-signature_bonus",
            ["KZ-P-2026-0001", "KZ-E-2026-0001", "KZ-E-2019-0004", "KZ-E-2026-0002"],
        ),
    ],
)
def test_licences_are_ordered_both_ways(
    api: APIClient, registry: dict[str, Licence], ordering: str, expected: list[str]
) -> None:
    assert licence_numbers(api, {"status": "all", "ordering": ordering}) == expected


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"status": "pending"}, "status"),
        ({"country": "XX"}, "country"),
        ({"licence_type": "fishing"}, "licence_type"),
        ({"mineral": "unobtainium"}, "mineral"),
        ({"region": "atlantis"}, "region"),
        ({"ordering": "holder__country"}, "ordering"),
        ({"page_size": "0"}, "page_size"),
    ],
)
def test_bad_licence_parameters_are_400(
    api: APIClient, registry: dict[str, Licence], params: Params, param: str
) -> None:
    assert_invalid(get(api, "/api/licences/", params), param)


# --- Query counts: the same at two sizes ----------------------------------------------------


def grow_catalogue(size: int) -> None:
    """Add `size` deposits, each with two reserves, offered in published lots; each
    auctioned, its result published and its licence issued."""
    event = AuctionEventFactory(results_published_at=timezone.now())
    gold = mineral("gold")
    copper = mineral("copper", Mineral.Group.BASE_METAL)
    for index in range(size):
        region = RegionFactory(code=f"region-{size}-{index}")
        deposit = deposit_with(gold, region=region)
        ReserveFactory(deposit=deposit, mineral=copper)
        LotFactory(deposit=deposit_with(copper, region=region), event=AuctionEventFactory())
        lot, _ = auctioned_lot(
            [(f"Company {size}-{index}", "120000000.00")], event=event, deposit=deposit
        )
        LicenceFactory(lot=lot, holder=lot.result.winner.company)
    services.publish_late_results()


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/regions/", {}),
        ("/api/deposits/", {"mineral": "gold"}),
        ("/api/events/", {}),
        ("/api/lots/", {}),
        ("/api/results/", {"outcome": "awarded"}),
        ("/api/licences/", {"status": "all"}),
    ],
)
def test_a_list_costs_the_same_queries_for_2_items_as_for_12(
    api: APIClient, django_assert_num_queries: Callable[..., Any], url: str, params: Params
) -> None:
    grow_catalogue(2)
    with CaptureQueriesContext(connection) as few:
        small = get(api, url, params)
    assert small.status_code == 200
    # A page, its count, the filters' own lookups and a prefetch or two: never per item.
    assert len(few.captured_queries) <= 8, [query["sql"] for query in few.captured_queries]

    grow_catalogue(10)
    with django_assert_num_queries(len(few.captured_queries)):
        big = get(api, url, params)
    assert big.json()["count"] >= small.json()["count"] + 10


# --- Throttling -----------------------------------------------------------------------------


def test_the_request_past_the_anonymous_rate_is_429_rate_limited_with_retry_after(
    api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DRF reads its throttle rates once, into a class attribute: patch it there.
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    cache.clear()
    for url in ("/api/regions/", "/api/lots/", "/api/licences/"):
        assert get(api, url).status_code == 200

    refused = get(api, "/api/deposits/")
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "rate_limited"
    assert body["message"]
    assert 0 < int(refused["Retry-After"]) <= 60


def test_the_anonymous_rate_counts_per_address_and_spares_logged_in_users(
    api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "1/min"})
    cache.clear()
    assert get(api, "/api/regions/").status_code == 200
    assert get(api, "/api/regions/").status_code == 429
    assert get(api, "/api/regions/", REMOTE_ADDR="203.0.113.9").status_code == 200

    # With no proxy configured, a client cannot pick its address by forging the header.
    forged = get(api, "/api/regions/", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert forged.status_code == 429

    member = APIClient()
    member.force_login(UserFactory(username="reader"))
    assert [get(member, "/api/regions/").status_code for _ in range(3)] == [200, 200, 200]
