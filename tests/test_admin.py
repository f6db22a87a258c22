"""The ministry's admin: decision actions, the read-only bid log, lot lists."""

from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auctions import services as auction_services
from auctions.models import Application, Bid, Lot, Payment
from auctions.tests.factories import LiveLotFactory, LotFactory, record_credit_in_admin
from bidders.models import Company, CompanyDecision
from deposits.tests.factories import MineralFactory, RegionFactory, ReserveFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client, staff_clerk) -> Client:
    client.force_login(staff_clerk)
    return client


def run_action(client: Client, model: str, action: str, ids: list[int], **extra: str):
    url = reverse(f"admin:{model}_changelist")
    return client.post(url, {"action": action, "_selected_action": ids, **extra}, follow=True)


def test_approve_action_approves_and_logs(staff_client, pending_company, staff_clerk) -> None:
    response = run_action(staff_client, "bidders_company", "approve", [pending_company.pk])
    assert response.status_code == 200
    pending_company.refresh_from_db()
    assert pending_company.status == Company.Status.APPROVED
    assert CompanyDecision.objects.filter(company=pending_company, decided_by=staff_clerk).exists()
    assert LogEntry.objects.filter(object_id=str(pending_company.pk)).exists()


def test_reject_action_asks_for_a_reason_first(staff_client, pending_company) -> None:
    page = run_action(staff_client, "bidders_company", "reject", [pending_company.pk])
    assert b"Reason" in page.content
    blank = run_action(
        staff_client, "bidders_company", "reject", [pending_company.pk], apply="1", reason=""
    )
    assert b"This field is required" in blank.content
    pending_company.refresh_from_db()
    assert pending_company.status == Company.Status.PENDING

    run_action(
        staff_client,
        "bidders_company",
        "reject",
        [pending_company.pk],
        apply="1",
        reason="Registration certificate is illegible",
    )
    pending_company.refresh_from_db()
    assert pending_company.status == Company.Status.REJECTED
    assert pending_company.status_reason == "Registration certificate is illegible"


def test_company_status_cannot_be_edited_around_the_actions(staff_client, pending_company) -> None:
    url = reverse("admin:bidders_company_change", args=[pending_company.pk])
    page = staff_client.get(url)
    assert b'name="status"' not in page.content


def test_admit_action_refuses_unpaid_then_admits_paid(staff_client, submitted_application) -> None:
    refused = run_action(staff_client, "auctions_application", "admit", [submitted_application.pk])
    assert b"Not received in full yet" in refused.content
    submitted_application.refresh_from_db()
    assert submitted_application.status == Application.Status.SUBMITTED

    for payment in submitted_application.payments.all():
        record_credit_in_admin(staff_client, payment)
    assert not submitted_application.payments.exclude(status=Payment.Status.RECEIVED).exists()

    run_action(staff_client, "auctions_application", "admit", [submitted_application.pk])
    submitted_application.refresh_from_db()
    assert submitted_application.status == Application.Status.ADMITTED
    assert 1 <= submitted_application.participant_number <= auction_services.PARTICIPANT_NUMBERS


def test_reject_application_action_needs_a_reason(staff_client, submitted_application) -> None:
    run_action(
        staff_client,
        "auctions_application",
        "reject",
        [submitted_application.pk],
        apply="1",
        reason="",
    )
    submitted_application.refresh_from_db()
    assert submitted_application.status == Application.Status.SUBMITTED
    run_action(
        staff_client,
        "auctions_application",
        "reject",
        [submitted_application.pk],
        apply="1",
        reason="Guarantee deposit paid from a third party's account",
    )
    submitted_application.refresh_from_db()
    assert submitted_application.status == Application.Status.REJECTED


@pytest.fixture
def bid(submitted_application, staff_clerk) -> Bid:
    Application.objects.filter(pk=submitted_application.pk).update(
        status=Application.Status.ADMITTED, participant_number=1
    )
    return Bid.objects.create(
        lot=submitted_application.lot,
        application=submitted_application,
        participant_number=1,
        sequence=1,
        amount=Decimal("100000000.00"),
        placed_at=timezone.now(),
        placed_by=staff_clerk,
        key="6f1c1b9e-95b5-4f55-9bd0-3d4f7a1f0e11",
        prev_hash="0" * 64,
        hash="a" * 64,
    )


