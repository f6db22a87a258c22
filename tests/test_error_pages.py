"""The favicon, and the 404, 400 and 500 pages in the site's style, DEBUG on or off."""

import pytest
from django.template import loader
from django.test import Client
from django.urls import reverse

from auctions.models import Lot
from auctions.tests.factories import LotFactory

pytestmark = pytest.mark.django_db

TECHNICAL_404 = "Using the URLconf defined in"


def test_every_page_names_the_favicon_and_whitenoise_serves_it(client: Client) -> None:
    page = client.get("/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg" type="image/svg+xml"' in page
    assert 'rel="icon" href="/static/favicon.ico"' in page
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in b"".join(svg.streaming_content)


def test_the_root_favicon_address_leads_to_the_icon(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response.url == "/static/favicon.ico"
    icon = client.get(response.url)
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_an_unknown_address_gets_the_sites_404_page(client: Client, settings, debug) -> None:
    settings.DEBUG = debug
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "There is no such page" in page
    assert 'class="site-header"' in page
    assert TECHNICAL_404 not in page


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_a_lot_that_is_not_public_gets_the_sites_404_page(client: Client, settings, debug) -> None:
    settings.DEBUG = debug
    draft = LotFactory(status=Lot.Status.DRAFT)
    response = client.get(reverse("lot", args=[draft.pk]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "There is no such page" in page
    assert TECHNICAL_404 not in page


def test_the_404_page_keeps_the_language_and_the_missing_slash_redirect(
    client: Client, settings
) -> None:
    settings.DEBUG = True
    russian = client.get("/ru/no-such-page/")
    assert russian.status_code == 404
    assert 'lang="ru"' in russian.content.decode()
    redirect = client.get("/lots")
    assert redirect.status_code == 301
    assert redirect.url == "/lots/"


def test_the_500_page_renders_without_a_request_or_context() -> None:
    page = loader.get_template("500.html").render()
    assert "Something went wrong on our side" in page
    assert "css/nedra.css" in page
    assert "favicon.svg" in page


def test_a_failing_view_gets_the_sites_500_page_with_debug_off(settings) -> None:
    settings.ROOT_URLCONF = "tests.failing_urls"
    response = Client(raise_request_exception=False).get("/fail/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert 'class="site-header"' in page
    assert "a bug in the code" not in page


def test_a_failing_view_still_shows_the_debug_page_in_development(settings) -> None:
    settings.ROOT_URLCONF = "tests.failing_urls"
    settings.DEBUG = True
    response = Client(raise_request_exception=False).get("/fail/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "a bug in the code" in page
    assert "Traceback" in page


def test_a_bad_request_gets_the_sites_400_page_with_debug_on(settings) -> None:
    settings.ROOT_URLCONF = "tests.failing_urls"
    settings.DEBUG = True
    response = Client(raise_request_exception=False).get("/refuse/")
    assert response.status_code == 400
    page = response.content.decode()
    assert "The request could not be read" in page
    assert "the request makes no sense" not in page
