"""Proxy (maximum) bids: the engine bids for a participant's private maximum, as ordinary
bids of the chain, through the one door (engine.place_bid / engine.set_maximum)."""

import uuid
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auctions import engine, proxy
from auctions.hashchain import GENESIS_HASH, bid_hash
from auctions.models import Bid, Lot, Maximum, Payment
from auctions.tests.factories import LotFactory, admitted_representative
from bidders.models import Company
from core.errors import DomainError

pytestmark = pytest.mark.django_db

M = Decimal("1000000.00")  # amounts below in millions; START 100 M, STEP 5 M


def millions(value: str) -> Decimal:
    return Decimal(value) * M


def set_max(user: AbstractBaseUser, lot: Lot, amount: str, key: str | None = None):
    return engine.set_maximum(
        user=user, lot_id=lot.pk, amount=str(millions(amount)), key=key or str(uuid.uuid4())
    )


def bid(user: AbstractBaseUser, lot: Lot, amount: str) -> engine.BidOutcome:
    return engine.place_bid(
        user=user, lot_id=lot.pk, amount=str(millions(amount)), key=str(uuid.uuid4())
    )


def ladder(lot: Lot) -> list[tuple[int, Decimal, bool]]:
    """The lot's chain as (participant, amount in millions, automatic)."""
    return [
        (number, amount / M, automatic)
        for number, amount, automatic in Bid.objects.filter(lot=lot)
        .order_by("sequence")
        .values_list("participant_number", "amount", "automatic")
    ]


def assert_chain_intact(lot: Lot) -> None:
    bids = list(Bid.objects.filter(lot=lot).order_by("sequence"))
    assert [b.sequence for b in bids] == list(range(1, len(bids) + 1))
    assert bids[0].prev_hash == GENESIS_HASH
    for before, after in pairwise(bids):
        assert after.prev_hash == before.hash
        assert after.amount > before.amount
    for each in bids:
        assert each.hash == bid_hash(
            prev_hash=each.prev_hash,
            lot_id=lot.pk,
            sequence=each.sequence,
            participant_number=each.participant_number,
            amount=each.amount,
            placed_at=each.placed_at,
        )
    lot.refresh_from_db()
    assert lot.bid_count == len(bids)
    assert lot.last_bid_hash == bids[-1].hash
    assert lot.current_price == bids[-1].amount
    assert lot.leader_id == bids[-1].application_id


@pytest.fixture
def third_bidder(live_lot: Lot) -> AbstractBaseUser:
    return admitted_representative(live_lot, 3, username="altyn", legal_name="Altyn Ore LLP")


# --- Setting a maximum ------------------------------------------------------------------


