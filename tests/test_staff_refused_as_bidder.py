"""Every bidder's page and API refuses ministry staff, saying why, rather than treating a
staff account as a participant without a company."""

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import reverse

from auctions.models import Application, Lot
from bidders.models import Company, Representative

pytestmark = pytest.mark.django_db

REFUSAL = "is a ministry staff account"


@pytest.fixture(params=["clerk_role", "superuser"])
def official(request: pytest.FixtureRequest) -> AbstractBaseUser:
    """Staff in either form: a clerk in the role, and a superuser with every permission."""
    fixture = "ministry_clerk" if request.param == "clerk_role" else "staff_clerk"
    return request.getfixturevalue(fixture)


@pytest.fixture
def official_client(client: Client, official: AbstractBaseUser) -> Client:
    client.force_login(official)
    return client


@pytest.mark.parametrize(
    "page",
    ["dashboard", "bidders:register", "bidders:company", "bidders:company_edit"],
)
def test_bidder_pages_send_staff_to_the_admin_with_the_reason(
    official_client: Client, page: str
) -> None:
    response = official_client.get(reverse(page), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert REFUSAL in response.content.decode()


def test_staff_cannot_register_a_company_by_posting_the_form(official_client: Client) -> None:
    response = official_client.post(reverse("bidders:register"), {"legal_name": "Shadow LLP"})
    assert response.status_code == 302
    assert not Company.objects.filter(legal_name="Shadow LLP").exists()


def test_staff_cannot_apply_for_a_lot_on_its_page(
    official_client: Client, published_lot: Lot
) -> None:
    response = official_client.post(
        reverse("lot_apply", args=[published_lot.pk]), {"accept_terms": "on"}, follow=True
    )
    assert REFUSAL in response.content.decode()
    assert not Application.objects.exists()


def test_the_lot_page_tells_staff_they_do_not_apply(
    official_client: Client, published_lot: Lot
) -> None:
    page = official_client.get(reverse("lot", args=[published_lot.pk])).content.decode()
    assert "Ministry staff do not apply for lots." in page
    assert reverse("lot_apply", args=[published_lot.pk]) not in page


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/api/company/", None),
        ("post", "/api/company/", {"legal_name": "Shadow LLP"}),
        ("put", "/api/company/", {"legal_name": "Shadow LLP"}),
        ("get", "/api/company/documents/", None),
        ("get", "/api/applications/", None),
        ("get", "/api/applications/1/", None),
    ],
)
def test_the_bidders_api_refuses_staff_with_403_and_a_code(
    official_client: Client, method: str, url: str, body: dict | None
) -> None:
    response = getattr(official_client, method)(url, body, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "staff_not_bidder"
    assert REFUSAL in response.json()["message"]
    assert not Representative.objects.exists()


def test_the_api_refuses_staff_applying_for_a_lot(
    official_client: Client, published_lot: Lot
) -> None:
    response = official_client.post(
        "/api/applications/",
        {"lot": published_lot.pk, "accept_terms": True},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "staff_not_bidder"
    assert not Application.objects.exists()


def test_staff_still_download_company_documents_through_the_api(
    official_client: Client, pending_company: Company
) -> None:
    document = pending_company.documents.first()
    response = official_client.get(f"/api/company/documents/{document.pk}/download/")
    assert response.status_code == 200


def test_a_representative_still_uses_the_bidder_pages(
    client: Client, bidder_user: AbstractBaseUser
) -> None:
    client.force_login(bidder_user)
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get("/api/company/").status_code == 200
