"""`htx demo province`: push a generated province (htx/province.py) into a running stack, in bulk,
through the public APIs only, so every fact flows through the streams as in production.

- organisations and their members go through the registry's spreadsheet import (`/imports/coops`,
  `/imports/members`), as the province's own lists would;
- plots, certificates, gradings, inspections, contracts, union memberships and status changes
  through the registry's routes, a few at a time (`WORKERS` requests in flight);
- each tea co-op's five years of rounds (harvests, purchases, processing, sales) in one `POST
  /batch` of the supply chain (ADR 0023), all or nothing.

Idempotent, like `htx up --demo` (htx/demo.py): each part is looked up by its natural key before it
is written (a registration code, a member's name, a plot's planting-area code, a lot code, a grading's
year, an inspection's day), a 409 for "already there" counts as done, and each write carries an
`Idempotency-Key` made from its step and body. A second run adds nothing and never fails; a run killed
half-way is finished by the next.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from htx.demo import IDEMPOTENCY_KEY, DemoError, _Answer, _expect, _send, idempotency_key
from htx.province import Grading, Harvest, Organisation, Province, Round

WORKERS = 4  # requests in flight: the services' processes, not this loader, are the limit
PAGE = 500  # the registry's largest page
MEMBER_ROWS_PER_FILE = 8_000
CATCH_UP_SECONDS = 900.0
FORM_LABELS = {"hop_tac_xa": "Hợp tác xã", "to_hop_tac": "Tổ hợp tác", "lien_hiep": "Liên hiệp hợp tác xã"}
MEMBERSHIP_LABELS = {"official": "Chính thức", "associate": "Liên kết", "worker": "Người lao động"}
PLAN_KEY = "2021-2025"
# The shipped plan's targets, and two the demo adds for the chain links, so that every figure has one.
CHAIN_TARGETS = {
    "contract_share": {"value": 0.5, "comparison": ">=", "per": "year"},
    "traced_sales_share": {"value": 0.3, "comparison": ">=", "per": "year"},
}
SHIPPED_PLANS = Path(__file__).resolve().parent.parent / "services" / "reporting" / "targets.json"


def demo_plan() -> dict[str, Any]:
    """The 2021–2025 plan as shipped in targets.json, with the chain-link targets and a note saying so."""
    plans = json.loads(SHIPPED_PLANS.read_text(encoding="utf-8"))["plans"]
    shipped = next(p for p in plans if (p["first_year"], p["last_year"]) == (2021, 2025))
    return shipped | {
        "targets": shipped["targets"] | CHAIN_TARGETS,
        "note": "htx demo province: mục tiêu liên kết chuỗi (hợp đồng, bán hàng truy xuất được) là số minh họa.",
    }


T = TypeVar("T")


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    written: int = 0  # what this run added
    found: int = 0  # there already


@dataclass
class ProvinceReport:
    phases: list[Phase] = field(default_factory=list)
    chain_events: int = 0  # supply-chain facts this run wrote
    registry_events: int = 0
    caught_up_seconds: float = 0.0

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.phases) + self.caught_up_seconds

    def added(self) -> int:
        return sum(p.written for p in self.phases)

    def summary(self, province: Province) -> str:
        lines = [f"{'phase':<28}{'added':>9}{'there':>9}{'seconds':>10}"]
        lines += [f"{p.name:<28}{p.written:>9}{p.found:>9}{p.seconds:>10.1f}" for p in self.phases]
        lines.append(f"{'reporting catching up':<28}{'':>18}{self.caught_up_seconds:>10.1f}")
        chain = next((p for p in self.phases if p.name == "harvest rounds"), None)
        rate = f"; {self.chain_events / chain.seconds:,.0f} chain events/s" if chain and self.chain_events else ""
        lines.append(
            f"province at scale {province.scale:g}: {len(province.organisations)} organisations, "
            f"{province.members:,} members and workers, {len(province.harvests()):,} harvest lots; "
            f"this run added {self.added():,} ({self.chain_events:,} chain events{rate}) "
            f"in {self.seconds:.1f} s"
        )
        return "\n".join(lines)


def load_province(
    province: Province,
    urls: dict[str, str],
    token: str,
    *,
    client: httpx.Client | None = None,
    show_progress: bool = True,
) -> ProvinceReport:
    """Load what of `province` is missing into the stack at `urls` (registry, supplychain, reporting)."""
    owned = client is None
    client = client or httpx.Client(timeout=120.0, limits=httpx.Limits(max_connections=WORKERS * 2))
    client.headers["Authorization"] = f"Bearer {token}"
    progress = Progress(
        TextColumn("{task.description:<26}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not show_progress,
    )
    loader = _Loader(client, urls, progress)
    try:
        with progress, ThreadPoolExecutor(WORKERS) as pool:
            loader.pool = pool
            loader.run(province)
    finally:
        if owned:
            client.close()
    return loader.report


class _Loader:
    def __init__(self, client: httpx.Client, urls: dict[str, str], progress: Progress) -> None:
        self.client = client
        self.registry = urls["registry"].rstrip("/")
        self.supplychain = urls["supplychain"].rstrip("/")
        self.reporting = urls.get("reporting")
        self.progress = progress
        self.pool: ThreadPoolExecutor | None = None
        self.report = ProvinceReport()
        self.ids: dict[str, int] = {}  # registration code -> id
        self.member_ids: dict[str, dict[str, int]] = {}  # registration code -> name -> id
        self.partner_ids: dict[str, int] = {}

    def run(self, province: Province) -> None:
        organisations = province.organisations
        self._phase("organisations", [province], self._organisations)
        self._phase("members and workers", [province], self._members)
        self._phase("buyers", province.buyers, self._partner)
        self._phase("plots", [o for o in organisations if o.plots], self._plots)
        self._phase("certificates", [(o, c) for o in organisations for c in o.certificates], self._certificate)
        self._phase("gradings", [(o, g) for o in organisations for g in o.gradings], self._grading)
        self._phase("inspections", [o for o in organisations if o.inspections], self._inspections)
        self._phase("chain contracts", [o for o in organisations if o.contracts], self._contracts)
        self._phase("union memberships", [o for o in organisations if o.union], self._union_membership)
        # One batch at a time: each holds the supply chain's write lock while it runs (on SQLite, a
        # second one waiting longer than the busy timeout would fail), and they would queue anyway.
        self._phase("harvest rounds", [o for o in organisations if o.rounds], self._rounds, workers=1)
        self._phase("status changes", [(o, c) for o in organisations for c in o.status_changes], self._status)
        self._phase("plan 2021–2025", [demo_plan()], self._plan)
        if self.reporting:
            started = time.monotonic()
            self._caught_up()
            self.report.caught_up_seconds = time.monotonic() - started

    # --- the machinery ------------------------------------------------------------------------

    def _phase(
        self, name: str, items: Iterable[T], step: Callable[[T], tuple[int, int]], workers: int = WORKERS
    ) -> None:
        """Run `step` on every item, `workers` at a time; each answers (written, found)."""
        work = list(items)
        phase = Phase(name)
        started = time.monotonic()
        task = self.progress.add_task(name, total=len(work))
        assert self.pool is not None
        for written, found in self.pool.map(step, work) if workers > 1 else map(step, work):
            phase.written += written
            phase.found += found
            self.progress.advance(task)
        phase.seconds = time.monotonic() - started
        self.report.phases.append(phase)

    def _get(self, url: str, what: str, params: dict[str, Any] | None = None) -> Any:
        return _expect(_send(self.client, "GET", url, params=params).response, what)

    def _pages(self, url: str, what: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            page = self._get(url, what, {**(params or {}), "limit": PAGE, "offset": offset})
            yield from page["items"]
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return

    def _post(self, url: str, step: str, body: Any, *, files: Any = None, method: str = "POST") -> _Answer:
        content = body if files is None else files[0][1][1].decode("utf-8")  # an import: the file's text
        key = idempotency_key(f"province:{step}", method, url, content)
        return _send(self.client, method, url, json=body, files=files, headers={IDEMPOTENCY_KEY: key})

    def _write(self, url: str, step: str, body: Any, what: str) -> tuple[int, int]:
        """POST: (1, 0) if this run wrote it; (0, 1) if it was there (a 409 on a natural key, or an
        earlier run's answer replayed for the same Idempotency-Key)."""
        answer = self._post(url, step, body)
        if answer.response.status_code == 409:
            return 0, 1
        _expect(answer.response, what)
        return (0, 1) if answer.done_before else (1, 0)

    def _import(self, kind: str, rows: list[dict[str, str]], part: int) -> None:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        content = buffer.getvalue().encode("utf-8")
        files = [("file", (f"{kind}-{part}.csv", content, "text/csv"))]
        answer = self._post(f"{self.registry}/imports/{kind}", f"import:{kind}:{part}", None, files=files)
        report = _expect(answer.response, f"import of {len(rows)} {kind}")
        if report["imported"] != len(rows):
            raise DemoError(f"import of {kind}: {report['imported']} of {len(rows)} imported: {report['message']}")

    # --- the registry ------------------------------------------------------------------------

    def _organisations(self, province: Province) -> tuple[int, int]:
        self.ids = {
            item["registration_code"]: item["id"]
            for item in self._pages(f"{self.registry}/coops", "the registered organisations", {"sort": "name"})
        }
        missing = [o for o in province.organisations if o.registration_code not in self.ids]
        if missing:
            self._import("coops", [_organisation_row(o) for o in missing], 0)
            self.ids |= {
                item["registration_code"]: item["id"]
                for item in self._pages(f"{self.registry}/coops", "the registered organisations", {"sort": "name"})
            }
        self.report.registry_events += len(missing)
        return len(missing), len(province.organisations) - len(missing)

    def _known_members(self, organisation: Organisation) -> dict[str, int]:
        url = f"{self.registry}/coops/{self.ids[organisation.registration_code]}/members"
        return {m["name"]: m["id"] for m in self._pages(url, f"members of {organisation.name}")}

    def _members(self, province: Province) -> tuple[int, int]:
        with_members = [o for o in province.organisations if o.members]
        assert self.pool is not None
        known = dict(zip([o.registration_code for o in with_members], self.pool.map(self._known_members, with_members)))
        rows = [_member_row(o, m) for o in with_members for m in o.members if m.name not in known[o.registration_code]]
        for part, start in enumerate(range(0, len(rows), MEMBER_ROWS_PER_FILE)):
            self._import("members", rows[start : start + MEMBER_ROWS_PER_FILE], part)
        changed = [o for o in with_members if len(known[o.registration_code]) < len(o.members)]
        known |= dict(zip([o.registration_code for o in changed], self.pool.map(self._known_members, changed)))
        self.member_ids = known
        self.report.registry_events += len(rows)
        return len(rows), province.members - len(rows)

    def _partner(self, buyer: tuple[str, str]) -> tuple[int, int]:
        name, tax_code = buyer
        page = self._get(f"{self.registry}/partners", f"find {name}", {"q": name, "limit": 50})
        found = [item["id"] for item in page["items"] if item["name"] == name]
        if found:
            self.partner_ids[name] = found[0]
            return 0, 1
        body = {"name": name, "kind": "enterprise", "tax_code": tax_code}
        answer = self._post(f"{self.registry}/partners", f"partner:{tax_code}", body)
        self.partner_ids[name] = _expect(answer.response, name)["id"]
        return (0, 1) if answer.done_before else (1, 0)

    def _plots(self, coop: Organisation) -> tuple[int, int]:
        url = f"{self.registry}/coops/{self.ids[coop.registration_code]}/plots"
        known = {p["planting_area_code"] for p in self._get(url, f"plots of {coop.name}")}
        members = self.member_ids[coop.registration_code]
        written = 0
        for plot in coop.plots:
            if plot.code in known:
                continue
            body = {
                "planting_area_code": plot.code,
                "member_id": members[coop.members[plot.member].name],
                "area_ha": str(plot.area_ha),
                "cultivar": plot.cultivar,
            }
            written += self._write(url, f"plot:{plot.code}", body, f"plot {plot.code}")[0]
        return written, len(coop.plots) - written

    def _certificate(self, item: tuple[Organisation, Any]) -> tuple[int, int]:
        coop, certificate = item
        coop_id = self.ids[coop.registration_code]
        body: dict[str, Any] = {
            "kind": certificate.kind,
            "code": certificate.code,
            "issuer": certificate.issuer,
            "valid_from": certificate.valid_from.isoformat(),
            "valid_to": certificate.valid_to.isoformat(),
            "products": list(certificate.products),
        }
        if certificate.ocop_stars:
            body |= {"ocop_stars": certificate.ocop_stars, "ocop_score": certificate.ocop_score}
        if certificate.with_plots:
            plots = self._get(f"{self.registry}/coops/{coop_id}/plots", f"plots of {coop.name}")
            body["plot_ids"] = sorted(p["id"] for p in plots)
        url = f"{self.registry}/coops/{coop_id}/certificates"
        return self._write(url, f"certificate:{certificate.code}", body, f"certificate {certificate.code}")

    def _grading(self, item: tuple[Organisation, Grading]) -> tuple[int, int]:
        coop, grading = item
        url = f"{self.registry}/coops/{self.ids[coop.registration_code]}/gradings"
        scores = {k: getattr(grading, k) for k in ("finance", "governance", "members", "community")}
        body = {"year": grading.year, "scores": scores}
        return self._write(url, f"grading:{coop.registration_code}:{grading.year}", body, f"grading of {coop.name}")

    def _inspections(self, coop: Organisation) -> tuple[int, int]:
        url = f"{self.registry}/coops/{self.ids[coop.registration_code]}/inspections"
        known = {i["inspected_on"] for i in self._get(url, f"inspections of {coop.name}")}
        written = 0
        for inspection in coop.inspections:
            if inspection.inspected_on.isoformat() in known:
                continue
            deadline = inspection.inspected_on.replace(day=28)
            body = {
                "inspected_on": inspection.inspected_on.isoformat(),
                "body": inspection.body,
                "findings": "Kiểm tra định kỳ việc thực hiện Luật Hợp tác xã 2023.",
                "violations": [
                    {"description": v, "correction_deadline": _months_later(deadline, 3)} for v in inspection.violations
                ],
                "commendations": list(inspection.commendations),
            }
            step = f"inspection:{coop.registration_code}:{inspection.inspected_on}"
            written += self._write(url, step, body, f"inspection of {coop.name}")[0]
        return written, len(coop.inspections) - written

    def _contracts(self, coop: Organisation) -> tuple[int, int]:
        url = f"{self.registry}/coops/{self.ids[coop.registration_code]}/contracts"
        known = {(c["partner_id"], c["product"], c["valid_from"]) for c in self._get(url, f"contracts of {coop.name}")}
        written = 0
        for contract in coop.contracts:
            partner_id = self.partner_ids[contract.buyer]
            if (partner_id, contract.product, contract.valid_from.isoformat()) in known:
                continue
            body = {
                "partner_id": partner_id,
                "product": contract.product,
                "valid_from": contract.valid_from.isoformat(),
            }
            written += self._write(url, f"contract:{coop.registration_code}", body, f"contract of {coop.name}")[0]
        return written, len(coop.contracts) - written

    def _union_membership(self, coop: Organisation) -> tuple[int, int]:
        assert coop.union and coop.joins_union_on
        url = f"{self.registry}/unions/{self.ids[coop.union]}/members"
        body = {"coop_id": self.ids[coop.registration_code], "joined_on": coop.joins_union_on.isoformat()}
        return self._write(url, f"union:{coop.registration_code}", body, f"{coop.name} joining its union")

    def _status(self, item: tuple[Organisation, Any]) -> tuple[int, int]:
        coop, change = item
        url = f"{self.registry}/coops/{self.ids[coop.registration_code]}/status"
        body = {"status": change.status, "effective_on": change.effective_on.isoformat(), "reason": change.reason}
        return self._write(url, f"status:{coop.registration_code}:{change.status}", body, f"status of {coop.name}")

    def _plan(self, plan: dict[str, Any]) -> tuple[int, int]:
        answer = self._post(f"{self.registry}/plans/{PLAN_KEY}", f"plan:{PLAN_KEY}", plan, method="PUT")
        _expect(answer.response, f"plan {PLAN_KEY}")
        return (1, 0) if answer.response.status_code == 201 and not answer.done_before else (0, 1)

    # --- the supply chain --------------------------------------------------------------------

    def _rounds(self, coop: Organisation) -> tuple[int, int]:
        """All of a co-op's rounds in one batch: there in full (its first lot is), or written now."""
        first = self.client.get(f"{self.supplychain}/lots/{coop.rounds[0].harvests[0].lot_code}")
        if first.status_code == 200:
            return 0, len(coop.rounds)
        if first.status_code != 404:
            _expect(first, f"look up the first lot of {coop.name}")
        coop_id = self.ids[coop.registration_code]
        members = self.member_ids[coop.registration_code]
        commands = chain_commands(coop_id, coop, members)
        answer = self._post(f"{self.supplychain}/batch", f"chain:{coop.registration_code}", {"commands": commands})
        _expect(answer.response, f"the harvest rounds of {coop.name}")
        if answer.done_before:
            return 0, len(coop.rounds)
        self.report.chain_events += len(commands)
        return len(coop.rounds), 0

    def _caught_up(self) -> None:
        """Wait until every consumer of every service has read and acknowledged everything: then the
        dashboard shows the whole province and `htx reporting verify` agrees."""
        task = self.progress.add_task("reporting catching up", total=None)
        deadline = time.monotonic() + CATCH_UP_SECONDS
        while time.monotonic() < deadline:
            lag = 0
            for url in (self.registry, self.supplychain, self.reporting):
                health = self.client.get(f"{url}/health").json()
                lag += sum((c.get("lag") or 0) + (c.get("pending") or 0) for c in health.get("consumers", []))
            if lag == 0:
                self.progress.update(task, total=1, completed=1)
                return
            self.progress.update(task, description=f"reporting catching up ({lag:,} to read)")
            time.sleep(0.5)
        raise DemoError(f"the consumers did not catch up within {CATCH_UP_SECONDS:.0f} s (see /health)")


def _months_later(day: Any, months: int) -> str:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1).isoformat()


