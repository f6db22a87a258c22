"""Every public page in every language, in Chromium: status, language, translated navigation,
no serious axe-core violations, no sideways scrolling on a phone, and a screenshot of each."""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, Page, expect

from auctions import services
from auctions.models import AuctionEvent, LicenceType, Lot
from auctions.tests.factories import AuctionEventFactory, LotFactory
from deposits.models import Deposit, Mineral
from deposits.tests.factories import DepositFactory, MineralFactory, RegionFactory, ReserveFactory
from licensing.tests.factories import LicenceFactory, auctioned_lot, close
from tests.browser.conftest import SCREENSHOTS, axe_violations

LANGUAGES = ["en", "ru", "kk", "zh-hans"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class PublicPage:
    """One public page: a short name for its screenshot, its address and the status it gives."""

    name: str
    path: str
    status: int = 200


@dataclass(frozen=True)
class Catalogue:
    """What the public sees: one event with published results and one open for applications."""

    published_event: AuctionEvent
    awarded_lot: Lot
    failed_lot: Lot
    open_lot: Lot
    deposit: Deposit


def translated(**names: str) -> dict[str, str]:
    """Return modeltranslation fields for a name given as en=…, ru=…, kk=…, zh_hans=…."""
    return {"name": names["en"], **{f"name_{code}": name for code, name in names.items()}}


def catalogue_in_four_languages() -> Catalogue:
    """Create the deposits, lots, results and licence of a small catalogue, named in all four
    languages, as the demo would have them after an auction and before the next one."""
    ulytau = RegionFactory(
        code="ulytau",
        kind="oblast",
        **translated(
            en="Ulytau Region", ru="Улытауская область", kk="Ұлытау облысы", zh_hans="乌勒套州"
        ),
    )
    kostanay = RegionFactory(
        code="kostanay",
        kind="oblast",
        **translated(
            en="Kostanay Region",
            ru="Костанайская область",
            kk="Қостанай облысы",
            zh_hans="科斯塔奈州",
        ),
    )
    gold = MineralFactory(
        code="gold",
        symbol="Au",
        group=Mineral.Group.PRECIOUS,
        **translated(en="Gold", ru="Золото", kk="Алтын", zh_hans="金"),
    )
    cerium = MineralFactory(
        code="cerium",
        symbol="Ce",
        group=Mineral.Group.RARE_EARTH,
        **translated(en="Cerium", ru="Церий", kk="Церий", zh_hans="铈"),
    )
    akbakai = DepositFactory(
        code="akbakai",
        region=ulytau,
        **translated(en="Akbakai", ru="Акбакай", kk="Ақбақай", zh_hans="阿克巴凯"),
    )
    kuirektykol = DepositFactory(
        code="kuirektykol",
        region=kostanay,
        description="Rare-earth deposit last surveyed in 1988.",
        description_ru="Редкоземельное месторождение, последняя разведка в 1988 году.",
        **translated(en="Kuirektykol", ru="Куйректыколь", kk="Қойректікөл", zh_hans="奎列克特科尔"),
    )
    boguty = DepositFactory(
        code="boguty",
        region=ulytau,
        **translated(en="Boguty", ru="Богуты", kk="Бұғыты", zh_hans="博古特"),
    )
    ReserveFactory(deposit=akbakai, mineral=gold)
    ReserveFactory(deposit=boguty, mineral=gold, quantity=Decimal("800.000"))
    ReserveFactory(
        deposit=kuirektykol,
        mineral=cerium,
        quantity=Decimal("800000.000"),
        unit="t",
        grade=Decimal("1.2000"),
        grade_unit="%",
    )

    now = timezone.now()
    june = AuctionEventFactory(
        code="solid-june-2026",
        results_published_at=now - timedelta(days=1),
        kzt_per_usd=Decimal("505.2500"),
        **translated(
            en="Solid minerals, June 2026",
            ru="Твёрдые полезные ископаемые, июнь 2026",
            kk="Қатты пайдалы қазбалар, 2026 маусым",
            zh_hans="2026年6月固体矿产拍卖",
        ),
    )
    finished = {
        "event": june,
        "application_deadline": now - timedelta(days=10),
        "starts_at": now - timedelta(days=3),
        "ends_at": now - timedelta(days=3) + timedelta(hours=1),
        "hard_end": now - timedelta(days=3) + timedelta(hours=2),
    }
    awarded_lot, applications = auctioned_lot(
        [
            ("Ridgeline Critical Minerals Inc.", "100000000.00"),
            ("Steppe Mining LLP", "105000000.00"),
            ("Ridgeline Critical Minerals Inc.", "1250000000.00"),
        ],
        number=1,
        deposit=akbakai,
        **finished,
    )
    failed_lot = LotFactory(
        number=2, deposit=boguty, licence_type=LicenceType.EXPLORATION, **finished
    )
    close(failed_lot)
    # June was marked published before its lots existed: the publication job publishes
    # their results.
    services.publish_late_results()
    LicenceFactory(
        number="KZ-E-2026-0001",
        lot=awarded_lot,
        holder=applications["Ridgeline Critical Minerals Inc."].company,
        signature_bonus=Decimal("1250000000.00"),
    )

    december = AuctionEventFactory(
        code="solid-december-2026",
        **translated(
            en="Solid minerals, December 2026",
            ru="Твёрдые полезные ископаемые, декабрь 2026",
            kk="Қатты пайдалы қазбалар, 2026 желтоқсан",
            zh_hans="2026年12月固体矿产拍卖",
        ),
    )
    open_lot = LotFactory(
        event=december,
        number=1,
        deposit=kuirektykol,
        licence_type=LicenceType.PRODUCTION,
        licence_term_years=25,
        starting_price=Decimal("2500000000.00"),
        bid_step=Decimal("25000000.00"),
        guarantee_deposit=Decimal("250000000.00"),
    )
    Deposit.objects.filter(pk=kuirektykol.pk).update(status=Deposit.Status.OFFERED)
    return Catalogue(
        published_event=june,
        awarded_lot=awarded_lot,
        failed_lot=failed_lot,
        open_lot=open_lot,
        deposit=kuirektykol,
    )


def public_pages(catalogue: Catalogue, language: str) -> list[PublicPage]:
    """Return every public page, addressed in `language` (English has no prefix)."""
    with translation.override(language):
        prefix = reverse("home")
        return [
            PublicPage("home", prefix),
            PublicPage("lots", reverse("auctions:catalogue")),
            PublicPage("lot", reverse("lot", args=[catalogue.open_lot.pk])),
            PublicPage("deposits", reverse("deposits:catalogue")),
            PublicPage("deposit", reverse("deposit", args=[catalogue.deposit.code])),
            PublicPage("results", reverse("auctions:results")),
            PublicPage(
                "event-results",
                reverse("auctions:event_results", args=[catalogue.published_event.code]),
            ),
            PublicPage("bid-log", reverse("auctions:bid_log", args=[catalogue.awarded_lot.pk])),
            PublicPage("licences", reverse("licensing:registry")),
            PublicPage("login", reverse("account_login")),
            PublicPage("signup", reverse("account_signup")),
            PublicPage("password-reset", reverse("account_reset_password")),
            PublicPage("not-found", f"{prefix}no-such-page/", status=404),
        ]


def navigation_words(language: str) -> tuple[str, str]:
    """Return the skip link's and the results link's text in `language`."""
    with translation.override(language):
        return gettext("Skip to content"), gettext("Results")


def horizontal_overflow(page: Page) -> int:
    """Return by how many CSS pixels the page is wider than the viewport (0 when it fits)."""
    return page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def visit_every_page(
    page: Page,
    base_url: str,
    pages: list[PublicPage],
    language: str,
    check_accessible: Callable[..., list[dict]],
    *,
    device: str,
) -> None:
    """Load each page: status, language, translated navigation, one h1, axe, screenshot."""
    skip_text, results_text = navigation_words(language)
    if language != "en":
        assert results_text != "Results", f"the nav is not translated into {language}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    suffix = "" if device == "desktop" else f"-{device}"
    for public_page in pages:
        response = page.goto(base_url + public_page.path)
        assert response is not None
        assert response.status == public_page.status, public_page
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator(".skip-link")).to_have_text(skip_text)
        expect(page.locator("nav.site-nav")).to_contain_text(results_text)
        expect(page.locator("main h1")).to_have_count(1)
        page.screenshot(
            path=str(SCREENSHOTS / f"public-{language}-{public_page.name}{suffix}.png"),
            full_page=True,
        )
        check_accessible(page)
        if device == "phone":
            assert horizontal_overflow(page) == 0, f"{public_page.path} scrolls sideways"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_page_on_a_desktop_in_each_language(
    browser: Browser, live_server_url: str, assert_accessible: Callable, language: str
) -> None:
    pages = public_pages(catalogue_in_four_languages(), language)
    context = browser.new_context(viewport=DESKTOP, timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15_000)
    visit_every_page(page, live_server_url, pages, language, assert_accessible, device="desktop")
    context.close()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_public_page_fits_a_phone(
    browser: Browser, live_server_url: str, assert_accessible: Callable, language: str
) -> None:
    pages = public_pages(catalogue_in_four_languages(), language)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    visit_every_page(page, live_server_url, pages, language, assert_accessible, device="phone")
    context.close()


