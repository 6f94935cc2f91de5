"""Each chain fact as GS1 EPCIS 2.0 events (JSON-LD form, CBV 2.0 vocabulary). Pure, no I/O.

| fact        | EPCIS                                                                     |
|-------------|---------------------------------------------------------------------------|
| harvest     | ObjectEvent ADD, bizStep commissioning, ILMD (round, plot, household)     |
| purchase    | ObjectEvent OBSERVE, bizStep receiving, bizTransaction po, household→co-op |
| processing, grading | TransformationEvent, input/output quantity lists                  |
| packing     | TransformationEvent (kg in, numbered units out) + AggregationEvent ADD, bizStep packing, per carton |
| shipment    | ObjectEvent OBSERVE, bizStep shipping, desadv, source/destination lists   |
| receipt     | ObjectEvent OBSERVE, bizStep receiving, desadv + recadv                   |
| sale        | TransactionEvent ADD, bizTransaction inv                                  |
| correction  | the wrong events again, with errorDeclaration (EPCIS 2.0 §7.4.1.5)         |

Identifiers are private URNs keyed on the co-op's registration code, since most co-ops have
no GS1 company prefix (EPCIS accepts any URI): `urn:htx:<reg>:lot:<code>`,
`urn:htx:<reg>:unit:<serial>`, `urn:htx:<reg>:carton:<code>`, places
`urn:htx:<reg>:loc:...`, parties `urn:htx:party:...`, documents `urn:htx:<reg>:doc:...`.
Lots are classes of goods, so they travel in quantity lists with uom KGM; packed units are
instances (epcList). An event's `eventID` is `urn:uuid:` + the integration event's id, so
the stream event and the EPCIS event of one fact name each other; a fact with several
EPCIS events derives the others' ids with uuid5.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple
from urllib.parse import quote

from services.supplychain.epcis.validation import EPCIS_CONTEXT
from shared.clock import start_of_local_day

HTX_NAMESPACE = "https://htx.thainguyen.gov.vn/epcis/"  # our ILMD and extension fields: "htx:..."
KILOGRAM = "KGM"  # UN/CEFACT Rec. 20


class Line(NamedTuple):
    """A lot and a quantity of it, in the lot's unit ("kg" or "pcs")."""

    lot_code: str
    quantity: Decimal
    unit: str = "kg"


def _part(value: object) -> str:
    # URN parts: keep unreserved characters, percent-encode the rest (":" and "/" included).
    return quote(str(value), safe="-._~")


def lot_uri(registration_code: str, lot_code: str) -> str:
    return f"urn:htx:{_part(registration_code)}:lot:{_part(lot_code)}"


def unit_uri(registration_code: str, serial: str) -> str:
    return f"urn:htx:{_part(registration_code)}:unit:{_part(serial)}"


def carton_uri(registration_code: str, carton_code: str) -> str:
    return f"urn:htx:{_part(registration_code)}:carton:{_part(carton_code)}"


def coop_location(registration_code: str) -> str:
    return f"urn:htx:{_part(registration_code)}:loc:coop"


def plot_location(registration_code: str, plot_code: str) -> str:
    return f"urn:htx:{_part(registration_code)}:loc:plot:{_part(plot_code)}"


def coop_party(registration_code: str) -> str:
    return f"urn:htx:party:coop:{_part(registration_code)}"


def household_party(member_id: int) -> str:
    return f"urn:htx:party:member:{member_id}"


def partner_party(partner_id: int) -> str:
    return f"urn:htx:party:partner:{partner_id}"


def partner_location(partner_id: int) -> str:
    return f"urn:htx:party:partner:{partner_id}:loc"


def document_uri(registration_code: str, kind: str, number: object) -> str:
    return f"urn:htx:{_part(registration_code)}:doc:{kind}:{_part(number)}"


def batch_uri(registration_code: str, batch_id: str) -> str:
    return f"urn:htx:{_part(registration_code)}:batch:{_part(batch_id)}"


def epcis_event_id(integration_event_id: str, index: int = 0) -> str:
    """The EPCIS eventID of a fact's `index`-th EPCIS event."""
    if index == 0:
        return f"urn:uuid:{integration_event_id}"
    return f"urn:uuid:{uuid.uuid5(uuid.UUID(integration_event_id), str(index))}"


def _number(value: Decimal) -> int | float:
    # JSON numbers: whole quantities stay integers, grams stay exact to 3 decimals.
    return int(value) if value == value.to_integral_value() else float(value)


def _quantity(registration_code: str, line: Line) -> dict[str, Any]:
    element: dict[str, Any] = {
        "epcClass": lot_uri(registration_code, line.lot_code),
        "quantity": _number(line.quantity),
    }
    if line.unit == "kg":
        element["uom"] = KILOGRAM  # without uom, an EPCIS quantity counts instances: right for pieces
    return element


