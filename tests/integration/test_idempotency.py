"""Writes that survive retries: `Idempotency-Key` on every service's writes, and the sale's natural key.

A clerk whose connection drops after Save cannot know whether the harvest was recorded; retrying with
the same key must give back the lot that was made, never a second one. Both backends, real Redis.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import select

from services.supplychain.epcis.tables import EpcisCapture
from services.supplychain.tables import Lot, Sale
from shared.clock import utcnow
from shared.idempotency import IdempotencyRecord, purge_expired
from shared.messaging.outbox import OutboxMessage
from tests.integration._epcis import JSON_LD, example
from tests.integration._supplychain import count, seed_replica
from tests.support import bearer, running_app

COOP = bearer("coop", coop_id=1)
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _harvest(**fields) -> dict:
    return {
        "coop_id": 1,
        "member_id": 10,
        "quantity_kg": "100",
        "harvested_on": "2025-06-01",
        "harvest_round": 1,
        **fields,
    }


def _sale(lot: str, invoice: str = "HD-0001", kg: str = "10") -> dict:
    return {
        "coop_id": 1,
        "lot_code": lot,
        "buyer_name": "Công ty TNHH Trà Thái Nguyên",
        "quantity": kg,
        "unit_price_vnd": 15_000,
        "sold_on": "2025-06-02",
        "invoice_number": invoice,
    }


async def test_a_retried_harvest_answers_the_first_lot_and_records_one(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await seed_replica(redis, stream_prefix)
        key = _key()
        first = await client.post("/harvests", json=_harvest(), headers={**COOP, **key})
        events = await count(app, OutboxMessage)
        # The same body with its keys in another order and other spacing is the same request.
        retried = await client.post(
            "/harvests",
            content=b'{"harvest_round": 1, "harvested_on": "2025-06-01", "quantity_kg": "100",'
            b' "member_id": 10, "coop_id": 1}',
            headers={**COOP, **key, "Content-Type": "application/json"},
        )

        assert first.status_code == retried.status_code == 201
        assert retried.json() == first.json()
        assert retried.headers["Idempotent-Replayed"] == "true"
        assert "Idempotent-Replayed" not in first.headers
        assert await count(app, Lot) == 1
        assert await count(app, OutboxMessage) == events
        another = await client.post("/harvests", json=_harvest(), headers={**COOP, **_key()})
        assert another.status_code == 201 and another.json()["code"] != first.json()["code"]
        assert await count(app, Lot) == 2


async def test_the_same_key_with_another_body_is_refused_in_the_callers_language(
    supplychain_app_factory, redis, stream_prefix
):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await seed_replica(redis, stream_prefix)
        key = _key()
        assert (await client.post("/harvests", json=_harvest(), headers={**COOP, **key})).status_code == 201

        vietnamese = await client.post("/harvests", json=_harvest(quantity_kg="90"), headers={**COOP, **key})
        english = await client.post(
            "/harvests", json=_harvest(quantity_kg="90"), headers={**COOP, **key, "Accept-Language": "en"}
        )
        elsewhere = await client.post("/purchases", json=_harvest(), headers={**COOP, **key})

        assert vietnamese.status_code == english.status_code == elsewhere.status_code == 422
        assert vietnamese.json()["detail"]["code"] == "idempotency.key_reused"
        assert "khoá mới" in vietnamese.json()["detail"]["message"]
        assert "new key" in english.json()["detail"]["message"]
        assert await count(app, Lot) == 1


async def test_keys_belong_to_their_caller(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await seed_replica(redis, stream_prefix)
        key = _key()
        by_coop = await client.post("/harvests", json=_harvest(), headers={**COOP, **key})
        by_province = await client.post("/harvests", json=_harvest(), headers={**bearer(), **key})
        assert by_coop.status_code == by_province.status_code == 201
        assert "Idempotent-Replayed" not in by_province.headers
        assert await count(app, Lot) == 2


async def test_ten_identical_requests_at_once_make_one_lot(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await seed_replica(redis, stream_prefix)
        key = _key()
        answers = await asyncio.gather(
            *(client.post("/harvests", json=_harvest(), headers={**COOP, **key}) for _ in range(10))
        )
        assert [answer.status_code for answer in answers] == [201] * 10, [a.text for a in answers if a.is_error]
        assert {answer.json()["code"] for answer in answers} == {answers[0].json()["code"]}
        assert Counter(answer.headers.get("Idempotent-Replayed") for answer in answers) == {None: 1, "true": 9}
        assert await count(app, Lot) == 1


async def test_a_retry_sent_while_the_first_sale_is_still_running_is_answered_the_same(
    supplychain_app_factory, redis, stream_prefix
):
    """The first attempt has not answered yet when the phone retries: the retry waits for it, and never
    meets the first one's invoice (409 sale.invoiced_twice) or lot code (409 lot.duplicate)."""
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await seed_replica(redis, stream_prefix)
        harvest_key, sale_key = _key(), _key()
        harvests = await asyncio.gather(
            *(
                client.post("/harvests", json=_harvest(lot_code="TH-RETRY"), headers={**COOP, **harvest_key})
                for _ in range(5)
            )
        )
        assert [answer.status_code for answer in harvests] == [201] * 5, [a.text for a in harvests if a.is_error]
        sales = await asyncio.gather(
            *(client.post("/sales", json=_sale("TH-RETRY"), headers={**COOP, **sale_key}) for _ in range(5))
        )
        assert [answer.status_code for answer in sales] == [201] * 5, [a.text for a in sales if a.is_error]
        assert {answer.json()["event_id"] for answer in sales} == {sales[0].json()["event_id"]}
        assert await count(app, Sale) == 1 and await count(app, Lot) == 1


