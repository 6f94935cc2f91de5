"""Event contracts: committed JSON Schema snapshots, wire names, and the envelope's wire format.

No I/O beyond reading the snapshot files. When a snapshot test fails, the message says what
to do: a compatible addition means rerunning `python -m shared.events.snapshots`; anything
else means a new contract version.
"""

from __future__ import annotations

import difflib
import json
import re
import types
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin

import jsonschema
import pytest
from pydantic import BaseModel, ValidationError

import shared.events.catalog  # noqa: F401  (registers every contract)
from shared.events import EventEnvelope, all_contracts, contract_for
from shared.events.catalog import STREAMS
from shared.events.registry import CoopRegistered
from shared.events.snapshots import REGENERATE, SCHEMA_DIR, orphans, render, snapshot_name
from tests.support import ENVELOPE_FIELDS

CONTRACTS = all_contracts()
WIRE_NAME = re.compile(r"^(registry|supplychain)\.[a-z_]+$")
ICT = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh
VIETNAMESE = "HTX Chè Tân Hương — Thái Nguyên"


def _id(contract) -> str:
    return f"{contract.event_type}.v{contract.version}"


def test_catalog_registers_contracts_of_both_producers():
    producers = {contract.producer for contract in CONTRACTS}
    assert producers == set(STREAMS) == {"registry", "supplychain"}


# --- snapshots ------------------------------------------------------------------------------


@pytest.mark.parametrize("contract", CONTRACTS, ids=_id)
def test_json_schema_matches_committed_snapshot(contract):
    path = SCHEMA_DIR / snapshot_name(contract)
    if not path.exists():
        pytest.fail(
            f"no JSON Schema snapshot for {_id(contract)}: run `{REGENERATE}` and commit {path.name}", pytrace=False
        )
    committed = path.read_text(encoding="utf-8")
    current = render(contract)
    if json.loads(committed) != json.loads(current):
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                current.splitlines(keepends=True),
                fromfile=f"committed {path.name}",
                tofile="current contract",
            )
        )
        pytest.fail(
            f"contract {contract.__name__} ({_id(contract)}) no longer matches its committed schema.\n"
            f"- A breaking change (field removed, renamed, retyped or made required) needs a new version: "
            f"add {contract.__name__} with version = {contract.version + 1} (keep v{contract.version} and an "
            f"upcaster), then run `{REGENERATE}`.\n"
            f"- A compatible addition (a new optional field, a docstring): run `{REGENERATE}` and commit "
            f"the snapshot with the change.\n\n{diff}",
            pytrace=False,
        )


def test_every_snapshot_belongs_to_a_contract():
    stale = [path.name for path in orphans()]
    assert not stale, (
        f"snapshots without a contract: {stale}. Contracts only grow: restore the contract, or, if it "
        f"was never released, delete the file (`{REGENERATE} --prune`)."
    )


@pytest.mark.parametrize("contract", CONTRACTS, ids=_id)
def test_snapshot_describes_the_payload_on_the_wire(contract):
    """What the envelope carries as `payload` validates against the committed schema."""
    schema = json.loads((SCHEMA_DIR / snapshot_name(contract)).read_text(encoding="utf-8"))
    payload = json.loads(EventEnvelope.wrap(example(contract)).to_fields()["payload"])
    jsonschema.validate(payload, schema)


# --- wire names ------------------------------------------------------------------------------


@pytest.mark.parametrize("contract", CONTRACTS, ids=_id)
def test_event_type_is_an_explicit_wire_name_of_its_producer(contract):
    assert WIRE_NAME.match(contract.event_type), contract.event_type
    assert contract.event_type.split(".")[0] == contract.producer
    assert contract.__name__ not in contract.event_type  # never a class name
    assert isinstance(contract.version, int) and contract.version >= 1
    assert contract_for(contract.event_type, contract.version) is contract
    assert (contract.__doc__ or "").strip(), "every contract says what happened in its docstring"


# --- envelope round trip -------------------------------------------------------------------------


def _coop() -> CoopRegistered:
    return CoopRegistered(
        coop_id=7,
        name=VIETNAMESE,
        form="hop_tac_xa",
        registration_code="TN-0007",
        ward_code="05488",
        founded_on=date(2010, 5, 1),
        status="active",
    )


