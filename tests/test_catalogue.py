"""The public catalogue: lots and deposits by filter, search and sort, each deposit's page,
and the locator map; every page in a fixed number of queries whatever the data size."""

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pages.home
from auctions.models import LicenceType, Lot
from auctions.tests.factories import AuctionEventFactory, LotFactory
from core.money import format_kzt
from demo.catalogue import LOTS as DEMO_LOTS
from deposits import locator
from deposits.models import Deposit, Mineral, Reserve
from deposits.tests.factories import DepositFactory, MineralFactory, RegionFactory, ReserveFactory
from licensing.models import Licence
from licensing.tests.factories import LicenceFactory

pytestmark = pytest.mark.django_db

LOTS_URL = "/lots/"
DEPOSITS_URL = "/deposits/"


def copper() -> Mineral:
    return MineralFactory(code="copper", symbol="Cu", name="Copper", group=Mineral.Group.BASE_METAL)


def cerium() -> Mineral:
    return MineralFactory(code="cerium", symbol="Ce", name="Cerium", group=Mineral.Group.RARE_EARTH)


def lot_of(mineral: Mineral | None = None, **fields: object) -> Lot:
    """Return a published lot whose deposit holds a reserve of `mineral` (gold by default)."""
    lot = LotFactory(**fields)
    ReserveFactory(deposit=lot.deposit, mineral=mineral or MineralFactory())
    return lot


def page_of(client: Client, url: str, **params: object) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def listed_lot_names(page: str) -> list[str]:
    """Return the deposit names of the catalogue's rows, in order."""
    return re.findall(r'<a href="/lots/\d+/">([^<]+)</a>', page)


def listed_deposit_names(page: str) -> list[str]:
    return re.findall(r'<a href="/deposits/[\w-]+/">([^<]+)</a></td>', page)


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# --- Lot catalogue ------------------------------------------------------------------------


def test_lot_catalogue_lists_public_lots_with_their_terms_and_never_drafts(client: Client) -> None:
    lot = lot_of(
        deposit__name="Kuirektykol",
        deposit__code="KZ-ULY-0101",
        starting_price=Decimal("850000000.00"),
        licence_type=LicenceType.EXPLORATION,
        licence_term_years=6,
    )
    ReserveFactory(deposit=lot.deposit, mineral=cerium())
    lot_of(deposit__name="Secret draft", status=Lot.Status.DRAFT)

    page = page_of(client, LOTS_URL)

    assert listed_lot_names(page) == ["Kuirektykol"]
    assert "Secret draft" not in page
    assert f'href="/lots/{lot.pk}/"' in page
    assert 'href="/deposits/KZ-ULY-0101/"' in page
    assert format_kzt(Decimal("850000000.00")) in page
    assert "Exploration, 6 years" in page
    assert "Cerium, Gold" in page
    assert lot.event.name in page
    # The application deadline and the auction start, in Astana time named in words.
    assert page.count('<span class="time-zone">Astana time (UTC+5)</span>') == 2
    assert "1 lot<" in page


@pytest.mark.parametrize(
    ("param", "value_of"),
    [
        ("mineral", lambda lot: "copper"),
        ("mineral_group", lambda lot: Mineral.Group.BASE_METAL),
        ("region", lambda lot: lot.deposit.region.code),
        ("licence_type", lambda lot: LicenceType.PRODUCTION),
        ("status", lambda lot: Lot.Status.LIVE),
        ("event", lambda lot: lot.event.code),
    ],
)
def test_each_lot_filter_keeps_only_matching_lots(
    client: Client, param: str, value_of: Callable[[Lot], str]
) -> None:
    now = timezone.now()
    wanted = lot_of(
        copper(),
        deposit__name="Wanted",
        licence_type=LicenceType.PRODUCTION,
        licence_term_years=25,
        status=Lot.Status.LIVE,
        application_deadline=now - timedelta(days=2),
        starts_at=now - timedelta(minutes=5),
    )
    lot_of(deposit__name="Other")

    page = page_of(client, LOTS_URL, **{param: value_of(wanted)})

    assert listed_lot_names(page) == ["Wanted"]
    assert "errorlist" not in page


