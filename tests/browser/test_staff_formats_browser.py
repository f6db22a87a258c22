"""Staff screens of the auction formats in a real browser: a two-stage lot's sealed ranking
in the admin, the live monitor's alert for a lot the platform paused by itself, and the
work queue's row that leads the clerk there."""

import re
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from auctions import engine, pauses
from auctions.models import Lot, LotPause
from auctions.tests.factories import LiveLotFactory, SealedLotFactory, admitted_representative
from bidders.tests.factories import TEST_PASSWORD, UserFactory
from core.moments import format_astana
from core.roles import CLERKS, setup_roles
from tests.browser.logins import log_in_as_staff
from tests.browser.test_lot_closing import in_thread

COMPANIES = ("Ridgeline Critical Minerals", "Baltic Lanthanide AB", "Steppe Lithium LLP")
AUTOMATIC_ALERT = "Lots the platform paused by itself (participants dropped, a failure)"


def clerk_logs_in(page: Page, live_server_url: str) -> AbstractBaseUser:
    """Log in as a clerk with the clerk role's least privilege and an authenticator app."""
    clerk = UserFactory(username="aigul", is_staff=True)  # enrolled in TEST_TOTP_SECRET
    clerk.groups.add(setup_roles()[CLERKS])
    log_in_as_staff(page, live_server_url, "aigul", TEST_PASSWORD)
    return clerk


def ranking_rows(page: Page) -> list[list[str]]:
    """Return the cells of the sealed round's ranking on the lot's admin page, row by row
    (amounts keep their no-break space as plain spaces)."""
    rows = page.locator(".field-sealed_round tbody tr")
    return [
        [" ".join(cell.split()) for cell in rows.nth(index).locator("td").all_inner_texts()]
        for index in range(rows.count())
    ]


def assert_no_company_named(area: Locator) -> None:
    for company in COMPANIES:
        expect(area).not_to_contain_text(company)


def test_staff_see_the_sealed_ranking_by_number_with_who_advanced_once_the_round_closed(
    page: Page, live_server_url: str, screenshot: Callable
) -> None:
    lot = SealedLotFactory(deposit__name="Kuirektykol")
    users = [
        admitted_representative(lot, number, legal_name=name)
        for number, name in zip((1, 2, 3), COMPANIES, strict=True)
    ]
    for amount, user in zip(("150000000", "200000000", "120000000"), users, strict=True):
        in_thread(
            lambda user=user, amount=amount: engine.submit_sealed_bid(
                user=user, lot_id=lot.pk, amount=amount, key=uuid.uuid4()
            )
        )
    clerk_logs_in(page, live_server_url)
    lot_page = f"{live_server_url}/admin/auctions/lot/{lot.pk}/change/"

    # While the round runs the clerk sees how many sealed bids came in, nothing more.
    page.goto(lot_page)
    sealed = page.locator(".field-sealed_round")
    expect(sealed).to_contain_text("3 sealed bids received")
    for amount in ("150000000", "200000000", "120000000"):
        for secret in (amount, f"{int(amount):,}"):
            expect(page.locator("#content")).not_to_contain_text(secret)
    expect(sealed.locator("table")).to_have_count(0)
    screenshot("1-sealed-round-running")

    Lot.objects.filter(pk=lot.pk).update(
        sealed_round_ends_at=timezone.now() - timedelta(milliseconds=1)
    )
    in_thread(lambda: engine.close_sealed_round(lot_id=lot.pk))

    # The ascending round runs: the ranking is there, by participant number only.
    page.goto(lot_page)
    expect(sealed.get_by_role("columnheader")).to_have_text(
        ["rank", "participant", "sealed bid", "ascending round"]
    )
    expect(sealed.locator("tbody tr")).to_have_count(3)
    assert ranking_rows(page) == [
        ["1", "Participant 2", "KZT 200,000,000", "advanced"],
        ["2", "Participant 1", "KZT 150,000,000", "advanced"],
        ["3", "Participant 3", "KZT 120,000,000", "stopped"],
    ]
    # No company anywhere on the running lot's page, so none beside a number.
    assert_no_company_named(page.locator("#content"))
    screenshot("2-ranking-in-the-ascending-round")

    # The lot closes; until the event's results are published the ranking stays by number.
    in_thread(
        lambda: engine.place_bid(user=users[0], lot_id=lot.pk, amount="205000000", key=uuid.uuid4())
    )
    Lot.objects.filter(pk=lot.pk).update(
        sealed_round_ends_at=timezone.now() - timedelta(seconds=2),
        ends_at=timezone.now() - timedelta(seconds=1),
    )
    in_thread(lambda: engine.close_lot(lot_id=lot.pk))
    lot.refresh_from_db()
    assert lot.status == Lot.Status.CLOSED
    assert lot.event.results_published_at is None
    page.goto(lot_page)
    expect(page.locator("div.field-status")).to_contain_text("Closed")
    assert [row[:2] + row[3:] for row in ranking_rows(page)] == [
        ["1", "Participant 2", "advanced"],
        ["2", "Participant 1", "advanced"],
        ["3", "Participant 3", "stopped"],
    ]
    assert_no_company_named(sealed)
    screenshot("3-ranking-after-the-lot-closed-unpublished")