def test_envelope_round_trips_through_stream_fields_with_vietnamese_intact():
    sent = EventEnvelope.wrap(
        _coop(), occurred_at=datetime(2024, 4, 2, 6, 30, tzinfo=ICT), actor="coop:7:chủ-nhiệm", correlation_id="req-1"
    )
    fields = sent.to_fields()

    assert set(fields) == set(ENVELOPE_FIELDS)
    assert "data" not in fields  # FastStream would read it as its legacy envelope
    assert all(isinstance(value, str) for value in fields.values())
    assert VIETNAMESE in fields["payload"]  # UTF-8 text, not \u escapes
    assert fields["occurred_at"] == "2024-04-02T06:30:00+07:00"

    # As redis-py returns an entry (bytes), and as text.
    as_bytes = {k.encode(): v.encode("utf-8") for k, v in fields.items()}
    for received in (EventEnvelope.from_fields(fields), EventEnvelope.from_fields(as_bytes)):
        assert received == sent
        assert received.contract() == _coop()
        assert received.contract().name == VIETNAMESE
        assert received.occurred_at.utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize("contract", CONTRACTS, ids=_id)
def test_every_contract_round_trips_through_the_envelope(contract):
    event = example(contract)
    fields = EventEnvelope.wrap(event, actor="province:sở-nn").to_fields()
    received = EventEnvelope.from_fields({k.encode(): v.encode() for k, v in fields.items()})
    assert received.event_type == contract.event_type and received.version == contract.version
    assert received.producer == contract.producer
    assert received.contract() == event


def test_envelope_refuses_naive_times_and_unknown_contracts():
    with pytest.raises(ValidationError):
        EventEnvelope.wrap(_coop(), occurred_at=datetime(2024, 4, 2, 6, 30))
    unknown = EventEnvelope.wrap(_coop()).model_copy(update={"version": 99})
    with pytest.raises(LookupError):
        unknown.contract()


def test_contract_refuses_unknown_fields():
    with pytest.raises(ValidationError):
        CoopRegistered.model_validate({**_coop().model_dump(mode="json"), "surprise": 1})


# --- examples built from the contracts' own fields --------------------------------------------


def example(contract: type[BaseModel]) -> Any:
    """An instance with every field set (Vietnamese in every text), built from its annotations.

    Built, not hand-written, so that a field another team adds to a contract is covered
    without editing this file.
    """
    return contract(**{name: _value(field.annotation, name) for name, field in contract.model_fields.items()})


def _value(annotation: Any, name: str) -> Any:
    origin = get_origin(annotation)
    if origin is Literal:
        return get_args(annotation)[0]
    if origin in (Union, types.UnionType):
        options = [arg for arg in get_args(annotation) if arg is not type(None)]
        return _value(options[0], name)
    if origin in (list, set, frozenset, tuple):
        (item, *_) = get_args(annotation) or (str,)
        return origin([_value(item, name)]) if origin is not tuple else (_value(item, name),)
    if annotation is dict or (origin is dict and get_args(annotation)[1] is Any):  # free-form JSON such as GeoJSON
        return {"type": "Point", "coordinates": [105.7798, 21.6223]}
    if origin is dict:
        return {"khóa": _value(get_args(annotation)[1], name)}
    if isinstance(annotation, type):
        if issubclass(annotation, bool):
            return True
        if issubclass(annotation, Enum):
            return next(iter(annotation))
        if issubclass(annotation, int):
            return 1_250_000 if "vnd" in name else 3
        if issubclass(annotation, Decimal):
            return Decimal("12.50")
        if issubclass(annotation, float):
            return 12.5
        if issubclass(annotation, datetime):
            return datetime(2024, 4, 2, 6, 30, tzinfo=ICT)
        if issubclass(annotation, date):
            return date(2024, 4, 2)
        if issubclass(annotation, uuid.UUID):
            return uuid.UUID("12345678-1234-5678-1234-567812345678")
        if issubclass(annotation, str):
            return f"{name}: {VIETNAMESE}"
        if issubclass(annotation, BaseModel):
            return example(annotation)
    raise TypeError(f"example() does not know how to build {annotation!r} (field {name}); teach _value")
