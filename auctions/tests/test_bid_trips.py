"""A bid on PostgreSQL is two round trips (`sql.transaction_in_trips`): BEGIN goes with the
lock, COMMIT with the write. What psycopg2 would have sent alone must still happen, in the
same order, and whatever a bid leaves open (a refusal, a failed write) must be rolled back,
so that the connection serves the next bid."""

import dataclasses
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from auctions import consumers, engine
from auctions.models import Bid, Lot
from core import sql
from core.errors import DomainError

START = Decimal("100000000.00")  # LotFactory's starting price

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trip is PostgreSQL's; elsewhere atomic()"
)


def bid(user: AbstractBaseUser, lot: Lot, amount: Decimal = START) -> engine.BidOutcome:
    return engine.place_bid(user=user, lot_id=lot.pk, amount=amount, key=str(uuid.uuid4()))


def stored(lot: Lot) -> tuple[Any, ...]:
    """The lot and its bids as another connection sees them: only what was committed."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(
                f"SELECT bid_count, current_price, version FROM {sql.table(Lot)} WHERE id = %s",  # noqa: S608
                [lot.pk],
            )
            row = cursor.fetchone()
            cursor.execute(f"SELECT count(*) FROM {sql.table(Bid)} WHERE lot_id = %s", [lot.pk])  # noqa: S608
            return (*row, cursor.fetchone()[0])
    finally:
        other.close()


def server_idle() -> bool:
    return not sql.in_server_transaction(connection)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_accepted_bid_begins_with_its_lock_and_commits_with_its_write(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    bid(admitted_bidder, live_lot)  # the statements prepared
    engine._bid_budget_holder(rival_bidder)  # and the rival's company remembered
    with CaptureQueriesContext(connection) as captured:
        outcome = bid(rival_bidder, live_lot, START + live_lot.bid_step)
    assert outcome.created
    statements = [query["sql"] for query in captured.captured_queries]
    assert len(statements) == 2
    assert statements[0].startswith("BEGIN; EXECUTE nedra_bid_lock")
    assert statements[1].startswith("EXECUTE nedra_bid_insert_update")
    assert statements[1].endswith("; COMMIT")
    assert server_idle()
    # Committed: another connection sees it, and the bid returned is the row stored.
    assert stored(live_lot) == (2, START + live_lot.bid_step, 2, 2)
    row = Bid.objects.get(pk=outcome.bid.pk)
    for field in Bid._meta.concrete_fields:
        assert getattr(outcome.bid, field.attname) == getattr(row, field.attname), field.name
    assert not outcome.bid._state.adding


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_refused_bid_leaves_no_transaction_open(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    bid(admitted_bidder, live_lot)
    before = stored(live_lot)
    with CaptureQueriesContext(connection) as captured, pytest.raises(DomainError) as error:
        bid(admitted_bidder, live_lot, START + live_lot.bid_step)
    assert error.value.code == "already_leading"
    statements = [query["sql"] for query in captured.captured_queries]
    assert statements[0].startswith("BEGIN; EXECUTE nedra_bid_lock")
    assert statements[1:] == ["ROLLBACK"]
    assert server_idle()
    assert stored(live_lot) == before
    # The connection serves the next bid as if nothing happened.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_write_that_fails_is_rolled_back_and_the_next_bid_is_placed(
    admitted_bidder: AbstractBaseUser,
    rival_bidder: AbstractBaseUser,
    live_lot: Lot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = bid(admitted_bidder, live_lot)
    before = stored(live_lot)
    real_lock = engine._lock_lot

    def taking_a_used_id(**kwargs: Any) -> Any:
        locked = real_lock(**kwargs)
        # The id of a bid already stored: the INSERT fails on the primary key, after the
        # lock and before the COMMIT that travels with it.
        return locked and dataclasses.replace(locked, next_bid_id=first.bid.pk)

    monkeypatch.setattr(engine, "_lock_lot", taking_a_used_id)
    with pytest.raises(IntegrityError):
        bid(rival_bidder, live_lot, START + live_lot.bid_step)
    assert server_idle()
    assert stored(live_lot) == before
    monkeypatch.undo()
    outcome = bid(rival_bidder, live_lot, START + live_lot.bid_step)
    assert outcome.created
    assert stored(live_lot) == (2, START + live_lot.bid_step, 2, 2)


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_of_its_own_a_bid_is_part_of_it(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    """A caller's atomic block (tests, a management command) gets Django's own transaction:
    no BEGIN or COMMIT of the bid's, and the caller's rollback takes the bid too."""
    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            assert bid(admitted_bidder, live_lot).created
        assert not any(
            "BEGIN" in query["sql"] or "COMMIT" in query["sql"]
            for query in captured.captured_queries
        )
        transaction.set_rollback(True)
    live_lot.refresh_from_db()
    assert (live_lot.bid_count, Bid.objects.filter(lot=live_lot).count()) == (0, 0)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_sockets_thread_closes_a_connection_left_in_a_transaction() -> None:
    """Its safety net: psycopg2 (autocommit) and Django know nothing of a trip's BEGIN."""
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
    assert connection.get_autocommit()
    assert not server_idle()
    consumers._close_if_broken()
    assert connection.connection is None


def test_a_stored_instance_needs_every_column() -> None:
    with pytest.raises(ValueError, match="hash"):
        sql.stored_instance(
            Bid,
            {field.attname: None for field in Bid._meta.concrete_fields if field.attname != "hash"},
        )
