"""The query interface: EPCIS SimpleEventQuery parameters in, an EPCISQueryDocument out.

Parameters follow the REST binding (`GET /events?EQ_bizStep=shipping|receiving&...`): a
list parameter is pipe-delimited and may also be repeated. Supported:

    eventType, GE_eventTime, LT_eventTime, GE_recordTime, LT_recordTime, EQ_action,
    EQ_bizStep, EQ_disposition, EQ_readPoint, EQ_bizLocation, EQ_transformationID,
    EQ_persistentDisposition_set, EQ_persistentDisposition_unset,
    MATCH_epc, MATCH_parentID, MATCH_inputEPC, MATCH_outputEPC, MATCH_anyEPC,
    MATCH_epcClass, MATCH_inputEPCClass, MATCH_outputEPCClass, MATCH_anyEPCClass,
    EQ_eventID, EXISTS_errorDeclaration, GE_errorDeclarationTime, LT_errorDeclarationTime,
    EQ_errorReason, EQ_correctiveEventID, orderBy (eventTime | recordTime), orderDirection,
    eventCountLimit, maxEventCount, perPage, nextPageToken,
    EQ_bizTransaction_<type>, EQ_source_<type>, EQ_destination_<type> (type: CBV word or URI).

Other standard parameters (quantities, sensor filters, WD_* which need master data, EQ_/GT_/
EXISTS_ on extension fields with their INNER_/ILMD_/ERROR_DECLARATION_ prefixes, EQATTR_/
HASATTR_, orderBy on an extension field) are refused with 501 rather than silently ignored; a
name that is no EPCIS parameter at all (a misspelling) is a 400. CBV values and types match
in any spelling ("shipping" = "https://ref.gs1.org/cbv/BizStep-shipping").
MATCH_* values may be EPC pattern URIs (`urn:epc:idpat:sgtin:0614141.107346.*`); any other
URI matches exactly.

Limits (`QueryLimits`, from the settings): at most 500 values per parameter and 100 EPC patterns
per query; beyond, 413 QueryTooComplexException (the binding's answer for a query the repository
will not evaluate), so one request cannot make the database compare every identifier with
thousands of patterns. A partner's query names a few EPCs or a pattern per product; a URL of 500
EPCs (about 18 KB) is already past most proxies' limits.

Pages: keyset pagination on (order key, row id); `nextPageToken` carries the position, so a
page never repeats or skips an event when others are captured meanwhile (unless they sort
before the position).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, and_, cast, exists, func, literal, or_
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain import digital_link
from services.supplychain.epcis.contexts import with_contexts
from services.supplychain.epcis.store import CLASS_FIELDS, INSTANCE_FIELDS
from services.supplychain.epcis.tables import EpcisErrorDeclaration, EpcisEvent, EpcisEventIdentifier
from services.supplychain.epcis.vocabulary import cbv_short, cbv_spellings, is_uri, parse_timestamp
from shared.settings import Settings

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000  # the binding lets a repository cap perPage; larger values are lowered to it
QUERY_NAME = "SimpleEventQuery"
PATTERN = "urn:epc:idpat:"

# Identifier parameters: which indexed fields each one looks at, and whether patterns apply.
IDENTIFIER_PARAMETERS: dict[str, tuple[tuple[str, ...], bool]] = {
    "MATCH_epc": (("epcList", "childEPCs"), True),
    "MATCH_parentID": (("parentID",), True),
    "MATCH_inputEPC": (("inputEPCList",), True),
    "MATCH_outputEPC": (("outputEPCList",), True),
    "MATCH_anyEPC": (("parentID", *INSTANCE_FIELDS), True),
    "MATCH_epcClass": (("quantityList", "childQuantityList"), True),
    "MATCH_inputEPCClass": (("inputQuantityList",), True),
    "MATCH_outputEPCClass": (("outputQuantityList",), True),
    "MATCH_anyEPCClass": (CLASS_FIELDS, True),
    "EQ_transformationID": (("transformationID",), False),
    "EQ_correctiveEventID": (("correctiveEventID",), False),
    "EQ_persistentDisposition_set": (("persistentDisposition.set",), False),
    "EQ_persistentDisposition_unset": (("persistentDisposition.unset",), False),
}
_LIST_PARAMETERS = {
    "eventType",
    "EQ_action",
    "EQ_bizStep",
    "EQ_disposition",
    "EQ_readPoint",
    "EQ_bizLocation",
    "EQ_eventID",
    "EQ_errorReason",
    *IDENTIFIER_PARAMETERS,
}
_TIME_PARAMETERS = {
    "GE_eventTime",
    "LT_eventTime",
    "GE_recordTime",
    "LT_recordTime",
    "GE_errorDeclarationTime",
    "LT_errorDeclarationTime",
}
# Standard parameters this repository does not answer (501 ImplementationException), told apart
# from misspellings (400). From EPCIS 2.0 §8.2.7.1 and GS1's openapi.yaml / query-schema.json.
_UNSUPPORTED_NAMES = {
    *(f"{op}_quantity" for op in ("EQ", "GT", "GE", "LT", "LE")),  # quantities (2.0 deprecates the uom-less form)
    "WD_readPoint",  # WD_ needs master data: a location hierarchy
    "WD_bizLocation",
    # sensor reports
    "GE_time",
    "LT_time",
    "GE_startTime",
    "LT_startTime",
    "GE_endTime",
    "LT_endTime",
    "EQ_type",
    "EQ_deviceID",
    "EQ_dataProcessingMethod",
    "EQ_microorganism",
    "EQ_chemicalSubstance",
    "EQ_bizRules",
    "EQ_stringValue",
    "EQ_hexBinaryValue",
    "EQ_uriValue",
    "EQ_booleanValue",
    "EXISTS_sensorElementList",
    *(f"{op}_percRank" for op in ("EQ", "GT", "GE", "LT", "LE")),
}
# An extension field or attribute name: prefix:name (the query-schema's form) or a whole URI.
_QUALIFIED = r"[A-Za-z][\w.\-]*:\S+"
_UNSUPPORTED_FAMILIES = re.compile(
    r"^(?:"
    # sensor values and quantities per unit of measure: GE_minValue_CEL, LT_quantity_KGM
    r"(?:EQ|GT|GE|LT|LE)_(?:value|minValue|maxValue|meanValue|sDev|percValue|quantity)(?:_[A-Za-z0-9]+)?"
    # extension fields, at top level, in ILMD, in an error declaration, in sensor data, nested (INNER_)
    rf"|(?:EQ|GT|GE|LT|LE|EXISTS)_(?:INNER_)?(?:ILMD_|ERROR_DECLARATION_|SENSORELEMENT_|SENSORMETADATA_|SENSORREPORT_)?{_QUALIFIED}"
    # master-data attributes of the read point or business location, and of vocabulary elements
    rf"|EQ_(?:INNER_)?(?:readPoint|bizLocation)_{_QUALIFIED}"
    r"|(?:EQATTR|EQ_ATTR)_\S+_\S+|HASATTR_\S+"
    r")$"
)
# GS1's query-schema.json spells these two with an underscore; the binding and the standard do not.
_ALIASES = {
    "GE_errorDeclaration_Time": "GE_errorDeclarationTime",
    "LT_errorDeclaration_Time": "LT_errorDeclarationTime",
}
# EQ_bizTransaction_<type>, EQ_source_<type>, EQ_destination_<type> (EPCIS 2.0 §8.2.7.1): the
# event's list, the entry's key holding the value, the CBV vocabulary of the entry's type.
PARTNER_PARAMETERS: dict[str, tuple[str, str, str]] = {
    "bizTransaction": ("bizTransactionList", "bizTransaction", "bizTransactionType"),
    "source": ("sourceList", "source", "sourceDestType"),
    "destination": ("destinationList", "destination", "sourceDestType"),
}
_PARTNER_NAME = re.compile(r"^EQ_(bizTransaction|source|destination)_(.+)$")
_CBV_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_CBV_PARAMETERS = {
    "EQ_bizStep": "bizStep",
    "EQ_disposition": "disposition",
    "EQ_errorReason": "errorReason",
    "EQ_persistentDisposition_set": "disposition",
    "EQ_persistentDisposition_unset": "disposition",
}


class QueryParameterError(ValueError):
    """A parameter this repository cannot accept (400 QueryParameterException).

    `key` names the message in shared.i18n (`epcis.parameter.<problem>`), `values` fill it.
    """

    def __init__(self, name: str, problem: str, **values: object) -> None:
        super().__init__(f"{name}: {problem}")
        self.key = f"epcis.parameter.{problem}"
        self.values = {"name": name, **values}


class UnsupportedParameter(QueryParameterError):
    """A standard parameter (or value) this repository does not implement (501 ImplementationException)."""

    def __init__(self, name: str, problem: str = "unsupported", **values: object) -> None:
        super().__init__(name, problem, **values)


class QueryTooLarge(Exception):
    """More events match than maxEventCount allows (413 QueryTooLargeException)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class QueryTooComplex(Exception):
    """More values or patterns than this repository evaluates in one query (413 QueryTooComplexException).

    `key` names the message (`epcis.too_complex.<problem>`), `values` fill it.
    """

    def __init__(self, problem: str, **values: object) -> None:
        super().__init__(problem, values)
        self.key = f"epcis.too_complex.{problem}"
        self.values = values


