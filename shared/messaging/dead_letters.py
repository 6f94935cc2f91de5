"""Operators' view of dead letters: list, inspect, replay once the cause is fixed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from shared.messaging.connection import RawFields, read_range
from shared.messaging.consumer import DLQ_FIELDS, StreamConsumer, dead_letter_stream

__all__ = ["DLQ_FIELDS", "DeadLetter", "list_dead_letters", "get_dead_letter", "replay_dead_letter"]


@dataclass(frozen=True)
class DeadLetter:
    dlq_id: str
    group: str
    stream: str
    entry_id: str
    deliveries: int
    reason: str
    failed_at: str
    fields: dict[str, str]

    @property
    def event_type(self) -> str:
        return self.fields.get("event_type", "?")

    @property
    def event_id(self) -> str:
        return self.fields.get("event_id", "?")

    def as_dict(self) -> dict[str, Any]:
        return {
            "dlq_id": self.dlq_id,
            "group": self.group,
            "stream": self.stream,
            "entry_id": self.entry_id,
            "deliveries": self.deliveries,
            "reason": self.reason,
            "failed_at": self.failed_at,
            "event_type": self.event_type,
            "event_id": self.event_id,
            "fields": self.fields,
        }


def _text(value: bytes | str) -> str:
    # Lenient: one undecodable dead letter must not break listing all the others.
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value


def _parse(dlq_id: bytes | str, raw: RawFields) -> DeadLetter:
    fields = {_text(k): _text(v) for k, v in raw.items()}
    return DeadLetter(
        dlq_id=_text(dlq_id),
        group=fields.get("dlq_group", ""),
        stream=fields.get("dlq_stream", ""),
        entry_id=fields.get("dlq_entry_id", ""),
        deliveries=int(fields.get("dlq_deliveries", "0") or 0),
        reason=fields.get("dlq_reason", ""),
        failed_at=fields.get("dlq_failed_at", ""),
        fields={k: v for k, v in fields.items() if k not in DLQ_FIELDS},
    )


async def list_dead_letters(redis: aioredis.Redis, stream: str, group: str | None = None) -> list[DeadLetter]:
    entries = await read_range(redis, dead_letter_stream(stream))
    letters = [_parse(entry_id, raw) for entry_id, raw in entries]
    return [letter for letter in letters if group is None or letter.group == group]


async def get_dead_letter(redis: aioredis.Redis, stream: str, dlq_id: str) -> DeadLetter | None:
    entries = await read_range(redis, dead_letter_stream(stream), min=dlq_id, max=dlq_id)
    return _parse(*entries[0]) if entries else None


async def replay_dead_letter(redis: aioredis.Redis, consumer: StreamConsumer, dlq_id: str) -> bool:
    """Apply a dead letter through the consumer's normal path, then remove it.

    The inbox makes this exactly-once: replaying twice, or replaying an event that was
    applied meanwhile, changes nothing. Returns whether the event was applied now.
    An exception (the cause is not fixed yet) leaves the dead letter where it is.
    """
    letter = await get_dead_letter(redis, consumer.stream, dlq_id)
    if letter is None or letter.group != consumer.group:
        raise LookupError(f"no dead letter {dlq_id} for group {consumer.group} on {consumer.stream}")
    applied = await consumer.apply(letter.fields, letter.entry_id)
    await redis.xdel(dead_letter_stream(consumer.stream), dlq_id)
    return applied
