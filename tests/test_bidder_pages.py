"""Bidders' pages: registration, the company page, documents, lots, applying, the dashboard."""

import html
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auctions.models import Application, Lot, Payment, Result
from auctions.tests.factories import ApplicationFactory, LotFactory, PaymentFactory
from bidders.models import (
    BeneficialOwner,
    Company,
    CompanyDecision,
    CompanyDocument,
    Representative,
)
from bidders.tests.factories import (
    PDF_BYTES,
    BeneficialOwnerFactory,
    CompanyDocumentFactory,
    CompanyFactory,
    RepresentativeFactory,
    UserFactory,
    with_all_documents,
)
from deposits.tests.factories import ReserveFactory

pytestmark = pytest.mark.django_db

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
)
COUNTED = (Company, BeneficialOwner, CompanyDocument, Representative, Application, Payment)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path: Path) -> Path:
    """Keep the files these tests upload out of the project's var directory."""
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def text(response) -> str:
    """Return the response's HTML with entities decoded, as a reader sees the text."""
    return html.unescape(response.content.decode())


def pdf(name: str = "document.pdf", data: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def owner_rows(*owners: tuple[str, str, str, str], total: int = 3) -> dict[str, str]:
    data = {
        "owners-TOTAL_FORMS": str(max(total, len(owners))),
        "owners-INITIAL_FORMS": "0",
        "owners-MIN_NUM_FORMS": "0",
        "owners-MAX_NUM_FORMS": "1000",
    }
    for index, (full_name, country, identifier, share) in enumerate(owners):
        data |= {
            f"owners-{index}-full_name": full_name,
            f"owners-{index}-country": country,
            f"owners-{index}-identifier": identifier,
            f"owners-{index}-share_percent": share,
        }
    return data


def company_fields(**overrides: str) -> dict[str, str]:
    return {
        "legal_name": "Steppe Lithium LLP",
        "country": "KZ",
        "registration_number": "240140000123",
        "tax_number": "KZ-TAX-998877",
        "address": "12 Dostyk Avenue, Astana",
        "contact_name": "Aigerim Sadykova",
        "contact_email": "aigerim@steppe-lithium.example",
        "contact_phone": "+7 717 200 0000",
    } | overrides


def registration(**overrides: object) -> dict[str, object]:
    """Return a complete, valid registration POST; overrides replace or add fields."""
    data: dict[str, object] = {
        **company_fields(),
        "position": "Managing director",
        **owner_rows(
            ("Aigerim Sadykova", "KZ", "N 1234 5678", "60"),
            ("Baiterek Holdings Ltd", "GB", "09876543", "40"),
        ),
        "registration_certificate": pdf("certificate.pdf"),
        "ownership_structure": pdf("ownership.pdf"),
        "power_of_attorney": pdf("attorney.pdf"),
    }
    return data | overrides


@pytest.fixture
def newcomer(client: Client) -> AbstractBaseUser:
    """A signed-in user who represents no company yet."""
    user = UserFactory(username="aigerim", email="aigerim@steppe-lithium.example")
    client.force_login(user)
    return user


@pytest.fixture
def bidder_client(client: Client, bidder_user: AbstractBaseUser) -> Client:
    client.force_login(bidder_user)
    return client


def bidder_of(company: Company, client: Client) -> Client:
    client.force_login(RepresentativeFactory(company=company).user)
    return client


# --- Account pages inside the site layout ---------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/confirm-email/",
        "/accounts/confirm-email/not-a-real-key/",
    ],
)
def test_account_pages_render_inside_the_site_layout(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="site-header"' in page
    assert "css/nedra.css" in page
    assert 'id="main"' in page


def test_login_page_has_labelled_fields(client: Client) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert '<label for="id_login"' in page
    assert '<label for="id_password"' in page


# --- Navigation ----------------------------------------------------------------------


def test_nav_offers_login_and_registration_to_anonymous_visitors(client: Client) -> None:
    page = text(client.get("/"))
    assert reverse("account_login") in page
    assert "Register company" in page
    assert "Log out" not in page


def test_nav_offers_dashboard_company_and_post_logout_to_bidders(bidder_client: Client) -> None:
    page = bidder_client.get("/").content.decode()
    assert reverse("dashboard") in page
    assert reverse("bidders:company") in page
    assert f'action="{reverse("account_logout")}" method="post"' in page
    assert "Ministry admin" not in page


def test_nav_offers_the_admin_to_staff(client: Client, staff_clerk) -> None:
    client.force_login(staff_clerk)
    assert "Ministry admin" in client.get("/").content.decode()


# --- Registration ------------------------------------------------------------------------


def test_register_page_shows_company_owner_and_document_fields(client: Client, newcomer) -> None:
    response = client.get(reverse("bidders:register"))
    assert response.status_code == 200
    page = text(response)
    for label in [
        "Legal name",
        "Country of registration",
        "Registration number",
        "Tax number",
        "Beneficial owners",
        "Passport or registration number",
        "Certificate of registration",
        "Ownership structure",
        "Power of attorney",
        "Your position in the company",
    ]:
        assert label in page
    assert 'enctype="multipart/form-data"' in page
    assert 'accept=".pdf,.jpg,.jpeg,.png"' in page


def test_registration_creates_a_pending_company_with_owners_documents_and_representative(
    client: Client, newcomer, private_media: Path
) -> None:
    response = client.post(reverse("bidders:register"), registration())
    assert response.status_code == 302
    assert response.url == reverse("bidders:company")
    company = Company.objects.get(registration_number="240140000123")
    assert company.status == Company.Status.PENDING
    assert company.country.code == "KZ"
    assert Representative.objects.get(user=newcomer).company == company
    assert Representative.objects.get(user=newcomer).position == "Managing director"
    owners = {owner.full_name: owner for owner in company.beneficial_owners.all()}
    assert set(owners) == {"Aigerim Sadykova", "Baiterek Holdings Ltd"}
    assert owners["Aigerim Sadykova"].identifier == "N12345678"
    assert owners["Aigerim Sadykova"].share_percent == Decimal("60.00")
    documents = {document.kind: document for document in company.documents.all()}
    assert set(documents) == set(CompanyDocument.Kind.values)
    assert documents[CompanyDocument.Kind.POWER_OF_ATTORNEY].original_name == "attorney.pdf"
    assert documents[CompanyDocument.Kind.POWER_OF_ATTORNEY].content_type == "application/pdf"
    followed = client.get(response.url)
    assert "is registered and waits for the ministry's review" in text(followed)


def test_uploaded_documents_are_under_no_public_url(
    client: Client, newcomer, private_media: Path
) -> None:
    client.post(reverse("bidders:register"), registration())
    for document in CompanyDocument.objects.all():
        stored = Path(document.file.path)
        assert stored.is_file()
        assert private_media in stored.parents
        assert "attorney" not in stored.name  # stored under a random name
        for public in (f"/media/{document.file.name}", f"/{document.file.name}"):
            assert client.get(public).status_code == 404
        assert client.get(f"/static/{document.file.name}").status_code == 404


def assert_registration_refused(client: Client, data: dict[str, object], message: str) -> None:
    before = counts()
    response = client.post(reverse("bidders:register"), data)
    assert response.status_code == 400
    page = text(response)
    assert message in page
    assert "Nothing was saved" in page
    assert counts() == before


def test_registration_without_required_fields_is_refused(client: Client, newcomer) -> None:
    assert_registration_refused(
        client, registration(legal_name="", tax_number=""), "This field is required."
    )


def test_registration_field_errors_are_tied_to_their_inputs(client: Client, newcomer) -> None:
    response = client.post(reverse("bidders:register"), registration(legal_name=""))
    page = response.content.decode()
    assert 'id="id_legal_name_error"' in page
    assert 'aria-describedby="id_legal_name_error"' in page
    assert 'aria-invalid="true"' in page


def test_registration_without_owners_is_refused(client: Client, newcomer) -> None:
    data = {key: value for key, value in registration().items() if not key.startswith("owners-")}
    assert_registration_refused(client, data | owner_rows(), "List at least one beneficial owner.")


def test_registration_with_shares_over_100_percent_is_refused(client: Client, newcomer) -> None:
    data = registration(
        **owner_rows(("Aigerim Sadykova", "KZ", "N1", "60"), ("Bolat Ltd", "GB", "B2", "50.5"))
    )
    assert_registration_refused(client, data, "The owners' shares add up to more than 100%.")


def test_registration_with_a_half_filled_owner_row_is_refused(client: Client, newcomer) -> None:
    data = registration(**owner_rows(("Aigerim Sadykova", "KZ", "", "100")))
    assert_registration_refused(client, data, "This field is required.")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("setup.exe", b"MZ\x90\x00" + b"\x00" * 60),
            "Upload a PDF, JPEG or PNG file.",
        ),
        (
            SimpleUploadedFile("scan.pdf", PNG_BYTES, content_type="application/pdf"),
            "The file's content is not the PDF, JPEG or PNG its name says.",
        ),
        (
            SimpleUploadedFile("notes.pdf", b"just some plain text, not a PDF at all"),
            "The file's content is not the PDF, JPEG or PNG its name says.",
        ),
    ],
    ids=["exe", "png-named-pdf", "text-named-pdf"],
)
def test_registration_with_a_bad_document_is_refused(
    client: Client, newcomer, upload: SimpleUploadedFile, message: str
) -> None:
    assert_registration_refused(client, registration(ownership_structure=upload), message)