@pytest.mark.parametrize(
    ("field", "name", "term"),
    [
        ("name_ru", "Куйректыколь", "куйрек"),
        ("name_kk", "Күйректікөл", "Күйректі"),
        ("name_zh_hans", "奎列克特科尔", "奎列克"),
    ],
)
def test_lot_search_finds_a_deposit_by_its_name_in_another_language(
    client: Client, field: str, name: str, term: str
) -> None:
    lot_of(deposit=DepositFactory(name="Kuirektykol", **{field: name}))
    lot_of(deposit__name="Taldysai")

    assert listed_lot_names(page_of(client, LOTS_URL, q=term)) == ["Kuirektykol"]


def test_lot_search_finds_a_cadastre_code(client: Client) -> None:
    lot_of(deposit__name="Kuirektykol", deposit__code="KZ-ULY-0101")
    lot_of(deposit__name="Taldysai", deposit__code="KZ-KOS-0214")

    assert listed_lot_names(page_of(client, LOTS_URL, q="uly-01")) == ["Kuirektykol"]


def test_lots_sort_by_starting_price_both_ways(client: Client) -> None:
    for name, price in (("Middle", "200000000.00"), ("Cheap", "100000000.00"), ("Dear", "3e8")):
        lot_of(deposit__name=name, starting_price=Decimal(price))

    ascending = listed_lot_names(page_of(client, LOTS_URL, ordering="starting_price"))
    descending = listed_lot_names(page_of(client, LOTS_URL, ordering="-starting_price"))

    assert ascending == ["Cheap", "Middle", "Dear"]
    assert descending == ["Dear", "Middle", "Cheap"]


def test_lots_are_listed_by_auction_start_unless_asked(client: Client) -> None:
    soon = timezone.now() + timedelta(days=1)
    lot_of(deposit__name="Later", application_deadline=soon + timedelta(days=5))
    lot_of(deposit__name="Sooner", application_deadline=soon)

    assert listed_lot_names(page_of(client, LOTS_URL)) == ["Sooner", "Later"]


