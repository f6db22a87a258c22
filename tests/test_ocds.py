"""Open data: published events as OCDS 1.1 release and record packages at /api/ocds/.

The required fields and codelists below are copied by hand from the OCDS 1.1 schema
(release-schema.json, release-package-schema.json, record-package-schema.json and the
closed codelists of https://standard.open-contracting.org/1.1/en/schema/codelists/), so the
tests need no network.
"""

import json
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from auctions import services
from auctions.models import AuctionEvent, Erratum, Lot
from auctions.tests.factories import AuctionEventFactory, LotFactory
from bidders.tests.factories import UserFactory
from licensing.models import Licence
from licensing.tests.factories import LicenceFactory, auctioned_lot

pytestmark = pytest.mark.django_db

# release-package-schema.json and record-package-schema.json: "required".
RELEASE_PACKAGE_REQUIRED = {"uri", "publisher", "publishedDate", "releases", "version"}
RECORD_PACKAGE_REQUIRED = {"uri", "publisher", "publishedDate", "records", "version"}
RECORD_REQUIRED = {"ocid", "releases"}
PUBLISHER_REQUIRED = {"name"}
# release-schema.json: the release's "required", and each object's where it has one.
RELEASE_REQUIRED = {"ocid", "id", "date", "tag", "initiationType"}
TENDER_REQUIRED = {"id"}
AWARD_REQUIRED = {"id"}
CONTRACT_REQUIRED = {"id", "awardID"}
ITEM_REQUIRED = {"id"}
LOT_REQUIRED = {"id"}  # the lots extension
# The closed codelists of OCDS 1.1.
RELEASE_TAG = {
    "planning",
    "planningUpdate",
    "tender",
    "tenderAmendment",
    "tenderUpdate",
    "tenderCancellation",
    "award",
    "awardUpdate",
    "awardCancellation",
    "contract",
    "contractUpdate",
    "contractAmendment",
    "implementation",
    "implementationUpdate",
    "contractTermination",
    "compiled",
}
INITIATION_TYPE = {"tender"}
TENDER_STATUS = {"planning", "planned", "active", "cancelled", "unsuccessful", "complete"}
AWARD_STATUS = {"pending", "active", "cancelled", "unsuccessful"}
CONTRACT_STATUS = {"pending", "active", "cancelled", "terminated"}
METHOD = {"open", "selective", "limited", "direct"}
PARTY_ROLE = {
    "buyer",
    "procuringEntity",
    "supplier",
    "tenderer",
    "funder",
    "enquirer",
    "payer",
    "payee",
    "reviewBody",
    "interestedParty",
}
# RFC 3339 date-time, as the schema's "format": "date-time" means.
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def check_value(value: dict[str, Any]) -> None:
    assert isinstance(value["amount"], Decimal), value  # a number, read exactly
    assert value["currency"] == "KZT"


def check_release(release: dict[str, Any]) -> None:
    """Assert the release has OCDS 1.1's required fields and only codes from its codelists."""
    assert release.keys() >= RELEASE_REQUIRED, release.keys()
    assert set(release["tag"]) <= RELEASE_TAG
    assert release["tag"]
    assert release["initiationType"] in INITIATION_TYPE
    assert DATE_TIME.match(release["date"])
    assert release["id"].startswith(release["ocid"])
    party_ids = [party["id"] for party in release["parties"]]
    assert len(party_ids) == len(set(party_ids))
    for party in release["parties"]:
        assert set(party["roles"]) <= PARTY_ROLE
    assert release["buyer"]["id"] in party_ids
    tender = release["tender"]
    assert tender.keys() >= TENDER_REQUIRED
    assert tender["status"] in TENDER_STATUS
    assert tender["procurementMethod"] in METHOD
    check_value(tender["value"])
    lot_ids = {lot["id"] for lot in tender["lots"]}
    for lot in tender["lots"]:
        assert lot.keys() >= LOT_REQUIRED
        assert lot["status"] in TENDER_STATUS
        check_value(lot["value"])
    for item in tender["items"]:
        assert item.keys() >= ITEM_REQUIRED
        assert item["relatedLot"] in lot_ids
    for tenderer in tender["tenderers"]:
        assert tenderer["id"] in party_ids
    award_ids = set()
    for award in release.get("awards", []):
        assert award.keys() >= AWARD_REQUIRED
        assert award["status"] in AWARD_STATUS
        assert DATE_TIME.match(award["date"])
        check_value(award["value"])
        assert set(award["relatedLots"]) <= lot_ids
        for supplier in award["suppliers"]:
            assert supplier["id"] in party_ids
            assert "supplier" in release["parties"][party_ids.index(supplier["id"])]["roles"]
        award_ids.add(award["id"])
    for contract in release.get("contracts", []):
        assert contract.keys() >= CONTRACT_REQUIRED
        assert contract["status"] in CONTRACT_STATUS
        assert contract["awardID"] in award_ids
        check_value(contract["value"])
        for moment in contract.get("period", {}).values():
            assert DATE_TIME.match(moment)


