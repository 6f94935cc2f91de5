"""A producer's published events, kept in its database, so its stream can be trimmed (ADR 0020).

The relay records each outbox row it published with the id Redis gave the entry
(`event_archive`, in the transaction that marks the row published): the outbox rows plus
this table are the durable event log, in stream order. Redis then only needs what some group
may still read:

- `StreamTrimmer` (run by the producer's relay, which owns the stream) removes entries every
  group has acknowledged and older than the retention window, and never past the archive's
  last entry. One Lua script checks the groups and trims, so no group can be created or read
  in between; before trimming it records the bound (`{<stream>}:trimmed-below`).
- `EventSource` reads a stream after an id exactly: from the stream while it still holds
  every later entry, else from the archive up to where the stream takes over. Rebuilds and
  consumer groups created after a trim read through it.

Consumers reach another service's archive through that service's HTTP API
(`GET /events/archive`, province), never its database (`ArchiveClient`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

import httpx
import redis.asyncio as aioredis
from sqlalchemy import exists, insert, select, tuple_
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth import issue_token
from shared.db import table_of
from shared.messaging.connection import RawFields, entry_key, read_range
from shared.messaging.outbox import ArchivedEntry, OutboxMessage

log = logging.getLogger(__name__)

BACKFILL_PAGE = 1000
LARGEST_SEQUENCE = 2**63 - 1  # what the archive's BIGINT holds; Redis never gets near it

# (entry id, fields) in stream order, as the stream or the archive holds them.
ArchivedEntries = list[tuple[str, RawFields]]
# The archive of one stream: the entries after an id (None: from the first), at most `limit`.
ArchivePage = Callable[[str | None, int], Awaitable[ArchivedEntries]]


ARCHIVE = table_of(ArchivedEntry)
OUTBOX = table_of(OutboxMessage)


def following(entry: str) -> tuple[int, int]:
    """The smallest id after `entry`: XTRIM MINID of it keeps everything after `entry`."""
    millis, seq = entry_key(entry)
    return millis, seq + 1


def trim_marker(stream: str) -> str:
    """The key holding the MINID a stream was last trimmed to: everything below is gone.

    The stream's whole name is the key's hash tag, so on Redis Cluster the marker lives in the
    stream's slot and the trim script, which touches both, runs there (no CROSSSLOT)."""
    return f"{{{stream}}}:trimmed-below"


def _legacy_trim_marker(stream: str) -> str:
    """The marker's name before it carried the hash tag (stream retention as first released)."""
    return f"{stream}:trimmed-below"


async def trimmed_below(redis: aioredis.Redis, stream: str) -> tuple[int, int] | None:
    # The legacy name first: the trimmer renames it to the tagged one, so reading in this order
    # never finds neither while a marker exists.
    marker = await redis.get(_legacy_trim_marker(stream))
    if marker is None:
        marker = await redis.get(trim_marker(stream))
    return None if marker is None else entry_key(marker)


async def adopt_legacy_trim_marker(redis: aioredis.Redis, stream: str) -> None:
    """Move a marker written under the untagged name to the tagged one, keeping the later bound."""
    legacy = _legacy_trim_marker(stream)
    if not await redis.exists(legacy):
        return
    if not await redis.renamenx(legacy, trim_marker(stream)):
        # Both exist only if a relay of the old release trimmed after this one: keep the later bound.
        old, new = await redis.get(legacy), await redis.get(trim_marker(stream))
        if old is not None and (new is None or entry_key(old) > entry_key(new)):
            await redis.set(trim_marker(stream), old)
        await redis.delete(legacy)


async def read_archive(session: AsyncSession, stream: str, after: str | None, limit: int) -> ArchivedEntries:
    """Archived entries of `stream` after the id `after`, in stream order, with their fields."""
    position = tuple_(ARCHIVE.c.entry_ms, ARCHIVE.c.entry_seq)
    query = (
        select(ARCHIVE.c.entry_ms, ARCHIVE.c.entry_seq, OUTBOX.c.fields_json)
        .join(OUTBOX, OUTBOX.c.id == ARCHIVE.c.outbox_id)
        .where(ARCHIVE.c.stream == stream)
        .order_by(ARCHIVE.c.entry_ms, ARCHIVE.c.entry_seq)
        .limit(limit)
    )
    if after is not None:
        query = query.where(position > tuple_(*entry_key(after)))
    rows = (await session.execute(query)).all()
    return [(f"{ms}-{seq}", json.loads(fields)) for ms, seq, fields in rows]


