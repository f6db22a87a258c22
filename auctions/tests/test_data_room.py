"""A lot's data room: public papers for anyone, restricted ones only for the
representatives of admitted companies (each download logged), the log hidden from staff
until the results are published, uploads checked, and papers frozen once a lot is offered."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auctions import dataroom
from auctions.models import Lot, LotDocument, LotDocumentDownload
from auctions.tests.factories import ApplicationFactory, LotFactory, admitted_representative
from bidders.tests.factories import PDF_BYTES, RepresentativeFactory, UserFactory
from core.errors import DomainError

pytestmark = pytest.mark.django_db

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


def attach(
    lot: Lot, title: str, access: str, *, name: str = "paper.pdf", content: bytes = PDF_BYTES
) -> LotDocument:
    return dataroom.attach_document(
        lot_id=lot.pk,
        kind=LotDocument.Kind.GEOLOGICAL_SUMMARY,
        title=title,
        access=access,
        upload=SimpleUploadedFile(name, content),
        uploaded_by=UserFactory(is_staff=True),
    )


@pytest.fixture
def lot() -> Lot:
    return LotFactory(status=Lot.Status.PUBLISHED)


@pytest.fixture
def papers(lot: Lot) -> dict[str, LotDocument]:
    return {
        "public": attach(lot, "Auction rules of the June session", LotDocument.Access.PUBLIC),
        "restricted": attach(
            lot, "Geological report summary, 1987 survey", LotDocument.Access.ADMITTED
        ),
    }


def signed_in(user: AbstractBaseUser) -> Client:
    client = Client()
    client.force_login(user)
    return client


def download(client: Client, document: LotDocument):
    return client.get(reverse("lot_document", args=[document.pk]))


def lot_page(client: Client, lot: Lot) -> str:
    return client.get(reverse("lot", args=[lot.pk])).content.decode()


def test_anonymous_visitors_see_and_take_only_public_papers(
    lot: Lot, papers: dict[str, LotDocument]
) -> None:
    client = Client()
    page = lot_page(client, lot)
    assert "Auction rules of the June session" in page
    assert "Geological report summary, 1987 survey" not in page
    assert "1 more paper is for the representatives of companies admitted" in page
    response = download(client, papers["public"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES
    restricted = download(client, papers["restricted"])
    assert restricted.status_code == 302
    assert "/accounts/login/" in restricted["Location"]
    assert not LotDocumentDownload.objects.exists()


def test_a_company_not_admitted_to_the_lot_is_refused_the_restricted_papers(
    lot: Lot, papers: dict[str, LotDocument]
) -> None:
    applicant = RepresentativeFactory()
    ApplicationFactory(lot=lot, company=applicant.company)  # applied, not yet admitted
    admitted_elsewhere = admitted_representative(LotFactory(), 41)
    for user in (applicant.user, admitted_elsewhere):
        client = signed_in(user)
        assert "Geological report summary, 1987 survey" not in lot_page(client, lot)
        assert download(client, papers["restricted"]).status_code == 403
        assert download(client, papers["public"]).status_code == 200
    assert not LotDocumentDownload.objects.exists()


def test_an_admitted_company_takes_the_restricted_papers_and_each_download_is_logged(
    lot: Lot, papers: dict[str, LotDocument]
) -> None:
    user = admitted_representative(lot, 17)
    client = signed_in(user)
    page = lot_page(client, lot)
    assert "Geological report summary, 1987 survey" in page
    assert "more paper" not in page
    response = download(client, papers["restricted"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] == "application/pdf"
    download(client, papers["restricted"])
    download(client, papers["public"])
    log = list(LotDocumentDownload.objects.all())
    assert len(log) == 2
    assert {(row.document, row.company, row.user) for row in log} == {
        (papers["restricted"], user.representative.company, user)
    }


def test_staff_take_papers_in_the_admin_not_on_the_site_and_are_not_logged(
    lot: Lot, papers: dict[str, LotDocument], staff_clerk: AbstractBaseUser
) -> None:
    client = signed_in(staff_clerk)
    page = lot_page(client, lot)
    assert "Geological report summary, 1987 survey" not in page
    assert "Staff read them in the admin." in page
    assert download(client, papers["restricted"]).status_code == 403
    url = reverse("admin:auctions_lotdocument_download", args=[papers["restricted"].pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert not LotDocumentDownload.objects.exists()
    assert Client().get(url).status_code == 302  # to the admin's login


def test_papers_of_a_draft_lot_are_not_public() -> None:
    draft = LotFactory(status=Lot.Status.DRAFT)
    paper = attach(draft, "Draft contract", LotDocument.Access.PUBLIC)
    assert download(Client(), paper).status_code == 404


def test_the_download_log_is_hidden_from_staff_until_the_results_are_published(
    lot: Lot, papers: dict[str, LotDocument], staff_clerk: AbstractBaseUser
) -> None:
    user = admitted_representative(lot, 17, legal_name="Kestrelmoor Metals LLP")
    download(signed_in(user), papers["restricted"])
    assert LotDocumentDownload.objects.count() == 1
    staff = signed_in(staff_clerk)
    changelist = reverse("admin:auctions_lotdocumentdownload_changelist")
    row = LotDocumentDownload.objects.get()
    change = reverse("admin:auctions_lotdocumentdownload_change", args=[row.pk])
    for status in (Lot.Status.PUBLISHED, Lot.Status.LIVE, Lot.Status.CLOSED):
        Lot.objects.filter(pk=lot.pk).update(status=status)
        assert "Kestrelmoor" not in staff.get(changelist).content.decode()
        assert staff.get(change).status_code in (302, 404)
    lot.event.results_published_at = timezone.now() - timedelta(minutes=1)
    lot.event.save()
    page = staff.get(changelist).content.decode()
    assert "Kestrelmoor Metals LLP" in page
    assert staff.get(change).status_code == 200


def test_the_lot_admin_and_document_admin_never_name_the_downloading_companies(
    lot: Lot, papers: dict[str, LotDocument], staff_clerk: AbstractBaseUser
) -> None:
    user = admitted_representative(lot, 17, legal_name="Kestrelmoor Metals LLP")
    download(signed_in(user), papers["restricted"])
    Lot.objects.filter(pk=lot.pk).update(status=Lot.Status.LIVE)
    staff = signed_in(staff_clerk)
    for url in (
        reverse("admin:auctions_lotdocument_changelist"),
        reverse("admin:auctions_lotdocument_change", args=[papers["restricted"].pk]),
    ):
        response = staff.get(url)
        assert response.status_code == 200
        assert "Kestrelmoor" not in response.content.decode()


def admin_add(client: Client, lot: Lot, name: str, content: bytes) -> str:
    response = client.post(
        reverse("admin:auctions_lotdocument_add"),
        {
            "lot": lot.pk,
            "kind": LotDocument.Kind.DRAFT_CONTRACT,
            "title": "Draft subsoil-use contract",
            "access": LotDocument.Access.ADMITTED,
            "upload": SimpleUploadedFile(name, content),
        },
    )
    return response.content.decode() if response.status_code == 200 else ""


def test_staff_attach_a_paper_in_the_admin_and_its_type_is_sniffed(
    staff_clerk: AbstractBaseUser, settings
) -> None:
    lot = LotFactory(status=Lot.Status.DRAFT)
    client = signed_in(staff_clerk)
    assert admin_add(client, lot, "contract.pdf", PDF_BYTES) == ""
    paper = LotDocument.objects.get()
    assert paper.content_type == "application/pdf"
    assert paper.size == len(PDF_BYTES)
    assert paper.uploaded_by == staff_clerk
    assert not paper.file.name.endswith("contract.pdf")  # stored under a random name

    assert "is not what its name says" in admin_add(client, lot, "contract.pdf", PNG_BYTES)
    assert "Upload a PDF" in admin_add(client, lot, "contract.exe", PDF_BYTES)
    settings.UPLOAD_MAX_BYTES = 32
    assert "larger than" in admin_add(client, lot, "contract.pdf", PDF_BYTES + b" " * 64)
    assert LotDocument.objects.count() == 1


def test_office_files_are_recognised_by_their_content() -> None:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    lot = LotFactory(status=Lot.Status.DRAFT)
    paper = attach(
        lot,
        "Corner points",
        LotDocument.Access.PUBLIC,
        name="corners.xlsx",
        content=buffer.getvalue(),
    )
    assert paper.content_type.endswith("spreadsheetml.sheet")
    assert paper.file_type == "XLSX"


def test_papers_of_an_offered_lot_are_frozen(
    lot: Lot, papers: dict[str, LotDocument], staff_clerk: AbstractBaseUser
) -> None:
    client = signed_in(staff_clerk)
    paper = papers["public"]
    change = reverse("admin:auctions_lotdocument_change", args=[paper.pk])
    response = client.post(
        change, {"kind": paper.kind, "title": "Rewritten", "access": LotDocument.Access.PUBLIC}
    )
    assert response.status_code == 403
    delete = reverse("admin:auctions_lotdocument_delete", args=[paper.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    paper.refresh_from_db()
    assert paper.title == "Auction rules of the June session"
    with pytest.raises(DomainError):
        dataroom.remove_document(document_id=paper.pk)
    # A correction is a new paper, until the results are published.
    attach(lot, "Corrected rules", LotDocument.Access.PUBLIC)
    lot.event.results_published_at = timezone.now()
    lot.event.save()
    with pytest.raises(DomainError) as refusal:
        attach(lot, "Too late", LotDocument.Access.PUBLIC)
    assert refusal.value.code == "data_room_frozen"


def test_papers_of_a_draft_lot_can_be_described_again_and_removed(
    staff_clerk: AbstractBaseUser, django_capture_on_commit_callbacks
) -> None:
    lot = LotFactory(status=Lot.Status.DRAFT)
    paper = attach(lot, "Rules", LotDocument.Access.PUBLIC)
    stored = Path(paper.file.path)
    client = signed_in(staff_clerk)
    change = reverse("admin:auctions_lotdocument_change", args=[paper.pk])
    response = client.post(
        change,
        {"kind": LotDocument.Kind.AUCTION_RULES, "title": "Auction rules", "access": "admitted"},
    )
    assert response.status_code == 302
    paper.refresh_from_db()
    assert (paper.title, paper.access) == ("Auction rules", "admitted")
    delete = reverse("admin:auctions_lotdocument_delete", args=[paper.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not LotDocument.objects.exists()
    assert not stored.exists()
