"""Amounts as bidders type them, read by the room's amounts.js under each language's rules.

The rules come from the same CLDR data the server formats with (core.money.money_format):
each language has one decimal sign, and whatever could be read two ways is refused.
"""

import json
import re
from collections.abc import Callable

import pytest
from django.utils import translation
from playwright.sync_api import Browser, Page, expect

from auctions.models import Bid, Lot
from auctions.tests.factories import admitted_representative
from core.money import money_format
from tests.browser.test_auction_room import live_lot, signed_in  # noqa: F401 (a fixture)

NBSP, NNBSP = "\u00a0", "\u202f"
OK = "ok"

# (typed, the wire's decimal string, or the refusal)
ENGLISH = [
    ("336,000,000", "336000000.00"),
    ("336 000 000", "336000000.00"),
    (f"336{NNBSP}000{NNBSP}000", "336000000.00"),
    (f"336{NBSP}000{NBSP}000", "336000000.00"),
    ("336000000", "336000000.00"),
    ("KZT 336,000,000", "336000000.00"),
    ("  1,234,567.89 ", "1234567.89"),
    ("1,234,567.5", "1234567.50"),
    ("1.500", "ambiguous"),
    ("1,5", "layout"),
    ("12,34", "layout"),
    ("1,2345", "layout"),
    ("1.234,50", "layout"),
    ("336.000.000", "layout"),
    ("1,234.567", "ambiguous"),
    ("1234.567", "layout"),
    ("1,,000", "layout"),
    ("1.505", "ambiguous"),
    ("abc", "invalid"),
    ("-5", "invalid"),
    ("1e9", "invalid"),
    ("0", "invalid"),
    ("", "empty"),
    # The engine's limit, 13 whole digits, given to the page by the room's config.
    ("12345678901234", "too_large"),
    ("1234567890123", "1234567890123.00"),
    ("12,345,678,901,234", "too_large"),
]
RUSSIAN = [
    ("336.000.000", "336000000.00"),
    (f"336{NBSP}000{NBSP}000", "336000000.00"),
    ("336 000 000,50", "336000000.50"),
    ("100 000 000 ₸", "100000000.00"),
    ("1.234.567,8", "1234567.80"),
    ("1,500", "ambiguous"),
    ("1.50", "layout"),
    ("336,000,000", "layout"),
    ("1,234.50", "layout"),
    ("336000000", "336000000.00"),
]
CHINESE = [
    ("336,000,000", "336000000.00"),
    ("336,000,000.25", "336000000.25"),
    ("1.500", "ambiguous"),
]


def parse_all(page: Page, language: str, cases: list[tuple[str, str]]) -> dict[str, str]:
    """Return what amounts.js makes of each typed amount under the language's rules."""
    with translation.override(language):
        rules = money_format()
    return page.evaluate(
        """([typed, rules]) => Object.fromEntries(typed.map((text) => {
            const limit = JSON.parse(
                document.getElementById("room-config").textContent
            ).max_whole_digits;
            const parsed = NedraAmounts.parse(text, rules, limit);
            return [text, parsed.error || NedraAmounts.toWire(parsed.cents)];
        }))""",
        [[text for text, _ in cases], rules],
    )


@pytest.fixture
def room_page(browser: Browser, live_server_url: str, live_lot: Lot) -> Page:  # noqa: F811
    user = admitted_representative(live_lot, 1, legal_name="Ridgeline")
    page = signed_in(browser, live_server_url, user).new_page()
    page.goto(f"{live_server_url}/lots/{live_lot.pk}/room/")
    expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")
    return page


@pytest.mark.parametrize(
    ("language", "cases"),
    [("en", ENGLISH), ("ru", RUSSIAN), ("kk", RUSSIAN), ("zh-hans", CHINESE)],
)
def test_each_language_reads_its_own_grouping_and_refuses_what_reads_two_ways(
    room_page: Page, language: str, cases: list[tuple[str, str]]
) -> None:
    assert parse_all(room_page, language, cases) == dict(cases)


def test_the_thousands_reading_of_an_ambiguous_amount_is_offered(room_page: Page) -> None:
    room_page.locator("#bid-amount").fill("336.000")
    expect(room_page.locator("#bid-echo")).to_have_text(
        re.compile(r"^336\.000 could mean KZT\s336,000: write it as 336,000, or give at most")
    )
    expect(room_page.locator("#bid-amount")).to_have_attribute("aria-invalid", "true")
    room_page.locator("#bid-submit").click()
    # Nothing was sent: the form never asked the server.
    expect(room_page.locator("#bid-feedback")).to_be_empty()


def test_english_grouping_with_commas_is_bid_as_a_plain_decimal(
    room_page: Page,
    live_lot: Lot,  # noqa: F811
    screenshot: Callable,
) -> None:
    room_page.locator("#bid-amount").fill("105,000,000")
    expect(room_page.locator("#bid-echo")).to_have_text(
        re.compile(r"^You are bidding KZT\s105,000,000\.$")
    )
    screenshot("echo", of=room_page)
    room_page.locator("#bid-submit").click()
    expect(room_page.locator("#bid-feedback")).to_contain_text("is accepted")
    assert [str(bid.amount) for bid in Bid.objects.filter(lot=live_lot)] == ["105000000.00"]


def test_russian_dot_grouping_is_bid_as_a_plain_decimal(
    browser: Browser,
    live_server_url: str,
    live_lot: Lot,  # noqa: F811
    screenshot: Callable,
) -> None:
    user = admitted_representative(live_lot, 1, legal_name="Ridgeline")
    page = signed_in(browser, live_server_url, user).new_page()
    sent: list[dict] = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda frame: sent.append(frame)))
    page.goto(f"{live_server_url}/ru/lots/{live_lot.pk}/room/")
    expect(page.locator("#room-connection")).to_have_attribute("data-state", "connected")
    page.locator("#bid-amount").fill("100.000.000")
    expect(page.locator("#bid-echo")).to_contain_text(re.compile(r"100\s000\s000\s₸"))
    screenshot("ru-echo", of=page)
    page.locator("#bid-submit").click()
    expect(page.locator("#room-standing")).to_have_attribute("data-standing", "leading")
    bids = [json.loads(frame) for frame in sent if '"bid"' in frame]
    assert [bid["amount"] for bid in bids] == ["100000000.00"]
    assert [str(bid.amount) for bid in Bid.objects.filter(lot=live_lot)] == ["100000000.00"]
