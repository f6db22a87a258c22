"""One date and time format per language, whoever writes it: the server's pages, the room's
script, and the viewer's own time beside them (Kazakh included, whose Intl data in
Chromium is thin), with Astana time named in words, never "AST"."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from django.utils import timezone, translation
from playwright.sync_api import Browser, Page, expect

from auctions.models import Lot
from auctions.tests.factories import admitted_representative
from core.moments import astana_label, format_astana, moment_pattern, time_pattern
from core.money import babel_locale
from tests.browser.test_auction_room import live_lot, signed_in  # noqa: F401 (a fixture)

BERLIN = ZoneInfo("Europe/Berlin")


def in_berlin(moment: datetime, language: str, *, seconds: bool) -> str:
    """Write a moment as the viewer's (Berlin's) clock in the language's one format."""
    locale = babel_locale(language)
    return format_datetime(
        moment.astimezone(BERLIN), moment_pattern(locale, seconds=seconds), locale=locale
    )


def viewer_clock(moment: datetime, language: str, *, seconds: bool) -> str:
    """The viewer's clock beside an Astana moment: Berlin's time, with the date only when
    Berlin's day differs from Astana's (a test run near midnight sees both cases)."""
    if moment.astimezone(BERLIN).date() != timezone.localtime(moment).date():
        return in_berlin(moment, language, seconds=seconds)
    locale = babel_locale(language)
    return format_datetime(
        moment.astimezone(BERLIN), time_pattern(locale, seconds=seconds), locale=locale
    )


@pytest.mark.parametrize("language", ["en", "ru", "kk", "zh-hans"])
def test_room_and_lot_page_write_moments_the_same_way_in_each_language(
    browser: Browser,
    live_server_url: str,
    live_lot: Lot,  # noqa: F811
    screenshot,
    language: str,
) -> None:
    user = admitted_representative(live_lot, 1, legal_name="Ridgeline")
    page = signed_in(browser, live_server_url, user).new_page()
    prefix = "" if language == "en" else f"/{language}"
    with translation.override(language):
        label = astana_label()
        ends = format_astana(live_lot.ends_at, seconds=True)
        hard_end = format_astana(live_lot.hard_end, seconds=True)
        starts = format_astana(live_lot.starts_at)
    page.goto(f"{live_server_url}{prefix}/lots/{live_lot.pk}/room/")
    expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")

    # The end the script redraws from each state, and the latest end the server wrote.
    room_ends = page.locator("#room-ends time")
    expect(room_ends).to_have_text(f"{ends} {label}")
    expect(page.locator(".room-times dd").nth(1).locator("time")).to_have_text(
        f"{hard_end} {label}"
    )
    expect(page.locator("#room-ends .viewer-time")).to_contain_text(
        viewer_clock(live_lot.ends_at, language, seconds=True)
    )
    text = page.locator("main").inner_text()
    assert not re.search(r"\bAST\b", text)
    # Chromium's own Kazakh would write "2026 M12 7".
    assert not re.search(r"\bM\d{1,2}\b", text)
    screenshot(language, of=page)

    page.goto(f"{live_server_url}{prefix}/lots/{live_lot.pk}/")
    starts_at = page.locator(f'time[datetime="{live_lot.starts_at.isoformat()}"]').first
    expect(starts_at).to_have_text(f"{starts} {label}")
    # Beside it the viewer's clock, with the date only when Berlin's differs from Astana's.
    viewer = viewer_clock(live_lot.starts_at, language, seconds=False)
    expect(starts_at.locator("xpath=following-sibling::span[1]")).to_have_text(
        re.compile(rf"Europe/Berlin: {re.escape(viewer)}\)$")
    )


# Midnight and noon (12-hour clocks), single-digit days and months, a year's last second.
MOMENTS = [
    datetime(2026, 1, 4, 19, 0, 0, tzinfo=UTC),
    datetime(2026, 1, 5, 7, 30, 5, tzinfo=UTC),
    datetime(2026, 6, 30, 21, 45, 9, tzinfo=UTC),
    datetime(2026, 12, 31, 18, 59, 59, tzinfo=UTC),
]


@pytest.mark.parametrize("language", ["en", "ru", "kk", "zh-hans"])
def test_the_script_writes_any_moment_as_the_server_does(
    page: Page, live_server_url: str, language: str
) -> None:
    prefix = "" if language == "en" else f"/{language}"
    page.goto(f"{live_server_url}{prefix}/")
    written = page.evaluate(
        """(moments) => moments.map((iso) => [
            NedraMoments.format(iso), NedraMoments.format(iso, { seconds: true }),
        ])""",
        [moment.isoformat() for moment in MOMENTS],
    )
    with translation.override(language):
        expected = [[format_astana(m), format_astana(m, seconds=True)] for m in MOMENTS]
    assert written == expected
