"""Bids racing for one lot, in real transactions on real threads.

Every bidder reads the lot's minimum, then bids on it at the same moment as the others:
the classic race of auction engines (two bids validated against the same price). The
engine's lock on the lot row must turn it into one clean, gapless, hash-chained ladder.

PostgreSQL runs it in CI, where the row lock is real. SQLite has no row locks; the
embedded settings open every transaction with BEGIN IMMEDIATE, which serialises writers
instead, so the same test runs there too.
"""

import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser

from auctions import engine, live
from auctions.engine import BidOutcome
from auctions.hashchain import GENESIS_HASH, bid_hash
from auctions.models import Bid, Lot
from auctions.tests.factories import admitted_representative
from core.errors import DomainError
from core.tests.races import errors_of, run_together

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def unlimited_bids(settings: Any) -> None:
    """These races are about the lock, not the rate: each bidder sends far more than a
    person could, and the engine's budget would refuse most of them."""
    settings.BID_RATE_LIMIT = "1000000/s"


BIDDERS = 10
ROUNDS = 15
# Refusals a fair race may produce: the price moved on, or this bidder leads already.
EXPECTED_REFUSALS = {"too_low", "already_leading"}


@dataclass(frozen=True)
class Acknowledged:
    """What a bidder was told of an accepted bid."""

    key: uuid.UUID
    user_id: int
    sequence: int
    amount: Decimal
    created: bool


@dataclass
class Race:
    acknowledged: list[Acknowledged]
    refusals: list[str]
    unexpected: list[BaseException]
    broadcasts: list[dict[str, Any]]


