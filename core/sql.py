"""Plain SQL for the few hot paths where building and compiling a queryset costs more than
running it (the bid: bench/RESULTS.md), with the ORM's own compilation and conversions.

A rule stays written once, as a queryset: `compiled` turns it into SQL once per process and
database, with named slots for the values that change per call; `converters` gives the
ORM's own conversions of a model's columns (SQLite returns times as text and money as
floats; the ORM's converters make them the same `datetime` and `Decimal` as PostgreSQL's).
"""

import functools
import logging
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connections, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model, QuerySet
from django.db.models.base import ModelState

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=Model)

# Stand-ins for the slots while the queryset compiles: integers no id ever reaches, each
# found again by value among the compiled parameters.
_SLOT_BASE = -(2**62)


@dataclass(frozen=True)
class Slot:
    """A parameter of a compiled statement filled per call."""

    name: str


@dataclass(frozen=True)
class Compiled:
    """A statement compiled once: its SQL, and its parameters, constants or slots.

    Given a name, PostgreSQL plans it once per connection (`PREPARE`) and each call runs
    the plan (`EXECUTE`): the bid's locked read took longer to plan than to run.
    """

    sql: str
    params: tuple[object, ...]
    name: str = ""

    def bind(self, **values: object) -> list[Any]:
        """Return the statement's parameters with each slot filled from `values`."""
        return [values[param.name] if isinstance(param, Slot) else param for param in self.params]

    def execute(self, cursor: CursorWrapper, **values: object) -> None:
        """Run the statement with its slots filled from `values` (prepared ones by name)."""
        self.run(cursor, values)

    def run(
        self, cursor: CursorWrapper, values: dict[str, Any], *, before: str = "", after: str = ""
    ) -> None:
        """`execute`, sent to the server in one round trip with the fixed statements `before`
        and `after` it (`Trip`'s BEGIN and COMMIT). The cursor holds the last one's rows: this
        statement's only with nothing after it."""
        connection = cursor.db
        if not self.name or connection.vendor != "postgresql":
            cursor.execute(_framed(before, self.sql, after), self.bind(**values))
            return
        slots, call = self._call
        prepared = _prepared_names.setdefault(connection.connection, set())
        if self.name not in prepared:
            # Constants inlined as literals (PostgreSQL could not always infer their types as
            # parameters), slots as $1, $2, ... by name.
            from psycopg2.extensions import AsIs  # type: ignore[import-untyped]

            numbered = {name: AsIs(f"${index}") for index, name in enumerate(slots, start=1)}
            literals: list[Any] = [
                numbered[param.name] if isinstance(param, Slot) else param for param in self.params
            ]
            body = cursor.cursor.mogrify(self.sql, literals).decode()
            cursor.execute(f"PREPARE {self.name} AS {body}")
            prepared.add(self.name)
        arguments: list[Any] = [values[name] for name in slots]
        cursor.execute(_framed(before, call, after), arguments)

    @functools.cached_property
    def _call(self) -> tuple[list[str], str]:
        """The slots in the order of their numbers, and the EXECUTE that passes them."""
        slots = list(dict.fromkeys(param.name for param in self.params if isinstance(param, Slot)))
        return slots, f"EXECUTE {self.name}({', '.join(['%s'] * len(slots))})"


class Trip:
    """A transaction whose BEGIN travels with its first statement and whose COMMIT with its
    last, each in the same round trip (`Compiled.run`): two round trips fewer than psycopg2's
    own, which sends each alone (bench/RESULTS.md). Made by `transaction_in_trips`."""

    __slots__ = ("begun",)

    def __init__(self) -> None:
        self.begun = False

    def begin(self) -> str:
        """Return BEGIN for the first statement of the transaction; nothing after it."""
        if self.begun:
            return ""
        self.begun = True
        return "BEGIN"

    def commit(self) -> str:
        """Return COMMIT for the last statement: nothing runs in the transaction after it."""
        if not self.begun:
            raise RuntimeError("No transaction to commit.")
        return "COMMIT"


@contextmanager
def transaction_in_trips(using: str = "default") -> Iterator[Trip | None]:
    """Run the block in one transaction; yield a `Trip` whose BEGIN and COMMIT the block's
    own statements carry, where they can: on PostgreSQL, with the connection in autocommit
    and in no atomic block (psycopg2 then sends nothing of its own). Elsewhere yield None
    inside `transaction.atomic()`, which sends them.

    With a Trip, the block's first statement must be run with `begin()` and its last write
    with `commit()`. Whatever the block left open (it only read, or a statement failed) is
    rolled back here, as the server reports it: a failed write skips the COMMIT after it.
    Django knows nothing of the transaction: `transaction.on_commit` runs its function at
    once, so the block registers them only after its commit; and the block never opens
    `transaction.atomic()`, whose COMMIT would end the trip's transaction early.
    """
    connection = connections[using]
    if (
        connection.vendor != "postgresql"
        or connection.in_atomic_block
        or not connection.get_autocommit()
    ):
        with transaction.atomic(using=using):
            yield None
        return
    trip = Trip()
    try:
        yield trip
    finally:
        if trip.begun and in_server_transaction(connection):
            _roll_back(connection)


