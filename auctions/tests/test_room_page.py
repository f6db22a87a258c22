"""The auction room page: who gets a seat, and who gets a bid form."""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import reverse

from auctions import engine, live
from auctions.models import Lot
from core.errors import DomainError

pytestmark = pytest.mark.django_db


def room_page(user: AbstractBaseUser, lot: Lot):
    client = Client()
    client.force_login(user)
    return client.get(reverse("auctions:room", args=[lot.pk]))


def test_an_admitted_participant_gets_the_bid_form(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    response = room_page(admitted_bidder, live_lot)
    assert response.status_code == 200
    page = response.content.decode()
    assert "You are Participant 1" in page
    assert 'id="bid-form"' in page
    assert live.take_seat(user=admitted_bidder, lot_id=live_lot.pk).may_bid


@pytest.mark.parametrize("persona", ["suspended_bidder", "bidder_without_deposit"])
def test_a_participant_that_may_not_bid_watches_without_a_bid_form(
    request: pytest.FixtureRequest, live_lot: Lot, persona: str
) -> None:
    user = request.getfixturevalue(persona)
    response = room_page(user, live_lot)
    assert response.status_code == 200
    page = response.content.decode()
    assert "You are Participant" in page
    assert "Your company may not bid in this lot now" in page
    assert 'id="bid-form"' not in page
    assert not live.take_seat(user=user, lot_id=live_lot.pk).may_bid


def test_staff_watch_without_a_bid_form(staff_clerk: AbstractBaseUser, live_lot: Lot) -> None:
    page = room_page(staff_clerk, live_lot).content.decode()
    assert "Watching as ministry staff" in page
    assert 'id="bid-form"' not in page


def test_a_company_that_is_no_participant_is_refused(
    non_participant: AbstractBaseUser, live_lot: Lot
) -> None:
    assert room_page(non_participant, live_lot).status_code == 403


def test_an_unknown_lot_is_404(admitted_bidder: AbstractBaseUser) -> None:
    client = Client()
    client.force_login(admitted_bidder)
    assert client.get(reverse("auctions:room", args=[999_999])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client: Client, live_lot: Lot) -> None:
    response = client.get(reverse("auctions:room", args=[live_lot.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_staff_linked_to_an_admitted_company_never_take_its_seat(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, flag: str
) -> None:
    """Set on the object only: the database may refuse to store a staff representative."""
    setattr(admitted_bidder, flag, True)
    admitted_bidder.has_perm = lambda perm, obj=None: True
    if flag == "is_staff":
        seat = live.take_seat(user=admitted_bidder, lot_id=live_lot.pk)
        assert seat.participant_number is None
        assert not seat.may_bid
    else:
        # A superuser who is not staff has no watching seat either.
        with pytest.raises(DomainError) as error:
            live.take_seat(user=admitted_bidder, lot_id=live_lot.pk)
        assert error.value.code == "not_admitted"


def test_the_amount_box_is_given_the_engines_digit_limit_and_keeps_none_of_its_own(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    page = room_page(admitted_bidder, live_lot).content.decode()
    config = json.loads(
        re.search(r'<script id="room-config" type="application/json">(.*?)</script>', page)[1]
    )
    limit = config["max_whole_digits"]
    # The page's figure is what the engine accepts, one digit more is what it refuses.
    assert engine.parse_amount("9" * limit) == Decimal("9" * limit)
    with pytest.raises(DomainError) as refusal:
        engine.parse_amount("9" * (limit + 1))
    assert refusal.value.code == "invalid_amount"
    # The scripts count no whole digits themselves: only the tiyn's two.
    for script in ("amounts.js", "room.js"):
        source = (Path(settings.BASE_DIR) / "static" / "js" / script).read_text()
        assert "MAX_WHOLE_DIGITS" not in source
        assert all(int(most) <= 2 for most in re.findall(r"\{1,(\d+)\}", source)), script