def test_registration_with_an_oversize_document_is_refused(
    client: Client, newcomer, settings
) -> None:
    settings.DOCUMENT_MAX_BYTES = len(PDF_BYTES) - 1
    assert_registration_refused(client, registration(), "The file is larger than")


def test_registration_of_a_company_already_registered_in_that_country_is_refused(
    client: Client, newcomer
) -> None:
    CompanyFactory(country="KZ", registration_number="240140000123")
    before = counts()
    response = client.post(reverse("bidders:register"), registration())
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_registration_number_error"' in page
    assert "already registered" in text(response)
    assert counts() == before


def test_user_who_represents_a_company_is_sent_to_its_page(bidder_client: Client) -> None:
    response = bidder_client.get(reverse("bidders:register"))
    assert response.status_code == 302
    assert response.url == reverse("bidders:company")
    before = counts()
    bidder_client.post(reverse("bidders:register"), registration())
    assert counts() == before


# --- Company page --------------------------------------------------------------------


def test_company_page_shows_status_details_owners_documents_and_decisions(
    client: Client, pending_company, staff_clerk
) -> None:
    BeneficialOwnerFactory(company=pending_company, full_name="Matti Virtanen", country="FI")
    CompanyDecision.objects.create(
        company=pending_company,
        status="rejected",
        reason="Certificate is illegible",
        decided_by=staff_clerk,
    )
    bidder_of(pending_company, client)
    response = client.get(reverse("bidders:company"))
    assert response.status_code == 200
    page = text(response)
    assert "Nordic Rare Earths Oy" in page
    assert "Pending approval" in page
    assert "Next: ministry staff check your company" in page
    assert "Finland" in page
    assert "Matti Virtanen" in page
    for document in pending_company.documents.all():
        assert reverse("bidders:document", args=[document.pk]) in page
    assert "Certificate of registration" in page
    assert "Certificate is illegible" in page
    assert '<span class="time-zone">Astana time (UTC+5)</span>' in page
    assert staff_clerk.get_username() not in page  # who decided stays staff-internal
    assert reverse("bidders:company_edit") in page


