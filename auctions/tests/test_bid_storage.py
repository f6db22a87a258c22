"""The storage under a bid's writes on PostgreSQL (migration 0018): a bid's UPDATE of its
lot can be a HOT update (no index on what it changes), and the foreign keys still hold."""

import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection

from auctions import engine
from auctions.models import Lot

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's storage"),
]


def one(sql: str, *params: object) -> object:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else row[0]


def indexed_columns(table: str) -> set[tuple[str, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(a.attname ORDER BY k.ordinality) FROM pg_index i "
            "JOIN pg_class t ON t.oid = i.indrelid "
            "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ordinality) "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
            "WHERE t.relname = %s GROUP BY i.indexrelid",
            [table],
        )
        return {tuple(columns) for (columns,) in cursor.fetchall()}


def test_nothing_a_bid_changes_in_its_lot_is_indexed() -> None:
    changed = {"current_price", "leader_id", "bid_count", "last_bid_hash", "version"}
    indexed = {column for columns in indexed_columns("auctions_lot") for column in columns}
    assert not changed & indexed
    assert one("SELECT reloptions FROM pg_class WHERE relname = 'auctions_lot'") == [
        "fillfactor=50"
    ]


def test_a_bids_lot_is_found_through_the_unique_indexes_that_lead_with_it() -> None:
    columns = indexed_columns("auctions_bid")
    assert ("lot_id",) not in columns
    assert {("lot_id", "sequence"), ("lot_id", "key")} <= columns


def test_the_foreign_keys_without_their_indexes_still_hold() -> None:
    for table, column in (("auctions_lot", "leader_id"), ("auctions_bid", "lot_id")):
        assert (
            one(
                "SELECT count(*) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY (c.conkey) "
                "WHERE c.contype = 'f' AND t.relname = %s AND a.attname = %s",
                table,
                column,
            )
            == 1
        ), (table, column)


# The lot table's updates made in place in this transaction (the test's).
HOT_UPDATES = "SELECT n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'auctions_lot'"


def test_a_bid_updates_its_lot_in_place(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    before = one(
        "SELECT n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'auctions_lot'"
    )
    step = live_lot.bid_step
    for number, bidder in enumerate([admitted_bidder, rival_bidder] * 3):
        engine.place_bid(
            user=bidder,
            lot_id=live_lot.pk,
            amount=live_lot.starting_price + number * step,
            key=uuid.uuid4(),
        )
    after = one(HOT_UPDATES)
    # Each bid's UPDATE changed the leader, the price and the chain's head, in place.
    assert (after or 0) - (before or 0) >= 6
    live_lot.refresh_from_db()
    assert live_lot.bid_count == 6
    assert live_lot.current_price == live_lot.starting_price + 5 * step
    assert isinstance(live_lot.current_price, Decimal)
