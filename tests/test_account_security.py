"""Password guessing is throttled; weak passwords are refused; decisions reach the company."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import mail
from django.test import Client
from django.urls import reverse

from auctions import services as auction_services
from auctions.tests.factories import pay_in_full
from bidders import services as bidder_services
from bidders.tests.factories import TEST_PASSWORD, RepresentativeFactory

pytestmark = pytest.mark.django_db


def test_admin_login_locks_out_after_five_wrong_passwords(client: Client, staff_clerk) -> None:
    # The admin's own form is gone: staff log in on the one login page, with its lockout.
    sent = client.post(reverse("admin:login"), {"username": "clerk", "password": TEST_PASSWORD})
    assert sent.status_code == 302
    assert sent.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    url = reverse("account_login")
    for _ in range(5):
        client.post(url, {"login": "clerk", "password": "wrong-guess-123"})
    locked = client.post(url, {"login": "clerk", "password": TEST_PASSWORD})
    assert locked.status_code in {200, 429}
    assert b"Too many failed login" in locked.content
    assert "_auth_user_id" not in client.session


def test_bidder_login_locks_out_after_five_wrong_passwords(client: Client, bidder_user) -> None:
    url = reverse("account_login")
    for _ in range(5):
        client.post(url, {"login": bidder_user.email, "password": "wrong-guess-123"})
    locked = client.post(url, {"login": bidder_user.email, "password": TEST_PASSWORD})
    # The right password no longer helps: the login form says why.
    assert locked.status_code in {200, 429}
    assert b"Too many failed login" in locked.content
    assert "_auth_user_id" not in client.session


ATTACKER = "198.51.100.66"
VICTIM_HOME = "203.0.113.5"


def confirmed_bidder(username: str) -> AbstractBaseUser:
    """A representative who confirmed its email and has set up no second factor yet."""
    user = RepresentativeFactory(user__username=username, second_factor=False).user
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_wrong_passwords_from_one_address_never_lock_the_bidder_out_of_another() -> None:
    """Finding 5: five wrong passwords for a named bidder's email, from anywhere, used to
    lock that bidder out everywhere (allauth counted failures per account)."""
    victim = confirmed_bidder("victim")
    url = reverse("account_login")
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(6):
        attacker.post(url, {"login": victim.email, "password": "wrong-guess-123"})

    # The attacker's address stays limited for that account, the right password included.
    limited = attacker.post(url, {"login": victim.email, "password": TEST_PASSWORD})
    assert b"Too many failed login" in limited.content
    assert "_auth_user_id" not in attacker.session

    victim_client = Client(REMOTE_ADDR=VICTIM_HOME)
    response = victim_client.post(url, {"login": victim.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert victim_client.session["_auth_user_id"] == str(victim.pk)


def test_one_address_guessing_at_many_accounts_is_limited_per_address() -> None:
    url = reverse("account_login")
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for number in range(10):
        attacker.post(url, {"login": f"target{number}@example.com", "password": "wrong-123456"})
    fresh = confirmed_bidder("fresh")

    limited = attacker.post(url, {"login": fresh.email, "password": TEST_PASSWORD})
    assert b"Too many failed login" in limited.content
    assert "_auth_user_id" not in attacker.session
    elsewhere = Client(REMOTE_ADDR=VICTIM_HOME)
    assert elsewhere.post(url, {"login": fresh.email, "password": TEST_PASSWORD}).status_code == 302


def test_signup_refuses_weak_passwords_and_creates_nobody(client: Client) -> None:
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": "password", "password2": "password"},
    )
    assert response.status_code == 200
    assert b"too common" in response.content or b"too short" in response.content
    assert not get_user_model().objects.filter(email="new@example.com").exists()


def test_signup_asks_to_confirm_the_email_before_login(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {
                "email": "megan@ridgeline.example",
                "password1": "Lithium-Brine-2026!",
                "password2": "Lithium-Brine-2026!",
            },
        )
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1
    assert "megan@ridgeline.example" in mail.outbox[0].to
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_company_decisions_are_emailed_to_its_people(
    pending_company, staff_clerk, django_capture_on_commit_callbacks
) -> None:
    RepresentativeFactory(company=pending_company, user__email="rep@nordic.example")
    with django_capture_on_commit_callbacks(execute=True):
        bidder_services.reject_company(
            company_id=pending_company.pk,
            reason="Power of attorney expired",
            decided_by=staff_clerk,
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "not approved" in message.subject
    assert "Power of attorney expired" in message.body
    assert set(message.to) == {pending_company.contact_email, "rep@nordic.example"}


def test_admission_is_emailed_with_the_participant_number(
    submitted_application, staff_clerk, django_capture_on_commit_callbacks
) -> None:
    for payment in submitted_application.payments.all():
        pay_in_full(payment, staff_clerk)
    with django_capture_on_commit_callbacks(execute=True):
        auction_services.admit_application(
            application_id=submitted_application.pk, decided_by=staff_clerk
        )
    submitted_application.refresh_from_db()
    number = submitted_application.participant_number
    assert f"Participant {number}" in mail.outbox[-1].body