def test_lot_pages_keep_the_filters_and_never_repeat_a_lot(client: Client) -> None:
    # Lots starting at the same moment: only the tie-breaker keeps the pages apart.
    deadline = timezone.now() + timedelta(days=3)
    event = AuctionEventFactory()
    for number in range(27):
        lot_of(event=event, deposit__name=f"Gold {number:02d}", application_deadline=deadline)
    lot_of(copper(), deposit__name="Copper lot")

    first = page_of(client, LOTS_URL, mineral="gold")
    second = page_of(client, LOTS_URL, mineral="gold", page=2)

    assert "27 lots" in first
    assert len(listed_lot_names(first)) == 25
    assert 'href="?mineral=gold&amp;page=2" rel="next"' in first
    assert "Page 1 of 2" in first
    assert len(listed_lot_names(second)) == 2
    assert set(listed_lot_names(first)).isdisjoint(listed_lot_names(second))
    assert "Copper lot" not in first + second
    assert 'href="?mineral=gold&amp;page=1" rel="prev"' in second


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"mineral": "unobtainium"}, "mineral"),
        ({"status": Lot.Status.DRAFT}, "status"),
        ({"ordering": "password"}, "ordering"),
        ({"event": "no-such-event"}, "event"),
        ({"licence_type": "forever"}, "licence_type"),
        ({"mineral_group": "kryptonite"}, "mineral_group"),
        ({"region": ["a", "b"]}, "region"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_a_bad_lot_filter_is_shown_as_a_form_error_and_ignored(
    client: Client, params: dict[str, object], field: str
) -> None:
    lot_of(deposit__name="Visible")
    lot_of(deposit__name="Draft", status=Lot.Status.DRAFT)

    page = page_of(client, LOTS_URL, **params)

    assert 'role="alert"' in page
    assert f'href="#id_{field}"' in page
    assert re.search(
        rf'id="id_{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="id_{field}"', page
    )
    assert listed_lot_names(page) == ["Visible"]


def test_a_bad_filter_leaves_the_good_ones_applied(client: Client) -> None:
    lot_of(copper(), deposit__name="Copper lot")
    lot_of(deposit__name="Gold lot")

    page = page_of(client, LOTS_URL, mineral="copper", ordering="nonsense")

    assert listed_lot_names(page) == ["Copper lot"]


@pytest.mark.parametrize("number", ["abc", "0", "-1", "999", "1e9", ""])
def test_an_odd_page_number_never_fails(client: Client, number: str) -> None:
    lot_of(deposit__name="Only lot")
    assert listed_lot_names(page_of(client, LOTS_URL, page=number)) == ["Only lot"]


def test_no_matching_lot_shows_the_empty_state_and_a_reset_link(client: Client) -> None:
    lot_of(deposit__name="Gold lot")

    page = page_of(client, LOTS_URL, q="zzzz")

    assert "No lots match these filters." in page
    assert "0 lots" in page
    assert f'href="{LOTS_URL}">Reset the filters' in page


def test_lot_filter_choices_offer_only_public_statuses_and_events(client: Client) -> None:
    lot_of(event__name="Open event")
    lot_of(event__name="Draft-only event", status=Lot.Status.DRAFT)

    page = page_of(client, LOTS_URL)

    assert "Open event" in page
    assert "Draft-only event" not in page
    assert '<option value="draft"' not in page


def _lots(count: int) -> None:
    for _ in range(count):
        lot = lot_of(copper())
        ReserveFactory(deposit=lot.deposit, mineral=MineralFactory(), category="C2")


@pytest.mark.parametrize(
    "query",
    ["", "?mineral=copper&region=&status=published&ordering=-starting_price&q=Deposit&page=1"],
)
def test_lot_catalogue_queries_do_not_grow_with_the_number_of_lots(
    client: Client, query: str
) -> None:
    _lots(3)
    few = queries_for(client, LOTS_URL + query)
    _lots(27)
    many = queries_for(client, LOTS_URL + query)

    assert len(listed_lot_names(page_of(client, LOTS_URL + query))) == 25
    assert many == few


# --- Deposit catalogue --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("param", "value_of"),
    [
        ("mineral", lambda deposit: "copper"),
        ("mineral_group", lambda deposit: Mineral.Group.BASE_METAL),
        ("region", lambda deposit: deposit.region.code),
        ("status", lambda deposit: Deposit.Status.LICENSED),
        ("q", lambda deposit: "wan"),
        ("q", lambda deposit: deposit.code),
    ],
)
def test_each_deposit_filter_keeps_only_matching_deposits(
    client: Client, param: str, value_of: Callable[[Deposit], str]
) -> None:
    wanted = DepositFactory(name="Wanted", status=Deposit.Status.LICENSED)
    ReserveFactory(deposit=wanted, mineral=copper())
    ReserveFactory(deposit=DepositFactory(name="Other"))

    page = page_of(client, DEPOSITS_URL, **{param: value_of(wanted)})

    assert listed_deposit_names(page) == ["Wanted"]


def test_deposit_catalogue_rows_show_code_region_minerals_and_status(client: Client) -> None:
    deposit = DepositFactory(
        name="Kuirektykol", code="KZ-ULY-0101", region=RegionFactory(name="Ulytau Region")
    )
    for category in ("C1", "C2"):
        ReserveFactory(deposit=deposit, mineral=cerium(), category=category)

    page = page_of(client, DEPOSITS_URL)

    assert 'href="/deposits/KZ-ULY-0101/">Kuirektykol</a>' in page
    assert "<code>KZ-ULY-0101</code>" in page
    assert "Ulytau Region" in page
    assert ">Cerium<" in page  # once, although it has two categories
    assert "Available" in page


