"""The dashboard's board, its lists, its downloads, the co-op's own page and who may see what,
on both backends, on a fixed clock (15 March 2026; the only plan is the shipped 2021–2025).

Data, by hand (2024 unless said):
- C1 hợp tác xã 2018 in Phường Phan Đình Phùng (05488), graded Tốt, inspected twice (3 violations,
  one resolved; three commendations in one); C2 hợp tác xã founded 1 April, graded Yếu, in 05488;
  C3 "=HYPERLINK(...)" hợp tác xã founded 1 September in Xã Phong Quang (01849), graded Yếu;
  C4 liên hiệp 2023 (05488); C5 tổ hợp tác 2010 (05488), dissolved 1 June, not graded (a tổ hợp tác: left out of the grading).
  New co-ops 2 (C2, C3), new unions since 2021: 1 (C4); graded 3 (C5 not graded is left out),
  Tốt+Khá 1 (C1); communes with an active organisation: 05488 and 01849, so 90 of 92 without.
- C1's member households M1, M2. Harvests: H0 8 kg (2023), H1 10 kg (June, M1), H2 5,5 kg (July, M2);
  C3's H3 3 kg (August, "chè khô"). C1 bought H1 at 12 000 ₫/kg (120 000 ₫) and H2 at 10 000 ₫/kg
  (55 000 ₫), paid M1 100 000 ₫; graded H1 into G1 (loại 1, 4 kg) and sold 1,5 kg of G1 for 90 000 ₫.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from services.reporting.app import create_app
from services.reporting.parameters import SESSION_COOKIE
from shared.events.registry import CoopDetailsChanged, CoopGraded, InspectionRecorded, ViolationResolved
from shared.events.supplychain import HouseholdPaid, LotQuantity, LotsTransformed
from tests.integration.reporting_events import (
    REGISTRY,
    SUPPLYCHAIN,
    coop,
    envelope,
    harvest,
    joined,
    publish,
    purchase,
    sale,
    status,
)
from tests.integration.test_reporting_projections import consumed
from tests.support import bearer, running_app, service_settings

TODAY = date(2026, 3, 15)
FORMULA_NAME = '=HYPERLINK("http://x.example","C3")'


def _graded(grading_id: int, coop_id: int, grade: str) -> CoopGraded:
    return CoopGraded(
        grading_id=grading_id, coop_id=coop_id, year=2024, scheme="tt01-2020", total_score=None, grade=grade
    )


@pytest.fixture
async def board_client(database_url_factory, redis_url, redis, stream_prefix):
    url = await database_url_factory("reporting")
    app = create_app(
        service_settings(database_url=url, redis_url=redis_url, stream_prefix=stream_prefix), today=lambda: TODAY
    )
    registry_events = [
        coop(1, "hop_tac_xa", date(2018, 1, 10)),
        coop(2, "hop_tac_xa", date(2024, 4, 1)),
        coop(3, "hop_tac_xa", date(2024, 9, 1)),
        CoopDetailsChanged(coop_id=3, name=FORMULA_NAME, ward_code="01849", changed_on=date(2024, 9, 1)),
        coop(4, "lien_hiep", date(2023, 5, 1)),
        coop(5, "to_hop_tac", date(2010, 1, 1)),
        status(5, "dissolved", date(2024, 6, 1)),
        joined(1, 1, "official", date(2018, 1, 10)),
        joined(2, 1, "official", date(2018, 1, 10)),
        _graded(1, 1, "tot"),
        _graded(2, 2, "yeu"),
        _graded(3, 3, "yeu"),
        _graded(5, 5, "not_graded"),
        InspectionRecorded(
            inspection_id=1,
            coop_id=1,
            inspected_on=date(2024, 5, 2),
            body="Sở NN",
            kind="định kỳ",
            violations=2,
            commendations=3,  # three commendations in one inspection count three
        ),
        InspectionRecorded(
            inspection_id=2, coop_id=1, inspected_on=date(2024, 10, 2), body="Sở NN", kind="đột xuất", violations=1
        ),
        ViolationResolved(inspection_id=1, violation_id=1, coop_id=1, resolved_on=date(2024, 6, 1)),
    ]
    h3 = harvest("H3", 3, 1, "3", date(2024, 8, 1), 1).model_copy(update={"product": "chè khô"})
    graded = LotsTransformed(
        batch_id="DG-1",
        coop_id=1,
        step="grading",
        inputs=[LotQuantity(lot_code="H1", quantity_kg=Decimal("10"))],
        outputs=[LotQuantity(lot_code="G1", quantity_kg=Decimal("4"), grade="loại 1")],
        transformed_on=date(2024, 7, 20),
    )
    supplychain_events = [
        harvest("H0", 1, 1, "8", date(2023, 6, 1), 1),
        harvest("H1", 1, 1, "10", date(2024, 6, 1), 1),
        harvest("H2", 1, 2, "5.5", date(2024, 7, 1), 2),
        h3,
        purchase(1, "H1", 1, 1, "10", 12_000, date(2024, 6, 1), 1),
        purchase(2, "H2", 1, 2, "5.5", 10_000, date(2024, 7, 1), 2),
        HouseholdPaid(
            payment_id=1,
            coop_id=1,
            member_id=1,
            amount_vnd=100_000,
            method="cash",
            paid_on=date(2024, 6, 5),
            harvest_round=1,
            harvest_year=2024,
        ),
        graded,
        sale(1, "G1", 1, "1.5", 60_000, date(2024, 8, 1)),
    ]
    await publish(redis, stream_prefix + REGISTRY, *map(envelope, registry_events))
    await publish(redis, stream_prefix + SUPPLYCHAIN, *map(envelope, supplychain_events))
    async with running_app(app) as client:
        await consumed(client, {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN})
        yield client


PROVINCE = bearer("province")


def _rows(answer) -> list[list[str]]:
    """A CSV download's rows without its header and its total line."""
    lines = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    return lines[1:-1]


