"""Two-stage lots' races on PostgreSQL, in real transactions on real threads: the sealed
round's close racing a late sealed bid, closes racing each other, and the ascending round
that follows. The lot's row lock must give exactly one outcome each time."""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.utils import timezone

from auctions import engine
from auctions.hashchain import GENESIS_HASH, bid_hash
from auctions.models import Bid, Lot, Result, SealedBid
from auctions.tests.factories import SealedLotFactory, admitted_representative
from core.errors import DomainError
from core.tests.races import errors_of, run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are PostgreSQL's; CI runs it there"
    ),
]

START = Decimal("100000000.00")
STEP = Decimal("5000000.00")


@pytest.fixture(autouse=True)
def unlimited_bids(settings: Any) -> None:
    """About the lock, not the rate."""
    settings.BID_RATE_LIMIT = "1000000/s"


def assert_chain_is_gap_free(lot: Lot) -> list[Bid]:
    chain = list(Bid.objects.filter(lot=lot).order_by("sequence"))
    assert [bid.sequence for bid in chain] == list(range(1, len(chain) + 1))
    assert chain[0].prev_hash == GENESIS_HASH
    for earlier, later in pairwise(chain):
        assert later.prev_hash == earlier.hash
    for bid in chain:
        assert bid.hash == bid_hash(
            prev_hash=bid.prev_hash,
            lot_id=lot.pk,
            sequence=bid.sequence,
            participant_number=bid.participant_number,
            amount=bid.amount,
            placed_at=bid.placed_at,
        )
    return chain


def test_a_late_sealed_bid_racing_the_rounds_close_is_ranked_or_refused_never_lost() -> None:
    counted = refused = 0
    # The late bid starts a little before the end, by a lead that varies per round, so that
    # some land before the close and some after.
    for lead_ms in (1, 5, 10, 20, 40, 80, 120, 160):
        lot = SealedLotFactory()
        early = [admitted_representative(lot, number) for number in (1, 2)]
        late_user = admitted_representative(lot, 3)
        for user in early:
            engine.submit_sealed_bid(user=user, lot_id=lot.pk, amount=START, key=uuid.uuid4())
        # The round ends just after the threads start: the late bid lands either side.
        round_ends_at = timezone.now() + timedelta(milliseconds=400)
        Lot.objects.filter(pk=lot.pk).update(sealed_round_ends_at=round_ends_at)

        def late_bid(
            lot: Lot = lot,
            user: AbstractBaseUser = late_user,
            starts: datetime = round_ends_at - timedelta(milliseconds=lead_ms),
        ) -> object:
            while timezone.now() < starts:
                pass
            return engine.submit_sealed_bid(
                user=user, lot_id=lot.pk, amount=START * 3, key=uuid.uuid4()
            ).sealed_bid

        def close(lot: Lot = lot, ends: datetime = round_ends_at) -> Lot:
            while timezone.now() < ends:
                pass
            return engine.close_sealed_round(lot_id=lot.pk)

        late, closed = run_together(late_bid, close)
        assert isinstance(closed, Lot), closed
        lot.refresh_from_db()
        if lot.sealed_round_closed_at is None:
            # The close came a hair early by its own clock; the sweep's next pass closes it.
            engine.close_sealed_round(lot_id=lot.pk)
            lot.refresh_from_db()
        assert lot.sealed_round_closed_at is not None
        ranked = SealedBid.objects.filter(lot=lot)
        # Every stored sealed bid was ranked: none slipped in after the close.
        assert ranked.filter(rank__isnull=True).count() == 0
        assert lot.sealed_bid_count == ranked.count()
        chain = assert_chain_is_gap_free(lot)
        assert len(chain) == 1
        if isinstance(late, SealedBid):
            counted += 1
            assert ranked.count() == 3
            assert chain[0].participant_number == 3
            assert chain[0].amount == START * 3
        else:
            refused += 1
            assert isinstance(late, DomainError), late
            assert late.code == "round_closed", late
            assert ranked.count() == 2
            assert chain[0].participant_number == 1  # the earlier of two equal bids
    assert counted + refused == 8


def test_closes_racing_each_other_open_the_ascending_round_once() -> None:
    lot = SealedLotFactory()
    for number in (1, 2, 3):
        user = admitted_representative(lot, number)
        engine.submit_sealed_bid(
            user=user, lot_id=lot.pk, amount=START + STEP * number, key=uuid.uuid4()
        )
    Lot.objects.filter(pk=lot.pk).update(
        sealed_round_ends_at=timezone.now() - timedelta(milliseconds=1)
    )
    outcomes = run_together(*[lambda: engine.close_sealed_round(lot_id=lot.pk)] * 4)
    assert not errors_of(outcomes), outcomes
    lot.refresh_from_db()
    assert len(assert_chain_is_gap_free(lot)) == 1
    assert list(SealedBid.objects.order_by("rank").values_list("rank", flat=True)) == [1, 2, 3]


def test_the_advanced_racing_in_the_ascending_round_leave_one_gap_free_chain_and_one_winner() -> (
    None
):
    lot = SealedLotFactory(sealed_advancing_percent=100)
    users = [admitted_representative(lot, number) for number in (1, 2, 3, 4)]
    for offset, user in enumerate(users):
        engine.submit_sealed_bid(
            user=user, lot_id=lot.pk, amount=START + STEP * offset, key=uuid.uuid4()
        )
    Lot.objects.filter(pk=lot.pk).update(
        sealed_round_ends_at=timezone.now() - timedelta(milliseconds=1)
    )
    engine.close_sealed_round(lot_id=lot.pk)

    refusals: list[str] = []

    def bidder(user: AbstractBaseUser) -> int:
        accepted = 0
        for _ in range(6):
            minimum = Lot.objects.get(pk=lot.pk).minimum_next_bid
            try:
                engine.place_bid(user=user, lot_id=lot.pk, amount=minimum, key=uuid.uuid4())
                accepted += 1
            except DomainError as error:
                refusals.append(error.code)
        return accepted

    outcomes = run_together(*[lambda user=user: bidder(user) for user in users])
    assert not errors_of(outcomes), outcomes
    assert set(refusals) <= {"too_low", "already_leading"}, refusals
    lot.refresh_from_db()
    chain = assert_chain_is_gap_free(lot)
    assert len(chain) == 1 + sum(outcome for outcome in outcomes if isinstance(outcome, int))
    Lot.objects.filter(pk=lot.pk).update(
        sealed_round_ends_at=timezone.now() - timedelta(seconds=2),
        ends_at=timezone.now() - timedelta(seconds=1),
    )
    engine.close_lot(lot_id=lot.pk)
    result = Result.objects.get(lot=lot)
    assert result.winning_bonus == chain[-1].amount
    assert result.winner_id == chain[-1].application_id
