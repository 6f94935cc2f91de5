"""`python -m services.<name>`: serve one service with uvicorn."""

from __future__ import annotations

import argparse
import logging

import uvicorn


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
    )
