"""The one identity policy: when a company may be named beside its participant number.

An auction of subsoil rights is anonymous so that bidders cannot collude and officials
cannot favour anyone. From admission until the lot closes nobody, staff included, may see
which company stands behind a participant number (or behind the lot's leader, or behind a
bid). Once the lot has finished, staff may (they draw up the protocol and the licence);
the public may once the event's results are published. A company always knows its own.

Every page, admin screen, export, API and socket that could put a name and a number side
by side asks this module; nothing else decides it.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q
from django.utils.translation import gettext as _

from auctions.models import Lot

# Until a lot reaches one of these, its participants are numbers without names.
NAMED_STATUSES = frozenset(Lot.FINISHED_STATUSES)


def may_name_participants(
    *,
    user: User | AnonymousUser,
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


def may_name_in(user: User | AnonymousUser, lot: Lot) -> bool:
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


# While a lot runs, its participants are in play under their numbers.
RUNNING_STATUSES = frozenset({Lot.Status.LIVE, Lot.Status.PAUSED})


def staff_may_see_company(lot_status: str) -> bool:
    """Return whether a staff screen may say which company an application of a lot in this
    status is (its name, its people, its documents), on a screen without its number.

    Before the lot runs staff decide on applications, so they see who applied (and no
    number); while it runs the live monitor and bid log show numbers, so no company;
    once it has finished, everything.
    """
    return lot_status not in RUNNING_STATUSES


def staff_hidden_note(lot_status: str) -> str | None:
    """Return what a staff screen shows instead of an applicant's company (its name, its
    affiliated rivals) while the lot runs; None when `staff_may_see_company` lets it show.

    Every staff screen that names an applicant asks this, so the rule and its words are
    written once.
    """
    if staff_may_see_company(lot_status):
        return None
    return _("Hidden while the lot is live")


def staff_may_see_number(lot_status: str) -> bool:
    """Return whether a staff screen may show an application's participant number beside
    the application itself (its id, a link to it) or its company.

    An application keeps its id from submission on, and staff saw its company while
    deciding on it: beside that id a number names the company as surely as the name does.
    So only once `may_name_participants` lets staff name participants.
    """
    return lot_status in NAMED_STATUSES


def running_lots(prefix: str = "") -> Q:
    """Return the condition, on lots (or on `prefix`, a path to a lot), that holds while
    staff screens keep their applicants' companies hidden."""
    return Q(**{f"{prefix}status__in": sorted(RUNNING_STATUSES)})
