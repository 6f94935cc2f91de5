"""Supplychain trace: where lots came from and went (backward and forward), and the recall rows.

EPCIS has no genealogy query (DOMAIN.md): the trace walks this service's own tables one
level at a time, with one `IN (...)` query per level and table, so a lot with hundreds of
household inputs costs a handful of round trips, not one per lot. Facts declared wrong are
left out of every walk; their rows stay.

The trace reads plain rows (only the columns it shows, no ORM objects), sums holdings in SQL
and builds its answer with `model_construct`: every value comes from this service's own typed
columns, so validating ~600 nested objects again would only cost time (issue 12: half of a
trace's time went there).

Households appear as their co-op chose (`KnownCoop.household_display`: names, initials or
counts) to everyone but the co-op itself and the province (`shared.households`); the
per-household views (a household's or a plot's harvests) are for those two only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Row, exists
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain.queries import (
    chunks,
    corrected_event_ids,
    holdings,
    lot_events,
    lots_delivered_to,
    resolve,
    resolve_public,
    rows_in,
)
from services.supplychain.schemas import (
    LotTrace,
    TraceCertificate,
    TraceLot,
    TraceOrigin,
    TraceQuantity,
    TraceSale,
    TraceShipment,
    TraceStep,
)
from services.supplychain.tables import (
    ChainEvent,
    Correction,
    KnownCertificate,
    KnownCoop,
    KnownMember,
    KnownPlot,
    Lot,
    LotEvent,
    Purchase,
    Sale,
    Shipment,
    ShipmentLine,
    ShipmentReceipt,
    Transformation,
    TransformationInput,
)
from shared.auth import Principal
from shared.errors import Forbidden, NotFound
from shared.households import DEFAULT_DISPLAY, household_label, sees_private


async def _in(session: AsyncSession, model, column, values) -> list:
    return await rows_in(session, select(model), column, values)


# The columns the trace reads, as plain rows (attribute access by name, like the models).
LOT_COLUMNS = (
    Lot.id,
    Lot.code,
    Lot.product,
    Lot.grade,
    Lot.unit,
    Lot.coop_id,
    Lot.created_on,
    Lot.initial_quantity,
    Lot.transformation_id,
    Lot.member_id,
    Lot.plot_code,
    Lot.harvested_on,
    Lot.harvest_round,
    Lot.harvested_quantity_kg,
)
BATCH_COLUMNS = (
    Transformation.id,
    Transformation.event_id,
    Transformation.batch_id,
    Transformation.step,
    Transformation.process,
    Transformation.transformed_on,
    Transformation.yield_ratio,
    Transformation.yield_flagged,
)
INPUT_COLUMNS = (TransformationInput.transformation_id, TransformationInput.lot_id, TransformationInput.quantity)


async def _rows(session: AsyncSession, columns: tuple, column, values) -> list:
    return await rows_in(session, select(*columns), column, values)


# --- trace -------------------------------------------------------------------------------------


def _upstream(lot_ids: list[int]):
    """The ids of these lots and of every lot they were made from through batches not declared wrong."""
    up = select(col(Lot.id).label("lot_id")).where(col(Lot.id).in_(lot_ids)).cte("upstream", recursive=True)
    reached = up.alias("reached")
    made_from = (
        select(TransformationInput.lot_id)
        .join(Lot, col(Lot.transformation_id) == col(TransformationInput.transformation_id))
        .join(reached, reached.c.lot_id == col(Lot.id))
        .join(Transformation, col(Transformation.id) == col(TransformationInput.transformation_id))
        .where(~exists().where(col(Correction.corrected_event_id) == col(Transformation.event_id)))
    )
    return select(up.union(made_from).c.lot_id)


class _Walk:
    """Lots, batches and their inputs met while walking, loaded in bulk."""

    def __init__(self, session: AsyncSession, corrected: set[str]) -> None:
        self.session, self.corrected = session, corrected
        self.lots: dict[int, Row] = {}  # LOT_COLUMNS
        self.batches: dict[int, Row] = {}  # BATCH_COLUMNS
        self.inputs: dict[int, list[Row]] = {}  # INPUT_COLUMNS
        self.downstream: set[int] = set()  # the start lots and every lot made from them

    async def add_lots(self, ids) -> list[Row]:
        new = [i for i in set(ids) if i not in self.lots]
        for lot in await _rows(self.session, LOT_COLUMNS, Lot.id, new):
            self.lots[lot.id] = lot
        return [self.lots[i] for i in new if i in self.lots]

    async def add_batches(self, ids) -> list[Row]:
        new = [i for i in set(ids) if i not in self.batches]
        live = [
            b
            for b in await _rows(self.session, BATCH_COLUMNS, Transformation.id, new)
            if b.event_id not in self.corrected
        ]
        for batch in live:
            self.batches[batch.id] = batch
            self.inputs[batch.id] = []
        for row in await _rows(
            self.session, INPUT_COLUMNS, TransformationInput.transformation_id, [b.id for b in live]
        ):
            self.inputs[row.transformation_id].append(row)
        return live

    async def backward(self, start: list[int]) -> None:
        """Every lot upstream, whatever the depth, by one recursive query; then those lots, their
        batches and the batches' inputs: four reads, not three per level."""
        ids = await upstream_ids(self.session, start)
        made_by = [lot.transformation_id for lot in await self.add_lots(ids) if lot.transformation_id]
        await self.add_batches(made_by)

    async def forward(self, start: list[int]) -> None:
        await self.add_lots(start)
        self.downstream.update(start)
        frontier = start
        while frontier:
            used_in = await rows_in(
                self.session,
                select(TransformationInput.transformation_id),
                TransformationInput.lot_id,
                frontier,
            )
            batches = await self.add_batches(used_in)
            outputs = await rows_in(self.session, select(Lot.id), Lot.transformation_id, [b.id for b in batches])
            frontier = [lot_id for lot_id in outputs if lot_id not in self.downstream]
            self.downstream.update(frontier)
            await self.add_lots(frontier)


