"""The dashboard's year and day on a fixed clock (15 March 2026), on both backends.

Data: C1 (hợp tác xã, 2018), C2 (hợp tác xã, April 2023) and C3 (hợp tác xã, February 2026);
M1 official, M2 worker (C1, 2018); harvests H1 (2023) and H2 12.5 kg (June 2024); sale S1 2 kg
(July 2024). The only plan is 2021–2025, so the latest year with data and a plan is 2024: 2026
has data (C3) but no plan, and 2025 a plan but no data.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.reporting.app import create_app
from tests.integration.reporting_events import REGISTRY, SUPPLYCHAIN, coop, envelope, harvest, joined, publish, sale
from tests.integration.test_reporting_projections import consumed
from tests.support import running_app, service_settings

TODAY = date(2026, 3, 15)
PLAN = "Kế hoạch phát triển kinh tế tập thể tỉnh Thái Nguyên giai đoạn 2021–2025"


@pytest.fixture
async def dashboard_client(database_url_factory, redis_url, redis, stream_prefix):
    url = await database_url_factory("reporting")
    app = create_app(
        service_settings(database_url=url, redis_url=redis_url, stream_prefix=stream_prefix), today=lambda: TODAY
    )
    await publish(
        redis,
        stream_prefix + REGISTRY,
        *map(
            envelope,
            [
                coop(1, "hop_tac_xa", date(2018, 1, 10)),
                coop(2, "hop_tac_xa", date(2023, 4, 1)),
                coop(3, "hop_tac_xa", date(2026, 2, 1)),
                joined(1, 1, "official", date(2018, 1, 10)),
                joined(2, 1, "worker", date(2018, 1, 10)),
            ],
        ),
    )
    await publish(
        redis,
        stream_prefix + SUPPLYCHAIN,
        *map(
            envelope,
            [
                harvest("H1", 1, 1, "10", date(2023, 6, 1), 1),
                harvest("H2", 1, 1, "12.5", date(2024, 6, 1), 1),
                sale(1, "H2", 1, "2", 100_000, date(2024, 7, 1)),
            ],
        ),
    )
    async with running_app(app) as client:
        await consumed(client, {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN})
        yield client


def _selected(page: str) -> str:
    return page.split(" selected>")[0].rsplit('value="', 1)[1].split('"')[0]


async def test_the_page_opens_on_the_latest_year_with_data_and_a_plan(dashboard_client):
    page = (await dashboard_client.get("/dashboard")).text
    assert "<title>Bảng chỉ tiêu kinh tế tập thể tỉnh Thái Nguyên 2024</title>" in page
    assert _selected(page) == "2024"
    assert "Số liệu đến ngày 31/12/2024." in page and "năm chưa kết thúc" not in page
    # The plan is named once, not as "Kế hoạch: Kế hoạch…"; every target of the plan is shown.
    assert page.count(PLAN) == 1 and "Kế hoạch:" not in page and "Không có mục tiêu" in page  # chain shares: none
    assert "ít nhất 30" in page and "trên 65,0\u00a0%" in page and "ít nhất 10,0\u00a0%" in page
    # Harvest and sales volumes of /kpis, in Vietnamese numbers.
    assert "12,5 kg" in page and "1 lô" in page and "2 kg" in page and "1 lần bán" in page
    english = (await dashboard_client.get("/dashboard", params={"lang": "en"})).text
    assert _selected(english) == "2024" and "Figures as of 31 Dec 2024." in english
    assert "at least 30" in english and "more than 65.0%" in english and "at least 10.0%" in english
    assert "12.5 kg" in english and "1 lot" in english and "1 sale" in english and "2 sales" not in english
    # Each figure's trend over the plan's begun years, its figures as text (C2 was founded in 2023).
    assert page.count('<svg class="trend"') == 6 and english.count('<svg class="trend"') == 6
    assert "2021: 0; 2022: 0; 2023: 1; 2024: 0; 2025: 0. Mục tiêu: ít nhất 30." in page
    assert "2021: 0; 2022: 0; 2023: 1; 2024: 0; 2025: 0. Target: at least 30." in english
    for text in (page, english):
        assert "&gt;=" not in text and "≥" not in text and "&gt; " not in text


async def test_as_of_is_never_a_day_to_come(dashboard_client):
    running = await dashboard_client.get("/kpis", params={"year": 2026})
    assert running.json()["as_of"] == "2026-03-15"
    assert running.json()["new_coops"]["value"] == 1 and running.json()["plan"] is None
    assert (await dashboard_client.get("/kpis", params={"year": 2024})).json()["as_of"] == "2024-12-31"
    page = (await dashboard_client.get("/dashboard", params={"year": 2026})).text
    assert "Số liệu đến ngày 15/03/2026 (năm chưa kết thúc)." in page and "31/12/2026" not in page
    assert "Năm 2026 không thuộc kỳ kế hoạch nào" in page
    assert '<svg class="trend"' not in page  # no plan, no plan years to draw
    english = (await dashboard_client.get("/dashboard", params={"year": 2026, "lang": "en"})).text
    assert "Figures as of 15 Mar 2026 (the year is not over)." in english and "No plan covers 2026" in english
    # A year to come is refused in the asker's language, on the page as in the API.
    for path in ("/kpis", "/dashboard"):
        refused = await dashboard_client.get(path, params={"year": 2027})
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["detail"]
        assert error["loc"] == ["query", "year"] and "chưa đến" in error["msg"] and "2026" in error["msg"]
    english_refusal = await dashboard_client.get("/kpis", params={"year": 2027}, headers={"Accept-Language": "en"})
    assert "has not come yet" in english_refusal.json()["detail"][0]["msg"]


async def test_the_year_picker_is_a_plain_form_over_the_plan_years(dashboard_client):
    page = (await dashboard_client.get("/dashboard", params={"year": 2023})).text
    form = page.split('<form class="picker"', 1)[1].split("</form>", 1)[0]
    assert 'method="get"' in form and '<select id="year" name="year">' in form and "<button" in form
    years = form.split('<select id="year"', 1)[1].split("</select>", 1)[0]
    assert [int(v.split('"')[0]) for v in years.split('value="')[1:]] == [2025, 2024, 2023, 2022, 2021]
    assert 'label="Kỳ kế hoạch 2021–2025"' in form and _selected(page) == "2023" and 'name="lang"' not in form
    assert "Số liệu đến ngày 31/12/2023." in page
    # Outside the plan, the year shown is offered too; the English page keeps its language on submit.
    english = (await dashboard_client.get("/dashboard", params={"year": 2026, "lang": "en"})).text
    form = english.split('<form class="picker"', 1)[1].split("</form>", 1)[0]
    assert 'label="Outside any plan"' in form and _selected(english) == "2026"
    assert '<input type="hidden" name="lang" value="en">' in form