def test_rejected_company_page_shows_the_reason_and_edit_and_resubmit(
    client: Client, pending_company
) -> None:
    Company.objects.filter(pk=pending_company.pk).update(
        status=Company.Status.REJECTED, status_reason="Power of attorney expired"
    )
    bidder_of(pending_company, client)
    page = text(client.get(reverse("bidders:company")))
    assert "Rejected" in page
    assert "Power of attorney expired" in page
    assert "Edit and resubmit" in page


def test_suspended_company_page_shows_the_reason_and_no_edit_link(
    bidder_client: Client, approved_company
) -> None:
    Company.objects.filter(pk=approved_company.pk).update(
        status=Company.Status.SUSPENDED, status_reason="Sanctions screening"
    )
    page = text(bidder_client.get(reverse("bidders:company")))
    assert "Suspended" in page
    assert "Sanctions screening" in page
    assert reverse("bidders:company_edit") not in page


def test_company_page_lists_missing_documents(bidder_client: Client) -> None:
    page = text(bidder_client.get(reverse("bidders:company")))
    assert "Still missing, needed for approval" in page
    assert "Power of attorney for the representative" in page


def test_user_without_a_company_is_sent_to_register(client: Client, newcomer) -> None:
    response = client.get(reverse("bidders:company"))
    assert response.status_code == 302
    assert response.url == reverse("bidders:register")


