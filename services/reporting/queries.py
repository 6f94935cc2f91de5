"""Reporting's reads: the scorecard, the reports and the totals `verify` compares, as plain
functions over a session, no HTTP here.

The database narrows and sums (harvests, sales, memberships can be many rows); the rules
that need history (status on a day, grades in force, plan targets) are applied by
`services.reporting.kpis`. Every supply-chain query leaves out facts declared wrong
(`rpt_correction`), so a correction undoes its event in every figure.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting import kpis
from services.reporting.reports import CERTIFIED, INSPECTIONS, PAYABLES, PRODUCTION, SALES
from services.reporting.schemas import KpiReport, Report, ReportFilters
from services.reporting.tables import (
    CertificateRevocation,
    CertificateView,
    ClosedFigureRow,
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
    ViolationResolutionFact,
)
from services.reporting.wards import WardMap, ward_name
from shared import settlement
from shared.settlement import Round

UNGRADED_LOT = "chưa phân loại"


def not_corrected(model):
    """Rows of `model` whose event was not declared wrong."""
    return col(model.event_id).not_in(select(CorrectionFact.corrected_event_id))


async def published_plans(session: AsyncSession) -> list[kpis.Plan]:
    """The plans the province published, each at its latest version."""
    latest: dict[str, PlanVersionView] = {}
    for row in (await session.exec(select(PlanVersionView))).all():
        if row.plan_key not in latest or row.plan_version > latest[row.plan_key].plan_version:
            latest[row.plan_key] = row
    return [
        kpis.Plan(
            name=row.name,
            first_year=row.first_year,
            last_year=row.last_year,
            targets={figure: kpis.Target(**target) for figure, target in row.targets.items()},
            key=row.plan_key,
            version=row.plan_version,
        )
        for row in latest.values()
    ]


async def plans_in_force(session: AsyncSession, shipped: list[kpis.Plan]) -> list[kpis.Plan]:
    """The shipped plans merged with the published ones (`kpis.merge_plans`)."""
    return kpis.merge_plans(shipped, await published_plans(session))


async def kpi_report(
    session: AsyncSession, year: int, plans: list[kpis.Plan], today: date | None = None, *, reveal_actor: bool = False
) -> KpiReport:
    """The provincial scorecard for `year`, as of 31 December (or `today`, while the year runs); a year
    the province closed shows its frozen figures and any restatement (`kpis.with_close`)."""
    live = await live_report(session, year, plans, today)
    rows = await closed_rows(session, year)
    if not rows:
        return live
    frozen = [kpis.ClosedFigure(figure=r.figure, value=r.value, target=r.target, comparison=r.comparison) for r in rows]
    return kpis.with_close(live, frozen, rows[0].closed_by, rows[0].closed_at, reveal_actor=reveal_actor)


async def live_report(session: AsyncSession, year: int, plans: list[kpis.Plan], today: date | None = None) -> KpiReport:
    """The scorecard as the read model has it now, closed or not."""
    return kpis.scorecard(year, kpis.plan_for(year, plans), await year_facts(session, year, today), today)


async def closed_rows(session: AsyncSession, year: int) -> list[ClosedFigureRow]:
    """The figures the province froze when it closed `year` (none: not closed)."""
    return list((await session.exec(select(ClosedFigureRow).where(ClosedFigureRow.year == year))).all())


async def year_facts(session: AsyncSession, year: int, today: date | None = None) -> kpis.Facts:
    """What the scorecard of `year` is computed from (the dashboard's lists read the same facts)."""
    window = kpis.YearWindow(year)
    day = kpis.as_of(year, today)
    coops = [
        kpis.CoopRecord(coop_id=row.coop_id, form=row.form, founded_on=row.founded_on)
        for row in (await session.exec(select(CoopView).where(col(CoopView.founded_on) <= window.last))).all()
    ]
    changes = [
        kpis.StatusChange(coop_id=row.coop_id, status=row.status, effective_on=row.effective_on, entry_id=row.entry_id)
        for row in (
            await session.exec(select(CoopStatusView).where(col(CoopStatusView.effective_on) <= window.last))
        ).all()
    ]
    members = await session.exec(
        select(MemberView.coop_id, MemberView.membership, func.count())
        .where(col(MemberView.joined_on) <= day)
        # A member is one through their `left_on` day, so leaving on 31 December still counts.
        .where(or_(col(MemberView.left_on).is_(None), col(MemberView.left_on) >= day))
        .group_by(MemberView.coop_id, MemberView.membership)
    )
    members_by_coop = {(coop_id, membership): int(count) for coop_id, membership, count in members.all() if membership}
    harvest_lots, harvest_g = (
        await session.exec(
            select(func.count(), func.coalesce(func.sum(HarvestFact.quantity_g), 0)).where(
                col(HarvestFact.harvested_on).between(window.first, window.last), not_corrected(HarvestFact)
            )
        )
    ).one()
    sales_count, sales_g, sales_vnd = (
        await session.exec(
            select(
                func.count(),
                func.coalesce(func.sum(SaleFact.quantity_g), 0),
                func.coalesce(func.sum(SaleFact.amount_vnd), 0),
            ).where(col(SaleFact.sold_on).between(window.first, window.last), not_corrected(SaleFact))
        )
    ).one()
    # The scorecard's grading is the hợp tác xã's (the plan's effective share), so are its lists and table.
    gradings = kpis.of_form(
        [
            kpis.Grading(coop_id=row.coop_id, grade=row.grade, entry_id=row.entry_id, revision=row.revision)
            for row in (await session.exec(select(GradingFact).where(GradingFact.year == year))).all()
        ],
        coops,
    )
    contracts = await session.exec(
        select(ContractFact.coop_id)
        .distinct()
        .where(col(ContractFact.valid_from) <= window.last)
        .where(or_(col(ContractFact.valid_to).is_(None), col(ContractFact.valid_to) >= window.first))
    )
    selling = await session.exec(
        select(SaleFact.coop_id)
        .distinct()
        .where(col(SaleFact.sold_on).between(window.first, window.last), not_corrected(SaleFact))
    )
    return kpis.Facts(
        coops=coops,
        changes=changes,
        members_by_membership=kpis.members_on(members_by_coop, changes, day),
        harvest_lots=int(harvest_lots),
        harvest_g=int(harvest_g),
        sales_count=int(sales_count),
        sales_g=int(sales_g),
        sales_vnd=int(sales_vnd),
        positions=await positions(session),
        gradings=gradings,
        income_by_member=await income_by_member(session, year),
        income_by_member_last_year=await income_by_member(session, year - 1),
        paid_to_members_vnd=await paid_to_members(session, year),
        coops_with_contract=set(contracts.all()),
        coops_with_sales=set(selling.all()),
    )


async def plan_history(session: AsyncSession, year: int, plans: list[kpis.Plan], today: date) -> list[KpiReport]:
    """The scorecards of the begun years of the plan covering `year` (none without a plan)."""
    plan = kpis.plan_for(year, plans)
    years = kpis.reportable_years(plan, today) if plan else range(0)
    return [await kpi_report(session, past, plans, today) for past in years]


# The dated facts that make a year "have data" (any of them in the year will do), and whether a
# correction can undo them (supply-chain facts).
_DATED_FACTS: tuple[tuple[Any, Any, bool], ...] = (
    (CoopView, CoopView.founded_on, False),
    (MemberView, MemberView.joined_on, False),
    (InspectionFact, InspectionFact.inspected_on, False),
    (HarvestFact, HarvestFact.harvested_on, True),
    (PurchaseFact, PurchaseFact.purchased_on, True),
    (SaleFact, SaleFact.sold_on, True),
)


async def latest_year_with_facts(session: AsyncSession, years: range) -> int | None:
    """The latest of `years` in which the read model holds a fact (corrected ones left out), or None."""
    if not years:
        return None
    first, last = kpis.YearWindow(years[0]).first, kpis.YearWindow(years[-1]).last
    latest: list[int] = []
    for model, dated, correctable in _DATED_FACTS:
        statement = select(func.max(dated)).where(col(dated).between(first, last))
        if correctable:
            statement = statement.where(not_corrected(model))
        day = (await session.exec(statement)).one()
        if day is not None:
            latest.append(day.year)
    graded = (
        await session.exec(
            select(func.max(GradingFact.year)).where(col(GradingFact.year).between(first.year, last.year))
        )
    ).one()
    return max([*latest, *([graded] if graded is not None else [])], default=None)


async def default_year(session: AsyncSession, plans: list[kpis.Plan], today: date) -> int:
    """The year the dashboard opens on (`kpis.default_year`): the latest with data and a plan."""
    latest = {plan.name: await latest_year_with_facts(session, kpis.reportable_years(plan, today)) for plan in plans}
    return kpis.default_year(plans, latest, today)


async def positions(session: AsyncSession) -> dict[str, str]:
    """The last entry of each stream applied to the read model."""
    rows = await session.exec(select(ProjectionPosition))
    return {row.stream: row.last_entry_id for row in rows.all()}


async def paid_to_members(session: AsyncSession, year: int) -> int:
    """Cash co-ops paid member households in `year` (by payment date, voided payments left out)."""
    window = kpis.YearWindow(year)
    statement = select(func.coalesce(func.sum(PaymentFact.amount_vnd), 0)).where(
        col(PaymentFact.paid_on).between(window.first, window.last)
    )
    return int((await session.exec(live_payments(statement))).one())


async def income_by_member(session: AsyncSession, year: int) -> dict[int, int]:
    """What co-ops paid each member household for lots purchased in `year`."""
    window = kpis.YearWindow(year)
    rows = await session.exec(
        select(PurchaseFact.member_id, func.sum(PurchaseFact.amount_vnd))
        .where(col(PurchaseFact.purchased_on).between(window.first, window.last), not_corrected(PurchaseFact))
        .group_by(PurchaseFact.member_id)
    )
    return {member_id: int(amount) for member_id, amount in rows.all()}


# ---- co-ops as reports see them -------------------------------------------------------------


async def current_coops(session: AsyncSession) -> dict[int, dict[str, Any]]:
    """Each co-op's current name and ward: the registration, overridden by its latest details change."""
    coops = {
        row.coop_id: {"name": row.name, "ward_code": row.ward_code}
        for row in (await session.exec(select(CoopView))).all()
    }
    changes = (await session.exec(select(CoopDetailsView))).all()
    for change in sorted(changes, key=lambda c: (c.changed_on, kpis.entry_key(c.entry_id))):
        coops.setdefault(change.coop_id, {}).update(name=change.name, ward_code=change.ward_code)
    return coops


async def coops_in_scope(session: AsyncSession, filters: ReportFilters, wards: WardMap) -> set[int] | None:
    """The co-ops a report may count (None: all), from its co-op and commune filters."""
    if filters.coop_id is None and filters.commune is None:
        return None
    coops = await current_coops(session)
    scope = set(coops) if filters.coop_id is None else {filters.coop_id}
    if filters.commune is not None:
        target = wards.current(filters.commune)
        scope = {
            coop_id
            for coop_id in scope
            if coop_id in coops and wards.current(coops[coop_id].get("ward_code", "")) == target
        }
    return scope


def _counted(statement: Any, fact: Any, dated: Any, filters: ReportFilters, scope: set[int] | None) -> Any:
    """`statement` narrowed to the `fact` rows a report counts: dated (by the column `dated`) in its
    period, not declared wrong, and of the co-ops in scope (None: all)."""
    statement = statement.where(col(dated).between(filters.first, filters.last), not_corrected(fact))
    if scope is not None:
        statement = statement.where(col(fact.coop_id).in_(scope))
    return statement


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


async def lot_products(session: AsyncSession) -> dict[str, str]:
    """Product of each lot: as harvested, or as a transformation output named it."""
    products = {
        code: product
        for code, product in (
            await session.exec(select(HarvestFact.lot_code, HarvestFact.product).where(not_corrected(HarvestFact)))
        ).all()
    }
    for code, product in (
        await session.exec(select(LotOutputFact.lot_code, LotOutputFact.product).where(not_corrected(LotOutputFact)))
    ).all():
        if product:
            products[code] = product
    return products


# ---- reports -------------------------------------------------------------------------------


async def production_report(session: AsyncSession, filters: ReportFilters, wards: WardMap, language: str) -> Report:
    """Harvests by product, commune (current code), month and harvest round."""
    scope = await coops_in_scope(session, filters, wards)
    statement = select(
        HarvestFact.product,
        HarvestFact.coop_id,
        HarvestFact.harvested_on,
        HarvestFact.harvest_round,
        func.count(),
        func.sum(HarvestFact.quantity_g),
    ).group_by(HarvestFact.product, HarvestFact.coop_id, HarvestFact.harvested_on, HarvestFact.harvest_round)
    statement = _counted(statement, HarvestFact, HarvestFact.harvested_on, filters, scope)
    if filters.product:
        statement = statement.where(HarvestFact.product == filters.product)
    coops = await current_coops(session)
    grouped: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for product, coop_id, day, round_, lots, grams_ in (await session.exec(statement)).all():
        commune = wards.current(coops.get(coop_id, {}).get("ward_code", ""))
        cell = grouped[(product, commune, _month(day), round_)]
        cell[0] += int(lots)
        cell[1] += int(grams_)
    rows = [
        {
            "product": product,
            "commune_code": commune,
            "commune_name": ward_name(commune),
            "month": month,
            "harvest_round": round_,
            "lots": lots,
            "kg": kpis.kg(grams_),
        }
        for (product, commune, month, round_), (lots, grams_) in sorted(grouped.items())
    ]
    return PRODUCTION.build(filters, rows, language)


async def sales_report(session: AsyncSession, filters: ReportFilters, wards: WardMap, language: str) -> Report:
    """Sales by grade of the lot sold, buyer and month."""
    scope = await coops_in_scope(session, filters, wards)
    statement = _counted(select(SaleFact), SaleFact, SaleFact.sold_on, filters, scope)
    sales = (await session.exec(statement)).all()
    grades = kpis.lot_grades(
        (
            await session.exec(
                select(LotOutputFact.lot_code, LotOutputFact.grade, LotOutputFact.input_lots)
                .where(not_corrected(LotOutputFact))
                .order_by(LotOutputFact.transformed_on)
            )
        ).all()
    )
    products = await lot_products(session) if filters.product else {}
    partners = {p.partner_id: p.name for p in (await session.exec(select(PartnerView))).all()}
    grouped: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for sale in sales:
        if filters.product and products.get(sale.lot_code) != filters.product:
            continue
        buyer = partners.get(sale.buyer_partner_id, sale.buyer_name) if sale.buyer_partner_id else sale.buyer_name
        cell = grouped[(grades.get(sale.lot_code, UNGRADED_LOT), buyer, _month(sale.sold_on))]
        cell[0] += 1
        cell[1] += sale.quantity_g
        cell[2] += sale.amount_vnd
    rows = [
        {"grade": grade, "buyer": buyer, "month": month, "sales": count, "kg": kpis.kg(grams_), "amount_vnd": amount}
        for (grade, buyer, month), (count, grams_, amount) in sorted(grouped.items())
    ]
    return SALES.build(filters, rows, language)


def live_payments(statement: Any) -> Any:
    """`statement` (over PaymentFact) without the voided payments."""
    return statement.where(col(PaymentFact.event_id).not_in(select(PaymentVoidFact.paid_event_id)))


async def payables_report(session: AsyncSession, filters: ReportFilters, wards: WardMap, language: str) -> Report:
    """What each co-op owes each member household per harvest round, what it paid, what is still owed.

    A round is a season's (year, number): round 1 of 2025 and of 2026 are two rows. The period takes
    purchases by purchase date and payments by payment date; payments settle rounds as the supply
    chain's payables do (`shared.settlement`). Payments are not per product: under a product filter
    the paid and outstanding columns are left empty.
    """
    scope = await coops_in_scope(session, filters, wards)
    # One row per lot (a corrected harvest and its corrective one share the code): its harvest day.
    harvested = (
        select(HarvestFact.lot_code, func.min(HarvestFact.harvested_on).label("harvested_on"))
        .group_by(HarvestFact.lot_code)
        .subquery()
    )
    statement = select(
        PurchaseFact.coop_id,
        PurchaseFact.member_id,
        PurchaseFact.harvest_year,
        PurchaseFact.harvest_round,
        harvested.c.harvested_on,
        PurchaseFact.purchased_on,
        PurchaseFact.lot_code,
        PurchaseFact.quantity_g,
        PurchaseFact.amount_vnd,
    ).outerjoin(harvested, harvested.c.lot_code == PurchaseFact.lot_code)
    statement = _counted(statement, PurchaseFact, PurchaseFact.purchased_on, filters, scope)
    products = await lot_products(session) if filters.product else {}
    coops = await current_coops(session)
    names = {m.member_id: m.name for m in (await session.exec(select(MemberView))).all()}
    # (coop, member, round or None) -> [purchases, grams, owed]; None: paid for no round.
    grouped: dict[tuple[int, int, Round | None], list[int]] = defaultdict(lambda: [0, 0, 0])
    for coop_id, member_id, year, number, harvested_on, purchased_on, lot_code, grams_, amount in (
        await session.exec(statement)
    ).all():
        if filters.product and products.get(lot_code) != filters.product:
            continue
        if year is None and harvested_on is not None:  # an event from before purchases carried the year
            year = harvested_on.year
        cell = grouped[(coop_id, member_id, settlement.purchase_round(year, number, purchased_on))]
        cell[0] += 1
        cell[1] += grams_
        cell[2] += amount
    paid: dict[tuple[int, int], dict[Round | None, int]] = {}
    if not filters.product:
        payments = select(
            PaymentFact.coop_id,
            PaymentFact.member_id,
            PaymentFact.harvest_year,
            PaymentFact.harvest_round,
            PaymentFact.paid_on,
            PaymentFact.amount_vnd,
        )
        payments = live_payments(payments.where(col(PaymentFact.paid_on).between(filters.first, filters.last)))
        if scope is not None:
            payments = payments.where(col(PaymentFact.coop_id).in_(scope))
        owed: dict[tuple[int, int], dict[Round, int]] = defaultdict(dict)
        for (coop_id, member_id, round_), (_, _, amount) in grouped.items():
            if round_ is not None:
                owed[(coop_id, member_id)][round_] = amount
        by_household: dict[tuple[int, int], list[tuple[Round | None, int]]] = defaultdict(list)
        for coop_id, member_id, year, number, paid_on, amount in (
            await session.exec(payments.order_by(PaymentFact.payment_id))
        ).all():
            settles = settlement.payment_round(year, number, paid_on, owed.get((coop_id, member_id), {}))
            by_household[(coop_id, member_id)].append((settles, amount))
        for household in set(owed) | set(by_household):
            paid[household] = settlement.settle(owed.get(household, {}), by_household.get(household, []))
            for round_, amount in paid[household].items():
                if amount and (*household, round_) not in grouped:
                    grouped[(*household, round_)] = [0, 0, 0]
    rows = []
    for (coop_id, member_id, round_), (count, grams_, amount) in sorted(
        grouped.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] is None, item[0][2] or (0, 0))
    ):
        settled = None if filters.product else paid.get((coop_id, member_id), {}).get(round_, 0)
        rows.append(
            {
                "coop_id": coop_id,
                "coop_name": coops.get(coop_id, {}).get("name", ""),
                "member_id": member_id,
                "member_name": names.get(member_id) or "",
                "harvest_year": None if round_ is None else round_[0],
                "harvest_round": None if round_ is None else round_[1],
                "purchases": count,
                "kg": kpis.kg(grams_),
                "amount_vnd": amount,
                "paid_vnd": settled,
                "outstanding_vnd": None if settled is None else amount - settled,
            }
        )
    return PAYABLES.build(filters, rows, language)


