"""Nobody but its owner sees a maximum: not staff in the admin, the live monitor, the room
or the API, not the public in exports, before or after the results are published. The
published log marks which bids were automatic; the maxima themselves are never published.

The maximum is distinctive (987 654 321.17 KZT) so that finding it, in any grouping, on a
page means the page shows it.
"""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auctions import engine, services
from auctions.models import Bid, Lot, Maximum
from auctions.tests.factories import LiveLotFactory, admitted_representative
from bidders.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET = Decimal("987654321.17")
# As any page may write it: plain, grouped by spaces, commas, dots or narrow spaces.
SECRET_SEEN = re.compile(r"987\D{0,6}654\D{0,6}321")


@pytest.fixture
def lot_with_a_maximum() -> Lot:
    lot = LiveLotFactory()
    holder = admitted_representative(lot, 41, username="holder", legal_name="Holder Ore LLP")
    rival = admitted_representative(lot, 42, username="rival", legal_name="Rival Ore LLP")
    engine.set_maximum(user=holder, lot_id=lot.pk, amount=str(SECRET), key=str(uuid.uuid4()))
    engine.place_bid(
        user=rival, lot_id=lot.pk, amount=str(lot.starting_price * 2), key=str(uuid.uuid4())
    )
    assert Bid.objects.filter(lot=lot, automatic=True).count() == 2
    return lot


def assert_hidden(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code < 500, (url, response.status_code)
    assert not SECRET_SEEN.search(response.content.decode()), url


def test_the_admin_has_no_page_for_maxima() -> None:
    assert Maximum not in admin.site._registry


@pytest.mark.parametrize("who", ["ministry_clerk", "staff_clerk"])
def test_no_admin_page_shows_a_maximum(
    client: Client, lot_with_a_maximum: Lot, who: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(who))
    assert_hidden(client, reverse("admin:index"))
    pages = 0
    for model, _model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert_hidden(client, changelist)
        for pk in model._default_manager.values_list("pk", flat=True)[:20]:
            assert_hidden(
                client, reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])
            )
            pages += 1
    assert pages > 10


def test_staff_see_no_maximum_in_the_room_or_the_api(
    client: Client, lot_with_a_maximum: Lot, staff_clerk: AbstractBaseUser
) -> None:
    client.force_login(staff_clerk)
    lot = lot_with_a_maximum
    assert_hidden(client, reverse("auctions:room", args=[lot.pk]))
    assert_hidden(client, f"/api/lots/{lot.pk}/state/")
    assert_hidden(client, f"/api/lots/{lot.pk}/maximum/")
    assert client.get(f"/api/lots/{lot.pk}/maximum/").status_code == 403


def test_the_published_log_marks_automatic_bids_and_never_shows_the_maximum(
    client: Client, lot_with_a_maximum: Lot
) -> None:
    lot = lot_with_a_maximum
    Lot.objects.filter(pk=lot.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    engine.close_lot(lot_id=lot.pk)
    services.publish_results(event_id=lot.event_id)
    page = client.get(reverse("auctions:bid_log", args=[lot.pk]))
    assert page.status_code == 200
    assert page.content.decode().count("badge-automatic") == 2
    for url in [
        reverse("auctions:bid_log", args=[lot.pk]),
        reverse("auctions:bid_log_csv", args=[lot.pk]),
        reverse("auctions:bid_log_json", args=[lot.pk]),
        reverse("auctions:results"),
        reverse("auctions:results_csv"),
        "/api/results/",
    ]:
        assert_hidden(client, url)
    # Nor its owner's rivals, nor staff, after publication.
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for model in (Lot, Bid):
        opts = model._meta
        assert_hidden(client, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