def get_json(client: Client, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content, parse_float=Decimal)


@pytest.fixture
def event() -> AuctionEvent:
    """Solid minerals, June 2025, published: gold won by SinoEarth over Steppe at
    160 000 000.55 KZT with an active licence, tungsten failed without bids."""
    event = AuctionEventFactory(code="solid-june-2025", name="Solid minerals, June 2025")
    gold, applications = auctioned_lot(
        [("Steppe Mining LLP", "150000000.00"), ("SinoEarth Resources", "160000000.55")],
        event=event,
        number=1,
    )
    auctioned_lot([], event=event, number=2)
    services.publish_results(event_id=event.pk)
    licence = LicenceFactory(
        lot=gold,
        holder=applications["SinoEarth Resources"].company,
        signature_bonus=Decimal("160000000.55"),
    )
    Licence.objects.filter(pk=licence.pk).update(bonus_recorded_at=timezone.now())
    event.refresh_from_db()
    return event


def releases_url(event: AuctionEvent) -> str:
    return reverse("api-ocds-releases", args=[event.code])


def test_release_package_has_ocds_required_fields_and_codelist_values(
    client: Client, event: AuctionEvent, settings: Any
) -> None:
    package = get_json(client, releases_url(event))

    assert package.keys() >= RELEASE_PACKAGE_REQUIRED
    assert package["publisher"].keys() >= PUBLISHER_REQUIRED
    assert package["version"] == "1.1"
    assert DATE_TIME.match(package["publishedDate"])
    for release in package["releases"]:
        check_release(release)
    first, offered, paid = package["releases"]
    assert first["tag"] == ["planning", "tender", "award"]
    assert [lot["status"] for lot in first["tender"]["lots"]] == ["complete", "unsuccessful"]
    assert first["tender"]["status"] == "complete"
    assert first["tender"]["numberOfTenderers"] == 2
    (award,) = first["awards"]
    assert award["value"]["amount"] == Decimal("160000000.55")
    assert award["suppliers"][0]["name"] == "SinoEarth Resources"
    names = {party["name"]: party["roles"] for party in first["parties"]}
    assert names["Steppe Mining LLP"] == ["tenderer"]
    assert names["SinoEarth Resources"] == ["tenderer", "supplier"]
    countries = {
        party["name"]: party.get("address", {}).get("countryName") for party in first["parties"]
    }
    assert countries["SinoEarth Resources"] == "United States of America"
    assert set(names[settings.OCDS_BUYER_NAME]) == {"buyer", "procuringEntity"}
    # The licence was made and paid after publication: later releases, the first unchanged.
    assert "contracts" not in first
    assert offered["tag"] == ["contract"]
    assert offered["contracts"][0]["status"] == "pending"
    assert paid["tag"] == ["contractUpdate"]
    (contract,) = paid["contracts"]
    assert contract["status"] == "active"
    assert contract["awardID"] == award["id"]
    assert contract["period"]["startDate"] < contract["period"]["endDate"]


def test_amounts_are_json_numbers_written_exactly_from_the_decimal(
    client: Client, event: AuctionEvent
) -> None:
    body = client.get(releases_url(event)).content.decode()

    assert '"amount":160000000.55,' in body
    assert '"amount":"' not in body


