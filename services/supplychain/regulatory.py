"""What regulators ask of a lot or a shipment, each with a report of what is missing.

- **Circular 02/2024/TT-BKHCN** (Vietnam's national traceability portal, in force 1 June 2024): at
  least ten data items per product — name, image, producer name and address, each stage with its
  product and location trace codes and time ("one step back, one step forward"), production time,
  traceability code, brand or serial, expiry, standards applied (`circular_02`).
- **EU Deforestation Regulation 2023/1115**: per shipment, every origin plot's geolocation as GeoJSON
  (WGS 84, six decimals, a polygon for a plot over 4 ha, a point below), production dates, quantities,
  supplier and buyer (`eudr_package`), following the Commission's GeoJSON file description
  (`ProducerName`, `ProducerCountry`, `ProductionPlace`, `Area`).

Both read a chain as a recall does (`trace.chain_reader`: the province, the co-op, or a buyer for what
reached it) and name no household: a plot is named by its planting-area code and the co-op that
supplies its harvest is the producer of record, so a buyer's file carries no personal data. What is
missing is said, not silently left out: a file the regulator refuses later costs more than a report now.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain.epcis.chain_mapping import coop_location, lot_uri, partner_location, plot_location
from services.supplychain.queries import rows_in
from services.supplychain.tables import KnownCoop, KnownPartner, KnownPlot, Lot, PackUnit, Shipment, ShipmentLine
from services.supplychain.trace import chain_reader, trace
from shared import places
from shared.auth import Principal
from shared.errors import Forbidden, NotFound
from shared.i18n import Language, translate
from shared.spreadsheets import csv_file
from shared.text import search_key

CIRCULAR_02 = "Thông tư 02/2024/TT-BKHCN"
EUDR = "Regulation (EU) 2023/1115"
EUDR_DECIMALS = 6
EUDR_POLYGON_ABOVE_HA = Decimal("4")
# What the regulation covers (Annex I), by the words a co-op's product or crop is named with. Tea is not
# covered; a tea shipment's package is still made (a buyer may ask), and says so.
EUDR_COMMODITIES = {
    "coffee": ("cà phê", "coffee"),
    "rubber": ("cao su", "rubber"),
    "wood": ("gỗ", "wood", "timber", "keo", "bạch đàn"),
    "cocoa": ("ca cao", "cacao", "cocoa"),
    "oil palm": ("cọ dầu", "oil palm", "palm oil"),
    "soya": ("đậu tương", "đậu nành", "soy", "soya", "soybean"),
    "cattle": ("gia súc", "cattle"),
}

# Circular 02's items in its order, with the CSV's Vietnamese headers.
CIRCULAR_ITEMS = {
    "product_name": "Tên sản phẩm",
    "product_image": "Hình ảnh sản phẩm",
    "producer_name": "Tên cơ sở sản xuất",
    "producer_address": "Địa chỉ cơ sở sản xuất",
    "stages": "Công đoạn",
    "production_time": "Thời gian sản xuất",
    "traceability_code": "Mã truy vết",
    "brand_serial": "Nhãn hiệu, số sê-ri",
    "expiry": "Hạn sử dụng",
    "standards": "Tiêu chuẩn áp dụng",
}
STAGE_COLUMNS = {
    "stage": "Công đoạn",
    "product_trace_codes": "Mã truy vết sản phẩm",
    "location_trace_code": "Mã truy vết địa điểm",
    "event_time": "Thời gian",
}
CIRCULAR_02_HEADERS = [
    CIRCULAR_ITEMS["traceability_code"],
    CIRCULAR_ITEMS["product_name"],
    CIRCULAR_ITEMS["product_image"],
    CIRCULAR_ITEMS["producer_name"],
    CIRCULAR_ITEMS["producer_address"],
    CIRCULAR_ITEMS["production_time"],
    CIRCULAR_ITEMS["brand_serial"],
    CIRCULAR_ITEMS["expiry"],
    CIRCULAR_ITEMS["standards"],
    *STAGE_COLUMNS.values(),
]
STAGE_ORDER = ("harvest", "purchase", "processing", "grading", "packing", "shipment", "receipt", "sale")
# Items the circular asks for "if any": absent is not missing.
IF_ANY = ("brand_serial", "expiry")


def _address(ward_code: str) -> str | None:
    try:
        return f"{places.ward_name(ward_code)}, {places.province_name(ward_code)}"
    except places.WardCodeError:
        return None


def _missing(item: str, key: str, language: Language, **values: object) -> dict[str, str]:
    return {"item": item, "code": key, "message": translate(key, language, **values)}


async def circular_02(
    session: AsyncSession, code: str, principal: Principal, traceability_code: Callable[[Lot], str], language: Language
) -> dict[str, Any]:
    """The ten items of one lot, its stages both ways, and what is missing."""
    view = await chain_reader(session, code, principal)
    lot, partner = view.lot, view.partner
    traced = await trace(session, [lot], "both")
    coop_ids = {lot.coop_id} | {origin.coop_id for origin in traced.origins} | {t.coop_id for t in traced.lots}
    coops = {c.id: c for c in await rows_in(session, select(KnownCoop), KnownCoop.id, coop_ids)}
    registration = {coop_id: coop.registration_code for coop_id, coop in coops.items()}
    owner = coops.get(lot.coop_id)
    own_code = registration.get(lot.coop_id, str(lot.coop_id))
    coop_of_lot = {t.code: t.coop_id for t in traced.lots}

    def codes(lot_codes: list[str]) -> list[str]:
        return [lot_uri(registration.get(coop_of_lot.get(c, lot.coop_id), own_code), c) for c in lot_codes]

    stages: list[dict[str, Any]] = []
    for origin in traced.origins:
        where = registration.get(origin.coop_id, own_code)
        place = plot_location(where, origin.plot_code) if origin.plot_code else coop_location(where)
        stages.append(_stage("harvest", origin.harvested_on, codes([origin.lot_code]), place))
    for step in traced.steps:
        # A buyer's record holds the steps of what reached it and went into it, not what the co-op made
        # of the rest afterwards for others (as its recall does).
        if view.visible is not None and not any(o.lot_code in view.visible for o in step.outputs):
            continue
        made_by = coop_of_lot.get(step.outputs[0].lot_code, lot.coop_id) if step.outputs else lot.coop_id
        outputs = codes([o.lot_code for o in step.outputs])
        stages.append(
            _stage(step.step, step.transformed_on, outputs, coop_location(registration.get(made_by, own_code)))
        )
    for shipment in traced.shipments:
        if partner is not None and shipment.partner_id != partner:
            continue  # another buyer's shipment is not this buyer's business
        shipped = codes([line.lot_code for line in shipment.lines])
        stages.append(_stage("shipment", shipment.shipped_on, shipped, partner_location(shipment.partner_id)))
        if shipment.received_on is not None:
            stages.append(_stage("receipt", shipment.received_on, shipped, partner_location(shipment.partner_id)))
    if partner is None:  # a sale names its buyer only by name: for the co-op and the province
        for sale in traced.sales:
            stages.append(_stage("sale", sale.sold_on, codes([sale.lot_code]), coop_location(own_code)))
    stages.sort(key=lambda s: (s["event_time"], STAGE_ORDER.index(s["stage"]) if s["stage"] in STAGE_ORDER else 9))

    serials = sorted(await rows_in(session, select(PackUnit.serial), PackUnit.lot_id, [lot.id]))
    standards = sorted(
        {
            f"{c.kind} {c.code}" + (f" ({c.ocop_stars}★)" if c.ocop_stars else "")
            for origin in traced.origins
            for c in origin.certificates
        }
    )
    items: dict[str, Any] = {
        "product_name": lot.product + (f" ({lot.grade})" if lot.grade else ""),
        "product_image": None,  # the platform keeps no product pictures yet
        "producer_name": owner.name if owner else None,
        "producer_address": _address(owner.ward_code) if owner else None,
        "stages": stages,
        "production_time": lot.created_on.isoformat(),
        "traceability_code": traceability_code(lot),
        "brand_serial": (
            {"gtin": lot.gtin, "serials": [serials[0], serials[-1]] if serials else [], "units": len(serials)}
            if lot.gtin or serials
            else None
        ),
        "expiry": None,  # lots carry no expiry date yet
        "standards": standards,
    }
    missing = [
        _missing(item, f"regulatory.circular_02.{item}", language)
        for item, value in items.items()
        if item not in IF_ANY and (value is None or value == [])
    ]
    return {
        "regulation": CIRCULAR_02,
        "lot_code": lot.code,
        "items": items,
        "complete": not missing,
        "missing": missing,
        "not_recorded_if_any": [item for item in IF_ANY if items[item] is None],
    }


def _stage(stage: str, on: date, product_codes: list[str], location: str) -> dict[str, Any]:
    return {"stage": stage, "product_trace_codes": product_codes, "location_trace_code": location, "event_time": on}


def circular_02_csv(record: dict[str, Any]) -> bytes:
    """The CSV under Vietnamese headers: the lot's items repeated on each of its stages' rows, so a row
    stands alone in a spreadsheet filter."""
    items = record["items"]
    brand = items["brand_serial"]
    lot_values = [
        items["traceability_code"],
        items["product_name"],
        items["product_image"] or "",
        items["producer_name"] or "",
        items["producer_address"] or "",
        items["production_time"],
        " ".join(filter(None, [brand and brand["gtin"], brand and "–".join(brand["serials"])])) if brand else "",
        items["expiry"] or "",
        "; ".join(items["standards"]),
    ]
    rows = (
        [
            *lot_values,
            stage["stage"],
            " ".join(stage["product_trace_codes"]),
            stage["location_trace_code"],
            stage["event_time"].isoformat(),
        ]
        for stage in items["stages"]
    )
    return csv_file(CIRCULAR_02_HEADERS, rows)


# --- EUDR -------------------------------------------------------------------------------------


def eudr_commodity(*names: str) -> str | None:
    """The EUDR commodity a product or crop is, by whole words of its name; None when the regulation does
    not cover it (tea). A name written with diacritics is compared with them ("gò" is a hill, "gỗ" wood);
    one typed without any is compared with the words folded ("ca phe")."""
    for name in names:
        written = unicodedata.normalize("NFC", name).lower()
        accented = not written.isascii()
        text = f" {' '.join(written.split()) if accented else search_key(written)} "
        for commodity, words in EUDR_COMMODITIES.items():
            if any(f" {word if accented else search_key(word)} " in text for word in words):
                return commodity
    return None


def _decimals(value: float) -> int:
    text = repr(float(value))
    return 0 if "e" in text or "." not in text else len(text.split(".")[1].rstrip("0"))


def _positions(geometry: dict) -> list[list[float]]:
    if geometry["type"] == "Point":
        return [geometry["coordinates"]]
    return [position for ring in geometry["coordinates"] for position in ring]


def _six_decimals(geometry: dict) -> dict:
    """The geometry with every coordinate rounded to the six decimals EUDR asks for."""
    if geometry["type"] == "Point":
        return {"type": "Point", "coordinates": [round(c, EUDR_DECIMALS) for c in geometry["coordinates"]]}
    rings = [[[round(c, EUDR_DECIMALS) for c in p] for p in ring] for ring in geometry["coordinates"]]
    return {"type": "Polygon", "coordinates": rings}


@dataclass
class PlotOrigin:
    """What one plot gave a shipment: its harvests' dates and kilograms."""

    plot_code: str
    coop_id: int
    harvested_on: list[date]
    quantity_kg: Decimal