@dataclass(frozen=True)
class QueryLimits:
    """How much one query may ask: values per list parameter (pipe-delimited and repeated ones
    together) and EPC pattern URIs in all MATCH_* parameters. Defaults: the settings' defaults."""

    values_per_parameter: int = Settings.model_fields["epcis_max_values_per_parameter"].default
    patterns_per_query: int = Settings.model_fields["epcis_max_patterns_per_query"].default

    @classmethod
    def of(cls, settings: Settings) -> QueryLimits:
        return cls(settings.epcis_max_values_per_parameter, settings.epcis_max_patterns_per_query)

    def check(self, lists: dict[str, list[str]]) -> None:
        for name, values in lists.items():
            if len(values) > self.values_per_parameter:
                raise QueryTooComplex("values", name=name, count=len(values), limit=self.values_per_parameter)
        patterns = sum(
            value.startswith(PATTERN)
            for name, values in lists.items()
            if IDENTIFIER_PARAMETERS.get(name, ((), False))[1]
            for value in values
        )
        if patterns > self.patterns_per_query:
            raise QueryTooComplex("patterns", count=patterns, limit=self.patterns_per_query)


@dataclass
class EventQuery:
    """A parsed SimpleEventQuery."""

    lists: dict[str, list[str]] = field(default_factory=dict)
    times: dict[str, datetime] = field(default_factory=dict)
    exists_error_declaration: bool = False
    order_by: str | None = None
    descending: bool = True
    event_count_limit: int | None = None
    max_event_count: int | None = None
    per_page: int = DEFAULT_PER_PAGE
    page_token: str | None = None
    # Partner parameters in `lists`, by their name with the type bare: name -> (kind, type).
    partners: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def from_parameters(cls, parameters: list[tuple[str, str]], limits: QueryLimits | None = None) -> EventQuery:
        query = cls()
        for given, raw in parameters:
            name = _ALIASES.get(given, given)
            if name in _LIST_PARAMETERS:
                values = _list_values(name, raw)
                if name in _CBV_PARAMETERS:
                    values = [cbv_short(_CBV_PARAMETERS[name], value) for value in values]
                query.lists.setdefault(name, []).extend(values)
            elif name in _TIME_PARAMETERS:
                try:
                    # A '+' left unencoded in a URL arrives as a space: "…T07:00:00 07:00".
                    query.times[name] = parse_timestamp(raw.replace(" ", "+"))
                except ValueError:
                    raise QueryParameterError(name, "timestamp") from None
            elif name == "EXISTS_errorDeclaration":
                query.exists_error_declaration = _boolean(name, raw)
            elif name == "orderBy":
                if re.fullmatch(_QUALIFIED, raw):  # the standard allows ordering by an extension field
                    raise UnsupportedParameter(name, "unsupported_order", value=raw)
                if raw not in ("eventTime", "recordTime"):
                    raise QueryParameterError(name, "choice", choices="eventTime, recordTime")
                query.order_by = raw
            elif name == "orderDirection":
                if raw not in ("ASC", "DESC"):
                    raise QueryParameterError(name, "choice", choices="ASC, DESC")
                query.descending = raw == "DESC"
            elif name in ("eventCountLimit", "maxEventCount", "perPage"):
                number = _positive(name, raw)
                if name == "perPage":
                    query.per_page = min(number, MAX_PER_PAGE)
                elif name == "eventCountLimit":
                    query.event_count_limit = number
                else:
                    query.max_event_count = number
            elif name == "nextPageToken":
                query.page_token = raw
            elif name == "lang":  # the platform's language switch, not an EPCIS parameter
                continue
            elif partner := _PARTNER_NAME.match(name):
                kind, entry_type = partner.groups()
                if not (_CBV_WORD.match(entry_type) or is_uri(entry_type)):
                    raise QueryParameterError(name, "partner_type", kind=kind)
                # Every spelling of one CBV type is one parameter: its values add up (OR), as when repeated.
                entry_type = cbv_short(PARTNER_PARAMETERS[kind][2], entry_type) or entry_type
                same = f"EQ_{kind}_{entry_type}"
                query.partners[same] = (kind, entry_type)
                query.lists.setdefault(same, []).extend(_list_values(name, raw))
            elif name in _UNSUPPORTED_NAMES or _UNSUPPORTED_FAMILIES.match(name):
                raise UnsupportedParameter(name)
            else:
                raise QueryParameterError(name, "unknown")
        (limits or QueryLimits()).check(query.lists)
        for name, value in query.lists.items():
            if name == "EQ_action" and not set(value) <= {"ADD", "OBSERVE", "DELETE"}:
                raise QueryParameterError(name, "choice", choices="ADD, OBSERVE, DELETE")
        if query.event_count_limit is not None and query.max_event_count is not None:
            raise QueryParameterError("eventCountLimit", "exclusive")
        if query.event_count_limit is not None and query.order_by is None:
            raise QueryParameterError("eventCountLimit", "needs_order")
        return query

    def conditions(self) -> list:
        """The SQL conditions on EpcisEvent (and its identifiers / declaration) the filters mean."""
        where = []
        columns = {
            "eventType": EpcisEvent.event_type,
            "EQ_action": EpcisEvent.action,
            "EQ_bizStep": EpcisEvent.biz_step,
            "EQ_disposition": EpcisEvent.disposition,
            "EQ_readPoint": EpcisEvent.read_point,
            "EQ_bizLocation": EpcisEvent.biz_location,
            "EQ_eventID": EpcisEvent.event_id,
        }
        for name, column in columns.items():
            if name in self.lists:
                where.append(col(column).in_(self.lists[name]))
        bounds = {
            "GE_eventTime": (EpcisEvent.event_time, True),
            "LT_eventTime": (EpcisEvent.event_time, False),
            "GE_recordTime": (EpcisEvent.record_time, True),
            "LT_recordTime": (EpcisEvent.record_time, False),
        }
        for name, (time_column, lower) in bounds.items():
            if name in self.times:
                bound = self.times[name]
                where.append(col(time_column) >= bound if lower else col(time_column) < bound)
        for name, (fields, patterns) in IDENTIFIER_PARAMETERS.items():
            if name in self.lists:
                where.append(names_identifier(fields, self.lists[name], patterns))
        for name, (kind, entry_type) in self.partners.items():
            where.append(names_partner(kind, entry_type, self.lists[name]))
        declaration = []
        if "GE_errorDeclarationTime" in self.times:
            declaration.append(col(EpcisErrorDeclaration.declaration_time) >= self.times["GE_errorDeclarationTime"])
        if "LT_errorDeclarationTime" in self.times:
            declaration.append(col(EpcisErrorDeclaration.declaration_time) < self.times["LT_errorDeclarationTime"])
        if "EQ_errorReason" in self.lists:
            declaration.append(col(EpcisErrorDeclaration.reason).in_(self.lists["EQ_errorReason"]))
        if declaration or self.exists_error_declaration:
            where.append(col(EpcisEvent.id).in_(select(EpcisErrorDeclaration.event_pk).where(*declaration)))
        return where

    def order_key(self):
        if self.order_by == "eventTime":
            return EpcisEvent.event_time
        if self.order_by == "recordTime":
            return EpcisEvent.record_time
        return None


