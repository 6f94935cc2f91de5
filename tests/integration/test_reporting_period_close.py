"""Figures that mean what the plan means, and the province closing a year's scorecard (ADR 0025),
on both backends, on a fixed clock (15 March 2026).

Data, by hand (2025):
- C1..C6 hợp tác xã founded 2015, graded for 2025: C1 Tốt, C2 Khá, C3 Tốt, C4 Khá, C5 Tốt, C6 Yếu;
  C7 a tổ hợp tác graded Tốt. Effective share = 5 of the 6 hợp tác xã graded = 0,8333 (counting
  the tổ hợp tác it would be 6/7 = 0,8571).
- C8 hợp tác xã founded 2015, dissolved 15 October 2025, with members M1, M2 (official): not
  counted on 31 December. C1 has M3 (official) and M4 (worker): members 1, workers 1.
- Inspections: I1 of C1 (v2) with three commendations; I2 of C2 published as v1 "commended"
  (one, by the upcaster); I3 of C3 as v1 not commended (none): 4 commendations.
- M3 sold to C1: P0 1.000.000 ₫ in 2024; P1 1.100.000 ₫ and P2 400.000 ₫ in 2025. Average 2025
  1.500.000 ₫, growth 50 %. After the close, P2 is declared wrong (February 2026): 1.100.000 ₫,
  growth 10 %; and C6 is regraded Khá: effective share 6/6 = 100 %.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select

from services.reporting.app import create_app
from services.reporting.tables import ClosedFigureRow
from services.reporting.verify import restated_closes
from shared.db import create_engine, session_factory
from shared.events.registry import CoopGraded, InspectionRecorded, InspectionRecordedV1
from shared.events.supplychain import EventCorrected
from tests.integration.reporting_events import (
    REGISTRY,
    SUPPLYCHAIN,
    coop,
    envelope,
    joined,
    publish,
    purchase,
    status,
)
from tests.integration.test_reporting_projections import consumed
from tests.integration.test_reporting_rebuild import rebuilt
from tests.support import bearer, running_app, service_settings

TODAY = date(2026, 3, 15)
PROVINCE = bearer("province")
GRADES = {1: "tot", 2: "kha", 3: "tot", 4: "kha", 5: "tot", 6: "yeu", 7: "tot"}


def _graded(coop_id: int, grade: str, revision: int = 1) -> CoopGraded:
    return CoopGraded(
        grading_id=coop_id * 10 + revision,
        coop_id=coop_id,
        year=2025,
        scheme="tt01-2020",
        total_score=None,
        grade=grade,
        revision=revision,
    )


@pytest.fixture
async def closing(database_url_factory, redis_url, redis, stream_prefix):
    """(client, publish more, database url, P2's event id) over the dataset above, consumed."""
    url = await database_url_factory("reporting")
    app = create_app(
        service_settings(database_url=url, redis_url=redis_url, stream_prefix=stream_prefix), today=lambda: TODAY
    )
    registry_events = [
        *(coop(n, "hop_tac_xa", date(2015, 1, 1)) for n in range(1, 7)),
        coop(7, "to_hop_tac", date(2015, 1, 1)),
        coop(8, "hop_tac_xa", date(2015, 1, 1)),
        status(8, "dissolved", date(2025, 10, 15)),
        joined(1, 8, "official", date(2016, 1, 1)),
        joined(2, 8, "official", date(2016, 1, 1)),
        joined(3, 1, "official", date(2016, 1, 1)),
        joined(4, 1, "worker", date(2016, 1, 1)),
        *(_graded(coop_id, grade) for coop_id, grade in GRADES.items()),
        InspectionRecorded(
            inspection_id=1, coop_id=1, inspected_on=date(2025, 6, 1), body="Sở NN", kind="định kỳ", commendations=3
        ),
        InspectionRecordedV1(
            inspection_id=2, coop_id=2, inspected_on=date(2025, 7, 1), body="Sở NN", kind="định kỳ", commended=True
        ),
        InspectionRecordedV1(
            inspection_id=3, coop_id=3, inspected_on=date(2025, 8, 1), body="UBND xã", kind="đột xuất"
        ),
    ]
    wrong = envelope(purchase(3, "L2", 1, 3, "40", 10_000, date(2025, 7, 1)))
    supplychain_events = [
        envelope(purchase(1, "L0", 1, 3, "100", 10_000, date(2024, 6, 1))),
        envelope(purchase(2, "L1", 1, 3, "110", 10_000, date(2025, 6, 1))),
        wrong,
    ]
    await publish(redis, stream_prefix + REGISTRY, *map(envelope, registry_events))
    await publish(redis, stream_prefix + SUPPLYCHAIN, *supplychain_events)
    streams = {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN}
    async with running_app(app) as client:
        await consumed(client, streams)

        async def more(stream: str, *events) -> None:
            await publish(redis, stream_prefix + stream, *map(envelope, events))
            await consumed(client, streams)

        yield client, more, url, str(wrong.event_id)


async def _closed_rows(url: str) -> int:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            return int((await session.exec(select(func.count()).select_from(ClosedFigureRow))).one())
    finally:
        await engine.dispose()


async def test_figures_follow_the_plan_and_say_what_they_count(closing):
    client, _, _, _ = closing
    report = (await client.get("/kpis", params={"year": 2025})).json()
    # The hợp tác xã's share: 5/6, not 6/7 with the tổ hợp tác.
    assert report["effective_share"]["value"] == 0.8333
    assert (report["grading"]["graded"], report["grading"]["effective"]) == (6, 5)
    # C8 dissolved in October: its two members are not counted on 31 December.
    assert (report["members"]["members"], report["members"]["workers"]) == (1, 1)
    assert (report["member_income"]["average_vnd"], report["member_income_growth"]["value"]) == (1_500_000, 0.5)
    definition = report["effective_share"]["definition"]
    assert definition["forms"] == ["hop_tac_xa"] and definition["last"] == "2025-12-31"
    assert "không tính tổ hợp tác" in definition["vi"] and "co-operative groups" in definition["en"]
    members = report["members"]["definition"]
    assert "31/12/2025" in members["vi"] and "dissolved" in members["en"] and len(members["forms"]) == 3
    assert report["new_coops"]["definition"]["first"] == "2025-01-01"
    assert report["closed"] is None
    # Commendations are counted: 3 in I1, 1 for the v1 "commended" I2, none for I3.
    inspections = (await client.get("/reports/inspections", params={"year": 2025}, headers=PROVINCE)).json()
    assert inspections["totals"]["commendations"] == 4
    assert {row["coop_id"]: row["commendations"] for row in inspections["rows"]} == {1: 3, 2: 1, 3: 0}


async def test_closing_freezes_the_figures_and_a_later_correction_is_a_restatement(closing):
    client, more, url, wrong_purchase = closing
    close = "/scorecards/2025/close"
    for who in (bearer("coop", coop_id=1), bearer("buyer", partner_id=1)):
        refused = await client.post(close, headers=who)
        assert refused.status_code == 403, refused.text
    assert (await client.post(close)).status_code == 401
    running = await client.post("/scorecards/2026/close", headers=PROVINCE)
    assert (running.status_code, running.json()["detail"]["code"]) == (422, "scorecard.year_running")
    future = await client.post("/scorecards/2027/close", headers=PROVINCE)
    assert future.status_code == 422
    assert await _closed_rows(url) == 0  # nothing written by a refusal

    closed = await client.post(close, headers=PROVINCE)
    assert closed.status_code == 201, closed.text
    answer = closed.json()
    assert answer["closed"]["closed_by"] == "province:test-province" and answer["closed"]["restated"] is False
    frozen = {row["figure"]: row for row in answer["closed"]["figures"]}
    assert frozen["effective_share"] == {
        "figure": "effective_share",
        "value": 0.8333,
        "target": 0.65,
        "comparison": ">",
    }
    assert frozen["members"]["value"] == 1 and frozen["member_income_average_vnd"]["value"] == 1_500_000
    rows = await _closed_rows(url)
    assert rows == len(frozen)

    again = await client.post(close, headers=PROVINCE, params={"lang": "en"})
    assert (again.status_code, again.json()["detail"]["code"]) == (409, "scorecard.closed")
    assert "2025" in again.json()["detail"]["message"] and "not closed again" in again.json()["detail"]["message"]
    assert await _closed_rows(url) == rows

    public = (await client.get("/kpis", params={"year": 2025})).json()
    assert public["closed"]["closed_by"] == "province"  # the account that closed it is the province's to see
    assert public["closed"]["restated"] is False and public["closed"]["restatements"] == []

    # In 2026 a 2025 purchase is declared wrong and C6 is regraded: the closed figures stand, beside them
    # what the read model says now and by how much.
    await more(
        SUPPLYCHAIN,
        EventCorrected(corrected_event_id=wrong_purchase, reason="nhập trùng", declared_on=date(2026, 2, 1)),
    )
    await more(REGISTRY, _graded(6, "kha", revision=2))
    report = (await client.get("/kpis", params={"year": 2025}, headers=PROVINCE)).json()
    assert report["member_income_growth"]["value"] == 0.5 and report["effective_share"]["value"] == 0.8333
    assert report["effective_share"]["met"] is True and report["member_income"]["average_vnd"] == 1_500_000
    assert report["closed"]["restated"] is True and report["closed"]["closed_by"] == "province:test-province"
    restated = {row["figure"]: row for row in report["closed"]["restatements"]}
    assert restated == {
        "effective_share": {"figure": "effective_share", "frozen": 0.8333, "current": 1.0, "difference": 0.1667},
        "effective": {"figure": "effective", "frozen": 5, "current": 6, "difference": 1},
        "member_income_growth": {"figure": "member_income_growth", "frozen": 0.5, "current": 0.1, "difference": -0.4},
        "member_income_average_vnd": {
            "figure": "member_income_average_vnd",
            "frozen": 1_500_000,
            "current": 1_100_000,
            "difference": -400_000,
        },
    }
    # The year not closed (2024) is live as ever.
    assert (await client.get("/kpis", params={"year": 2024})).json()["closed"] is None

    page = (await client.get("/dashboard", params={"year": 2025})).text
    assert "Đã khoá sổ ngày" in page and "bởi tỉnh" in page and 'id="restatements"' in page
    assert (
        "Tăng thu nhập bình quân của thành viên: khi khoá sổ 50,0\u00a0%, nay 10,0\u00a0%, chênh lệch −40 điểm phần trăm"
        in page
    )
    assert "Thu nhập bình quân thành viên từ chuỗi: khi khoá sổ 1.500.000\u00a0₫" in page
    assert page.count('class="restated-mark"') == 2  # effective share and income growth, in the scorecard
    english = (await client.get("/dashboard", params={"year": 2025, "lang": "en"})).text
    assert "Closed on" in english and "a difference of" in english and "0.5" not in english.split('id="closed"')[0]

    # `htx reporting verify` notes the restated year (not a difference: the close stands by design).
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            (note,) = await restated_closes(session, TODAY)
    finally:
        await engine.dispose()
    assert note.startswith("the 2025 scorecard was closed on ") and "effective_share 0.8333 -> 1.0 (0.1667)" in note

    # A rebuild of the read model replays the streams; the close is reporting's own and stays.
    await rebuilt(client)
    assert await _closed_rows(url) == rows
    after = (await client.get("/kpis", params={"year": 2025}, headers=PROVINCE)).json()
    assert after["closed"] == report["closed"] and after["effective_share"] == report["effective_share"]


async def test_a_page_of_a_closed_year_not_restated_says_the_figures_agree(closing):
    client, _, _, _ = closing
    assert (await client.post("/scorecards/2025/close", headers=PROVINCE)).status_code == 201
    page = (await client.get("/dashboard", params={"year": 2025})).text
    assert 'id="not-restated"' in page and "khớp với số đã khoá sổ" in page and 'class="restated-mark"' not in page
    # Each figure's definition is on the page, under its name.
    assert "không tính tổ hợp tác, liên hiệp HTX và HTX không xếp loại" in page
    assert 'id="members-definition"' in page and "tổ chức đã giải thể hay tạm ngừng không tính" in page
