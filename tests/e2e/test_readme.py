"""The README, executed: its Quick start, then every bash block of its walk-through and operators' sections.

`htx up --demo` runs as a subprocess the way the Quick start says, on free ports and in its
own directory, so it clashes with neither a developer's running stack nor other tests under
xdist. Each ```bash block then runs with `bash -euo pipefail`, in README order, in a shell
whose variables carry from block to block as in a terminal. What the test changes about the
blocks, and only that: the README's `R=http://127.0.0.1:8001 ...` ports become the test's;
curl fails on any HTTP error (`fail-with-body` in a private .curlrc); `xdg-open` fetches the
page instead of opening a browser; `.venv/bin/htx` is this interpreter's `python -m htx`.
Before a block runs, the consumers have caught up (as they do while a person types), and its
output must show the block's key fields. At the end `htx up` gets SIGINT, as from Ctrl-C, and
must stop cleanly; started again on the same data it must find the demo and add nothing.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from htx.runner import (
    DEFAULT_PORTS,
    DEFAULT_REDIS_PORT,
    FRONT_ENDS,
    SERVICES,
    free_port,
    port_is_free,
    redis_executable,
)
from tests.support import wait_until

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
EXECUTED_SECTIONS = ("Walk-through of the tea chain with curl", "Operators: the `htx` command")
SHELL_VARIABLES = {"registry": "R", "supplychain": "S", "reporting": "P"}
READY_LINE = "Ctrl-C stops everything."
DEMO_COOPS = ("HTX Chè Tân Hương", "HTX Chè Tân Cương Xanh", "Tổ hợp tác chè Hồng Thái")
START_TIMEOUT = 240.0  # migrations, three services and the demo, on a loaded CI machine
BLOCK_TIMEOUT = 120.0

# What each executed block must show, in README order: (text that identifies the block, fragments of its output).
EXPECTED_BLOCKS: list[tuple[str, list[str]]] = [
    (
        "# 1. The province registers a new co-op",
        [
            '"amount_vnd": 1026000',  # 85.5 kg x 12,000 VND owed to the household
            '"household_name": "Đỗ Thị Hằng"',  # the co-op's payables: the full name
            '"household_name": "Đ. T. H."',  # the public trace by the QR code's token: initials
            '"amount_vnd": 750000',  # the sale: 50 kg x 15,000
            '"coop_name": "HTX Chè Hảo Đạt"',
            '"buyer_name": "Công ty TNHH Trà Thái Nguyên"',
            '"new_coops": 1',
        ],
    ),
    (
        "POST $S/processings",
        [
            '"yield_flagged": false',
            '"household_name": "Nguyễn Văn Hùng"',  # the demo's payables for round 1
            '"amount_vnd": 1038000',  # 86.5 kg x 12,000
            '"document_number": "PXK-THG-2026-015"',
            '"invoice_numbers": [\n        "C26TTH-0000112"',
            '"plot_code": "VT-TH-03"',
            "purchase,2026-05-06,THG-20260506-01",
            "opened http://127.0.0.1:",
        ],
    ),
    (
        "$P/kpis?year=2026",
        [
            '"members_selling": 9',
            '"with_contract": 1',
            "Kế hoạch phát triển kinh tế tập thể tỉnh Thái Nguyên giai đoạn 2021–2025",
            '"target": 30',
            '"commune_name": "Xã Đại Phúc"',
            '"member_name": "Lê Thị Hương"',
            "plan 2026-2030 2026–2030: published version 1",
        ],
    ),
    (
        "$R/plans/2026-2030/versions",
        ['"plan": "2026-2030"', '"version": 1', '"target": 35', '"changed_by": "province"'],
    ),
    (
        "$R/coops/$PAUSED/status",
        [
            '"name": "HTX Chè Tân Hương"',
            '"status": "suspended"',
            "registry.coop_status_changed",
            "registry.chain_contract_signed",
            '"imported": 3',
            '"name": "Xã Phúc Xuân"',  # GET /wards in the legacy scheme
        ],
    ),
    (
        "$S/epcis/capture",
        ['"success": true', '"bizStep": "shipping"', '"bizStep": "receiving"', '"type": "TransformationEvent"'],
    ),
    ("Idempotency-Key: $KEY", ["-20260511-"]),  # the same lot code twice: see test_readme_walk_through
    ("htx dlq list", ["no dead letters"]),
]


# --- the README ----------------------------------------------------------------------------


def readme_sections() -> dict[str, str]:
    """Each `## ` section of the README by its title."""
    parts = re.split(r"^## (.+)$", README.read_text(encoding="utf-8"), flags=re.M)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2])}


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(info string, body) of each ``` block, in order."""
    blocks, info, body = [], None, []
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            if info is None:
                info, body = line[3:].strip(), []
            else:
                blocks.append((info, "".join(body)))
                info = None
        elif info is not None:
            body.append(line)
    return blocks


