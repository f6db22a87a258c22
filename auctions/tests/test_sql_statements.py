"""Statements compiled once (`core.sql`), on the bid's own tables: the same rows and values
as the ORM on either database, and PostgreSQL's prepared plans surviving reconnects and
rollbacks."""

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import QuerySet

from auctions import engine, selectors
from auctions.models import AuctionEvent, Lot
from auctions.tests.factories import LotFactory
from core import sql

pytestmark = pytest.mark.django_db(transaction=True)


def lots_of_event(*, event_id: int) -> QuerySet[Any, Any]:
    return Lot.objects.filter(event_id=event_id, status=Lot.Status.LIVE).values_list("pk")


def test_a_compiled_queryset_fills_its_slots_and_keeps_its_constants() -> None:
    statement = sql.compiled(lots_of_event, "event_id")
    assert sql.Slot("event_id") in statement.params
    assert Lot.Status.LIVE in statement.params
    assert statement.bind(event_id=7) == [
        7 if p == sql.Slot("event_id") else p for p in statement.params
    ]


def test_a_slot_that_never_reaches_the_sql_is_refused() -> None:
    def ignores_its_slot(*, lot_id: int) -> QuerySet[Any, Any]:
        return Lot.objects.all()

    with pytest.raises(ValueError, match="lot_id"):
        sql.compiled(ignores_its_slot, "lot_id")


def test_converted_columns_are_the_values_the_orm_reads() -> None:
    lot = LotFactory(starting_price=Decimal("123456789012.34"))
    fields = ["starting_price", "starts_at", "soft_close_window", "status"]
    columns = ", ".join(sql.column(Lot, name) for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {sql.table(Lot)} WHERE {sql.column(Lot, 'id')} = %s",  # noqa: S608
            [lot.pk],
        )
        row = cursor.fetchone()
    converted = [
        convert(value) for convert, value in zip(sql.converters(Lot, fields), row, strict=True)
    ]
    assert converted == list(Lot.objects.values_list(*fields).get(pk=lot.pk))
    assert isinstance(converted[0], Decimal)
    assert converted[1].tzinfo is not None


def run_prepared(event_id: int) -> list[tuple[Any, ...]]:
    statement = sql.Compiled(
        f"SELECT {sql.column(Lot, 'id')} FROM {sql.table(Lot)} "  # noqa: S608
        f"WHERE {sql.column(Lot, 'event')} = %s ORDER BY 1",
        (sql.Slot("event_id"),),
        name="nedra_test_lots_of_event",
    )
    with connection.cursor() as cursor:
        statement.execute(cursor, event_id=event_id)
        return list(cursor.fetchall())


def test_a_named_statement_runs_again_after_a_reconnect_and_a_rollback() -> None:
    lot = LotFactory()
    assert run_prepared(lot.event_id) == [(lot.pk,)]
    connection.close()
    assert run_prepared(lot.event_id) == [(lot.pk,)]
    # Prepared first inside a transaction that rolls back: the plan outlives it.
    connection.close()
    with transaction.atomic():
        run_prepared(lot.event_id)
        transaction.set_rollback(True)
    assert run_prepared(lot.event_id) == [(lot.pk,)]
    assert run_prepared(lot.event_id + 1000) == []


def test_the_bids_locked_statement_joins_no_table_its_rules_do_not_read() -> None:
    # Payment's default order goes through its application, lot and event: as the order of
    # the received deposit's subquery it joined and sorted four tables in every bid's lock.
    event = sql.table(AuctionEvent)
    assert event not in str(selectors.participants.bidding_candidate(user_id=1, lot_id=1).query)
    assert event not in engine._prepared().lock.sql
