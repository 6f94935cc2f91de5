"""Grading proposals and score sheets (ADR 0027) on both backends: the proposal's figures from a
small dataset worked out by hand, who may ask for it, the score sheet page of the grading in force
(Vietnamese by default, English), the list of graded co-ops linking to it.

Co-op 1, 2024, by hand:
- members during 2024: M1, M2 official, M3 associate = 3 (M4 is a worker, M5 joins in 2025,
  M6 left in 2023);
- purchases in 2024: M1 100 kg x 8.000 + M2 50 kg x 10.000 + M1 40 kg x 10.000 = 3 purchases,
  190 kg, 1.700.000 VND owed (the 2023 purchase and co-op 2's are not counted); delivering:
  M1, M2 = 2;
- paid in 2024: 1.000.000 + 500.000 = 1.500.000 (the voided 300.000 and the 2025 payment left out);
- certified members: M1 (plot 11 under C1, valid 2023-2025); C2 over M3's plot 12 was revoked in
  2023 -> 1; so both services seen (buying, certification);
- contracts in force in 2024: K1 (partner 7, open-ended) and K2 (partner 7, 2024) -> 2 contracts,
  1 partner; K3 starts in 2025.
Proposals (maxima 8, 10, 8, 4): participation 8 x 2 // 3 = 5; benefit 10 x 1.500.000 // 1.700.000
= 8; services 8 x 2 // 2 = 8; value chain, one partner: 4 x 1 // 2 = 2.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.registry.quality import grading_rules
from services.registry.quality.schemas import GradingCreate
from shared.clock import start_of_local_day
from shared.events.envelope import Event, EventEnvelope
from shared.events.registry import (
    CertificateIssued,
    CertificateRevoked,
    ChainContractSigned,
    CoopGraded,
    PlotRegistered,
    ProposedCriterion,
)
from shared.grading_items import GRADING_ITEMS
from tests.integration.reporting_events import (
    REGISTRY,
    SUPPLYCHAIN,
    coop,
    envelope,
    joined,
    left,
    publish,
    purchase,
    voided,
)
from tests.integration.test_reporting_payments import paid
from tests.integration.test_reporting_projections import consumed
from tests.integration.test_reporting_rebuild import rebuilt, snapshot
from tests.support import bearer, running_app

PROVINCE = bearer("province")
EXPECTED = {
    "technology_chain": (2, 4, {"contracts": 2, "partners": 1}),
    "member_participation": (5, 8, {"members": 3, "delivering": 2}),
    "member_benefit": (
        8,
        10,
        {"purchases": 3, "purchased_g": 190_000, "owed_vnd": 1_700_000, "paid_vnd": 1_500_000},
    ),
    "member_services": (8, 8, {"purchases": 3, "certified_members": 1, "services": 2}),
}
WHY = "Thu nhập từ cổ tức năm 2024 chưa chia theo biên bản đại hội"


def plot(plot_id: int, member_id: int) -> PlotRegistered:
    return PlotRegistered(
        plot_id=plot_id,
        coop_id=1,
        member_id=member_id,
        planting_area_code=f"VT-05488-{plot_id}",
        area_ha=Decimal("0.5"),
        crop="chè",
    )


def on(event: Event, day: date) -> EventEnvelope:
    """An event without a date field the dataset helper knows (a plot, a revocation), occurring on `day`."""
    return EventEnvelope.wrap(event, occurred_at=start_of_local_day(day), actor="province:test")


def certificate(certificate_id: int, plot_id: int) -> CertificateIssued:
    return CertificateIssued(
        certificate_id=certificate_id,
        coop_id=1,
        kind="vietgap",
        code=f"VG-{certificate_id}",
        issuer="Trung tâm Chứng nhận",
        valid_from=date(2023, 1, 1),
        valid_to=date(2025, 12, 31),
        plot_ids=[plot_id],
    )


def contract(contract_id: int, partner_id: int, first: date, last: date | None) -> ChainContractSigned:
    return ChainContractSigned(
        contract_id=contract_id,
        coop_id=1,
        partner_id=partner_id,
        product="chè búp khô",
        valid_from=first,
        valid_to=last,
    )


def graded(coop_id: int, revision: int, **workings) -> CoopGraded:
    return CoopGraded(
        grading_id=coop_id * 10 + revision,
        coop_id=coop_id,
        year=2024,
        revision=revision,
        **workings,
    )


async def _dataset(redis, stream_prefix: str, proposals: dict | None = None) -> None:
    mistaken = envelope(paid(2, 2, 300_000, date(2024, 6, 11)))
    await publish(
        redis,
        stream_prefix + REGISTRY,
        envelope(coop(1, "hop_tac_xa", date(2010, 5, 1))),
        envelope(coop(2, "hop_tac_xa", date(2012, 5, 1))),
        envelope(joined(1, 1, "official", date(2015, 1, 1))),
        envelope(joined(2, 1, "official", date(2015, 1, 1))),
        envelope(joined(3, 1, "associate", date(2016, 1, 1))),
        envelope(joined(4, 1, "worker", date(2016, 1, 1))),
        envelope(joined(5, 1, "official", date(2025, 2, 1))),
        envelope(joined(6, 1, "official", date(2015, 1, 1))),
        envelope(left(6, 1, date(2023, 6, 1))),
        envelope(joined(9, 2, "official", date(2015, 1, 1))),
        on(plot(11, 1), date(2020, 3, 1)),
        on(plot(12, 3), date(2020, 3, 1)),
        envelope(certificate(1, 11)),
        envelope(certificate(2, 12)),
        on(
            CertificateRevoked(certificate_id=2, coop_id=1, revoked_on=date(2023, 12, 1), reason="Hết điều kiện"),
            date(2023, 12, 1),
        ),
        envelope(contract(1, 7, date(2022, 1, 1), None)),
        envelope(contract(2, 7, date(2024, 3, 1), date(2024, 12, 31))),
        envelope(contract(3, 8, date(2025, 1, 1), None)),
    )
    await publish(
        redis,
        stream_prefix + SUPPLYCHAIN,
        envelope(purchase(1, "A", 1, 1, "100", 8_000, date(2024, 6, 1))),
        envelope(purchase(2, "B", 1, 2, "50", 10_000, date(2024, 7, 1))),
        envelope(purchase(3, "C", 1, 1, "40", 10_000, date(2024, 8, 1))),
        envelope(purchase(4, "D", 1, 2, "30", 10_000, date(2023, 8, 1))),
        envelope(purchase(5, "E", 2, 9, "30", 10_000, date(2024, 8, 1))),
        envelope(paid(1, 1, 1_000_000, date(2024, 6, 10))),
        mistaken,
        envelope(voided(mistaken, date(2024, 6, 12))),
        envelope(paid(3, 2, 500_000, date(2024, 9, 1))),
        envelope(paid(4, 2, 200_000, date(2025, 1, 5))),
    )


async def test_the_proposal_is_worked_out_from_the_co_ops_year(reporting_app, redis, stream_prefix):
    await _dataset(redis, stream_prefix)
    async with running_app(reporting_app) as client:
        await consumed(client, {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN})
        answer = await client.get("/coops/1/gradings/2024/proposal", headers=PROVINCE)
        assert answer.status_code == 200, answer.text
        proposal = answer.json()
        got = {p["criterion"]: (p["points"], p["maximum"], p["evidence"]) for p in proposal["proposed"]}
        assert got == EXPECTED
        assert [p["number"] for p in proposal["proposed"]] == [9, 10, 11, 12]
        assert proposal["scheme"] == "TT01-2020-15" and len(proposal["entered"]) == 11

        own = await client.get("/coops/1/gradings/2024/proposal", headers=bearer("coop", coop_id=1))
        assert own.json() == proposal
        other = await client.get("/coops/1/gradings/2024/proposal", headers=bearer("coop", coop_id=2))
        assert other.status_code == 403
        assert (
            await client.get("/coops/1/gradings/2024/proposal", headers=bearer("buyer", partner_id=7))
        ).status_code == 403
        assert (await client.get("/coops/1/gradings/2024/proposal")).status_code == 401
        bad_year = await client.get("/coops/1/gradings/1900/proposal", headers=PROVINCE)
        assert bad_year.status_code == 422

        # The prefill is what the registry's grading takes: with the entered scores added, it validates.
        prefill = proposal["prefill"]
        assert prefill["scores"] == {code: points for code, (points, _, _) in EXPECTED.items()}
        entered = {code: 0 for code in proposal["entered"]}
        body = GradingCreate.model_validate({"year": 2024, **prefill, "scores": prefill["scores"] | entered})
        assert body.proposal["member_benefit"].evidence == EXPECTED["member_benefit"][2]
        assert grading_rules.total_score(body.scores or {}, grading_rules.TT01_2020_15) == 2 + 5 + 8 + 8

        nothing = (await client.get("/coops/2/gradings/2023/proposal", headers=PROVINCE)).json()
        assert [p["points"] for p in nothing["proposed"]] == [0, 0, 0, 0]


def _workings(proposal: dict) -> dict:
    """A grading as the registry publishes it: the proposal taken, except member benefit (changed, with a reason)."""
    scores = {item.code: item.maximum for item in GRADING_ITEMS} | {"capital": 4}
    proposed = {p["criterion"]: p for p in proposal["proposed"]}
    scores |= {code: p["points"] for code, p in proposed.items()} | {"member_benefit": 7}
    return {
        "scheme": "TT01-2020-15",
        "total_score": sum(scores.values()),
        "grade": "tot",
        "scores": scores,
        "maxima": {item.code: item.maximum for item in GRADING_ITEMS},
        "proposal": {
            code: ProposedCriterion(points=p["points"], rule=p["rule"], evidence=p["evidence"])
            for code, p in proposed.items()
        },
        "notes": {"member_benefit": WHY},
    }


async def test_the_score_sheet_shows_the_workings_of_the_grading_in_force(reporting_app, redis, stream_prefix):
    await _dataset(redis, stream_prefix)
    async with running_app(reporting_app) as client:
        streams = {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN}
        await consumed(client, streams)
        proposal = (await client.get("/coops/1/gradings/2024/proposal", headers=PROVINCE)).json()
        workings = _workings(proposal)
        assert workings["total_score"] == 100 - 3 - 2 - 3 - 3  # capital, value chain, participation, benefit
        await publish(
            redis,
            stream_prefix + REGISTRY,
            envelope(graded(1, 1, scheme="TT01-2020", total_score=70, grade="kha")),  # before the workings
            envelope(graded(1, 2, supersedes_grading_id=11, **workings)),
            envelope(graded(2, 1, scheme="TT01-2020", total_score=55, grade="trung_binh")),
        )
        await consumed(client, streams)

        sheet = await client.get("/dashboard/gradings/1/2024", headers=PROVINCE)
        assert sheet.status_code == 200, sheet.text
        page = sheet.text
        assert '<html lang="vi">' in page and "Phiếu chấm điểm xếp loại: HTX Chè số 1, năm 2024" in page
        assert page.count('<tr id="line-') == 15
        assert f">{workings['total_score']} / 100<" in page and ">Tốt<" in page
        benefit = page.split('<tr id="line-member_benefit">')[1].split("</tr>")[0]
        assert "11. Lợi ích thành viên" in benefit and "<strong>7</strong>" in benefit and "10*" in benefit
        assert "1.500.000" in benefit and "1.700.000" in benefit and "190 kg" in benefit
        assert f"Cán bộ đổi từ 8 điểm: {WHY}" in benefit
        capital = page.split('<tr id="line-capital">')[1].split("</tr>")[0]
        assert "Cán bộ nhập theo báo cáo của HTX" in capital and "<strong>4</strong>" in capital

        english = (await client.get("/dashboard/gradings/1/2024?lang=en", headers=PROVINCE)).text
        assert '<html lang="en">' in english and "Grading score sheet: HTX Chè số 1, 2024" in english
        assert "Member benefit" in english and "paid / owed" in english and "1,500,000" in english

        legacy = (await client.get("/dashboard/gradings/2/2024", headers=PROVINCE)).text
        assert 'id="no-items"' in legacy and ">55 / 100<" in legacy

        assert (await client.get("/dashboard/gradings/1/2023", headers=PROVINCE)).status_code == 404
        assert (await client.get("/dashboard/gradings/1/2024", headers=bearer("coop", coop_id=1))).status_code == 403
        signed_out = await client.get("/dashboard/gradings/1/2024")
        assert signed_out.status_code == 303 and "/dashboard/sign-in" in signed_out.headers["location"]

        listed = (await client.get("/dashboard/lists/effective?year=2024", headers=PROVINCE)).text
        assert 'href="/dashboard/gradings/1/2024"' in listed
        assert "/dashboard/gradings/2/2024" not in listed  # Trung bình is not in the effective list
        graded_list = (await client.get("/dashboard/lists/graded?year=2024&grade=trung_binh", headers=PROVINCE)).text
        assert 'href="/dashboard/gradings/2/2024"' in graded_list

        # A rebuild from the streams gives back the workings as they were.
        database = reporting_app.state.settings.database_url
        live = await snapshot(database)
        assert [row["notes"] for row in live["rpt_grading"] if row["revision"] == 2] == [{"member_benefit": WHY}]
        await rebuilt(client)
        assert await snapshot(database) == live
        assert (await client.get("/dashboard/gradings/1/2024", headers=PROVINCE)).text == page