def paused_lots() -> tuple[Lot, Lot, Lot]:
    """A lot the platform paused because participants dropped, one staff paused, one live."""
    by_staff = LiveLotFactory(deposit__name="Akzhal")
    running = LiveLotFactory(deposit__name="Verkhnee Espe")
    in_thread(lambda: engine.pause_lot(lot_id=by_staff.pk, reason="Checking the bid log"))
    return paused_by_itself(), by_staff, running


def paused_by_itself() -> Lot:
    """A live lot of three participants that the platform paused: two of them dropped."""
    dropped = LiveLotFactory(deposit__name="Kuirektykol")
    for number, company in zip((4, 9, 11), COMPANIES, strict=True):
        admitted_representative(dropped, number, legal_name=company)
    in_thread(
        lambda: engine.pause_automatically(
            lot_id=dropped.pk,
            cause=LotPause.Cause.PARTICIPANTS_DROPPED,
            reason=pauses.participants_dropped(lost=2, connected=3),
            awaiting=[9, 11],
        )
    )
    return dropped


def monitor_row(page: Page, lot: Lot) -> Locator:
    return page.locator("#result_list tbody tr", has_text=str(lot))


def test_the_live_monitor_alerts_to_a_lot_paused_by_itself_with_cause_and_time_and_resumes_it(
    page: Page, live_server_url: str, screenshot: Callable
) -> None:
    dropped, by_staff, running = paused_lots()
    pause = LotPause.objects.get(lot=dropped)
    clerk_logs_in(page, live_server_url)
    page.goto(f"{live_server_url}/admin/auctions/livelot/")
    expect(page.get_by_role("heading", name="Live monitor")).to_be_visible()

    alerts = page.get_by_role("alert").locator("li")
    expect(alerts).to_have_count(1)
    alert = alerts.first
    expect(alert).to_contain_text(f"{dropped} paused by itself")
    expect(alert).to_contain_text(format_astana(pause.started_at, seconds=True, language="en"))
    expect(alert).to_contain_text("Astana")
    # And beside it the viewer's own time, as everywhere a moment is shown.
    expect(alert).to_contain_text("Europe/Berlin")
    expect(alert).to_contain_text(
        "2 of 3 participants lost their connection at once; the platform paused the "
        "auction by itself."
    )
    expect(alert).to_contain_text("Resume it when the participants can bid again.")
    # The reason says how the lot resumes; the alert does not say it twice.
    assert alert.inner_text().count("resume") == 2, alert.inner_text()
    # Staff's own pause is theirs to know about: no alert for it.
    expect(page.get_by_role("alert")).not_to_contain_text(str(by_staff))

    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("p.paginator")).to_have_text("3 lots running or paused")
    expect(monitor_row(page, dropped).locator(".field-status")).to_have_text("Paused")
    expect(monitor_row(page, by_staff).locator(".field-status")).to_have_text("Paused")
    expect(monitor_row(page, running).locator(".field-status")).to_have_text("Live")
    action = page.locator("select[name=action]")
    expect(action.locator("option", has_text="Resume selected lots")).to_have_count(1)
    # Neither the alert nor the rows name the companies of the paused lot.
    assert_no_company_named(page.locator("#content"))
    expect(page.locator("#content")).not_to_contain_text("Participant 9")
    screenshot("1-monitor-alert")

    monitor_row(page, dropped).locator("input.action-select").check()
    action.select_option(label="Resume selected lots")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist .success")).to_have_text("Resumed: 1.")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(monitor_row(page, dropped).locator(".field-status")).to_have_text("Live")
    expect(monitor_row(page, by_staff).locator(".field-status")).to_have_text("Paused")
    dropped.refresh_from_db()
    assert dropped.status == Lot.Status.LIVE
    pause.refresh_from_db()
    assert pause.ended_at is not None
    assert pause.ended_how == LotPause.Ending.STAFF
    screenshot("2-monitor-after-resume")


def test_the_work_queue_shows_a_lot_paused_by_itself_and_leads_to_the_monitor(
    page: Page, live_server_url: str, screenshot: Callable
) -> None:
    staff_paused = LiveLotFactory(deposit__name="Akzhal")
    LiveLotFactory(deposit__name="Verkhnee Espe")
    in_thread(lambda: engine.pause_lot(lot_id=staff_paused.pk, reason="Checking the bid log"))
    clerk_logs_in(page, live_server_url)
    queue = page.locator("#work-queue")
    expect(queue.get_by_role("row", name="Live and paused lots")).to_contain_text("2")
    # A pause staff made is no alert.
    expect(queue.get_by_role("row", name=AUTOMATIC_ALERT)).to_have_count(0)
    screenshot("1-queue-without-alert")

    dropped = paused_by_itself()
    page.reload()
    expect(queue.get_by_role("row", name="Live and paused lots")).to_contain_text("3")
    alert_row = queue.get_by_role("row", name=AUTOMATIC_ALERT)
    expect(alert_row).to_have_count(1)
    expect(alert_row.locator("td")).to_have_text("1")
    expect(alert_row.locator("td strong")).to_have_count(1)
    assert_no_company_named(queue)
    screenshot("2-queue-with-alert")

    alert_row.get_by_role("link", name=AUTOMATIC_ALERT).click()
    expect(page).to_have_url(re.compile(r"/admin/auctions/livelot/$"))
    expect(page.get_by_role("alert")).to_contain_text(f"{dropped} paused by itself")
    expect(page.get_by_role("alert")).not_to_contain_text(str(staff_paused))
    screenshot("3-monitor-from-the-queue")
