"""Malformed or deeply nested JSON to any API endpoint is a 400 in the one error body.

The CSRF check of a session-authenticated POST reads the body before the view does, so
these clients log in with a session and send the CSRF token, as a browser would.
"""

import pytest
from django.contrib.auth.models import AbstractBaseUser
from rest_framework.test import APIClient

from auctions.models import Lot
from core.parsers import MAX_JSON_DEPTH

pytestmark = pytest.mark.django_db

# Far past Python's recursion limit: the decoder itself gives up.
ABYSS = "[" * 100_000 + "]" * 100_000
# Parses, but nests past what any body of the API needs.
DEEP = '{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1)


def browser_like_client(user: AbstractBaseUser) -> APIClient:
    """Return a client with a session and a CSRF token, whose CSRF checks are enforced."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/")  # the page's forms set the CSRF cookie
    client.credentials(HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    return client


def endpoints(lot: Lot) -> list[tuple[str, str]]:
    return [
        ("post", "/api/applications/"),
        ("post", "/api/company/"),
        ("put", "/api/company/"),
        ("post", f"/api/lots/{lot.pk}/bids/"),
    ]


@pytest.mark.parametrize("body", [ABYSS, DEEP], ids=["past-recursion-limit", "past-max-depth"])
def test_nested_json_is_a_400_parse_error_on_every_logged_in_endpoint(
    body: str, bidder_user: AbstractBaseUser, published_lot: Lot
) -> None:
    client = browser_like_client(bidder_user)
    for method, url in endpoints(published_lot):
        response = getattr(client, method)(url, body, content_type="application/json")

        assert response.status_code == 400, (method, url, response.content[:200])
        assert response.json()["code"] in {"parse_error", "malformed"}, (method, url)
        assert response.json()["message"]


def test_malformed_json_is_a_400_parse_error(
    bidder_user: AbstractBaseUser, published_lot: Lot
) -> None:
    client = browser_like_client(bidder_user)

    response = client.post("/api/applications/", '{"lot": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_json_nested_within_the_limit_still_reaches_the_view(
    bidder_user: AbstractBaseUser, published_lot: Lot
) -> None:
    client = browser_like_client(bidder_user)
    body = '{"lot": ' + "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1) + "}"

    response = client.post("/api/applications/", body, content_type="application/json")

    # The view judged it: a field error, not a parse error.
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "lot" in response.json()["errors"]