def in_server_transaction(connection: Any) -> bool:
    """Whether the PostgreSQL server has a transaction open on the connection, which Django
    may not know of (a `Trip`'s); False for other databases and closed connections."""
    raw = connection.connection
    if connection.vendor != "postgresql" or raw is None or raw.closed:
        return False
    from psycopg2.extensions import TRANSACTION_STATUS_IDLE

    return bool(raw.get_transaction_status() != TRANSACTION_STATUS_IDLE)


def _roll_back(connection: Any) -> None:
    """End the trip's transaction; a connection that cannot is closed (the server then
    rolls it back itself)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("ROLLBACK")
    except Exception:
        logger.exception("A transaction could not be rolled back; its connection is closed")
        connection.close()


def _framed(before: str, statement: str, after: str) -> str:
    return "; ".join(part for part in (before, statement, after) if part)


# The statements prepared on each open PostgreSQL connection: a new connection has none.
_prepared_names: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


_compiled: dict[tuple[Callable[..., QuerySet[Any]], str], Compiled] = {}


def compiled(build: Callable[..., QuerySet[Any]], *slots: str, using: str = "default") -> Compiled:
    """Return the SQL of `build(**slots)`, compiled once per process and database.

    `build` takes each slot as an integer keyword argument (an id) and returns the
    queryset; every slot must reach the SQL as a parameter of its own, unchanged.
    """
    key = (build, using)
    found = _compiled.get(key)
    if found is None:
        stand_ins = {name: _SLOT_BASE + index for index, name in enumerate(slots)}
        by_value = {value: Slot(name) for name, value in stand_ins.items()}
        queryset = build(**stand_ins)
        sql, params = queryset.query.get_compiler(using=using).as_sql()
        bound = tuple(by_value.get(param, param) for param in params)
        missing = set(slots) - {param.name for param in bound if isinstance(param, Slot)}
        if missing:
            raise ValueError(f"Slots {sorted(missing)} did not reach the SQL as parameters.")
        found = _compiled[key] = Compiled(sql=sql, params=bound)
    return found


Converter = Callable[[object], object]


def converters(
    model: type[Model], fields: Sequence[str], *, using: str = "default"
) -> list[Converter]:
    """Return, per field of the model, a function turning the column's raw value into the
    value the ORM would give (times aware, money `Decimal`, durations `timedelta`)."""
    connection = connections[using]
    result: list[Converter] = []
    for name in fields:
        column = model_field(model, name).get_col(model._meta.db_table)
        steps = connection.ops.get_db_converters(column) + column.get_db_converters(connection)

        def convert(value: object, steps: list[Any] = steps, column: Any = column) -> object:
            for step in steps:
                value = step(value, column, connection)
            return value

        result.append(convert if steps else _unchanged)
    return result


def _unchanged(value: object) -> object:
    return value


def column(model: type[Model], field: str, *, alias: str = "", using: str = "default") -> str:
    """Return the quoted column of a model's field, optionally qualified by a table alias."""
    quote = connections[using].ops.quote_name
    name = quote(str(model_field(model, field).column))
    return f"{quote(alias)}.{name}" if alias else name


def db_values(
    model: type[Model], values: Sequence[tuple[str, object]], *, using: str = "default"
) -> list[Any]:
    """Return each (field, value) of the model as the ORM would send it to the database
    when saving (UUIDs as the backend stores them, times in UTC, money as decimals)."""
    connection = connections[using]
    return [model_field(model, name).get_db_prep_save(value, connection) for name, value in values]


def stored_instance(model: type[M], values: dict[str, Any], *, using: str = "default") -> M:
    """Return the instance of a row just written with `values`, by attname and one for each
    of the model's columns: what reading it back would give, built without the per-field
    work of `Model.__init__` (2% of a web process's time in the 50 lots' profile), and
    without its signals."""
    if values.keys() != _attnames(model):
        missing = sorted(_attnames(model) ^ values.keys())
        raise ValueError(f"{model.__name__}: give exactly every column; not {missing}.")
    instance = model.__new__(model)
    instance.__dict__.update(values)
    instance._state = ModelState()
    instance._state.adding = False
    instance._state.db = using
    return instance


@functools.cache
def _attnames(model: type[Model]) -> frozenset[str]:
    return frozenset(field.attname for field in model._meta.concrete_fields)


def model_field(model: type[Model], name: str) -> "Field[Any, Any]":
    """Return a concrete field of the model (not a reverse relation)."""
    found = model._meta.get_field(name)
    if not isinstance(found, Field):
        raise TypeError(f"{model.__name__}.{name} is not a column.")
    return found


def table(model: type[Model], *, using: str = "default") -> str:
    """Return the quoted table of a model."""
    return connections[using].ops.quote_name(model._meta.db_table)