def _list_values(name: str, raw: str) -> list[str]:
    values = [value for value in raw.split("|") if value]
    if not values:
        raise QueryParameterError(name, "empty")
    return values


def _boolean(name: str, raw: str) -> bool:
    if raw.lower() in ("true", "1", ""):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise QueryParameterError(name, "boolean")


def _positive(name: str, raw: str) -> int:
    try:
        number = int(raw)
    except ValueError:
        number = 0
    if number < 1:
        raise QueryParameterError(name, "number")
    return number


def names_identifier(fields: tuple[str, ...], values: list[str], patterns: bool):
    """The event has an identifier row in one of `fields` equal to, or matching, one of `values`.

    EPC patterns become prefixes, tested as `substr(value, 1, n) IN (...)` for each prefix length
    n: a few set lookups per identifier row however many patterns there are (one LIKE per pattern
    and per row took seconds for hundreds of patterns, and SQLite refuses a few hundred ORs).
    """
    # Patterns match literally too: quantity lists may name a class by its pattern URI. A GS1 key
    # in either form (EPC URN, Digital Link on any domain) is also looked up in its other forms,
    # one of which every stored GS1 key has a row for (store.identifiers).
    exact = list(values)
    exact += [form for value in values for form in digital_link.query_forms(value)]
    prefixes: dict[int, set[str]] = {}
    likes: list[str] = []
    for value in values:
        if patterns and value.startswith(PATTERN):
            equal, starts, like = _pattern_matches(value)
            exact += equal
            for prefix in starts:
                prefixes.setdefault(len(prefix), set()).add(prefix)
            likes += like
    column = col(EpcisEventIdentifier.value)
    value_matches = [column.in_(exact)]
    value_matches += [func.substr(column, 1, length).in_(sorted(group)) for length, group in sorted(prefixes.items())]
    value_matches += [column.like(like, escape="\\") for like in likes]
    # IN (subquery), not a correlated EXISTS: the planner starts from the value index (exact values).
    return col(EpcisEvent.id).in_(
        select(EpcisEventIdentifier.event_pk).where(col(EpcisEventIdentifier.field).in_(fields), or_(*value_matches))
    )