def _figure_links(page: str) -> dict[str, tuple[str, str]]:
    """Per scorecard figure, the list URL it links to and the number it shows."""
    found = {}
    for row in re.findall(r'<tr data-figure="(\w+)">(.*?)</tr>', page, re.S):
        link = re.search(r'<a href="(/dashboard/lists/[^"]+)" class="figure">([^<]+)</a>', row[1])
        if link:
            found[row[0]] = (link.group(1).replace("&amp;", "&"), link.group(2))
    return found


async def test_the_public_board_shows_figures_targets_and_tables_but_no_list_or_household(board_client):
    page = (await board_client.get("/dashboard")).text
    assert "<title>Bảng chỉ tiêu kinh tế tập thể tỉnh Thái Nguyên 2024</title>" in page
    assert "bản gốc kèm hệ thống" in page  # the shipped plan's version
    scorecard = page.split('id="scorecard"')[1].split("</table>")[0]
    assert scorecard.count('<tr data-figure="') == 6 and scorecard.count('<svg class="trend"') == 6
    assert "ít nhất 30" in page and "trên 65,0\u00a0%" in page
    # Production by month (June 10 kg, July 5,5 kg, August 3 kg) and by commune, in Vietnamese numbers.
    assert "06/2024" in page and "5,5" in page and "Xã Phong Quang" in page and "18,5" in page
    # Grading distribution of the hợp tác xã: 1 Tốt, 2 Yếu (C5, a tổ hợp tác, is not counted); inspections: 2,
    # 3 violations, 2 open, 3 commendations (all in one inspection).
    grading = page.split('id="grading-table"')[1].split("</table>")[0]
    assert re.search(r"Yếu</td>\s*<td[^>]*>2</td>", grading)
    assert re.search(r'id="inspections-open">Chưa khắc phục<strong>2</strong>', page)
    assert re.search(r'id="inspections-commendations">Số lần khen thưởng<strong>3</strong>', page)
    assert "một lần kiểm tra khen ba điều là ba lần" in page  # the footnote says what is counted
    # Nothing names a household, no list is linked, no inspection per co-op is shown to anyone.
    assert "Hộ Nguyễn Văn" not in page and "/dashboard/lists/" not in page and "inspections-table" not in page
    assert "Đăng nhập bằng tài khoản của tỉnh" in page
    english = (await board_client.get("/dashboard", params={"lang": "en"})).text
    assert "Jun 2024" in english and "at least 30" in english and "5.5" in english


