"""The registry, supply chain and reporting as real processes with a small generated province
(`htx demo province --scale 0.02`, the same code as the full one) loaded through their APIs: for the
province demo's end-to-end and browser tests. SQLite only (both backends are the integration
tests' business); a province account signs in to the dashboard."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from htx.province import Province, generate
from htx.province_load import ProvinceReport, load_province
from htx.runner import sqlite_url
from tests.browser.coop_app_stack import running_services
from tests.support import TEST_SECRET, bearer, unique

SERVICES = ("registry", "supplychain", "reporting")
SCALE = 0.02
PASSWORD = "mat-khau-cua-tinh"


@dataclass
class ProvinceStack:
    urls: dict[str, str]
    directory: Path
    province: Province
    first_load: ProvinceReport
    login: str

    @property
    def dashboard(self) -> str:
        return self.urls["reporting"] + "/dashboard"

    @property
    def reporting_database(self) -> str:
        return sqlite_url(self.directory / "reporting.db")

    def load(self) -> ProvinceReport:
        token = bearer("province")["Authorization"].removeprefix("Bearer ")
        return load_province(self.province, self.urls, token, show_progress=False)


def start_stack(directory: Path, redis_url: str, stream_prefix: str) -> Iterator[ProvinceStack]:
    with running_services(directory, SERVICES, redis_url, stream_prefix) as urls:
        province = generate(SCALE)
        token = bearer("province")["Authorization"].removeprefix("Bearer ")
        report = load_province(province, urls, token, show_progress=False)
        login = unique("tinh")
        with httpx.Client(base_url=urls["registry"], headers=bearer("province"), timeout=30) as registry:
            account = {"username": login, "password": PASSWORD, "display_name": "Sở Tài chính", "role": "province"}
            registry.post("/accounts", json=account).raise_for_status()
        yield ProvinceStack(urls, directory, province, report, login)


__all__ = ["TEST_SECRET", "ProvinceStack", "start_stack"]
