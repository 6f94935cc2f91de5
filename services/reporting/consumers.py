"""Reporting's stream consumers: events from `registry.events` and `supplychain.events` into
the read model.

Each handler runs in the consumer's transaction together with the inbox row
(`shared.messaging.consumer`); `after_batch` then advances `projection_position` once for
all the events of that same transaction, so rows and position can never disagree. A rebuild
(`services.reporting.rebuild`) replays both streams through these very handlers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

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


V = TypeVar("V", bound=SQLModel)


def _event_id(event: ConsumedEvent[Any]) -> str:
    return str(event.envelope.event_id)


def _row(view: type[V], event: ConsumedEvent[Any], **values: Any) -> V:
    """A `view` row for `event`: the fields it shares with the contract, the event's id and
    stream position where the view keeps them, then `values` (renamed or converted fields)."""
    fields = shared_fields(view, event.event)
    if "event_id" in view.model_fields:
        fields["event_id"] = _event_id(event)
    if "entry_id" in view.model_fields:
        fields["entry_id"] = event.entry_id
    return view(**(fields | values))


async def coop_registered(session: AsyncSession, event: ConsumedEvent[registry.CoopRegistered]) -> None:
    fact = event.event
    details = shared_fields(CoopView, fact, exclude={"coop_id"})
    coop = await session.get(CoopView, fact.coop_id)
    if coop is None:
        coop = CoopView(coop_id=fact.coop_id, **details)
    else:
        coop.sqlmodel_update(details)
    session.add(coop)
    session.add(_row(CoopStatusView, event, effective_on=fact.founded_on))


async def coop_status_changed(session: AsyncSession, event: ConsumedEvent[registry.CoopStatusChanged]) -> None:
    session.add(_row(CoopStatusView, event))


async def member_joined(session: AsyncSession, event: ConsumedEvent[registry.MemberJoined]) -> None:
    fact = event.event
    member = await session.get(MemberView, fact.member_id) or MemberView(member_id=fact.member_id, coop_id=fact.coop_id)
    member.sqlmodel_update(shared_fields(MemberView, fact, exclude={"member_id"}))
    session.add(member)


async def member_left(session: AsyncSession, event: ConsumedEvent[registry.MemberLeft]) -> None:
    fact = event.event
    member = await session.get(MemberView, fact.member_id) or MemberView(member_id=fact.member_id, coop_id=fact.coop_id)
    member.left_on = fact.left_on
    session.add(member)


async def lot_harvested(session: AsyncSession, event: ConsumedEvent[supplychain.LotHarvested]) -> None:
    session.add(_row(HarvestFact, event, quantity_g=grams(event.event.quantity_kg)))


async def lot_sold(session: AsyncSession, event: ConsumedEvent[supplychain.LotSold]) -> None:
    session.add(_row(SaleFact, event, quantity_g=grams(event.event.quantity_kg)))


async def coop_details_changed(session: AsyncSession, event: ConsumedEvent[registry.CoopDetailsChanged]) -> None:
    session.add(_row(CoopDetailsView, event))


async def union_member_added(session: AsyncSession, event: ConsumedEvent[registry.UnionMemberAdded]) -> None:
    session.add(_row(UnionMembershipFact, event, change="added", effective_on=event.event.joined_on))


async def union_member_removed(session: AsyncSession, event: ConsumedEvent[registry.UnionMemberRemoved]) -> None:
    session.add(_row(UnionMembershipFact, event, change="removed", effective_on=event.event.left_on))


async def partner_registered(session: AsyncSession, event: ConsumedEvent[registry.PartnerRegistered]) -> None:
    await session.merge(_row(PartnerView, event))


async def chain_contract_signed(session: AsyncSession, event: ConsumedEvent[registry.ChainContractSigned]) -> None:
    session.add(_row(ContractFact, event))


async def plot_registered(session: AsyncSession, event: ConsumedEvent[registry.PlotRegistered]) -> None:
    await session.merge(_row(PlotView, event))


async def certificate_issued(session: AsyncSession, event: ConsumedEvent[registry.CertificateIssued]) -> None:
    await session.merge(_row(CertificateView, event, plot_ids=sorted(event.event.plot_ids)))


async def certificate_revoked(session: AsyncSession, event: ConsumedEvent[registry.CertificateRevoked]) -> None:
    # Its own row, so a revocation applied before its issue (a replayed dead letter) still holds.
    await session.merge(_row(CertificateRevocation, event))


async def coop_graded(session: AsyncSession, event: ConsumedEvent[registry.CoopGraded]) -> None:
    session.add(_row(GradingFact, event))


async def inspection_recorded(session: AsyncSession, event: ConsumedEvent[registry.InspectionRecorded]) -> None:
    await session.merge(_row(InspectionFact, event))


async def violation_resolved(session: AsyncSession, event: ConsumedEvent[registry.ViolationResolved]) -> None:
    session.add(_row(ViolationResolutionFact, event))


async def lot_purchased(session: AsyncSession, event: ConsumedEvent[supplychain.LotPurchased]) -> None:
    session.add(_row(PurchaseFact, event, quantity_g=grams(event.event.quantity_kg)))


async def lots_transformed(session: AsyncSession, event: ConsumedEvent[supplychain.LotsTransformed]) -> None:
    fact = event.event
    inputs = sorted({lot.lot_code for lot in fact.inputs})
    for position, output in enumerate(fact.outputs):
        session.add(
            _row(
                LotOutputFact,
                event,
                position=position,
                lot_code=output.lot_code,
                product=output.product,
                grade=output.grade,
                quantity_g=grams(output.quantity_kg),
                input_lots=inputs,
            )
        )


async def lot_shipped(session: AsyncSession, event: ConsumedEvent[supplychain.LotShipped]) -> None:
    for position, lot in enumerate(event.event.lots):
        session.add(
            _row(ShipmentFact, event, position=position, lot_code=lot.lot_code, quantity_g=grams(lot.quantity_kg))
        )


async def shipment_received(session: AsyncSession, event: ConsumedEvent[supplychain.ShipmentReceived]) -> None:
    session.add(_row(ShipmentReceiptFact, event))


async def event_corrected(session: AsyncSession, event: ConsumedEvent[supplychain.EventCorrected]) -> None:
    """Undo a supply-chain fact: its rows stay, keyed by its event id, and every query leaves them out.

    The corrective events arrive as ordinary events of their own and are applied as such.
    """
    if (
        await session.get(CorrectionFact, event.event.corrected_event_id) is None
    ):  # a second declaration changes nothing
        session.add(_row(CorrectionFact, event))


async def household_paid(session: AsyncSession, event: ConsumedEvent[supplychain.HouseholdPaid]) -> None:
    session.add(_row(PaymentFact, event))


async def household_payment_voided(
    session: AsyncSession, event: ConsumedEvent[supplychain.HouseholdPaymentVoided]
) -> None:
    """A voided payment's row stays and every query leaves it out, as for corrections."""
    if await session.get(PaymentVoidFact, event.event.paid_event_id) is None:
        session.add(_row(PaymentVoidFact, event))


async def plan_published(session: AsyncSession, event: ConsumedEvent[registry.PlanPublished]) -> None:
    targets = {figure: target.model_dump() for figure, target in event.event.targets.items()}
    await session.merge(_row(PlanVersionView, event, targets=targets))


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
