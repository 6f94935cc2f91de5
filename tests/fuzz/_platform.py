"""The platform the fuzzer runs against: the three services in-process on one backend, with real rows.

Registry, supplychain and reporting share the test's streams and run their lifespans (broker, outbox
relay, consumers) in the test's event loop, as `running_app` runs them; supplychain reads the
registry's API in-process. Hypothesis drives its (synchronous) generation from a worker thread, and
every request, seeding included, is handed to that loop (`Platform.send`): the apps' database
connections belong to the loop that opened them.

The demo dataset (htx.demo) is loaded through the APIs as an operator would load it, plus what it
leaves out: a union, a plot, a certificate, a grading, an inspection with a violation and an EPCIS
capture. The writes the services took are kept (`accepted`) for the fuzzer to vary; `known` maps
parameter names to values that name those rows, so generated requests reach past the 404; `callers`
are the headers of each kind of caller the fuzzer takes turns with.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

import httpx
import requests
from fastapi import FastAPI

from htx.demo import BUYER, load_demo
from tests.integration._epcis import example
from tests.support import bearer

T = TypeVar("T")
PROVINCE = bearer()
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
POINT = {"type": "Point", "coordinates": [105.745312, 21.601234]}


@dataclass(frozen=True)
class Accepted:
    """A write a service took while the platform was seeded: the fuzzer sends variations of it."""

    service: str
    method: str
    path: str
    body: Any


class _InProcess(httpx.BaseTransport):
    """A synchronous httpx transport onto the platform's apps, by host name: the demo loader's."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.platform.send(
            request.url.host,
            request.method,
            request.url.raw_path.decode(),
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            content=request.read(),
        )
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


