"""Reporting and payments to households, on both backends: HouseholdPaid and HouseholdPaymentVoided into
the read model (a redelivered event changes nothing), the payables report's paid and still owed, the cash
members received in the KPI scorecard, and a rebuild that gives back the same rows."""

from __future__ import annotations

from datetime import date

from services.reporting.tables import PaymentFact, PaymentVoidFact
from shared.events.supplychain import HouseholdPaid
from tests.integration.reporting_events import (
    REGISTRY,
    SUPPLYCHAIN,
    coop,
    envelope,
    joined,
    publish,
    purchase,
    voided,
)
from tests.integration.test_reporting_projections import consumed
from tests.integration.test_reporting_rebuild import rebuilt, snapshot
from tests.support import bearer, running_app


def paid(payment_id: int, member_id: int, amount: int, on: date, round_: int | None = None) -> HouseholdPaid:
    return HouseholdPaid(
        payment_id=payment_id,
        coop_id=1,
        member_id=member_id,
        amount_vnd=amount,
        method="cash",
        paid_on=on,
        harvest_round=round_,
    )


def _rows(report: dict) -> list[tuple]:
    return [
        (r["member_id"], r["harvest_round"], r["amount_vnd"], r["paid_vnd"], r["outstanding_vnd"])
        for r in report["rows"]
    ]


async def test_payments_reach_the_payables_report_and_member_income_once_and_survive_a_rebuild(
    reporting_app, redis, stream_prefix
):
    streams = {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN}
    await publish(
        redis,
        stream_prefix + REGISTRY,
        envelope(coop(1, "hop_tac_xa", date(2010, 5, 1))),
        envelope(joined(1, 1, "official", date(2015, 1, 1))),
        envelope(joined(2, 1, "official", date(2015, 1, 1))),
    )
    first = envelope(paid(1, 1, 1_000_000, date(2024, 6, 10)))  # no round: round 1 first
    wrong = envelope(paid(2, 2, 300_000, date(2024, 6, 11), round_=1))
    await publish(
        redis,
        stream_prefix + SUPPLYCHAIN,
        envelope(purchase(1, "A", 1, 1, "100", 8_000, date(2024, 6, 1), 1)),  # 800,000 owed
        envelope(purchase(2, "B", 1, 1, "50", 10_000, date(2024, 7, 1), 2)),  # 500,000 owed
        envelope(purchase(3, "C", 1, 2, "40", 10_000, date(2024, 6, 2), 1)),  # 400,000 owed
        first,
        first,  # the relay published it twice: the inbox applies it once
        wrong,
        envelope(voided(wrong, date(2024, 6, 12))),
        envelope(paid(3, 2, 150_000, date(2025, 1, 5), round_=1)),  # paid the next year
    )
    async with running_app(reporting_app) as client:
        await consumed(client, streams)
        live = await snapshot(reporting_app.state.settings.database_url)
        assert sorted(r["payment_id"] for r in live[PaymentFact.__tablename__]) == [1, 2, 3]  # once each
        assert [r["paid_event_id"] for r in live[PaymentVoidFact.__tablename__]] == [str(wrong.event_id)]

        report = (await client.get("/reports/payables", params={"year": 2024}, headers=bearer())).json()
        assert _rows(report) == [
            (1, 1, 800_000, 800_000, 0),
            (1, 2, 500_000, 200_000, 300_000),
            (2, 1, 400_000, 0, 400_000),  # the voided payment does not count, the 2025 one is out of the year
        ]
        assert (report["totals"]["paid_vnd"], report["totals"]["outstanding_vnd"]) == (1_000_000, 700_000)
        headers = [c["key"] for c in report["columns"]]
        assert headers[-2:] == ["paid_vnd", "outstanding_vnd"]
        both_years = (
            await client.get("/reports/payables", params={"from": "2024-01-01", "to": "2025-12-31"}, headers=bearer())
        ).json()
        assert _rows(both_years)[-1] == (2, 1, 400_000, 150_000, 250_000)
        by_product = (
            await client.get("/reports/payables", params={"year": 2024, "product": "chè búp tươi"}, headers=bearer())
        ).json()
        assert all(r["paid_vnd"] is None and r["outstanding_vnd"] is None for r in by_product["rows"])
        as_csv = await client.get("/reports/payables", params={"year": 2024, "format": "csv"}, headers=bearer())
        assert "Đã trả (VNĐ)" in as_csv.text and "Còn nợ (VNĐ)" in as_csv.text

        income = (await client.get("/kpis", params={"year": 2024})).json()["member_income"]
        assert (income["total_vnd"], income["paid_vnd"]) == (1_700_000, 1_000_000)
        assert (await client.get("/kpis", params={"year": 2025})).json()["member_income"]["paid_vnd"] == 150_000

        # A rebuild replays the streams into the same rows.
        await rebuilt(client)
        assert await snapshot(reporting_app.state.settings.database_url) == live
        again = (await client.get("/reports/payables", params={"year": 2024}, headers=bearer())).json()
        assert again["rows"] == report["rows"]
