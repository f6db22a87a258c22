"""The admin's home page is the clerk's work queue; plumbing stays out of the clerk's way."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auctions.models import Lot, Payment
from auctions.tests.factories import ApplicationFactory, LiveLotFactory, LotFactory, PaymentFactory
from bidders.models import Company
from bidders.tests.factories import CompanyFactory, UserFactory
from licensing.models import Licence
from licensing.tests.factories import LicenceFactory

pytestmark = pytest.mark.django_db

INDEX = "/admin/"


def application_with_payments(*, received: int) -> None:
    application = ApplicationFactory(lot=LotFactory(status=Lot.Status.PUBLISHED))
    for index, kind in enumerate(Payment.Kind):
        PaymentFactory(
            application=application,
            kind=kind,
            status=Payment.Status.RECEIVED if index < received else Payment.Status.AWAITING,
            received_at=timezone.now() if index < received else None,
        )


def awaiting_licence(deadline_in_days: int) -> None:
    LicenceFactory(
        status=Licence.Status.AWAITING_PAYMENT,
        issued_on=None,
        expires_on=None,
        payment_deadline=timezone.localdate() + timedelta(days=deadline_in_days),
    )


@pytest.fixture
def waiting_work() -> None:
    """Two companies to review, applications in both stages, drafts, a live lot, licences."""
    CompanyFactory(status=Company.Status.PENDING)
    CompanyFactory(status=Company.Status.PENDING)
    CompanyFactory(status=Company.Status.APPROVED)
    application_with_payments(received=1)
    application_with_payments(received=0)
    application_with_payments(received=2)
    LotFactory(status=Lot.Status.DRAFT)
    LotFactory(status=Lot.Status.DRAFT)
    LotFactory(status=Lot.Status.DRAFT)
    LiveLotFactory()
    awaiting_licence(10)
    awaiting_licence(-1)
    awaiting_licence(-3)
    LicenceFactory()  # in force: no work


def queue(response) -> dict[str, tuple[int, str]]:
    return {str(row.label): (row.count, row.url) for row in response.context["work_queue"]}


def test_the_home_page_counts_each_kind_of_waiting_work(
    client: Client, ministry_clerk, waiting_work
) -> None:
    client.force_login(ministry_clerk)
    response = client.get(INDEX)
    counts = {label: count for label, (count, _url) in queue(response).items()}
    assert counts == {
        "Companies awaiting review": 2,
        "Applications awaiting payments": 2,
        "Applications paid, awaiting admission": 1,
        "Lots ready to publish (drafts)": 3,
        "Live and paused lots": 1,
        "Licences awaiting the signature bonus": 1,
        "Licences with the bonus overdue": 2,
    }
    page = response.content.decode()
    assert "Work queue" in page
    assert 'href="/admin/bidders/company/?status__exact=pending"' in page


def test_each_link_opens_a_list_showing_exactly_the_counted_rows(
    client: Client, ministry_clerk, waiting_work
) -> None:
    client.force_login(ministry_clerk)
    for label, (count, url) in queue(client.get(INDEX)).items():
        response = client.get(url)
        assert response.status_code == 200, (label, url)
        assert response.context["cl"].result_count == count, (label, url)


def test_the_counts_take_a_fixed_number_of_queries(client: Client, ministry_clerk) -> None:
    client.force_login(ministry_clerk)
    client.get(INDEX)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(INDEX)
        return len(captured)

    empty = queries()
    for _ in range(3):
        application_with_payments(received=1)
        awaiting_licence(-2)
        CompanyFactory(status=Company.Status.PENDING)
        LotFactory(status=Lot.Status.DRAFT)
    assert queries() == empty


def test_staff_see_only_the_rows_of_models_they_may_view(client: Client) -> None:
    clerk = UserFactory(username="licensing-only", is_staff=True)
    clerk.user_permissions.add(
        Permission.objects.get(codename="view_licence", content_type__app_label="licensing")
    )
    client.force_login(clerk)
    assert set(queue(client.get(INDEX))) == {
        "Licences awaiting the signature bonus",
        "Licences with the bonus overdue",
    }


def test_an_auditor_sees_the_queue_too(client: Client, auditor) -> None:
    client.force_login(auditor)
    assert len(queue(client.get(INDEX))) == 7


def test_plumbing_is_hidden_from_clerks_and_shown_to_superusers(
    client: Client, ministry_clerk, staff_clerk
) -> None:
    # Even granted the right to read lockouts, a clerk's menu leaves them out.
    ministry_clerk.user_permissions.add(
        Permission.objects.get(codename="view_accessattempt", content_type__app_label="axes")
    )
    AccessAttempt.objects.create(username="x", ip_address="10.0.0.1", failures_since_start=1)
    client.force_login(ministry_clerk)
    apps = {app["app_label"] for app in client.get(INDEX).context["app_list"]}
    assert apps == {"deposits", "bidders", "auctions", "licensing"}
    assert client.get("/admin/axes/").status_code == 404

    superuser = Client()
    superuser.force_login(staff_clerk)
    apps = {app["app_label"] for app in superuser.get(INDEX).context["app_list"]}
    assert {"axes", "account", "mfa"} <= apps
