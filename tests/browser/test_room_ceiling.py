"""A participant bids in a lot whose bids are backed by money: it sees its ceiling beside the
bid box, is refused above it, and sees it rise when the ministry records a bank guarantee."""

import re
import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, expect

from auctions import ceilings
from auctions.models import Application, Bid, Lot
from auctions.tests.factories import LotFactory, admitted_representative
from bidders.tests.factories import TEST_PASSWORD, UserFactory
from core.roles import CLERKS, setup_roles
from tests.browser.logins import log_in_as_staff

pytestmark = pytest.mark.browser


def signed_in(
    browser: Browser, live_server_url: str, user: AbstractBaseUser, locale: str = "en-GB"
) -> BrowserContext:
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        viewport={"width": 1280, "height": 1000}, timezone_id="Asia/Almaty", locale=locale
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server_url}]
    )
    return context


@pytest.fixture
def ceiling_lot(transactional_db: None) -> Lot:
    now = timezone.now()
    # Twelve times the 10 million deposit: 120 million, plus any bank guarantee.
    return LotFactory(
        deposit__name="Kuirektykol",
        status=Lot.Status.LIVE,
        application_deadline=now - timedelta(days=2),
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
        hard_end=now + timedelta(hours=2),
        starting_price=Decimal("100000000.00"),
        bid_step=Decimal("5000000.00"),
        guarantee_deposit=Decimal("10000000.00"),
        bid_ceiling=Lot.BidCeiling.DEPOSIT_AND_BANK_GUARANTEE,
        bid_ceiling_multiple=Decimal("12"),
    )


def test_a_bidder_sees_its_ceiling_is_refused_above_it_and_bids_once_a_guarantee_raises_it(
    browser: Browser, live_server_url: str, ceiling_lot: Lot, screenshot: Callable
) -> None:
    bidder = admitted_representative(ceiling_lot, 1, legal_name="Ridgeline Critical Minerals")
    page = signed_in(browser, live_server_url, bidder).new_page()
    page.goto(f"{live_server_url}/lots/{ceiling_lot.pk}/room/")
    expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")
    note = page.locator("#bid-ceiling")
    expect(note).to_be_visible()
    expect(note).to_contain_text(re.compile(r"Your bid ceiling in this lot is KZT\s120,000,000\."))
    expect(note).to_contain_text("a bank guarantee recorded by the ministry")
    screenshot("1-ceiling-beside-the-bid-box", of=page)

    amount = page.get_by_label("Your signature bonus offer, KZT")
    amount.fill("125,000,000")
    # The box says so before anything is sent.
    expect(page.locator("#bid-echo")).to_have_text(
        re.compile(r"KZT\s125,000,000 is above your bid ceiling of KZT\s120,000,000\.")
    )
    page.get_by_role("button", name="Place bid").click()
    expect(page.locator("#bid-feedback")).to_contain_text(
        re.compile(r"KZT\s125,000,000 is above your bid ceiling of KZT\s120,000,000\.")
    )
    screenshot("2-refused-above-the-ceiling", of=page)
    assert not Bid.objects.exists()

    # The ministry records a bank guarantee of 30 million: the room shows 150 million.
    application = Application.objects.get(lot=ceiling_lot)
    clerk = UserFactory(is_staff=True)
    # On a thread of its own, as the admin's request would run: Playwright's loop holds this
    # one, and the recording tells the sockets through the channel layer.
    recording = threading.Thread(
        target=ceilings.record_bank_guarantee,
        kwargs={
            "application_id": application.pk,
            "amount": Decimal("30000000.00"),
            "reference": "No. 12/345, Halyk Bank",
            "recorded_by": clerk,
        },
    )
    recording.start()
    recording.join(timeout=10)
    expect(note).to_contain_text(re.compile(r"is KZT\s150,000,000\."))
    amount.fill("125,000,000")
    expect(page.locator("#bid-echo")).to_have_text(
        re.compile(r"^You are bidding KZT\s125,000,000\.$")
    )
    page.get_by_role("button", name="Place bid").click()
    expect(page.locator("#bid-feedback")).to_contain_text("is accepted")
    screenshot("3-accepted-under-the-raised-ceiling", of=page)
    assert list(Bid.objects.values_list("amount", flat=True)) == [Decimal("125000000.00")]


def test_the_quick_amounts_above_the_ceiling_are_not_offered(
    browser: Browser, live_server_url: str, screenshot: Callable, transactional_db: None
) -> None:
    now = timezone.now()
    # A ceiling of 115 million: +1 step (100 million) fits, +5 steps (120 million) does not.
    lot = LotFactory(
        status=Lot.Status.LIVE,
        application_deadline=now - timedelta(days=2),
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
        hard_end=now + timedelta(hours=2),
        guarantee_deposit=Decimal("10000000.00"),
        bid_ceiling=Lot.BidCeiling.DEPOSIT,
        bid_ceiling_multiple=Decimal("11.5"),
    )
    bidder = admitted_representative(lot, 1)
    page = signed_in(browser, live_server_url, bidder, locale="ru-RU").new_page()
    page.goto(f"{live_server_url}/ru/lots/{lot.pk}/room/")
    expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")
    expect(page.locator("[data-steps='1']")).to_be_enabled()
    expect(page.locator("[data-steps='5']")).to_be_disabled()
    expect(page.locator("#bid-ceiling")).to_contain_text("₸")
    screenshot("4-quick-amounts-within-the-ceiling", of=page)


def test_a_clerk_records_a_bank_guarantee_from_the_applications_page(
    page, live_server_url: str, screenshot: Callable, transactional_db: None
) -> None:
    lot = LotFactory(
        deposit__name="Kuirektykol",
        bid_ceiling=Lot.BidCeiling.DEPOSIT_AND_BANK_GUARANTEE,
        bid_ceiling_multiple=Decimal("12"),
    )
    admitted_representative(lot, 1, legal_name="Ridgeline Critical Minerals")
    application = Application.objects.get(lot=lot)
    clerk = UserFactory(username="aigul", is_staff=True)  # enrolled in TEST_TOTP_SECRET
    clerk.groups.add(setup_roles()[CLERKS])
    log_in_as_staff(page, live_server_url, "aigul", TEST_PASSWORD)
    page.goto(f"{live_server_url}/admin/auctions/application/{application.pk}/change/")
    page.get_by_role("link", name="Record a bank guarantee").click()
    page.get_by_label("Guaranteed amount, KZT").fill("-5")
    page.get_by_label("Guarantee number and bank").fill("No. 12/345, Halyk Bank")
    page.get_by_role("button", name="Record the guarantee").click()
    expect(page.locator(".errorlist")).to_contain_text("greater than or equal to 0")
    screenshot("5-admin-guarantee-form-error", of=page)
    page.get_by_label("Guaranteed amount, KZT").fill("30000000")
    page.get_by_role("button", name="Record the guarantee").click()
    expect(page.locator(".messagelist")).to_contain_text("Bank guarantee of KZT 30,000,000")
    expect(page.locator("body")).to_contain_text("No. 12/345, Halyk Bank")
    screenshot("6-admin-guarantee-recorded", of=page)
    application.refresh_from_db()
    assert application.bank_guarantee == Decimal("30000000.00")
    assert application.bank_guarantee_recorded_by == clerk