async def upstream_ids(session: AsyncSession, lot_ids: Sequence[int]) -> set[int]:
    """The ids of these lots and of every lot they were made from, through batches not declared wrong."""
    ids: set[int] = set()
    for part in chunks(lot_ids):
        ids.update((await session.exec(_upstream(part))).all())
    return ids


async def upstream_lots(session: AsyncSession, lot_ids: list[int]) -> list[Lot]:
    """The lots and every lot they were made from (a buyer's EPCIS scope): the recursive query alone
    knows which, without the rows a trace shows."""
    return await _in(session, Lot, Lot.id, list(await upstream_ids(session, lot_ids)))


async def trace(
    session: AsyncSession,
    start: Sequence[Lot],
    direction: str,
    *,
    serial: str | None = None,
    skip_corrected_origins: bool = False,
    viewer: Principal | None = None,
) -> LotTrace:
    """Backward to households, plots, rounds and certificates; forward to lots, shipments, buyers.

    Shipments and sales are those of the start lots and of what was made from them, never those
    of an input: an input's other part sold to someone else did not become these lots (a 7.4 kg
    packed lot is not "sold to X, 50,000 kg" because its raw leaf lot was), and who else buys
    from the co-op is not the reader's business.

    Households as `viewer` may see them: in full for their co-op and the province, else as
    their co-op chose (anonymous, the default, is the most restricted view).
    """
    corrected = await corrected_event_ids(session)
    walk = _Walk(session, corrected)
    start_ids = [lot.id for lot in start]
    if direction in ("backward", "both"):
        await walk.backward(start_ids)
    if direction in ("forward", "both"):
        await walk.forward(start_ids)
    await walk.add_lots(start_ids)

    # A step shows everything it took and made, also lots the walk did not follow (a sibling
    # output, another household's input): their codes are loaded for naming only.
    outputs = await _rows(session, LOT_COLUMNS, Lot.transformation_id, list(walk.batches))
    named = {lot.id: lot for lot in outputs} | walk.lots
    unnamed = {row.lot_id for rows in walk.inputs.values() for row in rows} - set(named)
    named |= {lot.id: lot for lot in await _rows(session, LOT_COLUMNS, Lot.id, unnamed)}
    held = await holdings(session, walk.lots)
    step_of = {b.id: b.step for b in walk.batches.values()}
    lot_rows = sorted(walk.lots.values(), key=lambda lot: (lot.created_on, lot.code))
    origins, households = await _origins(
        session,
        [lot for lot in lot_rows if lot.member_id is not None],
        corrected,
        skip_corrected=skip_corrected_origins,
        viewer=viewer,
    )
    return LotTrace.model_construct(
        direction=direction,
        start=[lot.code for lot in start],
        serial=serial,
        households=households,
        lots=[
            TraceLot.model_construct(
                code=lot.code,
                product=lot.product,
                grade=lot.grade,
                unit=lot.unit,
                coop_id=lot.coop_id,
                created_on=lot.created_on,
                step=step_of.get(lot.transformation_id, "harvest"),
                quantity_held=held[lot.id],
            )
            for lot in lot_rows
        ],
        steps=_steps(walk, outputs, named),
        origins=origins,
        shipments=await _shipments(session, walk, corrected) if direction != "backward" else [],
        sales=await _sales(session, walk, corrected) if direction != "backward" else [],
    )


