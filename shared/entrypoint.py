"""`python -m services.<name>`: serve one service with uvicorn."""

from __future__ import annotations

import argparse
import logging
from typing import Any

import uvicorn

from shared.settings import Settings


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's proxy options from HTX_TRUSTED_PROXIES: X-Forwarded-For and X-Forwarded-Proto are
    read only from those addresses, and with none configured not at all.

    Left to itself uvicorn believes them from 127.0.0.1 and ::1 (or $FORWARDED_ALLOW_IPS): any
    program on the machine could then choose its client address, the one the failed-sign-in limit
    and the logs go by. Always passed explicitly, so FORWARDED_ALLOW_IPS has no say.
    """
    trusted = settings.forwarded_allow_ips()
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted}


def serve(service: str, default_port: int) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m services.{service}")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s")
    uvicorn.run(
        f"services.{service}.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_level="info",
        timeout_graceful_shutdown=10,
        **proxy_options(Settings()),
    )
