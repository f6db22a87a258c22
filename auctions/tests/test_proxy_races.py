"""Proxy bids racing, in real transactions on real threads: bids by hand against the
automatic bids a maximum answers with, and two maxima set at the same instant. The lot's
lock must leave one gap-free hash chain, every bid a step above the one before, and one
leader: the one a proxy auction would name.

PostgreSQL runs it with real row locks; SQLite (BEGIN IMMEDIATE) serialises the writers.
"""

import random
import uuid
from collections.abc import Callable
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser

from auctions import engine, live
from auctions.hashchain import GENESIS_HASH, bid_hash
from auctions.models import Bid, Lot, Maximum
from auctions.tests.factories import LiveLotFactory, admitted_representative
from core.errors import DomainError
from core.tests.races import errors_of, run_overlapping, run_together

pytestmark = pytest.mark.django_db(transaction=True)

M = Decimal("1000000.00")


@pytest.fixture(autouse=True)
def unlimited_bids(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """These races are about the lock, not the rate; and about the database, so the
    broadcasts after commit are dropped."""
    settings.BID_RATE_LIMIT = "1000000/s"
    monkeypatch.setattr(live, "broadcast_state", lambda lot_id, state=None: None)


def assert_one_clean_ladder(lot: Lot) -> list[Bid]:
    """One gap-free chain, each bid a step above the last, its head the lot's leader."""
    lot.refresh_from_db()
    bids = list(Bid.objects.filter(lot=lot).order_by("sequence"))
    assert [b.sequence for b in bids] == list(range(1, len(bids) + 1))
    assert bids[0].prev_hash == GENESIS_HASH
    assert bids[0].amount >= lot.starting_price
    for before, after in pairwise(bids):
        assert after.prev_hash == before.hash
        assert after.amount >= before.amount + lot.bid_step
        assert after.application_id != before.application_id
    for each in bids:
        assert each.hash == bid_hash(
            prev_hash=each.prev_hash,
            lot_id=lot.pk,
            sequence=each.sequence,
            participant_number=each.participant_number,
            amount=each.amount,
            placed_at=each.placed_at,
        )
    assert lot.bid_count == len(bids)
    assert lot.last_bid_hash == bids[-1].hash
    assert lot.current_price == bids[-1].amount
    assert lot.leader_id == bids[-1].application_id
    # An automatic bid never passes the maximum it was placed for.
    highest = dict(
        Maximum.objects.filter(lot=lot).order_by("amount").values_list("application_id", "amount")
    )
    for each in bids:
        if each.automatic:
            assert each.amount <= highest[each.application_id]
    return bids


def test_bids_by_hand_racing_the_automatic_answers_keep_one_ladder() -> None:
    lot = LiveLotFactory()
    holder = admitted_representative(lot, 1, username="holder")
    rivals = [admitted_representative(lot, n, username=f"rival{n}") for n in (2, 3, 4)]
    engine.set_maximum(user=holder, lot_id=lot.pk, amount=str(300 * M), key=str(uuid.uuid4()))
    refusals: list[str] = []

    def bidder(user: AbstractBaseUser, seed: int) -> Callable[[], None]:
        chance = random.Random(seed)  # noqa: S311 - reproducible amounts, not secrets

        def work() -> None:
            for _ in range(12):
                fresh = Lot.objects.get(pk=lot.pk)
                amount = fresh.minimum_next_bid + fresh.bid_step * chance.randint(0, 3)
                try:
                    engine.place_bid(
                        user=user, lot_id=lot.pk, amount=str(amount), key=str(uuid.uuid4())
                    )
                except DomainError as error:
                    refusals.append(error.code)

        return work

    escaped = errors_of(run_together(*[bidder(user, n) for n, user in enumerate(rivals)]))
    assert escaped == []
    assert set(refusals) <= {"too_low", "already_leading"}
    bids = assert_one_clean_ladder(lot)
    assert any(b.automatic for b in bids[1:])
    assert any(not b.automatic for b in bids)
    # Each bid by hand at or below the maximum was answered at once, in its transaction.
    for before, after in pairwise(bids):
        if not before.automatic and before.amount + lot.bid_step <= 300 * M:
            assert after.automatic
            assert after.participant_number == 1
            assert after.sequence == before.sequence + 1


@pytest.mark.parametrize("round_", range(4))
def test_two_maxima_set_at_once_leave_the_higher_leading_a_step_above_the_lower(
    round_: int,
) -> None:
    lot = LiveLotFactory()
    low = admitted_representative(lot, 1, username=f"low{round_}")
    high = admitted_representative(lot, 2, username=f"high{round_}")
    hand = admitted_representative(lot, 3, username=f"hand{round_}")

    def setting(user: AbstractBaseUser, millions: int) -> Callable[[], object]:
        return lambda: engine.set_maximum(
            user=user, lot_id=lot.pk, amount=str(millions * M), key=str(uuid.uuid4())
        )

    def by_hand() -> object:
        try:
            return engine.place_bid(
                user=hand, lot_id=lot.pk, amount=str(lot.starting_price), key=str(uuid.uuid4())
            )
        except DomainError as error:
            # Too late for the starting price is the only fair refusal.
            return None if error.code == "too_low" else error

    outcomes = run_together(setting(low, 150), setting(high, 200), by_hand)
    assert errors_of(outcomes) == []
    bids = assert_one_clean_ladder(lot)
    assert bids[-1].participant_number == 2
    assert bids[-1].amount == 155 * M
    assert bids[-1].automatic


@pytest.mark.parametrize("round_", range(4))
def test_two_equal_maxima_set_at_once_go_to_the_one_set_first(round_: int) -> None:
    lot = LiveLotFactory()
    users = [admitted_representative(lot, n, username=f"twin{n}-{round_}") for n in (1, 2)]

    def setting(user: AbstractBaseUser) -> Callable[[], object]:
        return lambda: engine.set_maximum(
            user=user, lot_id=lot.pk, amount=str(150 * M), key=str(uuid.uuid4())
        )

    escaped = errors_of(run_together(*[setting(user) for user in users]))
    assert escaped == []
    bids = assert_one_clean_ladder(lot)
    first = Maximum.objects.filter(lot=lot).order_by("id").first()
    assert first is not None
    assert bids[-1].application_id == first.application_id
    assert bids[-1].amount == 150 * M


def _bid(user: AbstractBaseUser, lot: Lot, amount: Decimal) -> None:
    engine.place_bid(user=user, lot_id=lot.pk, amount=str(amount), key=str(uuid.uuid4()))


def _set(user: AbstractBaseUser, lot: Lot, amount: Decimal) -> None:
    engine.set_maximum(user=user, lot_id=lot.pk, amount=str(amount), key=str(uuid.uuid4()))


def test_a_bid_waiting_while_the_leader_lowers_its_maximum_meets_the_lowered_one() -> None:
    """The leader's change of maximum places no bid: the waiting bid must still read it."""
    lot = LiveLotFactory()
    leader = admitted_representative(lot, 1, username="leader")
    rival = admitted_representative(lot, 2, username="rival")
    _bid(leader, lot, 150 * M)
    _set(leader, lot, 300 * M)
    errors = run_overlapping(lambda: _set(leader, lot, 200 * M), lambda: _bid(rival, lot, 250 * M))
    assert not errors
    bids = assert_one_clean_ladder(lot)
    assert (bids[-1].participant_number, bids[-1].amount) == (2, 250 * M)
    assert not any(each.automatic for each in bids)


def test_a_bid_waiting_while_the_leader_sets_a_maximum_is_answered_by_it() -> None:
    lot = LiveLotFactory()
    leader = admitted_representative(lot, 1, username="leader")
    rival = admitted_representative(lot, 2, username="rival")
    _bid(leader, lot, 150 * M)
    errors = run_overlapping(lambda: _set(leader, lot, 300 * M), lambda: _bid(rival, lot, 160 * M))
    assert not errors
    bids = assert_one_clean_ladder(lot)
    assert bids[-1].participant_number == 1
    assert bids[-1].automatic
