"""Staff decide on a company from its own page, beside its documents."""

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse

from bidders.models import Company, CompanyDecision

pytestmark = pytest.mark.django_db


def company_page(company: Company) -> str:
    return reverse("admin:bidders_company_change", args=[company.pk])


def decide(client: Client, company: Company, **data: str):
    return client.post(reverse("admin:bidders_company_decide", args=[company.pk]), data)


@pytest.fixture
def clerk_client(client: Client, ministry_clerk) -> Client:
    client.force_login(ministry_clerk)
    return client


def test_the_page_offers_approve_and_reject_after_the_documents(
    clerk_client, pending_company
) -> None:
    page = clerk_client.get(company_page(pending_company)).content.decode()
    documents = page.index(pending_company.documents.first().original_name)
    panel = page.index('id="company-decision"')
    assert documents < panel
    assert 'value="approve"' in page
    assert 'value="reject"' in page
    assert 'value="suspend"' not in page
    assert 'form="company-decision-form"' in page
    assert 'id="company-decision-form"' in page


def test_approve_from_the_page_records_the_decision(
    clerk_client, pending_company, ministry_clerk
) -> None:
    response = decide(clerk_client, pending_company, decision="approve")
    assert response.status_code == 302
    assert response["Location"] == company_page(pending_company)
    pending_company.refresh_from_db()
    assert pending_company.status == Company.Status.APPROVED
    assert CompanyDecision.objects.get(company=pending_company).decided_by == ministry_clerk
    assert LogEntry.objects.filter(object_id=str(pending_company.pk)).exists()
    page = clerk_client.get(response["Location"]).content.decode()
    assert "Nordic Rare Earths Oy: Approved." in page
    assert 'value="suspend"' in page
    assert 'value="approve"' not in page


def test_reject_without_a_reason_is_refused_and_changes_nothing(
    clerk_client, pending_company
) -> None:
    response = decide(clerk_client, pending_company, decision="reject", reason="  ")
    page = clerk_client.get(response["Location"]).content.decode()
    assert "Write the reason to reject or suspend the company" in page
    pending_company.refresh_from_db()
    assert pending_company.status == Company.Status.PENDING
    assert not CompanyDecision.objects.filter(company=pending_company).exists()


def test_reject_then_suspend_with_reasons(clerk_client, pending_company, approved_company) -> None:
    decide(clerk_client, pending_company, decision="reject", reason="Certificate is illegible")
    pending_company.refresh_from_db()
    assert pending_company.status == Company.Status.REJECTED
    assert pending_company.status_reason == "Certificate is illegible"

    decide(clerk_client, approved_company, decision="suspend", reason="Sanctions screening")
    approved_company.refresh_from_db()
    assert approved_company.status == Company.Status.SUSPENDED
    assert approved_company.status_reason == "Sanctions screening"


def test_a_refused_decision_says_why(clerk_client, approved_company) -> None:
    response = decide(clerk_client, approved_company, decision="reject", reason="Too late")
    page = clerk_client.get(response["Location"]).content.decode()
    assert "already approved" in page
    approved_company.refresh_from_db()
    assert approved_company.status == Company.Status.APPROVED


def test_an_auditor_sees_no_decision_and_cannot_post_one(
    client: Client, auditor, pending_company
) -> None:
    client.force_login(auditor)
    page = client.get(company_page(pending_company)).content.decode()
    assert 'id="company-decision"' not in page
    assert decide(client, pending_company, decision="approve").status_code == 403
    pending_company.refresh_from_db()
    assert pending_company.status == Company.Status.PENDING


def test_deciding_needs_a_post_with_the_csrf_token(ministry_clerk, pending_company) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(ministry_clerk)
    url = reverse("admin:bidders_company_decide", args=[pending_company.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"decision": "approve"}).status_code == 403
    pending_company.refresh_from_db()
    assert pending_company.status == Company.Status.PENDING
