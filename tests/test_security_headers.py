"""Content-Security-Policy and Permissions-Policy: strict on every page, and pages obey them.

The browser tests (tests/browser/) fail on any refusal Chromium logs, which proves no page
breaks under the policy; these tests pin the policy itself and the markup it relies on.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from auctions import charts
from auctions.selectors.breakdowns import Breakdown

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def policy_of(response: HttpResponse) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


@pytest.mark.parametrize("path", ["/", "/lots/", "/results/", "/accounts/login/", "/admin/login/"])
def test_every_page_sends_a_strict_content_security_policy(client: Client, path: str) -> None:
    policy = policy_of(client.get(path))

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"][0] == "'self'"
    assert all(source == "'self'" or source.startswith("'nonce-") for source in policy["style-src"])
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    for name, sources in policy.items():
        assert "'unsafe-inline'" not in sources, name
        assert "'unsafe-eval'" not in sources, name
        assert "*" not in sources, name


def test_the_only_inline_attributes_allowed_are_import_exports_by_their_exact_text(
    client: Client,
) -> None:
    policy = policy_of(client.get("/"))

    assert policy["script-src-attr"][0] == "'unsafe-hashes'"
    assert len(policy["script-src-attr"]) == 2
    assert policy["style-src-attr"][0] == "'unsafe-hashes'"
    assert all(source.startswith("'sha256-") for source in policy["style-src-attr"][1:])


def test_every_page_denies_camera_microphone_location_payment_and_usb(client: Client) -> None:
    header = client.get("/")["Permissions-Policy"]
    features = dict(item.strip().split("=", 1) for item in header.split(","))

    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "serial", "midi"):
        assert features[feature] == "()", feature
    assert features["publickey-credentials-get"] == "(self)"
    assert client.get("/api/lots/")["Permissions-Policy"] == header


def test_the_api_answers_carry_the_policy_too(client: Client) -> None:
    assert policy_of(client.get("/api/lots/"))["default-src"] == ["'self'"]


def test_templates_hold_no_inline_script_handler_or_style() -> None:
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (template, tag)
        assert not re.search(r"\son[a-z]+\s*=", text), template
        assert not re.search(r"\sstyle\s*=", text), template
        assert "<style" not in text, template


def test_a_charts_inline_styles_carry_the_nonce_the_header_allows() -> None:
    request = RequestFactory().get("/results/")
    middleware = CSPMiddleware(lambda request: HttpResponse())
    middleware.process_request(request)
    figure = charts.mineral_group_figure(
        [Breakdown("precious", "Precious metals", 2, 1, Decimal("250000000"))]
    )
    html = render_to_string(
        "auctions/_results_breakdown.html",
        {"figure": figure, "id": "by-group", "heading": "By group", "column": "Group"},
        request=request,
    )
    response = middleware.process_response(request, HttpResponse(html))

    style_tags = re.findall(r"<style[^>]*>", html)
    (nonce,) = re.findall(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert len(style_tags) == 2
    assert all(f'nonce="{nonce}"' in tag for tag in style_tags)
    # Style attributes cannot carry a nonce: the charts have none.
    assert not re.search(r"\sstyle\s*=", html)