def test_a_maximum_set_when_not_leading_bids_the_minimum_for_it_at_once(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    outcome = set_max(admitted_bidder, live_lot, "150")
    assert outcome.created
    [placed] = outcome.bids
    assert (placed.participant_number, placed.amount, placed.automatic) == (1, 100 * M, True)
    assert placed.placed_by_id == admitted_bidder.pk
    assert outcome.state is not None
    assert outcome.state["recent_bids"][0]["automatic"] is True
    assert "150000000" not in str(outcome.state)
    assert_chain_intact(live_lot)


def test_a_bid_by_hand_is_answered_one_step_above_for_the_maximum(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, "150")
    outcome = bid(rival_bidder, live_lot, "110")
    # The bidder is told of its own bid; the state after it shows the answer on top.
    assert (outcome.bid.participant_number, outcome.bid.amount) == (2, 110 * M)
    assert not outcome.bid.automatic
    assert ladder(live_lot) == [(1, 100, True), (2, 110, False), (1, 115, True)]
    assert outcome.state is not None
    assert outcome.state["current_price"] == f"{115 * M:.2f}"
    assert outcome.state["leader_number"] == 1
    assert [(b["participant_number"], b["automatic"]) for b in outcome.state["recent_bids"]] == [
        (1, True),
        (2, False),
        (1, True),
    ]
    assert outcome.state["bid_count"] == 3
    assert_chain_intact(live_lot)


def test_the_answer_is_capped_at_the_maximum(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, "150")
    bid(rival_bidder, live_lot, "145")
    assert ladder(live_lot)[-1] == (1, 150, True)
    # At 150 the maximum is spent: a bid above it stands.
    bid(rival_bidder, live_lot, "155")
    assert ladder(live_lot)[-1] == (2, 155, False)
    assert_chain_intact(live_lot)


def test_a_bid_the_maximum_cannot_top_by_a_step_exhausts_it(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, "150")
    bid(rival_bidder, live_lot, "147")
    assert ladder(live_lot) == [(1, 100, True), (2, 147, False)]
    frame = proxy.maximum_frame(user_id=admitted_bidder.pk, lot_id=live_lot.pk)
    assert frame["amount"] == f"{150 * M:.2f}"
    assert frame["active"] is False
    assert "used up" in frame["message"]


def test_the_owner_frame_says_active_while_the_maximum_leads(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    assert proxy.maximum_frame(user_id=admitted_bidder.pk, lot_id=live_lot.pk)["amount"] is None
    set_max(admitted_bidder, live_lot, "150")
    frame = proxy.maximum_frame(user_id=admitted_bidder.pk, lot_id=live_lot.pk)
    assert (frame["type"], frame["lot"], frame["active"]) == ("maximum", live_lot.pk, True)
    # Nobody else's frame shows it.
    assert proxy.maximum_frame(user_id=rival_bidder.pk, lot_id=live_lot.pk)["amount"] is None


# --- Two maxima ---------------------------------------------------------------------------


def test_a_higher_maximum_set_later_bids_the_lower_one_out_in_three_entries(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, "150")
    outcome = set_max(rival_bidder, live_lot, "200")
    # The newcomer bids the minimum, the lower maximum answers in full, the higher one
    # bids a step above it.
    assert [(b.participant_number, b.amount / M) for b in outcome.bids] == [
        (2, 105),
        (1, 150),
        (2, 155),
    ]
    assert all(b.automatic for b in outcome.bids)
    assert outcome.bids[1].placed_by_id == admitted_bidder.pk
    assert outcome.bids[2].placed_by_id == rival_bidder.pk
    assert_chain_intact(live_lot)


def test_a_lower_maximum_set_later_is_bid_in_full_and_topped_by_a_step(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, "200")
    outcome = set_max(rival_bidder, live_lot, "150")
    assert [(b.participant_number, b.amount / M) for b in outcome.bids] == [(2, 150), (1, 155)]
    assert proxy.maximum_frame(user_id=rival_bidder.pk, lot_id=live_lot.pk)["active"] is False
    assert proxy.maximum_frame(user_id=admitted_bidder.pk, lot_id=live_lot.pk)["active"] is True
    assert_chain_intact(live_lot)


def test_equal_maxima_go_to_the_one_set_earlier(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, "150")
    outcome = set_max(rival_bidder, live_lot, "150")
    assert [(b.participant_number, b.amount / M) for b in outcome.bids] == [(2, 145), (1, 150)]
    live_lot.refresh_from_db()
    assert live_lot.current_price == 150 * M
    assert_chain_intact(live_lot)


def test_equal_maxima_go_to_the_earlier_one_whichever_is_leading(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    bid(admitted_bidder, live_lot, "100")
    set_max(rival_bidder, live_lot, "150")  # leads at 105
    outcome = set_max(admitted_bidder, live_lot, "150")
    # Participant 2's maximum was set first: it keeps the lead at its full maximum.
    assert [(b.participant_number, b.amount / M) for b in outcome.bids] == [(1, 145), (2, 150)]
    assert_chain_intact(live_lot)


def test_a_maximum_less_than_a_step_above_the_other_still_wins(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, "150")
    outcome = set_max(rival_bidder, live_lot, "152")
    # The lower maximum is bid as high as the winner can still top by a step.
    assert [(b.participant_number, b.amount / M) for b in outcome.bids] == [
        (2, 105),
        (1, 147),
        (2, 152),
    ]
    assert_chain_intact(live_lot)


def test_a_bid_by_hand_meets_only_the_leaders_maximum(
    admitted_bidder: AbstractBaseUser,
    rival_bidder: AbstractBaseUser,
    third_bidder: AbstractBaseUser,
    live_lot: Lot,
) -> None:
    set_max(admitted_bidder, live_lot, "200")
    set_max(rival_bidder, live_lot, "150")  # 150 by 2, 155 by 1
    outcome = bid(third_bidder, live_lot, "170")
    assert ladder(live_lot)[-2:] == [(3, 170, False), (1, 175, True)]
    assert outcome.state is not None
    assert outcome.state["leader_number"] == 1
    assert_chain_intact(live_lot)


# --- Raising and lowering -------------------------------------------------------------------


def test_a_leader_raises_its_maximum_without_a_bid(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, "150")
    outcome = set_max(admitted_bidder, live_lot, "180")
    assert outcome.created
    assert outcome.bids == ()
    assert outcome.state is None
    assert Maximum.objects.filter(lot=live_lot, is_current=True).get().amount == 180 * M
    assert Maximum.objects.filter(lot=live_lot).count() == 2
    bid(rival_bidder, live_lot, "170")
    assert ladder(live_lot)[-1] == (1, 175, True)


def test_a_maximum_is_never_lowered_below_the_price_its_owner_holds(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    bid(rival_bidder, live_lot, "100")
    set_max(admitted_bidder, live_lot, "150")  # leads at 105
    with pytest.raises(DomainError) as error:
        set_max(admitted_bidder, live_lot, "104")
    assert error.value.code == "maximum_below_price"
    assert "105" in error.value.message
    assert Maximum.objects.get(lot=live_lot, is_current=True).amount == 150 * M
    # Down to the price it holds is allowed.
    assert set_max(admitted_bidder, live_lot, "105").created


def test_a_maximum_below_the_lowest_bid_now_is_too_low(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    bid(rival_bidder, live_lot, "120")
    with pytest.raises(DomainError) as error:
        set_max(admitted_bidder, live_lot, "124")
    assert error.value.code == "too_low"
    assert not Maximum.objects.exists()
    assert_chain_intact(live_lot)


def test_raising_over_a_matched_maximum_lets_it_bid_in_full(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    bid(admitted_bidder, live_lot, "100")
    set_max(admitted_bidder, live_lot, "105")
    # As high, but later: matched, no bid; its owner is told it is used up.
    assert set_max(rival_bidder, live_lot, "105").bids == ()
    assert proxy.maximum_frame(user_id=rival_bidder.pk, lot_id=live_lot.pk)["active"] is False
    outcome = set_max(admitted_bidder, live_lot, "200")
    assert [(b.participant_number, b.amount / M) for b in outcome.bids] == [(2, 105), (1, 110)]
    assert_chain_intact(live_lot)


def test_lowering_to_the_price_lets_a_matched_maximum_take_the_lead(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    bid(admitted_bidder, live_lot, "100")
    set_max(admitted_bidder, live_lot, "105")
    set_max(rival_bidder, live_lot, "105")
    outcome = set_max(admitted_bidder, live_lot, "100")
    assert [(b.participant_number, b.amount / M) for b in outcome.bids] == [(2, 105)]
    assert_chain_intact(live_lot)


# --- Keys, budget, who may ------------------------------------------------------------------


def test_a_repeated_key_returns_the_first_outcome_and_changes_nothing(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    key = str(uuid.uuid4())
    first = set_max(admitted_bidder, live_lot, "150", key=key)
    again = set_max(admitted_bidder, live_lot, "190", key=key)
    assert first.created
    assert not again.created
    assert again.maximum.pk == first.maximum.pk
    assert again.maximum.amount == 150 * M
    assert again.bids == ()
    assert again.state is None
    assert Maximum.objects.count() == 1
    assert Bid.objects.count() == 1
    with pytest.raises(DomainError) as error:
        set_max(rival_bidder, live_lot, "150", key=key)
    assert error.value.code == "malformed"


def test_staff_cannot_set_a_maximum(live_lot: Lot, staff_clerk: AbstractBaseUser) -> None:
    with pytest.raises(DomainError) as error:
        set_max(staff_clerk, live_lot, "150")
    assert error.value.code == "not_admitted"
    assert not Maximum.objects.exists()
    assert not Bid.objects.exists()


def test_a_non_participant_cannot_set_a_maximum(
    non_participant: AbstractBaseUser, live_lot: Lot
) -> None:
    with pytest.raises(DomainError) as error:
        set_max(non_participant, live_lot, "150")
    assert error.value.code == "not_admitted"
    assert not Maximum.objects.exists()


def test_a_maximum_for_a_lot_not_live_is_refused(admitted_bidder: AbstractBaseUser) -> None:
    lot = LotFactory(status=Lot.Status.PUBLISHED)
    with pytest.raises(DomainError) as error:
        set_max(admitted_bidder, lot, "150")
    assert error.value.code == "lot_not_live"
    assert not Maximum.objects.exists()


@pytest.mark.parametrize(
    ("amount", "code"),
    [("abc", "invalid_amount"), ("-5", "invalid_amount"), ("1e9", "invalid_amount")],
)
def test_a_malformed_maximum_is_refused(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, amount: str, code: str
) -> None:
    with pytest.raises(DomainError) as error:
        engine.set_maximum(
            user=admitted_bidder, lot_id=live_lot.pk, amount=amount, key=str(uuid.uuid4())
        )
    assert error.value.code == code
    with pytest.raises(DomainError) as error:
        engine.set_maximum(user=admitted_bidder, lot_id=live_lot.pk, amount="150000000", key="x")
    assert error.value.code == "malformed"


def test_setting_maxima_spends_the_bid_budget(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot, settings: Any
) -> None:
    settings.BID_RATE_LIMIT = "2/m"
    set_max(admitted_bidder, live_lot, "150")
    set_max(admitted_bidder, live_lot, "160")
    with pytest.raises(DomainError) as error:
        bid(admitted_bidder, live_lot, "200")
    assert error.value.code == "rate_limited"
    with pytest.raises(DomainError) as error:
        set_max(admitted_bidder, live_lot, "170")
    assert error.value.code == "rate_limited"


# --- The hot path ---------------------------------------------------------------------------


# On PostgreSQL the last INSERT and the lot's UPDATE are one statement (a data-modifying
# WITH); elsewhere two.
WRITES_IN_ONE = connection.vendor == "postgresql"


def test_a_bid_on_a_lot_without_maxima_costs_three_statements(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    bid(admitted_bidder, live_lot, "100")
    engine._bid_budget_holder(rival_bidder)  # remembered per process, as in a running server
    with CaptureQueriesContext(connection) as captured:
        bid(rival_bidder, live_lot, "105")
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "PREPARE"))
    ]
    # The lock, the insert, the update (the last two as one on PostgreSQL).
    assert len(statements) == (2 if WRITES_IN_ONE else 3), statements
    live_lot.refresh_from_db()
    second = Bid.objects.get(lot=live_lot, sequence=2)
    assert (live_lot.bid_count, live_lot.current_price) == (2, second.amount)
    assert (live_lot.leader_id, live_lot.last_bid_hash) == (second.application_id, second.hash)


def test_a_bid_answered_for_a_maximum_adds_its_owners_check_and_its_insert(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, "150")
    engine._bid_budget_holder(rival_bidder)
    with CaptureQueriesContext(connection) as captured:
        bid(rival_bidder, live_lot, "105")
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "PREPARE"))
    ]
    # The lock, whether the maximum's owner may still bid, two inserts, the update (the
    # last insert and the update as one on PostgreSQL).
    assert len(statements) == (4 if WRITES_IN_ONE else 5), statements
    assert ladder(live_lot)[-1] == (1, 110, True)


def test_a_bid_past_the_leaders_maximum_costs_no_more_than_a_plain_one(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, "150")
    engine._bid_budget_holder(rival_bidder)
    with CaptureQueriesContext(connection) as captured:
        bid(rival_bidder, live_lot, "200")
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "PREPARE"))
    ]
    assert len(statements) == (2 if WRITES_IN_ONE else 3), statements


