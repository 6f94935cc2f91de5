"""The EPCIS store as the co-op chain uses it: `save_epcis_event` / `declare_epcis_error` inside
the caller's transaction, and the documents built from what was stored. Both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import jsonschema
import pytest
from sqlalchemy import func
from sqlmodel import select

from services.supplychain.epcis import query as querying
from services.supplychain.epcis.store import AlreadyDeclared, InvalidEpcisEvent, declare_epcis_error, save_epcis_event
from services.supplychain.epcis.tables import EpcisErrorDeclaration, EpcisEvent, EpcisEventIdentifier
from services.supplychain.epcis.validation import EPCIS_CONTEXT
from shared.db import create_engine, session_factory
from tests.integration._epcis import gs1_schema

SCHEMA = jsonschema.Draft7Validator(gs1_schema())
HTX = {"htx": "https://htx.example.vn/epcis/"}
LOT = "urn:htx:TN-0001:lot:TH-1-20250510-1"


def harvest(**fields) -> dict:
    return {
        "type": "ObjectEvent",
        "action": "ADD",
        "bizStep": "commissioning",
        "eventTime": "2025-05-10T07:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "quantityList": [{"epcClass": LOT, "quantity": 85.5, "uom": "KGM"}],
        "ilmd": {"htx:harvestRound": 1, "htx:plot": "VT-19-05488-001"},
        **fields,
    }


@pytest.fixture
async def sessions(database_url_factory):
    engine = create_engine(await database_url_factory("supplychain"))
    yield session_factory(engine)
    await engine.dispose()


async def _count(sessions, model) -> int:
    async with sessions() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def test_event_is_stored_with_the_callers_commit_only(sessions):
    async with sessions() as session:
        event_id = await save_epcis_event(session, harvest(), context=HTX)
        assert event_id.startswith("urn:uuid:")
        await session.rollback()
    assert await _count(sessions, EpcisEvent) == 0
    assert await _count(sessions, EpcisEventIdentifier) == 0
    async with sessions() as session:
        event_id = await save_epcis_event(
            session, harvest(eventID="urn:uuid:6f0f2c1e-1d7e-4c55-8c1a-0b5e7d9a0001"), context=HTX
        )
        await session.commit()
    assert event_id == "urn:uuid:6f0f2c1e-1d7e-4c55-8c1a-0b5e7d9a0001"
    async with sessions() as session:
        stored = await querying.get_event(session, event_id)
    assert stored["ilmd"] == {"htx:harvestRound": 1, "htx:plot": "VT-19-05488-001"}
    assert stored["quantityList"] == [{"epcClass": LOT, "quantity": 85.5, "uom": "KGM"}]


async def test_invalid_event_is_refused_before_anything_is_written(sessions):
    async with sessions() as session:
        with pytest.raises(InvalidEpcisEvent) as refused:
            await save_epcis_event(session, harvest(action="HARVEST"))
        assert any("HARVEST" in error for error in refused.value.errors)
        with pytest.raises(InvalidEpcisEvent):
            await save_epcis_event(session, {k: v for k, v in harvest().items() if k != "eventTimeZoneOffset"})
        await session.commit()
    assert await _count(sessions, EpcisEvent) == 0


async def test_export_declares_the_prefixes_and_validates(sessions):
    other = {"htx": "https://elsewhere.example.com/ns/"}  # same prefix, another namespace
    async with sessions() as session:
        first = await save_epcis_event(session, harvest(), context=HTX)
        second = await save_epcis_event(
            session, harvest(quantityList=[{"epcClass": LOT, "quantity": 2}]), context=[other]
        )
        await session.commit()
        events = await querying.events_naming(session, [LOT])
    document = querying.epcis_document(events, document_id="urn:htx:export:1")
    assert not list(SCHEMA.iter_errors(document))
    # Two meanings of one prefix: each event keeps its own, and the document's names neither.
    assert document["@context"] == [EPCIS_CONTEXT]
    exported = {event["eventID"]: event for event in document["epcisBody"]["eventList"]}
    assert exported[first]["@context"] == [HTX]
    assert exported[second]["@context"] == [other]


async def test_declare_error_once_and_find_it(sessions):
    async with sessions() as session:
        wrong = await save_epcis_event(session, harvest(), context=HTX)
        corrective = await save_epcis_event(session, harvest(quantityList=[{"epcClass": LOT, "quantity": 58.5}]))
        with pytest.raises(LookupError):
            await declare_epcis_error(
                session, "urn:uuid:00000000-0000-4000-8000-000000000000", declaration_time=datetime.now(UTC)
            )
        declared_at = datetime(2025, 5, 11, 9, 0, tzinfo=timezone(timedelta(hours=7)))
        await declare_epcis_error(
            session,
            wrong,
            declaration_time=declared_at,
            reason="incorrect_data",
            corrective_event_ids=[corrective],
            extensions={"htx:explanation": "cân sai"},
        )
        with pytest.raises(AlreadyDeclared):
            await declare_epcis_error(session, wrong, declaration_time=declared_at)
        await session.commit()
        query = querying.EventQuery.from_parameters(
            [("EQ_errorReason", "https://ref.gs1.org/cbv/ER-incorrect_data"), ("EQ_correctiveEventID", corrective)]
        )
        page = await querying.find_events(session, query)
    [event] = page.events
    assert event["eventID"] == wrong
    assert event["errorDeclaration"] == {
        "declarationTime": "2025-05-11T09:00:00+07:00",
        "reason": "incorrect_data",
        "correctiveEventIDs": [corrective],
        "htx:explanation": "cân sai",
    }
    assert not list(SCHEMA.iter_errors(querying.query_document(page.events)))


async def test_repeating_an_event_with_error_declaration_declares_it(sessions):
    """What the chain does for a correction: the wrong event again, same eventID, plus errorDeclaration."""
    async with sessions() as session:
        original = harvest(eventID="urn:uuid:6f0f2c1e-1d7e-4c55-8c1a-0b5e7d9a0002")
        await save_epcis_event(session, original, context=HTX)
        declaration = {"declarationTime": "2025-05-12T08:00:00+07:00", "reason": "did_not_occur"}
        returned = await save_epcis_event(session, {**original, "errorDeclaration": declaration}, context=HTX)
        with pytest.raises(AlreadyDeclared):
            await save_epcis_event(session, {**original, "errorDeclaration": declaration})
        await session.commit()
        stored = await querying.get_event(session, returned)
    assert returned == original["eventID"]
    assert stored["errorDeclaration"] == declaration
    assert await _count(sessions, EpcisEvent) == 1
    assert await _count(sessions, EpcisErrorDeclaration) == 1