def test_uploading_a_new_version_of_a_document_adds_it(
    bidder_client: Client, approved_company
) -> None:
    Company.objects.filter(pk=approved_company.pk).update(
        status=Company.Status.REJECTED, status_reason="Power of attorney expired"
    )
    response = bidder_client.post(
        reverse("bidders:upload_document"),
        {"kind": CompanyDocument.Kind.POWER_OF_ATTORNEY, "file": pdf("attorney-2026.pdf")},
    )
    assert response.status_code == 302
    document = approved_company.documents.get()
    assert document.original_name == "attorney-2026.pdf"
    assert document.kind == CompanyDocument.Kind.POWER_OF_ATTORNEY
    assert "attorney-2026.pdf" in text(bidder_client.get(response.url))


def test_an_approved_company_cannot_swap_its_documents(
    bidder_client: Client, approved_company
) -> None:
    response = bidder_client.post(
        reverse("bidders:upload_document"),
        {"kind": CompanyDocument.Kind.OWNERSHIP_STRUCTURE, "file": pdf("new-owners.pdf")},
    )
    assert response.status_code == 400
    assert "change only through the ministry" in text(response)
    assert not approved_company.documents.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"kind": "attorney", "file": SimpleUploadedFile("a.pdf", b"plain text only")},
            "The file's content is not the PDF, JPEG or PNG its name says.",
        ),
        ({"kind": "attorney"}, "This field is required."),
        ({"kind": "passport", "file": pdf()}, "Select a valid choice."),
    ],
    ids=["text-as-pdf", "no-file", "unknown-kind"],
)
def test_a_bad_document_upload_is_refused(
    bidder_client: Client, data: dict[str, object], message: str
) -> None:
    before = counts()
    response = bidder_client.post(reverse("bidders:upload_document"), data)
    assert response.status_code == 400
    page = text(response)
    assert message in page
    assert "The document was not uploaded." in page
    assert counts() == before