def test_record_package_compiles_the_releases(client: Client, event: AuctionEvent) -> None:
    package = get_json(client, reverse("api-ocds-record", args=[event.code]))

    assert package.keys() >= RECORD_PACKAGE_REQUIRED
    (record,) = package["records"]
    assert record.keys() >= RECORD_REQUIRED
    compiled = record["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    check_release(compiled)
    assert compiled["ocid"] == record["ocid"] == record["releases"][0]["ocid"]
    assert compiled["contracts"][0]["status"] == "active"
    assert compiled["date"] == record["releases"][-1]["date"]


@override_settings(OCDS_PREFIX="ocds-a1b2c3")
def test_ocid_is_the_configured_prefix_and_the_events_id(
    client: Client, event: AuctionEvent
) -> None:
    index = get_json(client, reverse("api-ocds"))

    (entry,) = index["events"]
    assert entry["ocid"] == f"ocds-a1b2c3-nedra-event-{event.pk}"
    package = get_json(client, entry["releases"])
    assert {release["ocid"] for release in package["releases"]} == {entry["ocid"]}
    assert get_json(client, entry["record"])["records"][0]["ocid"] == entry["ocid"]


def test_default_prefix_is_the_standards_placeholder(settings: Any) -> None:
    assert re.fullmatch(r"ocds-[a-z0-9]{6}", settings.OCDS_PREFIX)


def test_unpublished_event_is_absent_everywhere_and_names_nobody(
    client: Client, event: AuctionEvent
) -> None:
    hidden = AuctionEventFactory(code="solid-july-2025")
    auctioned_lot(
        [("Hidden Tenderer LLP", "150000000.00"), ("Secret Winner JSC", "170000000.00")],
        event=hidden,
    )

    index = get_json(client, reverse("api-ocds"))
    assert [entry["code"] for entry in index["events"]] == [event.code]
    assert client.get(releases_url(hidden)).status_code == 404
    assert client.get(reverse("api-ocds-record", args=[hidden.code])).status_code == 404
    bulk = client.get(reverse("api-ocds-bulk")).content.decode()
    assert "Secret Winner" not in bulk
    assert "Hidden Tenderer" not in bulk
    assert f"event-{hidden.pk}" not in bulk

    services.publish_results(event_id=hidden.pk)
    assert "Secret Winner JSC" in client.get(reverse("api-ocds-bulk")).content.decode()


def test_unfinished_lot_of_an_early_publication_is_left_out_until_it_is_published(
    client: Client,
) -> None:
    event = AuctionEventFactory()
    auctioned_lot([("Steppe Mining LLP", "150000000.00")], event=event, number=1)
    running = LotFactory(event=event, number=2, status=Lot.Status.LIVE)
    services.publish_results(event_id=event.pk, early=True)

    (release,) = get_json(client, releases_url(event))["releases"]
    assert [lot["id"] for lot in release["tender"]["lots"]] == ["lot-1"]
    assert release["tender"]["status"] == "active"

    auctioned_lot([], event=event, number=3)  # finished since; no result published yet
    Lot.objects.filter(pk=running.pk).update(status=Lot.Status.FAILED)
    services.publish_late_results()
    first, late = get_json(client, releases_url(event))["releases"]
    assert first == release
    assert late["tag"] == ["tenderUpdate", "award"]
    assert [lot["id"] for lot in late["tender"]["lots"]] == ["lot-1", "lot-2", "lot-3"]
    assert late["tender"]["status"] == "complete"


def test_erratum_is_a_new_release_and_the_published_one_stays_as_it_was(
    client: Client, event: AuctionEvent
) -> None:
    before = get_json(client, releases_url(event))["releases"]
    gold = event.lots.get(number=1)
    services.publish_erratum(
        event_id=event.pk,
        lot_id=gold.pk,
        field=Erratum.Field.WINNING_BONUS,
        value="160000001.00",
        reason="Typed from the protocol wrongly.",
        published_by=UserFactory(is_staff=True),
    )
    services.publish_erratum(
        event_id=event.pk,
        lot_id=gold.pk,
        field=Erratum.Field.WINNER_LEGAL_NAME,
        value="SinoEarth Resources Ltd",
        reason="The registered name is longer.",
        published_by=UserFactory(is_staff=True),
    )

    after = get_json(client, releases_url(event))["releases"]
    assert after[: len(before)] == before
    bonus, name = after[len(before) :]
    assert bonus["tag"] == name["tag"] == ["awardUpdate"]
    assert bonus["awards"][0]["value"]["amount"] == Decimal("160000001.00")
    assert bonus["awards"][0]["suppliers"][0]["name"] == "SinoEarth Resources"
    assert name["awards"][0]["suppliers"][0]["name"] == "SinoEarth Resources Ltd"
    # The party keeps its id through the correction: one company, renamed.
    assert name["awards"][0]["suppliers"][0]["id"] == before[0]["awards"][0]["suppliers"][0]["id"]
    record = get_json(client, reverse("api-ocds-record", args=[event.code]))["records"][0]
    assert record["compiledRelease"]["awards"][0]["value"]["amount"] == Decimal("160000001.00")
    for release in after:
        check_release(release)
    assert len({release["id"] for release in after}) == len(after)


def test_forfeited_winner_is_a_cancelled_award_and_the_next_bidder_gets_its_own(
    client: Client,
) -> None:
    event = AuctionEventFactory()
    lot, applications = auctioned_lot(
        [("Steppe Mining LLP", "150000000.00"), ("SinoEarth Resources", "160000000.00")],
        event=event,
    )
    services.publish_results(event_id=event.pk)
    deadline = (timezone.now() - timedelta(days=10)).date()
    LicenceFactory(
        lot=lot,
        holder=applications["SinoEarth Resources"].company,
        signature_bonus=Decimal("160000000.00"),
        status=Licence.Status.FORFEITED,
        payment_deadline=deadline,
        issued_on=None,
        expires_on=None,
    )
    LicenceFactory(
        lot=lot,
        holder=applications["Steppe Mining LLP"].company,
        signature_bonus=Decimal("150000000.00"),
        status=Licence.Status.AWAITING_PAYMENT,
        issued_on=None,
        expires_on=None,
    )

    releases = get_json(client, releases_url(event))["releases"]
    for release in releases:
        check_release(release)
    last = releases[-1]
    awards = {award["suppliers"][0]["name"]: award for award in last["awards"]}
    assert awards["SinoEarth Resources"]["status"] == "cancelled"
    assert awards["Steppe Mining LLP"]["status"] == "active"
    assert awards["Steppe Mining LLP"]["value"]["amount"] == Decimal("150000000.00")
    contracts = {contract["awardID"]: contract["status"] for contract in last["contracts"]}
    assert contracts[awards["SinoEarth Resources"]["id"]] == "cancelled"
    assert contracts[awards["Steppe Mining LLP"]["id"]] == "pending"


def test_bulk_download_is_one_release_package_of_every_published_event(
    client: Client, event: AuctionEvent
) -> None:
    other = AuctionEventFactory()
    auctioned_lot([("Steppe Mining LLP", "150000000.00")], event=other)
    services.publish_results(event_id=other.pk)

    response = client.get(reverse("api-ocds-bulk"))
    assert "attachment" in response["Content-Disposition"]
    package = json.loads(response.content, parse_float=Decimal)
    assert package.keys() >= RELEASE_PACKAGE_REQUIRED
    assert {release["ocid"].rsplit("-", 1)[1] for release in package["releases"]} == {
        str(event.pk),
        str(other.pk),
    }
    for release in package["releases"]:
        check_release(release)


def test_unknown_event_is_a_404_with_the_error_body(client: Client) -> None:
    response = client.get(reverse("api-ocds-releases", args=["no-such-event"]))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_lot_the_identity_policy_keeps_anonymous_is_left_out(
    client: Client, event: AuctionEvent
) -> None:
    # Only finished lots name their participants; a snapshot of any other stays unpublished.
    Lot.objects.filter(event=event, number=1).update(status=Lot.Status.LIVE)

    body = client.get(releases_url(event)).content.decode()

    assert "SinoEarth" not in body
    assert "Steppe" not in body
    (release,) = json.loads(body)["releases"]
    assert [lot["id"] for lot in release["tender"]["lots"]] == ["lot-2"]


def test_a_licence_made_before_publication_is_in_the_first_release(client: Client) -> None:
    event = AuctionEventFactory()
    lot, applications = auctioned_lot([("Steppe Mining LLP", "150000000.00")], event=event)
    LicenceFactory(
        lot=lot,
        holder=applications["Steppe Mining LLP"].company,
        status=Licence.Status.AWAITING_PAYMENT,
        issued_on=None,
        expires_on=None,
        published=False,
    )
    services.publish_results(event_id=event.pk)

    (release,) = get_json(client, releases_url(event))["releases"]

    check_release(release)
    assert release["tag"] == ["planning", "tender", "award", "contract"]
    assert release["contracts"][0]["status"] == "pending"
