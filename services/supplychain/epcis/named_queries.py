"""Named queries (`/epcis/queries`): a party saves a SimpleEventQuery under a name and runs it later.

Each organisation has its own names (the province, a co-op, a buyer: `owner_of`), so one party
never learns another's query, nor collides with its names; everyone at that organisation shares
them. A query is kept as given (the binding's `query` object) and checked when it is saved, by the
same parser `/epcis/events` uses; it runs in the caller's read scope at the time it runs, so a
saved query never reads more than its owner may now.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain.epcis.query import EventQuery, QueryLimits, QueryParameterError
from services.supplychain.epcis.tables import EpcisNamedQuery
from shared.auth import Principal

# Printable, no slash (the name is a path segment), at most 200 characters.
NAME = re.compile(r"^[^/\s][^/]{0,199}$")


class NamedQueryError(ValueError):
    """A query that cannot be saved: `key` is the message, `values` what it names."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


def owner_of(principal: Principal) -> str:
    """The organisation a query belongs to (not the person: colleagues share their queries)."""
    if principal.role == "coop":
        return f"coop:{principal.coop_id}"
    if principal.role == "buyer":
        return f"buyer:{principal.partner_id}"
    return principal.role


def principal_of(owner: str) -> Principal:
    """The reader an owner stands for (`owner_of` backwards): a subscription reads in its owner's scope."""
    role, _, scope = owner.partition(":")
    if role == "coop":
        return Principal(subject="subscription", role="coop", coop_id=int(scope))
    if role == "buyer":
        return Principal(subject="subscription", role="buyer", partner_id=int(scope))
    return Principal(subject="subscription", role="province")


def parameters_of(query: dict[str, Any]) -> list[tuple[str, str]]:
    """The `query` object as query-string parameters: a list is one value each (as if the parameter
    were repeated), a boolean `true`/`false`, a number as written."""
    parameters = []
    for name, value in query.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, bool):
                parameters.append((name, "true" if item else "false"))
            elif isinstance(item, str | int | float):
                parameters.append((name, str(item)))
            else:
                raise NamedQueryError("epcis.query.value", name=name)
    return parameters


def checked(name: object, query: object, limits: QueryLimits) -> tuple[str, dict[str, Any]]:
    """The name and query of a definition, or NamedQueryError / the parser's QueryParameterError
    (UnsupportedParameter for a standard parameter not implemented)."""
    if not isinstance(name, str) or not NAME.match(name):
        raise NamedQueryError("epcis.query.name")
    if not isinstance(query, dict):
        raise NamedQueryError("epcis.query.object")
    parsed = EventQuery.from_parameters(parameters_of(query), limits)
    if parsed.page_token is not None:
        raise QueryParameterError("nextPageToken", "not_saved")
    return name, query


def _named(principal: Principal, name: str) -> tuple[Any, Any]:
    """The caller's organisation's query called `name`: the rows a read or a delete looks at."""
    return col(EpcisNamedQuery.owner) == owner_of(principal), col(EpcisNamedQuery.name) == name


async def save(session: AsyncSession, principal: Principal, name: str, query: dict[str, Any]) -> bool:
    """Save the query under the caller's organisation; False if it has one by that name already."""
    try:
        async with session.begin_nested():
            session.add(
                EpcisNamedQuery(
                    owner=owner_of(principal),
                    name=name,
                    query_json=json.dumps(query, ensure_ascii=False),
                    created_by=principal.actor,
                )
            )
            await session.flush()
    except IntegrityError:
        return False
    return True


async def find(session: AsyncSession, principal: Principal, name: str) -> dict[str, Any] | None:
    """The caller's organisation's query by that name, as the binding shows it; None if it has none."""
    row = (await session.execute(select(EpcisNamedQuery.query_json).where(*_named(principal, name)))).scalar()
    return None if row is None else {"name": name, "query": json.loads(row)}


async def id_of(session: AsyncSession, principal: Principal, name: str) -> int | None:
    """The row id of the caller's organisation's query by that name (subscriptions hang on it)."""
    statement = select(EpcisNamedQuery.id).where(*_named(principal, name))
    return (await session.execute(statement)).scalar()


async def listed(session: AsyncSession, principal: Principal, per_page: int, after: str | None) -> list[dict]:
    """The caller's organisation's queries by name, `per_page` + 1 of them (the last says there are more)."""
    statement = select(EpcisNamedQuery.name, EpcisNamedQuery.query_json).where(
        col(EpcisNamedQuery.owner) == owner_of(principal)
    )
    if after is not None:
        statement = statement.where(col(EpcisNamedQuery.name) > after)
    rows = (await session.execute(statement.order_by(col(EpcisNamedQuery.name)).limit(per_page + 1))).all()
    return [{"name": name, "query": json.loads(query)} for name, query in rows]


async def remove(session: AsyncSession, principal: Principal, name: str) -> bool:
    result = await session.execute(delete(EpcisNamedQuery).where(*_named(principal, name)))
    return bool(result.rowcount)
