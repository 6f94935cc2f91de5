"""Helpers for the registry quality tests: co-ops, members, geometries, stream events."""

from __future__ import annotations

import json

import httpx

from tests.support import bearer, unique

PROVINCE = bearer()
POINT = {"type": "Point", "coordinates": [105.745312, 21.601234]}
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[105.745, 21.601], [105.747, 21.601], [105.747, 21.603], [105.745, 21.603], [105.745, 21.601]]],
}


async def new_coop(client: httpx.AsyncClient, **fields) -> dict:
    body = {
        "name": "HTX Chè Tân Hương",
        "registration_code": unique("TN-"),
        "ward_code": "05488",
        "founded_on": "2010-05-01",
        **fields,
    }
    response = await client.post("/coops", json=body, headers=PROVINCE)
    assert response.status_code == 201, response.text
    return response.json()


async def new_member(client: httpx.AsyncClient, coop_id: int, **fields) -> dict:
    body = {"name": "Đỗ Thị Hằng", "joined_on": "2015-03-01", **fields}
    response = await client.post(f"/coops/{coop_id}/members", json=body, headers=PROVINCE)
    assert response.status_code == 201, response.text
    return response.json()


async def stream_events(redis, stream_prefix: str) -> list[tuple[str, dict]]:
    """(event_type, payload) of every entry on the test's registry stream, in order."""
    entries = await redis.xrange(f"{stream_prefix}registry.events")
    return [(fields[b"event_type"].decode(), json.loads(fields[b"payload"])) for _, fields in entries]


async def events_of(redis, stream_prefix: str, event_type: str) -> list[dict]:
    return [payload for kind, payload in await stream_events(redis, stream_prefix) if kind == event_type]