def _organisation_row(o: Organisation) -> dict[str, str]:
    return {
        "Tên HTX": o.name,
        "Mã số đăng ký": o.registration_code,
        "Ngày thành lập": o.founded_on.strftime("%d/%m/%Y"),
        "Mã xã": o.ward_code,
        "Loại hình": FORM_LABELS[o.form],
        "Sản phẩm chính": "; ".join(o.main_products),
    }


def _member_row(o: Organisation, m: Any) -> dict[str, str]:
    return {
        "Mã số đăng ký HTX": o.registration_code,
        "Họ và tên": m.name,
        "Ngày vào": m.joined_on.strftime("%d/%m/%Y"),
        "Hình thức": MEMBERSHIP_LABELS[m.membership],
        "Vốn góp": str(m.capital_vnd),
        "Số CCCD": m.id_number,
    }


def chain_commands(coop_id: int, coop: Organisation, members: dict[str, int]) -> list[dict[str, Any]]:
    """A co-op's rounds as one batch: every harvest first (one run, written set-based: ADR 0023), then
    each round's purchases, its processing into dry tea and the sale of that tea."""
    harvests = [h for r in coop.rounds for h in r.harvests]
    commands = [_harvest_command(coop_id, coop, h, members) for h in harvests]
    for round_ in coop.rounds:
        commands += _round_commands(coop_id, round_)
    return commands


