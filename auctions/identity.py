"""The one identity policy: when a company may be named beside its participant number.

An auction of subsoil rights is anonymous so that bidders cannot collude and officials
cannot favour anyone. From admission until the lot closes nobody, staff included, may see
which company stands behind a participant number (or behind the lot's leader, or behind a
bid). Once the lot has finished, staff may (they draw up the protocol and the licence);
the public may once the event's results are published. A company always knows its own.

Every page, admin screen, export, API and socket that could put a name and a number side
by side asks this module; nothing else decides it.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q

from auctions.models import Lot

# Until a lot reaches one of these, its participants are numbers without names.
NAMED_STATUSES = frozenset(Lot.FINISHED_STATUSES)


def may_name_participants(
    *,
    user: AbstractBaseUser | AnonymousUser,
    lot_status: str,
    results_published: bool,
) -> bool:
    """Return whether the user may see companies beside participant numbers in a lot.

    Never before the lot has finished, for anyone; afterwards staff may, and everyone
    once the event's results are published.
    """
    if lot_status not in NAMED_STATUSES:
        return False
    if results_published:
        return True
    return bool(user.is_authenticated and user.is_staff)


def may_name_in(user: AbstractBaseUser | AnonymousUser, lot: Lot) -> bool:
    """Return `may_name_participants` for a lot whose event is loaded or loadable."""
    return may_name_participants(
        user=user,
        lot_status=lot.status,
        results_published=lot.event.results_published_at is not None,
    )


def anonymous_lots(prefix: str = "") -> Q:
    """Return the condition, on lots (or on `prefix`, a path to a lot), that holds while
    their participants must stay numbers without names, for staff as for anyone."""
    return ~Q(**{f"{prefix}status__in": sorted(NAMED_STATUSES)})
