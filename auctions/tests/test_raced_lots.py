"""A bid below the lowest bid now never takes the lot's lock, and on a lot raced on (most
bids refused) it is refused on one plain read, outside any transaction: same codes, same
order, same answer to a repeated key as under the lock."""

import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auctions import engine
from auctions.models import Bid, Lot
from auctions.tests.factories import LiveLotFactory, admit
from bidders.tests.factories import RepresentativeFactory
from core.errors import DomainError

pytestmark = pytest.mark.django_db

START = Decimal("100000000.00")
STEP = Decimal("5000000.00")


def bid(
    user: AbstractBaseUser, lot: Lot, amount: object, key: str | None = None
) -> engine.BidOutcome:
    return engine.place_bid(user=user, lot_id=lot.pk, amount=amount, key=key or str(uuid.uuid4()))


def refused(user: AbstractBaseUser, lot: Lot, amount: object, key: str | None = None) -> str:
    with pytest.raises(DomainError) as error:
        bid(user, lot, amount, key)
    return error.value.code


def statements_of(user: AbstractBaseUser, lot: Lot, amount: object) -> tuple[str, list[str]]:
    """Place a bid; return its outcome's code and the SQL it ran."""
    engine._bid_budget_holder(user)  # remembered per process, as in a running server
    with CaptureQueriesContext(connection) as captured:
        try:
            bid(user, lot, amount)
            code = "accepted"
        except DomainError as error:
            code = error.code
    return code, [
        query["sql"]
        for query in captured.captured_queries
        # Savepoints aside, and a statement prepared (once per connection) aside.
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO", "PREPARE"))
    ]


def test_a_bid_below_the_lowest_on_a_raced_lot_is_refused_on_one_read_without_a_lock(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    bid(admitted_bidder, live_lot, START)
    engine._RACES.outbid(live_lot.pk)
    code, statements = statements_of(rival_bidder, live_lot, START)
    assert code == "too_low"
    assert len(statements) == 1, statements
    assert "FOR UPDATE" not in statements[0]
    assert "nedra_bid_lock" not in statements[0]


def test_a_lot_is_raced_on_only_just_after_a_bid_on_it_was_outbid(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    bid(admitted_bidder, live_lot, START)
    with engine._RACES.bidding(live_lot.pk) as raced:
        assert not raced
    assert refused(rival_bidder, live_lot, START) == "too_low"
    with engine._RACES.bidding(live_lot.pk) as raced:
        assert raced
        # A second bid of the process on the lot at the same time races it too.
        with engine._RACES.bidding(live_lot.pk) as also:
            assert also
    assert engine._RACES.running == {}


def test_a_bid_below_the_lowest_on_a_quiet_lot_takes_no_lock_either(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    """The locked read finds no row below the lowest bid (nothing locked, nor waited for
    once the lock's holder commits); the refusal comes from the plain read after it."""
    bid(admitted_bidder, live_lot, START)
    engine._RACES.outbid_at.clear()
    code, statements = statements_of(rival_bidder, live_lot, START)
    assert code == "too_low"
    assert len(statements) == 2, statements
    if connection.vendor == "postgresql":
        assert statements[0].startswith("EXECUTE nedra_bid_lock(")
        assert statements[1].startswith("EXECUTE nedra_bid_read(")


def test_a_good_bid_on_a_raced_lot_is_placed_under_the_lock(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    bid(admitted_bidder, live_lot, START)
    engine._RACES.outbid(live_lot.pk)
    code, statements = statements_of(rival_bidder, live_lot, START + STEP)
    assert code == "accepted"
    # The plain read, then the bid's own three: the lock, the insert and the update.
    assert len(statements) == 4, statements
    live_lot.refresh_from_db()
    assert (live_lot.bid_count, live_lot.current_price, live_lot.version) == (2, START + STEP, 2)
    assert list(Bid.objects.filter(lot=live_lot).values_list("sequence", flat=True)) == [1, 2]


def test_a_raced_lot_gives_the_refusals_in_their_order(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    first = str(uuid.uuid4())
    bid(admitted_bidder, live_lot, START, first)
    bid(rival_bidder, live_lot, START + STEP)
    engine._RACES.outbid(live_lot.pk)
    # A repeated key gets its bid back, however far the price moved since.
    again = bid(admitted_bidder, live_lot, START, first)
    assert (again.created, again.bid.sequence) == (False, 1)
    # Another user's key is no key of theirs.
    assert refused(rival_bidder, live_lot, START, first) == "malformed"
    # The leader is told it leads, whatever the amount.
    assert refused(rival_bidder, live_lot, "1.00") == "already_leading"
    # A company not admitted is told so, not that its amount is low.
    outsider = RepresentativeFactory().user
    assert refused(outsider, live_lot, "1.00") == "not_admitted"
    # No such lot.
    assert refused(admitted_bidder, Lot(pk=live_lot.pk + 10_000), "1.00") == "lot_not_found"
    # A lot that ended tells everyone so first.
    Lot.objects.filter(pk=live_lot.pk).update(
        ends_at=timezone.now() - timezone.timedelta(seconds=1)
    )
    assert refused(admitted_bidder, live_lot, "1.00") == "lot_not_live"
    assert Bid.objects.filter(lot=live_lot).count() == 2


def test_a_raced_lot_of_another_lot_changes_nothing_here(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    other = LiveLotFactory()
    admit(rival_bidder.representative.company, other, 1)
    engine._RACES.outbid(other.pk)
    bid(admitted_bidder, live_lot, START)
    code, statements = statements_of(rival_bidder, live_lot, START + STEP)
    assert code == "accepted"
    assert len(statements) == 3, statements
