"""The admin and live-monitor tests once more, as a clerk with the role's least privilege.

`staff_clerk` is a superuser everywhere else; here it is a staff account in the clerks'
role (core/roles.py), so everything a clerk's daily work needs is shown to keep working
without a superuser. What the role may not do is asserted in tests/test_roles.py.
"""

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from auctions.tests.test_live_monitor import *  # noqa: F403
from auctions.tests.test_live_monitor import live_lot  # noqa: F401 -- its own live lot, as there
from tests.test_admin import *  # noqa: F403 -- the same tests, collected again as the clerk

# The admin's add forms a clerk's work uses; the rest are refused (403) to the role.
CLERK_ADDS = {"deposits_deposit", "deposits_reserve", "auctions_auctionevent", "auctions_lot"}


@pytest.fixture
def staff_clerk(ministry_clerk: AbstractBaseUser) -> AbstractBaseUser:
    return ministry_clerk


@pytest.mark.parametrize(
    "model",
    [
        "deposits_region",
        "deposits_mineral",
        "deposits_deposit",
        "deposits_reserve",
        "bidders_company",
        "bidders_representative",
        "auctions_auctionevent",
        "auctions_lot",
        "auctions_application",
        "auctions_payment",
        "auctions_bid",
        "auctions_result",
        "auctions_livelot",
        "licensing_licence",
    ],
)
def test_every_admin_list_and_add_page_renders(staff_client, model: str, bid) -> None:
    """The clerk reads every list, and may open only the add forms its work uses."""
    assert staff_client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    add = staff_client.get(reverse(f"admin:{model}_add"))
    assert add.status_code == (200 if model in CLERK_ADDS else 403), model