@dataclass
class Platform:
    apps: dict[str, FastAPI]
    clients: dict[str, httpx.AsyncClient]  # each app's, from `running_app`
    loop: asyncio.AbstractEventLoop  # theirs
    known: dict[str, list[Any]] = field(default_factory=dict)
    callers: dict[str, dict[str, str]] = field(default_factory=dict)
    accepted: list[Accepted] = field(default_factory=list)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """From a worker thread: `coroutine` run in the apps' loop, its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def send(self, service: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request to a service; a JSON write it takes is kept in `accepted` (a batch's commands
        also as the single writes they stand for: `{"type": "harvest", ...}` for POST /harvests)."""
        answer = self.run(self.clients[service].request(method, path, **kwargs))
        if method in WRITES and answer.status_code < 300:
            body = kwargs.get("json")
            if body is None and kwargs.get("content"):
                with contextlib.suppress(ValueError):
                    body = json.loads(kwargs["content"])
            if body is not None:
                self.accepted.append(Accepted(service, method, path.split("?")[0], body))
                for command in body.get("commands", []) if isinstance(body, dict) else []:
                    single = {key: value for key, value in command.items() if key != "type"}
                    self.accepted.append(Accepted(service, "POST", f"/{command.get('type')}s", single))
        return answer

    def send_case(self, service: str, case: Any) -> httpx.Response:
        """A schemathesis case, prepared as `requests` would send it (query, JSON, multipart), sent by httpx."""
        kwargs = case.as_transport_kwargs(base_url=str(self.clients[service].base_url))
        fields = ("method", "url", "headers", "files", "data", "params", "cookies", "json")
        prepared = requests.Request(**{key: value for key, value in kwargs.items() if key in fields}).prepare()
        return self.run(
            self.clients[service].request(
                prepared.method or "GET", prepared.url or "/", headers=dict(prepared.headers), content=prepared.body
            )
        )

    def call(self, service: str, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        answer = self.send(service, method, path, headers=kwargs.pop("headers", PROVINCE), **kwargs)
        assert answer.status_code == expect, f"{method} {path}: {answer.status_code} {answer.text[:500]}"
        return answer.json() if answer.content and "json" in answer.headers.get("content-type", "") else answer

    def seed(self) -> None:
        """The demo dataset, what it leaves out, then the values and callers that name them."""
        with httpx.Client(transport=_InProcess(self)) as client:
            report = load_demo("http://registry", "http://supplychain", PROVINCE["Authorization"][7:], client=client)
        coops = sorted(self.call("registry", "GET", "/coops", params={"limit": 100})["items"], key=lambda c: c["id"])
        main, other = coops[0]["id"], coops[1]["id"]  # the demo's first co-op has the whole chain
        members = [m["id"] for c in coops for m in self.call("registry", "GET", f"/coops/{c['id']}/members")["items"]]
        extras = self._registry_extras(main, members[0])
        partners = self.call("registry", "GET", "/partners", params={"limit": 100})["items"]
        buyer = next(p["id"] for p in partners if p["name"] == BUYER)
        capture = self.call(
            "supplychain", "POST", "/epcis/capture", 202, json=example("Example_9.6.1-ObjectEvent.jsonld")
        )
        events = self.call("supplychain", "GET", "/epcis/events", params={"perPage": 30})
        plots = self.call("registry", "GET", f"/coops/{main}/plots")
        lots = [self.call("supplychain", "GET", f"/lots/{code}") for code in report.lot_codes]
        today = date.today()
        self.known = {
            "coop_id": [main, other],
            "union_id": [extras["union_id"]],
            "member_id": members[:4] + members[-1:],  # mostly the first co-op's households
            "partner_id": [p["id"] for p in partners],
            "buyer_partner_id": [buyer],
            "plot_id": [p["id"] for p in plots],
            "plot_code": [p["planting_area_code"] for p in plots],
            "certificate_id": [extras["certificate_id"]],
            "inspection_id": [extras["inspection_id"]],
            "violation_id": [extras["violation_id"]],
            "year": [today.year - 1, today.year],
            "code": report.lot_codes,
            "lot_code": report.lot_codes,
            "token": [lot["public_token"] for lot in lots],
            "date": [str(today - timedelta(days=1)), str(today - timedelta(days=200))],  # for every `*_on`
            "quantity_kg": ["1", "12.5"],
            "quantity": ["1", "12.5"],
            "price_per_kg_vnd": [12_000],
            "product": ["chè búp tươi", "chè khô"],
            "eventID": [e["eventID"] for e in events["epcisBody"]["queryResults"]["resultsBody"]["eventList"]],
            "captureID": [capture.headers["Location"].rsplit("/", 1)[-1]],
        }
        self.callers = {
            "anonymous": {},
            "province": PROVINCE,
            "coop": bearer("coop", coop_id=main),
            "other coop": bearer("coop", coop_id=other),
            "buyer": bearer("buyer", partner_id=buyer),
        }

    def _registry_extras(self, coop_id: int, member_id: int) -> dict[str, int]:
        """A union with the co-op in it, a plot, a certificate, a grading and an inspection of the co-op."""
        union = self.call(
            "registry",
            "POST",
            "/coops",
            201,
            json={
                "name": "Liên hiệp HTX Chè Thái Nguyên",
                "form": "lien_hiep",
                "registration_code": "FUZZ-LH-0001",
                "ward_code": "05488",
                "founded_on": "2020-01-01",
            },
        )
        self.call(
            "registry",
            "POST",
            f"/unions/{union['id']}/members",
            201,
            json={"coop_id": coop_id, "joined_on": "2021-01-01"},
        )
        plot = self.call(
            "registry",
            "POST",
            f"/coops/{coop_id}/plots",
            201,
            json={"planting_area_code": "VN-TNDP-0001", "member_id": member_id, "area_ha": "0.75", "geometry": POINT},
        )
        certificate = self.call(
            "registry",
            "POST",
            f"/coops/{coop_id}/certificates",
            201,
            json={
                "kind": "vietgap",
                "code": "VG-FUZZ-0001",
                "issuer": "QUACERT",
                "valid_from": "2025-01-01",
                "valid_to": "2027-12-31",
                "plot_ids": [plot["id"]],
                "products": ["chè búp tươi"],
            },
        )
        scores = {"finance": 30, "governance": 20, "members": 15, "community": 5}
        self.call("registry", "POST", f"/coops/{coop_id}/gradings", 201, json={"year": 2025, "scores": scores})
        inspection = self.call(
            "registry",
            "POST",
            f"/coops/{coop_id}/inspections",
            201,
            json={
                "inspected_on": "2025-01-10",
                "body": "Sở Nông nghiệp và Môi trường Thái Nguyên",
                "kind": "periodic",
                "violations": [{"description": "Thiếu nhật ký sản xuất", "correction_deadline": "2025-03-31"}],
            },
        )
        return {
            "union_id": union["id"],
            "certificate_id": certificate["id"],
            "inspection_id": inspection["id"],
            "violation_id": inspection["violations"][0]["id"],
        }
