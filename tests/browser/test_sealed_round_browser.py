"""A bidder of a two-stage lot: one sealed bid and its receipt, then the ascending round."""

import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Browser, expect

from auctions import engine, sealed, tasks
from auctions.models import Bid, Lot, SealedBid
from auctions.tests.factories import LotFactory, admitted_representative
from tests.browser.test_auction_room import signed_in
from tests.browser.test_lot_closing import in_thread


def test_a_bidder_seals_a_bid_sees_its_receipt_then_bids_in_the_ascending_round(
    browser: Browser, live_server_url: str, screenshot: Callable
) -> None:
    now = timezone.now()
    lot = LotFactory(
        deposit__name="Kuirektykol",
        status=Lot.Status.LIVE,
        format=Lot.Format.SEALED_THEN_ASCENDING,
        application_deadline=now - timedelta(days=2),
        starts_at=now - timedelta(minutes=5),
        sealed_round_ends_at=now + timedelta(minutes=30),
        ends_at=now + timedelta(hours=1),
        hard_end=now + timedelta(hours=2),
        starting_price=Decimal("100000000.00"),
        bid_step=Decimal("5000000.00"),
    )
    bidder = admitted_representative(lot, 1, legal_name="Ridgeline Critical Minerals")
    rival = admitted_representative(lot, 2, legal_name="Baltic Lanthanide AB")
    third = admitted_representative(lot, 3, legal_name="Steppe Lithium LLP")

    page = signed_in(browser, live_server_url, bidder).new_page()
    page.goto(f"{live_server_url}/lots/{lot.pk}/room/")
    expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")
    expect(page.locator("#room-clock-label")).to_have_text("Sealed round ends in")
    expect(page.locator("#room-standing")).to_contain_text("submit your one sealed bid")
    # Open bidding waits for the ascending round.
    expect(page.locator("#bid-submit")).to_be_disabled()
    expect(page.locator("#sealed-count")).to_contain_text("Sealed bids received so far: 0")
    screenshot("1-sealed-round", of=page)

    page.get_by_label("Your sealed bid, KZT").fill("150,000,000")
    expect(page.locator("#sealed-echo")).to_contain_text("150,000,000")
    page.get_by_role("button", name="Submit sealed bid").click()
    expect(page.locator("#sealed-receipt")).to_be_visible()
    expect(page.locator("#sealed-receipt-amount")).to_have_text(re.compile(r"KZT\s150,000,000"))
    stored = SealedBid.objects.get(lot=lot)
    expect(page.locator("#sealed-receipt-commitment")).to_have_text(stored.commitment)
    nonce = page.locator("#sealed-receipt-nonce").inner_text()
    assert stored.commitment == sealed.commitment(
        lot_id=lot.pk, participant_number=1, amount=Decimal("150000000.00"), nonce=nonce
    )
    expect(page.locator("#sealed-form")).to_be_hidden()
    expect(page.locator("#sealed-count")).to_contain_text("Sealed bids received so far: 1")
    screenshot("2-receipt", of=page)

    # The others seal theirs; the round's end comes and the sweep closes it.
    for user, amount in ((rival, "200000000"), (third, "100000000")):
        in_thread(
            lambda user=user, amount=amount: engine.submit_sealed_bid(
                user=user, lot_id=lot.pk, amount=amount, key=uuid.uuid4()
            )
        )
    expect(page.locator("#sealed-count")).to_contain_text("Sealed bids received so far: 3")
    # The public gallery sees the count and nothing else of the sealed bids.
    spectator = browser.new_page()
    spectator.goto(f"{live_server_url}/lots/{lot.pk}/watch/")
    expect(spectator.locator("#room-connection")).to_have_attribute("data-state", "connected")
    expect(spectator.locator("#sealed-count")).to_contain_text("Sealed bids received so far: 3")
    expect(spectator.locator("#room-standing")).to_contain_text("each participant submits")
    assert "150,000,000" not in spectator.content()
    screenshot("2b-gallery-in-the-sealed-round", of=spectator)
    spectator.close()
    Lot.objects.filter(pk=lot.pk).update(
        sealed_round_ends_at=timezone.now() - timedelta(milliseconds=1)
    )
    in_thread(tasks.sweep_lots)

    expect(page.locator("#sealed-message")).to_contain_text(
        "ranked 2 of 3: you go on to the ascending round"
    )
    expect(page.locator("#room-clock-label")).to_have_text("Time left")
    expect(page.locator("#room-price")).to_have_text(re.compile(r"KZT\s200,000,000"))
    expect(page.locator("#room-standing")).to_contain_text("Participant 2 leads")
    expect(page.locator("#bid-submit")).to_be_enabled()
    screenshot("3-ascending-round", of=page)

    page.get_by_role("button", name="+1 step").click()
    page.get_by_role("button", name="Place bid").click()
    expect(page.locator("#bid-feedback")).to_contain_text("is accepted")
    expect(page.locator("#room-standing")).to_have_text("You are leading.")
    chain = list(
        Bid.objects.filter(lot=lot).values_list("sequence", "participant_number", "amount")
    )
    assert chain == [
        (1, 2, Decimal("200000000.00")),
        (2, 1, Decimal("205000000.00")),
    ]
    screenshot("4-leading", of=page)


def test_a_bidder_not_advanced_is_told_its_rank_and_cannot_bid(
    browser: Browser, live_server_url: str, screenshot: Callable
) -> None:
    now = timezone.now()
    lot = LotFactory(
        status=Lot.Status.LIVE,
        format=Lot.Format.SEALED_THEN_ASCENDING,
        application_deadline=now - timedelta(days=2),
        starts_at=now - timedelta(minutes=5),
        sealed_round_ends_at=now + timedelta(minutes=30),
        ends_at=now + timedelta(hours=1),
        hard_end=now + timedelta(hours=2),
    )
    users = [admitted_representative(lot, number) for number in (1, 2, 3)]
    for amount, user in zip(("100000000", "300000000", "200000000"), users, strict=True):
        in_thread(
            lambda user=user, amount=amount: engine.submit_sealed_bid(
                user=user, lot_id=lot.pk, amount=amount, key=uuid.uuid4()
            )
        )
    Lot.objects.filter(pk=lot.pk).update(
        sealed_round_ends_at=timezone.now() - timedelta(milliseconds=1)
    )
    in_thread(lambda: engine.close_sealed_round(lot_id=lot.pk))

    page = signed_in(browser, live_server_url, users[0]).new_page()
    page.goto(f"{live_server_url}/lots/{lot.pk}/room/")
    expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")
    expect(page.locator("#sealed-message")).to_contain_text("ranked 3 of 3")
    expect(page.locator("#room-standing")).to_contain_text("no longer bids in this lot")
    expect(page.locator("#bid-submit")).to_be_disabled()
    screenshot("not-advanced", of=page)
