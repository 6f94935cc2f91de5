"""QR codes and page links are built on the configured public address, never on the request's Host.

Before: `Host: evil.example` made `/t/{token}/qr.svg` encode `http://evil.example/t/...`, and behind a
TLS proxy every QR code would have carried `http://` and the internal host.
"""

from __future__ import annotations

import pytest

from services.supplychain import public_page
from services.supplychain.app import create_app
from tests.integration._supplychain import seed_replica
from tests.support import bearer, running_app, service_settings

HARVEST = {
    "coop_id": 1,
    "member_id": 10,
    "lot_code": "TH-QR-1",
    "quantity_kg": "12",
    "harvested_on": "2025-06-01",
    "harvest_round": 1,
}


@pytest.mark.parametrize(
    ("public_base_url", "expected"),
    [("https://truyxuat.thainguyen.gov.vn/", "https://truyxuat.thainguyen.gov.vn"), (None, "http://127.0.0.1:8002")],
)
async def test_qr_codes_point_at_the_configured_address_whatever_the_host_header(
    database_url_factory, redis_url, redis, stream_prefix, public_base_url, expected
):
    settings = service_settings(
        database_url=await database_url_factory("supplychain"),
        redis_url=redis_url,
        stream_prefix=stream_prefix,
        public_base_url=public_base_url,
        supplychain_url="http://127.0.0.1:8002",
    )
    async with running_app(create_app(settings)) as client:
        await seed_replica(redis, stream_prefix)
        created = await client.post("/harvests", json=HARVEST, headers=bearer())
        assert created.status_code == 201
        token = created.json()["public_token"]

        forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
        for kind in ("svg", "png"):
            answer = await client.get(f"/t/{token}/qr.{kind}", headers=forged)
            assert answer.content == public_page.qr(f"{expected}/t/{token}", kind)
        page = await client.get(f"/t/{token}", headers=forged)
        assert f'src="/t/{token}/qr.svg"' in page.text and "evil.example" not in page.text
