"""Who the ministry's staff are and what each role may do, with least privilege.

Roles are Django groups written by `manage.py setup_roles` (production runs it after
`migrate`; the demo calls it too). Permissions are named by app label and codename, so this
lowest layer needs none of the apps it grants rights on.

| Role               | Reads                    | Writes                                          |
|--------------------|--------------------------|-------------------------------------------------|
| Auditor            | every domain model       | nothing                                         |
| Clerk              | every domain model       | deposits and reserves; lots (add, change,       |
|                    |                          | delete: publish, pause, resume, cancel);        |
|                    |                          | events (add only); companies (change: approve,  |
|                    |                          | reject, suspend); applications (change: admit,  |
|                    |                          | reject); payments (change: record a bank        |
|                    |                          | credit, refunded); licences (change: record the |
|                    |                          | bonus)                                          |
| Head of commission | every domain model       | the clerk's, plus events (change: edit an event |
|                    |                          | and publish its results), errata to published   |
|                    |                          | results, and the ministry's bank details (add,  |
|                    |                          | change: the account every bidder pays into)     |

No role writes representatives, beneficial owners, company documents or decisions (other
than through the decision actions), bids, results, users or groups: bidders speak for
their own companies, bids come only from the engine and results only from closing a lot.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.db import transaction
from django.db.models import Q

DOMAIN_APPS = ("deposits", "bidders", "auctions", "licensing")

AUDITORS = "Auditors"
CLERKS = "Ministry clerks"
HEADS_OF_COMMISSION = "Heads of commission"

# What a clerk writes, beyond reading every domain model. An admin action declared with
# permissions=["change"] needs the change permission of its model.
CLERK_WRITES = (
    "deposits.add_deposit",
    "deposits.change_deposit",
    "deposits.delete_deposit",
    "deposits.add_reserve",
    "deposits.change_reserve",
    "deposits.delete_reserve",
    "auctions.add_auctionevent",
    "auctions.add_lot",
    "auctions.change_lot",
    "auctions.delete_lot",
    "auctions.change_application",
    "auctions.change_payment",
    "bidders.change_company",
    "licensing.change_licence",
)
# Publishing an event's results is the admin's event action (permissions=["change"]), so
# editing events and publishing their results go together, to the head of commission.
HEAD_OF_COMMISSION_WRITES = (
    *CLERK_WRITES,
    "auctions.change_auctionevent",
    # Corrections of published results, each shown publicly with its reason.
    "auctions.publish_erratum",
    # The account every bidder pays into: changing it redirects all payments, so not a
    # clerk's everyday write; each change is in the admin's history.
    "auctions.add_bankdetails",
    "auctions.change_bankdetails",
)


def is_ministry_staff(user: User | AnonymousUser) -> bool:
    """Say whether the user is ministry staff: staff or superuser, who never bids."""
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def _domain_views() -> Q:
    return Q(content_type__app_label__in=DOMAIN_APPS, codename__startswith="view_")


def _named(names: Iterable[str]) -> Q:
    condition = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".")
        condition |= Q(content_type__app_label=app_label, codename=codename)
    return condition


def role_permissions() -> dict[str, list[Permission]]:
    """Return each role's permissions; raise LookupError if one named here does not exist."""
    named = set(CLERK_WRITES) | set(HEAD_OF_COMMISSION_WRITES)
    found = {
        f"{permission.content_type.app_label}.{permission.codename}": permission
        for permission in Permission.objects.filter(_named(named)).select_related("content_type")
    }
    missing = sorted(named - set(found))
    if missing:
        raise LookupError(
            "These permissions do not exist: " + ", ".join(missing) + ". Run migrate first."
        )
    views = list(Permission.objects.filter(_domain_views()))
    return {
        AUDITORS: views,
        CLERKS: [*views, *(found[name] for name in CLERK_WRITES)],
        HEADS_OF_COMMISSION: [*views, *(found[name] for name in HEAD_OF_COMMISSION_WRITES)],
    }


@transaction.atomic
def setup_roles() -> dict[str, Group]:
    """Create or reset the staff roles' groups to exactly their permissions; safe to rerun.

    A permission granted to a role's group by hand is taken away again: the roles are
    defined here, not in the admin.
    """
    groups = {}
    for name, permissions in role_permissions().items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
        groups[name] = group
    return groups
