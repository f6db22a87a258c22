"""Walk every operation of the OpenAPI schema with generated requests, as an anonymous
client: whatever it sends, the API answers with a documented status, content type and body,
and never with a server error."""

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from auctions.models import Lot
from auctions.tests.factories import AuctionEventFactory, LiveLotFactory, LotFactory
from bidders.tests.factories import CompanyFactory
from deposits.models import Mineral, Reserve
from deposits.tests.factories import DepositFactory, MineralFactory, RegionFactory, ReserveFactory
from licensing.models import Licence
from licensing.tests.factories import LicenceFactory, auctioned_lot

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Generated requests per operation: enough to try each parameter's kinds of value, few
# enough that the walk stays well under a minute.
PUBLIC_EXAMPLES = 12
PRIVATE_EXAMPLES = 3


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django as a WSGI app on the test's own database connection.

    A real server closes stale connections around each request; here that would close the
    test's transaction, so the walk keeps the connection as Django's test client does.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def public_data() -> dict[str, str]:
    """Something behind every public list and detail: deposits with reserves, lots open and
    live, a published event with an awarded and a failed lot, licences issued and awaited."""
    gold = MineralFactory(code="gold", name="Gold")
    cerium = MineralFactory(
        code="cerium", name="Cerium", group=Mineral.Group.RARE_EARTH, is_critical=True
    )
    region = RegionFactory(code="east-kazakhstan", name="East Kazakhstan")
    deposit = DepositFactory(code="KZ-0001", name="Altyn Tobe", region=region)
    ReserveFactory(deposit=deposit, mineral=gold)
    ReserveFactory(
        deposit=deposit,
        mineral=cerium,
        category=Reserve.Category.INFERRED,
        grade=None,
        grade_unit="",
    )
    open_lot = LotFactory(deposit=deposit, event=AuctionEventFactory(code="june-2026"))
    LiveLotFactory(deposit=DepositFactory(region=region))
    LotFactory(status=Lot.Status.DRAFT)

    published = AuctionEventFactory(
        code="june-2025", results_published_at=timezone.now() - timedelta(days=1)
    )
    awarded, _ = auctioned_lot(
        [("Steppe Mining LLP", "150000000.00"), ("SinoEarth Resources", "160000000.00")],
        event=published,
    )
    auctioned_lot([], event=published)
    licence = LicenceFactory(
        lot=awarded,
        holder=awarded.result.winner.company,
        signature_bonus=Decimal("160000000.00"),
    )
    LicenceFactory(
        holder=CompanyFactory(),
        lot=LotFactory(event=published, status=Lot.Status.CLOSED),
        status=Licence.Status.AWAITING_PAYMENT,
        issued_on=None,
        expires_on=None,
    )
    return {
        "code": deposit.code,
        "event_code": open_lot.event.code,
        "published_event_code": published.code,
        "id": str(open_lot.pk),
        "number": licence.number,
    }


def walk(operation: APIOperation, examples: int) -> None:
    """Send `examples` generated requests to the operation and check every answer."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(case: Any) -> None:
        case.call_and_validate(checks=CHECKS)

    answers_as_documented()


def real_path_parameters(operation: APIOperation, data: dict[str, str]) -> dict[str, str]:
    """Return the identifiers of real public things for the operation's path parameters."""
    names = {parameter.name for parameter in operation.path_parameters}
    if "code" in names:
        key = "event_code" if operation.path.startswith("/api/events/") else "code"
        if operation.path.startswith("/api/ocds/"):
            key = "published_event_code"
        return {"code": data[key]}
    return {name: data[name] for name in names}


def test_every_documented_operation_answers_as_documented(
    wsgi_app: WSGIHandler, public_data: dict[str, str]
) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    walked = set()
    for operation in operations:
        is_public = operation.definition.raw.get("security", []).count({}) > 0
        walk(operation, PUBLIC_EXAMPLES if is_public else PRIVATE_EXAMPLES)
        if is_public:
            # And once with a real identifier, so the detail's success is checked too.
            case = operation.Case(path_parameters=real_path_parameters(operation, public_data))
            response = case.call_and_validate(checks=CHECKS)
            assert response.status_code == 200, (operation.label, response.text)
        walked.add((operation.method.upper(), operation.path))

    assert ("GET", "/api/results/") in walked
    assert ("GET", "/api/licences/{number}/") in walked
    assert ("POST", "/api/lots/{id}/bids/") in walked
    assert len(walked) == len(operations) >= 20
