"""The one identity policy: names beside numbers only once a lot has finished."""

import pytest
from django.contrib.auth.models import AnonymousUser

from auctions.identity import may_name_participants
from auctions.models import Lot
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