# KEYS: stream, its trim marker. ARGV: the candidate MINID (retention window, archive) as
# milliseconds and sequence. Lowers it to every group's first unacknowledged entry (the
# oldest pending one, else the one after its last delivered), then trims if it moved on.
_TRIM = """
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function before(a_ms, a_seq, b_ms, b_seq)
  return a_ms < b_ms or (a_ms == b_ms and a_seq < b_seq)
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, false} end
local ms, seq = tonumber(ARGV[1]), tonumber(ARGV[2])
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local info = {}
  for i = 1, #group, 2 do info[group[i]] = group[i + 1] end
  local g_ms, g_seq
  if tonumber(info['pending']) > 0 then
    g_ms, g_seq = parse(redis.call('XPENDING', KEYS[1], info['name'])[2])
  else
    g_ms, g_seq = parse(info['last-delivered-id'])
    g_seq = g_seq + 1
  end
  if before(g_ms, g_seq, ms, seq) then ms, seq = g_ms, g_seq end
end
local marker = redis.call('GET', KEYS[2])
if marker then
  local m_ms, m_seq = parse(marker)
  if not before(m_ms, m_seq, ms, seq) then return {0, marker} end
end
local bound = string.format('%d-%d', ms, seq)
redis.call('SET', KEYS[2], bound)
return {redis.call('XTRIM', KEYS[1], 'MINID', bound), bound}
"""


