"""`htx reporting verify`: totals recomputed from a real registry over HTTP, compared with
reporting's read model fed by that registry's own events; a difference is found and named."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx

from shared.events.supplychain import LotHarvested
from shared.testing import bearer, running_app, service_settings, wait_until
from services.registry.app import create_app as create_registry
from services.reporting.app import create_app as create_reporting
from services.reporting.verify import Difference, verify
from tests.integration.reporting_events import REGISTRY, SUPPLYCHAIN, coop, envelope, publish
from tests.integration.test_reporting_projections import consumed

COOPS = [
    {"name": "HTX Chè Tân Hương", "registration_code": "TN-V1", "ward_code": "05488", "founded_on": "2010-05-01"},
    {"name": "HTX Chè Hảo Đạt", "registration_code": "TN-V2", "ward_code": "05503", "founded_on": "2015-06-01"},
    {"name": "HTX Chè La Bằng", "registration_code": "TN-V3", "ward_code": "05503", "founded_on": "2018-01-01"},
]


def supplychain_api(harvested_kg: dict[str, str]) -> httpx.AsyncClient:
    """The supplychain's public lot view, answering for the lots it holds."""

    def answer(request: httpx.Request) -> httpx.Response:
        code = request.url.path.rsplit("/", 1)[-1]
        if code not in harvested_kg:
            return httpx.Response(404, json={"detail": {"code": "lot.not_found"}})
        return httpx.Response(200, json={"code": code, "harvested_quantity_kg": harvested_kg[code]})

    return httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://supplychain")


async def test_verify_agrees_with_the_registry_then_names_each_difference(
    database_url_factory, redis_url, redis, stream_prefix,
):
    settings = dict(redis_url=redis_url, stream_prefix=stream_prefix)
    registry = create_registry(service_settings(database_url=await database_url_factory("registry"), **settings))
    reporting = create_reporting(service_settings(database_url=await database_url_factory("reporting"), **settings))
    streams = {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN}
    harvests = [envelope(LotHarvested(lot_code=code, coop_id=1, member_id=1, product="chè búp tươi",
                                      quantity_kg=Decimal(kg), harvested_on=date(2024, 5, 1), harvest_round=1))
                for code, kg in (("V-L1", "12.5"), ("V-L2", "7.25"))]
    await publish(redis, stream_prefix + SUPPLYCHAIN, *harvests)
    async with running_app(registry) as registry_client, running_app(reporting) as reporting_client:
        ids = []
        for body in COOPS:
            created = await registry_client.post("/coops", json=body, headers=bearer())
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        suspended = await registry_client.post(f"/coops/{ids[1]}/status", headers=bearer(), json={
            "status": "suspended", "effective_on": "2024-03-01", "reason": "tạm ngừng kinh doanh"})
        assert suspended.status_code == 201, suspended.text

        async def caught_up():
            report = (await reporting_client.get("/kpis", params={"year": 2026})).json()
            return report["coops"]["by_status"]["suspended"] == 1 and report["coops"]["total"] == 3
        await consumed(reporting_client, streams)
        await wait_until(caught_up, message="reporting to see the registry's events")

        sessions = reporting.state.runtime.sessions
        async with supplychain_api({"V-L1": "12.500", "V-L2": "7.250"}) as supplychain:
            agreed = await verify(sessions, registry_client, supplychain)
        assert agreed.ok, agreed.render()
        assert agreed.compared["registry"] == {"total": 3, "status.active": 2, "status.suspended": 1,
                                               "status.dissolved": 0}
        assert agreed.compared["supplychain"] == {"harvest_lots": 2, "harvest_kg": "19.750"}
        assert "no difference" in agreed.render()

        # An organisation the registry never registered reaches the stream (say, from a restored backup),
        # and the supply chain has lost a lot.
        await publish(redis, stream_prefix + REGISTRY, envelope(coop(999, "hop_tac_xa", date(2020, 1, 1))))
        await consumed(reporting_client, streams)
        async with supplychain_api({"V-L1": "12.500"}) as supplychain:
            differs = await verify(sessions, registry_client, supplychain)
        assert not differs.ok
        assert differs.differences == [
            Difference("registry", "status.active", 2, 3),
            Difference("registry", "total", 3, 4),
            Difference("supplychain", "harvest_kg", "12.500", "19.750"),
            Difference("supplychain", "harvest_lots", 1, 2),
        ]
        assert "DIFFERENCE registry total: producer 3, read model 4" in differs.render()

        skipped = await verify(sessions, registry_client, None)
        assert "supplychain" not in skipped.compared and "skipped" in skipped.render()
