"""A bank guarantee recorded while bids race for the lot, in real transactions on threads.

The recording takes the lot's lock, the one every bid takes; a bid that waited for that lock
must meet the guarantee as recorded, never the one the ministry replaced while it waited
(PostgreSQL hands a statement that waited for a row lock its old snapshot of other rows).
SQLite serialises writers instead, so the same tests run there too.
"""

import uuid
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser

from auctions import ceilings, engine
from auctions.hashchain import GENESIS_HASH
from auctions.models import Application, Bid, Lot
from auctions.tests.factories import LiveLotFactory, admitted_representative
from bidders.tests.factories import UserFactory
from core.errors import DomainError
from core.tests.races import errors_of, run_overlapping, run_together

pytestmark = pytest.mark.django_db(transaction=True)

START = Decimal("100000000.00")
STEP = Decimal("5000000.00")


@pytest.fixture(autouse=True)
def unlimited_bids(settings: Any) -> None:
    settings.BID_RATE_LIMIT = "1000000/s"


def guarantee_lot() -> Lot:
    return LiveLotFactory(bid_ceiling=Lot.BidCeiling.BANK_GUARANTEE, guarantee_deposit=Decimal(0))


def application_of(user: AbstractBaseUser, lot: Lot) -> Application:
    return Application.objects.get(lot=lot, company__representatives__user=user)


def record(application: Application, amount: str, clerk: AbstractBaseUser) -> None:
    ceilings.record_bank_guarantee(
        application_id=application.pk,
        amount=Decimal(amount),
        reference="No. 7/2025",
        recorded_by=clerk,
    )


def test_a_bid_waiting_while_the_guarantee_is_lowered_meets_the_lowered_one() -> None:
    lot = guarantee_lot()
    bidder = admitted_representative(lot, 1)
    application = application_of(bidder, lot)
    clerk = UserFactory(is_staff=True)
    record(application, "300000000.00", clerk)

    errors = run_overlapping(
        lambda: record(application, "110000000.00", clerk),
        lambda: engine.place_bid(
            user=bidder, lot_id=lot.pk, amount="200000000.00", key=str(uuid.uuid4())
        ),
    )

    assert [error.code for error in errors if isinstance(error, DomainError)] == ["above_limit"]
    assert not Bid.objects.exists()


def test_a_bid_waiting_while_the_guarantee_is_raised_meets_the_raised_one() -> None:
    lot = guarantee_lot()
    bidder = admitted_representative(lot, 1)
    application = application_of(bidder, lot)
    clerk = UserFactory(is_staff=True)
    record(application, "110000000.00", clerk)

    errors = run_overlapping(
        lambda: record(application, "300000000.00", clerk),
        lambda: engine.place_bid(
            user=bidder, lot_id=lot.pk, amount="200000000.00", key=str(uuid.uuid4())
        ),
    )

    assert errors == []
    assert list(Bid.objects.values_list("amount", flat=True)) == [Decimal("200000000.00")]


def test_bids_racing_a_lowered_guarantee_keep_one_gapless_chain_within_the_ceiling() -> None:
    lot = guarantee_lot()
    bidders = [admitted_representative(lot, number) for number in range(1, 5)]
    applications = [application_of(bidder, lot) for bidder in bidders]
    clerk = UserFactory(is_staff=True)
    for application in applications:
        record(application, "400000000.00", clerk)
    lowered = applications[0]

    refusals: list[str] = []

    def bid_up(bidder: AbstractBaseUser) -> None:
        for _ in range(12):
            lot_now = Lot.objects.get(pk=lot.pk)
            try:
                engine.place_bid(
                    user=bidder,
                    lot_id=lot.pk,
                    amount=lot_now.minimum_next_bid + STEP,
                    key=str(uuid.uuid4()),
                )
            except DomainError as error:
                refusals.append(error.code)

    outcomes = run_together(
        *(lambda bidder=bidder: bid_up(bidder) for bidder in bidders),
        lambda: record(lowered, "150000000.00", clerk),
    )
    assert errors_of(outcomes) == []
    assert set(refusals) <= {"too_low", "already_leading", "above_limit"}

    lowered.refresh_from_db()
    bids = list(Bid.objects.filter(lot=lot).order_by("sequence"))
    assert [bid.sequence for bid in bids] == list(range(1, len(bids) + 1))
    assert bids[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(bids))
    assert all(earlier.amount < later.amount for earlier, later in pairwise(bids))
    # Every bid met the ceiling in force when it held the lot: above the lowered guarantee
    # only before it was recorded.
    for bid in bids:
        if bid.application_id == lowered.pk and bid.amount > Decimal("150000000.00"):
            assert bid.placed_at < lowered.bank_guarantee_recorded_at
    lot.refresh_from_db()
    assert lot.bid_count == len(bids)
    assert lot.current_price == (bids[-1].amount if bids else None)