class StreamTrimmer:
    """Trims a producer's streams to what a group may still need or the retention window keeps."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        redis: aioredis.Redis,
        streams: Mapping[str, str],
        *,
        retention: timedelta,
        now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self._sessions = sessions
        self._redis = redis
        self._streams = dict(streams)  # outbox name -> Redis name
        self._retention_ms = int(retention.total_seconds() * 1000)
        self._now_ms = now_ms
        self._script = redis.register_script(_TRIM)
        self._archive_complete = False
        self._markers_adopted = False

    async def trim(self) -> dict[str, int]:
        """Trim each stream as far as is safe; the entries removed, per Redis stream name."""
        if not await self._every_published_row_archived():
            return {}
        if not self._markers_adopted:
            for redis_name in self._streams.values():
                await adopt_legacy_trim_marker(self._redis, redis_name)
            self._markers_adopted = True
        removed = {}
        for stream, redis_name in self._streams.items():
            newest = await self._newest_archived(stream)
            if newest is None:
                continue
            after_newest = (newest[0], newest[1] + 1)  # a trim never passes the archive's end
            candidate = min((self._now_ms() - self._retention_ms, 0), after_newest)
            count, bound = await self._script(keys=[redis_name, trim_marker(redis_name)], args=list(candidate))
            removed[redis_name] = int(count)
            if count:
                log.info("trimmed %d entries of %s below %s", count, redis_name, bound.decode())
        return removed

    async def _every_published_row_archived(self) -> bool:
        """Rows published before the archive existed have no entry id yet: they are looked up
        in the stream once (`_backfill`). Until every published row has its entry, the archive
        does not hold the whole history, and nothing is trimmed."""
        if not self._archive_complete:
            if not await self._unarchived_rows():
                self._archive_complete = True
            else:
                for stream, redis_name in self._streams.items():
                    await self._backfill(stream, redis_name)
                self._archive_complete = not await self._unarchived_rows()
                if not self._archive_complete:
                    log.warning(
                        "not trimming: published outbox rows are neither archived nor in the stream (Redis lost them?)"
                    )
        return self._archive_complete

    async def _unarchived_rows(self) -> bool:
        async with self._sessions() as session:
            archived = exists().where(ARCHIVE.c.outbox_id == OUTBOX.c.id)
            unarchived = exists().where(OUTBOX.c.published_at.is_not(None), ~archived)
            return bool((await session.execute(select(unarchived))).scalar())

    async def _backfill(self, stream: str, redis_name: str) -> None:
        """Archive, with their entry ids, the published rows the stream holds and the archive not
        (the first copy of an event published twice)."""
        after, filled = "-", 0
        while page := await read_range(self._redis, redis_name, min=after, count=BACKFILL_PAGE):
            after = f"({_text(page[-1][0])}"
            by_event: dict[str, str] = {}
            for raw_id, fields in page:
                event_id = fields.get(b"event_id", fields.get("event_id"))
                if event_id is not None:
                    by_event.setdefault(_text(event_id), _text(raw_id))
            async with self._sessions() as session, session.begin():
                rows = await session.execute(
                    select(OUTBOX.c.id, OUTBOX.c.event_id).where(
                        OUTBOX.c.event_id.in_(list(by_event)),
                        OUTBOX.c.published_at.is_not(None),
                        ~exists().where(ARCHIVE.c.outbox_id == OUTBOX.c.id),
                    )
                )
                missing = [(outbox_id, entry_key(by_event[event_id])) for outbox_id, event_id in rows.all()]
                if missing:
                    await session.execute(
                        insert(ARCHIVE),
                        [dict(stream=stream, entry_ms=k[0], entry_seq=k[1], outbox_id=o) for o, k in missing],
                    )
            filled += len(missing)
        log.info("archived %d rows published before the archive, from %s", filled, redis_name)

    async def _newest_archived(self, stream: str) -> tuple[int, int] | None:
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(ARCHIVE.c.entry_ms, ARCHIVE.c.entry_seq)
                    .where(ARCHIVE.c.stream == stream)
                    .order_by(ARCHIVE.c.entry_ms.desc(), ARCHIVE.c.entry_seq.desc())
                    .limit(1)
                )
            ).first()
        return None if row is None else (int(row[0]), int(row[1]))


class EventSource:
    """A stream's entries after an id, none missing and none twice, wherever they are now.

    Trimming removes a prefix and records its bound first, and never passes the archive's end,
    so: after an id at or past the bound the stream holds every entry; before it the archive
    does, up to the bound, and the stream the rest. A read is kept only if the bound did not
    move while it ran (else it is read again).
    """

    def __init__(self, redis: aioredis.Redis, stream: str, archive: ArchivePage | None) -> None:
        self._redis = redis
        self.stream = stream
        self._archive = archive

    async def read(self, after: str | None, *, end: str = "+", count: int) -> ArchivedEntries:
        """Up to `count` entries after `after` (None: from the first) and at most `end`."""
        while True:
            bound = await trimmed_below(self._redis, self.stream)
            cursor = (0, 0) if after is None else following(after)
            if bound is None or cursor >= bound:
                page = await self._stream(after, end, count)
            else:
                page = await self._archived_then_stream(after, end, count)
            if await trimmed_below(self._redis, self.stream) == bound:
                return page
            log.info("%s was trimmed during a read after %s; reading again", self.stream, after)

    async def entry(self, entry_id: str) -> RawFields | None:
        """One entry's fields, wherever it is now; None if it is in neither."""
        millis, seq = entry_key(entry_id)
        before = f"{millis}-{seq - 1}" if seq else f"{millis - 1}-{LARGEST_SEQUENCE}"
        page = await self.read(before, end=entry_id, count=1)
        return page[0][1] if page and page[0][0] == entry_id else None

    async def _stream(self, after: str | None, end: str, count: int) -> ArchivedEntries:
        low = "-" if after is None else f"({after}"
        return [
            (_text(raw_id), fields)
            for raw_id, fields in await read_range(self._redis, self.stream, min=low, max=end, count=count)
        ]

    async def _archived_then_stream(self, after: str | None, end: str, count: int) -> ArchivedEntries:
        if self._archive is None:
            raise RuntimeError(f"{self.stream} was trimmed after {after} and no archive is known to read it from")
        archived = await self._archive(after, count)
        within = [entry for entry in archived if end == "+" or entry_key(entry[0]) <= entry_key(end)]
        if len(archived) == count or len(within) < len(archived):
            return within
        # The archive is exhausted: it held every entry below the bound, the stream holds the rest.
        cursor = archived[-1][0] if archived else after
        return within + await self._stream(cursor, end, count - len(within))


class ArchiveClient:
    """Another service's archive of one stream, read through its HTTP API with a short province token."""

    TOKEN_TTL = timedelta(minutes=5)

    def __init__(self, http: Callable[[], httpx.AsyncClient], stream: str, *, secret: str, reader: str) -> None:
        self._http = http  # looked up at each call: the runtime owns (and tests replace) the client
        self._stream = stream
        self._secret = secret
        self._reader = reader

    async def __call__(self, after: str | None, limit: int) -> ArchivedEntries:
        token = issue_token(self._secret, subject=f"{self._reader}-archive-reader", role="province", ttl=self.TOKEN_TTL)
        params: dict[str, Any] = {"stream": self._stream, "limit": limit}
        if after is not None:
            params["after"] = after
        response = await self._http().get(
            "/events/archive", params=params, headers={"Authorization": f"Bearer {token}"}
        )
        response.raise_for_status()
        return [(entry["id"], entry["fields"]) for entry in response.json()["entries"]]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