async def inspections_report(session: AsyncSession, filters: ReportFilters, wards: WardMap, language: str) -> Report:
    """Per co-op: inspections in the period, violations found, resolved by the period end, open, commendations (how many
    were given, several in one inspection counting several)."""
    scope = await coops_in_scope(session, filters, wards)
    statement = select(InspectionFact).where(col(InspectionFact.inspected_on).between(filters.first, filters.last))
    if scope is not None:
        statement = statement.where(col(InspectionFact.coop_id).in_(scope))
    inspections = (await session.exec(statement)).all()
    resolved: dict[int, set[int]] = defaultdict(set)
    if inspections:
        for inspection_id, violation_id in (
            await session.exec(
                select(ViolationResolutionFact.inspection_id, ViolationResolutionFact.violation_id)
                .where(col(ViolationResolutionFact.inspection_id).in_([i.inspection_id for i in inspections]))
                .where(col(ViolationResolutionFact.resolved_on) <= filters.last)
            )
        ).all():
            resolved[inspection_id].add(violation_id)
    coops = await current_coops(session)
    per_coop: dict[int, dict[str, int]] = {}
    for inspection in inspections:
        row = per_coop.setdefault(
            inspection.coop_id, dict.fromkeys(("inspections", "violations", "resolved", "open", "commendations"), 0)
        )
        done = min(len(resolved[inspection.inspection_id]), inspection.violations)
        row["inspections"] += 1
        row["violations"] += inspection.violations
        row["resolved"] += done
        row["open"] += inspection.violations - done
        row["commendations"] += inspection.commendations
    rows = [
        {"coop_id": coop_id, "coop_name": coops.get(coop_id, {}).get("name", ""), **counts}
        for coop_id, counts in sorted(per_coop.items())
    ]
    return INSPECTIONS.build(filters, rows, language)


