"""A refused registration keeps the documents it accepted, for this session's next attempt."""

import html
import os
import re
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from bidders.models import Company, CompanyDocument
from bidders.tests.factories import PDF_BYTES, UserFactory
from core.held_uploads import HELD_DIRECTORY, MAX_AGE
from tests.test_bidder_pages import PNG_BYTES, pdf, registration

pytestmark = pytest.mark.django_db

BAD_PDF = PNG_BYTES  # a PNG named .pdf: refused by its content


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.fixture
def newcomer(client: Client) -> Client:
    client.force_login(UserFactory(email="aigerim@steppe-lithium.example"))
    return client


def held_tokens(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="(\w+)_held" value="([\w-]+)"', page))


def held_files(media: Path) -> list[Path]:
    directory = media / HELD_DIRECTORY
    return sorted(directory.iterdir()) if directory.exists() else []


def refused_attempt(client: Client, **overrides: object) -> str:
    response = client.post(reverse("bidders:register"), registration(**overrides))
    assert response.status_code == 400
    return html.unescape(response.content.decode())


def retry_without_files(tokens: dict[str, str], **overrides: object) -> dict[str, object]:
    data = registration(**overrides)
    for field in ("registration_certificate", "ownership_structure", "power_of_attorney"):
        if field in tokens:
            data.pop(field)
            data[f"{field}_held"] = tokens[field]
    return data


def test_one_refused_document_keeps_the_two_accepted_ones(newcomer: Client, private_media) -> None:
    page = refused_attempt(newcomer, ownership_structure=SimpleUploadedFile("owners.pdf", BAD_PDF))
    tokens = held_tokens(page)
    assert set(tokens) == {"registration_certificate", "power_of_attorney"}
    assert "Kept from your last attempt: certificate.pdf" in page
    assert "Kept from your last attempt: attorney.pdf" in page
    assert "The file's content is not the PDF, JPEG or PNG its name says." in page
    assert "Choose this document again." in page
    # The kept fields no longer demand a file in the browser; the refused one does.
    assert re.search(r'name="registration_certificate"[^>]*required', page) is None
    assert re.search(r'name="ownership_structure"[^>]*required', page)
    assert len(held_files(private_media)) == 2
    assert Company.objects.count() == 0


def test_the_retry_needs_only_the_refused_document(newcomer: Client, private_media) -> None:
    tokens = held_tokens(
        refused_attempt(newcomer, ownership_structure=SimpleUploadedFile("owners.pdf", BAD_PDF))
    )
    data = retry_without_files(tokens, ownership_structure=pdf("owners-fixed.pdf"))
    response = newcomer.post(reverse("bidders:register"), data)
    assert response.status_code == 302
    company = Company.objects.get()
    names = {document.kind: document.original_name for document in company.documents.all()}
    assert names == {
        CompanyDocument.Kind.REGISTRATION_CERTIFICATE: "certificate.pdf",
        CompanyDocument.Kind.OWNERSHIP_STRUCTURE: "owners-fixed.pdf",
        CompanyDocument.Kind.POWER_OF_ATTORNEY: "attorney.pdf",
    }
    for document in company.documents.all():
        assert Path(document.file.path).read_bytes() == PDF_BYTES
    assert held_files(private_media) == []  # released once registered
    assert newcomer.session.get("held_uploads") == {}


def test_documents_stay_held_while_other_fields_are_corrected(newcomer: Client) -> None:
    tokens = held_tokens(refused_attempt(newcomer, legal_name=""))
    assert len(tokens) == 3
    page = html.unescape(
        newcomer.post(
            reverse("bidders:register"), retry_without_files(tokens, tax_number="")
        ).content.decode()
    )
    assert held_tokens(page) == tokens  # the same files, not copies
    response = newcomer.post(reverse("bidders:register"), retry_without_files(tokens))
    assert response.status_code == 302
    assert Company.objects.get().documents.count() == 3


def test_a_new_file_replaces_the_held_one(newcomer: Client, private_media) -> None:
    tokens = held_tokens(refused_attempt(newcomer, legal_name=""))
    data = retry_without_files(tokens, legal_name="")
    data["power_of_attorney"] = pdf("attorney-signed.pdf")
    page = html.unescape(newcomer.post(reverse("bidders:register"), data).content.decode())
    assert "Kept from your last attempt: attorney-signed.pdf" in page
    assert held_tokens(page)["power_of_attorney"] != tokens["power_of_attorney"]
    assert len(held_files(private_media)) == 3


def test_another_sessions_token_opens_nothing(newcomer: Client, private_media) -> None:
    tokens = held_tokens(refused_attempt(newcomer, legal_name=""))
    stranger = Client()
    stranger.force_login(UserFactory())
    response = stranger.post(reverse("bidders:register"), retry_without_files(tokens))
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "Kept from your last attempt" not in page
    assert page.count("This field is required.") == 3
    assert Company.objects.count() == 0
    assert len(held_files(private_media)) == 3  # the owner's files are untouched


def test_a_path_instead_of_a_token_opens_nothing(newcomer: Client, private_media) -> None:
    refused_attempt(newcomer, legal_name="")
    data = retry_without_files(
        {"registration_certificate": "../../../../etc/passwd"}, registration_certificate=None
    )
    data.pop("registration_certificate", None)
    response = newcomer.post(reverse("bidders:register"), data)
    assert response.status_code == 400
    assert "This field is required." in html.unescape(response.content.decode())


def test_held_files_a_day_old_are_purged_by_the_next_hold(newcomer: Client, private_media) -> None:
    refused_attempt(newcomer, legal_name="")
    old = time.time() - MAX_AGE.total_seconds() - 60
    for path in held_files(private_media):
        os.utime(path, (old, old))
    refused_attempt(newcomer, legal_name="")
    assert len(held_files(private_media)) == 3  # only the second attempt's