def bash_blocks(text: str) -> list[str]:
    return [body for info, body in fenced_blocks(text) if info == "bash"]


def executed_blocks() -> list[str]:
    sections = readme_sections()
    missing = [title for title in EXECUTED_SECTIONS if title not in sections]
    assert not missing, f"README has no section {missing}; update EXECUTED_SECTIONS"
    return [block for title in EXECUTED_SECTIONS for block in bash_blocks(sections[title])]


# --- the stack, as the Quick start runs it ---------------------------------------------------


def _belongs_to_an_installation(name: str) -> bool:
    """Variables that would point `htx up` at someone else's Redis, databases or streams."""
    return name.startswith("HTX_") or name in ("REDIS_URL", "DATABASE_URL") or name.endswith("_DATABASE_URL")


def _write_executable(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)


@dataclass
class HtxUp:
    """`htx up --demo` in a directory of its own: what the README's reader has at the repository root."""

    workdir: Path
    ports: dict[str, int]
    redis_port: int
    env: dict[str, str] = field(default_factory=dict)
    runs: list[list[str]] = field(default_factory=list)  # the output of each start, line by line
    _process: subprocess.Popen | None = None
    _reader: threading.Thread | None = None

    @classmethod
    def prepare(cls, workdir: Path) -> HtxUp:
        stack = cls(workdir, {name: free_port() for name in (*SERVICES, *FRONT_ENDS)}, free_port())
        # The README's relative paths: .venv/bin/htx (this interpreter) and docs/ (the repository's).
        _write_executable(
            workdir / ".venv" / "bin" / "htx", f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m htx "$@"\n'
        )
        (workdir / "docs").symlink_to(REPO / "docs", target_is_directory=True)
        (workdir / ".curlrc").write_text("fail-with-body\nshow-error\n", encoding="utf-8")
        _write_executable(
            workdir / "bin" / "xdg-open",
            "#!/bin/sh\nexec curl -s -o /dev/null -w 'opened %{url_effective}\\n' \"$1\"\n",
        )
        env = {name: value for name, value in os.environ.items() if not _belongs_to_an_installation(name)}
        env.update(
            HTX_DATA_DIR=str(workdir / "data"),
            HTX_REDIS_PORT=str(stack.redis_port),
            **{f"HTX_{name.upper()}_PORT": str(port) for name, port in stack.ports.items()},
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            CURL_HOME=str(workdir),
            PATH=f"{workdir / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        )
        stack.env = env
        return stack

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    @property
    def output(self) -> str:
        return "\n".join(self.runs[-1]) if self.runs else ""

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = START_TIMEOUT) -> str:
        """Start and wait for the summary's last line; returns the output so far."""
        lines: list[str] = []
        self.runs.append(lines)
        ready = threading.Event()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "htx", "up", "--demo"],
            cwd=REPO,  # htxctl.py runs it from the repository's root
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            start_new_session=True,  # a Ctrl-C in the developer's terminal reaches pytest only
        )

        def read(stream=self._process.stdout) -> None:
            for line in stream:
                lines.append(line.rstrip("\n"))
                if line.strip() == READY_LINE:
                    ready.set()
            ready.set()  # end of output: the process is exiting

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        if not ready.wait(timeout) or not self.running:
            self.stop()
            raise AssertionError(f"htx up --demo did not come up in {timeout}s:\n{self.output}")
        # The port asked for, unless something took it meanwhile: then htx up chose another and said so.
        self.redis_port = int(re.search(r"^  redis +redis://127\.0\.0\.1:(\d+)/0 ", self.output, flags=re.M)[1])
        return self.output

    def stop(self, timeout: float = 60.0) -> int | None:
        """SIGINT, as Ctrl-C; SIGKILL only if it does not stop in time (then the test fails)."""
        if self._process is None:
            return None
        process, self._process = self._process, None
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
            self.runs[-1].append(f"(killed: no exit {timeout}s after SIGINT)")
        if self._reader is not None:
            self._reader.join(timeout)
        return code

    def token(self) -> str:
        lines = self.runs[-1]
        index = next(i for i, line in enumerate(lines) if line.startswith("Province token"))
        return lines[index + 1].strip()

    async def caught_up(self) -> None:
        """Wait until every consumer has read and acknowledged everything published so far."""

        async def quiet() -> bool:
            async with httpx.AsyncClient(timeout=5) as client:
                for service in SERVICES:
                    try:
                        health = (await client.get(f"{self.url(service)}/health")).json()
                    except (httpx.HTTPError, ValueError):
                        return False
                    consumers = health.get("consumers", [])
                    if health.get("status") != "ok" or any(c["lag"] or c["pending"] for c in consumers):
                        return False
            return True

        await wait_until(quiet, timeout=60, interval=0.1, message="the consumers to catch up")

    def assert_stopped_cleanly(self, code: int | None) -> None:
        assert code == 0, f"htx up exited with {code} after SIGINT:\n{self.output}"
        assert self.runs[-1][-2:] == ["stopping services, then redis ...", "stopped"], self.output
        assert "Traceback" not in self.output, self.output
        for port in (*self.ports.values(), self.redis_port):
            assert port_is_free(port), f"port {port} still taken after htx up stopped:\n{self.output}"
        assert not (self.workdir / "data" / "runtime.json").exists()


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> HtxUp:
    stack = HtxUp.prepare(tmp_path_factory.mktemp("readme"))
    stack.start()
    yield stack
    stack.assert_stopped_cleanly(stack.stop())


