"""Benchmark: import the province's spreadsheets of co-ops and members into the registry.

Generates a co-ops file and a members file (CSV or XLSX, Vietnamese headers), migrates a
fresh registry database, and posts both files to `/imports/coops` and `/imports/members`
through the real app (ASGI, in process; the outbox relay is not started, so the figures are
the import's own: parse, validate, insert rows and outbox events in one transaction).

    .venv/bin/python benchmarks/registry_import.py            # --quick: 60 co-ops, 4,000 members
    .venv/bin/python benchmarks/registry_import.py --full     # 600 co-ops, 40,000 members
    options: --backend sqlite|postgresql|both (default both), --format csv|xlsx|both (default csv)

PostgreSQL: HTX_TEST_POSTGRES_URL or postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
(a temporary database is created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.registry.app import create_app  # noqa: E402
from shared.migrations import upgrade_async  # noqa: E402
from tests.support import bearer, service_settings, temporary_postgres_database  # noqa: E402

WARDS = ["05488", "05503", "05443", "05455", "05500", "05569", "05611", "05692", "05830", "05908"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Đỗ", "Vũ", "Đặng", "Bùi", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Hữu"]
GIVEN = ["Hằng", "Hoa", "Hùng", "Mai", "Nam", "Bình", "An", "Lan", "Tuấn", "Hương", "Cường", "Phúc"]
COOP_HEADER = ["Tên HTX", "Mã số đăng ký", "Mã số thuế", "Mã xã", "Ngày thành lập", "Loại hình", "Sản phẩm chính"]
MEMBER_HEADER = [
    "Mã số đăng ký HTX",
    "Họ và tên",
    "Loại thành viên",
    "Hình thức",
    "Ngày vào",
    "Vốn góp",
    "Số điện thoại",
    "Số CCCD",
]


def spreadsheets(coops: int, members: int, seed: int = 7) -> tuple[list[list[str]], list[list[str]]]:
    rng = random.Random(seed)
    coop_rows = []
    for index in range(coops):
        form = rng.choices(["Hợp tác xã", "Tổ hợp tác", "Liên hiệp hợp tác xã"], [90, 8, 2])[0]
        coop_rows.append(
            [
                f"HTX Chè {rng.choice(GIVEN)} {index + 1}",
                f"BM-{index + 1:05d}",
                f"46{index:08d}",
                rng.choice(WARDS),
                f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1995, 2014)}",
                form,
                "Chè búp khô; Chè xanh",
            ]
        )
    member_rows = []
    for index in range(members):
        coop = coop_rows[index % coops]
        member_rows.append(
            [
                coop[1],
                f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                rng.choices(["Hộ gia đình", "Cá nhân", "Pháp nhân"], [85, 13, 2])[0],
                rng.choices(["Chính thức", "Liên kết", "Người lao động"], [75, 10, 15])[0],
                f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2015, 2024)}",
                str(rng.randrange(0, 50_000_000, 100_000)),
                f"09{rng.randint(10_000_000, 99_999_999)}",
                f"0{index:011d}",
            ]
        )
    return coop_rows, member_rows


def encode(header: list[str], rows: list[list[str]], fmt: str) -> bytes:
    if fmt == "csv":
        return ("\n".join(",".join(row) for row in [header, *rows]) + "\n").encode("utf-8-sig")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def run_once(url: str, coops_file: bytes, members_file: bytes, fmt: str) -> dict[str, float]:
    await upgrade_async("registry", url)
    app = create_app(service_settings(database_url=url, redis_url="redis://127.0.0.1:6379/0"))
    transport = httpx.ASGITransport(app=app)
    figures = {}
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as client:
            for kind, content in (("coops", coops_file), ("members", members_file)):
                started = time.perf_counter()
                answer = await client.post(
                    f"/imports/{kind}", files={"file": (f"{kind}.{fmt}", content)}, headers=bearer()
                )
                elapsed = time.perf_counter() - started
                report = answer.json()
                if answer.status_code != 201 or report["errors"]:
                    raise SystemExit(f"{kind} import failed: {answer.status_code} {str(report)[:500]}")
                figures[kind] = elapsed
                figures[f"{kind}_rows"] = report["imported"]
    finally:
        await app.state.runtime.engine.dispose()
        await app.state.runtime.redis.aclose()
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="60 co-ops, 4,000 members (default)")
    size.add_argument("--full", action="store_true", help="600 co-ops, 40,000 members")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--format", choices=["csv", "xlsx", "both"], default="csv")
    args = parser.parse_args()
    coops, members = (600, 40_000) if args.full else (60, 4_000)
    coop_rows, member_rows = spreadsheets(coops, members)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    formats = ["csv", "xlsx"] if args.format == "both" else [args.format]
    print(f"registry import: {coops} co-ops, {members} members")
    print(f"{'backend':<11} {'format':<6} {'co-ops s':>9} {'members s':>10} {'members/s':>10}")
    for fmt in formats:
        coops_file, members_file = encode(COOP_HEADER, coop_rows, fmt), encode(MEMBER_HEADER, member_rows, fmt)
        for backend in backends:
            if backend == "sqlite":
                with tempfile.TemporaryDirectory() as scratch:
                    figures = await run_once(
                        f"sqlite+aiosqlite:///{scratch}/registry.db", coops_file, members_file, fmt
                    )
            else:
                async with temporary_postgres_database() as url:
                    figures = await run_once(url, coops_file, members_file, fmt)
            print(
                f"{backend:<11} {fmt:<6} {figures['coops']:>9.2f} {figures['members']:>10.2f} "
                f"{figures['members_rows'] / figures['members']:>10.0f}",
                flush=True,
            )


if __name__ == "__main__":
    asyncio.run(main())
