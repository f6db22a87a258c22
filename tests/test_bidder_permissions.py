"""Who may see what: a bidder sees only its own company, documents and applications."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from auctions.models import Application
from auctions.tests.factories import ApplicationFactory, LotFactory, PaymentFactory
from bidders.models import Company, CompanyDocument
from bidders.tests.factories import (
    PDF_BYTES,
    BeneficialOwnerFactory,
    CompanyDocumentFactory,
    CompanyFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def company_a() -> Company:
    company = CompanyFactory(legal_name="Alpha Lithium LLP", status=Company.Status.PENDING)
    BeneficialOwnerFactory(company=company, full_name="Alpha Owner")
    return company


@pytest.fixture
def company_b() -> Company:
    company = CompanyFactory(
        legal_name="Bravo Tungsten Ltd",
        registration_number="BRAVO-1",
        tax_number="BRAVO-TAX",
        contact_email="secret@bravo.example",
        status=Company.Status.PENDING,
    )
    BeneficialOwnerFactory(company=company, full_name="Bravo Hidden Owner", identifier="BRV99")
    return company


@pytest.fixture
def document_b(company_b: Company) -> CompanyDocument:
    return CompanyDocumentFactory(company=company_b, original_name="bravo-certificate.pdf")


@pytest.fixture
def application_b(company_b: Company) -> Application:
    lot = LotFactory(deposit__name="Bravo's chosen deposit")
    application = ApplicationFactory(lot=lot, company=company_b)
    PaymentFactory(application=application, reference="NDR-BRAVO-SECRET")
    return application


@pytest.fixture
def client_a(client: Client, company_a: Company) -> Client:
    client.force_login(RepresentativeFactory(company=company_a).user)
    return client


def test_a_bidder_cannot_download_another_companys_document(
    client_a: Client, document_b: CompanyDocument
) -> None:
    response = client_a.get(reverse("bidders:document", args=[document_b.pk]))
    assert response.status_code == 404


def test_a_missing_document_id_looks_the_same_as_another_companys(
    client_a: Client, document_b: CompanyDocument
) -> None:
    missing = client_a.get(reverse("bidders:document", args=[document_b.pk + 1000]))
    other = client_a.get(reverse("bidders:document", args=[document_b.pk]))
    assert missing.status_code == other.status_code == 404


def test_own_pages_show_only_the_users_company(
    client_a: Client, company_b: Company, document_b: CompanyDocument, application_b: Application
) -> None:
    for name in ["bidders:company", "dashboard", "bidders:company_edit"]:
        page = client_a.get(reverse(name)).content.decode()
        assert "Alpha Lithium LLP" in page, name
        for secret in [
            "Bravo Tungsten Ltd",
            "BRAVO-1",
            "secret@bravo.example",
            "Bravo Hidden Owner",
            "bravo-certificate.pdf",
            "NDR-BRAVO-SECRET",
            "Bravo&#x27;s chosen deposit",
            reverse("bidders:document", args=[document_b.pk]),
        ]:
            assert secret not in page, (name, secret)


def test_the_lot_page_does_not_reveal_another_companys_application(
    client: Client, application_b: Application
) -> None:
    approved = CompanyFactory(legal_name="Approved Alpha")
    client.force_login(RepresentativeFactory(company=approved).user)
    page = client.get(reverse("lot", args=[application_b.lot.pk])).content.decode()
    assert "Bravo Tungsten Ltd" not in page
    assert "NDR-BRAVO-SECRET" not in page
    assert reverse("lot_apply", args=[application_b.lot.pk]) in page


def test_editing_changes_only_the_users_own_company(
    client_a: Client, company_a: Company, company_b: Company
) -> None:
    data = {
        "legal_name": "Alpha Lithium Renamed",
        "country": "US",
        "registration_number": company_a.registration_number,
        "tax_number": "A-TAX",
        "address": "Somewhere",
        "contact_name": "A",
        "contact_email": "a@alpha.example",
        "contact_phone": "",
        "owners-TOTAL_FORMS": "1",
        "owners-INITIAL_FORMS": "1",
        "owners-MIN_NUM_FORMS": "0",
        "owners-MAX_NUM_FORMS": "1000",
        "owners-0-full_name": "Alpha Owner",
        "owners-0-country": "US",
        "owners-0-identifier": "A1",
        "owners-0-share_percent": "100",
        # Ids of another company have no field to travel in; stray ones are ignored.
        "company_id": str(company_b.pk),
        "pk": str(company_b.pk),
    }
    assert client_a.post(reverse("bidders:company_edit"), data).status_code == 302
    company_a.refresh_from_db()
    company_b.refresh_from_db()
    assert company_a.legal_name == "Alpha Lithium Renamed"
    assert company_b.legal_name == "Bravo Tungsten Ltd"
    assert company_b.tax_number == "BRAVO-TAX"
    assert list(company_b.beneficial_owners.values_list("full_name", flat=True)) == [
        "Bravo Hidden Owner"
    ]


def test_an_upload_lands_on_the_users_own_company(
    client_a: Client, company_a: Company, company_b: Company
) -> None:
    client_a.post(
        reverse("bidders:upload_document"),
        {
            "kind": "registration",
            "file": SimpleUploadedFile("a.pdf", PDF_BYTES),
            "company_id": str(company_b.pk),
        },
    )
    assert company_a.documents.count() == 1
    assert company_b.documents.count() == 0


@pytest.mark.parametrize(
    ("method", "name", "needs_id"),
    [
        ("get", "dashboard", False),
        ("get", "bidders:company", False),
        ("get", "bidders:register", False),
        ("post", "bidders:register", False),
        ("get", "bidders:company_edit", False),
        ("post", "bidders:company_edit", False),
        ("post", "bidders:upload_document", False),
        ("get", "bidders:document", True),
        ("post", "lot_apply", True),
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(
    client: Client, document_b: CompanyDocument, method: str, name: str, needs_id: bool
) -> None:
    if name == "lot_apply":
        url = reverse(name, args=[LotFactory().pk])
    else:
        url = reverse(name, args=[document_b.pk]) if needs_id else reverse(name)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert Application.objects.count() == 0


def test_anonymous_applicants_return_to_the_lot_page_after_login(client: Client) -> None:
    lot = LotFactory()
    response = client.post(reverse("lot_apply", args=[lot.pk]), {"accept_terms": "on"})
    assert response.url == f"{reverse('account_login')}?next={reverse('lot', args=[lot.pk])}"


def test_staff_can_download_any_companys_document(
    client: Client, staff_clerk, document_b: CompanyDocument
) -> None:
    client.force_login(staff_clerk)
    response = client.get(reverse("bidders:document", args=[document_b.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_another_representative_of_the_same_company_can_download(
    client: Client, document_b: CompanyDocument, company_b: Company
) -> None:
    client.force_login(RepresentativeFactory(company=company_b).user)
    assert client.get(reverse("bidders:document", args=[document_b.pk])).status_code == 200


def test_a_user_without_a_company_gets_the_register_prompt_and_no_documents(
    client: Client, document_b: CompanyDocument
) -> None:
    client.force_login(UserFactory())
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    assert reverse("bidders:register") in dashboard.content.decode()
    assert "Bravo" not in dashboard.content.decode()
    assert client.get(reverse("bidders:document", args=[document_b.pk])).status_code == 404
    assert client.get(reverse("bidders:company")).url == reverse("bidders:register")
