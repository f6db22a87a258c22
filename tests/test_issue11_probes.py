"""Holes an adversarial review of issue 11 found, each tried as a bidder or staff would."""

import uuid
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse
from rest_framework.test import APIClient

from auctions import services as auction_services
from auctions.models import Bid, Erratum, Lot
from auctions.tests.contract import START
from auctions.tests.factories import FinishedLotFactory, admit, pay_in_full, place_bids
from auctions.tests.test_published_frozen import published  # noqa: F401
from bidders.tests.factories import (
    CompanyDocumentFactory,
    CompanyFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def client_for(user: AbstractBaseUser) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def post_bid(client: APIClient, lot_id: int, amount: str) -> Any:
    return client.post(
        f"/api/lots/{lot_id}/bids/", {"amount": amount, "key": str(uuid.uuid4())}, format="json"
    )


def test_two_representatives_of_one_company_share_its_bid_budget(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, settings: Any
) -> None:
    """The budget is the participant's: a second account of the company adds none."""
    settings.BID_RATE_LIMIT = "1/h"
    colleague = RepresentativeFactory(company=admitted_bidder.representative.company).user
    assert post_bid(client_for(admitted_bidder), live_lot.pk, "1.00").status_code == 409
    response = post_bid(client_for(colleague), live_lot.pk, START)
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert not Bid.objects.exists()


def test_a_flood_of_state_requests_is_refused_rate_limited(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, settings: Any
) -> None:
    """Snapshots cost the database: the API's state has a budget per user and lot."""
    settings.SNAPSHOT_RATE_LIMIT = "3/h"
    client = client_for(admitted_bidder)
    answers = [client.get(f"/api/lots/{live_lot.pk}/state/") for _ in range(5)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429, 429]
    assert answers[-1].json()["code"] == "rate_limited"
    # A second session of the same user shares the budget.
    assert client_for(admitted_bidder).get(f"/api/lots/{live_lot.pk}/state/").status_code == 429


def test_the_first_applicant_admitted_alone_gets_no_number_its_clerk_can_predict(
    submitted_application, staff_clerk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Admitting applications as they arrive (the clerk's daily work) must not hand out
    numbers in arrival order: alone in its lot, the first one could otherwise only be 1."""
    drawn_from: list[list[int]] = []

    def record(free: list[int]) -> int:
        drawn_from.append(list(free))
        return free[0]

    monkeypatch.setattr(auction_services.secrets, "choice", record)
    for payment in submitted_application.payments.all():
        pay_in_full(payment, staff_clerk)
    auction_services.admit_application(
        application_id=submitted_application.pk, decided_by=staff_clerk
    )
    assert drawn_from == [list(range(1, auction_services.PARTICIPANT_NUMBERS + 1))]
    assert auction_services.PARTICIPANT_NUMBERS >= 99


def test_an_erratum_with_a_bid_count_no_column_holds_is_a_form_error_not_a_500(
    client,
    head_of_commission,
    published,  # noqa: F811
) -> None:
    client.force_login(head_of_commission)
    response = client.post(
        reverse("admin:auctions_erratum_add"),
        {
            "event": published.event.pk,
            "lot": published.gold.pk,
            "field": "bid_count",
            "new_value": "9" * 40,
            "reason": "A typo in the registry extract.",
        },
    )
    assert response.status_code == 200
    assert "is not a valid number of bids" in response.content.decode()
    assert not Erratum.objects.exists()


# --- A staff password alone opens no staff door, in the admin or anywhere else -----------


def staff_logged_in_with_password_alone(client, *, enrolled: bool):
    """A staff session that never passed a second factor: an account without an
    authenticator logs in with its password alone, as allauth lets it."""
    user = UserFactory(username="desk", is_staff=True, is_superuser=True, second_factor=enrolled)
    client._login(user, "django.contrib.auth.backends.ModelBackend")
    return user


@pytest.mark.parametrize("enrolled", [False, True], ids=["not-enrolled", "not-passed"])
def test_staff_pages_outside_the_admin_need_the_second_factor_too(client, enrolled: bool) -> None:
    staff_logged_in_with_password_alone(client, enrolled=enrolled)
    document = CompanyDocumentFactory()
    finished = FinishedLotFactory()
    place_bids(finished, [(admit(CompanyFactory(), finished, 1), "100000000")])
    for url in [
        reverse("bidders:document", args=[document.pk]),
        reverse("auctions:event_results", args=[finished.event.code]),
        reverse("auctions:event_results_csv", args=[finished.event.code]),
        reverse("auctions:bid_log", args=[finished.pk]),
        reverse("auctions:protocol", args=[finished.pk]),
        reverse("auctions:room", args=[finished.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        expected = "mfa_reauthenticate" if enrolled else "mfa_activate_totp"
        assert response.url.startswith(reverse(expected)), url
    api = client.get(f"/api/lots/{finished.pk}/state/")
    assert api.status_code == 403
    assert api.json()["code"] == "second_factor_required"


def test_staff_without_a_second_factor_may_still_enrol_and_log_out(client) -> None:
    staff_logged_in_with_password_alone(client, enrolled=False)
    # allauth asks for the password again before enrolling: its pages stay open.
    enrol = client.get(reverse("mfa_activate_totp"))
    assert enrol.status_code == 302
    assert enrol.url.startswith(reverse("account_reauthenticate"))
    assert client.get(enrol.url).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role", ["ministry_clerk", "staff_clerk"])
def test_staff_cannot_point_a_companys_notices_at_their_own_mailbox(
    client, role: str, approved_company, request: pytest.FixtureRequest
) -> None:
    """The admission email carries the company's participant number: a clerk who could
    change the company's contact email to its own would learn whose number it is."""
    client.force_login(request.getfixturevalue(role))
    page = client.get(reverse("admin:bidders_company_change", args=[approved_company.pk]))
    assert page.status_code == 200
    assert "contact_email" not in page.context["adminform"].form.fields
    assert approved_company.contact_email in page.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "auctions/lot/?starts_at__year=99999999999999999999999",
        "auctions/lot/?starts_at__year=2026&starts_at__month=99999999999999999999",
        "axes/accessattempt/?attempt_time__year=99999999999999999999999",
    ],
)
def test_a_date_drill_down_past_the_calendar_is_refused_not_a_500(
    client, staff_clerk, query: str
) -> None:
    client.force_login(staff_clerk)
    response = client.get(f"/admin/{query}")
    # Django's answer to a year that is no number: the list again, saying so.
    assert response.status_code == 302
    assert response.url.endswith("?e=1")
