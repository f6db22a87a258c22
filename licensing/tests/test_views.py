"""The public licence registry, certificates, the dashboard's licences and the admin."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auctions.models import LicenceType, Payment
from auctions.tests.factories import AuctionEventFactory, LotFactory
from bidders.tests.factories import CompanyFactory
from deposits.models import Deposit
from deposits.tests.factories import (
    DepositFactory,
    MineralFactory,
    RegionFactory,
    ReserveFactory,
)
from licensing import services
from licensing.models import Licence
from licensing.tests.factories import LicenceFactory, auctioned_lot, publish_lot_result

pytestmark = pytest.mark.django_db

REGISTRY = reverse("licensing:registry")


def certificate_url(licence: Licence) -> str:
    return reverse("licensing:certificate", args=[licence.number])


def licence_in(region_code: str, mineral_code: str, **fields: object) -> Licence:
    """Return a licence on a new deposit in the region with reserves of the mineral."""
    deposit = DepositFactory(region=RegionFactory(code=region_code, name=region_code.title()))
    ReserveFactory(deposit=deposit, mineral=MineralFactory(code=mineral_code, name=mineral_code))
    return LicenceFactory(lot=LotFactory(deposit=deposit, status="closed"), **fields)


@pytest.fixture
def published_event_lot():
    """A closed lot of an event whose results are published."""
    event = AuctionEventFactory(results_published_at=timezone.now())
    return LotFactory(event=event, status="closed")


@pytest.fixture
def awaiting(approved_company) -> Licence:
    """Ridgeline's licence offer, still awaiting the bonus."""
    return LicenceFactory(
        number="KZ-P-2026-0007",
        holder=approved_company,
        status=Licence.Status.AWAITING_PAYMENT,
        issued_on=None,
        expires_on=None,
        published=False,
    )


# --- The registry ---------------------------------------------------------------------------


def test_the_registry_lists_active_licences_by_default(client: Client) -> None:
    active = LicenceFactory(holder=CompanyFactory(legal_name="Ridgeline Critical Minerals"))
    expired = LicenceFactory(status=Licence.Status.EXPIRED)
    page = client.get(REGISTRY)
    assert page.status_code == 200
    html = page.content.decode()
    assert active.number in html
    assert "Ridgeline Critical Minerals" in html
    assert expired.number not in html


def test_the_status_filter_shows_other_statuses_and_all(client: Client) -> None:
    active = LicenceFactory()
    expired = LicenceFactory(status=Licence.Status.EXPIRED)
    html = client.get(REGISTRY, {"status": "expired"}).content.decode()
    assert expired.number in html
    assert active.number not in html
    html = client.get(REGISTRY, {"status": "all"}).content.decode()
    assert expired.number in html
    assert active.number in html


def test_an_offer_awaiting_payment_shows_only_once_results_are_published(
    client: Client, awaiting: Licence, published_event_lot
) -> None:
    hidden = client.get(REGISTRY, {"status": "all"}).content.decode()
    assert awaiting.number not in hidden
    public = LicenceFactory(
        lot=published_event_lot,
        status=Licence.Status.AWAITING_PAYMENT,
        issued_on=None,
        expires_on=None,
    )
    shown = client.get(REGISTRY, {"status": "awaiting_payment"}).content.decode()
    assert public.number in shown
    assert awaiting.number not in shown


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"licence_type": "production"}, {"production"}),
        ({"mineral": "tungsten"}, {"tungsten"}),
        ({"region": "karaganda"}, {"tungsten"}),
        ({"country": "CN"}, {"production"}),
        ({"region": "abai", "mineral": "gold"}, {"gold"}),
        ({}, {"gold", "tungsten", "production"}),
    ],
)
def test_the_registry_filters(client: Client, params: dict, expected: set[str]) -> None:
    licences = {
        "gold": licence_in("abai", "gold"),
        "tungsten": licence_in("karaganda", "tungsten"),
        "production": licence_in(
            "abai",
            "copper",
            licence_type=LicenceType.PRODUCTION,
            term_years=25,
            holder=CompanyFactory(country="CN"),
        ),
    }
    html = client.get(REGISTRY, params).content.decode()
    shown = {name for name, licence in licences.items() if licence.number in html}
    assert shown == expected


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"licence_type": "<script>"},
        {"mineral": "unobtainium"},
        {"region": "\x00"},
        {"country": "ZZZ"},
        {"page": "abc"},
        {"page": "99999"},
        {"page": "-1", "status": "all", "mineral": ["gold", "tin"]},
    ],
)
def test_bad_filter_values_give_a_clean_page(client: Client, params: dict) -> None:
    licence = licence_in("abai", "gold")
    page = client.get(REGISTRY, params)
    assert page.status_code == 200
    assert licence.number in page.content.decode()


def test_the_registry_pages_and_keeps_its_filters(client: Client) -> None:
    for _ in range(27):
        LicenceFactory(licence_type=LicenceType.EXPLORATION)
    first = client.get(REGISTRY, {"licence_type": "exploration"}).content.decode()
    assert "27 licences" in first
    assert "page=2" in first
    assert "licence_type=exploration" in first
    second = client.get(REGISTRY, {"licence_type": "exploration", "page": 2})
    assert second.status_code == 200
    assert second.content.decode().count("<tr>") == 1 + 2


def test_the_registry_runs_a_bounded_number_of_queries(
    client: Client, django_assert_max_num_queries
) -> None:
    for index in range(12):
        licence_in(f"region-{index}", f"mineral-{index}")
    with django_assert_max_num_queries(7):
        page = client.get(REGISTRY, {"status": "all"})
    assert page.status_code == 200