def test_deposit_search_in_russian_finds_the_english_named_deposit(client: Client) -> None:
    DepositFactory(name="Taldysai", name_ru="Талдысай")
    DepositFactory(name="Kuirektykol", name_ru="Куйректыколь")

    assert listed_deposit_names(page_of(client, DEPOSITS_URL, q="талды")) == ["Taldysai"]


def test_deposits_sort_by_name_both_ways(client: Client) -> None:
    for name in ("Beta", "Alpha", "Gamma"):
        DepositFactory(name=name)

    assert listed_deposit_names(page_of(client, DEPOSITS_URL)) == ["Alpha", "Beta", "Gamma"]
    descending = listed_deposit_names(page_of(client, DEPOSITS_URL, ordering="-name"))
    assert descending == ["Gamma", "Beta", "Alpha"]


def test_a_bad_deposit_filter_is_shown_and_ignored(client: Client) -> None:
    DepositFactory(name="Alpha")

    page = page_of(client, DEPOSITS_URL, status="secret", mineral="nope")

    assert 'href="#id_status"' in page
    assert 'href="#id_mineral"' in page
    assert listed_deposit_names(page) == ["Alpha"]


def test_deposit_pages_keep_the_filters(client: Client) -> None:
    region = RegionFactory(code="ulytau")
    for number in range(26):
        DepositFactory(name=f"Deposit {number:02d}", region=region)
    DepositFactory(name="Elsewhere")

    first = page_of(client, DEPOSITS_URL, region="ulytau", ordering="-name")
    second = page_of(client, DEPOSITS_URL, region="ulytau", ordering="-name", page=2)

    assert 'href="?region=ulytau&amp;ordering=-name&amp;page=2"' in first
    assert listed_deposit_names(first)[0] == "Deposit 25"
    assert listed_deposit_names(second) == ["Deposit 00"]


def test_the_overview_map_has_one_dot_per_listed_deposit(client: Client) -> None:
    for number in range(27):
        DepositFactory(name=f"Deposit {number:02d}")

    page = page_of(client, DEPOSITS_URL)

    assert page.count('class="locator-dot"') == 25
    assert "<title>Deposit 00</title>" in page
    assert "25 deposits are shown as dots" in page


def _deposits(count: int) -> None:
    for _ in range(count):
        deposit = ReserveFactory(mineral=copper()).deposit
        ReserveFactory(deposit=deposit, mineral=MineralFactory())


@pytest.mark.parametrize("query", ["", "?mineral=copper&mineral_group=base_metal&q=dep&page=1"])
def test_deposit_catalogue_queries_do_not_grow_with_the_number_of_deposits(
    client: Client, query: str
) -> None:
    _deposits(3)
    few = queries_for(client, DEPOSITS_URL + query)
    _deposits(27)
    many = queries_for(client, DEPOSITS_URL + query)

    assert len(listed_deposit_names(page_of(client, DEPOSITS_URL + query))) == 25
    assert many == few


# --- Deposit page -------------------------------------------------------------------------


