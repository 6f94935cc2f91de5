"""Supplychain HTTP routes: turn a request into a command or a query, and the result into JSON (or CSV, XLSX, HTML).

Writes take a token (province, the co-op itself, or for a receipt the buyer it was shipped
to) and answer with the fact's `event_id`, which `/corrections` names. Lots and traces are
public by the lot's random public token (what its QR code names); lot codes and unit serials,
which are counted and could be walked, resolve only for a signed-in caller. Public answers
show no prices, and households only as their co-op chose (names, initials or counts); a
household's or a plot's trace, recall exports and payables are staff reads
(docs/public-surfaces.md).
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import HTMLResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain import (
    commands,
    corrections,
    digital_link,
    labels,
    public_page,
    queries,
    regulatory,
    trace,
    transformations,
)
from services.supplychain.registry_client import RegistryClient
from services.supplychain.schemas import (
    BatchCreate,
    BatchResult,
    ChainResult,
    ChainTotals,
    CorrectionCreate,
    CorrectionResult,
    Delivery,
    GradingCreate,
    HarvestCreate,
    LotPublic,
    LotTrace,
    OpenLotPage,
    PackingCreate,
    PartnerShipments,
    Payable,
    PayablesTotals,
    PaymentCreate,
    PaymentPrivate,
    PaymentVoidCreate,
    ProcessingCreate,
    PurchaseCreate,
    RecallRow,
    ReceiptCreate,
    SaleCreate,
    SalePrivate,
    ShipmentCreate,
    TraceDirection,
    YieldRulePublic,
    YieldRuleSet,
)
from services.supplychain.tables import HouseholdPayment, KnownCoop, Lot
from shared.auth import OptionalPrincipalDep, Principal, PrincipalDep
from shared.clock import today_in_vietnam
from shared.errors import NotFound
from shared.i18n import language_of, negotiated_page_language, page_language_of
from shared.idempotency import IdempotentRoute
from shared.openapi import file_answer
from shared.service import RuntimeDep, SessionDep, UnitOfWorkDep

router = APIRouter(tags=["supplychain"], route_class=IdempotentRoute)


def _registry(runtime: RuntimeDep) -> RegistryClient:
    return RegistryClient(runtime.http_clients["registry"], runtime.settings.secret_key)


RegistryDep = Annotated[RegistryClient, Depends(_registry)]


# --- chain commands -----------------------------------------------------------------------------


@router.post(
    "/harvests",
    status_code=status.HTTP_201_CREATED,
    response_model=LotPublic,
    summary="Record a household's harvest as a new lot (province, or the co-op itself)",
)
async def record_harvest(
    data: HarvestCreate, uow: UnitOfWorkDep, principal: PrincipalDep, registry: RegistryDep
) -> LotPublic:
    """The province, or the co-op itself. The co-op must be active and the household its member on the
    harvest date. Answers the lot as staff see it (the household's id included).

    Without `lot_code` the lot gets `TH-<coop id>-<yyyymmdd>-<n>`. The answer's `public_token` is what
    the lot's QR code and public links name (`/t/<public_token>`).
    """
    result = await commands.apply_command(uow.session, registry, data, principal)
    return await queries.get_lot(uow.session, result.lot_codes[0], principal)


@router.post(
    "/purchases",
    status_code=status.HTTP_201_CREATED,
    response_model=ChainResult,
    summary="The co-op buys (part of) a household's harvest lot: kg x price owed to the household",
)
async def record_purchase(
    data: PurchaseCreate, uow: UnitOfWorkDep, principal: PrincipalDep, registry: RegistryDep
) -> ChainResult:
    """Never more than the lot's harvest in total; the household must be a member on the purchase date."""
    return await commands.apply_command(uow.session, registry, data, principal)


@router.post(
    "/processings",
    status_code=status.HTTP_201_CREATED,
    response_model=ChainResult,
    summary="A processing batch: input lots and kg in, output lots and kg out; the yield is checked",
)
async def record_processing(
    data: ProcessingCreate, uow: UnitOfWorkDep, principal: PrincipalDep, registry: RegistryDep
) -> ChainResult:
    """Outside the output product's yield range (fresh leaf → `chè khô` 0.18–0.25 by default) the batch is
    flagged (`yield_flagged`); more kg out than in, for a drying step, is refused."""
    return await commands.apply_command(uow.session, registry, data, principal)


@router.post(
    "/gradings",
    status_code=status.HTTP_201_CREATED,
    response_model=ChainResult,
    summary="Grading: dry tea sorted into graded lots (móc câu, tôm nõn, đinh...)",
)
async def record_grading(
    data: GradingCreate, uow: UnitOfWorkDep, principal: PrincipalDep, registry: RegistryDep
) -> ChainResult:
    return await commands.apply_command(uow.session, registry, data, principal)


@router.post(
    "/packings",
    status_code=status.HTTP_201_CREATED,
    response_model=ChainResult,
    summary="Packing: kg of graded lots into numbered units (serial codes), optionally in cartons",
)
async def record_packing(
    data: PackingCreate, uow: UnitOfWorkDep, principal: PrincipalDep, registry: RegistryDep
) -> ChainResult:
    """The packed lot counts pieces (`unit="pcs"`); each unit's serial is `<lot code>-0001`..."""
    return await commands.apply_command(uow.session, registry, data, principal)


@router.put("/yield-rules/{product}", summary="Set the plausible yield range of processing into a product (province)")
async def set_yield_rule(product: str, data: YieldRuleSet, uow: UnitOfWorkDep, principal: PrincipalDep) -> dict:
    rule = await transformations.set_yield_rule(uow.session, product, data, principal)
    return {
        "output_product": rule.output_product,
        "min_ratio": rule.min_ratio,
        "max_ratio": rule.max_ratio,
        "loses_mass": rule.loses_mass,
    }


@router.get("/yield-rules", response_model=list[YieldRulePublic], summary="The yield ranges processing is judged by")
async def list_yield_rules(session: SessionDep, principal: PrincipalDep) -> list[YieldRulePublic]:
    """Anyone signed in: ranges, no business data. The co-op's app shows them beside a batch's live yield."""
    return await transformations.yield_rules(session)


@router.post(
    "/shipments",
    status_code=status.HTTP_201_CREATED,
    response_model=ChainResult,
    summary="Ship lots to a partner under a delivery document number",
)
async def record_shipment(
    data: ShipmentCreate, uow: UnitOfWorkDep, principal: PrincipalDep, registry: RegistryDep
) -> ChainResult:
    return await commands.apply_command(uow.session, registry, data, principal)


@router.post(
    "/receipts",
    status_code=status.HTTP_201_CREATED,
    response_model=ChainResult,
    summary="The buyer confirms a shipment arrived (buyer token of that partner, or province)",
)
async def record_receipt(
    data: ReceiptCreate, uow: UnitOfWorkDep, principal: PrincipalDep, registry: RegistryDep
) -> ChainResult:
    return await commands.apply_command(uow.session, registry, data, principal)


@router.post(
    "/sales",
    status_code=status.HTTP_201_CREATED,
    response_model=SalePrivate,
    summary="Record the sale of (part of) a lot, or invoice a shipment (province, or the co-op itself)",
)
async def record_sale(
    data: SaleCreate, uow: UnitOfWorkDep, principal: PrincipalDep, registry: RegistryDep
) -> SalePrivate:
    """Amount is quantity x price rounded half up to whole VND."""
    result = await commands.apply_command(uow.session, registry, data, principal)
    return await queries.sale_private(uow.session, result.id, data.lot_code, result.event_id)


@router.post(
    "/batch",
    status_code=status.HTTP_201_CREATED,
    response_model=BatchResult,
    summary="Many chain commands in one request, in order, all or nothing",
)
async def record_batch(
    data: BatchCreate, uow: UnitOfWorkDep, principal: PrincipalDep, registry: RegistryDep
) -> BatchResult:
    """Each command has a `type`: harvest, purchase, processing, grading, packing, shipment, receipt, sale.
    A refusal names the failing command's position in `detail.params.command`; nothing is written."""
    results = await commands.apply_batch(uow.session, registry, data.commands, principal)
    return BatchResult(results=results)


@router.post(
    "/corrections",
    status_code=status.HTTP_201_CREATED,
    response_model=CorrectionResult,
    summary="Declare a fact wrong (EPCIS error declaration) and record the corrective fact",
)
async def record_correction(
    data: CorrectionCreate, uow: UnitOfWorkDep, principal: PrincipalDep, registry: RegistryDep
) -> CorrectionResult:
    """Nothing is edited: the wrong fact stays in the history, marked corrected, and its quantities are
    cancelled by correction events; `corrective` is any chain command (with its `type`)."""
    return await corrections.record_correction(uow.session, registry, data, principal)


# --- reads ---------------------------------------------------------------------------------------


def _payables_filters(
    harvest_round: Annotated[int | None, Query(alias="round", ge=1)] = None,
    harvest_year: Annotated[
        int | None, Query(alias="year", ge=1900, le=2100, description="The rounds of one season (harvest year)")
    ] = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
) -> dict[str, Any]:
    return {"harvest_round": harvest_round, "harvest_year": harvest_year, "date_from": date_from, "date_to": date_to}


PayablesFiltersDep = Annotated[dict[str, Any], Depends(_payables_filters)]


@router.get(
    "/coops/{coop_id}/payables",
    response_model=list[Payable],
    summary="What the co-op owes each household per harvest round, what it paid, what is still owed",
)
async def payables(
    coop_id: int,
    session: SessionDep,
    principal: PrincipalDep,
    filters: PayablesFiltersDep,
) -> list[Payable]:
    """The province, or the co-op itself; never public. `amount_vnd` is owed for the round's purchases,
    `paid_vnd` what payments settle of it (a payment without a round settles the oldest rounds first),
    `outstanding_vnd` the rest. A range takes purchases by purchase date and payments by payment date."""
    return await queries.payables(session, coop_id, principal, **filters)


_PAYABLES_READ = (
    "The province, or the co-op itself (manager or clerk); 403 for another co-op or a buyer. A household's "
    "finances: never public."
)


@router.get(
    "/coops/{coop_id}/payables/totals",
    response_model=PayablesTotals,
    summary="The co-op's payables summed: owed, paid and still owed over every household and round listed",
    description=_PAYABLES_READ + " The same filters as `/coops/{coop_id}/payables`, over the same rows.",
)
async def payables_totals(
    coop_id: int,
    session: SessionDep,
    principal: PrincipalDep,
    filters: PayablesFiltersDep,
) -> PayablesTotals:
    return queries.payables_totals(await queries.payables(session, coop_id, principal, **filters))


@router.post(
    "/coops/{coop_id}/payments",
    status_code=status.HTTP_201_CREATED,
    response_model=PaymentPrivate,
    summary="Record a payment to a household (cash or bank transfer): never more than the co-op still owes",
)
async def record_payment(
    coop_id: int, data: PaymentCreate, uow: UnitOfWorkDep, principal: PrincipalDep, registry: RegistryDep
) -> PaymentPrivate:
    """The co-op's own staff (manager or clerk); 403 for the province, a buyer or another co-op. The household
    must be the co-op's member (404). With `harvest_round` it settles that round, without one the oldest rounds
    first; more than is still owed is refused (409): advances are not recorded. A bank transfer's `reference`
    is recorded once per co-op (409). Publishes `supplychain.household_paid`. Answers the payment."""
    payment = await commands.record_payment(uow.session, registry, coop_id, data, principal)
    [view] = await queries.payment_views(uow.session, [payment])
    return view


@router.post(
    "/coops/{coop_id}/payments/{payment_id}/void",
    status_code=status.HTTP_201_CREATED,
    response_model=PaymentPrivate,
    summary="Void a payment recorded wrongly, with a reason (the co-op's manager)",
)
async def void_payment(
    coop_id: int, payment_id: int, data: PaymentVoidCreate, uow: UnitOfWorkDep, principal: PrincipalDep
) -> PaymentPrivate:
    """The co-op's manager (a clerk gets 403). The payment stops counting as paid; it stays listed, marked
    voided, and `supplychain.household_payment_voided` is published. Voided once (409); to fix an amount,
    void and record the right payment. Answers the payment with its void."""
    void = await commands.void_payment(uow.session, coop_id, payment_id, data, principal)
    payment = await uow.session.get(HouseholdPayment, void.payment_id)
    [view] = await queries.payment_views(uow.session, [payment])
    return view


@router.get(
    "/coops/{coop_id}/payments",
    response_model=list[PaymentPrivate],
    summary="The co-op's payments to households, newest first, voided ones marked",
    description=_PAYABLES_READ + " By payment date, inclusive; `member_id` for one household.",
)
async def list_payments(
    coop_id: int,
    session: SessionDep,
    principal: PrincipalDep,
    member_id: int | None = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
) -> list[PaymentPrivate]:
    return await queries.payments(
        session, coop_id, principal, member_id=member_id, date_from=date_from, date_to=date_to
    )


@router.get(
    "/coops/{coop_id}/deliveries",
    response_model=list[Delivery],
    summary="The co-op's deliveries (harvest lots) in a date range, with what it bought of each",
    description=_PAYABLES_READ + " A lot is listed when harvested or bought from in the range, inclusive, "
    "whichever clerk recorded it; corrected harvests and purchases are left out. Each names its event id, "
    "what `/corrections` takes.",
)
async def coop_deliveries(
    coop_id: int,
    session: SessionDep,
    principal: PrincipalDep,
    date_from: Annotated[date, Query(alias="from")],
    date_to: Annotated[date, Query(alias="to")],
) -> list[Delivery]:
    return await queries.deliveries(session, coop_id, principal, date_from, date_to)


@router.get(
    "/coops/{coop_id}/lots",
    response_model=OpenLotPage,
    summary="The co-op's open lots (still holding something) with what is left of each, newest first",
)
async def open_lots(
    coop_id: int,
    session: SessionDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> OpenLotPage:
    """The province, or the co-op itself (403 for another co-op or a buyer): staff data, as a harvest lot names
    its household. Held quantities in each lot's unit; harvest lots also say how much has been bought. No prices."""
    return await queries.open_lots(session, coop_id, principal, limit, offset)


@router.get(
    "/partners/{partner_id}/shipments",
    response_model=PartnerShipments,
    summary="A buyer's view: shipments to a partner, with lots, documents, receipt and invoices",
)
async def partner_shipments(
    partner_id: int,
    session: SessionDep,
    principal: PrincipalDep,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
) -> PartnerShipments:
    """By shipping date, inclusive. The partner's buyer token or the province see every shipment to it;
    a co-op token sees only its own; another partner's buyer token gets 403. No prices."""
    return await queries.partner_shipments(session, partner_id, principal, date_from, date_to)


@router.get(
    "/totals",
    response_model=ChainTotals,
    summary="Harvests, purchases and sales in a date range, corrected facts left out (province)",
)
async def totals(
    session: SessionDep,
    principal: PrincipalDep,
    date_from: Annotated[date, Query(alias="from")],
    date_to: Annotated[date, Query(alias="to")],
) -> ChainTotals:
    """By fact date (harvested, purchased, sold on), inclusive; for reconciliation with the reporting
    service (`htx reporting verify`). Sales count kilograms, pieces times their net weight for packs."""
    return await queries.chain_totals(session, principal, date_from, date_to)


_BY_TOKEN = (
    "Anyone, by the lot's public token in `{code}` (what its QR code names); a signed-in caller also by the lot's "
    "code or a unit's serial. Without a token a code, a serial and an unknown token get the same 404 "
    "(`trace.not_found`), so codes cannot be probed."
)
_HOUSEHOLDS_SHOWN = (
    "Households in full (with their ids) for the co-op itself and the province; for anyone else as the co-op "
    "chose (`household_display`): names, initials (N. V. H., the default) or only their number (`households`)."
)


@router.get(
    "/lots/{code}",
    response_model=LotPublic,
    summary="A lot, what it holds now, and its events",
    description=f"{_BY_TOKEN} Quantities and dates, never prices; corrected facts are marked, never removed; "
    "the household's id only for the co-op itself and the province.",
)
async def get_lot(code: str, session: SessionDep, principal: OptionalPrincipalDep) -> LotPublic:
    lot, _ = await queries.resolve_public(session, code, principal)
    return await queries.lot_view(session, lot, principal)


@router.get(
    "/lots/{code}/trace",
    response_model=LotTrace,
    summary="Where a lot (or unit serial) came from and went: the public trace as JSON",
    description=f"{_BY_TOKEN} Backward: every lot, batch and harvest behind it, with households, plots, rounds "
    "and the certificates valid on the harvest day. Forward: every lot made from it, shipments and buyers. "
    f"No prices. {_HOUSEHOLDS_SHOWN}",
)
async def trace_lot(
    code: str, session: SessionDep, principal: OptionalPrincipalDep, direction: TraceDirection = "both"
) -> LotTrace:
    return await trace.trace_code(session, code, direction, principal)


_ONE_HOUSEHOLD = (
    "One household's business, so not public: the province (every lot) or the co-op (its own lots); 401 "
    "without a token, 403 for a buyer. Households in full."
)


@router.get(
    "/plots/{plot_code}/trace",
    response_model=LotTrace,
    summary="Everything made from a plot's harvests (province, or the co-op)",
    description=_ONE_HOUSEHOLD,
)
async def trace_plot(plot_code: str, session: SessionDep, principal: PrincipalDep) -> LotTrace:
    return await trace.trace_plot(session, plot_code, principal)


@router.get(
    "/households/{member_id}/trace",
    response_model=LotTrace,
    summary="Everything made from a household's harvests (province, or the co-op)",
    description=_ONE_HOUSEHOLD + " Household ids are counted, so they are never a public key.",
)
async def trace_household(member_id: int, session: SessionDep, principal: PrincipalDep) -> LotTrace:
    return await trace.trace_household(session, member_id, principal)


RecallSort = Literal["date", "lot", "event"]

_RECALL = (
    "Every event on the lot's chain, both ways, one row each with its key data elements (FSMA 204 style), "
    "sortable by `sort`. The province recalls any lot, a co-op its own (403 for another's). A buyer recalls a "
    "lot shipped or sold to it (403 `recall.not_delivered` for any other): the lots on its chain that reached "
    "it or went into what did, never another partner's shipment or sale, households as their co-op shows them "
    "publicly. No prices. 404 for an unknown code."
)


@router.get(
    "/lots/{code}/recall",
    response_model=list[RecallRow],
    summary="Recall list: key data elements of every event on the chain (JSON, what the buyer's page shows)",
    description=_RECALL,
)
async def recall_json(code: str, session: SessionDep, principal: PrincipalDep, sort: RecallSort = "date") -> list:
    return await trace.recall_rows(session, code, principal, sort)


@router.get(
    "/lots/{code}/recall.csv",
    summary="Recall list: key data elements of every event on the chain (CSV)",
    description=_RECALL,
    response_class=Response,
    responses=file_answer("text/csv"),
)
async def recall_csv(code: str, session: SessionDep, principal: PrincipalDep, sort: RecallSort = "date") -> Response:
    rows = await trace.recall_rows(session, code, principal, sort)
    return Response(
        public_page.recall_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="recall-{code}.csv"'},
    )


@router.get(
    "/lots/{code}/recall.xlsx",
    summary="Recall list as a spreadsheet with filters (XLSX)",
    description=_RECALL,
    response_class=Response,
    responses=file_answer("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
)
async def recall_xlsx(code: str, session: SessionDep, principal: PrincipalDep, sort: RecallSort = "date") -> Response:
    rows = await trace.recall_rows(session, code, principal, sort)
    return Response(
        public_page.recall_xlsx(rows, code),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="recall-{code}.xlsx"'},
    )


_REGULATORY = (
    "Who may call it: as the recall (the province, the co-op for its own lots, a buyer for a lot shipped or sold "
    "to it; 403 otherwise, 404 for an unknown code). No prices and no household: plots by their planting-area "
    "codes, the co-op as producer."
)


@router.get(
    "/lots/{code}/circular-02",
    summary="Circular 02/2024/TT-BKHCN: the ten data items of a lot for the national traceability portal (JSON)",
    description="Product name and image, producer name and address, each stage with its product and location "
    "trace codes and time (one step back, one step forward), production time, traceability code (the lot's GS1 "
    "Digital Link or public page), brand and serials, expiry, standards applied (certificates valid on the "
    "harvest days); `missing` says in the request's language which required items the platform does not hold. "
    + _REGULATORY,
)
async def circular_02(code: str, request: Request, session: SessionDep, principal: PrincipalDep) -> dict:
    return await regulatory.circular_02(
        session, code, principal, lambda lot: _public_address(request, lot, None), language_of(request)
    )


@router.get(
    "/lots/{code}/circular-02.csv",
    summary="Circular 02/2024/TT-BKHCN items of a lot as CSV, Vietnamese headers, a row per stage",
    description=_REGULATORY,
    response_class=Response,
    responses=file_answer("text/csv"),
)
async def circular_02_csv(code: str, request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    record = await regulatory.circular_02(
        session, code, principal, lambda lot: _public_address(request, lot, None), language_of(request)
    )
    return Response(
        regulatory.circular_02_csv(record),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="tt02-2024-{code}.csv"'},
    )


_EUDR = (
    "The province, the co-op that shipped it, or the buyer it went to (403 otherwise; 404 for an unknown "
    "shipment). Every origin plot of the shipped lots as a GeoJSON Feature (WGS 84, six decimals; the EUDR file "
    "description's ProducerName, ProducerCountry, ProductionPlace and Area, with planting-area code, harvest "
    "dates and kilograms), the supplier and buyer, the lines, whether the regulation covers the product, and a "
    "report of what is missing (no geolocation, a point where a plot over 4 ha needs a polygon, fewer than six "
    "decimals). No household names and no prices."
)


@router.get(
    "/shipments/{shipment_id}/eudr", summary="EU Deforestation Regulation package of a shipment", description=_EUDR
)
async def eudr_package(shipment_id: int, request: Request, session: SessionDep, principal: PrincipalDep) -> dict:
    return await regulatory.eudr_package(session, shipment_id, principal, language_of(request))


@router.get(
    "/shipments/{shipment_id}/eudr.geojson",
    summary="The shipment's origin plots as the GeoJSON file EUDR's information system takes",
    description=_EUDR,
    response_class=Response,
    responses=file_answer("application/geo+json"),
)
async def eudr_geojson(shipment_id: int, request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    package = await regulatory.eudr_package(session, shipment_id, principal, language_of(request))
    return Response(
        regulatory.geojson_file(package),
        media_type="application/geo+json",
        headers={"Content-Disposition": f'attachment; filename="eudr-shipment-{shipment_id}.geojson"'},
    )


@router.get(
    "/lots/{code}/labels.pdf",
    summary="Printable QR labels of a packed lot's units (PDF: A4 sheet or 62 x 29 mm label printer)",
    response_class=Response,
    responses=file_answer("application/pdf"),
)
async def lot_labels(
    code: str, request: Request, session: SessionDep, principal: PrincipalDep, size: labels.LabelSize = "a4"
) -> Response:
    """The co-op's own staff (manager or clerk) only, for the lots it packed: 403 for another co-op, the province or
    a buyer; 404 for an unknown lot code; 422 for a lot that is not packed. One label per unit, in serial order,
    each with the QR code of that unit's public page (`/01/<gtin>/21/<serial>` for a lot with a GTIN, else
    `/t/<public token>/<serial>`), lot code and unit number, product, net weight and the co-op's name; no prices
    or households. Vietnamese, `?lang=en`."""
    lot, units = await queries.packed_units(session, code, principal)
    coop = await session.get(KnownCoop, lot.coop_id)
    packed = labels.PackedLot(
        code=lot.code,
        product=lot.product,
        grade=lot.grade,
        net_kg_per_unit=lot.net_kg_per_unit or Decimal(0),
        coop_name=coop.name if coop is not None else "",
    )
    units_labels = [labels.Label(u.serial, u.carton_code, _public_address(request, lot, u.serial)) for u in units]
    sheet = labels.sheet(packed, units_labels, size, page_language_of(request))
    return Response(
        sheet,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="labels-{lot.code}-{size}.pdf"',
            "Cache-Control": "no-store",
        },
    )


_PAGE_BY_TOKEN = _BY_TOKEN.replace("`{code}`", "`{token}`")


@router.get(
    "/t/{token}",
    response_class=HTMLResponse,
    summary="Public trace page of a lot (what the QR opens)",
    description=f"{_PAGE_BY_TOKEN} Mobile first; Vietnamese, or English by `?lang=en` or the browser's "
    "`Accept-Language` (`?lang=` wins; the answer varies by that header). Stage by stage, each naming its lot; "
    "shipments and sales only of this lot and of what was made from it, never an input's. Certificates as "
    "valid on the harvest day, an expired or revoked one said so. No "
    f"prices, phones or ID numbers, delivery or invoice numbers. {_HOUSEHOLDS_SHOWN} An unknown token "
    "(or code) gets a 404 HTML page saying to check the code on the label.",
    responses={404: {"description": "Not a known lot: an HTML page", "content": {"text/html": {}}}},
)
async def trace_page(
    token: str, request: Request, session: SessionDep, principal: OptionalPrincipalDep
) -> HTMLResponse:
    return await _trace_page(request, session, principal, queries.resolve_public(session, token, principal))


@router.get(
    "/01/{key:path}",
    response_class=HTMLResponse,
    summary="GS1 Digital Link of a lot or unit: its public trace page",
    description="`/01/{gtin}/10/{lot}`, `/01/{gtin}/21/{serial}` or `/01/{gtin}/10/{lot}/21/{serial}` (GS1 Digital "
    "Link 1.2; a GTIN-13 may be written without its leading 0) for anyone: the page `/t/{token}` shows, rendered "
    "here rather than redirected, so a unit's serial stays on it and a scan costs one request. Only a lot whose "
    "co-op gave it that GTIN answers; anything else (a wrong check digit, a lot or serial of another GTIN) gets the "
    "404 page.",
    responses={
        404: {"description": "Not a known lot or unit of that GTIN: an HTML page", "content": {"text/html": {}}}
    },
)
async def digital_link_page(
    key: str, request: Request, session: SessionDep, principal: OptionalPrincipalDep
) -> HTMLResponse:
    async def resolved() -> tuple[Lot, str | None]:
        raw = request.scope["raw_path"].decode("latin-1")  # still percent-encoded: a serial may hold a "/"
        item = digital_link.parse_path(raw[raw.index("/01/") :].partition("?")[0])
        if item is None or (item.lot is None and item.serial is None):
            raise NotFound("trace.not_found")
        return await queries.resolve_digital_link(session, item)

    return await _trace_page(request, session, principal, resolved())


async def _trace_page(
    request: Request,
    session: AsyncSession,
    principal: Principal | None,
    resolving: Awaitable[tuple[Lot, str | None]],
) -> HTMLResponse:
    language = negotiated_page_language(request)
    vary = {"Vary": "Accept-Language"}
    try:
        lot, serial = await resolving
        public_token = _public_token(lot)
    except NotFound:
        # A person scanned or typed this: they get a page that says what to check, not the API's JSON.
        return HTMLResponse(public_page.render_not_found(language), status_code=404, headers=vary)
    traced = await trace.trace(session, [lot], "both", serial=serial, viewer=principal)
    # The image by its path (the page's own origin, as its CSP allows); the code it shows is the public URL,
    # a unit's own on a unit's page.
    if serial is None:
        qr_path = request.app.url_path_for("trace_qr_svg", token=public_token)
    else:
        qr_path = request.app.url_path_for("unit_qr_svg", token=public_token, serial=serial)
    page = public_page.render(traced, lot.code, language, qr_path, today=today_in_vietnam())
    return HTMLResponse(page, headers=vary)


_QR = (
    f"{_PAGE_BY_TOKEN} The code encodes a public address under `HTX_PUBLIC_BASE_URL`, whatever named the lot "
    "here: the GS1 Digital Link `/01/<gtin>/10/<lot>` (a unit's serial: `/01/<gtin>/21/<serial>`) when the lot "
    "has a GTIN and its code fits a Digital Link, else the private `/t/<token>`."
)


@router.get(
    "/t/{token}/qr.svg",
    name="trace_qr_svg",
    summary="QR code of the public trace page (SVG)",
    description=_QR,
    response_class=Response,
    responses=file_answer("image/svg+xml"),
)
async def trace_qr_svg(token: str, request: Request, session: SessionDep, principal: OptionalPrincipalDep) -> Response:
    return Response(await _qr(request, session, token, principal, "svg"), media_type="image/svg+xml")


@router.get(
    "/t/{token}/qr.png",
    summary="QR code of the public trace page (PNG)",
    description=_QR,
    response_class=Response,
    responses=file_answer("image/png"),
)
async def trace_qr_png(token: str, request: Request, session: SessionDep, principal: OptionalPrincipalDep) -> Response:
    return Response(await _qr(request, session, token, principal, "png"), media_type="image/png")


@router.get(
    "/t/{token}/{serial}",
    response_class=HTMLResponse,
    summary="Public trace page of one packed unit (what its label's QR opens)",
    description="Anyone, by the lot's public token and one of its units' serials (`<lot code>-0001`): the lot's "
    "page `/t/{token}` shows, with the unit named. The token is what makes it unguessable (serials are counted); a "
    "serial of another lot, or an unknown token, gets the same 404 HTML page. A lot with a GTIN has its units' pages "
    "at `/01/<gtin>/21/<serial>` too; what is shown is the same.",
    responses={404: {"description": "Not a unit of that lot: an HTML page", "content": {"text/html": {}}}},
)
async def unit_page(
    token: str, serial: str, request: Request, session: SessionDep, principal: OptionalPrincipalDep
) -> HTMLResponse:
    return await _trace_page(request, session, principal, queries.resolve_unit(session, token, serial))


@router.get(
    "/t/{token}/{serial}/qr.svg",
    name="unit_qr_svg",
    summary="QR code of a packed unit's public page (SVG)",
    description="Anyone, by the lot's public token and the unit's serial, as `/t/{token}/{serial}`: the code "
    "encodes the unit's public address (its label's), `/01/<gtin>/21/<serial>` for a lot with a GTIN, else "
    "`/t/<public token>/<serial>`. Not a unit of that lot: 404.",
    response_class=Response,
    responses=file_answer("image/svg+xml"),
)
async def unit_qr_svg(token: str, serial: str, request: Request, session: SessionDep) -> Response:
    lot, _ = await queries.resolve_unit(session, token, serial)
    return Response(public_page.qr(_public_address(request, lot, serial), "svg"), media_type="image/svg+xml")


async def _qr(request: Request, session: AsyncSession, ref: str, principal: Principal | None, kind: str) -> bytes:
    lot, serial = await queries.resolve_public(session, ref, principal)
    return public_page.qr(_public_address(request, lot, serial), kind)


def _public_address(request: Request, lot: Lot, serial: str | None) -> str:
    """Where the public reaches a lot, or one of its units: its GS1 Digital Link when the lot has a GTIN
    and the code fits one, else under its random public token."""
    if lot.gtin is not None:
        base = _public_base(request)
        linked = (
            digital_link.serial_uri(base, lot.gtin, serial)
            if serial
            else digital_link.lot_uri(base, lot.gtin, lot.code)
        )
        if linked is not None:
            return linked
    token = _public_token(lot)
    if serial is None:
        return _public_url(request, "trace_page", token=token)
    return _public_url(request, "unit_page", token=token, serial=serial)


def _public_token(lot: Lot) -> str:
    """Every lot the service made has one (sc0010 gave the older ones theirs); a row written around
    the service (a bulk load) without one has no public page."""
    if lot.public_token is None:
        raise NotFound("trace.not_found")
    return lot.public_token


def _public_url(request: Request, route: str, **params: str) -> str:
    """A route's address as the public reaches it: `HTX_PUBLIC_BASE_URL`, else this service's configured
    URL; never the request's Host header, which would let anyone print QR codes pointing elsewhere."""
    return _public_base(request) + request.app.url_path_for(route, **params)


def _public_base(request: Request) -> str:
    settings = request.app.state.settings
    return (settings.public_base_url or settings.supplychain_url).rstrip("/")
