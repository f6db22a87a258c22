"""Logging in through the browser as staff do: password, then the authenticator app's code."""

from playwright.sync_api import Page

from bidders.tests.factories import totp_code


def log_in_as_staff(page: Page, live_server_url: str, username: str, password: str) -> None:
    """Open the admin and log in as staff who enrolled TEST_TOTP_SECRET (with_second_factor)."""
    page.goto(f"{live_server_url}/admin/")
    page.get_by_label("Login").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.get_by_label("Code").fill(totp_code())
    page.get_by_role("button", name="Log in", exact=True).click()