def test_deposit_page_shows_place_reserves_lots_and_licences(client: Client) -> None:
    deposit = DepositFactory(
        name="Kuirektykol",
        code="KZ-ULY-0101",
        region=RegionFactory(name="Ulytau Region"),
        latitude=Decimal("48.36000"),
        longitude=Decimal("70.42000"),
        area_km2=Decimal("273.500"),
        licensing_blocks=120,
        description="Rare-earth weathering crust.",
        exploration_history="Drilled in the Soviet era.",
    )
    gold = MineralFactory()
    for category in ("C2", "A", "C1"):
        ReserveFactory(deposit=deposit, mineral=gold, category=category)
    ReserveFactory(
        deposit=deposit,
        mineral=cerium(),
        category=Reserve.Category.INFERRED,
        quantity=Decimal("432000"),
        unit=Reserve.Unit.TONNE,
        grade=Decimal("0.058"),
        grade_unit=Reserve.GradeUnit.PERCENT,
        source="KAZRC report, 2024",
    )
    published = LotFactory(deposit=deposit, number=7, event__name="June auction")
    draft = LotFactory(deposit=deposit, number=8, status=Lot.Status.DRAFT)
    LicenceFactory(number="KZ-E-2026-0042", deposit=deposit, lot__deposit=deposit)
    LicenceFactory(
        number="KZ-E-2026-0043",
        deposit=deposit,
        lot__deposit=deposit,
        status=Licence.Status.AWAITING_PAYMENT,
        issued_on=None,
        expires_on=None,
        published=False,
    )

    page = page_of(client, "/deposits/KZ-ULY-0101/")

    assert "<h1>Kuirektykol</h1>" in page
    assert "Ulytau Region" in page
    assert "48.36° N, 70.42° E" in page
    assert "273.50 km²" in page
    assert "120 licensing blocks" in page
    assert "Rare-earth weathering crust." in page
    assert "Drilled in the Soviet era." in page
    categories = re.findall(r'data-label="Category">([^<]+)<', page)
    assert categories == ["Inferred ", "A", "C1", "C2"]  # cerium first, then by category rank
    assert "432,000 t" in page
    assert "0.0580 %" in page
    assert "KAZRC report, 2024" in page
    assert f'href="/lots/{published.pk}/"' in page
    assert "Lot 7, June auction" in page
    assert f'href="/lots/{draft.pk}/"' not in page
    assert "KZ-E-2026-0042" in page
    # An offer awaiting payment names a winner: public only with the published results.
    assert "KZ-E-2026-0043" not in page


def test_deposit_page_map_marks_the_deposit_where_it_projects(client: Client) -> None:
    deposit = DepositFactory(latitude=Decimal("48.36000"), longitude=Decimal("70.42000"))
    at = locator.project(deposit.latitude, deposit.longitude)

    page = page_of(client, f"/deposits/{deposit.code}/")

    assert f'class="locator-marker" cx="{at.x}" cy="{at.y}"' in page
    assert 'role="img" aria-labelledby="deposit-map-title deposit-map-desc"' in page
    assert '<title id="deposit-map-title">Location of ' in page
    assert "centre is at 48.36° N, 70.42° E" in page


def test_unknown_deposit_code_is_404(client: Client) -> None:
    DepositFactory(code="KZ-ULY-0101")
    assert client.get("/deposits/KZ-NOT-0000/").status_code == 404