def test_document_download_streams_the_file_as_an_attachment(
    bidder_client: Client, approved_company
) -> None:
    document = CompanyDocumentFactory(company=approved_company, original_name="cert 2026.pdf")
    response = bidder_client.get(reverse("bidders:document", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'attachment; filename="cert 2026.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF_BYTES


# --- Editing -----------------------------------------------------------------------------


def edit_data(company: Company, **overrides: str) -> dict[str, str]:
    owners = list(company.beneficial_owners.all())
    data = {
        **company_fields(
            legal_name=company.legal_name,
            country=company.country.code,
            registration_number=company.registration_number,
            tax_number=company.tax_number,
            address=company.address,
            contact_name=company.contact_name,
            contact_email=company.contact_email,
            contact_phone=company.contact_phone,
        ),
        **owner_rows(
            *[(o.full_name, o.country.code, o.identifier, str(o.share_percent)) for o in owners],
            total=len(owners),
        ),
        "owners-INITIAL_FORMS": str(len(owners)),
    }
    return data | overrides


@pytest.fixture
def rejected_company() -> Company:
    company = with_all_documents(
        CompanyFactory(
            legal_name="Altai Tungsten LLP",
            country="KZ",
            status=Company.Status.REJECTED,
            status_reason="Tax number does not match the certificate",
        )
    )
    BeneficialOwnerFactory(company=company, full_name="Dias Nurlanov", share_percent="100")
    return company


def test_edit_page_is_prefilled_with_the_company_and_its_owners(
    client: Client, rejected_company
) -> None:
    bidder_of(rejected_company, client)
    response = client.get(reverse("bidders:company_edit"))
    assert response.status_code == 200
    page = text(response)
    assert 'value="Altai Tungsten LLP"' in page
    assert 'value="Dias Nurlanov"' in page
    assert "Tax number does not match the certificate" in page
    assert "Save and resubmit for review" in page
    assert page.count("Remove this owner") == 1  # only existing owners can be removed
    assert 'name="owners-__prefix__-full_name"' in page  # the "Add another owner" row


def test_editing_a_rejected_company_resubmits_it(client: Client, rejected_company) -> None:
    bidder_of(rejected_company, client)
    response = client.post(
        reverse("bidders:company_edit"), edit_data(rejected_company, tax_number="KZ-TAX-1")
    )
    assert response.status_code == 302
    rejected_company.refresh_from_db()
    assert rejected_company.status == Company.Status.PENDING
    assert rejected_company.status_reason == ""
    assert rejected_company.tax_number == "KZ-TAX-1"
    assert "back in review" in text(client.get(response.url))


def test_editing_replaces_the_owners_and_can_remove_one(client: Client, rejected_company) -> None:
    BeneficialOwnerFactory(company=rejected_company, full_name="Leaving Partner", share_percent=5)
    bidder_of(rejected_company, client)
    data = edit_data(rejected_company)
    removed = next(
        key.removesuffix("-full_name") for key, value in data.items() if value == "Leaving Partner"
    )
    data |= {
        f"{removed}-DELETE": "on",
        "owners-0-share_percent": "70",
        "owners-TOTAL_FORMS": "4",
        "owners-2-full_name": "Saule Investments",
        "owners-2-country": "KZ",
        "owners-2-identifier": "BIN-77",
        "owners-2-share_percent": "30",
    }
    response = client.post(reverse("bidders:company_edit"), data)
    assert response.status_code == 302
    owners = dict(rejected_company.beneficial_owners.values_list("full_name", "share_percent"))
    assert owners == {"Dias Nurlanov": Decimal("70.00"), "Saule Investments": Decimal("30.00")}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"legal_name": ""}, "This field is required."),
        ({"owners-0-share_percent": "100.01"}, "less than or equal to 100"),
        (
            {
                "owners-0-full_name": "",
                "owners-0-country": "",
                "owners-0-identifier": "",
                "owners-0-share_percent": "",
            },
            "This field is required.",
        ),
        ({"registration_number": "TAKEN-1"}, "already registered"),
    ],
    ids=["missing-name", "share-over-100", "owner-emptied", "registration-taken"],
)
def test_bad_edits_are_refused_and_change_nothing(
    client: Client, rejected_company, overrides: dict[str, str], message: str
) -> None:
    CompanyFactory(country="KZ", registration_number="TAKEN-1")
    bidder_of(rejected_company, client)
    before = counts()
    response = client.post(
        reverse("bidders:company_edit"), edit_data(rejected_company, **overrides)
    )
    assert response.status_code == 400
    assert message in text(response)
    assert counts() == before
    rejected_company.refresh_from_db()
    assert rejected_company.status == Company.Status.REJECTED