async def certified_report(session: AsyncSession, filters: ReportFilters, wards: WardMap, language: str) -> Report:
    """Per co-op: harvested kg, and the kg harvested from plots under a certificate valid on the harvest day."""
    scope = await coops_in_scope(session, filters, wards)
    statement = _counted(select(HarvestFact), HarvestFact, HarvestFact.harvested_on, filters, scope)
    if filters.product:
        statement = statement.where(HarvestFact.product == filters.product)
    harvests = (await session.exec(statement)).all()
    plots = {(p.coop_id, p.planting_area_code): p.plot_id for p in (await session.exec(select(PlotView))).all()}
    revoked = {r.certificate_id: r.revoked_on for r in (await session.exec(select(CertificateRevocation))).all()}
    windows: dict[int, list[kpis.CertifiedWindow]] = defaultdict(list)
    for cert in (await session.exec(select(CertificateView))).all():
        windows[cert.coop_id].append(
            kpis.CertifiedWindow(
                frozenset(cert.plot_ids), cert.valid_from, cert.valid_to, revoked.get(cert.certificate_id)
            )
        )
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for harvest in harvests:
        plot_id = plots.get((harvest.coop_id, harvest.plot_code)) if harvest.plot_code else None
        cell = totals[harvest.coop_id]
        cell[0] += harvest.quantity_g
        if kpis.is_certified(plot_id, harvest.harvested_on, windows[harvest.coop_id]):
            cell[1] += harvest.quantity_g
    coops = await current_coops(session)
    rows = [
        {
            "coop_id": coop_id,
            "coop_name": coops.get(coop_id, {}).get("name", ""),
            "harvested_kg": kpis.kg(harvested),
            "certified_kg": kpis.kg(certified),
            "certified_share": kpis.share(certified, harvested),
        }
        for coop_id, (harvested, certified) in sorted(totals.items())
    ]
    report = CERTIFIED.build(filters, rows, language)
    all_g = sum(h for h, _ in totals.values())
    report.totals["certified_share"] = kpis.share(sum(c for _, c in totals.values()), all_g)
    return report


REPORTS = {
    "production": production_report,
    "sales": sales_report,
    "payables": payables_report,
    "inspections": inspections_report,
    "certified": certified_report,
}


# ---- what `htx reporting verify` compares --------------------------------------------------


async def registry_totals(session: AsyncSession) -> dict[str, int]:
    """Co-ops in the read model: total and per latest status (as the registry's GET /coops shows them)."""
    coops = [
        kpis.CoopRecord(row.coop_id, row.form, row.founded_on) for row in (await session.exec(select(CoopView))).all()
    ]
    changes = [
        kpis.StatusChange(row.coop_id, row.status, row.effective_on, row.entry_id)
        for row in (await session.exec(select(CoopStatusView))).all()
    ]
    # The registry lists every registered co-op whatever its founding date, with its latest status.
    status = kpis.statuses_on(changes, date.max)
    counts = {"total": len(coops)} | {f"status.{s}": 0 for s in kpis.STATUSES}
    for coop in coops:
        counts[f"status.{status.get(coop.coop_id, 'active')}"] += 1
    return counts
