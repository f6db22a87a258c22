"""Bulk import of deposits, reserves and lots from CSV and XLSX in the admin."""

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from auctions.models import Lot
from auctions.tests.factories import AuctionEventFactory, LotFactory
from deposits.models import Deposit, Reserve
from deposits.tests.factories import DepositFactory, MineralFactory, RegionFactory

pytestmark = pytest.mark.django_db

DEPOSIT_HEADER = "code,name_en,name_ru,region,latitude,longitude,area_km2,last_surveyed_year\n"


@pytest.fixture
def staff_client(client: Client, staff_clerk) -> Client:
    client.force_login(staff_clerk)
    return client


@pytest.fixture
def regions() -> None:
    RegionFactory(code="ulytau", name="Ulytau")
    RegionFactory(code="abai", name="Abai")


def format_index(model: type, title: str) -> str:
    formats = admin.site._registry[model].get_import_formats()
    return str(next(i for i, f in enumerate(formats) if f().get_title() == title))


def upload(client: Client, model: type, name: str, content: bytes, title: str):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_import")
    return client.post(
        url,
        {
            "format": format_index(model, title),
            "import_file": SimpleUploadedFile(name, content),
        },
    )


def confirm(client: Client, model: type, response) -> None:
    form = response.context["confirm_form"]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_process_import")
    data = {name: form.initial.get(name, "") for name in form.fields}
    result = client.post(url, data)
    assert result.status_code == 302


def test_good_deposit_csv_imports_every_row(staff_client, regions) -> None:
    csv = (
        DEPOSIT_HEADER
        + "KZ-ULY-0101,Kuirektykol,Куйректыколь,ulytau,48.61000,67.15000,38.5,1987\n"
        + "KZ-ABA-0202,Bakyrchik East,Бакырчик Восточный,abai,49.70000,81.60000,12,1991\n"
    ).encode()
    response = upload(staff_client, Deposit, "deposits.csv", csv, "csv")
    assert response.status_code == 200
    assert "confirm_form" in response.context
    assert Deposit.objects.count() == 0  # the first step is a dry run
    confirm(staff_client, Deposit, response)
    kuirektykol = Deposit.objects.get(code="KZ-ULY-0101")
    assert kuirektykol.name_ru == "Куйректыколь"
    assert kuirektykol.region.code == "ulytau"
    assert kuirektykol.area_km2 == Decimal("38.5")
    assert Deposit.objects.count() == 2


def test_bad_deposit_csv_shows_row_errors_and_imports_nothing(staff_client, regions) -> None:
    csv = (
        DEPOSIT_HEADER
        + "KZ-ULY-0101,Kuirektykol,Куйректыколь,ulytau,48.61000,67.15000,38.5,1987\n"
        + "KZ-XXX-0001,Offshore,Офшор,ulytau,30.00000,67.15000,10,1990\n"
        + "KZ-XXX-0002,Nowhere,Нигде,atlantis,48.00000,67.00000,10,1990\n"
        + "KZ-XXX-0003,Negative,Отрицательное,abai,49.00000,80.00000,-5,1990\n"
    ).encode()
    response = upload(staff_client, Deposit, "deposits.csv", csv, "csv")
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    page = response.content.decode()
    assert "within Kazakhstan" in page
    assert "There is no region with code &#x27;atlantis&#x27;" in page
    assert "area must be positive" in page
    result = response.context["result"]
    assert {row.number for row in result.invalid_rows} | {
        error.number for errors in [e for _, e in result.row_errors()] for error in errors
    } == {2, 3, 4}
    assert Deposit.objects.count() == 0


