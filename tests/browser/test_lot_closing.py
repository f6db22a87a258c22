"""A lot ends while its participants watch; after publication the public sees it all."""

import re
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Browser, expect

from auctions import engine, services, tasks
from auctions.models import Bid, Lot
from auctions.tests.factories import LotFactory, admitted_representative
from licensing.models import Licence
from licensing.services import record_bonus_payment
from tests.browser.test_auction_room import signed_in


def in_thread(action: Callable[[], object]) -> object:
    """Run a job as the beat does: on a thread of its own, off the server's event loop."""
    outcome: list[object] = []
    worker = threading.Thread(target=lambda: outcome.append(action()))
    worker.start()
    worker.join(timeout=30)
    return outcome[0]


def test_both_participants_see_the_lot_close_then_the_public_sees_the_outcome(
    browser: Browser, live_server_url: str, screenshot: Callable, staff_clerk
) -> None:
    now = timezone.now()
    lot = LotFactory(
        deposit__name="Kuirektykol",
        status=Lot.Status.LIVE,
        application_deadline=now - timedelta(days=2),
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(minutes=30),
        hard_end=now + timedelta(hours=1),
    )
    first_user = admitted_representative(lot, 1, legal_name="Ridgeline Critical Minerals")
    second_user = admitted_representative(lot, 2, legal_name="Baltic Lanthanide AB")
    engine.place_bid(user=first_user, lot_id=lot.pk, amount="100000000", key=uuid.uuid4())
    engine.place_bid(user=second_user, lot_id=lot.pk, amount="125000000", key=uuid.uuid4())

    first = signed_in(browser, live_server_url, first_user).new_page()
    second = signed_in(browser, live_server_url, second_user).new_page()
    for page in (first, second):
        page.goto(f"{live_server_url}/lots/{lot.pk}/room/")
        expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")

    # The end comes; the scheduled sweep closes the lot while both rooms are open.
    Lot.objects.filter(pk=lot.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    assert in_thread(tasks.sweep_lots) == {"opened": 0, "closed": 1}

    expect(second.locator("#room-closed")).to_have_text(
        re.compile(r"The auction is over: you won with KZT\s125,000,000\.")
    )
    expect(first.locator("#room-closed")).to_have_text(
        re.compile(r"The auction is over: Participant 2 won with KZT\s125,000,000\.")
    )
    for page in (first, second):
        expect(page.locator("#room-status")).to_have_text("Closed")
        expect(page.locator("#room-countdown")).to_have_text("—")
        expect(page.locator("#bid-submit")).to_be_disabled()
    screenshot("closed-winner", of=second)
    screenshot("closed-other", of=first)

    # Before publication the public sees nothing of the outcome.
    public = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    results_url = f"{live_server_url}/results/{lot.event.code}/"
    assert public.goto(results_url).status == 404
    assert public.goto(f"{live_server_url}/lots/{lot.pk}/bids/").status == 404

    # The scheduled job publishes the finished event; the winner pays the bonus.
    assert in_thread(services.publish_finished_events) == [lot.event.pk]
    licence = Licence.objects.get(lot=lot)
    assert licence.holder.legal_name == "Baltic Lanthanide AB"
    record_bonus_payment(licence_id=licence.pk, recorded_by=staff_clerk)

    public.goto(results_url)
    expect(public.get_by_text("Baltic Lanthanide AB")).to_be_visible()
    expect(public.locator("main")).to_contain_text(re.compile(r"KZT\s125,000,000"))
    screenshot("public-results", of=public)

    public.goto(f"{live_server_url}/lots/{lot.pk}/bids/")
    rows = public.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.last).to_contain_text(Bid.objects.get(lot=lot, sequence=2).hash[:16])
    screenshot("public-bid-log", of=public)

    public.goto(f"{live_server_url}/licences/")
    expect(public.get_by_text(licence.number)).to_be_visible()
    expect(public.locator("main")).to_contain_text("Baltic Lanthanide AB")
    screenshot("public-registry", of=public)

    public.goto(f"{live_server_url}/results/")
    expect(public.get_by_role("link", name=lot.event.name)).to_be_visible()
    screenshot("public-results-index", of=public)

    # The winner's dashboard lists the licence with its certificate.
    second.goto(f"{live_server_url}/dashboard/")
    expect(second.get_by_text(licence.number)).to_be_visible()
    screenshot("winner-dashboard", of=second)
