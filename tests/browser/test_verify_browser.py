"""A signed protocol's QR code opens its verification page; a tampered copy is refused."""

import io

import pytest
from playwright.sync_api import Page, expect
from pyhanko.pdf_utils.reader import PdfFileReader

from auctions import services
from auctions.models import Application, Lot
from auctions.tests.factories import (
    FinishedLotFactory,
    admit,
    admitted_representative,
    finish,
    place_bids,
)
from bidders.models import Company
from core.documents import display_code
from core.models import IssuedDocument


@pytest.fixture
def published_gold(approved_company: Company) -> Lot:
    lot = FinishedLotFactory(deposit__name="Akbakai")
    ridgeline = admit(approved_company, lot, 1)
    admitted_representative(lot, 2, username="steppe", legal_name="Steppe Lithium LLP")
    steppe = Application.objects.get(lot=lot, participant_number=2)
    place_bids(lot, [(ridgeline, "100000000"), (steppe, "105000000.5"), (ridgeline, "1250000000")])
    finish(lot)
    services.publish_results(event_id=lot.event_id)
    return lot


def qr_link(document: bytes) -> str:
    """Return the address the QR code opens: the link laid over the square QR code."""
    reader = PdfFileReader(io.BytesIO(document))
    for page_number in range(len(reader.root["/Pages"]["/Kids"])):
        page = reader.root["/Pages"]["/Kids"][page_number]
        for annotation in page.get("/Annots", []):
            annotation = annotation.get_object()
            action = annotation.get("/A")
            left, bottom, right, top = (float(value) for value in annotation["/Rect"])
            if action is not None and abs((right - left) - (top - bottom)) < 0.5:
                return str(action["/URI"])
    raise AssertionError("No QR code link in the document.")


def test_a_protocols_qr_code_opens_its_check_and_a_tampered_copy_is_refused(
    page: Page, live_server_url: str, published_gold: Lot, screenshot, assert_accessible
) -> None:
    response = page.request.get(f"{live_server_url}/lots/{published_gold.pk}/protocol.pdf")
    assert response.ok
    document = response.body()
    issued = IssuedDocument.objects.get(subject=f"lot:{published_gold.pk}")

    address = qr_link(document)
    assert address == f"{live_server_url}/verify/{issued.code}/"
    page.goto(address)
    expect(page.locator("h1")).to_contain_text(display_code(issued.code))
    expect(page.locator("main")).to_contain_text(published_gold.event.name)
    expect(page.locator("main")).to_contain_text(issued.sha256)
    expect(page.locator("main")).to_contain_text("Signed with a demonstration key")
    screenshot("verification-page")
    assert_accessible(page)

    position = document.index(b"/Title (") + len(b"/Title (")
    changed = bytearray(document)
    changed[position] = ord("X")
    page.goto(f"{live_server_url}/verify/")
    page.set_input_files(
        "input[name=document]",
        files=[{"name": "protocol.pdf", "mimeType": "application/pdf", "buffer": bytes(changed)}],
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#verify-refusal")).to_contain_text(
        "Refused: this PDF was changed after it was signed."
    )
    screenshot("tampered-refused")
    assert_accessible(page)

    page.set_input_files(
        "input[name=document]",
        files=[{"name": "protocol.pdf", "mimeType": "application/pdf", "buffer": document}],
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#verify-outcome")).to_contain_text(
        "Unchanged: this file is exactly the document Nedra issued under this code"
    )
    screenshot("original-confirmed")