def test_removing_every_owner_is_refused(client: Client, rejected_company) -> None:
    bidder_of(rejected_company, client)
    before = counts()
    response = client.post(
        reverse("bidders:company_edit"), edit_data(rejected_company, **{"owners-0-DELETE": "on"})
    )
    assert response.status_code == 400
    assert "List at least one beneficial owner." in text(response)
    assert counts() == before


def test_an_approved_company_cannot_be_edited_by_its_bidder(
    bidder_client: Client, approved_company
) -> None:
    response = bidder_client.get(reverse("bidders:company_edit"))
    assert response.status_code == 302
    assert "ask the ministry" in text(bidder_client.get(response.url))
    refused = bidder_client.post(
        reverse("bidders:company_edit"),
        edit_data(approved_company, legal_name="Renamed")
        | owner_rows(("Someone", "US", "P1", "100"), total=1),
    )
    assert refused.status_code == 400
    assert "ask the ministry to change its details" in text(refused)
    approved_company.refresh_from_db()
    assert approved_company.legal_name == "Ridgeline Critical Minerals Inc."


# --- Lot page ----------------------------------------------------------------------------


@pytest.fixture
def gold_lot() -> Lot:
    lot = LotFactory(
        deposit__name="Akbakai",
        deposit__description="Gold-quartz veins in the Chu-Ili belt.",
        deposit__exploration_history="Surveyed by the Soviet geological service in 1988.",
        starting_price=Decimal("2500000000.00"),
    )
    ReserveFactory(deposit=lot.deposit, source="State balance, 1988")
    return lot


def test_lot_page_shows_the_deposit_reserves_terms_and_schedule(client: Client, gold_lot) -> None:
    response = client.get(reverse("lot", args=[gold_lot.pk]))
    assert response.status_code == 200
    page = text(response)
    for expected in [
        f"Lot {gold_lot.number}: Akbakai",
        gold_lot.event.name,
        gold_lot.deposit.region.name,
        "Gold-quartz veins",
        "Soviet geological service",
        "49.80000° N, 73.10000° E",
        "Gold",
        "C1",
        "12,000 kg",
        "4.2000 g/t",
        "State balance, 1988",
        "Exploration",
        "6 years",
        "12.50 km²",
        "5 licensing blocks",
        "KZT\u00a02,500,000,000",
        "KZT\u00a05,000,000",
        "KZT\u00a01,000,000",
        "KZT\u00a010,000,000",
        "KZT\u00a025,000,000",
        '<span class="time-zone">Astana time (UTC+5)</span>',
        "Open for applications",
        "How to apply",
        "Log in to apply",
    ]:
        assert expected in page, expected


def test_home_links_each_lot_to_its_page(client: Client, gold_lot) -> None:
    assert reverse("lot", args=[gold_lot.pk]) in client.get("/").content.decode()


def test_a_draft_lot_has_no_page(client: Client) -> None:
    draft = LotFactory(status=Lot.Status.DRAFT)
    assert client.get(reverse("lot", args=[draft.pk])).status_code == 404


def test_an_approved_bidder_sees_the_apply_form(bidder_client: Client, published_lot) -> None:
    page = text(bidder_client.get(reverse("lot", args=[published_lot.pk])))
    assert reverse("lot_apply", args=[published_lot.pk]) in page
    assert "I accept the lot's terms" in page
    assert "After applying, your company pays:" in page
    assert "Participation fee (non-refundable)" in page
    assert "KZT\u00a01,000,000" in page


def test_a_bidder_who_applied_sees_the_application_not_the_form(
    bidder_client: Client, submitted_application
) -> None:
    lot = submitted_application.lot
    page = text(bidder_client.get(reverse("lot", args=[lot.pk])))
    assert "Submitted" in page
    assert reverse("dashboard") in page
    assert reverse("lot_apply", args=[lot.pk]) not in page


