"""The lot page in the browser: its data room hides restricted papers from a company not
admitted to the lot and hands them to an admitted one; its map draws the licence area."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, expect

from auctions import dataroom
from auctions.models import Lot, LotDocument
from auctions.tests.factories import ApplicationFactory, LotFactory, admitted_representative
from bidders.tests.factories import PDF_BYTES, RepresentativeFactory, UserFactory

pytestmark = pytest.mark.browser

RESTRICTED_TITLE = "Geological report summary, 1987 survey"
PUBLIC_TITLE = "Auction rules of the June session"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"


def signed_in(browser: Browser, live_server_url: str, user: AbstractBaseUser) -> BrowserContext:
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        viewport={"width": 1280, "height": 1000},
        timezone_id="Europe/Berlin",
        locale="en-GB",
        accept_downloads=True,
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server_url}]
    )
    return context


def lot_with_a_data_room() -> Lot:
    lot = LotFactory(
        status=Lot.Status.PUBLISHED,
        deposit__name="Kuirektykol",
        area_km2=Decimal("70.2"),
        # A pentagon of 70 km² around the deposit's centre.
        licence_area={
            "type": "Polygon",
            "coordinates": [
                [
                    [73.02, 49.77],
                    [73.12, 49.75],
                    [73.17, 49.81],
                    [73.1, 49.84],
                    [73.03, 49.82],
                    [73.02, 49.77],
                ]
            ],
        },
    )
    clerk = UserFactory(is_staff=True)
    for title, access in (
        (PUBLIC_TITLE, LotDocument.Access.PUBLIC),
        (RESTRICTED_TITLE, LotDocument.Access.ADMITTED),
    ):
        dataroom.attach_document(
            lot_id=lot.pk,
            kind=LotDocument.Kind.GEOLOGICAL_SUMMARY,
            title=title,
            access=access,
            upload=SimpleUploadedFile("paper.pdf", PDF_BYTES),
            uploaded_by=clerk,
        )
    return lot


def test_the_data_room_hides_restricted_papers_from_a_company_not_admitted(
    browser: Browser, live_server_url: str, screenshot
) -> None:
    lot = lot_with_a_data_room()
    applicant = RepresentativeFactory(company__legal_name="Quillon Basalt LLP")
    ApplicationFactory(lot=lot, company=applicant.company)
    page = signed_in(browser, live_server_url, applicant.user).new_page()
    page.goto(f"{live_server_url}/lots/{lot.pk}/")
    room = page.locator("section.data-room")
    expect(room.get_by_role("link", name=PUBLIC_TITLE)).to_be_visible()
    expect(room.get_by_text(RESTRICTED_TITLE)).to_have_count(0)
    expect(room.get_by_text("1 more paper is for the representatives")).to_be_visible()
    room.scroll_into_view_if_needed()
    screenshot("not-admitted", of=page)
    with page.expect_download() as public:
        room.get_by_role("link", name=PUBLIC_TITLE).click()
    assert Path(public.value.path()).read_bytes() == PDF_BYTES


def test_the_data_room_hands_restricted_papers_to_an_admitted_company(
    browser: Browser, live_server_url: str, screenshot
) -> None:
    lot = lot_with_a_data_room()
    user = admitted_representative(lot, 17, legal_name="Kestrelmoor Metals LLP")
    page = signed_in(browser, live_server_url, user).new_page()
    page.goto(f"{live_server_url}/lots/{lot.pk}/")
    room = page.locator("section.data-room")
    expect(room.get_by_role("link", name=RESTRICTED_TITLE)).to_be_visible()
    expect(room.get_by_text("Admitted applicants only")).to_be_visible()
    expect(room.get_by_text("more paper")).to_have_count(0)
    screenshot("admitted", of=page)
    with page.expect_download() as restricted:
        room.get_by_role("link", name=RESTRICTED_TITLE).click()
    assert Path(restricted.value.path()).read_bytes() == PDF_BYTES
    assert restricted.value.suggested_filename == "paper.pdf"


def test_the_lot_map_draws_the_licence_area(
    browser: Browser, live_server_url: str, screenshot
) -> None:
    lot = lot_with_a_data_room()
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(f"{live_server_url}/lots/{lot.pk}/")
    inset = page.locator("svg.locator-inset")
    expect(inset).to_be_visible()
    box = page.locator("path.locator-inset-area").bounding_box()
    # The shape fills its frame, not a speck: a real polygon drawn large.
    assert box is not None
    assert box["width"] > 150
    assert box["height"] > 60
    expect(page.locator("path.locator-area")).to_have_count(1)
    expect(page.locator("circle.locator-marker")).to_have_count(0)
    page.locator("figure.locator").scroll_into_view_if_needed()
    page.locator("figure.locator").screenshot(
        path=str(
            screenshot("map", of=page).with_name(
                "test_the_lot_map_draws_the_licence_area-figure.png"
            )
        )
    )
