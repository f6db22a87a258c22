"""Chinese pages render real glyphs, and the Kazakh header keeps its language switcher on
its first line at a laptop's width."""

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from auctions.tests.factories import LotFactory
from bidders.tests.factories import RepresentativeFactory

LAPTOP = {"width": 1366, "height": 768}

# Draw each distinct CJK character of an element's text alone on a canvas, in the font the
# page gives that element, and report how many distinct images (and inked ones) result. A
# missing font draws every character as the same empty box (tofu): one distinct image.
GLYPH_IMAGES = """
(selector) => {
  const element = document.querySelector(selector);
  const style = getComputedStyle(element);
  const characters = [...new Set([...element.textContent].filter(
    (c) => /[\\u4e00-\\u9fff]/.test(c)))].slice(0, 8);
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const context = canvas.getContext("2d", {willReadFrequently: true});
  const images = new Set();
  let inked = 0;
  for (const character of characters) {
    context.clearRect(0, 0, 64, 64);
    context.font = `${style.fontWeight} 48px ${style.fontFamily}`;
    context.fillStyle = "#000";
    context.textBaseline = "top";
    context.fillText(character, 4, 4);
    const pixels = context.getImageData(0, 0, 64, 64).data;
    let ink = 0;
    for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) ink++; }
    if (ink > 20) inked++;
    images.add(canvas.toDataURL());
  }
  return {characters: characters.length, distinct: images.size, inked};
}
"""


@pytest.mark.parametrize(
    ("name", "path"),
    [("home", "/zh-hans/"), ("lots", "/zh-hans/lots/"), ("login", "/zh-hans/accounts/login/")],
    ids=["home", "lots", "login"],
)
def test_chinese_pages_render_real_glyphs_not_empty_boxes(
    page: Page, live_server_url: str, screenshot, name: str, path: str
) -> None:
    LotFactory(deposit__name="Kuirektykol", deposit__name_zh_hans="奎列克特科尔")
    page.goto(f"{live_server_url}{path}")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    for selector in ("h1", ".site-nav"):
        found = page.evaluate(GLYPH_IMAGES, selector)
        assert found["characters"] >= 2, (selector, found)
        assert found["inked"] == found["characters"], (selector, found)
        assert found["distinct"] == found["characters"], (
            f"{selector} on {path} draws its Chinese characters as identical boxes: "
            "no CJK font (apt-get install fonts-wqy-microhei)"
        )
    screenshot(f"zh-{name}")


def switcher_is_on_the_first_line(page: Page) -> None:
    brand = page.locator(".site-header .brand").bounding_box()
    switcher = page.locator(".site-header form.language").bounding_box()
    assert brand
    assert switcher
    # The switcher overlaps the brand's row, rather than starting below it.
    assert switcher["y"] < brand["y"] + brand["height"], (brand, switcher)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_language_switcher_stays_on_the_headers_first_line_at_laptop_width(
    browser: Browser, live_server_url: str, screenshot, language: str
) -> None:
    context = browser.new_context(viewport=LAPTOP)
    visitor = context.new_page()
    visitor.goto(f"{live_server_url}/{language}/")
    screenshot(f"{language}-visitor-header", of=visitor)
    switcher_is_on_the_first_line(visitor)

    client = Client()
    client.force_login(RepresentativeFactory().user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server_url}]
    )
    visitor.goto(f"{live_server_url}/{language}/")
    expect(visitor.locator("form.logout")).to_be_visible()
    screenshot(f"{language}-bidder-header", of=visitor)
    switcher_is_on_the_first_line(visitor)
    context.close()