def test_the_api_docs_have_no_serious_violations_outside_swagger_ui(
    browser: Browser, live_server_url: str, assert_accessible: Callable
) -> None:
    page = browser.new_page(viewport=DESKTOP)
    assert page.goto(f"{live_server_url}/api/docs/").status == 200
    expect(page.locator("#swagger-ui .information-container")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "public-en-api-docs.png"), full_page=True)
    # Swagger UI is third-party: record what axe finds inside it, fail only on our page around it.
    assert_accessible(page, exclude="#swagger-ui")
    findings = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": len(v["nodes"])}
        for v in axe_violations(page)
    ]
    (SCREENSHOTS / "axe-api-docs.json").write_text(json.dumps(findings, indent=2))
    page.close()


FOCUSED_ELEMENT = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
    || style.boxShadow !== "none";
  return {
    description: element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
      + (element.name ? "[name=" + element.name + "]" : "") + " " + element.textContent.trim(),
    id: element.id,
    name: element.getAttribute("name"),
    type: element.getAttribute("type"),
    inMain: element.closest("main") !== null,
    hasVisibleRing: ring,
    onScreen: element.getBoundingClientRect().left >= 0,
  };
}"""


def tab(page: Page) -> dict:
    """Press Tab once; return the newly focused element, which must show a focus ring."""
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED_ELEMENT)
    assert focused["hasVisibleRing"], f"no visible focus on {focused['description']}"
    assert focused["onScreen"], f"{focused['description']} has focus but is off screen"
    return focused


def tab_until(page: Page, is_target: Callable[[dict], bool], *, limit: int = 40) -> dict:
    """Press Tab until `is_target` holds for the focused element, checking each stop's ring."""
    for _ in range(limit):
        focused = tab(page)
        if is_target(focused):
            return focused
    raise AssertionError(f"not reached with {limit} presses of Tab")


