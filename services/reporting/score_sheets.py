"""Grading proposals and score sheets (ADR 0027): the figures a co-op's year gives the proposal
rules (`grading_proposals`), and the sheet of the grading in force, criterion by criterion, with
what the data proposed and why the officer changed it.

Reads of the read model only; the grading itself is the registry's, known here from `CoopGraded`.
"""

from __future__ import annotations

from sqlmodel import col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting import grading_proposals, kpis
from services.reporting.queries import live_payments, not_corrected
from services.reporting.schemas import (
    GradingPrefill,
    GradingProposal,
    ProposedCriterion,
    ProposedScore,
    ScoreSheet,
    SheetLine,
)
from services.reporting.tables import (
    CertificateRevocation,
    CertificateView,
    ContractFact,
    CoopView,
    GradingFact,
    MemberView,
    PaymentFact,
    PlotView,
    PurchaseFact,
)
from shared.grading_items import COMPUTED_ITEMS, GRADING_ITEMS, ITEMS_BY_CODE
from shared.messaging.connection import entry_key

SCHEME = "TT01-2020-15"


async def coop_year(session: AsyncSession, coop_id: int, year: int) -> grading_proposals.CoopYear:
    """What the proposal rules read of a co-op's `year`."""
    window = kpis.YearWindow(year)
    members = set(
        (
            await session.exec(
                select(MemberView.member_id)
                .where(MemberView.coop_id == coop_id, col(MemberView.joined_on) <= window.last)
                .where(or_(col(MemberView.left_on).is_(None), col(MemberView.left_on) >= window.first))
                .where(or_(col(MemberView.membership).is_(None), MemberView.membership != "worker"))
            )
        ).all()
    )
    bought = (
        await session.exec(
            select(PurchaseFact.member_id, PurchaseFact.quantity_g, PurchaseFact.amount_vnd).where(
                PurchaseFact.coop_id == coop_id,
                col(PurchaseFact.purchased_on).between(window.first, window.last),
                not_corrected(PurchaseFact),
            )
        )
    ).all()
    paid = (
        await session.exec(
            live_payments(
                select(func.coalesce(func.sum(PaymentFact.amount_vnd), 0)).where(
                    PaymentFact.coop_id == coop_id, col(PaymentFact.paid_on).between(window.first, window.last)
                )
            )
        )
    ).one()
    revoked_before = select(CertificateRevocation.certificate_id).where(
        col(CertificateRevocation.revoked_on) <= window.first
    )
    certificates = (
        await session.exec(
            select(CertificateView.plot_ids).where(
                CertificateView.coop_id == coop_id,
                col(CertificateView.valid_from) <= window.last,
                col(CertificateView.valid_to) >= window.first,
                col(CertificateView.certificate_id).not_in(revoked_before),
            )
        )
    ).all()
    plots = {plot_id for plot_ids in certificates for plot_id in plot_ids}
    certified = set(
        (await session.exec(select(PlotView.member_id).where(col(PlotView.plot_id).in_(plots)))).all() if plots else []
    )
    contracts = (
        await session.exec(
            select(ContractFact.contract_id, ContractFact.partner_id)
            .where(ContractFact.coop_id == coop_id, col(ContractFact.valid_from) <= window.last)
            .where(or_(col(ContractFact.valid_to).is_(None), col(ContractFact.valid_to) >= window.first))
        )
    ).all()
    return grading_proposals.CoopYear(
        members=len(members),
        delivering=len({member for member, _, _ in bought} & members),
        purchases=len(bought),
        purchased_g=sum(grams for _, grams, _ in bought),
        owed_vnd=sum(amount for _, _, amount in bought),
        paid_vnd=int(paid),
        certified_members=len(certified & members),
        contracts=len({contract for contract, _ in contracts}),
        partners=len({partner for _, partner in contracts}),
    )


def _proposed(proposal: grading_proposals.Proposal) -> ProposedCriterion:
    return ProposedCriterion(
        criterion=proposal.criterion,
        number=ITEMS_BY_CODE[proposal.criterion].number,
        points=proposal.points,
        maximum=proposal.maximum,
        rule=proposal.rule,
        evidence=proposal.evidence,
    )


async def grading_proposal(session: AsyncSession, coop_id: int, year: int) -> GradingProposal:
    proposals = grading_proposals.propose(await coop_year(session, coop_id, year))
    return GradingProposal(
        coop_id=coop_id,
        year=year,
        scheme=SCHEME,
        proposed=[_proposed(p) for p in proposals],
        entered=[item.code for item in GRADING_ITEMS if item.code not in COMPUTED_ITEMS],
        prefill=GradingPrefill(
            scheme=SCHEME,
            scores={p.criterion: p.points for p in proposals},
            proposal={p.criterion: ProposedScore(points=p.points, rule=p.rule, evidence=p.evidence) for p in proposals},
        ),
    )


async def grading_in_force(session: AsyncSession, coop_id: int, year: int) -> GradingFact | None:
    """The co-op's grading of `year` that counts: the highest revision, ties by stream order (as the KPI)."""
    rows = (
        await session.exec(select(GradingFact).where(GradingFact.coop_id == coop_id, GradingFact.year == year))
    ).all()
    return max(rows, key=lambda row: (row.revision, entry_key(row.entry_id)), default=None)


def _line(grading: GradingFact, criterion: str, points: int) -> SheetLine:
    item = ITEMS_BY_CODE.get(criterion)
    given = (grading.proposal or {}).get(criterion)
    proposed = (
        ProposedCriterion(
            criterion=criterion,
            number=item.number if item else 0,
            points=given["points"],
            maximum=(grading.maxima or {}).get(criterion, 0),
            rule=given["rule"],
            evidence=given.get("evidence", {}),
        )
        if given
        else None
    )
    return SheetLine(
        criterion=criterion,
        number=item.number if item else None,
        points=points,
        maximum=(grading.maxima or {}).get(criterion),
        proposed=proposed,
        note=(grading.notes or {}).get(criterion),
    )


async def score_sheet(session: AsyncSession, coop_id: int, year: int) -> ScoreSheet | None:
    """The sheet of the grading in force for the co-op's `year`, or None when it was not graded."""
    grading = await grading_in_force(session, coop_id, year)
    if grading is None:
        return None
    coop = await session.get(CoopView, coop_id)
    order = {item.code: item.number for item in GRADING_ITEMS}
    scores = sorted((grading.scores or {}).items(), key=lambda pair: order.get(pair[0], 0))
    return ScoreSheet(
        coop_id=coop_id,
        coop_name=coop.name if coop else str(coop_id),
        year=year,
        revision=grading.revision,
        scheme=grading.scheme,
        grade=grading.grade,
        total_score=grading.total_score,
        lines=[_line(grading, criterion, points) for criterion, points in scores],
    )