# --- the walk-through ------------------------------------------------------------------------


class Shell:
    """Bash blocks run one after the other with the variables of the earlier ones, like a terminal."""

    def __init__(self, stack: HtxUp) -> None:
        self.stack = stack
        self.state = stack.workdir / "shell-state.sh"
        self.state.write_text("", encoding="utf-8")
        baseline = subprocess.run(
            ["bash", "-c", "compgen -v"], env=stack.env, capture_output=True, text=True, check=True
        ).stdout
        self.baseline = stack.workdir / "shell-baseline.txt"
        self.baseline.write_text(baseline + "__name\n", encoding="utf-8")

    def localise(self, block: str) -> str:
        """The README's default URLs become the test stack's."""
        for service, port in DEFAULT_PORTS.items():
            block = block.replace(f"http://127.0.0.1:{port}", self.stack.url(service))
        return block

    def run(self, block: str) -> subprocess.CompletedProcess:
        script = "\n".join(
            [
                "set -euo pipefail",
                f"source {shlex.quote(str(self.state))}",
                self.localise(block),
                # Keep what the block defined for the next one.
                f'for __name in $(compgen -v); do grep -qxF "$__name" {shlex.quote(str(self.baseline))}'
                f' || declare -p "$__name"; done > {shlex.quote(str(self.state))}.new',
                f"mv {shlex.quote(str(self.state))}.new {shlex.quote(str(self.state))}",
            ]
        )
        return subprocess.run(
            ["bash", "-c", script],
            cwd=self.stack.workdir,
            env=self.stack.env,
            capture_output=True,
            text=True,
            timeout=BLOCK_TIMEOUT,
        )

    def variables(self) -> dict[str, str]:
        found = re.findall(r'^declare -\S* (\w+)="(.*)"$', self.state.read_text(encoding="utf-8"), flags=re.M)
        return dict(found)


def test_readme_points_at_the_default_ports():
    setup = executed_blocks()[0]
    urls = " ".join(f"{SHELL_VARIABLES[s]}=http://127.0.0.1:{DEFAULT_PORTS[s]}" for s in SERVICES)
    assert urls in setup, "the walk-through's first block must set R, S and P to htx up's default URLs"


def test_quick_start_prints_what_the_readme_promises(stack):
    assert "python3 htxctl.py up --demo" in readme_sections()["Quick start"]
    first_start = "\n".join(stack.runs[0])
    assert f"co-ops created: {', '.join(DEMO_COOPS)}; already there: -; added 15 members, 1 partner, " in first_start
    output = stack.output
    for service in SERVICES:
        assert f"  {service:<12} {stack.url(service)}" in output
        assert httpx.get(f"{stack.url(service)}/health", timeout=10).status_code == 200
    assert f"redis://127.0.0.1:{stack.redis_port}/0  (AOF on" in output
    # A QR trace page, by the lot's random token (the code beside it is for staff).
    printed = re.search(rf"{re.escape(stack.url('supplychain'))}/t/([\w-]{{22}})  \(THG-CK-20260508\)", output)
    assert printed, output
    page = httpx.get(f"{stack.url('supplychain')}/t/{printed.group(1)}", timeout=10)
    assert page.status_code == 200 and "THG-CK-20260508" in page.text
    assert f"{stack.url('reporting')}/dashboard" in output
    totals = httpx.get(
        f"{stack.url('supplychain')}/totals?from=2026-01-01&to=2026-12-31",
        headers={"Authorization": f"Bearer {stack.token()}"},  # the province token it printed
        timeout=10,
    )
    assert totals.status_code == 200, totals.text


