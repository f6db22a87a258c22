"""allauth's pages and emails speak Nedra's words: "Log in" and "Register company", never
"Sign In"/"Sign Up", and emails carry Nedra's name, never the request's host."""

import html
import re

import pytest
from django.core import mail
from django.test import Client

from bidders.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ALLAUTH_WORDS = re.compile(r"sign[ -]?(in|up|out)|signup", re.IGNORECASE)


def visible_text(response) -> str:
    """Return the page's main text, tags stripped, as a reader sees it."""
    main = response.content.decode().split('id="main"', 1)[1]
    return html.unescape(re.sub(r"<[^>]+>", " ", main))


@pytest.mark.parametrize(
    ("url", "heading", "button"),
    [
        ("/accounts/login/", "Log in", "Log in"),
        ("/accounts/signup/", "Register company", "Create account"),
    ],
)
def test_login_and_signup_use_the_menus_words(
    client: Client, url: str, heading: str, button: str
) -> None:
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert f'<button type="submit">{button}</button>' in page
    assert f"<title>{heading} ·" in page
    assert not ALLAUTH_WORDS.search(visible_text(response))


def test_the_logout_page_says_log_out(client: Client) -> None:
    client.force_login(UserFactory())
    response = client.get("/accounts/logout/")
    assert "<h1>Log out</h1>" in response.content.decode()
    assert not ALLAUTH_WORDS.search(visible_text(response))


def test_the_signup_page_in_russian_uses_the_russian_menu_words(client: Client) -> None:
    page = html.unescape(client.get("/ru/accounts/signup/").content.decode())
    assert "<h1>Зарегистрировать компанию</h1>" in page


def test_the_page_after_signup_asks_to_confirm_the_address_in_nedras_words(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/",
            {
                "email": "megan@ridgeline.example",
                "password1": "Lithium-Brine-2026!",
                "password2": "Lithium-Brine-2026!",
            },
            follow=True,
        )
    assert "<h1>Confirm your email address</h1>" in response.content.decode()
    assert not ALLAUTH_WORDS.search(visible_text(response))
    message = mail.outbox[-1]
    assert message.subject == "[Nedra] Confirm your email address"
    assert "Hello from" not in message.body
    assert "register a company on Nedra" in message.body
    assert re.search(r"https?://testserver/accounts/confirm-email/\S+/", message.body)
    assert "Nedra: auctions of subsoil-use rights of the Republic of Kazakhstan" in message.body


def test_the_password_reset_email_carries_nedras_name_not_the_host(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    UserFactory(email="aino@nordic.example")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "aino@nordic.example"})
    message = mail.outbox[-1]
    assert message.subject == "[Nedra] Reset your password"
    assert "Hello from" not in message.body
    assert "your Nedra account" in message.body
    assert re.search(r"https?://testserver/accounts/password/reset/key/\S+/", message.body)
    assert "Nedra: auctions of subsoil-use rights" in message.body


def test_a_reset_for_an_unknown_address_says_so_in_nedras_words(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "nobody@nowhere.example"})
    message = mail.outbox[-1]
    assert message.subject == "[Nedra] No Nedra account with this address"
    assert "Hello from" not in message.body
    assert re.search(r"https?://testserver/accounts/signup/", message.body)
