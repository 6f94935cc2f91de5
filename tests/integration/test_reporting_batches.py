"""Reporting's handlers applied as one batch leave what applying the events one at a time leaves.

The handlers write through per-batch buffers sent as multi-row statements
(`shared.messaging.batch_rows`), so events of one batch that write the same row (a fact and its
correction, a member's join and leave, a partner registered twice) are merged before the
database sees them; these tests hold the merge to the one-at-a-time result, on both backends.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from services.reporting.consumers import GROUP, HANDLERS
from services.reporting.tables import (
    READ_MODEL,
    CertificateView,
    CoopStatusView,
    CoopView,
    CorrectionFact,
    HarvestFact,
    MemberView,
    PartnerView,
    PaymentVoidFact,
    ProjectionPosition,
)
from shared.db import create_engine, session_factory, table_of, unit_of_work
from shared.events import registry as R
from shared.events import supplychain as S
from shared.events.envelope import Event, EventEnvelope
from shared.messaging.consumer import apply_batch
from tests.integration.reporting_events import REGISTRY, SUPPLYCHAIN, coop, joined, left


def _harvest(lot_code: str, kg: str) -> S.LotHarvested:
    return S.LotHarvested(
        lot_code=lot_code,
        coop_id=1,
        member_id=8,
        product="chè búp tươi",
        quantity_kg=Decimal(kg),
        harvested_on=date(2024, 7, 1),
        harvest_round=3,
    )


def _correction(of: EventEnvelope, reason: str) -> S.EventCorrected:
    return S.EventCorrected(corrected_event_id=str(of.event_id), reason=reason, declared_on=date(2024, 7, 2))


def _partner(ward_code: str | None) -> R.PartnerRegistered:
    return R.PartnerRegistered(partner_id=3, name="Công ty Chè Đại Từ", kind="enterprise", ward_code=ward_code)


def _certificate(code: str, plot_ids: list[int]) -> R.CertificateIssued:
    return R.CertificateIssued(
        certificate_id=5,
        coop_id=1,
        kind="vietgap",
        code=code,
        issuer="Sở NN&MT",
        valid_from=date(2024, 1, 1),
        valid_to=date(2026, 12, 31),
        plot_ids=plot_ids,
    )


def _streams() -> dict[str, list[EventEnvelope]]:
    """Each stream's events, several writing the same row within what is one batch."""
    first_harvest = EventEnvelope.wrap(_harvest("H-1", "12.5"))
    paid = EventEnvelope.wrap(
        S.HouseholdPaid(
            payment_id=1, coop_id=1, member_id=8, amount_vnd=500_000, method="cash", paid_on=date(2024, 8, 1)
        )
    )

    def void(reason: str) -> EventEnvelope:
        return EventEnvelope.wrap(
            S.HouseholdPaymentVoided(
                payment_id=1,
                paid_event_id=str(paid.event_id),
                coop_id=1,
                member_id=8,
                amount_vnd=500_000,
                reason=reason,
                voided_on=date(2024, 8, 2),
            )
        )

    registry: list[Event] = [
        coop(1, "hop_tac_xa", date(2010, 5, 1)),
        coop(1, "hop_tac_xa", date(2010, 5, 1)).model_copy(update={"name": "HTX Chè Tân Hương"}),
        left(7, 1, date(2024, 3, 1)),  # a leave before its join (the join replayed late)
        joined(7, 1, "official", date(2016, 1, 10)),
        left(7, 1, date(2024, 4, 1)),  # left again, later: this one stands
        joined(8, 1, "official", date(2018, 2, 1)),
        left(8, 1, date(2024, 12, 31)),
        _partner("05488"),
        _partner(None),  # registered again without a ward: the whole row is replaced
        _certificate("VG-1", [3, 1]),
        _certificate("VG-1b", [2]),
    ]
    return {
        REGISTRY: [EventEnvelope.wrap(event) for event in registry],
        SUPPLYCHAIN: [
            first_harvest,
            EventEnvelope.wrap(_correction(first_harvest, "sai khối lượng")),  # the fact and its correction together
            EventEnvelope.wrap(_correction(first_harvest, "khai lần hai")),  # a second declaration changes nothing
            EventEnvelope.wrap(_harvest("H-2", "7.25")),
            paid,
            void("ghi nhầm hộ"),
            void("hủy lần hai"),
        ],
    }


