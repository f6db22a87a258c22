"""The public gallery's page, /lots/<id>/watch/: a live lot as any visitor sees it."""

import json
import re
import uuid

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import reverse

from auctions import engine, live
from auctions.models import AuctionEvent, Lot
from auctions.tests.contract import START
from auctions.tests.factories import LotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_gallery_states() -> None:
    live._gallery_states.clear()


def room_config(page: str) -> dict:
    found = re.search(r'<script id="room-config" type="application/json">(.*?)</script>', page)
    assert found, "the page carries no room configuration"
    return json.loads(found[1])


def test_an_anonymous_visitor_watches_a_live_lot_without_a_bid_form(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    engine.place_bid(user=admitted_bidder, lot_id=live_lot.pk, amount=START, key=str(uuid.uuid4()))
    response = Client().get(reverse("lot_gallery", args=[live_lot.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="bid-form"' not in page
    config = room_config(page)
    assert config["socket_path"] == f"/ws/lots/{live_lot.pk}/gallery/"
    assert config["participant_number"] is None
    assert config["state"]["leader"] == "Participant 1"
    assert config["state"]["current_price"] == START
    # Numbers only: no company, and never the viewer as "you".
    assert admitted_bidder.representative.company.legal_name not in page
    assert '"leader": "you"' not in page
    assert "js/room.js" in page


def test_a_participant_in_the_gallery_is_not_you_either(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    engine.place_bid(user=admitted_bidder, lot_id=live_lot.pk, amount=START, key=str(uuid.uuid4()))
    client = Client()
    client.force_login(admitted_bidder)
    page = client.get(reverse("lot_gallery", args=[live_lot.pk])).content.decode()
    assert room_config(page)["state"]["leader"] == "Participant 1"
    assert 'id="bid-form"' not in page


def test_a_closed_gallery_says_so_with_403_and_no_live_state(live_lot: Lot) -> None:
    AuctionEvent.objects.filter(pk=live_lot.event_id).update(has_public_gallery=False)
    response = Client().get(reverse("lot_gallery", args=[live_lot.pk]))
    assert response.status_code == 403
    page = response.content.decode()
    assert 'id="gallery-closed"' in page
    assert "room-config" not in page
    assert "js/room.js" not in page


def test_a_draft_lot_has_no_gallery_page() -> None:
    draft = LotFactory(status=Lot.Status.DRAFT)
    assert Client().get(reverse("lot_gallery", args=[draft.pk])).status_code == 404


def test_the_gallery_answers_only_get(live_lot: Lot) -> None:
    assert Client().post(reverse("lot_gallery", args=[live_lot.pk])).status_code == 405


def test_the_lot_page_and_the_catalogue_link_a_live_lot_to_its_gallery(live_lot: Lot) -> None:
    url = reverse("lot_gallery", args=[live_lot.pk])
    client = Client()
    assert url in client.get(reverse("lot", args=[live_lot.pk])).content.decode()
    assert url in client.get(reverse("auctions:catalogue")).content.decode()


def test_no_gallery_link_for_a_lot_not_live_or_a_closed_gallery(live_lot: Lot) -> None:
    published = LotFactory()
    client = Client()
    published_page = client.get(reverse("lot", args=[published.pk])).content.decode()
    assert reverse("lot_gallery", args=[published.pk]) not in published_page
    AuctionEvent.objects.filter(pk=live_lot.event_id).update(has_public_gallery=False)
    url = reverse("lot_gallery", args=[live_lot.pk])
    assert url not in client.get(reverse("lot", args=[live_lot.pk])).content.decode()
    assert url not in client.get(reverse("auctions:catalogue")).content.decode()


def test_staff_turn_the_gallery_off_in_the_event_admin(
    staff_clerk: AbstractBaseUser, live_lot: Lot
) -> None:
    client = Client()
    client.force_login(staff_clerk)
    url = reverse("admin:auctions_auctionevent_change", args=[live_lot.event_id])
    page = client.get(url).content.decode()
    assert 'name="has_public_gallery"' in page
    assert AuctionEvent._meta.get_field("has_public_gallery").default is True