def _base(event_type: str, integration_event_id: str, on: date, index: int = 0) -> dict[str, Any]:
    when = start_of_local_day(on)
    offset = when.strftime("%z")
    return {
        "@context": [EPCIS_CONTEXT, {"htx": HTX_NAMESPACE}],
        "type": event_type,
        "eventID": epcis_event_id(integration_event_id, index),
        "eventTime": when.isoformat(),
        "eventTimeZoneOffset": f"{offset[:3]}:{offset[3:]}",
    }


def _where(registration_code: str, read_point: str | None = None) -> dict[str, Any]:
    return {
        "readPoint": {"id": read_point or coop_location(registration_code)},
        "bizLocation": {"id": coop_location(registration_code)},
    }


def harvest_event(
    integration_event_id: str,
    registration_code: str,
    *,
    lot_code: str,
    product: str,
    quantity_kg: Decimal,
    harvested_on: date,
    harvest_round: int,
    member_id: int,
    plot_code: str | None,
) -> dict[str, Any]:
    """Harvest: a new lot commissioned at the plot, owned by the co-op, from a household."""
    event = _base("ObjectEvent", integration_event_id, harvested_on)
    read_point = plot_location(registration_code, plot_code) if plot_code else None
    ilmd: dict[str, Any] = {
        "htx:product": product,
        "htx:harvestRound": harvest_round,
        "htx:harvestDate": harvested_on.isoformat(),
        "htx:household": household_party(member_id),
    }
    if plot_code:
        ilmd["htx:plotCode"] = plot_code
    event.update(
        {
            "epcList": [],
            "action": "ADD",
            "bizStep": "commissioning",
            "disposition": "active",
            **_where(registration_code, read_point),
            "quantityList": [_quantity(registration_code, Line(lot_code, quantity_kg))],
            "sourceList": [{"type": "owning_party", "source": household_party(member_id)}],
            "destinationList": [{"type": "owning_party", "destination": coop_party(registration_code)}],
            "ilmd": ilmd,
        }
    )
    return event


def purchase_event(
    integration_event_id: str,
    registration_code: str,
    *,
    purchase_id: int,
    lot_code: str,
    quantity_kg: Decimal,
    purchased_on: date,
    member_id: int,
) -> dict[str, Any]:
    """Purchase: the co-op accepts a household's leaf against a purchase record (po)."""
    event = _base("ObjectEvent", integration_event_id, purchased_on)
    event.update(
        {
            "epcList": [],
            "action": "OBSERVE",
            "bizStep": "receiving",
            "disposition": "in_progress",
            **_where(registration_code),
            "bizTransactionList": [
                {"type": "po", "bizTransaction": document_uri(registration_code, "purchase", purchase_id)}
            ],
            "quantityList": [_quantity(registration_code, Line(lot_code, quantity_kg))],
            "sourceList": [{"type": "owning_party", "source": household_party(member_id)}],
            "destinationList": [{"type": "owning_party", "destination": coop_party(registration_code)}],
        }
    )
    return event


def transformation_event(
    integration_event_id: str,
    registration_code: str,
    *,
    batch_id: str,
    step: str,
    transformed_on: date,
    inputs: Sequence[Line],
    outputs: Sequence[Line],
    output_serials: Sequence[str] = (),
    grades: dict[str, str] | None = None,
    process: str | None = None,
    yield_ratio: Decimal | None = None,
    yield_flagged: bool = False,
    index: int = 0,
) -> dict[str, Any]:
    """Processing or grading (or the transforming half of packing): inputs consumed, outputs made."""
    event = _base("TransformationEvent", integration_event_id, transformed_on, index)
    ilmd: dict[str, Any] = {"htx:step": step}
    if process:
        ilmd["htx:process"] = process
    if grades:
        ilmd["htx:grades"] = grades
    if yield_ratio is not None:
        ilmd["htx:yieldRatio"] = _number(yield_ratio)
        ilmd["htx:yieldFlagged"] = yield_flagged
    event.update(
        {
            "inputQuantityList": [_quantity(registration_code, line) for line in inputs],
            "outputQuantityList": [_quantity(registration_code, line) for line in outputs],
            "transformationID": batch_uri(registration_code, batch_id),
            "bizStep": "commissioning",
            "disposition": "active",
            **_where(registration_code),
            "ilmd": ilmd,
        }
    )
    if output_serials:
        event["outputEPCList"] = [unit_uri(registration_code, serial) for serial in output_serials]
    return event