def _steps(walk: _Walk, outputs: list[Row], named: dict[int, Row]) -> list[TraceStep]:
    made: dict[int, list[Row]] = defaultdict(list)
    for lot in outputs:
        made[lot.transformation_id].append(lot)
    steps = []
    for batch in sorted(walk.batches.values(), key=lambda b: (b.transformed_on, b.batch_id)):
        inputs = sorted(walk.inputs[batch.id], key=lambda row: named[row.lot_id].code)
        steps.append(
            TraceStep.model_construct(
                batch_id=batch.batch_id,
                step=batch.step,
                process=batch.process,
                transformed_on=batch.transformed_on,
                inputs=[
                    TraceQuantity.model_construct(
                        lot_code=named[row.lot_id].code, quantity=row.quantity, unit=named[row.lot_id].unit
                    )
                    for row in inputs
                ],
                outputs=[
                    TraceQuantity.model_construct(lot_code=lot.code, quantity=lot.initial_quantity, unit=lot.unit)
                    for lot in sorted(made[batch.id], key=lambda lot: lot.code)
                ],
                yield_ratio=batch.yield_ratio if batch.step == "processing" else None,
                yield_flagged=batch.yield_flagged,
            )
        )
    return steps


def certificate_valid_on(certificate: KnownCertificate, day: date, plot_id: int | None) -> bool:
    """Inside its window, not yet revoked, and covering the plot (or the whole co-op)."""
    if not certificate.valid_from <= day <= certificate.valid_to:
        return False
    if certificate.revoked_on is not None and day >= certificate.revoked_on:
        return False
    return not certificate.plot_ids or (plot_id is not None and plot_id in certificate.plot_ids)


async def _origins(
    session: AsyncSession, harvests: list[Row], corrected: set[str], *, skip_corrected: bool, viewer: Principal | None
) -> tuple[list[TraceOrigin], int]:
    """The harvest lots' origins as `viewer` may see them, and how many households they come from."""
    if skip_corrected:
        harvested = select(LotEvent.lot_id, LotEvent.event_id).where(LotEvent.kind == "harvested")
        wrong = {
            lot_id
            for lot_id, event_id in await rows_in(session, harvested, LotEvent.lot_id, [lot.id for lot in harvests])
            if event_id in corrected
        }
        harvests = [lot for lot in harvests if lot.id not in wrong]
    coops = {
        c.id: c
        for c in await _rows(
            session,
            (KnownCoop.id, KnownCoop.name, KnownCoop.ward_code, KnownCoop.household_display),
            KnownCoop.id,
            [lot.coop_id for lot in harvests],
        )
    }
    members = dict(
        await rows_in(
            session, select(KnownMember.id, KnownMember.name), KnownMember.id, [lot.member_id for lot in harvests]
        )
    )
    plots = {
        (coop_id, code): plot_id
        for coop_id, code, plot_id in await rows_in(
            session,
            select(KnownPlot.coop_id, KnownPlot.planting_area_code, KnownPlot.id),
            KnownPlot.planting_area_code,
            [lot.plot_code for lot in harvests if lot.plot_code],
        )
    }
    certificates: dict[int, list[KnownCertificate]] = defaultdict(list)
    for certificate in await _in(session, KnownCertificate, KnownCertificate.coop_id, list(coops)):
        certificates[certificate.coop_id].append(certificate)
    origins = []
    for lot in sorted(harvests, key=lambda lot: (lot.harvested_on, lot.code)):
        coop, member = coops.get(lot.coop_id), members.get(lot.member_id)  # member: the name
        private = sees_private(viewer, lot.coop_id)
        display = coop.household_display if coop else DEFAULT_DISPLAY
        plot_id = plots.get((lot.coop_id, lot.plot_code))
        valid = [c for c in certificates[lot.coop_id] if certificate_valid_on(c, lot.harvested_on, plot_id)]
        origins.append(
            TraceOrigin.model_construct(
                lot_code=lot.code,
                coop_id=lot.coop_id,
                coop_name=coop.name if coop else "",
                ward_code=coop.ward_code if coop else "",
                member_id=lot.member_id if private else None,
                household_name=household_label(member or "", display, private=private),
                plot_code=lot.plot_code,
                harvested_on=lot.harvested_on,
                harvest_round=lot.harvest_round,
                harvested_quantity_kg=lot.harvested_quantity_kg,
                certificates=[
                    TraceCertificate.model_construct(
                        kind=c.kind,
                        code=c.code,
                        issuer=c.issuer,
                        valid_from=c.valid_from,
                        valid_to=c.valid_to,
                        revoked_on=c.revoked_on,
                        ocop_stars=c.ocop_stars,
                    )
                    for c in sorted(valid, key=lambda c: (c.kind, c.code))
                ],
            )
        )
    return origins, len({lot.member_id for lot in harvests})