async def test_each_figure_counts_the_list_behind_it(board_client):
    page = (await board_client.get("/dashboard", headers=PROVINCE)).text
    figures = _figure_links(page)
    assert set(figures) == {"new_coops", "new_unions", "effective_share", "contract_share", "traced_sales_share"}
    assert figures["new_coops"][1] == "2" and figures["new_unions"][1] == "1"
    for key in ("new_coops", "new_unions"):
        url, shown = figures[key]
        listed = await board_client.get(url, headers=PROVINCE)
        assert listed.status_code == 200 and f"{shown} dòng" in listed.text
        assert len(_rows(await board_client.get(url + "&format=csv", headers=PROVINCE))) == int(shown)
    assert {
        row[1] for row in _rows(await board_client.get(figures["new_coops"][0] + "&format=csv", headers=PROVINCE))
    } == {"2", "3"}
    effective = _rows(await board_client.get(figures["effective_share"][0] + "&format=csv", headers=PROVINCE))
    assert [row[1] for row in effective] == ["1"]  # 1 of the 3 graded: 33,3 %
    assert figures["effective_share"][1] == "33,3\u00a0%"
    # The grading distribution's Yếu links to the two co-ops graded Yếu.
    weak = re.search(r'href="(/dashboard/lists/graded\?[^"]*grade=yeu[^"]*)">2</a>', page)
    assert weak is not None
    listed = _rows(await board_client.get(weak.group(1).replace("&amp;", "&") + "&format=csv", headers=PROVINCE))
    assert sorted(row[1] for row in listed) == ["2", "3"]
    # The communes without an active organisation: 92 less 05488 and 01849.
    without = re.search(r'id="communes-without-coop"><a href="([^"]+)">(\d+)</a>', page)
    assert without is not None and without.group(2) == "90"
    communes = _rows(await board_client.get(without.group(1).replace("&amp;", "&") + "&format=csv", headers=PROVINCE))
    assert len(communes) == 90 and "05488" not in {row[0] for row in communes}
    # The status counts link to the organisations at the year end: one dissolved (C5).
    dissolved = _rows(
        await board_client.get(
            "/dashboard/lists/organisations",
            params={"year": 2024, "status": "dissolved", "format": "csv"},
            headers=PROVINCE,
        )
    )
    assert [row[1] for row in dissolved] == ["5"]
    # The inspections per co-op are shown to the province.
    assert 'id="inspections-table"' in page


async def test_the_year_plan_commune_and_product_pickers_change_the_figures(board_client):
    page_2024 = (await board_client.get("/dashboard", headers=PROVINCE)).text
    page_2023 = (await board_client.get("/dashboard", params={"year": 2023}, headers=PROVINCE)).text
    assert _figure_links(page_2024)["new_coops"][1] == "2" and _figure_links(page_2023)["new_coops"][1] == "0"
    assert "<title>Bảng chỉ tiêu kinh tế tập thể tỉnh Thái Nguyên 2023</title>" in page_2023
    by_plan = (await board_client.get("/dashboard", params={"plan": "2021-2025"})).text
    assert "Thái Nguyên 2024</title>" in by_plan
    unknown = await board_client.get("/dashboard", params={"plan": "2031-2035", "lang": "en"})
    assert unknown.status_code == 404 and "2021-2025" in unknown.json()["detail"]["message"]
    # One commune: its production only, its organisations' grades only.
    phong_quang = (await board_client.get("/dashboard", params={"year": 2024, "commune": "01849"})).text
    months = phong_quang.split('id="production-month"')[1].split("</table>")[0]
    assert "08/2024" in months and "06/2024" not in months
    # To a visitor, grading and inspections stay the province's: in a commune of one co-op (C3) they
    # would be that co-op's grade and violations, which only the province and the co-op may see.
    grading = phong_quang.split('id="grading-table"')[1].split("</table>")[0]
    assert re.search(r"Yếu</td>\s*<td[^>]*>2</td>", grading) and 'id="graded-province-wide"' in phong_quang
    assert re.search(r'id="inspections-inspections">Số lần kiểm tra<strong>2</strong>', phong_quang)
    phong_quang = (
        await board_client.get("/dashboard", params={"year": 2024, "commune": "01849"}, headers=PROVINCE)
    ).text
    assert re.search(r'id="inspections-inspections">Số lần kiểm tra<strong>0</strong>', phong_quang)
    grading = phong_quang.split('id="grading-table"')[1].split("</table>")[0]
    assert re.search(r"Yếu</td>\s*<td[^>]*><a [^>]*>1</a></td>", grading)
    assert re.search(r"Tốt</td>\s*<td[^>]*>0</td>", grading)
    # The plan's figures stay the province's: their lists are too; the commune's grading lists are its own.
    signed_in = (await board_client.get("/dashboard", params={"year": 2024, "commune": "01849"}, headers=PROVINCE)).text
    new_coops = _figure_links(signed_in)["new_coops"]
    assert new_coops[1] == "2" and "commune" not in new_coops[0]
    weak = re.search(r'href="(/dashboard/lists/graded\?[^"]*grade=yeu[^"]*)">1</a>', signed_in)
    assert weak is not None and "commune=01849" in weak.group(1)
    listed = _rows(await board_client.get(weak.group(1).replace("&amp;", "&") + "&format=csv", headers=PROVINCE))
    assert [row[1] for row in listed] == ["3"]
    assert re.search(r'id="communes-without-coop"><a href="[^"]*commune=01849[^"]*">0</a>', signed_in)
    product = (await board_client.get("/dashboard", params={"year": 2024, "product": "chè khô"})).text
    assert "08/2024" in product.split('id="production-month"')[1].split("</table>")[0]
    assert "06/2024" not in product.split('id="production-month"')[1].split("</table>")[0]
    bad = await board_client.get("/dashboard", params={"commune": "9x"})
    assert bad.status_code == 422 and "05488" in bad.json()["detail"][0]["msg"]