def test_the_keyboard_reaches_content_language_and_catalogue_filters_with_visible_focus(
    browser: Browser, live_server_url: str
) -> None:
    catalogue_in_four_languages()
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)

    # The first Tab lands on the skip link, which moves focus past the header into main.
    page.goto(f"{live_server_url}/")
    skip = tab(page)
    assert skip["description"].endswith("Skip to content")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert tab(page)["inMain"]

    # The language switcher: choosing by arrow key changes nothing until the button is pressed.
    page.goto(f"{live_server_url}/")
    tab_until(page, lambda focused: focused["id"] == "language-select")
    page.keyboard.press("ArrowDown")
    assert page.locator("#language-select").input_value() == "ru"
    assert page.url == f"{live_server_url}/"
    go = tab(page)
    assert go["type"] == "submit"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server_url}/ru/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    # The lot catalogue's search: type, move on to its button, press it, all by keyboard.
    page.goto(f"{live_server_url}/lots/")
    tab_until(page, lambda focused: focused["name"] == "q")
    page.keyboard.type("Kuirektykol")
    tab_until(page, lambda focused: focused["type"] == "submit" and focused["inMain"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/lots/\?.*q=Kuirektykol"))
    rows = page.locator(".catalogue-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Kuirektykol")
    context.close()