async def _shipments(session: AsyncSession, walk: _Walk, corrected: set[str]) -> list[TraceShipment]:
    lines = await _in(session, ShipmentLine, ShipmentLine.lot_id, list(walk.downstream))
    shipments = {
        s.id: s
        for s in await _in(session, Shipment, Shipment.id, [line.shipment_id for line in lines])
        if s.event_id not in corrected
    }
    receipts = {
        r.shipment_id: r
        for r in await _in(session, ShipmentReceipt, ShipmentReceipt.shipment_id, list(shipments))
        if r.event_id not in corrected
    }
    by_shipment: dict[int, list[ShipmentLine]] = defaultdict(list)
    for line in lines:
        by_shipment[line.shipment_id].append(line)
    return [
        TraceShipment.model_construct(
            shipment_id=s.id,
            partner_id=s.partner_id,
            partner_name=s.partner_name,
            shipped_on=s.shipped_on,
            received_on=receipts[s.id].received_on if s.id in receipts else None,
            lines=[
                TraceQuantity.model_construct(
                    lot_code=walk.lots[line.lot_id].code, quantity=line.quantity, unit=walk.lots[line.lot_id].unit
                )
                for line in sorted(by_shipment[s.id], key=lambda shipped: shipped.id or 0)
            ],
        )
        for s in sorted(shipments.values(), key=lambda s: (s.shipped_on, s.id))
    ]


async def _sales(session: AsyncSession, walk: _Walk, corrected: set[str]) -> list[TraceSale]:
    sales = await _in(session, Sale, Sale.lot_id, list(walk.downstream))
    events = await lot_events(session, {s.lot_id for s in sales})
    sale_event = {e.sale_id: e.event_id for rows in events.values() for e in rows if e.sale_id is not None}
    return [
        TraceSale.model_construct(
            lot_code=walk.lots[s.lot_id].code,
            buyer_name=s.buyer_name,
            quantity=s.quantity,
            unit=walk.lots[s.lot_id].unit,
            sold_on=s.sold_on,
        )
        for s in sorted(sales, key=lambda s: (s.sold_on, s.id))
        if sale_event.get(s.id) not in corrected
    ]


async def trace_code(session: AsyncSession, ref: str, direction: str, viewer: Principal | None) -> LotTrace:
    """The trace of a lot by its public token (anyone), or its code or a unit's serial (signed in)."""
    lot, serial = await resolve_public(session, ref, viewer)
    return await trace(session, [lot], direction, serial=serial, viewer=viewer)


def _staff_harvests(harvests: Sequence[Lot], viewer: Principal) -> list[Lot]:
    """A household's or a plot's harvests are one household's business: the province sees them
    all, a co-op its own lots, a buyer none (403)."""
    viewer.require_role("province", "coop")
    return [lot for lot in harvests if sees_private(viewer, lot.coop_id)]


