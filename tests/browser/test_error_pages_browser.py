"""The 404 and 500 pages in Chromium: the site's look, its icon, and nothing the policy refuses."""

from playwright.sync_api import Page, expect


def test_the_404_page_wears_the_sites_header_and_icon(
    page: Page, live_server_url: str, screenshot, settings
) -> None:
    settings.DEBUG = True  # as the embedded mode runs
    response = page.goto(f"{live_server_url}/ru/no-such-page/")
    assert response is not None
    assert response.status == 404
    expect(page.locator(".site-header .brand")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Такой страницы нет")
    icon = page.locator("link[rel=icon][type='image/svg+xml']").get_attribute("href")
    assert page.request.get(f"{live_server_url}{icon}").ok
    screenshot("404")


def test_the_500_page_wears_the_sites_header(
    page: Page, live_server_url: str, screenshot, settings
) -> None:
    settings.ROOT_URLCONF = "tests.failing_urls"
    response = page.goto(f"{live_server_url}/fail/")
    assert response is not None
    assert response.status == 500
    expect(page.locator(".site-header .brand")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong on our side")
    screenshot("500")