def test_the_header_links_to_the_registry(client: Client) -> None:
    assert f'href="{REGISTRY}"' in client.get(reverse("home")).content.decode()


# --- Certificates ---------------------------------------------------------------------------


def test_anyone_may_download_the_certificate_of_a_licence_in_force(client: Client) -> None:
    licence = licence_in("abai", "gold")
    response = client.get(certificate_url(licence))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert f"/Title (Licence {licence.number})".encode() in response.content
    assert licence.number in response["Content-Disposition"]


def test_an_expired_licence_certificate_is_public(client: Client) -> None:
    licence = LicenceFactory(status=Licence.Status.EXPIRED)
    assert client.get(certificate_url(licence)).status_code == 200


def test_an_offer_awaiting_payment_is_404_for_the_public_and_other_companies(
    client: Client, awaiting: Licence, non_participant
) -> None:
    assert client.get(certificate_url(awaiting)).status_code == 404
    client.force_login(non_participant)
    assert client.get(certificate_url(awaiting)).status_code == 404


def test_the_holder_and_staff_may_always_download_the_certificate(
    client: Client, awaiting: Licence, bidder_user, staff_clerk
) -> None:
    client.force_login(bidder_user)
    response = client.get(certificate_url(awaiting))
    assert response.status_code == 200
    assert b"/Title (Licence KZ-P-2026-0007)" in response.content
    client.force_login(staff_clerk)
    assert client.get(certificate_url(awaiting)).status_code == 200


def test_an_unknown_licence_number_is_404(client: Client) -> None:
    assert client.get("/licences/KZ-X-1999-0001/certificate.pdf").status_code == 404


# --- The bidder's dashboard -----------------------------------------------------------------


def test_the_dashboard_lists_the_companys_licences_with_their_certificate(
    client: Client, bidder_user, approved_company, awaiting: Licence
) -> None:
    other = LicenceFactory(number="KZ-E-2026-0099")
    client.force_login(bidder_user)
    html = client.get(reverse("dashboard")).content.decode()
    assert awaiting.number in html
    assert certificate_url(awaiting) in html
    assert "Pay by" in html
    assert other.number not in html


# --- Admin ------------------------------------------------------------------------------------


def run_action(client: Client, model: str, action: str, ids: list[int]):
    url = reverse(f"admin:{model}_changelist")
    return client.post(url, {"action": action, "_selected_action": ids}, follow=True)


def test_staff_record_the_bonus_in_the_admin_and_cannot_add_licences(
    client: Client, staff_clerk
) -> None:
    lot, _ = auctioned_lot([("Ridgeline", "100000000.00"), ("Steppe", "105000000.00")])
    offer = services.settle_lot(lot_id=lot.pk)
    client.force_login(staff_clerk)
    assert client.get(reverse("admin:licensing_licence_add")).status_code == 403
    assert client.get(reverse("admin:licensing_licence_changelist")).status_code == 200
    change = client.get(reverse("admin:licensing_licence_change", args=[offer.pk]))
    assert change.status_code == 200
    assert certificate_url(offer) in change.content.decode()

    response = run_action(client, "licensing_licence", "record_bonus_payment", [offer.pk])
    assert response.status_code == 200
    offer.refresh_from_db()
    assert offer.status == Licence.Status.ACTIVE
    assert offer.issued_on == timezone.localdate()
    assert Deposit.objects.get(pk=offer.deposit_id).status == Deposit.Status.LICENSED

    again = run_action(client, "licensing_licence", "record_bonus_payment", [offer.pk])
    assert "its bonus cannot be recorded" in again.content.decode()


def test_staff_record_a_refund_in_the_payment_admin(client: Client, staff_clerk) -> None:
    lot, applications = auctioned_lot([("Ridgeline", "100000000.00"), ("Steppe", "105000000.00")])
    services.settle_lot(lot_id=lot.pk)
    refund = applications["Ridgeline"].payments.get(kind=Payment.Kind.GUARANTEE_DEPOSIT)
    applied = applications["Steppe"].payments.get(kind=Payment.Kind.GUARANTEE_DEPOSIT)
    client.force_login(staff_clerk)
    response = run_action(client, "auctions_payment", "record_refund", [refund.pk, applied.pk])
    assert response.status_code == 200
    refund.refresh_from_db()
    applied.refresh_from_db()
    assert refund.status == Payment.Status.REFUNDED
    assert applied.status == Payment.Status.APPLIED
    assert "not due for refund" in response.content.decode()


def test_a_licence_issued_before_its_lots_result_is_published_stays_out_of_public_view(
    client: Client,
) -> None:
    """A licence names its lot's winner, whose number the public gallery showed bidding:
    until the lot's result is published, neither the registry, its API, the deposit page
    nor the certificate may pair that company with the lot."""
    licence = LicenceFactory(published=False)
    assert licence.number not in client.get(REGISTRY, {"status": "all"}).content.decode()
    assert client.get(f"/api/licences/{licence.number}/").status_code == 404
    assert licence.number not in client.get("/api/licences/?status=all").content.decode()
    assert licence.number not in client.get(f"/deposits/{licence.deposit.code}/").content.decode()
    assert client.get(certificate_url(licence)).status_code == 404

    publish_lot_result(licence.lot, winner=licence.holder, bonus=licence.signature_bonus)

    assert licence.number in client.get(REGISTRY).content.decode()
    assert client.get(f"/api/licences/{licence.number}/").status_code == 200
    assert client.get(certificate_url(licence)).status_code == 200