async def trace_plot(session: AsyncSession, plot_code: str, viewer: Principal) -> LotTrace:
    harvests = (
        await session.exec(
            select(Lot).where(Lot.plot_code == plot_code, col(Lot.member_id).is_not(None)).order_by(col(Lot.id))
        )
    ).all()
    harvests = _staff_harvests(harvests, viewer)
    if not harvests:
        raise NotFound("plot.no_lots", plot_code=plot_code)
    return await trace(session, harvests, "forward", skip_corrected_origins=True, viewer=viewer)


async def trace_household(session: AsyncSession, member_id: int, viewer: Principal) -> LotTrace:
    harvests = (await session.exec(select(Lot).where(Lot.member_id == member_id).order_by(col(Lot.id)))).all()
    harvests = _staff_harvests(harvests, viewer)
    if not harvests:
        raise NotFound("member.no_lots", member_id=member_id)
    return await trace(session, harvests, "forward", skip_corrected_origins=True, viewer=viewer)


# --- recall ------------------------------------------------------------------------------------

RECALL_COLUMNS = [
    "event_type",
    "date",
    "lot_code",
    "product",
    "quantity",
    "unit",
    "location",
    "party",
    "reference_document",
    "event_id",
    "status",
]
RECALL_SORTS = {"date": ("date", "lot_code"), "lot": ("lot_code", "date"), "event": ("event_type", "date")}


@dataclass(frozen=True)
class ChainView:
    """The lot whose chain a recall or a regulator's export reads, and whose view of it that is:
    `partner` None for the province and the co-op (the whole chain); for a buyer, its partner and the
    codes of the lots it may see (what was shipped or sold to it, and what went into those)."""

    lot: Lot
    partner: int | None = None
    visible: frozenset[str] | None = None


async def chain_reader(session: AsyncSession, code: str, principal: Principal) -> ChainView:
    """The province reads any lot's chain and a co-op its own; a buyer the chain of a lot shipped or
    sold to it (403 `recall.not_delivered` for any other), narrowed by the caller to `visible`."""
    lot, _ = await resolve(session, code)
    if principal.role == "buyer" and principal.partner_id is not None:
        delivered = await lots_delivered_to(session, principal.partner_id)
        if lot.id not in delivered:
            raise Forbidden("recall.not_delivered", code=code)
        visible = frozenset(lot.code for lot in await upstream_lots(session, sorted(delivered)))
        return ChainView(lot, principal.partner_id, visible)
    principal.require_coop_write(lot.coop_id)
    return ChainView(lot)


