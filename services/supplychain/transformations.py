"""Transformations: processing, grading and packing batches, and the yield rules processing is judged by.

Input lots lose what a batch took and output lots are made; packing makes a lot of numbered
units (serials), optionally in cartons. The rules themselves are pure (`lots.judge_yield`).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain import lots
from services.supplychain.epcis import chain_mapping as epcis
from services.supplychain.recording import (
    active_coop,
    contract_quantity,
    generated_code,
    new_lot_code,
    record_fact,
    take_from_lots,
)
from services.supplychain.registry_client import RegistryClient
from services.supplychain.schemas import (
    ChainResult,
    GradingCreate,
    PackingCreate,
    ProcessingCreate,
    YieldRulePublic,
    YieldRuleSet,
)
from services.supplychain.tables import Lot, PackUnit, Transformation, TransformationInput, YieldRule
from shared.auth import Principal
from shared.clock import utcnow
from shared.errors import Conflict, Unprocessable
from shared.events import supplychain as contracts


async def yield_rule(session: AsyncSession, products: Iterable[str]) -> tuple[Decimal, Decimal, bool] | None:
    """The rule of the first output product that has one: the table's, else the built-in default."""
    for product in products:
        row = await session.get(YieldRule, product)
        if row is not None:
            return row.min_ratio, row.max_ratio, row.loses_mass
        if product in lots.DEFAULT_YIELD_RULES:
            return lots.DEFAULT_YIELD_RULES[product]
    return None


async def yield_rules(session: AsyncSession) -> list[YieldRulePublic]:
    """Every rule in force: the table's, and the built-in defaults it does not override."""
    rules = dict(lots.DEFAULT_YIELD_RULES)
    for row in (await session.exec(select(YieldRule))).all():
        rules[row.output_product] = (row.min_ratio, row.max_ratio, row.loses_mass)
    return [
        YieldRulePublic(output_product=product, min_ratio=low, max_ratio=high, loses_mass=loses)
        for product, (low, high, loses) in sorted(rules.items())
    ]


async def set_yield_rule(session: AsyncSession, product: str, data: YieldRuleSet, principal: Principal) -> YieldRule:
    principal.require_role("province")
    if data.min_ratio > data.max_ratio:
        raise Unprocessable("yield.range", min_ratio=data.min_ratio, max_ratio=data.max_ratio)
    rule = await session.get(YieldRule, product) or YieldRule(output_product=product, min_ratio=0, max_ratio=0)
    rule.min_ratio, rule.max_ratio, rule.loses_mass, rule.updated_at = (
        data.min_ratio,
        data.max_ratio,
        data.loses_mass,
        utcnow(),
    )
    session.add(rule)
    await session.flush()
    return rule