async def test_downloads_are_the_tables_with_formulas_neutralised(board_client):
    months = await board_client.get("/dashboard/tables/production_month", params={"year": 2024, "format": "csv"})
    assert months.status_code == 200 and months.headers["content-type"].startswith("text/csv")
    assert _rows(months) == [["2024-06", "1", "10.000"], ["2024-07", "1", "5.500"], ["2024-08", "1", "3.000"]]
    scorecard = _rows(await board_client.get("/dashboard/tables/scorecard", params={"year": 2024}))
    assert ["new_coops", "2", ">=", "30", "False"] in scorecard
    workbook = load_workbook(
        io.BytesIO(
            (await board_client.get("/dashboard/tables/grading", params={"year": 2024, "format": "xlsx"})).content
        )
    )
    assert [cell.value for cell in workbook.active[6]] == ["not_graded", 0]  # C5 is a tổ hợp tác: not counted
    listed = await board_client.get(
        "/dashboard/lists/new_coops", params={"year": 2024, "format": "xlsx"}, headers=PROVINCE
    )
    cells = [row[0] for row in load_workbook(io.BytesIO(listed.content)).active.iter_rows(min_row=2)]
    formula = next(cell for cell in cells if cell.value == FORMULA_NAME)
    assert formula.data_type == "s"  # text, never a formula
    listed_csv = _rows(
        await board_client.get("/dashboard/lists/new_coops", params={"year": 2024, "format": "csv"}, headers=PROVINCE)
    )
    assert listed_csv[1][0] == "'" + FORMULA_NAME
    bad = await board_client.get("/dashboard/tables/grading", params={"format": "pdf", "lang": "en"})
    assert bad.status_code == 422 and "csv or xlsx" in bad.json()["detail"][0]["msg"]
    assert (await board_client.get("/dashboard/tables/nope")).status_code == 404


