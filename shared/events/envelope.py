"""The event envelope and its wire format on a Redis stream.

A stream entry is a flat map of ASCII field names to UTF-8 string values, readable by any
Redis client (`XRANGE registry.events - +`):

    event_id        UUID chosen by the producer; the dedupe key for every consumer
    event_type      wire name, e.g. "registry.coop_registered" (never a class name)
    version         contract version, an integer as text
    occurred_at     ISO 8601 with offset: when it happened in the world
    recorded_at     ISO 8601 with offset: when the producer recorded it
    producer        "registry" | "supplychain"
    correlation_id  ties together the events of one request
    actor           who did it, e.g. "coop:12" or "province:so-nn"
    payload         the contract's fields as a JSON object (Vietnamese kept as UTF-8)

No field is named `data`: FastStream would read such an entry as its own legacy envelope
and drop every other field.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

_CONTRACTS: dict[tuple[str, int], type[Event]] = {}
# (event_type, version) -> the payload of that version rewritten as the next version's.
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


class Event(BaseModel):
    """Base of every contract: a fact in the past tense with a stable wire name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    version: ClassVar[int] = 1
    producer: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "event_type" in cls.__dict__:
            key = (cls.event_type, cls.version)
            if key in _CONTRACTS and _CONTRACTS[key] is not cls:
                raise TypeError(f"two contracts claim {key}")
            _CONTRACTS[key] = cls


def contract_for(event_type: str, version: int) -> type[Event] | None:
    return _CONTRACTS.get((event_type, version))


def upcaster(contract: type[Event]) -> Callable[[Upcaster], Upcaster]:
    """Register the function that turns a payload of `contract` (an old version) into one of the
    next version; consumers chain them up to the version they handle (`upcast`)."""

    def register(function: Upcaster) -> Upcaster:
        key = (contract.event_type, contract.version)
        if key in _UPCASTERS:
            raise TypeError(f"two upcasters from {key}")
        _UPCASTERS[key] = function
        return function

    return register


def upcast(event_type: str, version: int, payload: dict[str, Any], to_version: int) -> dict[str, Any] | None:
    """`payload` of `version` as `to_version` reads it, through each registered step; None when a step is missing
    (or `version` is newer than `to_version`: an old consumer never guesses at a newer producer's payload)."""
    while version < to_version:
        step = _UPCASTERS.get((event_type, version))
        if step is None:
            return None
        payload, version = step(dict(payload)), version + 1
    return payload if version == to_version else None


def all_contracts() -> list[type[Event]]:
    return sorted(_CONTRACTS.values(), key=lambda c: (c.event_type, c.version))


def _now() -> datetime:
    return datetime.now(UTC)


class EventEnvelope(BaseModel):
    """What travels on a stream: metadata plus the contract's payload."""

    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    event_type: str
    version: int = 1
    occurred_at: AwareDatetime
    recorded_at: AwareDatetime = Field(default_factory=_now)
    producer: str
    correlation_id: str = ""
    actor: str = ""
    payload: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        occurred_at: datetime | None = None,
        actor: str = "",
        correlation_id: str = "",
    ) -> Self:
        return cls(
            event_type=event.event_type,
            version=event.version,
            occurred_at=occurred_at or _now(),
            producer=event.producer,
            actor=actor,
            correlation_id=correlation_id,
            payload=event.model_dump(mode="json"),
        )

    def to_fields(self) -> dict[str, str]:
        """The stream entry: plain string fields, payload as JSON text."""
        return {
            "event_id": str(self.event_id),
            "event_type": self.event_type,
            "version": str(self.version),
            "occurred_at": self.occurred_at.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "producer": self.producer,
            "correlation_id": self.correlation_id,
            "actor": self.actor,
            "payload": json.dumps(self.payload, ensure_ascii=False, separators=(",", ":")),
        }

    @classmethod
    def from_fields(cls, fields: Mapping[Any, Any]) -> Self:
        """Parse a stream entry, as given by redis-py or by FastStream."""
        text = {
            (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
            for k, v in fields.items()
        }
        payload = text.get("payload", "{}")
        return cls.model_validate({**text, "payload": json.loads(payload) if isinstance(payload, str) else payload})

    def contract(self) -> Event:
        """The typed event, validated against its contract."""
        model = contract_for(self.event_type, self.version)
        if model is None:
            raise LookupError(f"no contract for {self.event_type} v{self.version}")
        return model.model_validate(self.payload)
