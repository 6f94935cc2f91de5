"""The registry, supplychain and web services as real processes, for the co-op app's browser tests.

SQLite only: the app is what is under test here; both backends are covered by the services' own
integration tests. A co-op with three member households and a clerk account is registered over
the registry's API for each test, as the province would, so tests share the processes (started
once per module) and not their data.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx

from htx.runner import ServiceProcess, free_port, service_env, sqlite_url
from shared.migrations import upgrade
from tests.support import TEST_SECRET, bearer, unique

SERVICES = ("registry", "supplychain", "web")
CLERK_PASSWORD = "mat-khau-can-che"
HOUSEHOLDS = ("Nguyễn Văn Hùng", "Trần Thị Lan", "Hoàng Văn Tuấn", "Lê Thị Hương", "Đỗ Thị Ngọc Ánh")


@dataclass
class Coop:
    id: int
    clerk: str
    members: dict[str, int] = field(default_factory=dict)


@dataclass
class CoopAppStack:
    urls: dict[str, str]

    @property
    def app(self) -> str:
        return self.urls["web"] + "/"

    def new_coop(self) -> Coop:
        return _seeded(self.urls["registry"])

    def harvests(self, day: date) -> int:
        """Harvests recorded on `day` by every co-op (the province's reconciliation totals)."""
        answer = httpx.get(
            f"{self.urls['supplychain']}/totals",
            params={"from": day.isoformat(), "to": day.isoformat()},
            headers=bearer("province"),
        )
        answer.raise_for_status()
        return answer.json()["harvests"]["lots"]


@contextlib.contextmanager
def running_services(
    directory: Path,
    names: tuple[str, ...],
    redis_url: str,
    stream_prefix: str,
    settings: dict[str, str] | None = None,
) -> Iterator[dict[str, str]]:
    """`names` as processes on free ports, on SQLite databases in `directory` (the web service has
    none), each told where the others are; yields their URLs by name, and stops them after.
    `settings`: more HTX_* variables for every service (e.g. a short access-token lifetime)."""
    ports = {name: free_port() for name in names}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    processes = []
    try:
        for name in names:
            database_url = None if name == "web" else sqlite_url(directory / f"{name}.db")
            if database_url is not None:
                upgrade(name, database_url)
            env = service_env(
                name,
                database_url=database_url,
                redis_url=redis_url,
                secret_key=TEST_SECRET,
                env="test",
                stream_prefix=stream_prefix,
                extra=settings,
                **{f"{other}_url": urls[other] for other in ("registry", "supplychain", "reporting") if other in urls},
            )
            processes.append(ServiceProcess(name, ports[name], env, log_path=directory / f"{name}.log").start())
        for process in processes:
            process.wait_healthy(timeout=60)
        yield urls
    finally:
        for process in processes:
            process.terminate()


def start_stack(
    directory: Path, redis_url: str, stream_prefix: str, settings: dict[str, str] | None = None
) -> Iterator[CoopAppStack]:
    with running_services(directory, SERVICES, redis_url, stream_prefix, settings) as urls:
        yield CoopAppStack(urls)


def _seeded(registry_url: str) -> Coop:
    with httpx.Client(base_url=registry_url, headers=bearer("province"), timeout=30) as registry:
        registered = registry.post(
            "/coops",
            json={
                "name": "HTX Chè Tân Hương",
                "form": "hop_tac_xa",
                "registration_code": unique("DEMO-"),
                "ward_code": "05488",
                "founded_on": "2009-04-15",
            },
        )
        registered.raise_for_status()
        coop_id = registered.json()["id"]
        coop = Coop(coop_id, clerk=unique("can"))
        for name in HOUSEHOLDS:
            member = registry.post(
                f"/coops/{coop_id}/members", json={"name": name, "kind": "household", "joined_on": "2015-01-01"}
            )
            member.raise_for_status()
            coop.members[name] = member.json()["id"]
        account = registry.post(
            "/accounts",
            json={
                "username": coop.clerk,
                "password": CLERK_PASSWORD,
                "display_name": "Nguyễn Thị Mai",
                "role": "coop",
                "coop_id": coop_id,
                "staff": "clerk",
            },
        )
        account.raise_for_status()
    return coop