def test_a_maximum_of_a_company_suspended_since_bids_no_more(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, "150")
    Company.objects.filter(representatives__user=admitted_bidder).update(
        status=Company.Status.SUSPENDED, status_reason="Sanctions screening pending."
    )
    bid(rival_bidder, live_lot, "110")
    assert ladder(live_lot) == [(1, 100, True), (2, 110, False)]
    # Nor against a maximum set after it.
    set_max(rival_bidder, live_lot, "300")
    assert ladder(live_lot) == [(1, 100, True), (2, 110, False)]


def test_a_waiting_maximum_whose_deposit_is_no_longer_received_does_not_take_the_lead(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    bid(admitted_bidder, live_lot, "100")
    set_max(admitted_bidder, live_lot, "105")
    set_max(rival_bidder, live_lot, "105")  # matched: waits
    Payment.objects.filter(
        application__company__representatives__user=rival_bidder,
        kind=Payment.Kind.GUARANTEE_DEPOSIT,
    ).update(status=Payment.Status.AWAITING)
    outcome = set_max(admitted_bidder, live_lot, "100")
    assert outcome.bids == ()
    assert ladder(live_lot) == [(1, 100, False)]


def test_staff_are_never_shown_a_maximum(
    admitted_bidder: AbstractBaseUser, staff_clerk: AbstractBaseUser, live_lot: Lot
) -> None:
    set_max(admitted_bidder, live_lot, "150")
    assert proxy.maximum_frame(user_id=staff_clerk.pk, lot_id=live_lot.pk)["amount"] is None