async def _read_model(sessions) -> dict[str, list[tuple]]:
    """Every row of the read model, by table, in key order (without the position's clock time)."""
    rows = {}
    async with sessions() as session:
        for model in READ_MODEL:
            table = table_of(model)
            columns = [column for column in table.columns if column.name != "updated_at"]
            result = await session.execute(select(*columns).order_by(*table.primary_key.columns))
            rows[table.name] = [tuple(row) for row in result.all()]
    return rows


async def _apply(url: str, streams: dict[str, list[EventEnvelope]], *, batch: int) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        for stream, envelopes in streams.items():
            entries = [(f"{number}-0", envelope) for number, envelope in enumerate(envelopes, start=1)]
            for start in range(0, len(entries), batch):
                async with unit_of_work(sessions) as work:
                    applied = await apply_batch(
                        work.session, GROUP, stream, entries[start : start + batch], HANDLERS[stream]
                    )
                assert all(applied)
        return await _read_model(sessions)
    finally:
        await engine.dispose()


async def test_one_batch_leaves_what_one_event_at_a_time_leaves(database_url_factory):
    streams = _streams()
    batched = await _apply(await database_url_factory("reporting"), streams, batch=500)
    one_by_one = await _apply(await database_url_factory("reporting"), streams, batch=1)

    assert batched == one_by_one
    # And what that is, row by row.
    supply = streams[SUPPLYCHAIN]
    assert batched[table_of(CoopView).name] == [
        (1, "HTX Chè Tân Hương", "hop_tac_xa", "TN-0001", "05488", date(2010, 5, 1))
    ]
    assert len(batched[table_of(CoopStatusView).name]) == 2  # each registration is a status row
    members = {row[0]: row for row in batched[table_of(MemberView).name]}
    assert members[7][2:] == ("household", "Hộ Nguyễn Văn 7", "official", date(2016, 1, 10), date(2024, 4, 1))
    assert members[8][2:] == ("household", "Hộ Nguyễn Văn 8", "official", date(2018, 2, 1), date(2024, 12, 31))
    assert batched[table_of(PartnerView).name] == [(3, "Công ty Chè Đại Từ", "enterprise", None)]
    (certificate,) = batched[table_of(CertificateView).name]
    assert certificate[3] == "VG-1b" and certificate[-1] == [2]  # issued again: the later issue in full
    assert sorted(row[1] for row in batched[table_of(HarvestFact).name]) == ["H-1", "H-2"]  # the facts stay
    # The first correction and the first void stand; the second of each changed nothing.
    assert batched[table_of(CorrectionFact).name] == [
        (str(supply[0].event_id), str(supply[1].event_id), "sai khối lượng", date(2024, 7, 2))
    ]
    assert batched[table_of(PaymentVoidFact).name] == [
        (str(supply[4].event_id), str(supply[5].event_id), "ghi nhầm hộ", date(2024, 8, 2))
    ]
    assert sorted(batched[table_of(ProjectionPosition).name]) == [
        (REGISTRY, f"{len(streams[REGISTRY])}-0"),
        (SUPPLYCHAIN, f"{len(supply)}-0"),
    ]


async def test_a_batch_over_rows_already_there_updates_them_as_events_one_at_a_time_would(database_url_factory):
    """A first batch writes some rows; the second writes them again, some twice (ON CONFLICT on
    rows the database holds, merged within the batch first)."""
    streams = _streams()
    first_batch = {REGISTRY: 3, SUPPLYCHAIN: 1}  # a co-op and member 7's first leave; the harvest alone
    engine = create_engine(await database_url_factory("reporting"))
    sessions = session_factory(engine)
    try:
        for stream, envelopes in streams.items():
            entries = [(f"{number}-0", envelope) for number, envelope in enumerate(envelopes, start=1)]
            for part in (entries[: first_batch[stream]], entries[first_batch[stream] :]):
                async with unit_of_work(sessions) as work:
                    assert all(await apply_batch(work.session, GROUP, stream, part, HANDLERS[stream]))
        in_two_batches = await _read_model(sessions)
    finally:
        await engine.dispose()

    assert in_two_batches == await _apply(await database_url_factory("reporting"), streams, batch=1)
