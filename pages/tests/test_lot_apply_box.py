"""The lot page's "Take part" box tells every visitor whether applications are still open."""

import html
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auctions.models import Lot
from auctions.tests.factories import LotFactory
from bidders.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def apply_box(client: Client, lot: Lot) -> str:
    page = html.unescape(client.get(reverse("lot", args=[lot.pk])).content.decode())
    return page.split('id="apply-heading"', 1)[1].split("</section>", 1)[0]


@pytest.fixture
def deadline_passed() -> Lot:
    return LotFactory(application_deadline=timezone.now() - timedelta(hours=1))


def test_an_anonymous_visitor_is_told_applications_closed_not_to_log_in(
    client: Client, deadline_passed: Lot
) -> None:
    box = apply_box(client, deadline_passed)
    assert "Applications closed on" in box
    assert "Log in to apply" not in box
    assert reverse("account_login") not in box


def test_a_user_without_a_company_is_told_applications_closed_not_to_register(
    client: Client, deadline_passed: Lot
) -> None:
    client.force_login(UserFactory())
    box = apply_box(client, deadline_passed)
    assert "Applications closed on" in box
    assert reverse("bidders:register") not in box


def test_a_live_lot_says_applications_closed(client: Client) -> None:
    now = timezone.now()
    lot = LotFactory(
        status=Lot.Status.LIVE,
        application_deadline=now - timedelta(days=2),
        starts_at=now - timedelta(minutes=5),
    )
    box = apply_box(client, lot)
    assert "Applications closed on" in box
    assert "Log in to apply" not in box


def test_an_open_lot_still_asks_an_anonymous_visitor_to_log_in(client: Client) -> None:
    lot = LotFactory()
    box = apply_box(client, lot)
    assert "Log in to apply" in box
    assert "Applications closed" not in box