async def test_who_may_see_what(board_client):
    coop_one = bearer("coop", coop_id=1)
    # Lists name co-ops with grades: the province's; a co-op or a buyer is refused, a browser signed out is sent to sign in.
    assert (
        await board_client.get("/dashboard/lists/graded", params={"grade": "yeu"}, headers=coop_one)
    ).status_code == 403
    assert (
        await board_client.get("/dashboard/lists/new_coops", headers=bearer("buyer", partner_id=1))
    ).status_code == 403
    signed_out = await board_client.get("/dashboard/lists/new_coops", params={"year": 2024})
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/dashboard/sign-in?next=")
    assert (await board_client.get("/dashboard/lists/new_coops", params={"format": "csv"})).status_code == 401
    assert (await board_client.get("/dashboard/tables/inspections", params={"year": 2024})).status_code == 403
    assert (
        await board_client.get("/dashboard/tables/inspections", params={"year": 2024}, headers=PROVINCE)
    ).status_code == 200
    # The list page's downloads and language link keep its grade.
    weak = (
        await board_client.get("/dashboard/lists/graded", params={"grade": "yeu", "year": 2024}, headers=PROVINCE)
    ).text
    downloads = re.findall(r'href="(/dashboard/lists/graded\?[^"]+)"', weak)
    assert downloads and all("grade=yeu" in url for url in downloads)
    csv_url = next(url for url in downloads if "format=csv" in url).replace("&amp;", "&")
    assert sorted(row[1] for row in _rows(await board_client.get(csv_url, headers=PROVINCE))) == ["2", "3"]
    no_grade = await board_client.get("/dashboard/lists/graded", headers=PROVINCE)
    assert no_grade.status_code == 422
    bad_grade = await board_client.get("/dashboard/lists/graded", params={"grade": "xuat_sac"}, headers=PROVINCE)
    assert bad_grade.status_code == 422 and "yeu" in bad_grade.json()["detail"][0]["msg"]
    # A co-op sees its own page only; the province names the co-op.
    assert (await board_client.get("/dashboard/coop", params={"coop_id": 2}, headers=coop_one)).status_code == 403
    assert (await board_client.get("/dashboard/coop", headers=PROVINCE)).status_code == 403
    assert (
        await board_client.get("/dashboard/coop", params={"coop_id": 2, "year": 2024}, headers=PROVINCE)
    ).status_code == 200
    assert (await board_client.get("/dashboard/coop", params={"year": 2024})).status_code == 303
    assert (
        await board_client.get("/dashboard/coop", params={"year": 2024, "table": "payables", "format": "csv"})
    ).status_code == 401
    # A bad Bearer token is refused; a stale cookie is a visitor signed out.
    assert (await board_client.get("/dashboard", headers={"Authorization": "Bearer nope"})).status_code == 401
    board_client.cookies.set(SESSION_COOKIE, "stale")
    try:
        assert "/dashboard/lists/" not in (await board_client.get("/dashboard")).text
        board_client.cookies.set(SESSION_COOKIE, PROVINCE["Authorization"].split()[1])
        assert "/dashboard/lists/new_coops" in (await board_client.get("/dashboard")).text
    finally:
        board_client.cookies.clear()


async def test_a_coop_sees_its_production_purchases_payables_stock_and_sales(board_client):
    coop_one = bearer("coop", coop_id=1)
    page = (await board_client.get("/dashboard/coop", params={"year": 2024}, headers=coop_one)).text
    assert "HTX Chè số 1 — Năm 2024" in page
    assert re.search(r'id="coop-purchases">[^<]*<strong>175\.000\s*₫</strong>', page)
    assert re.search(r'id="coop-outstanding">[^<]*<strong>75\.000\s*₫</strong>', page)
    assert "Hộ Nguyễn Văn 1" in page  # its own households
    stock = page.split('id="stock-table"')[1].split("</table>")[0]
    assert "loại 1" in stock and "2,5" in stock  # 4 kg graded, 1,5 kg sold
    assert "loại 1" in page.split('id="sales_grade-table"')[1] and "Công ty CP Chè Thái Nguyên" in page
    payables = await board_client.get(
        "/dashboard/coop", params={"year": 2024, "table": "payables", "format": "csv"}, headers=coop_one
    )
    assert sorted(row[0] for row in _rows(payables)) == ["Hộ Nguyễn Văn 1", "Hộ Nguyễn Văn 2"]
    stock_csv = await board_client.get(
        "/dashboard/coop", params={"year": 2024, "table": "stock", "format": "csv"}, headers=coop_one
    )
    assert _rows(stock_csv) == [["loại 1", "1", "2.500"]]
    english = (await board_client.get("/dashboard/coop", params={"year": 2024, "lang": "en"}, headers=coop_one)).text
    assert "₫175,000" in english and "Stock by grade" in english


async def test_the_sign_in_form_is_in_the_page_language_and_refuses_other_sites(board_client):
    form = await board_client.get("/dashboard/sign-in", params={"next": "https://evil.example/", "lang": "en"})
    assert form.status_code == 200 and 'name="next" value="/dashboard"' in form.text and "Password" in form.text
    kept = await board_client.get("/dashboard/sign-in", params={"next": "/dashboard/lists/new_coops?year=2024"})
    assert 'value="/dashboard/lists/new_coops?year=2024"' in kept.text and "Mật khẩu" in kept.text
    forged = await board_client.post(
        "/dashboard/sign-in",
        data={"login": "tinh", "password": "mat-khau-bat-ky"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert forged.status_code == 403 and "cross-site" in forged.json()["detail"]["message"]
    assert SESSION_COOKIE not in forged.headers.get("set-cookie", "")