async def record_transformation(
    session: AsyncSession,
    registry: RegistryClient,
    data: ProcessingCreate | GradingCreate | PackingCreate,
    principal: Principal,
) -> ChainResult:
    """Processing, grading or packing: input lots lose what the batch took, output lots are made.

    Processing is judged against the yield rule of its output product: outside the range the
    batch is flagged, a drying step that gains mass is refused. No step may make more
    kilograms than it took.
    """
    step, on = data.type, data.transformed_on
    principal.require_coop_write(data.coop_id)
    coop = await active_coop(session, registry, data.coop_id, on)
    taken = await take_from_lots(session, coop.id, data.inputs, on)
    input_kg = sum((lots.kg_of(q, lot.unit, lot.net_kg_per_unit) for lot, q in taken), Decimal("0.000"))

    codes: set[str] = set()
    if isinstance(data, PackingCreate):
        code = await new_lot_code(session, data.lot_code, coop.id, on, "packing", codes)
        output_kg = (data.net_kg_per_unit * data.units).quantize(Decimal("0.001"))
        made = [
            Lot(
                code=code,
                coop_id=coop.id,
                product=data.product,
                unit="pcs",
                created_on=on,
                initial_quantity=Decimal(data.units),
                net_kg_per_unit=data.net_kg_per_unit,
                gtin=data.gtin,
                created_by=principal.actor,
            )
        ]
        verdict = lots.judge_yield(input_kg, output_kg, None)
    else:
        made = [
            Lot(
                code=await new_lot_code(session, o.lot_code, coop.id, on, step, codes),
                coop_id=coop.id,
                product=o.product,
                grade=o.grade,
                gtin=o.gtin,
                unit="kg",
                created_on=on,
                initial_quantity=o.quantity_kg,
                created_by=principal.actor,
            )
            for o in data.outputs
        ]
        output_kg = sum((o.quantity_kg for o in data.outputs), Decimal("0.000"))
        rule = await yield_rule(session, [o.product for o in data.outputs]) if step == "processing" else None
        verdict = lots.judge_yield(input_kg, output_kg, rule)
    if verdict.impossible:
        raise Unprocessable("transform.impossible_yield", step=step, input_kg=input_kg, output_kg=output_kg)

    batch_id = data.batch_id or await generated_code(
        session, Transformation, Transformation.batch_id, coop.id, on, "batch", set()
    )
    if (await session.exec(select(Transformation.id).where(Transformation.batch_id == batch_id))).first():
        raise Conflict("batch.duplicate", batch_id=batch_id)
    flagged = verdict.flagged
    batch = Transformation(
        event_id="",
        batch_id=batch_id,
        coop_id=coop.id,
        step=step,
        process=data.process,
        transformed_on=on,
        input_kg=input_kg,
        output_kg=output_kg,
        yield_ratio=verdict.ratio,
        yield_flagged=flagged,
    )
    session.add(batch)
    await session.flush()
    for lot in made:
        lot.transformation_id = batch.id
    session.add_all(made)
    session.add_all(TransformationInput(transformation_id=batch.id, lot_id=lot.id, quantity=q) for lot, q in taken)
    await session.flush()

    serials: list[str] = []
    if isinstance(data, PackingCreate):
        serials = lots.serials(made[0].code, data.units)
        cartons = lots.cartons(made[0].code, serials, data.units_per_carton)
        session.add_all(
            PackUnit(serial=serial, lot_id=made[0].id, carton_code=carton)
            for carton, units in cartons.items()
            for serial in units
        )

    inputs = [epcis.Line(lot.code, q, lot.unit) for lot, q in taken]

    def epcis_events(event_id: str) -> list[dict]:
        if isinstance(data, PackingCreate):
            return epcis.packing_events(
                event_id,
                coop.registration_code,
                batch_id=batch_id,
                packed_on=on,
                inputs=inputs,
                lot_code=made[0].code,
                product=made[0].product,
                net_kg_per_unit=data.net_kg_per_unit,
                cartons=cartons,
            )
        return [
            epcis.transformation_event(
                event_id,
                coop.registration_code,
                batch_id=batch_id,
                step=step,
                transformed_on=on,
                inputs=inputs,
                outputs=[epcis.Line(lot.code, lot.initial_quantity) for lot in made],
                grades={lot.code: lot.grade for lot in made if lot.grade} or None,
                process=data.process,
                yield_ratio=verdict.ratio if step == "processing" else None,
                yield_flagged=flagged,
            )
        ]

    batch.event_id = await record_fact(
        session,
        principal,
        kind=step,
        coop=coop,
        on=on,
        fact=contracts.LotsTransformed(
            batch_id=batch_id,
            coop_id=coop.id,
            step=step,
            transformed_on=on,
            process=data.process,
            inputs=[contract_quantity(lot, q) for lot, q in taken],
            outputs=[contract_quantity(lot, lot.initial_quantity) for lot in made],
            yield_ratio=verdict.ratio if step == "processing" else None,
            yield_flagged=flagged,
        ),
        epcis_events=epcis_events,
        lot_changes=[(lot.id, "consumed", -q) for lot, q in taken]
        + [(lot.id, "produced", lot.initial_quantity) for lot in made],
    )
    session.add(batch)
    await session.flush()
    return ChainResult(
        type=step,
        event_id=batch.event_id,
        lot_codes=[lot.code for lot in made],
        batch_id=batch_id,
        yield_ratio=verdict.ratio if step == "processing" else None,
        yield_flagged=flagged,
        serials=serials or None,
    )
