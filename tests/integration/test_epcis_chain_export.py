"""What the co-op endpoints record comes out of the EPCIS interface as documents GS1's schema
accepts: `GET /epcis/events` and a lot's `GET /lots/{code}/epcis`, on both backends."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import jsonschema

from tests.integration._epcis import capture, gs1_schema
from tests.integration._supplychain import coop_registered, group_caught_up, member_joined, publish
from tests.support import bearer, running_app, wait_until

SCHEMA = jsonschema.Draft7Validator(gs1_schema(), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
DAY = date.today() - timedelta(days=10)


def assert_valid(document: dict) -> None:
    errors = [f"{error.json_path}: {error.message}" for error in SCHEMA.iter_errors(document)]
    assert not errors, errors[:5]


def events_of(document: dict) -> list[dict]:
    if document["type"] == "EPCISQueryDocument":
        return document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    return document["epcisBody"]["eventList"]


async def _post(client, path: str, body: dict) -> dict:
    answer = await client.post(path, json=body, headers=bearer("coop", coop_id=1))
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_chain_events_are_exported_as_valid_epcis(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await publish(redis, stream_prefix, coop_registered(1))
        await publish(redis, stream_prefix, member_joined(10, 1, name="Đỗ Thị Hằng"))
        await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="replica seeded")

        fresh = await _post(
            client,
            "/harvests",
            {
                "coop_id": 1,
                "member_id": 10,
                "quantity_kg": "100",
                "harvest_round": 1,
                "harvested_on": DAY.isoformat(),
                "plot_code": "VT-19-05488-001",
                "lot_code": "TH-EPCIS-1",
            },
        )
        mistaken = await _post(
            client,
            "/harvests",
            {"coop_id": 1, "member_id": 10, "quantity_kg": "7", "harvest_round": 1, "harvested_on": DAY.isoformat()},
        )
        await _post(
            client,
            "/processings",
            {
                "coop_id": 1,
                "transformed_on": (DAY + timedelta(days=1)).isoformat(),
                "process": "sao sấy",
                "inputs": [{"lot_code": "TH-EPCIS-1", "quantity": "100"}],
                "outputs": [{"lot_code": "CB-EPCIS-1", "product": "chè khô", "quantity_kg": "20"}],
            },
        )
        await _post(
            client,
            "/packings",
            {
                "coop_id": 1,
                "transformed_on": (DAY + timedelta(days=2)).isoformat(),
                "lot_code": "GOI-EPCIS-1",
                "product": "chè Tân Cương hộp 0,5 kg",
                "units": 40,
                "net_kg_per_unit": "0.5",
                "units_per_carton": 20,
                "inputs": [{"lot_code": "CB-EPCIS-1", "quantity": "20"}],
            },
        )
        await _post(
            client,
            "/sales",
            {
                "coop_id": 1,
                "lot_code": "GOI-EPCIS-1",
                "buyer_name": "Công ty TNHH Trà Thái Nguyên",
                "quantity_kg": "10",
                "unit": "pcs",
                "price_per_kg_vnd": 150_000,
                "sold_on": (DAY + timedelta(days=3)).isoformat(),
                "invoice_number": "HD-0001",
            },
        )
        await _post(client, "/corrections", {"event_id": mistaken["events"][0]["event_id"], "reason": "did_not_occur"})

        answer = await client.get("/epcis/events", params={"perPage": 1000}, headers=bearer("coop", coop_id=1))
        assert answer.status_code == 200, answer.text
        everything = answer.json()
        assert_valid(everything)
        kinds = Counter(event["type"] for event in events_of(everything))
        assert {"ObjectEvent", "TransformationEvent", "AggregationEvent", "TransactionEvent"} <= set(kinds)
        declared = [event for event in events_of(everything) if "errorDeclaration" in event]
        assert len(declared) == 1 and declared[0]["errorDeclaration"]["reason"] in (
            "did_not_occur",
            "https://ref.gs1.org/cbv/ER-did_not_occur",
        )

        packed = await client.get("/lots/GOI-EPCIS-1/epcis", headers=bearer("province"))
        assert packed.status_code == 200, packed.text
        assert_valid(packed.json())
        packed_events = events_of(packed.json())
        assert {"TransformationEvent", "AggregationEvent", "TransactionEvent"} <= {e["type"] for e in packed_events}
        assert [e["eventTime"] for e in packed_events] == sorted(e["eventTime"] for e in packed_events)

        origin = await client.get(f"/lots/{fresh['code']}/epcis", headers=bearer("coop", coop_id=1))
        assert_valid(origin.json())
        origin_types = [(event["type"], event.get("bizStep")) for event in events_of(origin.json())]
        assert origin_types[0] == ("ObjectEvent", "commissioning")  # the harvest comes first
        assert "TransformationEvent" in {event_type for event_type, _ in origin_types}  # processed into dry tea

        missing = await client.get("/lots/KHONG-CO/epcis", headers=bearer())
        assert missing.status_code == 404
        assert missing.json()["type"] == "epcisException:NoSuchResourceException"
        assert (await client.get("/lots/GOI-EPCIS-1/epcis")).status_code == 401

        exported = packed.json()

    # Another repository captures the lot's document as it is.
    other = await supplychain_app_factory(stream_prefix=stream_prefix + "other.")
    async with running_app(other) as client:
        job = await capture(client, exported)
        assert job["success"] is True and job["eventCount"] == len(packed_events)
