"""X-Forwarded-For / X-Forwarded-Proto are believed only from HTX_TRUSTED_PROXIES, on a real uvicorn.

Before: the services ran uvicorn with its defaults, which believe them from 127.0.0.1 and ::1: any
program on the machine could choose the client address that the logs and the failed-sign-in limit go
by. A uvicorn server is started here with the options `python -m services.<name>` gives it
(`shared.entrypoint.proxy_options`), and called from two loopback addresses, 127.0.0.1 and 127.0.0.2,
one of which may be the configured proxy. (tests/e2e/test_proxy_headers.py does it through a service
process.)
"""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from shared.entrypoint import proxy_options
from tests.support import served, service_settings

PROXY, OTHER = "127.0.0.2", "127.0.0.1"
FORWARDED = {"X-Forwarded-For": "198.51.100.9, 203.0.113.7", "X-Forwarded-Proto": "https"}


async def _who(request: Request) -> JSONResponse:
    assert request.client is not None
    return JSONResponse({"client": request.client.host, "scheme": request.url.scheme})


WHO = Starlette(routes=[Route("/who", _who)])


def serving(trusted_proxies: str):
    """The echo app on uvicorn, with the proxy options `python -m services.<name>` gives it."""
    return served(WHO, **proxy_options(service_settings(trusted_proxies=trusted_proxies)))


async def _seen_from(source: str, url: str) -> dict:
    async with httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(local_address=source)) as client:
        answer = await client.get(f"{url}/who", headers=FORWARDED)
        assert answer.status_code == 200, answer.text
        return answer.json()


async def test_by_default_no_one_is_believed_not_even_loopback():
    async with serving("") as url:
        for source in (PROXY, OTHER):
            assert await _seen_from(source, url) == {"client": source, "scheme": "http"}


@pytest.mark.parametrize("trusted", [PROXY, "127.0.0.2/32, 10.0.0.0/8"])
async def test_the_configured_proxy_is_believed_and_no_one_else(trusted):
    async with serving(trusted) as url:
        # The proxy appended the address it saw; what the client itself wrote before it stays ignored.
        assert await _seen_from(PROXY, url) == {"client": "203.0.113.7", "scheme": "https"}
        assert await _seen_from(OTHER, url) == {"client": OTHER, "scheme": "http"}


def test_no_proxy_configured_means_uvicorn_reads_no_proxy_headers():
    assert proxy_options(service_settings()) == {"proxy_headers": False, "forwarded_allow_ips": []}
    assert proxy_options(service_settings(trusted_proxies=" 10.0.0.5 ,fd00::/8")) == {
        "proxy_headers": True,
        "forwarded_allow_ips": ["10.0.0.5", "fd00::/8"],
    }


@pytest.mark.parametrize("entry", ["*", "localhost", "10.0.0.1/8", "10.0.0.300"])
def test_an_entry_uvicorn_would_take_silently_is_refused_at_start(entry):
    # uvicorn keeps what is no address as a literal, so a typo would trust no one (or "*" everyone).
    with pytest.raises(ValidationError, match="is not an IP address or network"):
        service_settings(trusted_proxies=f"10.0.0.5,{entry}")