async def test_a_refused_write_is_not_remembered_so_its_retry_can_pass(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await seed_replica(redis, stream_prefix)
        lot = (await client.post("/harvests", json=_harvest(lot_code="TH-A", quantity_kg="5"), headers=COOP)).json()
        key = _key()
        refused = await client.post("/sales", json=_sale(lot["code"]), headers={**COOP, **key})
        assert refused.status_code == 409 and refused.json()["detail"]["code"] == "lot.insufficient"
        assert await count(app, IdempotencyRecord) == 0

        smaller = await client.post("/sales", json=_sale(lot["code"], kg="5"), headers={**COOP, **key})
        assert smaller.status_code == 201, smaller.text
        assert await count(app, Sale) == 1


async def test_a_retried_batch_applies_once(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await seed_replica(redis, stream_prefix)
        batch = {"commands": [{"type": "harvest", **_harvest(quantity_kg=str(n))} for n in (10, 20, 30)]}
        key = _key()
        answers = [await client.post("/batch", json=batch, headers={**COOP, **key}) for _ in range(3)]
        assert [answer.status_code for answer in answers] == [201] * 3
        assert answers[2].json() == answers[0].json()
        assert await count(app, Lot) == 3


async def test_a_retried_epcis_capture_names_the_same_job(supplychain_app_factory):
    app = await supplychain_app_factory()
    document = example("Example_9.6.1-ObjectEvent.jsonld")
    async with running_app(app) as client:
        headers = {**bearer(), **JSON_LD, **_key()}
        first = await client.post("/epcis/capture", json=document, headers=headers)
        retried = await client.post("/epcis/capture", json=document, headers=headers)
        assert first.status_code == retried.status_code == 202
        assert retried.headers["Location"] == first.headers["Location"]
        assert retried.headers["Idempotent-Replayed"] == "true"
        assert await count(app, EpcisCapture) == 1
        job = (await client.get(first.headers["Location"], headers=bearer())).json()
        assert job["success"] is True  # the first capture's job, not a "duplicate eventID" failure

        reused = await client.post(
            "/epcis/capture", json={**document, "creationDate": "2026-01-01T00:00:00Z"}, headers=headers
        )
        assert reused.status_code == 422
        assert reused.headers["content-type"].startswith("application/problem+json")


async def test_a_malformed_key_is_refused_before_anything_is_written(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await seed_replica(redis, stream_prefix)
        for bad in ("two words", "x" * 256, "khoá"):
            answer = await client.post("/harvests", json=_harvest(), headers={**COOP, "Idempotency-Key": bad.encode()})
            assert answer.status_code == 400, bad
            assert answer.json()["detail"]["code"] == "idempotency.key_invalid"
        quoted = await client.post("/harvests", json=_harvest(), headers={**COOP, "Idempotency-Key": '"abc-1"'})
        bare = await client.post("/harvests", json=_harvest(), headers={**COOP, "Idempotency-Key": "abc-1"})
        assert bare.headers["Idempotent-Replayed"] == "true" and bare.json() == quoted.json()
        assert await count(app, Lot) == 1


async def test_without_a_token_a_key_changes_nothing(supplychain_app_factory):
    async with running_app(await supplychain_app_factory()) as client:
        answer = await client.post("/harvests", json=_harvest(), headers=_key())
        assert answer.status_code == 401


async def test_the_same_sale_twice_without_a_key_is_refused_by_its_invoice(
    supplychain_app_factory, redis, stream_prefix
):
    """A sale's natural key: one line per lot on a co-op's invoice; other lots may share the invoice."""
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await seed_replica(redis, stream_prefix)
        for code in ("TH-A", "TH-B"):
            await client.post("/harvests", json=_harvest(lot_code=code), headers=COOP)
        sold = await client.post("/sales", json=_sale("TH-A"), headers=COOP)
        twice = await client.post("/sales", json=_sale("TH-A"), headers=COOP)
        other_lot = await client.post("/sales", json=_sale("TH-B"), headers=COOP)

        assert sold.status_code == 201 and other_lot.status_code == 201
        assert twice.status_code == 409
        assert twice.json()["detail"]["code"] == "sale.invoiced_twice"
        assert twice.json()["detail"]["params"]["event_id"] == sold.json()["event_id"]
        assert (await client.get("/lots/TH-A", headers=bearer())).json()["quantity"] == "90.000"

        # Declared wrong and entered again under the same invoice: the corrected sale is the live one.
        corrected = await client.post(
            "/corrections",
            json={"event_id": sold.json()["event_id"], "corrective": {"type": "sale", **_sale("TH-A", kg="12")}},
            headers=COOP,
        )
        assert corrected.status_code == 201, corrected.text
        assert (await client.get("/lots/TH-A", headers=bearer())).json()["quantity"] == "88.000"


async def test_registry_writes_and_uploads_replay(registry_app_factory):
    app = await registry_app_factory()
    coop = {
        "name": "HTX Chè Tân Hương",
        "registration_code": "TN-0001",
        "ward_code": "05488",
        "founded_on": "2010-05-01",
    }
    async with running_app(app) as client:
        key = _key()
        first = await client.post("/coops", json=coop, headers={**bearer(), **key})
        retried = await client.post("/coops", json=coop, headers={**bearer(), **key})
        assert first.status_code == retried.status_code == 201
        assert retried.json() == first.json() and retried.headers["Idempotent-Replayed"] == "true"
        assert (await client.get("/coops")).json()["total"] == 1

        # A retried upload carries a new multipart boundary: still the same request.
        upload = (EXAMPLES / "htx.csv").read_bytes()
        key = _key()
        answers = [
            await client.post(
                "/imports/coops", files={"file": ("htx.csv", upload, "text/csv")}, headers={**bearer(), **key}
            )
            for _ in range(2)
        ]
        assert [answer.status_code for answer in answers] == [201, 201], answers[0].text
        assert answers[1].json() == answers[0].json() and answers[1].headers["Idempotent-Replayed"] == "true"
        changed = await client.post(
            "/imports/coops", files={"file": ("htx.csv", upload + b"\n", "text/csv")}, headers={**bearer(), **key}
        )
        assert changed.status_code == 422 and changed.json()["detail"]["code"] == "idempotency.key_reused"


async def test_old_keys_are_forgotten_after_the_retention(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await seed_replica(redis, stream_prefix)
        key = _key()
        await client.post("/harvests", json=_harvest(), headers={**COOP, **key})
        retention = timedelta(hours=app.state.settings.idempotency_retention_hours)
        async with app.state.runtime.unit_of_work() as work:
            assert await purge_expired(work.session, retention) == 0
            await work.session.exec(
                update(IdempotencyRecord).values(created_at=utcnow() - retention - timedelta(minutes=1))
            )
        # Past the retention a retry is a new write (the record is replaced, not replayed)...
        late = await client.post("/harvests", json=_harvest(), headers={**COOP, **key})
        assert late.status_code == 201 and "Idempotent-Replayed" not in late.headers
        assert await count(app, Lot) == 2
        async with app.state.runtime.unit_of_work() as work:
            await work.session.exec(
                update(IdempotencyRecord).values(created_at=utcnow() - retention - timedelta(minutes=1))
            )
            # ...and the service forgets such records when it starts.
            assert await purge_expired(work.session, retention) == 1


async def test_openapi_documents_the_key_on_writes_only(supplychain_app_factory, registry_app_factory):
    for app in (await supplychain_app_factory(), await registry_app_factory()):
        async with running_app(app) as client:
            paths = (await client.get("/openapi.json")).json()["paths"]
        for path, operations in paths.items():
            for method, operation in operations.items():
                headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
                if path.startswith("/auth/"):  # answers carrying tokens are never stored (ADR 0017)
                    assert "Idempotency-Key" not in headers, (method, path)
                elif method in ("post", "put", "patch") and not path.startswith("/admin/dead-letters"):
                    assert "Idempotency-Key" in headers, (method, path)
                elif method == "get":
                    assert "Idempotency-Key" not in headers, (method, path)


async def test_a_stored_fingerprint_is_no_plain_hash_of_a_body_with_a_password(registry_app_factory):
    """Account bodies carry passwords: their stored fingerprint is keyed with the platform's secret,
    so someone who reads the database cannot test guesses against it with a fast hash."""
    app = await registry_app_factory()
    account = {"role": "province", "username": "tinh.canbo", "display_name": "Cán bộ Sở", "password": "mat-khau-2026"}
    async with running_app(app) as client:
        created = await client.post("/accounts", json=account, headers={**bearer(), **_key()})
        assert created.status_code == 201, created.text
        async with app.state.runtime.read_sessions() as session:
            (stored,) = (await session.exec(select(IdempotencyRecord.fingerprint))).all()
    canonical = json.dumps(account, sort_keys=True, separators=(",", ":")).encode()
    plain = hashlib.sha256(b"POST /accounts?\n" + canonical).hexdigest()
    assert stored != plain and len(stored) == len(plain)
