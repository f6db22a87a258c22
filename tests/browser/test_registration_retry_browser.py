"""A registration refused for one document keeps the other two, in the browser."""

from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Browser, expect

from bidders.models import Company, CompanyDocument
from bidders.tests.factories import PDF_BYTES, UserFactory
from core.held_uploads import HELD_DIRECTORY

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def private_media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


def test_a_refused_document_is_the_only_one_chosen_again(
    browser: Browser, live_server_url: str, screenshot, private_media: Path
) -> None:
    client = Client()
    client.force_login(UserFactory(email="megan.retry@ridgeline.example"))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server_url}]
    )
    page = context.new_page()
    page.goto(f"{live_server_url}/company/register/")
    page.get_by_label("Legal name:", exact=True).fill("Ridgeline Critical Minerals Inc.")
    page.locator("select[name=country]").select_option("US")
    page.get_by_label("Registration number:", exact=True).fill("DE-7741209")
    page.get_by_label("Tax number:", exact=True).fill("84-1234567")
    page.get_by_label("Registered address:", exact=True).fill("1700 Lincoln St, Denver, CO")
    page.get_by_label("Contact person:", exact=True).fill("Megan O'Rourke")
    page.get_by_label("Contact email:", exact=True).fill("megan.retry@ridgeline.example")
    page.get_by_label("Your position in the company:", exact=True).fill("Head of development")
    page.locator("input[name=owners-0-full_name]").fill("Daniel Whitaker")
    page.locator("select[name=owners-0-country]").select_option("US")
    page.locator("input[name=owners-0-identifier]").fill("P55120987")
    page.locator("input[name=owners-0-share_percent]").fill("100")
    for field, name, mime, data in [
        ("registration_certificate", "certificate.pdf", "application/pdf", PDF_BYTES),
        # A PNG that calls itself a PDF: refused by its content.
        ("ownership_structure", "owners.pdf", "application/pdf", PNG_BYTES),
        ("power_of_attorney", "attorney.pdf", "application/pdf", PDF_BYTES),
    ]:
        page.locator(f"input[name={field}]").set_input_files(
            {"name": name, "mimeType": mime, "buffer": data}
        )
    page.get_by_role("button", name="Register for review").click()

    expect(page.get_by_text("Nothing was saved")).to_be_visible()
    expect(page.get_by_text("Kept from your last attempt: certificate.pdf")).to_be_visible()
    expect(page.get_by_text("Kept from your last attempt: attorney.pdf")).to_be_visible()
    expect(page.get_by_text("The file's content is not the PDF, JPEG or PNG")).to_be_visible()
    expect(page.get_by_text("Choose this document again.")).to_have_count(1)
    # The text inputs kept their values; the owner row too.
    expect(page.get_by_label("Legal name:", exact=True)).to_have_value(
        "Ridgeline Critical Minerals Inc."
    )
    page.get_by_text("Choose this document again.").scroll_into_view_if_needed()
    screenshot("1-refused-one-document", of=page)

    # Only the refused document is chosen again; the browser asks for no other file.
    page.locator("input[name=ownership_structure]").set_input_files(
        {"name": "owners-fixed.png", "mimeType": "image/png", "buffer": PNG_BYTES}
    )
    page.get_by_role("button", name="Register for review").click()
    expect(page.get_by_text("Pending approval").first).to_be_visible()
    screenshot("2-registered", of=page)

    company = Company.objects.get(registration_number="DE-7741209")
    names = {document.kind: document.original_name for document in company.documents.all()}
    assert names == {
        CompanyDocument.Kind.REGISTRATION_CERTIFICATE: "certificate.pdf",
        CompanyDocument.Kind.OWNERSHIP_STRUCTURE: "owners-fixed.png",
        CompanyDocument.Kind.POWER_OF_ATTORNEY: "attorney.pdf",
    }
    assert not any((private_media / HELD_DIRECTORY).iterdir())
    context.close()
