"""Typed dispatch of consumed events: handlers get validated contracts, read tolerantly."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from shared.events.envelope import EventEnvelope, upcast
from shared.events.registry import CoopRegistered, InspectionRecorded, InspectionRecordedV1, MemberLeft
from shared.messaging.consumer import ConsumedEvent, EventHandlers

TAN_HUONG = CoopRegistered(
    coop_id=1,
    name="HTX Chè Tân Hương",
    form="hop_tac_xa",
    registration_code="TN-0001",
    ward_code="05488",
    founded_on=date(2009, 4, 15),
    status="active",
)


def _envelope(payload: dict, *, version: int = 1) -> EventEnvelope:
    return EventEnvelope.wrap(TAN_HUONG).model_copy(update={"payload": payload, "version": version})


async def test_handler_receives_the_typed_event_and_after_each_runs_after_it():
    seen: list[tuple[str, object]] = []

    async def on_registered(_session, consumed: ConsumedEvent[CoopRegistered]) -> None:
        seen.append(("handler", consumed.event))

    async def after_each(_session, consumed: ConsumedEvent) -> None:
        seen.append(("after", consumed.entry_id))

    handlers = EventHandlers({CoopRegistered: on_registered}, after_each=after_each)
    await handlers.apply(None, "registry.events", "1-0", EventEnvelope.wrap(TAN_HUONG))

    assert seen == [("handler", TAN_HUONG), ("after", "1-0")]
    assert seen[0][1].name == "HTX Chè Tân Hương"  # diacritics intact
    assert handlers.handles("registry.coop_registered") and not handlers.handles("registry.member_left")


async def test_a_field_the_contract_does_not_know_yet_is_ignored():
    received = []

    async def on_registered(_session, consumed: ConsumedEvent[CoopRegistered]) -> None:
        received.append(consumed.event)

    payload = {**TAN_HUONG.model_dump(mode="json"), "added_in_a_later_version": "ignored"}
    await EventHandlers({CoopRegistered: on_registered}).apply(None, "s", "1-0", _envelope(payload))
    assert received == [TAN_HUONG]


async def test_a_payload_that_breaks_the_contract_or_another_version_raises():
    async def never(_session, _consumed) -> None:
        raise AssertionError("not reached")

    handlers = EventHandlers({CoopRegistered: never})
    with pytest.raises(ValidationError):
        await handlers.apply(None, "s", "1-0", _envelope({"coop_id": "not a number"}))
    with pytest.raises(LookupError, match="v2"):
        await handlers.apply(None, "s", "1-0", _envelope(TAN_HUONG.model_dump(mode="json"), version=2))


def test_two_handlers_for_one_contract_are_refused():
    async def handler(_session, _consumed) -> None: ...

    EventHandlers({CoopRegistered: handler, MemberLeft: handler})  # different contracts: fine
    with pytest.raises(ValueError, match="two handlers"):
        EventHandlers({CoopRegistered: handler, type("Again", (CoopRegistered,), {}): handler})


def test_handlers_including_a_shared_concern_keep_their_hooks():
    """The composition roots add the token-revocation handler with `including`: reporting's
    position hook must survive it, or its stream position would stop advancing."""

    async def on_registered(_session, _consumed) -> None: ...

    async def on_left(_session, _consumed) -> None: ...

    async def after_each(_session, _consumed) -> None: ...

    async def after_batch(_session, _consumed) -> None: ...

    handlers = EventHandlers({CoopRegistered: on_registered}, after_each=after_each, after_batch=after_batch)
    combined = handlers.including({MemberLeft: on_left})
    assert combined.handles(CoopRegistered.event_type) and combined.handles(MemberLeft.event_type)
    assert (combined.after_each, combined.after_batch) == (after_each, after_batch)
    with pytest.raises(ValueError, match="two handlers"):
        handlers.including({CoopRegistered: on_left})


async def test_an_older_version_is_read_through_its_upcaster():
    """`registry.inspection_recorded` v1 said only whether an inspection commended; v2 says how many."""
    received = []

    async def on_inspection(_session, consumed: ConsumedEvent[InspectionRecorded]) -> None:
        received.append(consumed.event)

    handlers = EventHandlers({InspectionRecorded: on_inspection})
    fields = {"inspection_id": 7, "coop_id": 1, "inspected_on": "2025-03-01", "body": "Sở NN", "kind": "định kỳ"}
    for commended in (True, False):
        old = EventEnvelope.wrap(InspectionRecordedV1(**fields, commended=commended))
        assert old.version == 1 and "commended" in old.payload
        await handlers.apply(None, "registry.events", "1-0", old)
    new = EventEnvelope.wrap(InspectionRecorded(**fields, commendations=3))
    assert new.version == 2
    await handlers.apply(None, "registry.events", "2-0", new)
    assert [event.commendations for event in received] == [1, 0, 3]
    assert all(isinstance(event, InspectionRecorded) for event in received)


def test_upcast_chains_steps_and_never_guesses_at_a_newer_version():
    payload = {"inspection_id": 1, "commended": True}
    assert upcast("registry.inspection_recorded", 1, payload, 2) == {"inspection_id": 1, "commendations": 1}
    assert payload == {"inspection_id": 1, "commended": True}  # the entry's own payload is left as it was
    assert upcast("registry.inspection_recorded", 2, {}, 1) is None  # newer than the consumer: no handler
    assert upcast("registry.coop_registered", 1, {}, 2) is None  # no step registered