def test_a_pending_company_is_told_it_cannot_apply_yet(
    client: Client, pending_company, published_lot
) -> None:
    bidder_of(pending_company, client)
    page = text(client.get(reverse("lot", args=[published_lot.pk])))
    assert "only approved companies may apply" in page
    assert reverse("lot_apply", args=[published_lot.pk]) not in page


def test_a_lot_past_its_deadline_offers_no_form(bidder_client: Client) -> None:
    lot = LotFactory(application_deadline=timezone.now() - timedelta(hours=1))
    page = text(bidder_client.get(reverse("lot", args=[lot.pk])))
    assert "Applications closed on" in page
    assert reverse("lot_apply", args=[lot.pk]) not in page


# --- Applying ----------------------------------------------------------------------------


def test_applying_creates_the_application_with_two_awaited_payments(
    bidder_client: Client, approved_company, published_lot
) -> None:
    response = bidder_client.post(
        reverse("lot_apply", args=[published_lot.pk]), {"accept_terms": "on"}
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    application = Application.objects.get(company=approved_company, lot=published_lot)
    payments = list(application.payments.order_by("kind"))
    assert [(p.kind, p.amount, p.status) for p in payments] == [
        (Payment.Kind.GUARANTEE_DEPOSIT, Decimal("10000000.00"), Payment.Status.AWAITING),
        (Payment.Kind.PARTICIPATION_FEE, Decimal("1000000.00"), Payment.Status.AWAITING),
    ]
    dashboard = text(bidder_client.get(response.url))
    assert f"Your application for lot {published_lot.number} is submitted." in dashboard
    for payment in payments:
        assert payment.reference in dashboard
    assert "KZT\u00a010,000,000" in dashboard
    assert "Awaiting" in dashboard


def assert_application_refused(client: Client, lot: Lot, message: str, **data: str) -> None:
    before = counts()
    response = client.post(reverse("lot_apply", args=[lot.pk]), data)
    assert response.status_code == 400
    assert message in text(response)
    assert counts() == before


def test_applying_after_the_deadline_is_refused(bidder_client: Client) -> None:
    lot = LotFactory(application_deadline=timezone.now() - timedelta(minutes=1))
    assert_application_refused(
        bidder_client, lot, "The application deadline for this lot has passed.", accept_terms="on"
    )


def test_applying_twice_is_refused(bidder_client: Client, submitted_application) -> None:
    assert_application_refused(
        bidder_client,
        submitted_application.lot,
        "Your company has already applied for this lot.",
        accept_terms="on",
    )


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (Company.Status.PENDING, "pending approval"),
        (Company.Status.REJECTED, "rejected"),
        (Company.Status.SUSPENDED, "suspended"),
    ],
)
def test_applying_for_a_company_that_is_not_approved_is_refused(
    bidder_client: Client, approved_company, published_lot, status: str, shown: str
) -> None:
    Company.objects.filter(pk=approved_company.pk).update(status=status, status_reason="Checks")
    assert_application_refused(
        bidder_client,
        published_lot,
        f"Your company is {shown}; only approved companies may apply.",
        accept_terms="on",
    )


def test_applying_without_accepting_the_terms_is_refused(
    bidder_client: Client, published_lot
) -> None:
    assert_application_refused(bidder_client, published_lot, "Accept the lot's terms to apply.")
    response = bidder_client.post(reverse("lot_apply", args=[published_lot.pk]), {})
    assert 'aria-describedby="id_accept_terms_error"' in response.content.decode()
    assert "Your application was not submitted." in text(response)


def test_applying_for_a_closed_lot_is_refused(bidder_client: Client) -> None:
    lot = LotFactory(status=Lot.Status.CANCELLED)
    assert_application_refused(
        bidder_client, lot, f"Lot {lot.number} is not open for applications.", accept_terms="on"
    )


def test_applying_for_a_draft_lot_finds_no_lot(bidder_client: Client) -> None:
    draft = LotFactory(status=Lot.Status.DRAFT)
    before = counts()
    response = bidder_client.post(reverse("lot_apply", args=[draft.pk]), {"accept_terms": "on"})
    assert response.status_code == 404
    assert counts() == before


