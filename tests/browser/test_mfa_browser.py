"""Staff enrol an authenticator app on their first admin login, then log in with its code."""

import re
from collections.abc import Callable

from playwright.sync_api import Browser, Page, expect

from bidders.tests.factories import TEST_PASSWORD, RepresentativeFactory, UserFactory, totp_code
from core.second_factor import has_second_factor
from tests.browser.test_auction_room import signed_in

ADMIN_HEADING = "Deposits, auctions, bidders and licences"


def test_staff_enrol_totp_then_log_in_with_password_and_code(
    page: Page, live_server_url: str, screenshot: Callable
) -> None:
    staff_clerk = UserFactory(
        username="clerk", is_staff=True, is_superuser=True, second_factor=False
    )
    # 1. The admin sends staff to the one login page, keeping where they were going.
    page.goto(f"{live_server_url}/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fadmin%2F"))
    page.get_by_label("Login").fill("clerk")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    screenshot("1-login")
    page.get_by_role("button", name="Log in", exact=True).click()

    # 2. No authenticator yet: the admin sends the clerk to set one up, after the password
    #    once more (allauth asks before an account's factors change).
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    expect(page.get_by_text("two-factor authentication")).to_be_visible()
    screenshot("2-reauthenticate")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    # 3. The secret is shown beside the QR code; an app would compute this code from it.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    screenshot("3-activate")
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()

    # 4. Recovery codes, once the app is active.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) == 10
    screenshot("4-recovery-codes")
    assert has_second_factor(staff_clerk)

    # 5. The admin opens in this session: its code was just entered.
    page.goto(f"{live_server_url}/admin/")
    expect(page.get_by_role("heading", name=ADMIN_HEADING)).to_be_visible()

    # 6. Log out, and in again: password, then the app's code.
    page.goto(f"{live_server_url}/accounts/logout/")
    page.locator("#main").get_by_role("button", name="Log out", exact=True).click()
    page.goto(f"{live_server_url}/admin/")
    page.get_by_label("Login").fill("clerk")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    screenshot("5-code")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", name=ADMIN_HEADING)).to_be_visible()
    screenshot("6-admin")


def test_a_bidder_is_pointed_to_enrolment_and_enrols_from_the_dashboard(
    browser: Browser, live_server_url: str, screenshot: Callable
) -> None:
    user = RepresentativeFactory(
        second_factor=False, company__legal_name="Tengri Metals LLP", user__username="tengri"
    ).user
    page = signed_in(browser, live_server_url, user).new_page()
    page.goto(f"{live_server_url}/dashboard/")
    notice = page.locator("#second-factor-required")
    expect(notice).to_contain_text("Two-factor authentication is required before your first bid.")
    screenshot("1-dashboard", of=page)

    notice.get_by_role("link", name="Set up an authenticator app").click()
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.get_by_role("link", name="Back to your dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator("#second-factor-required")).to_have_count(0)
    assert has_second_factor(user)