def _harvest_command(coop_id: int, coop: Organisation, harvest: Harvest, members: dict[str, int]) -> dict[str, Any]:
    return {
        "type": "harvest",
        "coop_id": coop_id,
        "member_id": members[coop.members[harvest.member].name],
        "product": "chè búp tươi",
        "quantity_kg": str(harvest.kg),
        "harvested_on": harvest.harvested_on.isoformat(),
        "harvest_round": harvest.harvest_round,
        "lot_code": harvest.lot_code,
        "plot_code": harvest.plot_code,
    }


def _round_commands(coop_id: int, round_: Round) -> list[dict[str, Any]]:
    """A round after its harvests: each delivery bought, all of them processed, the dry tea sold."""
    commands: list[dict[str, Any]] = []
    for harvest in round_.harvests:
        commands.append(
            {
                "type": "purchase",
                "coop_id": coop_id,
                "lot_code": harvest.lot_code,
                "quantity_kg": str(harvest.kg),
                "price_per_kg_vnd": harvest.price_vnd,
                "purchased_on": harvest.harvested_on.isoformat(),
            }
        )
    commands.append(
        {
            "type": "processing",
            "coop_id": coop_id,
            "batch_id": round_.batch_id,
            "process": "sao sấy",
            "transformed_on": round_.processed_on.isoformat(),
            "inputs": [{"lot_code": h.lot_code, "quantity": str(h.kg)} for h in round_.harvests],
            "outputs": [{"lot_code": round_.dry_lot, "product": "chè khô", "quantity_kg": str(round_.dry_kg)}],
        }
    )
    commands.append(
        {
            "type": "sale",
            "coop_id": coop_id,
            "lot_code": round_.dry_lot,
            "buyer_name": round_.buyer,
            "quantity_kg": str(round_.dry_kg),
            "price_per_kg_vnd": round_.dry_price_vnd,
            "sold_on": round_.sold_on.isoformat(),
            "invoice_number": round_.invoice,
        }
    )
    return commands