def _deposit_history(deposit: Deposit, count: int, start: int) -> None:
    minerals = [MineralFactory(code=f"mineral-{n}", name=f"Mineral {n}") for n in range(4)]
    for n in range(start, start + count):
        ReserveFactory(
            deposit=deposit,
            mineral=minerals[n // len(Reserve.Category.values)],
            category=Reserve.Category.values[n % len(Reserve.Category.values)],
        )
        LotFactory(deposit=deposit, status=Lot.Status.FAILED)
        LicenceFactory(deposit=deposit, lot__deposit=deposit, status=Licence.Status.EXPIRED)


def test_deposit_page_queries_do_not_grow_with_reserves_lots_and_licences(client: Client) -> None:
    deposit = DepositFactory()
    _deposit_history(deposit, 3, start=0)
    few = queries_for(client, f"/deposits/{deposit.code}/")
    _deposit_history(deposit, 27, start=3)
    many = queries_for(client, f"/deposits/{deposit.code}/")

    assert deposit.reserves.count() == 30
    assert many == few


# --- Locator ------------------------------------------------------------------------------


def is_within_outline(latitude: float, longitude: float) -> bool:
    """Say whether a point lies inside the drawn national outline (ray casting)."""
    inside = False
    points = locator.OUTLINE
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        if (y1 > latitude) != (y2 > latitude):
            crossing = x1 + (latitude - y1) * (x2 - x1) / (y2 - y1)
            if longitude < crossing:
                inside = not inside
    return inside


def test_every_demo_deposit_and_city_lies_inside_the_drawn_outline() -> None:
    outside = [row.code for row in DEMO_LOTS if not is_within_outline(*map(float, row.at))]
    cities = [locator.CAPITAL, *locator.CITIES]
    outside += [str(name) for name, lat, lon in cities if not is_within_outline(lat, lon)]
    assert outside == []
    # The seas and the neighbours are outside.
    assert not is_within_outline(42.0, 50.0)  # Caspian Sea
    assert not is_within_outline(41.3, 69.3)  # Tashkent
    assert not is_within_outline(55.0, 73.4)  # Omsk


def test_projection_puts_north_up_and_west_left() -> None:
    assert locator.project(56, 46) == locator.Point(0, 0)
    corner = locator.project(40, 88)
    assert abs(corner.x - locator.WIDTH) < 1
    assert corner.y == locator.HEIGHT
    astana = locator.project(51.17, 71.45)
    almaty = locator.project(43.24, 76.89)
    assert astana.y < almaty.y
    assert astana.x < almaty.x


@pytest.mark.parametrize("language", ["ru", "kk", "zh-hans"])
def test_map_numbers_are_never_localised(client: Client, language: str) -> None:
    deposit = DepositFactory(latitude=Decimal("48.36000"), longitude=Decimal("70.42000"))

    page = page_of(client, f"/{language}/deposits/{deposit.code}/")

    svg = page[page.index("<svg") : page.index("</svg>")]
    numbers = re.findall(r'(?:cx|cy|x|y|x1|y1|x2|y2|viewBox|d)="([^"]*)"', svg)
    assert numbers
    assert not [number for number in numbers if "," in number and " " not in number]
    assert "," not in re.search(r'viewBox="([^"]*)"', svg).group(1)


# --- Lot page, home and navigation ------------------------------------------------------------


def test_lot_page_links_its_deposit_and_shows_the_locator(client: Client) -> None:
    lot = lot_of(deposit__name="Kuirektykol", deposit__code="KZ-ULY-0101")

    page = page_of(client, f"/lots/{lot.pk}/")

    assert '<a href="/deposits/KZ-ULY-0101/">Kuirektykol</a></h2>' in page
    assert 'class="locator-marker"' in page
    assert 'role="img"' in page


def test_home_leads_into_the_catalogue_by_search_and_mineral_group(client: Client) -> None:
    lot_of(cerium())
    lot_of(cerium())
    lot_of(copper())
    lot_of(copper(), status=Lot.Status.DRAFT)

    page = page_of(client, "/")

    assert f'action="{LOTS_URL}"' in page
    assert 'name="q"' in page
    assert (
        f'href="{LOTS_URL}?mineral_group=rare_earth">Rare earth <span class="count">2 lots' in page
    )
    assert (
        f'href="{LOTS_URL}?mineral_group=base_metal">Base metal <span class="count">1 lot' in page
    )
    assert "mineral_group=energy" not in page
    assert f'<a href="{LOTS_URL}">Lots</a>' in page
    assert f'<a href="{DEPOSITS_URL}">Deposits</a>' in page


@pytest.mark.parametrize("url", [LOTS_URL, DEPOSITS_URL])
@pytest.mark.parametrize("language", ["ru", "kk", "zh-hans"])
def test_catalogues_render_in_each_language(client: Client, url: str, language: str) -> None:
    lot_of()
    response = client.get(f"/{language}{url}")
    assert response.status_code == 200
    assert f'lang="{language}"' in response.content.decode()


def test_home_shows_each_events_first_lots_and_links_the_rest(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages.home, "HOME_LOTS_PER_EVENT", 10)
    event = AuctionEventFactory(code="june-2025", name="June auction")
    for number in range(1, 13):
        lot_of(event=event, number=number, deposit__name=f"Deposit {number:02d}")
    lot_of(event=event, number=13, deposit__name="Draft deposit", status=Lot.Status.DRAFT)

    page = page_of(client, "/")

    assert "Deposit 10" in page
    assert "Deposit 11" not in page
    assert f'href="{LOTS_URL}?event=june-2025&amp;ordering=number">See all 12 lots' in page
