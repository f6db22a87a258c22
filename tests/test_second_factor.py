"""A second factor guards the admin for staff and the first bid for representatives.

Staff log in through allauth's pages (the admin's login sends them there); the admin
answers a staff session only once it has passed an authenticator app. Representatives
without one watch the room, and the engine refuses their bids.
"""

import uuid

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.test import Client
from django.urls import reverse

from auctions import engine, live
from auctions.models import Bid, Lot
from auctions.tests.factories import admitted_representative
from bidders.tests.factories import (
    TEST_PASSWORD,
    RepresentativeFactory,
    UserFactory,
    totp_code,
    with_second_factor,
)
from core.api_errors import handle_exception
from core.errors import DomainError
from core.second_factor import has_second_factor, refuse_without_second_factor

pytestmark = pytest.mark.django_db

ADMIN_INDEX = "/admin/"


def log_in(client: Client, login: str, *, next_url: str = ADMIN_INDEX):
    """Post the one login form, as staff and bidders fill it."""
    return client.post(
        f"{reverse('account_login')}?next={next_url}", {"login": login, "password": TEST_PASSWORD}
    )


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- The admin --------------------------------------------------------------------------


def test_admin_login_sends_everyone_to_the_account_login_with_next(client: Client) -> None:
    to_admin_login = client.get(ADMIN_INDEX)
    assert to_admin_login.status_code == 302
    assert to_admin_login.url.startswith(reverse("admin:login"))

    to_account_login = client.get(to_admin_login.url)
    assert to_account_login.status_code == 302
    assert to_account_login.url == f"{reverse('account_login')}?next=%2Fadmin%2F"


def test_a_bidder_logged_in_is_refused_the_admin_login(client: Client, bidder_user) -> None:
    client.force_login(bidder_user)
    assert client.get(reverse("admin:login")).status_code == 403


# Real commits: allauth announces a new authenticator after commit, inside the request.
@pytest.mark.django_db(transaction=True)
def test_staff_without_an_authenticator_enrol_first_then_use_the_admin(client: Client) -> None:
    staff_clerk = UserFactory(
        username="clerk", is_staff=True, is_superuser=True, second_factor=False
    )
    response = log_in(client, "clerk")
    # No email confirmation for staff: the ministry made the account.
    assert response.status_code == 302
    assert is_logged_in(client)

    sent = client.get(ADMIN_INDEX)
    assert sent.status_code == 302
    assert sent.url == reverse("mfa_activate_totp")
    assert client.get(reverse("admin:auctions_lot_changelist")).url == reverse("mfa_activate_totp")

    # allauth asks for the password again before a factor is added to an account.
    reauthenticate = client.get(sent.url)
    assert reauthenticate.url.startswith(reverse("account_reauthenticate"))
    client.post(reauthenticate.url, {"password": TEST_PASSWORD})
    form = client.get(reverse("mfa_activate_totp"))
    assert form.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    assert secret in form.content.decode()

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200
    assert not has_second_factor(staff_clerk)

    activated = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert activated.status_code == 302
    assert activated.url == reverse("mfa_view_recovery_codes")
    assert has_second_factor(staff_clerk)
    assert Authenticator.objects.filter(
        user=staff_clerk, type=Authenticator.Type.RECOVERY_CODES
    ).exists()

    # Entering the new app's code counts as passing it: the admin opens.
    assert client.get(ADMIN_INDEX).status_code == 200


def test_staff_with_an_authenticator_reach_the_admin_only_after_its_code(
    client: Client, staff_clerk
) -> None:
    assert has_second_factor(staff_clerk)
    response = log_in(client, "clerk")
    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa_authenticate"))
    assert not is_logged_in(client)
    # The password alone opens nothing.
    assert client.get(ADMIN_INDEX).status_code == 302
    assert not is_logged_in(client)

    refused = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert refused.status_code == 200
    assert not is_logged_in(client)

    accepted = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert accepted.status_code == 302
    assert accepted.url == ADMIN_INDEX
    assert is_logged_in(client)
    assert client.get(ADMIN_INDEX).status_code == 200


def test_a_staff_session_that_never_passed_the_second_factor_is_asked_for_it(
    client: Client, staff_clerk
) -> None:
    """A session from before the authenticator was enrolled (or from any login that
    skipped it) must prove the factor before the admin answers."""
    # The client's plain login: a session with no second factor recorded.
    client._login(staff_clerk, "django.contrib.auth.backends.ModelBackend")

    response = client.get(reverse("admin:auctions_lot_changelist"))
    assert response.status_code == 302
    assert response.url == (f"{reverse('mfa_reauthenticate')}?next=%2Fadmin%2Fauctions%2Flot%2F")

    proved = client.post(response.url, {"code": totp_code()})
    assert proved.status_code == 302
    assert proved.url == reverse("admin:auctions_lot_changelist")
    assert client.get(proved.url).status_code == 200


