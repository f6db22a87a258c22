"""Staff watch running lots by participant number, and pause, resume or cancel them."""

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auctions import engine
from auctions.models import Lot
from auctions.tests.factories import LotFactory, admitted_representative
from bidders.tests.factories import RepresentativeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client, staff_clerk: AbstractBaseUser) -> Client:
    client.force_login(staff_clerk)
    return client


@pytest.fixture
def live_lot() -> Lot:
    now = timezone.now()
    lot = LotFactory(
        status=Lot.Status.LIVE,
        application_deadline=now - timedelta(days=1),
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(minutes=40),
        hard_end=now + timedelta(hours=1),
    )
    for number, name in ((1, "Ridgeline Critical Minerals"), (2, "SinoEarth Resources")):
        user = admitted_representative(lot, number, legal_name=name)
        engine.place_bid(
            user=user,
            lot_id=lot.pk,
            amount=str(lot.starting_price + (number - 1) * lot.bid_step),
            key=uuid.uuid4(),
        )
    return lot


def post_action(client: Client, model: str, action: str, ids: list[int], **extra: str):
    url = reverse(f"admin:{model}_changelist")
    return client.post(url, {"action": action, "_selected_action": ids, **extra}, follow=True)


def test_the_monitor_shows_live_lots_by_participant_number_only(
    staff_client: Client, live_lot: Lot
) -> None:
    finished = LotFactory(status=Lot.Status.CANCELLED, status_reason="x")
    page = staff_client.get(reverse("admin:auctions_livelot_changelist")).content.decode()
    assert live_lot.deposit.name in page
    assert finished.deposit.name not in page
    assert "Participant 2" in page
    assert "105" in page.replace(",", "").replace("\\xa0", "")  # the current price
    assert reverse("auctions:room", args=[live_lot.pk]) in page
    assert "Ridgeline" not in page
    assert "SinoEarth" not in page


def test_the_lot_and_its_applications_hide_company_names_while_live(
    staff_client: Client, live_lot: Lot
) -> None:
    lot_page = staff_client.get(reverse("admin:auctions_lot_change", args=[live_lot.pk]))
    applications = staff_client.get(reverse("admin:auctions_application_changelist"))
    application = live_lot.applications.first()
    detail = staff_client.get(reverse("admin:auctions_application_change", args=[application.pk]))
    for response in (lot_page, applications, detail):
        page = response.content.decode()
        assert "Hidden while the lot is live" in page
        assert "Ridgeline" not in page
        assert "SinoEarth" not in page
    assert 'name="company"' not in detail.content.decode(), "the company is never edited"

    Lot.objects.filter(pk=live_lot.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    engine.close_lot(lot_id=live_lot.pk)
    lot_page = staff_client.get(reverse("admin:auctions_lot_change", args=[live_lot.pk]))
    assert "SinoEarth Resources" in lot_page.content.decode()


def test_pause_needs_a_reason_and_resume_gives_the_time_back(
    staff_client: Client, live_lot: Lot
) -> None:
    asked = post_action(staff_client, "auctions_livelot", "pause", [live_lot.pk])
    assert "Reason" in asked.content.decode()
    live_lot.refresh_from_db()
    assert live_lot.status == Lot.Status.LIVE

    post_action(
        staff_client,
        "auctions_livelot",
        "pause",
        [live_lot.pk],
        apply="1",
        reason="Bank gateway outage",
    )
    live_lot.refresh_from_db()
    assert live_lot.status == Lot.Status.PAUSED
    assert live_lot.status_reason == "Bank gateway outage"

    response = post_action(staff_client, "auctions_livelot", "resume", [live_lot.pk])
    assert "Resumed: 1." in response.content.decode()
    live_lot.refresh_from_db()
    assert live_lot.status == Lot.Status.LIVE


def test_resuming_a_running_lot_is_refused_with_a_message(
    staff_client: Client, live_lot: Lot
) -> None:
    response = post_action(staff_client, "auctions_livelot", "resume", [live_lot.pk])
    assert "The lot is not paused." in response.content.decode()


def test_staff_cancel_a_lot_with_a_reason_from_the_lot_list(
    staff_client: Client, live_lot: Lot
) -> None:
    post_action(
        staff_client,
        "auctions_lot",
        "cancel",
        [live_lot.pk],
        apply="1",
        reason="Court order on the deposit",
    )
    live_lot.refresh_from_db()
    assert live_lot.status == Lot.Status.CANCELLED
    assert live_lot.status_reason == "Court order on the deposit"


def test_a_bidder_cannot_open_the_monitor(client: Client, live_lot: Lot) -> None:
    client.force_login(RepresentativeFactory().user)
    response = client.get(reverse("admin:auctions_livelot_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_search_by_company_name_leaves_out_running_lots(
    staff_client: Client, live_lot: Lot
) -> None:
    for model in ("auctions_application", "auctions_payment"):
        page = staff_client.get(reverse(f"admin:{model}_changelist"), {"q": "Ridgeline"})
        assert "0 results" in page.content.decode(), model
    Lot.objects.filter(pk=live_lot.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    engine.close_lot(lot_id=live_lot.pk)
    page = staff_client.get(reverse("admin:auctions_application_changelist"), {"q": "Ridgeline"})
    assert "1 result" in page.content.decode()


def test_a_bid_in_the_admin_does_not_say_who_placed_it(staff_client: Client, live_lot: Lot) -> None:
    bid = live_lot.bids.get(sequence=1)
    page = staff_client.get(reverse("admin:auctions_bid_change", args=[bid.pk])).content.decode()
    assert bid.hash in page
    assert bid.placed_by.username not in page


def test_staff_cancel_a_running_lot_from_the_monitor(staff_client: Client, live_lot: Lot) -> None:
    post_action(
        staff_client,
        "auctions_livelot",
        "cancel",
        [live_lot.pk],
        apply="1",
        reason="Licensing block boundaries disputed",
    )
    live_lot.refresh_from_db()
    assert live_lot.status == Lot.Status.CANCELLED
