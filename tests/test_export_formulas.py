"""Admin exports (CSV and XLSX) show a formula-like cell as typed, never run it."""

import csv
import io

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from auctions.models import Lot
from auctions.tests.factories import LotFactory
from core.exports import formula_safe
from deposits.models import Deposit, Reserve
from deposits.tests.factories import DepositFactory, ReserveFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client, staff_clerk) -> Client:
    client.force_login(staff_clerk)
    return client


def export(client: Client, model: type, title: str) -> bytes:
    """Export every row of `model` through the admin's export view in format `title`."""
    model_admin = admin.site._registry[model]
    formats = model_admin.get_export_formats()
    index = next(i for i, f in enumerate(formats) if f().get_title() == title)
    (resource,) = model_admin.get_export_resource_classes(None)
    fields = {f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()}
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export")
    response = client.post(url, {"format": str(index), "resource": "0", **fields})
    assert response.status_code == 200, response.content[:500]
    return response.content


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_deposit_csv_export_escapes_every_formula_trigger(staff_client: Client) -> None:
    DepositFactory(
        code="KZ-1",
        name="=1+2",
        description="+cmd|' /C calc'!A0",
        exploration_history="-2+3",
    )
    DepositFactory(code="KZ-2", name="@SUM(A1:A9)", description="\t=1", exploration_history="\r=1")

    first, second = sorted(csv_rows(export(staff_client, Deposit, "csv")), key=lambda r: r["code"])

    assert first["name_en"] == "'=1+2"
    assert first["description_en"] == "'+cmd|' /C calc'!A0"
    assert first["exploration_history_en"] == "'-2+3"
    assert second["name_en"] == "'@SUM(A1:A9)"
    assert second["description_en"] == "'\t=1"
    assert second["exploration_history_en"] == "'\r=1"
    # Plain numbers stay numbers.
    assert first["latitude"] == "49.80000"


def test_deposit_xlsx_export_stores_formula_like_text_as_text(staff_client: Client) -> None:
    DepositFactory(code="KZ-1", name='=HYPERLINK("http://evil.example","x")')

    sheet = load_workbook(io.BytesIO(export(staff_client, Deposit, "xlsx"))).active
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))

    assert row["name_en"].data_type == "s"
    assert row["name_en"].value == '\'=HYPERLINK("http://evil.example","x")'


def test_reserve_and_lot_exports_escape_formula_cells(staff_client: Client) -> None:
    ReserveFactory(source="=cmd()")
    LotFactory(deposit=DepositFactory(code="=KZ"))

    (reserve,) = csv_rows(export(staff_client, Reserve, "csv"))
    (lot,) = csv_rows(export(staff_client, Lot, "csv"))

    assert reserve["source"] == "'=cmd()"
    assert lot["deposit"] == "'=KZ"


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-5", "-5"),
        ("-5.25", "-5.25"),
        ("Akbakai", "Akbakai"),
        ("", ""),
        (None, None),
        (7, 7),
    ],
)
def test_formula_safe_quotes_only_what_a_spreadsheet_would_run(cell: object, shown: object) -> None:
    assert formula_safe(cell) == shown