def names_partner(kind: str, entry_type: str, values: list[str]):
    """The event's bizTransactionList / sourceList / destinationList (`kind`) has an entry of
    `entry_type` (in any of its CBV spellings) whose value is one of `values`.

    Parties are also rows of epcis_event_identifier (field source / destination, for read
    scoping): that index picks the candidate events and the JSON test confirms the type on them.
    Business transactions are not indexed: their test reads each event's JSON list.
    """
    list_key, value_key, vocabulary = PARTNER_PARAMETERS[kind]
    entry = ListEntryMatches(list_key, value_key, cbv_spellings(vocabulary, entry_type), values)
    if kind == "bizTransaction":
        return entry
    indexed = select(EpcisEventIdentifier.event_pk).where(
        EpcisEventIdentifier.field == kind, col(EpcisEventIdentifier.value).in_(values)
    )
    return and_(col(EpcisEvent.id).in_(indexed), entry)


class ListEntryMatches(ColumnElement[bool]):
    """EXISTS an element of the event's JSON list `list_key` whose `type` is one of `types` and
    whose `value_key` is one of `values`. The JSON functions differ per database, so the
    condition is written when the statement is compiled: json_each on SQLite,
    jsonb_array_elements on PostgreSQL, each an EXISTS correlated with epcis_event."""

    type = Boolean()
    inherit_cache = False  # the lists live on the element, outside SQLAlchemy's cache key

    def __init__(self, list_key: str, value_key: str, types: list[str], values: list[str]) -> None:
        self.list_key, self.value_key, self.types, self.values = list_key, value_key, types, values

    def exists_where(self, entries, type_of, value_of):
        return exists(
            select(literal(1))
            .select_from(entries)
            .where(type_of.in_(self.types), value_of.in_(self.values))
            .correlate(EpcisEvent.__table__)
        )


