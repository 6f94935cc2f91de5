"""Helpers for the EPCIS tests: capture, query, the GS1 examples and schema.

The app itself comes from the `supplychain_app_factory` fixture (tests/fixtures/supplychain.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.supplychain.epcis.validation import SCHEMA_PATH
from tests.fixtures.supplychain import supplychain_app
from tests.support import bearer, running_app, unique

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "contract" / "epcis_examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.jsonld"))
JSON_LD = {"Content-Type": "application/ld+json"}


def example(name: str) -> dict:
    return json.loads((EXAMPLES_DIR / name).read_text(encoding="utf-8"))


def epcis_document(events: list[dict], context: list, creation_date: str) -> dict:
    """An EPCISDocument of `events` under `context`."""
    return {
        "@context": context,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": creation_date,
        "epcisBody": {"eventList": events},
    }


def ids_in(events: list[dict], *wanted: dict) -> list[str]:
    """The eventIDs of `wanted` in the order of `events` (capture order, the default order of answers)."""
    chosen = {event["eventID"] for event in wanted}
    return [event["eventID"] for event in events if event["eventID"] in chosen]


async def capture(client: httpx.AsyncClient, document: dict, headers: dict | None = None) -> dict:
    """POST a document, check the 202 + Location, and return the capture job it points to."""
    headers = headers or bearer("province")
    answer = await client.post("/epcis/capture", json=document, headers={**headers, **JSON_LD})
    assert answer.status_code == 202, answer.text
    assert answer.headers["GS1-EPCIS-Version"] == "2.0.0"
    location = answer.headers["Location"]
    assert re.fullmatch(r"/epcis/capture/[0-9a-f-]{36}", location), location
    job = await client.get(location, headers=headers)
    assert job.status_code == 200, job.text
    assert job.json()["running"] is False
    return job.json()


def module_dataset(document: dict, name: str) -> tuple[Any, Any]:
    """The fixtures `backend` (SQLite, then PostgreSQL) and `client` of a module whose tests only read:
    a supplychain app per backend, on a database of its own holding `document`, for the whole module.

        backend, client = module_dataset(DOCUMENT, "epcis-query")
    """

    @pytest.fixture(scope="module", params=["sqlite", "postgresql"])
    def backend(request) -> str:
        return request.param

    @pytest_asyncio.fixture(scope="module", loop_scope="module")
    async def client(backend, database_templates, redis_url, tmp_path_factory) -> AsyncIterator[httpx.AsyncClient]:
        async with database_templates.copies(backend, tmp_path_factory.mktemp(name)) as make_database:
            app = await supplychain_app(make_database, redis_url, unique("test.") + ".")
            async with running_app(app) as client:
                job = await capture(client, document)
                assert job["success"] and job["eventCount"] == len(document["epcisBody"]["eventList"]), job
                yield client

    return backend, client


async def query(client: httpx.AsyncClient, params=None, headers: dict | None = None) -> list[dict]:
    """GET /epcis/events with `params`; the events of the (single) page."""
    answer = await client.get("/epcis/events", params=params, headers=headers or bearer("province"))
    assert answer.status_code == 200, answer.text
    assert "Link" not in answer.headers, "expected a single page"
    document = answer.json()
    assert document["type"] == "EPCISQueryDocument"
    return document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


async def event_ids(client: httpx.AsyncClient, params=None) -> list[str]:
    return [event["eventID"] for event in await query(client, params)]


def gs1_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
