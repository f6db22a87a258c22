"""The one identity policy: names beside numbers only once a lot has finished."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from auctions.identity import (
    may_name_participants,
    running_lots,
    staff_hidden_note,
    staff_may_see_company,
    staff_may_see_number,
)
from auctions.models import Lot
from auctions.tests.factories import LotFactory
from bidders.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RUNNING_OR_BEFORE = [Lot.Status.DRAFT, Lot.Status.PUBLISHED, Lot.Status.LIVE, Lot.Status.PAUSED]


@pytest.mark.parametrize("status", RUNNING_OR_BEFORE)
@pytest.mark.parametrize("published", [False, True])
def test_nobody_names_a_participant_before_the_lot_finishes(status, published) -> None:
    viewers = [
        AnonymousUser(),
        UserFactory(username="clerk", is_staff=True),
        UserFactory(username="root", is_staff=True, is_superuser=True),
    ]
    for viewer in viewers:
        assert not may_name_participants(
            user=viewer, lot_status=status, results_published=published
        )


@pytest.mark.parametrize("status", sorted(Lot.FINISHED_STATUSES))
def test_staff_name_participants_once_the_lot_finished_and_the_public_after_publication(
    status,
) -> None:
    clerk = UserFactory(username="clerk", is_staff=True)
    bidder = UserFactory(username="bidder")
    assert may_name_participants(user=clerk, lot_status=status, results_published=False)
    assert not may_name_participants(user=bidder, lot_status=status, results_published=False)
    assert not may_name_participants(
        user=AnonymousUser(), lot_status=status, results_published=False
    )
    assert may_name_participants(user=AnonymousUser(), lot_status=status, results_published=True)


@pytest.mark.parametrize("status", [status for status, _label in Lot.Status.choices])
def test_staff_screens_show_at_most_one_of_company_and_number_until_the_lot_finishes(
    status,
) -> None:
    company, number = staff_may_see_company(status), staff_may_see_number(status)
    if status in Lot.FINISHED_STATUSES:
        assert company
        assert number
    else:
        assert not (company and number)
        # Who applied is seen while deciding on applications, never while the lot runs.
        assert company == (status not in (Lot.Status.LIVE, Lot.Status.PAUSED))
        assert number == may_name_participants(
            user=UserFactory(username="clerk", is_staff=True),
            lot_status=status,
            results_published=False,
        )


def test_running_lots_are_exactly_the_live_and_paused_ones() -> None:
    lots = {status: LotFactory(status=status) for status in (Lot.Status.PUBLISHED, Lot.Status.LIVE)}
    lots[Lot.Status.PAUSED] = LotFactory(status=Lot.Status.PAUSED)
    lots[Lot.Status.CLOSED] = LotFactory(status=Lot.Status.CLOSED)
    running = set(Lot.objects.filter(running_lots()))
    assert running == {lots[Lot.Status.LIVE], lots[Lot.Status.PAUSED]}


@pytest.mark.parametrize("status", [status for status, _label in Lot.Status.choices])
def test_staff_screens_get_a_note_instead_of_the_company_exactly_while_the_lot_runs(
    status,
) -> None:
    note = staff_hidden_note(status)
    if status in (Lot.Status.LIVE, Lot.Status.PAUSED):
        assert note == "Hidden while the lot is live"
        with translation.override("ru"):
            assert staff_hidden_note(status) != note
    else:
        assert note is None
    assert (note is None) == staff_may_see_company(status)