async def test_every_walk_through_block_runs_and_answers(stack):
    blocks = executed_blocks()
    assert len(blocks) == len(EXPECTED_BLOCKS), (
        f"README has {len(blocks)} bash blocks in {EXECUTED_SECTIONS}; EXPECTED_BLOCKS lists {len(EXPECTED_BLOCKS)}"
    )
    shell = Shell(stack)
    for number, (block, (marker, fragments)) in enumerate(zip(blocks, EXPECTED_BLOCKS), start=1):
        assert marker in block, f"bash block {number} of the walk-through does not contain {marker!r}:\n{block}"
        await stack.caught_up()  # as it has by the time a reader types the next block
        result = shell.run(block)
        report = f"bash block {number}:\n{block}\n--- stdout:\n{result.stdout}\n--- stderr:\n{result.stderr}"
        assert result.returncode == 0, report
        for fragment in fragments:
            assert fragment in result.stdout, f"{fragment!r} missing from the answer of {report}"
        if "Idempotency-Key" in marker:  # the retry answered the first lot, it made no second one
            first, again = result.stdout.split()
            assert first == again, report
    variables = shell.variables()
    assert variables["COOP"].isdigit() and variables["MEMBER"].isdigit() and variables["PAUSED"].isdigit()
    assert variables["DRY"] == "THG-CK-20260508"
    assert re.fullmatch(r"/epcis/capture/[\w-]+", variables["CAPTURE"])
    assert (stack.workdir / "payables.xlsx").read_bytes()[:2] == b"PK"  # an XLSX is a zip


def test_readme_stream_entry_is_what_redis_cli_shows(stack):
    services = readme_sections()["Services"]
    sample = next(body for _, body in fenced_blocks(services) if body.startswith("$ redis-cli"))
    command = shlex.split(sample.splitlines()[0].removeprefix("$ "))
    assert command[:3] == ["redis-cli", "-p", str(DEFAULT_REDIS_PORT)], command
    redis_cli = Path(redis_executable()).with_name("redis-cli")  # beside the redis-server htx up runs
    shown = subprocess.run(
        [str(redis_cli), "-p", str(stack.redis_port), *command[3:]], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    fields = dict(zip(shown[1::2], shown[2::2]))  # the entry id, then field, value, field, value...
    assert list(fields) == re.findall(r'\d+\) "([a-z_]+)" +\d+\)', sample)
    assert fields["event_type"] == "registry.coop_registered" and fields["actor"] == "province:htx-operator"
    assert json.loads(fields["payload"])["name"] == "HTX Chè Tân Hương"


async def test_htx_up_demo_again_on_the_same_data_adds_nothing(stack):
    before = await _census(stack)
    stack.assert_stopped_cleanly(stack.stop())
    output = stack.start()
    assert f"co-ops created: -; already there: {', '.join(DEMO_COOPS)}; added nothing" in output
    assert await _census(stack) == before


async def _census(stack: HtxUp) -> dict:
    """How much there is of everything the demo loads, through the public APIs."""
    await stack.caught_up()
    auth = {"Authorization": f"Bearer {stack.token()}"}
    async with httpx.AsyncClient(headers=auth, timeout=30) as client:

        async def get(service: str, path: str) -> dict:
            response = await client.get(f"{stack.url(service)}{path}")
            assert response.status_code == 200, response.text
            return response.json()

        coops = (await get("registry", "/coops?limit=500"))["items"]
        partners = (await get("registry", "/partners"))["items"]
        census = {
            "coops": len(coops),
            "members": {c["name"]: (await get("registry", f"/coops/{c['id']}/members"))["total"] for c in coops},
            "contracts": {c["name"]: len(await get("registry", f"/coops/{c['id']}/contracts")) for c in coops},
            "partners": len(partners),
            "chain": await get("supplychain", "/totals?from=2025-01-01&to=2026-12-31"),
            "shipments": {p["name"]: await get("supplychain", f"/partners/{p['id']}/shipments") for p in partners},
        }
        for year in (2025, 2026):
            kpis = await get("reporting", f"/kpis?year={year}")
            census[f"kpis {year}"] = {
                key: kpis[key] for key in ("coops", "members", "harvest", "sales", "member_income")
            }
    return census