@pytest.fixture
def recorded_broadcasts(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Keep the states broadcast instead of sending them: this test is about the database."""
    sent: list[dict[str, Any]] = []
    lock = threading.Lock()

    def record(lot_id: int, state: dict[str, Any] | None = None) -> None:
        with lock:
            sent.append(state if state is not None else live.lot_state(lot_id))

    monkeypatch.setattr(live, "broadcast_state", record)
    return sent


def race(lot: Lot, bidders: list[AbstractBaseUser], broadcasts: list[dict[str, Any]]) -> Race:
    result = Race(acknowledged=[], refusals=[], unexpected=[], broadcasts=broadcasts)
    lock = threading.Lock()

    def bidder(user: AbstractBaseUser, seed: int) -> Callable[[], None]:
        chance = random.Random(seed)  # noqa: S311 - reproducible amounts, not secrets

        def work() -> None:
            for _ in range(ROUNDS):
                fresh = Lot.objects.get(pk=lot.pk)
                amount = fresh.minimum_next_bid + fresh.bid_step * chance.randint(0, 2)
                key = uuid.uuid4()
                try:
                    outcome = engine.place_bid(
                        user=user, lot_id=lot.pk, amount=str(amount), key=str(key)
                    )
                except DomainError as error:
                    with lock:
                        result.refusals.append(error.code)
                    continue
                except Exception as error:  # any other refusal is a failure
                    with lock:
                        result.unexpected.append(error)
                    continue
                with lock:
                    result.acknowledged.append(
                        Acknowledged(
                            key=key,
                            user_id=user.pk,
                            sequence=outcome.bid.sequence,
                            amount=outcome.bid.amount,
                            created=outcome.created,
                        )
                    )

        return work

    escaped = errors_of(run_together(*[bidder(user, seed) for seed, user in enumerate(bidders)]))
    result.unexpected.extend(escaped)
    return result


def test_racing_bidders_build_one_gapless_hash_chained_ladder(
    live_lot: Lot, recorded_broadcasts: list[dict[str, Any]]
) -> None:
    bidders = [admitted_representative(live_lot, number) for number in range(1, BIDDERS + 1)]

    outcome = race(live_lot, bidders, recorded_broadcasts)

    assert outcome.unexpected == []
    assert set(outcome.refusals) <= EXPECTED_REFUSALS
    # The race really happened: some bids were validated after a rival's moved the price.
    assert "too_low" in outcome.refusals
    assert len(outcome.acknowledged) + len(outcome.refusals) == BIDDERS * ROUNDS
    assert all(ack.created for ack in outcome.acknowledged)

    bids = list(Bid.objects.filter(lot=live_lot).order_by("sequence"))
    # Every acknowledged bid is stored as acknowledged, and nothing else is stored.
    stored_by_key = {bid.key: bid for bid in bids}
    assert len(bids) == len(outcome.acknowledged) > 1
    for ack in outcome.acknowledged:
        stored = stored_by_key[ack.key]
        assert (stored.sequence, stored.amount, stored.placed_by_id) == (
            ack.sequence,
            ack.amount,
            ack.user_id,
        )

    assert [bid.sequence for bid in bids] == list(range(1, len(bids) + 1))
    assert bids[0].amount >= live_lot.starting_price
    for previous, current in pairwise(bids):
        assert current.amount >= previous.amount + live_lot.bid_step
        assert current.application_id != previous.application_id

    assert bids[0].prev_hash == GENESIS_HASH
    for previous, current in pairwise(bids):
        assert current.prev_hash == previous.hash
    for stored in bids:
        assert stored.hash == bid_hash(
            prev_hash=stored.prev_hash,
            lot_id=stored.lot_id,
            sequence=stored.sequence,
            participant_number=stored.participant_number,
            amount=stored.amount,
            placed_at=stored.placed_at,
        )

    live_lot.refresh_from_db()
    assert live_lot.bid_count == len(bids)
    assert live_lot.version == len(bids)
    assert live_lot.current_price == bids[-1].amount
    assert live_lot.leader_id == bids[-1].application_id
    assert live_lot.last_bid_hash == bids[-1].hash
    assert live.lot_state(live_lot.pk)["leader_number"] == bids[-1].participant_number
    assert len(outcome.broadcasts) == len(bids)
    # Each state was built inside its bid's transaction, from what it read under the lock
    # (after waiting for it, too): it shows exactly the committed ladder up to that bid.
    assert sorted(state["bid_count"] for state in outcome.broadcasts) == [b.sequence for b in bids]
    for state in outcome.broadcasts:
        upto = bids[: state["bid_count"]]
        assert state["version"] == state["bid_count"]
        assert state["current_price"] == f"{upto[-1].amount:.2f}"
        assert state["leader_number"] == upto[-1].participant_number
        assert state["recent_bids"] == [
            {
                "sequence": stored.sequence,
                "participant_number": stored.participant_number,
                "amount": f"{stored.amount:.2f}",
                "placed_at": stored.placed_at.isoformat(),
                "automatic": False,
            }
            for stored in reversed(upto[-live.RECENT_BIDS :])
        ]


def send_twice_at_once(
    *, user: AbstractBaseUser, lot_id: int, amount: str, key: str
) -> list[BidOutcome]:
    """Send one bid from two threads released together; return both outcomes."""
    outcomes: list[BidOutcome] = []

    def send() -> None:
        outcomes.append(engine.place_bid(user=user, lot_id=lot_id, amount=amount, key=key))

    assert errors_of(run_together(send, send)) == []
    return outcomes


def test_one_key_sent_twice_at_once_places_one_bid(
    admitted_bidder: AbstractBaseUser,
    rival_bidder: AbstractBaseUser,
    live_lot: Lot,
    recorded_broadcasts: list[dict[str, Any]],
) -> None:
    """A client retrying over the API while its websocket bid is still in flight."""
    for attempt in range(6):
        user = admitted_bidder if attempt % 2 == 0 else rival_bidder
        amount = str(Lot.objects.get(pk=live_lot.pk).minimum_next_bid)
        key = str(uuid.uuid4())
        outcomes = send_twice_at_once(user=user, lot_id=live_lot.pk, amount=amount, key=key)
        assert sorted(outcome.created for outcome in outcomes) == [False, True]
        assert outcomes[0].bid.pk == outcomes[1].bid.pk
        assert Bid.objects.filter(lot=live_lot, key=key).count() == 1

    assert Bid.objects.filter(lot=live_lot).count() == 6
    live_lot.refresh_from_db()
    assert live_lot.bid_count == 6
    assert len(recorded_broadcasts) == 6


def test_one_key_sent_at_once_by_two_bidders_places_one_bid(
    admitted_bidder: AbstractBaseUser,
    rival_bidder: AbstractBaseUser,
    live_lot: Lot,
    recorded_broadcasts: list[dict[str, Any]],
) -> None:
    key = str(uuid.uuid4())
    results: list[Any] = []

    def send(user: AbstractBaseUser) -> Callable[[], None]:
        def work() -> None:
            try:
                results.append(
                    engine.place_bid(user=user, lot_id=live_lot.pk, amount="100000000", key=key)
                )
            except DomainError as error:
                results.append(error.code)

        return work

    assert errors_of(run_together(send(admitted_bidder), send(rival_bidder))) == []
    accepted = [result for result in results if not isinstance(result, str)]
    refused = [result for result in results if isinstance(result, str)]
    assert len(accepted) == 1
    assert accepted[0].created
    assert refused == ["malformed"]
    assert Bid.objects.filter(lot=live_lot).count() == 1