@compiles(ListEntryMatches, "sqlite")
def _entry_matches_sqlite(element: ListEntryMatches, compiler, **kw) -> str:
    body = EpcisEvent.__table__.c.body
    entries = func.json_each(body, f"$.{element.list_key}").table_valued("value").alias()
    type_of = func.json_extract(entries.c.value, "$.type")
    value_of = func.json_extract(entries.c.value, f"$.{element.value_key}")
    return compiler.process(element.exists_where(entries, type_of, value_of), **kw)


@compiles(ListEntryMatches, "postgresql")
def _entry_matches_postgresql(element: ListEntryMatches, compiler, **kw) -> str:
    body = cast(EpcisEvent.__table__.c.body, JSONB)
    entries = func.jsonb_array_elements(body.op("->")(element.list_key)).table_valued("value").alias()
    type_of = entries.c.value.op("->>")("type")
    value_of = entries.c.value.op("->>")(element.value_key)
    return compiler.process(element.exists_where(entries, type_of, value_of), **kw)


def _pattern_matches(pattern: str) -> tuple[list[str], list[str], list[str]]:
    """What an EPC pattern URI matches: (exact values, prefixes, LIKE patterns).

    TDS §8 allows `*` only for the trailing components (`0614141.107346.*`, `0614141.*.*`): those
    are prefixes, the `*`s standing for the rest. A pattern without `*` names exact values; one
    with `*` in the middle (outside the grammar, accepted as before) is a LIKE.
    """
    scheme, _, components = pattern[len(PATTERN) :].partition(":")
    heads = [f"urn:epc:id:{scheme}:", f"{PATTERN}{scheme}:"]
    if scheme == "sgtin":
        heads.append("urn:epc:class:lgtin:")
    parts = components.split(".")
    if "*" not in parts:
        return [head + components for head in heads], [], []
    first = parts.index("*")
    if any(part != "*" for part in parts[first:]):
        return [], [], _pattern_likes(pattern)
    fixed = "".join(f"{part}." for part in parts[:first])
    return [], [head + fixed for head in heads], []