def test_removing_the_authenticator_closes_the_admin_to_a_session_that_passed_it(
    client: Client, staff_clerk
) -> None:
    client.force_login(staff_clerk)
    assert client.get(ADMIN_INDEX).status_code == 200

    Authenticator.objects.filter(user=staff_clerk).delete()
    response = client.get(ADMIN_INDEX)
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


# --- Bidding ------------------------------------------------------------------------------


@pytest.fixture
def bidder_without_factor(live_lot: Lot):
    """Participant 5 of the live lot, deposit received, no authenticator app yet."""
    return admitted_representative(
        live_lot, 5, username="tengri", second_factor=False, legal_name="Tengri Metals LLP"
    )


def test_a_representative_without_a_second_factor_is_refused_and_nothing_stored(
    live_lot: Lot, bidder_without_factor
) -> None:
    with pytest.raises(DomainError) as refusal:
        engine.place_bid(
            user=bidder_without_factor,
            lot_id=live_lot.pk,
            amount=f"{live_lot.starting_price:.2f}",
            key=uuid.uuid4(),
        )
    assert refusal.value.code == "second_factor_required"
    assert reverse("mfa_activate_totp") in refusal.value.message
    assert not Bid.objects.filter(lot=live_lot).exists()


def test_a_user_of_no_admitted_company_is_not_told_to_enrol_but_refused(
    live_lot: Lot,
) -> None:
    outsider = RepresentativeFactory(second_factor=False).user
    with pytest.raises(DomainError) as refusal:
        engine.place_bid(
            user=outsider,
            lot_id=live_lot.pk,
            amount=f"{live_lot.starting_price:.2f}",
            key=uuid.uuid4(),
        )
    assert refusal.value.code == "not_admitted"


def test_the_same_representative_bids_once_it_has_enrolled(
    live_lot: Lot, bidder_without_factor
) -> None:
    with_second_factor(bidder_without_factor)
    outcome = engine.place_bid(
        user=bidder_without_factor,
        lot_id=live_lot.pk,
        amount=f"{live_lot.starting_price:.2f}",
        key=uuid.uuid4(),
    )
    assert outcome.created


def test_a_representative_without_a_second_factor_watches_the_room(
    client: Client, live_lot: Lot, bidder_without_factor
) -> None:
    seat = live.take_seat(user=bidder_without_factor, lot_id=live_lot.pk)
    assert seat.participant_number == 5
    assert seat.may_bid is False

    client.force_login(bidder_without_factor)
    page = client.get(reverse("auctions:room", args=[live_lot.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="second-factor-required"' in html
    assert f'href="{reverse("mfa_activate_totp")}"' in html
    assert 'id="bid-form"' not in html


def test_a_representative_with_a_second_factor_sees_no_enrolment_notice(
    client: Client, live_lot: Lot, admitted_bidder
) -> None:
    client.force_login(admitted_bidder)
    for url in (reverse("auctions:room", args=[live_lot.pk]), reverse("dashboard")):
        html = client.get(url).content.decode()
        assert 'id="second-factor-required"' not in html, url


def test_the_dashboard_points_a_representative_without_a_second_factor_to_enrolment(
    client: Client,
) -> None:
    client.force_login(RepresentativeFactory(second_factor=False).user)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'id="second-factor-required"' in html
    assert "Two-factor authentication is required before your first bid." in html
    assert f'href="{reverse("mfa_activate_totp")}"' in html


def test_a_bid_over_the_api_without_a_second_factor_is_refused(
    client: Client, live_lot: Lot, bidder_without_factor
) -> None:
    client.force_login(bidder_without_factor)
    response = client.post(
        f"/api/lots/{live_lot.pk}/bids/",
        {"amount": f"{live_lot.starting_price:.2f}", "key": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"
    assert not Bid.objects.filter(lot=live_lot).exists()


def test_the_refusal_without_a_second_factor_names_its_code_and_the_enrolment_page(
    bidder_without_factor,
) -> None:
    with pytest.raises(DomainError) as refusal:
        refuse_without_second_factor(bidder_without_factor)
    assert refusal.value.code == "second_factor_required"
    assert reverse("mfa_activate_totp") in refusal.value.message

    with_second_factor(bidder_without_factor)
    refuse_without_second_factor(bidder_without_factor)


def test_recovery_codes_alone_are_not_a_second_factor(bidder_without_factor) -> None:
    Authenticator.objects.create(
        user=bidder_without_factor, type=Authenticator.Type.RECOVERY_CODES, data={}
    )
    assert not has_second_factor(bidder_without_factor)


def test_the_api_answers_a_missing_second_factor_with_403_and_its_code(
    bidder_without_factor,
) -> None:
    with pytest.raises(DomainError) as refusal:
        refuse_without_second_factor(bidder_without_factor)
    response = handle_exception(refusal.value, {})
    assert response.status_code == 403
    assert response.data["code"] == "second_factor_required"
