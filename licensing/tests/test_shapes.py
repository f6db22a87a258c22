"""Licence areas and deposit outlines as shapes: imported with the lots and deposits,
checked in words, served in the API and the registry, and drawn on the maps."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from auctions.models import Lot
from auctions.tests.factories import AuctionEventFactory, LotFactory
from deposits.models import Deposit
from deposits.tests.factories import DepositFactory, RegionFactory
from deposits.tests.shapes import square
from licensing.tests.factories import LicenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client, staff_clerk) -> Client:
    client.force_login(staff_clerk)
    return client


def upload_csv(client: Client, model: type, rows: list[list[object]]):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    formats = admin.site._registry[model].get_import_formats()
    index = next(i for i, f in enumerate(formats) if f().get_title() == "csv")
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_import")
    return client.post(
        url,
        {
            "format": str(index),
            "import_file": SimpleUploadedFile("shapes.csv", buffer.getvalue().encode()),
        },
    )


def confirm(client: Client, model: type, response) -> None:
    form = response.context["confirm_form"]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_process_import")
    data = {name: form.initial.get(name, "") for name in form.fields}
    assert client.post(url, data).status_code == 302


DEPOSIT_COLUMNS = ["code", "name_en", "region", "latitude", "longitude", "area_km2", "outline"]


def test_deposits_import_with_their_outlines(staff_client) -> None:
    RegionFactory(code="ulytau")
    outline = square(67.15, 48.61, 10)
    response = upload_csv(
        staff_client,
        Deposit,
        [
            DEPOSIT_COLUMNS,
            ["KZ-ULY-0101", "Kuirektykol", "ulytau", "48.61", "67.15", "100", json.dumps(outline)],
            ["KZ-ULY-0102", "Akbakai", "ulytau", "48.62", "67.15", "12", ""],
        ],
    )
    assert "confirm_form" in response.context, response.content.decode()[:3000]
    confirm(staff_client, Deposit, response)
    assert Deposit.objects.get(code="KZ-ULY-0101").outline == outline
    assert Deposit.objects.get(code="KZ-ULY-0102").outline is None


def test_bad_outlines_are_reported_row_by_row_in_words(staff_client) -> None:
    RegionFactory(code="ulytau")
    open_ring = square(67.15, 48.61, 10)
    open_ring["coordinates"][0].pop()
    rows = [
        DEPOSIT_COLUMNS,
        ["KZ-1", "Open", "ulytau", "48.61", "67.15", "100", json.dumps(open_ring)],
        ["KZ-2", "Moscow", "ulytau", "48.61", "67.15", "100", json.dumps(square(37.6, 55.7, 10))],
        [
            "KZ-3",
            "Too big",
            "ulytau",
            "48.61",
            "67.15",
            "12.5",
            json.dumps(square(67.15, 48.6, 10)),
        ],
        ["KZ-4", "Not JSON", "ulytau", "48.61", "67.15", "12.5", "[[67, 48], [68"],
    ]
    response = upload_csv(staff_client, Deposit, rows)
    assert "confirm_form" not in response.context
    page = response.content.decode()
    assert "Row 1, outline: " in page
    assert "the ring is not closed" in page
    assert "Row 2, outline: " in page
    assert "lies outside Kazakhstan" in page
    assert "Row 3, outline: " in page
    assert "but the declared area is 12.5 km²" in page
    assert "Row 4, outline: " in page
    assert "This is not GeoJSON" in page
    assert "Traceback" not in page
    assert "<class" not in page
    assert Deposit.objects.count() == 0


def test_lots_import_with_their_licence_areas(staff_client) -> None:
    event = AuctionEventFactory(code="solid-2030-06")
    DepositFactory(code="KZ-ULY-0101")
    area = square(73.1, 49.8, 6.2)
    header = [
        "event", "number", "deposit", "licence_type", "licence_term_years", "area_km2",
        "licence_area", "min_annual_work_expenditure", "starting_price", "bid_step",
        "participation_fee", "guarantee_deposit", "application_deadline", "starts_at",
        "ends_at", "hard_end", "soft_close_window", "single_participant_rule",
    ]  # fmt: skip
    row = [
        event.code, 7, "KZ-ULY-0101", "production", 25, "38.5", json.dumps(area), 120000000,
        2500000000, 50000000, 25000000, 250000000, "2030-06-01 18:00", "2030-06-20 10:00",
        "2030-06-20 12:00", "2030-06-20 13:00", "0:05:00", "cancel",
    ]  # fmt: skip
    wrong = [*row[:1], 8, *row[2:6], json.dumps(square(73.1, 49.8, 20)), *row[7:]]
    response = upload_csv(staff_client, Lot, [header, row, wrong])
    page = response.content.decode()
    assert "Row 2, licence_area: " in page
    assert "the declared area is 38.5 km²" in page
    response = upload_csv(staff_client, Lot, [header, row])
    confirm(staff_client, Lot, response)
    assert Lot.objects.get(event=event, number=7).licence_area == area


def test_the_api_serves_outlines_and_licence_areas_as_geojson_geometry() -> None:
    outline = square(73.1, 49.8, 3.54)
    deposit = DepositFactory(code="KZ-SHAPE-1", outline=outline)
    area = square(73.1, 49.8, 3.3)
    lot = LotFactory(deposit=deposit, area_km2=Decimal("11"), licence_area=area)
    bare = LotFactory()
    api = APIClient()
    assert api.get("/api/deposits/KZ-SHAPE-1/").json()["outline"] == outline
    body = api.get(f"/api/lots/{lot.pk}/").json()
    assert body["licence_area"] == area
    assert body["licence_area"]["type"] == "Polygon"
    assert api.get(f"/api/lots/{bare.pk}/").json()["licence_area"] is None
    listed = {item["id"]: item for item in api.get("/api/lots/").json()["results"]}
    assert listed[lot.pk]["licence_area"] == area


def test_the_registry_serves_a_licences_area_from_its_lot() -> None:
    area = square(73.1, 49.8, 3.3)
    licence = LicenceFactory(lot__licence_area=area, lot__area_km2=Decimal("11"))
    bare = LicenceFactory()
    api = APIClient()
    listed = {item["number"]: item for item in api.get("/api/licences/").json()["results"]}
    assert listed[licence.number]["licence_area"] == area
    assert listed[bare.number]["licence_area"] is None

    page = Client().get(reverse("licensing:registry")).content.decode()
    geojson_url = reverse("licensing:area", args=[licence.number])
    assert geojson_url in page
    assert reverse("licensing:area", args=[bare.number]) not in page
    response = Client().get(geojson_url)
    assert response["Content-Type"] == "application/geo+json"
    feature = json.loads(response.content)
    assert feature["type"] == "Feature"
    assert feature["geometry"] == area
    assert feature["properties"]["licence"] == licence.number
    assert Client().get(reverse("licensing:area", args=[bare.number])).status_code == 404


def test_the_lot_page_draws_the_licence_area_instead_of_a_centre_dot(client: Client) -> None:
    lot = LotFactory(area_km2=Decimal("11"), licence_area=square(73.1, 49.8, 3.3))
    page = client.get(reverse("lot", args=[lot.pk])).content.decode()
    assert 'class="locator-area" d="M' in page
    assert 'class="locator-inset-area" d="M' in page
    assert "The lot's licence area" in page
    assert 'class="locator-marker"' not in page
    assert "style=" not in page


def test_the_deposit_page_draws_the_outline_and_without_one_the_dot(client: Client) -> None:
    shaped = DepositFactory(outline=square(73.1, 49.8, 3.54))
    bare = DepositFactory()
    page = client.get(reverse("deposit", args=[shaped.code])).content.decode()
    assert 'class="locator-inset-area" d="M' in page
    assert "The deposit's outline" in page
    page = client.get(reverse("deposit", args=[bare.code])).content.decode()
    assert 'class="locator-marker"' in page
    assert "locator-inset" not in page