def _pattern_likes(pattern: str) -> list[str]:
    """SQL LIKE patterns for an EPC pattern URI (TDS §8): `*` stands for a whole component.

    `urn:epc:idpat:sgtin:0614141.107346.*` matches the EPCs `urn:epc:id:sgtin:0614141.107346.<serial>`,
    the classes `urn:epc:class:lgtin:0614141.107346.<lot>` and narrower class patterns.
    """
    scheme, _, components = pattern[len("urn:epc:idpat:") :].partition(":")
    escaped = ".".join(
        "%" if part == "*" else part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        for part in components.split(".")
    )
    likes = [f"urn:epc:id:{scheme}:{escaped}", f"urn:epc:idpat:{scheme}:{escaped}"]
    if scheme == "sgtin":
        likes.append(f"urn:epc:class:lgtin:{escaped}")
    return likes


# --- pages ----------------------------------------------------------------------------------


def _encode_token(position: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_token(token: str, query: EventQuery) -> dict:
    try:
        position = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if position["o"] != query.order_by or position["d"] != query.descending:
            raise ValueError("another ordering")
        int(position["i"]), int(position["n"])
        return position
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
        raise QueryParameterError("nextPageToken", "token") from None


@dataclass
class EventPage:
    events: list[dict]
    next_page_token: str | None


async def find_events(session: AsyncSession, query: EventQuery, scope: Sequence[Any] = ()) -> EventPage:
    """One page of the events the query selects among those `scope` lets the caller see, as EPCIS
    JSON-LD, with the next page's token."""
    where = [*query.conditions(), *scope]
    if query.max_event_count is not None:
        total = (await session.exec(select(func.count()).select_from(EpcisEvent).where(*where))).one()
        if total > query.max_event_count:
            raise QueryTooLarge(query.max_event_count)
    key = query.order_key()
    served = 0
    statement = select(EpcisEvent).where(*where)
    if query.page_token is not None:
        position = _decode_token(query.page_token, query)
        served, last_id = position["n"], position["i"]
        statement = statement.where(_after(key, position["v"], last_id, query.descending))
    page_size = query.per_page
    if query.event_count_limit is not None:
        page_size = min(page_size, query.event_count_limit - served)
    if page_size <= 0:
        return EventPage([], None)
    if key is None:
        statement = statement.order_by(col(EpcisEvent.id))
    elif query.descending:
        statement = statement.order_by(col(key).desc(), col(EpcisEvent.id).desc())
    else:
        statement = statement.order_by(col(key), col(EpcisEvent.id))
    rows = list((await session.exec(statement.limit(page_size + 1))).all())
    more = len(rows) > page_size
    rows = rows[:page_size]
    if query.event_count_limit is not None and served + len(rows) >= query.event_count_limit:
        more = False
    token = None
    if more:
        last = rows[-1]
        value = None if key is None else getattr(last, key.key).isoformat()
        token = _encode_token(
            {"o": query.order_by, "d": query.descending, "v": value, "i": last.id, "n": served + len(rows)}
        )
    return EventPage(await as_json_ld(session, rows), token)


def _after(key, value: str | None, last_id: int, descending: bool):
    if key is None:
        return col(EpcisEvent.id) > last_id
    try:
        boundary = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise QueryParameterError("nextPageToken", "token") from None
    if descending:
        return or_(col(key) < boundary, and_(col(key) == boundary, col(EpcisEvent.id) < last_id))
    return or_(col(key) > boundary, and_(col(key) == boundary, col(EpcisEvent.id) > last_id))


async def get_event(session: AsyncSession, event_id: str, scope: Sequence[Any] = ()) -> dict | None:
    row = (await session.exec(select(EpcisEvent).where(EpcisEvent.event_id == event_id, *scope))).first()
    return None if row is None else (await as_json_ld(session, [row]))[0]


EPC_FIELDS = ("parentID", *INSTANCE_FIELDS, *CLASS_FIELDS)


async def events_naming(session: AsyncSession, identifiers: list[str], scope: Sequence[Any] = ()) -> list[dict]:
    """Every event naming one of `identifiers` (as EPC, parent, input, output or class), by eventTime."""
    if not identifiers:
        return []
    rows = (
        await session.exec(
            select(EpcisEvent)
            .where(names_identifier(EPC_FIELDS, identifiers, False), *scope)
            .order_by(col(EpcisEvent.event_time), col(EpcisEvent.id))
        )
    ).all()
    return await as_json_ld(session, list(rows))


# --- JSON-LD out ------------------------------------------------------------------------------


async def as_json_ld(session: AsyncSession, rows: list[EpcisEvent]) -> list[dict]:
    """Stored events as EPCIS JSON-LD: the body as captured, the repository's recordTime, the
    error declaration if any; `_context` holds the extra @context entries (see `document`)."""
    declarations = {}
    if rows:
        found = await session.exec(
            select(EpcisErrorDeclaration).where(col(EpcisErrorDeclaration.event_pk).in_([row.id for row in rows]))
        )
        declarations = {declaration.event_pk: json.loads(declaration.body) for declaration in found}
    events = []
    for row in rows:
        event = json.loads(row.body)
        event["recordTime"] = timestamp(row.record_time)
        if row.id in declarations:
            event["errorDeclaration"] = declarations[row.id]
        if row.context:
            event["_context"] = json.loads(row.context)
        events.append(event)
    return events


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def query_document(events: list[dict]) -> dict:
    """An EPCISQueryDocument (the answer of GET /events) holding `events`."""
    context, ready = with_contexts(events)
    return {
        "@context": context,
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": timestamp(datetime.now(UTC)),
        "epcisBody": {"queryResults": {"queryName": QUERY_NAME, "resultsBody": {"eventList": ready}}},
    }


def epcis_document(events: list[dict], *, document_id: str | None = None) -> dict:
    """An EPCISDocument holding `events` (an export another repository can capture as is)."""
    context, ready = with_contexts(events)
    document = {
        "@context": context,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": timestamp(datetime.now(UTC)),
        "epcisBody": {"eventList": ready},
    }
    if document_id:
        document = {"id": document_id, **document}
    return document
