"""The OpenAPI schema and its docs page: valid, served locally, and true to the API."""

import re
import uuid
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.contrib.auth.models import AbstractBaseUser
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from auctions import sealed
from auctions.models import Application, SealedBid
from auctions.tests.factories import AuctionEventFactory
from bidders.models import Company
from bidders.tests.factories import CompanyDocumentFactory
from licensing.tests.factories import LicenceFactory

pytestmark = pytest.mark.django_db

DOCUMENTED_ENDPOINTS = {
    "/api/company/": {"get", "post", "put"},
    "/api/company/documents/": {"get", "post"},
    "/api/company/documents/{id}/download/": {"get"},
    "/api/applications/": {"get", "post"},
    "/api/applications/{id}/": {"get"},
    "/api/lots/{id}/state/": {"get"},
    "/api/lots/{id}/bids/": {"post"},
    "/api/lots/{id}/sealed-bids/": {"get", "post"},
    "/api/lots/{id}/maximum/": {"get", "post"},
    "/api/lots/{id}/ceiling/": {"get"},
}
# Anyone may read these, logged in or not.
PUBLIC_ENDPOINTS = {
    "/api/regions/": {"get"},
    "/api/minerals/": {"get"},
    "/api/deposits/": {"get"},
    "/api/deposits/{code}/": {"get"},
    "/api/events/": {"get"},
    "/api/events/{code}/": {"get"},
    "/api/lots/": {"get"},
    "/api/lots/{id}/": {"get"},
    "/api/results/": {"get"},
    "/api/licences/": {"get"},
    "/api/licences/{number}/": {"get"},
    "/api/ocds/": {"get"},
    "/api/ocds/all/": {"get"},
    "/api/ocds/{code}/releases/": {"get"},
    "/api/ocds/{code}/record/": {"get"},
}
DOCUMENTED_ENDPOINTS |= PUBLIC_ENDPOINTS
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(autouse=True)
def private_files_in_tmp(settings: Any, tmp_path: Path) -> None:
    """Keep the test documents out of the project's var/ directory."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def bidder(bidder_user: AbstractBaseUser) -> APIClient:
    client = APIClient()
    client.force_login(bidder_user)
    return client


def served_schema(client: APIClient) -> dict[str, Any]:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi_without_warnings(tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == set(DOCUMENTED_ENDPOINTS)


def test_the_schema_is_served_as_yaml_and_as_json(bidder: APIClient) -> None:
    response = bidder.get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.safe_load(response.content)["info"]["title"] == "Nedra API"

    response = bidder.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert response.json()["openapi"].startswith("3.")


def test_every_operation_is_documented_with_tag_id_and_error_body(bidder: APIClient) -> None:
    schema = served_schema(bidder)
    operation_ids = []
    for path, item in schema["paths"].items():
        methods = {method for method in item if method in HTTP_METHODS}
        assert methods == DOCUMENTED_ENDPOINTS[path], path
        for method in methods:
            operation = item[method]
            operation_ids.append(operation["operationId"])
            assert operation["tags"] in (
                ["company"],
                ["applications"],
                ["live auction"],
                ["catalogue"],
                ["results"],
                ["licences"],
                ["open data"],
            )
            anonymous = [{}] if path in PUBLIC_ENDPOINTS else []
            assert operation["security"] == [{"cookieAuth": []}, *anonymous]
            for code, response in operation["responses"].items():
                if int(code) >= 400:
                    body = response["content"]["application/json"]["schema"]
                    assert body == {"$ref": "#/components/schemas/Error"}, (path, method, code)
    assert len(operation_ids) == len(set(operation_ids))
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "message", "errors"}
    assert set(error["required"]) == {"code", "message"}


def test_the_upload_is_documented_as_multipart_binary(bidder: APIClient) -> None:
    schema = served_schema(bidder)
    body = schema["paths"]["/api/company/documents/"]["post"]["requestBody"]["content"]
    assert set(body) == {"multipart/form-data"}
    component = body["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    file_field = schema["components"]["schemas"][component]["properties"]["file"]
    assert file_field == {
        "type": "string",
        "format": "binary",
        "description": file_field.get("description"),
    }


def test_money_is_a_decimal_string_in_the_schema(bidder: APIClient) -> None:
    payment = served_schema(bidder)["components"]["schemas"]["Payment"]["properties"]
    assert payment["amount"]["type"] == "string"
    assert payment["amount"]["format"] == "decimal"


def test_the_docs_page_uses_only_local_static_files(client: Any) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"https?://", html), "the docs page must not load anything remote"
    assets = [unescape(asset) for asset in re.findall(r'(?:src|href)="([^"]+)"', html)]
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    # Swagger UI's start-up script comes from the docs page's own address and the page's
    # style from our static files: the Content-Security-Policy runs nothing inline.
    assert "/api/docs/?script=" in assets
    assert not re.search(r"<script>|<style", html)
    for asset in assets:
        assert asset.startswith(
            ("/static/drf_spectacular_sidecar/", "/static/css/", "/api/docs/?script=")
        ), asset
        assert client.get(asset).status_code == 200, asset


def test_every_get_answers_with_a_documented_status(
    bidder: APIClient,
    approved_company: Company,
    submitted_application: Application,
) -> None:
    document = CompanyDocumentFactory(company=approved_company)
    Application.objects.filter(pk=submitted_application.pk).update(
        status=Application.Status.ADMITTED, participant_number=1
    )
    lot = submitted_application.lot
    # The caller's own sealed bid, for GET /api/lots/{id}/sealed-bids/.
    sealing = sealed.seal(lot_id=lot.pk, participant_number=1, amount=lot.starting_price)
    SealedBid.objects.create(
        lot=lot,
        application=submitted_application,
        participant_number=1,
        key=uuid.uuid4(),
        submitted_at=timezone.now(),
        submitted_by=approved_company.representatives.get().user,
        sealed_amount=sealing.token,
        commitment=sealing.commitment,
    )
    published_event = AuctionEventFactory(results_published_at=timezone.now())
    own_ids = {
        "/api/company/documents/{id}/download/": document.pk,
        "/api/applications/{id}/": submitted_application.pk,
        "/api/lots/{id}/state/": lot.pk,
        "/api/lots/{id}/sealed-bids/": lot.pk,
        "/api/lots/{id}/maximum/": lot.pk,
        "/api/lots/{id}/ceiling/": lot.pk,
        "/api/lots/{id}/": lot.pk,
        "/api/deposits/{code}/": lot.deposit.code,
        "/api/events/{code}/": lot.event.code,
        "/api/licences/{number}/": LicenceFactory().number,
        "/api/ocds/{code}/releases/": published_event.code,
        "/api/ocds/{code}/record/": published_event.code,
    }
    schema = served_schema(bidder)
    for path, item in schema["paths"].items():
        if "get" not in item:
            continue
        documented = {int(code) for code in item["get"]["responses"]}
        url = re.sub(r"\{\w+\}", str(own_ids.get(path)), path)
        response = bidder.get(url)
        assert response.status_code in documented, (path, response.status_code)
        assert response.status_code == 200, (path, response.status_code)
        assert APIClient().get(url).status_code in documented, path
