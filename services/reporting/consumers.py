"""Reporting's stream consumers: events from `registry.events` and `supplychain.events` into
the read model.

Each handler runs in the consumer's transaction together with the inbox row
(`shared.messaging.consumer`); `after_batch` then advances `projection_position` once for
all the events of that same transaction, so rows and position can never disagree. A rebuild
(`services.reporting.rebuild`) replays both streams through these very handlers.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm.util import identity_key
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.kpis import grams
from services.reporting.tables import (
    CertificateRevocation,
    CertificateView,
    ContractFact,
    CoopDetailsView,
    CoopStatusView,
    CoopView,
    CorrectionFact,
    GradingFact,
    HarvestFact,
    InspectionFact,
    LotOutputFact,
    MemberView,
    PartnerView,
    PaymentFact,
    PaymentVoidFact,
    PlanVersionView,
    PlotView,
    ProjectionPosition,
    PurchaseFact,
    SaleFact,
    ShipmentFact,
    ShipmentReceiptFact,
    UnionMembershipFact,
    ViolationResolutionFact,
)
from shared.events import registry, supplychain
from shared.events.envelope import Event
from shared.messaging.batch_rows import batch_rows
from shared.messaging.connection import entry_key
from shared.messaging.consumer import ConsumedEvent, EventHandlers
from shared.shapes import shared_fields

GROUP = "reporting"  # the consumer group is named after the service


async def advance_position(session: AsyncSession, events: Sequence[ConsumedEvent[Any]]) -> None:
    """Record the transaction's entries as applied, once per stream. Keeps the highest id: a
    retried entry may land after later ones."""
    latest: dict[str, str] = {}
    for event in events:
        if event.stream not in latest or entry_key(event.entry_id) > entry_key(latest[event.stream]):
            latest[event.stream] = event.entry_id
    now = datetime.now(UTC)
    for stream, entry_id in latest.items():
        # Already locked and loaded earlier in this transaction (a rebuild's page falling back to
        # one entry at a time): no second round trip.
        position = session.identity_map.get(identity_key(ProjectionPosition, stream))
        if position is None:
            position = await session.get(ProjectionPosition, stream, with_for_update=True)
        if position is None:
            session.add(ProjectionPosition(stream=stream, last_entry_id=entry_id, updated_at=now))
        elif entry_key(entry_id) > entry_key(position.last_entry_id):
            position.last_entry_id, position.updated_at = entry_id, now
            session.add(position)


def _event_id(event: ConsumedEvent[Any]) -> str:
    return str(event.envelope.event_id)


def _row(view: type[SQLModel], event: ConsumedEvent[Any], **values: Any) -> dict[str, Any]:
    """A `view` row's values for `event`: the fields it shares with the contract, the event's id
    and stream position where the view keeps them, then `values` (renamed or converted fields)."""
    shared, keeps_event_id, keeps_entry_id = _shape(view, type(event.event))
    fact = event.event
    fields = {name: getattr(fact, name) for name in shared}
    if keeps_event_id:
        fields["event_id"] = _event_id(event)
    if keeps_entry_id:
        fields["entry_id"] = event.entry_id
    return fields | values


@functools.cache
def _shape(view: type[SQLModel], contract: type[Event]) -> tuple[tuple[str, ...], bool, bool]:
    """What `_row` copies from a `contract` event into a `view` row, worked out once per pair:
    the fields both declare (`shared_fields`'s rule), and whether the view keeps the event id and
    the entry id."""
    shared = tuple(shared_fields(view, dict.fromkeys(contract.model_fields)))
    return shared, "event_id" in view.model_fields, "entry_id" in view.model_fields


# Each handler says what one event writes, through `batch_rows(session)`: `add` appends a fact,
# `upsert` sets columns of a row whoever created it, `insert_if_absent` keeps the first. The
# batch's rows go to the database together (`shared.messaging.batch_rows`), in the result that
# applying the events one at a time in stream order gives.


async def coop_registered(session: AsyncSession, event: ConsumedEvent[registry.CoopRegistered]) -> None:
    fact = event.event
    rows = batch_rows(session)
    rows.upsert(CoopView, {"coop_id": fact.coop_id, **shared_fields(CoopView, fact, exclude={"coop_id"})})
    rows.add(CoopStatusView, _row(CoopStatusView, event, effective_on=fact.founded_on))


async def coop_status_changed(session: AsyncSession, event: ConsumedEvent[registry.CoopStatusChanged]) -> None:
    batch_rows(session).add(CoopStatusView, _row(CoopStatusView, event))


async def member_joined(session: AsyncSession, event: ConsumedEvent[registry.MemberJoined]) -> None:
    # Join and leave set their own columns, so either may come first (a dead letter replayed later).
    batch_rows(session).upsert(MemberView, shared_fields(MemberView, event.event))


async def member_left(session: AsyncSession, event: ConsumedEvent[registry.MemberLeft]) -> None:
    fact = event.event
    batch_rows(session).upsert(
        MemberView, {"member_id": fact.member_id, "left_on": fact.left_on}, if_new={"coop_id": fact.coop_id}
    )


async def lot_harvested(session: AsyncSession, event: ConsumedEvent[supplychain.LotHarvested]) -> None:
    batch_rows(session).add(HarvestFact, _row(HarvestFact, event, quantity_g=grams(event.event.quantity_kg)))


async def lot_sold(session: AsyncSession, event: ConsumedEvent[supplychain.LotSold]) -> None:
    batch_rows(session).add(SaleFact, _row(SaleFact, event, quantity_g=grams(event.event.quantity_kg)))


async def coop_details_changed(session: AsyncSession, event: ConsumedEvent[registry.CoopDetailsChanged]) -> None:
    batch_rows(session).add(CoopDetailsView, _row(CoopDetailsView, event))


async def union_member_added(session: AsyncSession, event: ConsumedEvent[registry.UnionMemberAdded]) -> None:
    row = _row(UnionMembershipFact, event, change="added", effective_on=event.event.joined_on)
    batch_rows(session).add(UnionMembershipFact, row)


async def union_member_removed(session: AsyncSession, event: ConsumedEvent[registry.UnionMemberRemoved]) -> None:
    row = _row(UnionMembershipFact, event, change="removed", effective_on=event.event.left_on)
    batch_rows(session).add(UnionMembershipFact, row)


async def partner_registered(session: AsyncSession, event: ConsumedEvent[registry.PartnerRegistered]) -> None:
    batch_rows(session).replace(PartnerView, _row(PartnerView, event))


async def chain_contract_signed(session: AsyncSession, event: ConsumedEvent[registry.ChainContractSigned]) -> None:
    batch_rows(session).add(ContractFact, _row(ContractFact, event))


async def plot_registered(session: AsyncSession, event: ConsumedEvent[registry.PlotRegistered]) -> None:
    batch_rows(session).replace(PlotView, _row(PlotView, event))


async def certificate_issued(session: AsyncSession, event: ConsumedEvent[registry.CertificateIssued]) -> None:
    batch_rows(session).replace(CertificateView, _row(CertificateView, event, plot_ids=sorted(event.event.plot_ids)))


async def certificate_revoked(session: AsyncSession, event: ConsumedEvent[registry.CertificateRevoked]) -> None:
    # Its own row, so a revocation applied before its issue (a replayed dead letter) still holds.
    batch_rows(session).replace(CertificateRevocation, _row(CertificateRevocation, event))


async def coop_graded(session: AsyncSession, event: ConsumedEvent[registry.CoopGraded]) -> None:
    proposal = event.event.proposal
    proposed = {code: given.model_dump() for code, given in proposal.items()} if proposal is not None else None
    batch_rows(session).add(GradingFact, _row(GradingFact, event, proposal=proposed))


async def inspection_recorded(session: AsyncSession, event: ConsumedEvent[registry.InspectionRecorded]) -> None:
    batch_rows(session).replace(InspectionFact, _row(InspectionFact, event))


async def violation_resolved(session: AsyncSession, event: ConsumedEvent[registry.ViolationResolved]) -> None:
    batch_rows(session).add(ViolationResolutionFact, _row(ViolationResolutionFact, event))


async def lot_purchased(session: AsyncSession, event: ConsumedEvent[supplychain.LotPurchased]) -> None:
    batch_rows(session).add(PurchaseFact, _row(PurchaseFact, event, quantity_g=grams(event.event.quantity_kg)))


async def lots_transformed(session: AsyncSession, event: ConsumedEvent[supplychain.LotsTransformed]) -> None:
    fact = event.event
    inputs = sorted({lot.lot_code for lot in fact.inputs})
    rows = batch_rows(session)
    for position, output in enumerate(fact.outputs):
        rows.add(
            LotOutputFact,
            _row(
                LotOutputFact,
                event,
                position=position,
                lot_code=output.lot_code,
                product=output.product,
                grade=output.grade,
                quantity_g=grams(output.quantity_kg),
                input_lots=inputs,
            ),
        )


async def lot_shipped(session: AsyncSession, event: ConsumedEvent[supplychain.LotShipped]) -> None:
    rows = batch_rows(session)
    for position, lot in enumerate(event.event.lots):
        row = _row(ShipmentFact, event, position=position, lot_code=lot.lot_code, quantity_g=grams(lot.quantity_kg))
        rows.add(ShipmentFact, row)


async def shipment_received(session: AsyncSession, event: ConsumedEvent[supplychain.ShipmentReceived]) -> None:
    batch_rows(session).add(ShipmentReceiptFact, _row(ShipmentReceiptFact, event))


async def event_corrected(session: AsyncSession, event: ConsumedEvent[supplychain.EventCorrected]) -> None:
    """Undo a supply-chain fact: its rows stay, keyed by its event id, and every query leaves them out.

    The corrective events arrive as ordinary events of their own and are applied as such. A
    second declaration changes nothing (the first one's row stays).
    """
    batch_rows(session).insert_if_absent(CorrectionFact, _row(CorrectionFact, event))


async def household_paid(session: AsyncSession, event: ConsumedEvent[supplychain.HouseholdPaid]) -> None:
    batch_rows(session).add(PaymentFact, _row(PaymentFact, event))


async def household_payment_voided(
    session: AsyncSession, event: ConsumedEvent[supplychain.HouseholdPaymentVoided]
) -> None:
    """A voided payment's row stays and every query leaves it out, as for corrections (the first void wins)."""
    batch_rows(session).insert_if_absent(PaymentVoidFact, _row(PaymentVoidFact, event))


async def plan_published(session: AsyncSession, event: ConsumedEvent[registry.PlanPublished]) -> None:
    targets = {figure: target.model_dump() for figure, target in event.event.targets.items()}
    batch_rows(session).replace(PlanVersionView, _row(PlanVersionView, event, targets=targets))


# Every transaction of applied events also moves the stream's position.
REGISTRY_HANDLERS = EventHandlers(
    {
        registry.CoopRegistered: coop_registered,
        registry.CoopStatusChanged: coop_status_changed,
        registry.MemberJoined: member_joined,
        registry.MemberLeft: member_left,
        registry.CoopDetailsChanged: coop_details_changed,
        registry.UnionMemberAdded: union_member_added,
        registry.UnionMemberRemoved: union_member_removed,
        registry.PartnerRegistered: partner_registered,
        registry.ChainContractSigned: chain_contract_signed,
        registry.PlotRegistered: plot_registered,
        registry.CertificateIssued: certificate_issued,
        registry.CertificateRevoked: certificate_revoked,
        registry.CoopGraded: coop_graded,
        registry.InspectionRecorded: inspection_recorded,
        registry.ViolationResolved: violation_resolved,
        registry.PlanPublished: plan_published,
    },
    after_batch=advance_position,
)
SUPPLYCHAIN_HANDLERS = EventHandlers(
    {
        supplychain.LotHarvested: lot_harvested,
        supplychain.LotSold: lot_sold,
        supplychain.LotPurchased: lot_purchased,
        supplychain.LotsTransformed: lots_transformed,
        supplychain.LotShipped: lot_shipped,
        supplychain.ShipmentReceived: shipment_received,
        supplychain.EventCorrected: event_corrected,
        supplychain.HouseholdPaid: household_paid,
        supplychain.HouseholdPaymentVoided: household_payment_voided,
    },
    after_batch=advance_position,
)
HANDLERS: dict[str, EventHandlers] = {
    registry.STREAM: REGISTRY_HANDLERS,
    supplychain.STREAM: SUPPLYCHAIN_HANDLERS,
}