def test_reserves_import_from_xlsx(staff_client) -> None:
    deposit = DepositFactory(code="KZ-ULY-0101")
    MineralFactory(code="cerium", name="Cerium", symbol="Ce", group="rare_earth")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "deposit",
            "mineral",
            "category",
            "quantity",
            "unit",
            "grade",
            "grade_unit",
            "estimated_on",
            "source",
        ]
    )
    sheet.append(
        [
            "KZ-ULY-0101",
            "cerium",
            "C2",
            "800000",
            "t",
            "0.45",
            "%",
            "1989-03-01",
            "State balance of mineral reserves, 1989",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(staff_client, Reserve, "reserves.xlsx", buffer.getvalue(), "xlsx")
    assert "confirm_form" in response.context, response.content.decode()[:2000]
    confirm(staff_client, Reserve, response)
    reserve = Reserve.objects.get(deposit=deposit)
    assert reserve.quantity == Decimal("800000")
    assert reserve.mineral.code == "cerium"


def lot_csv(event_code: str, deposit_code: str, number: int, starting_price: str) -> bytes:
    header = (
        "event,number,deposit,licence_type,licence_term_years,area_km2,"
        "min_annual_work_expenditure,starting_price,bid_step,participation_fee,"
        "guarantee_deposit,application_deadline,starts_at,ends_at,hard_end,"
        "soft_close_window,single_participant_rule\n"
    )
    row = (
        f"{event_code},{number},{deposit_code},production,25,38.5,120000000,{starting_price},"
        "50000000,25000000,250000000,2030-06-01 18:00,2030-06-20 10:00,2030-06-20 12:00,"
        "2030-06-20 13:00,0:05:00,cancel\n"
    )
    return (header + row).encode()


def test_lots_import_as_drafts_in_astana_time(staff_client) -> None:
    event = AuctionEventFactory(code="solid-2030-06")
    DepositFactory(code="KZ-ULY-0101")
    response = upload(
        staff_client, Lot, "lots.csv", lot_csv(event.code, "KZ-ULY-0101", 7, "2500000000"), "csv"
    )
    assert "confirm_form" in response.context, response.content.decode()[:3000]
    confirm(staff_client, Lot, response)
    lot = Lot.objects.get(event=event, number=7)
    assert lot.status == Lot.Status.DRAFT
    assert lot.starting_price == Decimal("2500000000")
    # Staff enter Astana time: 10:00 in Astana (UTC+5) is 05:00 UTC.
    assert lot.starts_at == datetime(2030, 6, 20, 5, 0, tzinfo=UTC)


def test_lots_import_refuses_to_change_a_published_lot(staff_client) -> None:
    lot = LotFactory(status=Lot.Status.PUBLISHED, deposit__code="KZ-ABA-0202")
    response = upload(
        staff_client,
        Lot,
        "lots.csv",
        lot_csv(lot.event.code, "KZ-ABA-0202", lot.number, "1"),
        "csv",
    )
    assert "confirm_form" not in response.context
    assert "only draft lots can be changed by import" in response.content.decode()
    lot.refresh_from_db()
    assert lot.starting_price == Decimal("100000000.00")


def test_a_bad_number_names_the_row_column_and_value_in_words(staff_client, regions) -> None:
    csv = (
        DEPOSIT_HEADER
        + "KZ-ULY-0101,Kuirektykol,Куйректыколь,ulytau,48.61000,67.15000,38.5,1987\n"
        + "KZ-ULY-0102,Akbakai,Акбакай,ulytau,48.62000,67.15000,12,1988\n"
        + "KZ-ULY-0103,Shokpar,Шокпар,ulytau,abc,67.15000,12,1989\n"
    ).encode()
    response = upload(staff_client, Deposit, "deposits.csv", csv, "csv")
    assert "confirm_form" not in response.context
    page = response.content.decode()
    assert "Row 3, latitude: &#x27;abc&#x27; — Latitude must be a number." in page
    assert "class &#x27;" not in page
    assert "<class" not in page
    assert "decimal." not in page
    assert "Traceback" not in page
    assert Deposit.objects.count() == 0


def test_every_bad_row_is_reported_in_one_dry_run(staff_client, regions) -> None:
    csv = (
        DEPOSIT_HEADER
        + "KZ-ULY-0101,Kuirektykol,Куйректыколь,ulytau,48.61000,67.15000,38.5,1987\n"
        + "KZ-ULY-0102,Akbakai,Акбакай,ulytau,abc,67.15000,12,1988\n"
        + "KZ-XXX-0002,Nowhere,Нигде,atlantis,48.00000,67.00000,10,1990\n"
        + "KZ-XXX-0003,Negative,Отрицательное,abai,49.00000,80.00000,-5,nineteen\n"
        + "KZ-XXX-0004,Offshore,Офшор,ulytau,30.00000,67.15000,10,1990\n"
    ).encode()
    response = upload(staff_client, Deposit, "deposits.csv", csv, "csv")
    assert "confirm_form" not in response.context
    page = response.content.decode()
    assert "Row 2, latitude: &#x27;abc&#x27; — Latitude must be a number." in page
    assert "Row 3, region: &#x27;atlantis&#x27; — There is no region with code" in page
    assert "Row 4, last_surveyed_year: &#x27;nineteen&#x27; — " in page
    assert "must be a whole number" in page
    # A rule over the whole row (a check constraint) names the row.
    assert "Row 4: The area must be positive." in page
    assert "Row 5" in page
    assert "within Kazakhstan" in page
    assert "<class" not in page
    assert "Traceback" not in page
    result = response.context["result"]
    assert not result.has_errors()
    assert [row.number for row in result.invalid_rows] == [2, 3, 4, 5]


def test_a_bad_lot_number_or_date_is_reported_in_words(staff_client) -> None:
    event = AuctionEventFactory(code="solid-2030-06")
    DepositFactory(code="KZ-ULY-0101")
    good = lot_csv(event.code, "KZ-ULY-0101", 7, "2500000000").decode()
    header, row = good.splitlines()
    bad_number = row.replace(",7,", ",seven,", 1)
    bad_date = row.replace(",7,", ",8,", 1).replace("2030-06-20 10:00", "next Tuesday", 1)
    csv = "\n".join([header, bad_number, bad_date, ""]).encode()
    response = upload(staff_client, Lot, "lots.csv", csv, "csv")
    assert "confirm_form" not in response.context
    page = response.content.decode()
    assert "Row 1, number: &#x27;seven&#x27; — Lot number must be a whole number." in page
    assert "Row 2, starts_at: &#x27;next Tuesday&#x27; — Auction start must be a date and time" in (
        page
    )
    assert "<class" not in page
    assert "Traceback" not in page
    assert not Lot.objects.exists()