def plot_problems(plot: KnownPlot | None, language: Language) -> list[dict[str, str]]:
    """What keeps one plot's geolocation from meeting EUDR: none, a point where a polygon is needed, or
    coordinates recorded with fewer than six decimals. The registry keeps six decimals of what it was
    given, so a geometry whose coordinates all stop at four decimals or fewer was given coarser (a
    six-decimal reading ending in "00" in every coordinate is a chance of one in 10,000 for a point)."""
    if plot is None or plot.geometry is None:
        return [_missing("geometry", "regulatory.eudr.no_geolocation", language)]
    problems = []
    if plot.geometry["type"] == "Point" and plot.area_ha > EUDR_POLYGON_ABOVE_HA:
        problems.append(_missing("geometry", "regulatory.eudr.polygon_required", language, area_ha=plot.area_ha))
    given = max(_decimals(c) for position in _positions(plot.geometry) for c in position)
    if given <= EUDR_DECIMALS - 2:
        problems.append(_missing("geometry", "regulatory.eudr.decimals", language, decimals=given))
    return problems


async def eudr_package(session: AsyncSession, shipment_id: int, principal: Principal, language: Language) -> dict:
    """The shipment's origin plots as a GeoJSON FeatureCollection, with its parties, quantities and a
    validation report. The province, the shipping co-op, or the buyer it went to (403 otherwise)."""
    shipment = await session.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFound("shipment.not_found", shipment_id=shipment_id)
    if principal.role == "buyer":
        if principal.partner_id != shipment.partner_id:
            raise Forbidden("shipment.other_partner", shipment_id=shipment_id)
    else:
        principal.require_coop_write(shipment.coop_id)
    lines = await rows_in(
        session,
        select(ShipmentLine, Lot).join(Lot, col(Lot.id) == col(ShipmentLine.lot_id)),
        ShipmentLine.shipment_id,
        [shipment_id],
    )
    traced = await trace(session, [lot for _, lot in lines], "backward")
    by_plot: dict[tuple[int, str | None], PlotOrigin] = {}
    for origin in traced.origins:
        key = (origin.coop_id, origin.plot_code)
        found = by_plot.setdefault(key, PlotOrigin(origin.plot_code or "", origin.coop_id, [], Decimal(0)))
        found.harvested_on.append(origin.harvested_on)
        found.quantity_kg += origin.harvested_quantity_kg
    plots = {
        (p.coop_id, p.planting_area_code): p
        for p in await rows_in(
            session, select(KnownPlot), KnownPlot.planting_area_code, {code for _, code in by_plot if code}
        )
    }
    coops = {
        c.id: c
        for c in await rows_in(session, select(KnownCoop), KnownCoop.id, {shipment.coop_id, *(k[0] for k in by_plot)})
    }
    supplier = coops.get(shipment.coop_id)
    buyer = await session.get(KnownPartner, shipment.partner_id)

    features: list[dict[str, Any]] = []
    report: list[dict[str, Any]] = []
    for (coop_id, plot_code), given in sorted(by_plot.items(), key=lambda item: (item[0][0], item[0][1] or "")):
        plot = plots.get((coop_id, plot_code)) if plot_code else None
        coop = coops.get(coop_id)
        problems = (
            plot_problems(plot, language) if plot_code else [_missing("plot", "regulatory.eudr.no_plot", language)]
        )
        report.append({"plot_code": plot_code, "problems": problems})
        days = sorted(set(given.harvested_on))
        properties = {
            "ProducerName": coop.name if coop else None,
            "ProducerCountry": "VN",
            "ProductionPlace": " – ".join(filter(None, [plot_code, _address(coop.ward_code) if coop else None])),
            "Area": float(plot.area_ha) if plot is not None else None,
            "PlantingAreaCode": plot_code,
            "Crop": plot.crop if plot is not None else None,
            "ProductionDateFrom": days[0].isoformat(),
            "ProductionDateTo": days[-1].isoformat(),
            "HarvestDates": [d.isoformat() for d in days],
            "QuantityKg": float(given.quantity_kg),
        }
        geometry = _six_decimals(plot.geometry) if plot is not None and plot.geometry else None
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    products = {lot.product for _, lot in lines}
    crops = {p.crop for p in plots.values()}
    commodity = eudr_commodity(*products, *crops)
    problem_count = sum(len(plot["problems"]) for plot in report)
    return {
        "regulation": EUDR,
        "applies": commodity is not None,
        "commodity": commodity,
        "note": None
        if commodity
        else translate("regulatory.eudr.not_covered", language, products=", ".join(sorted(products))),
        "shipment": {
            "shipment_id": shipment.id,
            "document_number": shipment.document_number,
            "shipped_on": shipment.shipped_on.isoformat(),
            "lines": [
                {"lot_code": lot.code, "product": lot.product, "quantity": float(line.quantity), "unit": lot.unit}
                for line, lot in sorted(lines, key=lambda pair: pair[0].id or 0)
            ],
        },
        "supplier": {
            "name": supplier.name if supplier else None,
            "registration_code": supplier.registration_code if supplier else None,
            "address": _address(supplier.ward_code) if supplier else None,
            "country": "VN",
        },
        "buyer": {"partner_id": shipment.partner_id, "name": buyer.name if buyer else shipment.partner_name},
        "geojson": {"type": "FeatureCollection", "features": features},
        "report": {"plots": len(report), "complete": problem_count == 0, "problems": problem_count, "by_plot": report},
    }


def geojson_file(package: dict[str, Any]) -> bytes:
    return json.dumps(package["geojson"], ensure_ascii=False).encode("utf-8")