def test_staff_see_the_bid_log_but_cannot_edit_or_delete_a_bid(staff_client, bid) -> None:
    log = staff_client.get(
        reverse("admin:auctions_bid_changelist") + f"?lot__id__exact={bid.lot_id}"
    )
    assert log.status_code == 200
    assert b"100000000" in log.content or b"100,000,000" in log.content

    change = reverse("admin:auctions_bid_change", args=[bid.pk])
    assert staff_client.post(change, {"amount": "1.00"}).status_code == 403
    delete = reverse("admin:auctions_bid_delete", args=[bid.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert staff_client.get(reverse("admin:auctions_bid_add")).status_code == 403
    bid.refresh_from_db()
    assert bid.amount == Decimal("100000000.00")


def test_lot_list_filters_by_status_mineral_region_and_type_and_searches(staff_client) -> None:
    east = RegionFactory(code="east-kazakhstan", name="East Kazakhstan")
    gold_lot = LotFactory(deposit__name="Akbakai North", deposit__region=east)
    ReserveFactory(deposit=gold_lot.deposit, mineral=MineralFactory())
    coal_lot = LotFactory(
        deposit__name="Shubarkol East", licence_type="production", licence_term_years=25
    )
    url = reverse("admin:auctions_lot_changelist")
    queries = {
        "status__exact=published": {gold_lot, coal_lot},
        "licence_type__exact=production": {coal_lot},
        "mineral=gold": {gold_lot},
        f"deposit__region__id__exact={east.pk}": {gold_lot},
        "q=Shubarkol": {coal_lot},
        f"q={coal_lot.number}": {coal_lot},
        f"event__id__exact={gold_lot.event_id}": {gold_lot},
    }
    for query, expected in queries.items():
        response = staff_client.get(f"{url}?{query}")
        assert response.status_code == 200, query
        shown = set(response.context["cl"].result_list)
        assert shown == expected, query


def test_a_published_lot_is_read_only_in_the_admin(staff_client) -> None:
    lot = LotFactory(status=Lot.Status.PUBLISHED)
    page = staff_client.get(reverse("admin:auctions_lot_change", args=[lot.pk]))
    assert b'name="starting_price"' not in page.content
    # A view: no Save button that would change nothing.
    assert b'name="_save"' not in page.content
    draft = LotFactory(status=Lot.Status.DRAFT)
    page = staff_client.get(reverse("admin:auctions_lot_change", args=[draft.pk]))
    assert b'name="starting_price"' in page.content
    assert b'name="_save"' in page.content


def test_a_running_lot_is_neither_saved_nor_deleted_in_the_admin(staff_client) -> None:
    lot = LiveLotFactory()
    page = staff_client.get(reverse("admin:auctions_lot_change", args=[lot.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert b"deletelink" not in page.content
    forged = staff_client.post(reverse("admin:auctions_lot_change", args=[lot.pk]), {"number": 99})
    assert forged.status_code == 403
    assert staff_client.get(reverse("admin:auctions_lot_delete", args=[lot.pk])).status_code == 403
    lot.refresh_from_db()
    assert lot.number != 99


def test_lot_search_survives_odd_digits(staff_client) -> None:
    for term in ["²", "9" * 5000]:
        response = staff_client.get(reverse("admin:auctions_lot_changelist"), {"q": term})
        assert response.status_code == 200


def test_publish_action_opens_a_draft_lot(staff_client) -> None:
    lot = LotFactory(status=Lot.Status.DRAFT)
    ReserveFactory(deposit=lot.deposit)
    run_action(staff_client, "auctions_lot", "publish", [lot.pk])
    lot.refresh_from_db()
    assert lot.status == Lot.Status.PUBLISHED


def test_publish_action_says_why_a_deposit_without_reserves_stays_a_draft(staff_client) -> None:
    lot = LotFactory(status=Lot.Status.DRAFT, deposit__name="Zhanatas North")
    page = run_action(staff_client, "auctions_lot", "publish", [lot.pk])
    assert "Zhanatas North has no reserves recorded" in page.content.decode()
    lot.refresh_from_db()
    assert lot.status == Lot.Status.DRAFT


@pytest.mark.parametrize(
    "model",
    [
        "deposits_region",
        "deposits_mineral",
        "deposits_deposit",
        "deposits_reserve",
        "bidders_company",
        "bidders_representative",
        "auctions_auctionevent",
        "auctions_lot",
        "auctions_application",
        "auctions_payment",
        "auctions_bid",
        "auctions_result",
        "auctions_livelot",
        "licensing_licence",
    ],
)
def test_every_admin_list_and_add_page_renders(staff_client, model: str, bid) -> None:
    assert staff_client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    add = staff_client.get(reverse(f"admin:{model}_add"))
    # Applications, payments, bids and results come from bidders and services, never a form.
    written_elsewhere = {
        "auctions_livelot",
        "auctions_application",
        "auctions_payment",
        "auctions_bid",
        "auctions_result",
        # Licences come from settling a won lot.
        "licensing_licence",
    }
    assert add.status_code == (403 if model in written_elsewhere else 200)


@pytest.mark.parametrize(
    ("model", "field"), [("deposits_deposit", "outline"), ("auctions_lot", "licence_area")]
)
def test_a_shape_nested_thousands_deep_is_a_form_error_not_a_500(
    staff_client, model: str, field: str
) -> None:
    # Django's JSON form field catches only JSONDecodeError; the decoder's recursion limit
    # raised RecursionError, both reading the form and showing it again.
    response = staff_client.post(
        reverse(f"admin:{model}_add"), {field: "[" * 100_000 + "]" * 100_000}
    )
    assert response.status_code == 200
    assert "nested more than" in " ".join(response.context["adminform"].form.errors[field])