def packing_events(
    integration_event_id: str,
    registration_code: str,
    *,
    batch_id: str,
    packed_on: date,
    inputs: Sequence[Line],
    lot_code: str,
    product: str,
    net_kg_per_unit: Decimal,
    cartons: dict[str, list[str]],
) -> list[dict[str, Any]]:
    """Packing: kilograms become numbered units (TransformationEvent), units go into cartons (AggregationEvent ADD)."""
    serials = [serial for units in cartons.values() for serial in units]
    made = transformation_event(
        integration_event_id,
        registration_code,
        batch_id=batch_id,
        step="packing",
        transformed_on=packed_on,
        inputs=inputs,
        outputs=[Line(lot_code, Decimal(len(serials)), "pcs")],
        output_serials=serials,
    )
    made["ilmd"].update({"htx:product": product, "htx:netKgPerUnit": _number(net_kg_per_unit)})
    events = [made]
    for index, (carton, units) in enumerate(cartons.items(), start=1):
        packed = _base("AggregationEvent", integration_event_id, packed_on, index)
        packed.update(
            {
                "parentID": carton_uri(registration_code, carton),
                "childEPCs": [unit_uri(registration_code, serial) for serial in units],
                "action": "ADD",
                "bizStep": "packing",
                "disposition": "in_progress",
                **_where(registration_code),
            }
        )
        events.append(packed)
    return events


def _shipment(
    integration_event_id: str,
    registration_code: str,
    *,
    biz_step: str,
    disposition: str,
    shipment_id: int,
    document_number: str,
    on: date,
    lines: Sequence[Line],
    partner_id: int,
    read_point: str,
) -> dict[str, Any]:
    event = _base("ObjectEvent", integration_event_id, on)
    event.update(
        {
            "epcList": [],
            "action": "OBSERVE",
            "bizStep": biz_step,
            "disposition": disposition,
            "readPoint": {"id": read_point},
            "bizTransactionList": [
                {"type": "desadv", "bizTransaction": document_uri(registration_code, "desadv", document_number)}
            ],
            "quantityList": [_quantity(registration_code, line) for line in lines],
            "sourceList": [
                {"type": "owning_party", "source": coop_party(registration_code)},
                {"type": "location", "source": coop_location(registration_code)},
            ],
            "destinationList": [
                {"type": "owning_party", "destination": partner_party(partner_id)},
                {"type": "location", "destination": partner_location(partner_id)},
            ],
            "htx:shipmentID": shipment_id,
        }
    )
    return event


def shipping_event(
    integration_event_id: str,
    registration_code: str,
    *,
    shipment_id: int,
    document_number: str,
    shipped_on: date,
    lines: Sequence[Line],
    partner_id: int,
) -> dict[str, Any]:
    """Shipment: goods leave the co-op for a partner (desadv = the delivery document)."""
    event = _shipment(
        integration_event_id,
        registration_code,
        biz_step="shipping",
        disposition="in_transit",
        shipment_id=shipment_id,
        document_number=document_number,
        on=shipped_on,
        lines=lines,
        partner_id=partner_id,
        read_point=coop_location(registration_code),
    )
    event["bizLocation"] = {"id": coop_location(registration_code)}
    return event


def receiving_event(
    integration_event_id: str,
    registration_code: str,
    *,
    shipment_id: int,
    document_number: str,
    received_on: date,
    lines: Sequence[Line],
    partner_id: int,
) -> dict[str, Any]:
    """Receipt: the partner took the shipment in at its place."""
    event = _shipment(
        integration_event_id,
        registration_code,
        biz_step="receiving",
        disposition="in_progress",
        shipment_id=shipment_id,
        document_number=document_number,
        on=received_on,
        lines=lines,
        partner_id=partner_id,
        read_point=partner_location(partner_id),
    )
    event["bizLocation"] = {"id": partner_location(partner_id)}
    event["bizTransactionList"].append(
        {"type": "recadv", "bizTransaction": document_uri(registration_code, "recadv", shipment_id)}
    )
    return event


def sale_event(
    integration_event_id: str,
    registration_code: str,
    *,
    sale_id: int,
    invoice_number: str,
    sold_on: date,
    line: Line,
    buyer_partner_id: int | None,
) -> dict[str, Any]:
    """Sale: the lot's goods are tied to an invoice (and an earlier shipment's goods too)."""
    event = _base("TransactionEvent", integration_event_id, sold_on)
    buyer = partner_party(buyer_partner_id) if buyer_partner_id is not None else f"urn:htx:party:sale:{sale_id}:buyer"
    event.update(
        {
            "epcList": [],
            "action": "ADD",
            **_where(registration_code),
            "bizTransactionList": [
                {"type": "inv", "bizTransaction": document_uri(registration_code, "inv", invoice_number)}
            ],
            "quantityList": [_quantity(registration_code, line)],
            "sourceList": [{"type": "owning_party", "source": coop_party(registration_code)}],
            "destinationList": [{"type": "owning_party", "destination": buyer}],
        }
    )
    return event


def error_declaration(
    event: dict[str, Any], *, declared_at: datetime, reason: str, corrective_event_ids: Sequence[str]
) -> dict[str, Any]:
    """The wrong event again, declared in error (same eventID), naming the events that replace it."""
    declared = copy.deepcopy(event)
    declared["errorDeclaration"] = {
        "declarationTime": declared_at.isoformat(),
        "reason": reason,  # CBV 2.0 error reasons: incorrect_data, did_not_occur
        "correctiveEventIDs": list(corrective_event_ids),
    }
    return declared