async def recall_rows(session: AsyncSession, code: str, principal: Principal, sort: str = "date") -> list[dict]:
    """Key data elements of every event on the lot's chain, both ways (FSMA 204 style).

    The province recalls any lot and a co-op its own. A buyer recalls a lot shipped or sold to it:
    the rows of the lots on its chain that reached that buyer or went into what did, without another
    partner's shipment, receipt or sale of them, and households as their co-op shows them publicly.
    """
    view = await chain_reader(session, code, principal)
    partner = view.partner
    traced = await trace(session, [view.lot], "both")
    shown = [t.code for t in traced.lots if view.visible is None or t.code in view.visible]
    lots_by_code = {lot.code: lot for lot in await _in(session, Lot, Lot.code, shown)}
    lots_by_id = {lot.id: lot for lot in lots_by_code.values()}
    events = await lot_events(session, lots_by_id)
    rows_of = [e for rows in events.values() for e in rows]
    # Only each fact's kind: its EPCIS documents (JSON) are not part of a recall row.
    facts = dict(
        await rows_in(
            session, select(ChainEvent.event_id, ChainEvent.kind), ChainEvent.event_id, {e.event_id for e in rows_of}
        )
    )
    corrected = await corrected_event_ids(session, facts)
    coops = {c.id: c for c in await _in(session, KnownCoop, KnownCoop.id, {lot.coop_id for lot in lots_by_id.values()})}
    members = {
        m.id: m
        for m in await _in(
            session, KnownMember, KnownMember.id, {lot.member_id for lot in lots_by_id.values() if lot.member_id}
        )
    }
    batches = {b.event_id: b for b in await _in(session, Transformation, Transformation.event_id, facts)}
    shipments = {s.event_id: s for s in await _in(session, Shipment, Shipment.event_id, facts)}
    receipts = {r.event_id: r for r in await _in(session, ShipmentReceipt, ShipmentReceipt.event_id, facts)}
    shipment_by_id = {
        s.id: s for s in await _in(session, Shipment, Shipment.id, {r.shipment_id for r in receipts.values()})
    }
    shipment_by_id.update({s.id: s for s in shipments.values()})
    received = {
        (line.shipment_id, line.lot_id): line.quantity
        for line in await _in(
            session, ShipmentLine, ShipmentLine.shipment_id, {r.shipment_id for r in receipts.values()}
        )
    }
    purchases = {p.event_id: p for p in await _in(session, Purchase, Purchase.event_id, facts)}
    sales = {s.id: s for s in await _in(session, Sale, Sale.id, {e.sale_id for e in rows_of if e.sale_id})}

    def household(lot: Lot, coop: KnownCoop | None) -> str:
        member, private = members.get(lot.member_id), sees_private(principal, lot.coop_id)
        if member is None:  # not in the replica yet: its id, for those who may see households' ids
            return str(lot.member_id) if private else ""
        display = coop.household_display if coop else DEFAULT_DISPLAY
        return household_label(member.name, display, private=private) or ""

    def someone_elses(event: LotEvent) -> bool:
        """Another partner's shipment, receipt or sale of a lot on the buyer's chain."""
        if event.event_id in shipments:
            return shipments[event.event_id].partner_id != partner
        if event.event_id in receipts:
            return shipment_by_id[receipts[event.event_id].shipment_id].partner_id != partner
        return event.sale_id in sales and sales[event.sale_id].buyer_partner_id != partner

    rows = []
    for event in rows_of:
        if partner is not None and someone_elses(event):
            continue
        lot = lots_by_id[event.lot_id]
        kind = facts.get(event.event_id, event.kind)
        coop = coops.get(lot.coop_id)
        location = f"{coop.name} ({coop.ward_code})" if coop else str(lot.coop_id)
        party, reference = (coop.name if coop else ""), ""
        if kind == "harvest":
            party = household(lot, coop)
            location = f"{lot.plot_code} / {location}" if lot.plot_code else location
            reference = f"harvest round {lot.harvest_round}"
        elif kind == "purchase" and event.event_id in purchases:
            party = household(lot, coop)
            reference = f"purchase {purchases[event.event_id].id}"
        elif event.event_id in batches:
            reference = f"batch {batches[event.event_id].batch_id}"
        elif event.event_id in shipments:
            shipment = shipments[event.event_id]
            party, reference = shipment.partner_name, f"delivery {shipment.document_number}"
        elif event.event_id in receipts:
            shipment = shipment_by_id[receipts[event.event_id].shipment_id]
            party, location = shipment.partner_name, shipment.partner_name
            reference = f"delivery {shipment.document_number}"
        elif event.sale_id in sales:
            sale = sales[event.sale_id]
            party, reference = sale.buyer_name, f"invoice {sale.invoice_number}"
        if event.kind == "corrected":
            kind, status = f"{kind} (correction)", "correction"
        else:
            status = "corrected" if event.event_id in corrected else "valid"
        quantity = event.quantity_delta
        if event.kind == "purchased" and event.event_id in purchases:
            quantity = purchases[event.event_id].quantity_kg
        elif event.kind == "received" and event.event_id in receipts:
            quantity = received.get((receipts[event.event_id].shipment_id, event.lot_id), quantity)
        elif event.kind == "sold" and event.sale_id in sales and quantity == 0:  # invoiced after shipping
            quantity = sales[event.sale_id].quantity
        rows.append(
            {
                "event_type": kind,
                "date": event.occurred_on.isoformat(),
                "lot_code": lot.code,
                "product": lot.product + (f" ({lot.grade})" if lot.grade else ""),
                "quantity": str(quantity),
                "unit": lot.unit,
                "location": location,
                "party": party,
                "reference_document": reference,
                "event_id": event.event_id,
                "status": status,
            }
        )
    keys = RECALL_SORTS.get(sort, RECALL_SORTS["date"])
    return sorted(rows, key=lambda row: tuple(row[k] for k in keys) + (row["event_id"],))
