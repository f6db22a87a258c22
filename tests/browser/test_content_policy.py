"""Pages that need script under the Content-Security-Policy still work in a real browser.

Every browser test fails on a refusal Chromium logs (conftest.no_policy_complaints); these
walk the pages whose script or style the policy had to make room for.
"""

from playwright.sync_api import Browser, expect

from bidders.tests.factories import UserFactory
from deposits.tests.factories import DepositFactory
from tests.browser.test_auction_room import signed_in
from tests.browser.test_bidder_flow import log_in_to_admin


def test_the_admin_export_page_selects_and_unselects_every_field(
    browser: Browser, live_server_url: str, screenshot, staff_clerk
) -> None:
    DepositFactory(name="=1+2")
    staff = log_in_to_admin(browser, live_server_url)

    staff.goto(f"{live_server_url}/admin/deposits/deposit/export/")
    fields = staff.locator("input[type=checkbox][resource-id]")
    expect(fields.first).to_be_checked()
    # django-import-export's inline handler, allowed by its exact text (script-src-attr).
    staff.locator("input.select-toggle").uncheck()

    expect(fields.first).not_to_be_checked()
    screenshot("export", of=staff)


def test_registration_adds_another_owner_row(
    browser: Browser, live_server_url: str, screenshot
) -> None:
    page = signed_in(browser, live_server_url, UserFactory(username="newcomer")).new_page()
    page.goto(f"{live_server_url}/company/register/")
    owners = page.locator("fieldset.owner")
    expect(owners).to_have_count(3)

    page.get_by_role("button", name="Add another owner").click()

    expect(owners).to_have_count(4)
    expect(page.locator("input[name=owners-3-full_name]")).to_be_focused()
    screenshot("register", of=page)
