"""A member named like a formula stays text in every export the province opens (OWASP CSV injection).

Before: `=HYPERLINK(...)` planted by a co-op token as a household's name reached the payables XLSX
as a live formula, and `+ - @` stayed raw in CSV. Both backends, real Redis.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook

from shared.events.registry import MemberJoined
from tests.integration.reporting_events import REGISTRY, SUPPLYCHAIN, coop, envelope, harvest, publish, purchase
from tests.integration.test_reporting_projections import consumed
from tests.support import bearer, running_app

FORMULA = '=HYPERLINK("http://x.example","Bấm vào đây")'


async def test_payables_exports_keep_a_formula_name_as_text(reporting_app, redis, stream_prefix):
    household = MemberJoined(
        member_id=7, coop_id=1, name=FORMULA, kind="household", membership="official", joined_on=date(2020, 1, 1)
    )
    await publish(
        redis, stream_prefix + REGISTRY, envelope(coop(1, "hop_tac_xa", date(2010, 5, 1))), envelope(household)
    )
    await publish(
        redis,
        stream_prefix + SUPPLYCHAIN,
        envelope(harvest("L-1", 1, 7, "20", date(2024, 5, 2), 1)),
        envelope(purchase(1, "L-1", 1, 7, "20", 12_000, date(2024, 5, 2), 1)),
    )
    async with running_app(reporting_app) as client:
        await consumed(client, {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN})
        params = {"year": 2024}
        as_json = (await client.get("/reports/payables", params=params, headers=bearer())).json()
        assert FORMULA in [row.get("member_name") for row in as_json["rows"]]  # the data keeps the name as given

        as_csv = await client.get("/reports/payables", params={**params, "format": "csv"}, headers=bearer())
        cells = [cell for row in csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))) for cell in row]
        assert "'" + FORMULA in cells and FORMULA not in cells

        as_xlsx = await client.get("/reports/payables", params={**params, "format": "xlsx"}, headers=bearer())
        sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
        named = [cell for row in sheet.iter_rows() for cell in row if cell.value == FORMULA]
        assert named and all(cell.data_type == "s" for cell in named)
