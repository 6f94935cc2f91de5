"""A caller that goes away while its body is read gets no 500 and leaves no traceback (shared.errors)."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI, Request

from shared.errors import install_error_handlers


def test_a_caller_gone_mid_body_is_answered_499_not_500():
    app = FastAPI()
    install_error_handlers(app)
    reached: list[bytes] = []

    @app.post("/write")
    async def write(request: Request) -> dict:
        reached.append(await request.body())
        return {}

    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/write",
        "raw_path": b"/write",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    assert reached == []  # the route never ran on a half-read body
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [499]
