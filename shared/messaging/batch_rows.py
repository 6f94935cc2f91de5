"""Rows a batch's handlers write, sent as multi-row statements once per batch (ADR 0016).

A handler keeps its per-event shape (it says what one event writes), but instead of building an
ORM object per row for the unit of work to flush, it hands plain values to the transaction's
`BatchRows` (`batch_rows(session)`); `apply_batch` sends each table's rows with one multi-row
statement after the batch's handlers ran (`flush_batch_rows`), in the same transaction. Building
SQLModel objects and flushing them row by row was most of a batch's time (issue 12).

Four ways of writing a row. When several events of one batch write the same key, the buffer
merges them so that the statement leaves what applying them one by one in stream order would:
- `add`: a fact appended under a new key; a key already there fails the batch, as an INSERT would.
- `upsert(values, if_new=...)`: `values` set on the row whoever created it, `if_new` only when this
  write creates it (INSERT … ON CONFLICT DO UPDATE of the columns in `values`). A later write of a
  key the batch already wrote sets its `values` on the merged row; its `if_new` no longer applies.
- `replace`: the whole row (defaults for the columns not given) over whatever has its key: an
  upsert of every column.
- `insert_if_absent`: the row unless one with its key exists, the first write winning
  (ON CONFLICT DO NOTHING): an upsert that sets nothing.
A row that is created gets every column: the model's defaults for the ones not given, as an ORM
object would. The tables a batch writes are independent of each other (no foreign keys), so only
the order within one table matters, and the merge keeps it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Table, insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import table_of

_SESSION_KEY = "htx.batch_rows"

Row = dict[str, Any]


@functools.cache
def _defaults(model: type[SQLModel]) -> tuple[Row, tuple[tuple[str, Callable[[], Any]], ...]]:
    """`model`'s default values, and the fields whose default is made per row (a list, a dict)."""
    values, factories = {}, []
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            factories.append((name, info.default_factory))
        elif info.default is not PydanticUndefined:
            values[name] = info.default
    return values, tuple(factories)  # type: ignore[arg-type]


def _complete(model: type[SQLModel], values: Mapping[str, Any]) -> Row:
    """Every column of a new `model` row: `values`, the defaults for the rest."""
    defaults, factories = _defaults(model)
    row = defaults | dict(values)
    for name, factory in factories:
        if name not in row:
            row[name] = factory()
    return row


@dataclass
class _Upsert:
    row: Row  # the row as it would be created: every column
    sets: set[str] = field(default_factory=set)  # the columns written over a row that exists


@dataclass
class BatchRows:
    """The rows one transaction's handlers write, per table, until `flush`."""

    _added: dict[type[SQLModel], list[Row]] = field(default_factory=dict)
    _upserts: dict[type[SQLModel], dict[tuple[Any, ...], _Upsert]] = field(default_factory=dict)

    def add(self, model: type[SQLModel], values: Mapping[str, Any]) -> None:
        """A new `model` row (a fact appended): `values`, the defaults for the rest."""
        self._added.setdefault(model, []).append(_complete(model, values))

    def upsert(self, model: type[SQLModel], values: Mapping[str, Any], *, if_new: Mapping[str, Any] = {}) -> None:
        """`values` (with the key) set on the `model` row, created with `if_new` too if there is none."""
        key_names = _key(model)
        key = tuple(values[name] for name in key_names)
        sets = {name for name in values if name not in key_names}
        rows = self._upserts.setdefault(model, {})
        pending = rows.get(key)
        if pending is None:
            rows[key] = _Upsert(_complete(model, {**if_new, **values}), sets)
        else:  # the batch already writes this row: it exists by the time this event comes
            pending.row.update(values)
            pending.sets |= sets

    def replace(self, model: type[SQLModel], values: Mapping[str, Any]) -> None:
        """The `model` row made of `values` and the defaults, over whatever row has its key
        (what `session.merge` of a new object does)."""
        self.upsert(model, _complete(model, values))

    def insert_if_absent(self, model: type[SQLModel], values: Mapping[str, Any]) -> None:
        """The `model` row unless one with its key exists (or this batch already writes one)."""
        self.upsert(model, {name: values[name] for name in _key(model)}, if_new=values)

    def __bool__(self) -> bool:
        return bool(self._added or self._upserts)

    async def flush(self, session: AsyncSession) -> None:
        """Send every row in multi-row statements, a table at a time, and forget them."""
        added, upserts = self._added, self._upserts
        self._added, self._upserts = {}, {}
        for model, rows in added.items():
            table = table_of(model)
            await session.execute(insert(table), rows)
        if not upserts:
            return
        upsert = dialect_insert(session)
        for model, keyed in upserts.items():
            table = table_of(model)
            by_sets: dict[frozenset[str], list[Row]] = {}
            for pending in keyed.values():
                by_sets.setdefault(frozenset(pending.sets), []).append(pending.row)
            for sets, rows in by_sets.items():
                statement = upsert(table)
                key = list(table.primary_key.columns)
                if sets:
                    statement = statement.on_conflict_do_update(
                        index_elements=key, set_={name: statement.excluded[name] for name in sorted(sets)}
                    )
                else:
                    statement = statement.on_conflict_do_nothing(index_elements=key)
                await session.execute(statement, rows)


@functools.cache
def _key(model: type[SQLModel]) -> tuple[str, ...]:
    table: Table = table_of(model)
    return tuple(column.name for column in table.primary_key.columns)


def dialect_insert(session: AsyncSession) -> Callable[[Table], Any]:
    """The INSERT with ON CONFLICT of the session's database (PostgreSQL's, else SQLite's)."""
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def batch_rows(session: AsyncSession) -> BatchRows:
    """The rows the session's transaction writes at the end of its batch (`flush_batch_rows`)."""
    rows = session.info.get(_SESSION_KEY)
    if rows is None:
        rows = session.info[_SESSION_KEY] = BatchRows()
    return rows


async def flush_batch_rows(session: AsyncSession) -> None:
    """Write what the handlers gave `batch_rows(session)`; nothing when they gave nothing."""
    rows = session.info.get(_SESSION_KEY)
    if rows:
        await rows.flush(session)


def discard_batch_rows(session: AsyncSession) -> None:
    """Forget rows not yet written (their batch failed and is rolled back)."""
    session.info.pop(_SESSION_KEY, None)
