"""The REST binding's discovery resources: what the repository holds, by kind, and each value's events.

    GET /epcis                                 the top-level resources
    GET /epcis/{kind}                          the values of a kind (paged), e.g. /epcis/bizSteps
    GET /epcis/{kind}/{value}                  a value's sub-resources: ["events"]
    GET /epcis/{kind}/{value}/events           /epcis/events with that value as one more filter

A value's events are an ordinary query (`query.EventQuery`) with the value as the parameter it
stands for (an event type is `eventType`, an EPC `MATCH_anyEPC`, a business step `EQ_bizStep`, ...),
so every other query parameter, the caller's read scope and paging work there unchanged.

Listings show the caller's part only: an EPC, place or step appears if an event the caller may
read names it (the scope of `/epcis/events`); the standard event types and CBV business steps and
dispositions are listed to everyone, as the binding asks. EPCs are listed as they are indexed: an
item captured as a GS1 Digital Link of a known company prefix is listed by its EPC URN as well.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain.epcis.query import EPC_FIELDS, QueryParameterError
from services.supplychain.epcis.store import CLASS_FIELDS
from services.supplychain.epcis.tables import EpcisEvent, EpcisEventIdentifier
from services.supplychain.epcis.validation import SCHEMA_PATH

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")
# What GET /epcis lists: the resources this repository answers.
TOP_LEVEL = (
    "queries",
    "capture",
    "events",
    "eventTypes",
    "epcs",
    "bizSteps",
    "bizLocations",
    "readPoints",
    "dispositions",
)
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000


@dataclass(frozen=True)
class Kind:
    """One discovery resource: the query parameter a value of it stands for, and where values are."""

    parameter: str
    column: Any = None  # an EpcisEvent column holding the values, or None for the identifier index
    vocabulary: str | None = None  # the JSON Schema definition listing the standard values


KINDS: dict[str, Kind] = {
    "eventTypes": Kind("eventType", EpcisEvent.event_type),
    "epcs": Kind("MATCH_anyEPC"),
    "bizSteps": Kind("EQ_bizStep", EpcisEvent.biz_step, "bizStep"),
    "bizLocations": Kind("EQ_bizLocation", EpcisEvent.biz_location),
    "readPoints": Kind("EQ_readPoint", EpcisEvent.read_point),
    "dispositions": Kind("EQ_disposition", EpcisEvent.disposition, "disposition"),
}
_INSTANCE_FIELDS = tuple(field for field in EPC_FIELDS if field not in CLASS_FIELDS)


@cache
def standard_values(kind: str) -> tuple[str, ...]:
    """The values every repository knows: the five event types, the CBV's steps and dispositions
    (as GS1's own JSON Schema, shipped with the service, enumerates them)."""
    if kind == "eventTypes":
        return EVENT_TYPES
    vocabulary = KINDS[kind].vocabulary
    if vocabulary is None:
        return ()
    definition = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["definitions"][vocabulary]
    return tuple(value for choice in definition["anyOf"] for value in choice.get("enum", ()))


def collection(members: Sequence[str]) -> dict:
    """The binding's Collection document (UriCollection, ResourceCollection, ...)."""
    return {"@context": CONTEXT, "type": "Collection", "member": list(members)}


@dataclass
class ValuePage:
    members: list[str]
    next_page_token: str | None


def _values(kind: str, scope: Sequence[Any], dialect: str) -> tuple[Any, Any]:
    """A SELECT of the distinct values of `kind` in events the scope lets the caller read, and the
    value expression, compared in code-point order on both backends (PostgreSQL's default
    collation would not be the order Python merges the standard values in)."""
    column = KINDS[kind].column
    joined = column is None
    if joined:
        column = col(EpcisEventIdentifier.value)
    value = column.collate("C") if dialect == "postgresql" else column
    statement = select(value).distinct()
    if joined:
        statement = statement.join(EpcisEvent, col(EpcisEvent.id) == col(EpcisEventIdentifier.event_pk)).where(
            col(EpcisEventIdentifier.field).in_(_INSTANCE_FIELDS)
        )
    return statement.where(column.is_not(None), *scope), value


async def list_values(
    session: AsyncSession, kind: str, scope: Sequence[Any], per_page: int, token: str | None
) -> ValuePage:
    """One page of the kind's values in code-point order: the standard ones and those the caller's
    events name; a page ends after `per_page` values, the token says where the next begins."""
    after = decode_token(token) if token is not None else None
    statement, value = _values(kind, scope, session.get_bind().dialect.name)
    if after is not None:
        statement = statement.where(value > after)
    stored = list((await session.execute(statement.order_by(value).limit(per_page + 1))).scalars().all())
    merged = sorted(set(stored) | {known for known in standard_values(kind) if after is None or known > after})
    if len(stored) > per_page:
        # Stored values past the last one read are unknown: only what comes before it is certain.
        merged = [known for known in merged if known <= stored[-1]]
    page = merged[:per_page]
    more = len(merged) > per_page
    return ValuePage(page, encode_token(page[-1]) if more and page else None)


async def is_known(session: AsyncSession, kind: str, value: str, scope: Sequence[Any]) -> bool:
    """Whether `value` is a standard value of the kind or named by an event the caller may read."""
    if value in standard_values(kind):
        return True
    statement, found = _values(kind, scope, session.get_bind().dialect.name)
    condition: ColumnElement[bool] = found == value
    return (await session.execute(statement.where(condition).limit(1))).first() is not None


def encode_token(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_token(token: str) -> str:
    try:
        return base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise QueryParameterError("nextPageToken", "token") from None
