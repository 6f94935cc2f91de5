"""A service process believes X-Forwarded-For only from HTX_TRUSTED_PROXIES, as its access log shows.

`python -m services.registry` with HTX_TRUSTED_PROXIES=127.0.0.2 (a loopback address of its own,
so both callers are on this machine): a request from 127.0.0.2 carrying X-Forwarded-For is logged
as the forwarded client; the same request from 127.0.0.1 is logged as 127.0.0.1. Before, uvicorn's
defaults believed the header from 127.0.0.1. SQLite only: the database plays no part here.
"""

from __future__ import annotations

import httpx

from htx.runner import ServiceProcess, free_port
from tests.support import TEST_SECRET, wait_until


async def test_forwarded_for_is_logged_only_from_the_trusted_proxy(database_templates, redis_url, tmp_path):
    log = tmp_path / "registry.log"
    async with database_templates.copies("sqlite", tmp_path) as make_database:
        env = {
            "HTX_ENV": "test",
            "HTX_SECRET_KEY": TEST_SECRET,
            "HTX_REDIS_URL": redis_url,
            "HTX_STREAM_PREFIX": f"proxy-{free_port()}.",
            "HTX_DATABASE_URL": await make_database("registry"),
            "HTX_TRUSTED_PROXIES": "127.0.0.2",
            "FORWARDED_ALLOW_IPS": "*",  # uvicorn's own variable: no say any more
        }
        service = ServiceProcess("registry", free_port(), env, log_path=log).start()
        try:
            service.wait_healthy(timeout=60)
            for source in ("127.0.0.2", "127.0.0.1"):
                transport = httpx.AsyncHTTPTransport(local_address=source)
                async with httpx.AsyncClient(transport=transport) as client:
                    answer = await client.get(
                        f"{service.url}/health?from={source}", headers={"X-Forwarded-For": "198.51.100.9, 203.0.113.7"}
                    )
                    assert answer.status_code == 200, answer.text

            async def logged() -> list[str]:
                lines = [line for line in log.read_text(errors="replace").splitlines() if "/health?from=" in line]
                return lines if len(lines) == 2 else []

            lines = await wait_until(logged, message="both requests in the access log")
        finally:
            service.terminate()
    by_source = {line.split("from=")[1].split()[0]: line for line in lines}
    assert '203.0.113.7:0 - "GET /health?from=127.0.0.2' in by_source["127.0.0.2"]
    assert " 127.0.0.1:" in by_source["127.0.0.1"] and "203.0.113.7" not in by_source["127.0.0.1"]
