"""The bidders' REST API: register a company, upload its documents, apply for lots.

A lot id that does not exist (or is a draft the public cannot see) is a field error of the
request body: 400 with code "invalid" and errors.lot, not 404, since the URL exists.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from auctions.models import Application, Lot, Payment
from auctions.tests.factories import ApplicationFactory, LotFactory, PaymentFactory
from bidders import services as bidder_services
from bidders.models import BeneficialOwner, Company, CompanyDocument, Representative
from bidders.tests.factories import (
    PDF_BYTES,
    CompanyDocumentFactory,
    CompanyFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"

COMPANY_URL = "/api/company/"
DOCUMENTS_URL = "/api/company/documents/"
APPLICATIONS_URL = "/api/applications/"


@pytest.fixture(autouse=True)
def private_files_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Keep uploaded test documents out of the project's var/ directory."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def newcomer() -> AbstractBaseUser:
    """A user who has confirmed an email address but represents no company yet."""
    return UserFactory(username="newcomer")


def client_for(user: AbstractBaseUser) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def owner(**overrides: Any) -> dict[str, Any]:
    return {
        "full_name": "Aigerim Sadykova",
        "country": "KZ",
        "identifier": "N 1234 5678",
        "share_percent": "60.00",
    } | overrides


def company_payload(**overrides: Any) -> dict[str, Any]:
    return {
        "legal_name": "Steppe Lithium LLP",
        "country": "KZ",
        "registration_number": "210940012345",
        "tax_number": "600400123456",
        "address": "Mangilik El 55/22, Astana 010000",
        "contact_name": "Aigerim Sadykova",
        "contact_email": "aigerim@steppe-lithium.kz",
        "contact_phone": "+7 701 555 0101",
        "position": "Director",
        "owners": [
            owner(),
            owner(full_name="Qazaq Holdings JSC", identifier="BIN 990240001122", share_percent=40),
        ],
    } | overrides


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    return body


def assert_iso_with_offset(value: str) -> None:
    assert datetime.fromisoformat(value).utcoffset() is not None


# --- The whole flow -------------------------------------------------------------------


def test_a_newcomer_registers_uploads_is_approved_and_applies(
    newcomer: AbstractBaseUser, staff_clerk: AbstractBaseUser, published_lot: Lot
) -> None:
    client = client_for(newcomer)

    response = client.post(COMPANY_URL, company_payload(), format="json")
    assert response.status_code == 201, response.content
    company = response.json()
    assert company["status"] == "pending"
    assert company["country"] == "KZ"
    assert company["legal_name"] == "Steppe Lithium LLP"
    assert company["documents"] == []
    assert company["decisions"] == []
    assert_iso_with_offset(company["submitted_at"])
    assert company["beneficial_owners"] == [
        {
            "full_name": "Aigerim Sadykova",
            "country": "KZ",
            "identifier": "N12345678",
            "share_percent": "60.00",
        },
        {
            "full_name": "Qazaq Holdings JSC",
            "country": "KZ",
            "identifier": "BIN990240001122",
            "share_percent": "40.00",
        },
    ]
    assert Representative.objects.get(user=newcomer).position == "Director"

    files = {
        "registration": upload("certificate.pdf", PDF_BYTES, "application/pdf"),
        "ownership": upload("structure.png", PNG_BYTES, "image/png"),
        "attorney": upload("attorney.jpg", JPEG_BYTES, "image/jpeg"),
    }
    for kind, file in files.items():
        response = client.post(DOCUMENTS_URL, {"kind": kind, "file": file}, format="multipart")
        assert response.status_code == 201, response.content
        assert response.json()["kind"] == kind
    listed = client.get(DOCUMENTS_URL).json()
    assert listed["count"] == 3
    content_types = {document["kind"]: document["content_type"] for document in listed["results"]}
    assert content_types == {
        "registration": "application/pdf",
        "ownership": "image/png",
        "attorney": "image/jpeg",
    }
    certificate = next(d for d in listed["results"] if d["kind"] == "registration")
    assert certificate["original_name"] == "certificate.pdf"
    assert certificate["size"] == len(PDF_BYTES)
    assert_iso_with_offset(certificate["uploaded_at"])
    download = client.get(certificate["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert "certificate.pdf" in download["Content-Disposition"]

    bidder_services.approve_company(company_id=company["id"], decided_by=staff_clerk)
    company = client.get(COMPANY_URL).json()
    assert company["status"] == "approved"
    assert len(company["documents"]) == 3
    [decision] = company["decisions"]
    assert set(decision) == {"status", "reason", "decided_at"}
    assert decision["status"] == "approved"
    assert_iso_with_offset(decision["decided_at"])

    response = client.post(
        APPLICATIONS_URL, {"lot": published_lot.pk, "accept_terms": True}, format="json"
    )
    assert response.status_code == 201, response.content
    created = response.json()

    listed = client.get(APPLICATIONS_URL).json()
    assert listed["count"] == 1
    [application] = listed["results"]
    assert application == created
    assert application["status"] == "submitted"
    assert application["participant_number"] is None
    assert application["rejection_reason"] == ""
    assert_iso_with_offset(application["submitted_at"])
    assert application["lot"] == {
        "id": published_lot.pk,
        "number": published_lot.number,
        "deposit_name": published_lot.deposit.name,
        "event": {
            "id": published_lot.event.pk,
            "code": published_lot.event.code,
            "name": published_lot.event.name,
        },
    }
    payments = {payment["kind"]: payment for payment in application["payments"]}
    assert set(payments) == {"participation_fee", "guarantee_deposit"}
    assert payments["participation_fee"]["amount"] == "1000000.00"
    assert payments["guarantee_deposit"]["amount"] == "10000000.00"
    for payment in payments.values():
        assert payment["currency"] == "KZT"
        assert payment["status"] == "awaiting"
        assert payment["received_at"] is None
        assert payment["reference"].startswith("NDR-")
    assert payments["participation_fee"]["reference"] != payments["guarantee_deposit"]["reference"]
    assert client.get(f"{APPLICATIONS_URL}{application['id']}/").json() == application


def test_a_rejected_company_corrects_its_details_and_goes_back_for_review(
    staff_clerk: AbstractBaseUser,
) -> None:
    company = CompanyFactory(status=Company.Status.REJECTED, status_reason="Wrong address")
    user = RepresentativeFactory(company=company).user
    payload = company_payload(
        address="Kabanbay Batyr 11, Astana", owners=[owner(share_percent=100)]
    )
    del payload["position"]

    response = client_for(user).put(COMPANY_URL, payload, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["status_reason"] == ""
    assert body["address"] == "Kabanbay Batyr 11, Astana"
    assert [o["share_percent"] for o in body["beneficial_owners"]] == ["100.00"]


def test_an_approved_company_cannot_be_changed_through_the_api(
    bidder_user: AbstractBaseUser, approved_company: Company
) -> None:
    payload = company_payload(legal_name="Renamed Inc.")
    del payload["position"]
    response = client_for(bidder_user).put(COMPANY_URL, payload, format="json")
    assert_error(response, 400, "company_locked")
    approved_company.refresh_from_db()
    assert approved_company.legal_name == "Ridgeline Critical Minerals Inc."


def test_a_user_without_a_company_is_told_to_register(newcomer: AbstractBaseUser) -> None:
    client = client_for(newcomer)
    for url in (COMPANY_URL, DOCUMENTS_URL, APPLICATIONS_URL):
        assert_error(client.get(url), 404, "no_company")
    payload = company_payload()
    del payload["position"]
    assert_error(client.put(COMPANY_URL, payload, format="json"), 404, "no_company")


# --- Registration refused ---------------------------------------------------------------


def without(field: str) -> dict[str, Any]:
    payload = company_payload()
    del payload[field]
    return payload


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (without("legal_name"), "legal_name"),
        (without("contact_email"), "contact_email"),
        (without("owners"), "owners"),
        (company_payload(registration_number="  "), "registration_number"),
        (company_payload(country="XX"), "country"),
        (company_payload(country="Kazakhstan!"), "country"),
        (company_payload(contact_email="not-an-email"), "contact_email"),
        (company_payload(owners=[]), "owners"),
        (company_payload(owners=[owner(share_percent="-5")]), "owners"),
        (company_payload(owners=[owner(share_percent="0")]), "owners"),
        (company_payload(owners=[owner(share_percent="100.01")]), "owners"),
        (company_payload(owners=[owner(share_percent="150")]), "owners"),
        (company_payload(owners=[owner(share_percent="33.333")]), "owners"),
        (company_payload(owners=[owner(country="ZZ")]), "owners"),
        (company_payload(owners=[{"full_name": "No Share"}]), "owners"),
    ],
    ids=[
        "no-legal-name",
        "no-email",
        "no-owners-field",
        "blank-registration-number",
        "unknown-country",
        "country-name-not-code",
        "bad-email",
        "empty-owners",
        "negative-share",
        "zero-share",
        "share-over-100",
        "share-150",
        "share-three-decimals",
        "owner-unknown-country",
        "owner-incomplete",
    ],
)
def test_invalid_registration_is_refused_field_by_field_and_nothing_stored(
    newcomer: AbstractBaseUser, payload: dict[str, Any], field: str
) -> None:
    response = client_for(newcomer).post(COMPANY_URL, payload, format="json")

    body = assert_error(response, 400, "invalid")
    assert field in body["errors"]
    assert not Company.objects.exists()
    assert not BeneficialOwner.objects.exists()
    assert not Representative.objects.exists()


@pytest.mark.parametrize(
    ("owners", "code"),
    [
        ([owner(share_percent="60"), owner(identifier="X2", share_percent="50")], "owner_shares"),
        (
            [owner(identifier="ab 12"), owner(identifier="AB12", share_percent="10")],
            "owner_repeated",
        ),
    ],
    ids=["shares-over-100-in-total", "same-owner-twice"],
)
def test_owners_the_rules_refuse_give_the_domain_code_and_nothing_stored(
    newcomer: AbstractBaseUser, owners: list[dict[str, Any]], code: str
) -> None:
    response = client_for(newcomer).post(COMPANY_URL, company_payload(owners=owners), format="json")
    assert_error(response, 400, code)
    assert not Company.objects.exists()
    assert not Representative.objects.exists()


def test_registering_a_second_company_is_refused(
    bidder_user: AbstractBaseUser, approved_company: Company
) -> None:
    response = client_for(bidder_user).post(COMPANY_URL, company_payload(), format="json")
    assert_error(response, 409, "already_registered")
    assert Company.objects.count() == 1


def test_registering_a_taken_registration_number_is_refused(newcomer: AbstractBaseUser) -> None:
    CompanyFactory(country="KZ", registration_number="210940012345")
    response = client_for(newcomer).post(COMPANY_URL, company_payload(), format="json")
    assert_error(response, 409, "company_exists")
    assert Company.objects.count() == 1
    assert not Representative.objects.exists()


@pytest.mark.parametrize(
    "body",
    [b'{"legal_name": "Steppe', b"[1, 2", b"\xff\xfe not utf-8"],
    ids=["truncated", "unclosed-list", "not-utf-8"],
)
def test_malformed_json_is_a_400_not_a_500(newcomer: AbstractBaseUser, body: bytes) -> None:
    response = client_for(newcomer).post(COMPANY_URL, body, content_type="application/json")
    assert_error(response, 400, "parse_error")
    assert not Company.objects.exists()


def test_a_json_array_instead_of_an_object_is_refused(newcomer: AbstractBaseUser) -> None:
    response = client_for(newcomer).post(COMPANY_URL, [company_payload()], format="json")
    assert_error(response, 400, "invalid")
    assert not Company.objects.exists()


def test_a_form_post_to_a_json_endpoint_is_unsupported(newcomer: AbstractBaseUser) -> None:
    response = client_for(newcomer).post(COMPANY_URL, {"legal_name": "Steppe"})
    assert_error(response, 415, "unsupported_media_type")
    assert not Company.objects.exists()


# --- Documents refused ------------------------------------------------------------------


@pytest.fixture
def pending_bidder() -> AbstractBaseUser:
    """A representative of a pending company that has uploaded nothing yet."""
    company = CompanyFactory(status=Company.Status.PENDING)
    return RepresentativeFactory(company=company, user__username="pending-bidder").user


@pytest.mark.parametrize(
    ("kind", "file"),
    [
        ("registration", upload("certificate.txt", b"plain text", "text/plain")),
        ("registration", upload("certificate.pdf", b"just text, not a PDF\n", "application/pdf")),
        ("ownership", upload("structure.png", PDF_BYTES, "image/png")),
        ("attorney", upload("attorney.jpg", PNG_BYTES, "image/jpeg")),
        ("registration", upload("certificate", PDF_BYTES, "application/pdf")),
        ("registration", upload("empty.pdf", b"", "application/pdf")),
        ("registration", upload("program.exe", b"MZ\x90\x00\x03", "application/pdf")),
    ],
    ids=[
        "text-file",
        "pdf-name-text-content",
        "png-name-pdf-content",
        "jpg-name-png-content",
        "no-extension",
        "empty",
        "executable",
    ],
)
def test_a_file_of_the_wrong_type_or_content_is_refused_and_nothing_stored(
    pending_bidder: AbstractBaseUser, kind: str, file: Any
) -> None:
    response = client_for(pending_bidder).post(
        DOCUMENTS_URL, {"kind": kind, "file": file}, format="multipart"
    )
    # An empty file is refused by the field itself; everything else by the service.
    code = "invalid" if file.name == "empty.pdf" else "invalid_document"
    assert_error(response, 400, code)
    assert not CompanyDocument.objects.exists()


def test_an_oversize_file_is_refused_and_nothing_stored(
    pending_bidder: AbstractBaseUser, settings: Any
) -> None:
    settings.DOCUMENT_MAX_BYTES = len(PDF_BYTES) + 10
    big = upload("certificate.pdf", PDF_BYTES + b"%" * 100, "application/pdf")

    response = client_for(pending_bidder).post(
        DOCUMENTS_URL, {"kind": "registration", "file": big}, format="multipart"
    )

    body = assert_error(response, 400, "invalid_document")
    assert "larger" in body["message"]
    assert not CompanyDocument.objects.exists()


def test_an_unknown_kind_of_document_is_refused(pending_bidder: AbstractBaseUser) -> None:
    response = client_for(pending_bidder).post(
        DOCUMENTS_URL,
        {"kind": "passport", "file": upload("passport.pdf", PDF_BYTES)},
        format="multipart",
    )
    body = assert_error(response, 400, "invalid")
    assert "kind" in body["errors"]
    assert not CompanyDocument.objects.exists()


def test_an_upload_without_a_file_is_refused(pending_bidder: AbstractBaseUser) -> None:
    response = client_for(pending_bidder).post(
        DOCUMENTS_URL, {"kind": "registration"}, format="multipart"
    )
    body = assert_error(response, 400, "invalid")
    assert "file" in body["errors"]
    assert not CompanyDocument.objects.exists()


def test_a_json_upload_is_unsupported(pending_bidder: AbstractBaseUser) -> None:
    response = client_for(pending_bidder).post(
        DOCUMENTS_URL, {"kind": "registration", "file": "JVBERi0="}, format="json"
    )
    assert_error(response, 415, "unsupported_media_type")
    assert not CompanyDocument.objects.exists()


def test_a_user_without_a_company_cannot_upload(newcomer: AbstractBaseUser) -> None:
    response = client_for(newcomer).post(
        DOCUMENTS_URL,
        {"kind": "registration", "file": upload("certificate.pdf", PDF_BYTES)},
        format="multipart",
    )
    assert_error(response, 404, "no_company")
    assert not CompanyDocument.objects.exists()


# --- Applications refused ---------------------------------------------------------------


def apply(user: AbstractBaseUser, lot_id: int, accept_terms: Any = True) -> Any:
    return client_for(user).post(
        APPLICATIONS_URL, {"lot": lot_id, "accept_terms": accept_terms}, format="json"
    )


def test_applying_twice_is_a_conflict_and_creates_nothing_more(
    bidder_user: AbstractBaseUser, published_lot: Lot
) -> None:
    assert apply(bidder_user, published_lot.pk).status_code == 201

    assert_error(apply(bidder_user, published_lot.pk), 409, "already_applied")
    assert Application.objects.count() == 1
    assert Payment.objects.count() == 2


def test_applying_after_the_deadline_is_refused(bidder_user: AbstractBaseUser) -> None:
    lot = LotFactory(application_deadline=timezone.now() - timedelta(minutes=1))
    assert_error(apply(bidder_user, lot.pk), 400, "deadline_passed")
    assert not Application.objects.exists()
    assert not Payment.objects.exists()


def test_applying_while_pending_approval_is_refused(
    pending_company: Company, published_lot: Lot
) -> None:
    user = RepresentativeFactory(company=pending_company).user
    assert_error(apply(user, published_lot.pk), 400, "company_not_approved")
    assert not Application.objects.exists()


def test_applying_without_accepting_the_terms_is_refused(
    bidder_user: AbstractBaseUser, published_lot: Lot
) -> None:
    assert_error(
        apply(bidder_user, published_lot.pk, accept_terms=False), 400, "terms_not_accepted"
    )
    assert not Application.objects.exists()


def test_applying_without_saying_whether_the_terms_are_accepted_is_refused(
    bidder_user: AbstractBaseUser, published_lot: Lot
) -> None:
    response = client_for(bidder_user).post(
        APPLICATIONS_URL, {"lot": published_lot.pk}, format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert "accept_terms" in body["errors"]
    assert not Application.objects.exists()


def test_applying_for_a_lot_that_does_not_exist_is_a_field_error(
    bidder_user: AbstractBaseUser,
) -> None:
    body = assert_error(apply(bidder_user, 987654), 400, "invalid")
    assert "lot" in body["errors"]
    assert not Application.objects.exists()


def test_a_draft_lot_answers_like_one_that_does_not_exist(bidder_user: AbstractBaseUser) -> None:
    draft = LotFactory(status=Lot.Status.DRAFT)
    body = assert_error(apply(bidder_user, draft.pk), 400, "invalid")
    assert "lot" in body["errors"]
    assert not Application.objects.exists()


def test_applying_for_a_closed_lot_is_refused(bidder_user: AbstractBaseUser) -> None:
    lot = LotFactory(status=Lot.Status.CLOSED)
    assert_error(apply(bidder_user, lot.pk), 400, "lot_not_open")
    assert not Application.objects.exists()


def test_applying_without_a_company_is_refused(
    newcomer: AbstractBaseUser, published_lot: Lot
) -> None:
    assert_error(apply(newcomer, published_lot.pk), 400, "not_a_representative")
    assert not Application.objects.exists()


# --- Authentication -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", COMPANY_URL),
        ("post", COMPANY_URL),
        ("put", COMPANY_URL),
        ("get", DOCUMENTS_URL),
        ("post", DOCUMENTS_URL),
        ("get", "/api/company/documents/1/download/"),
        ("get", APPLICATIONS_URL),
        ("post", APPLICATIONS_URL),
        ("get", "/api/applications/1/"),
    ],
)
def test_anonymous_requests_are_refused_with_the_error_body(method: str, url: str) -> None:
    response = getattr(APIClient(), method)(url, {}, format="json")
    assert_error(response, 403, "not_authenticated")
    assert not Company.objects.exists()


def test_an_unsafe_request_without_a_csrf_token_is_refused(
    bidder_user: AbstractBaseUser, published_lot: Lot
) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(bidder_user)
    body = {"lot": published_lot.pk, "accept_terms": True}

    response = client.post(APPLICATIONS_URL, body, format="json")
    assert_error(response, 403, "permission_denied")
    assert "CSRF" in response.json()["message"]
    assert not Application.objects.exists()

    token = "k" * 32
    client.cookies["csrftoken"] = token
    response = client.post(APPLICATIONS_URL, body, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


# --- Nobody sees another company's data ---------------------------------------------------


@pytest.fixture
def rival_company() -> Company:
    """Another approved company, with a document and an application of its own."""
    company = CompanyFactory(legal_name="Rival Metals Ltd", country="CN")
    CompanyDocumentFactory(company=company, original_name="rival.pdf")
    RepresentativeFactory(company=company, user__username="rival")
    application = ApplicationFactory(company=company)
    PaymentFactory(application=application)
    return company


def test_a_bidder_cannot_see_another_companys_documents_or_applications(
    bidder_user: AbstractBaseUser,
    submitted_application: Application,
    approved_company: Company,
    rival_company: Company,
) -> None:
    client = client_for(bidder_user)
    own_document = CompanyDocumentFactory(company=approved_company)
    rival_document = rival_company.documents.get()
    rival_application = rival_company.applications.get()

    assert_error(
        client.get(f"/api/company/documents/{rival_document.pk}/download/"), 404, "not_found"
    )
    assert_error(client.get(f"{APPLICATIONS_URL}{rival_application.pk}/"), 404, "not_found")

    assert client.get(f"/api/company/documents/{own_document.pk}/download/").status_code == 200
    assert client.get(f"{APPLICATIONS_URL}{submitted_application.pk}/").status_code == 200
    company = client.get(COMPANY_URL).json()
    assert company["id"] == approved_company.pk
    assert [d["id"] for d in company["documents"]] == [own_document.pk]
    documents = client.get(DOCUMENTS_URL).json()["results"]
    assert [d["id"] for d in documents] == [own_document.pk]
    applications = client.get(APPLICATIONS_URL).json()["results"]
    assert [a["id"] for a in applications] == [submitted_application.pk]


def test_staff_download_any_companys_document(
    staff_clerk: AbstractBaseUser, rival_company: Company
) -> None:
    document = rival_company.documents.get()
    response = client_for(staff_clerk).get(f"/api/company/documents/{document.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_a_user_without_a_company_cannot_download_documents(
    newcomer: AbstractBaseUser, rival_company: Company
) -> None:
    document = rival_company.documents.get()
    response = client_for(newcomer).get(f"/api/company/documents/{document.pk}/download/")
    assert_error(response, 404, "not_found")


def test_a_missing_document_or_application_is_not_found(bidder_user: AbstractBaseUser) -> None:
    client = client_for(bidder_user)
    assert_error(client.get("/api/company/documents/424242/download/"), 404, "not_found")
    assert_error(client.get(f"{APPLICATIONS_URL}424242/"), 404, "not_found")


def test_amounts_keep_their_cents(bidder_user: AbstractBaseUser, approved_company: Company) -> None:
    lot = LotFactory(participation_fee=Decimal("1234567.89"), guarantee_deposit=Decimal("0.10"))
    assert apply(bidder_user, lot.pk).status_code == 201
    [application] = client_for(bidder_user).get(APPLICATIONS_URL).json()["results"]
    amounts = {payment["kind"]: payment["amount"] for payment in application["payments"]}
    assert amounts == {"participation_fee": "1234567.89", "guarantee_deposit": "0.10"}


def test_a_document_whose_file_is_gone_is_not_found(
    bidder_user: AbstractBaseUser, approved_company: Company
) -> None:
    document = CompanyDocumentFactory(company=approved_company)
    document.file.storage.delete(document.file.name)
    response = client_for(bidder_user).get(f"/api/company/documents/{document.pk}/download/")
    assert_error(response, 404, "not_found")
