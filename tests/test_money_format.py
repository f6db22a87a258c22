"""Amounts read as each language writes money (CLDR via Babel); files and the API stay plain."""

import csv
import io
import logging
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation
from fontTools.ttLib import TTFont

from auctions import services
from auctions.models import Application, Lot
from auctions.protocol import results_protocol
from auctions.tests.factories import (
    FinishedLotFactory,
    LotFactory,
    admit,
    admitted_representative,
    finish,
    place_bids,
)
from bidders.models import Company
from core.money import format_kzt, format_usd, money_format
from core.pdf import FONTS

NB = "\u00a0"
BONUS = Decimal("1250000000.00")


@pytest.mark.parametrize(
    ("language", "whole", "with_tiyn"),
    [
        ("en", f"KZT{NB}1,250,000,000", f"KZT{NB}1,250,000,000.50"),
        ("ru", f"1{NB}250{NB}000{NB}000{NB}₸", f"1{NB}250{NB}000{NB}000,50{NB}₸"),
        ("kk", f"1{NB}250{NB}000{NB}000{NB}₸", f"1{NB}250{NB}000{NB}000,50{NB}₸"),
        ("zh-hans", f"KZT{NB}1,250,000,000", f"KZT{NB}1,250,000,000.50"),
    ],
)
def test_tenge_are_written_as_the_language_writes_them(
    language: str, whole: str, with_tiyn: str
) -> None:
    assert format_kzt(BONUS, language=language) == whole
    assert format_kzt(Decimal("1250000000.5"), language=language) == with_tiyn


def test_the_active_language_is_the_default() -> None:
    with translation.override("ru"):
        assert format_kzt(BONUS) == f"1{NB}250{NB}000{NB}000{NB}₸"
    with translation.override("en"):
        assert format_kzt(BONUS) == f"KZT{NB}1,250,000,000"


def test_tiyn_are_rounded_to_the_nearest_and_vanish_when_none_are_left() -> None:
    assert format_kzt(Decimal("99.995"), language="en") == f"KZT{NB}100"
    assert format_kzt(Decimal("99.994"), language="en") == f"KZT{NB}99.99"
    assert format_kzt(Decimal("0"), language="ru") == f"0{NB}₸"
    assert format_kzt(Decimal("7.05"), language="kk") == f"7,05{NB}₸"


def test_a_language_without_its_own_rules_reads_as_english() -> None:
    assert format_kzt(BONUS, language="de") == format_kzt(BONUS, language="en")
    assert format_kzt(BONUS, language="ru-ru") == format_kzt(BONUS, language="ru")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "$2,474,022.76"),
        ("ru", f"2{NB}474{NB}022,76{NB}$"),
        ("kk", f"2{NB}474{NB}022,76{NB}$"),
        ("zh-hans", "US$2,474,022.76"),
    ],
)
def test_report_dollars_are_written_as_the_language_writes_them(
    language: str, expected: str
) -> None:
    assert format_usd(Decimal("2474022.76"), language=language) == expected
    assert format_usd(Decimal("2474022"), language=language) == expected.replace(".76", "").replace(
        ",76", ""
    )


@pytest.mark.parametrize("language", ["en", "ru", "kk", "zh-hans"])
def test_the_script_format_rebuilds_exactly_what_the_server_writes(language: str) -> None:
    parts = money_format(language=language)
    for amount, tenge, tiyn in [("1250000000.50", 1250000000, "50"), ("5000000", 5000000, "")]:
        grouped = f"{tenge:,}".replace(",", parts["group"])
        fraction = parts["decimal"] + tiyn if tiyn else ""
        rebuilt = parts["prefix"] + grouped + fraction + parts["suffix"]
        assert rebuilt == format_kzt(Decimal(amount), language=language)


def test_the_filters_follow_the_page_language_and_show_a_dash_for_nothing() -> None:
    template = Template("{% load nedra %}{{ amount|kzt }}|{{ none|kzt }}|{{ dollars|usd }}")
    context = Context({"amount": BONUS, "none": None, "dollars": Decimal("10.5")})
    with translation.override("kk"):
        assert template.render(context) == f"1{NB}250{NB}000{NB}000{NB}₸|—|10,50{NB}$"


@pytest.mark.django_db
def test_a_lot_page_in_russian_shows_tenge_with_the_sign(client: Client) -> None:
    lot = LotFactory(starting_price=Decimal("2500000000.00"), bid_step=Decimal("5000000.00"))
    page = client.get(f"/ru/lots/{lot.pk}/").content.decode()
    # Non-breaking spaces go out as characters: nothing escaped, nothing to wrap a figure.
    assert f"2{NB}500{NB}000{NB}000{NB}₸" in page
    assert f"5{NB}000{NB}000{NB}₸" in page
    assert "&amp;nbsp;" not in page
    # The room script learns the same format from the page.
    assert '<script id="kzt-format" type="application/json">' in page
    assert "\\u20b8" in page


@pytest.fixture
def finished_lot(approved_company: Company) -> Lot:
    """A finished lot with two bids, the second with tiyn: Participant 2 won."""
    lot = FinishedLotFactory(deposit__name="Akbakai")
    ridgeline = admit(approved_company, lot, 1)
    admitted_representative(lot, 2, username="steppe", legal_name="Steppe Lithium LLP")
    steppe = Application.objects.get(lot=lot, participant_number=2)
    place_bids(lot, [(ridgeline, "100000000"), (steppe, "105000000.5")])
    finish(lot)
    return lot


@pytest.mark.parametrize("font", ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf"])
def test_the_pdf_fonts_can_print_the_tenge_sign_and_no_break_spaces(font: str) -> None:
    characters = TTFont(FONTS / font).getBestCmap()
    assert ord("₸") in characters
    assert ord(NB) in characters


@pytest.mark.django_db
def test_a_russian_protocol_prints_amounts_with_the_tenge_sign(
    finished_lot: Lot, written: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), translation.override("ru"):
        document = bytes(results_protocol(finished_lot.pk).output())
    assert document.startswith(b"%PDF")
    everything = "\n".join(written)
    assert f"105{NB}000{NB}000,50{NB}₸" in everything
    assert f"100{NB}000{NB}000{NB}₸" in everything
    # fpdf2 warns when a font lacks a character and prints nothing in its place.
    assert not [record for record in caplog.records if "missing" in record.getMessage()]


@pytest.mark.django_db
def test_the_bid_log_files_keep_plain_decimals_in_every_language(
    client: Client, finished_lot: Lot
) -> None:
    lot = finished_lot
    services.publish_results(event_id=lot.event_id)

    with translation.override("ru"):
        json_url = reverse("auctions:bid_log_json", args=[lot.pk])
        csv_url = reverse("auctions:bid_log_csv", args=[lot.pk])
    assert json_url.startswith("/ru/")
    bids = client.get(json_url).json()["bids"]
    assert [bid["amount"] for bid in bids] == ["100000000.00", "105000000.50"]
    rows = list(csv.DictReader(io.StringIO(client.get(csv_url).content.decode())))
    assert [row["amount"] for row in rows] == ["100000000.00", "105000000.50"]
    assert Lot.objects.get(pk=lot.pk).bid_count == 2