def test_apply_accepts_only_post(bidder_client: Client, published_lot) -> None:
    assert bidder_client.get(reverse("lot_apply", args=[published_lot.pk])).status_code == 405


# --- Dashboard ---------------------------------------------------------------------------


def test_dashboard_asks_a_user_without_a_company_to_register(client: Client, newcomer) -> None:
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert reverse("bidders:register") in response.content.decode()
    assert "Register your company" in text(response)


def test_dashboard_shows_the_company_status_with_reason(client: Client, pending_company) -> None:
    Company.objects.filter(pk=pending_company.pk).update(
        status=Company.Status.REJECTED, status_reason="Missing apostille"
    )
    bidder_of(pending_company, client)
    page = text(client.get(reverse("dashboard")))
    assert "Rejected" in page
    assert "Missing apostille" in page
    assert "Edit and resubmit" in page


def admitted(application: Application, number: int) -> Application:
    Application.objects.filter(pk=application.pk).update(
        status=Application.Status.ADMITTED, participant_number=number
    )
    application.refresh_from_db()
    return application


def test_dashboard_shows_an_admitted_application_as_participant_n(
    bidder_client: Client, submitted_application
) -> None:
    admitted(submitted_application, 3)
    response = bidder_client.get(reverse("dashboard"))
    page = text(response)
    assert "Participant 3" in page
    assert "Lots you may bid in" in page
    assert "Bidding opens at the start time." in page
    room = reverse("auctions:room", args=[submitted_application.lot_id])
    assert room in response.content.decode()
    assert "Admitted" in page


def test_dashboard_shows_won_lost_and_failed_lots(bidder_client: Client, approved_company) -> None:
    rival = CompanyFactory()
    outcomes = {}
    for name, outcome in [("Won", "won"), ("Lost", "lost"), ("Failed", "failed")]:
        lot = LotFactory(deposit__name=f"{name} deposit", status=Lot.Status.CLOSED)
        ours = admitted(ApplicationFactory(lot=lot, company=approved_company), 1)
        theirs = admitted(ApplicationFactory(lot=lot, company=rival), 2)
        winner = {"won": ours, "lost": theirs, "failed": None}[outcome]
        Result.objects.create(
            lot=lot,
            outcome=Result.Outcome.FAILED if winner is None else Result.Outcome.AWARDED,
            winner=winner,
            winning_bonus=None if winner is None else Decimal("3100000000.00"),
            bid_count=0 if winner is None else 7,
            closed_at=timezone.now(),
        )
        outcomes[name] = lot
    page = text(bidder_client.get(reverse("dashboard")))
    assert "Your signature bonus of KZT\u00a03,100,000,000 won." in page
    assert "Another participant won this lot." in page
    assert "The auction failed" in page
    assert rival.legal_name not in page


def test_dashboard_queries_stay_bounded_with_many_applications(
    bidder_client: Client, approved_company, django_assert_max_num_queries
) -> None:
    for number in range(8):
        lot = LotFactory()
        application = ApplicationFactory(lot=lot, company=approved_company)
        PaymentFactory(application=application, kind=Payment.Kind.PARTICIPATION_FEE)
        PaymentFactory(application=application, kind=Payment.Kind.GUARANTEE_DEPOSIT)
        if number % 2:
            admitted(application, 1)
    closed = LotFactory(status=Lot.Status.CLOSED)
    Result.objects.create(
        lot=closed,
        outcome=Result.Outcome.AWARDED,
        winner=admitted(ApplicationFactory(lot=closed, company=approved_company), 1),
        winning_bonus=Decimal("200000000.00"),
        bid_count=3,
        closed_at=timezone.now(),
    )
    # Eight: one asks whether the representative has a second factor yet, one reads the
    # ministry's bank details (once, whatever the number of payments).
    with django_assert_max_num_queries(8):
        response = bidder_client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert text(response).count("Participant 1") >= 5
