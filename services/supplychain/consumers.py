"""Consumers of `registry.events`: the registry replica this service keeps, one handler per event type;
and of the service's own `supplychain.events`: what webhook subscriptions are owed (`SUBSCRIPTION_HANDLERS`).

Each handler runs inside the consumer's inbox transaction (`app` wires `REGISTRY_HANDLERS`
with `runtime.consume`). They are upserts because the registry API fallback of the commands
(`recording.known_coop`...) may have cached the row before the event arrived, or be writing it
at this very moment: new rows go in with `insert_if_absent`, so neither side fails the other.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain.epcis import subscriptions
from services.supplychain.tables import (
    KnownCertificate,
    KnownCoop,
    KnownCoopStatus,
    KnownMember,
    KnownPartner,
    KnownPlot,
)
from shared.clock import utcnow
from shared.db import insert_if_absent
from shared.events import registry as registry_contracts
from shared.events import supplychain as contracts
from shared.messaging.consumer import ConsumedEvent, EventHandlers


async def on_coop_registered(session: AsyncSession, event: ConsumedEvent[registry_contracts.CoopRegistered]) -> None:
    fact = event.event
    details = fact.model_dump(include={"name", "registration_code", "ward_code", "founded_on"})
    learnt = KnownCoop(id=fact.coop_id, status=fact.status, learnt_from="event", **details)
    if not await insert_if_absent(session, learnt):
        # Cached from the API, whose snapshot is newer than this registration: keep its status;
        # any later status change is still ahead of us on the stream and will be applied in order.
        coop = await session.get(KnownCoop, fact.coop_id)
        session.add(coop.sqlmodel_update({**details, "updated_at": utcnow()}))
    session.add(KnownCoopStatus(coop_id=fact.coop_id, status=fact.status, effective_on=fact.founded_on))


async def on_coop_status_changed(
    session: AsyncSession, event: ConsumedEvent[registry_contracts.CoopStatusChanged]
) -> None:
    fact = event.event
    coop = await session.get(KnownCoop, fact.coop_id)
    if coop is None:
        # The stream is ordered, so registration came first; a gap means lost history: retry,
        # then dead-letter for an operator rather than invent a co-op.
        raise LookupError(f"status change for co-op {fact.coop_id}, which this replica never saw")
    coop.status, coop.updated_at = fact.status, utcnow()
    session.add(coop)
    session.add(KnownCoopStatus(coop_id=fact.coop_id, status=fact.status, effective_on=fact.effective_on))


async def on_coop_details_changed(
    session: AsyncSession, event: ConsumedEvent[registry_contracts.CoopDetailsChanged]
) -> None:
    """Name and ward as they are now, and how the public trace shows the co-op's households (an
    event older than that setting leaves it as it was)."""
    fact = event.event
    coop = await session.get(KnownCoop, fact.coop_id)
    if coop is None:
        raise LookupError(f"details of co-op {fact.coop_id} changed, but this replica never saw it registered")
    values = fact.model_dump(include={"name", "ward_code", "household_display"}, exclude_none=True)
    session.add(coop.sqlmodel_update({**values, "updated_at": utcnow()}))


async def on_member_joined(session: AsyncSession, event: ConsumedEvent[registry_contracts.MemberJoined]) -> None:
    fact = event.event
    fields = fact.model_dump(include={"coop_id", "name", "kind", "membership", "joined_on"})
    if not await insert_if_absent(session, KnownMember(id=fact.member_id, learnt_from="event", **fields)):
        member = await session.get(KnownMember, fact.member_id)  # left_on stays: a later event or the API sets it
        session.add(member.sqlmodel_update({**fields, "updated_at": utcnow()}))


async def on_member_left(session: AsyncSession, event: ConsumedEvent[registry_contracts.MemberLeft]) -> None:
    fact = event.event
    member = await session.get(KnownMember, fact.member_id)
    if member is None:
        raise LookupError(f"member {fact.member_id} left, but this replica never saw them join")
    member.left_on, member.updated_at = fact.left_on, utcnow()
    session.add(member)


async def on_plot_registered(session: AsyncSession, event: ConsumedEvent[registry_contracts.PlotRegistered]) -> None:
    fact = event.event
    values = {
        **fact.model_dump(include={"coop_id", "member_id", "planting_area_code", "area_ha", "crop", "geometry"}),
        "updated_at": utcnow(),
    }
    plot = await session.get(KnownPlot, fact.plot_id)
    session.add(plot.sqlmodel_update(values) if plot else KnownPlot(id=fact.plot_id, **values))


async def on_certificate_issued(
    session: AsyncSession, event: ConsumedEvent[registry_contracts.CertificateIssued]
) -> None:
    fact = event.event
    values = {
        **{
            name: getattr(fact, name)
            for name in ("coop_id", "kind", "code", "issuer", "valid_from", "valid_to", "ocop_stars")
        },
        "plot_ids": list(fact.plot_ids),
        "products": list(fact.products),
        "updated_at": utcnow(),
    }
    certificate = await session.get(KnownCertificate, fact.certificate_id)
    session.add(
        certificate.sqlmodel_update(values) if certificate else KnownCertificate(id=fact.certificate_id, **values)
    )


async def on_certificate_revoked(
    session: AsyncSession, event: ConsumedEvent[registry_contracts.CertificateRevoked]
) -> None:
    fact = event.event
    certificate = await session.get(KnownCertificate, fact.certificate_id)
    if certificate is None:
        raise LookupError(f"certificate {fact.certificate_id} revoked, but this replica never saw it issued")
    certificate.revoked_on, certificate.updated_at = fact.revoked_on, utcnow()
    session.add(certificate)


async def on_partner_registered(
    session: AsyncSession, event: ConsumedEvent[registry_contracts.PartnerRegistered]
) -> None:
    fact = event.event
    values = {**fact.model_dump(include={"name", "kind", "ward_code"}), "updated_at": utcnow()}
    if not await insert_if_absent(session, KnownPartner(id=fact.partner_id, learnt_from="event", **values)):
        partner = await session.get(KnownPartner, fact.partner_id)
        session.add(partner.sqlmodel_update(values))


REGISTRY_HANDLERS = EventHandlers(
    {
        registry_contracts.CoopRegistered: on_coop_registered,
        registry_contracts.CoopStatusChanged: on_coop_status_changed,
        registry_contracts.CoopDetailsChanged: on_coop_details_changed,
        registry_contracts.MemberJoined: on_member_joined,
        registry_contracts.MemberLeft: on_member_left,
        registry_contracts.PlotRegistered: on_plot_registered,
        registry_contracts.CertificateIssued: on_certificate_issued,
        registry_contracts.CertificateRevoked: on_certificate_revoked,
        registry_contracts.PartnerRegistered: on_partner_registered,
    }
)


async def _chain_fact(session: AsyncSession, event: ConsumedEvent) -> None:
    """Nothing per fact: the batch's facts are matched against the subscriptions together (below)."""


async def _owed_to_subscribers(session: AsyncSession, batch: Sequence[ConsumedEvent]) -> None:
    await subscriptions.record_deliveries(session, [str(consumed.envelope.event_id) for consumed in batch])


# Every fact of the chain, in the service's own group on its own stream (ADR 0010, subscriptions).
SUBSCRIPTION_HANDLERS = EventHandlers(
    {contract: _chain_fact for contract in contracts.PUBLISHED},  # payments have no EPCIS event: none owed
    after_batch=_owed_to_subscribers,
)
