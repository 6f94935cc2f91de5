// A shipment: lots leave the co-op for a partner under a delivery document number. The receipt is
// the buyer's to confirm (the API takes it from the buyer's account); the shipments to the chosen
// partner are listed below with whether it has.
import { refreshTrade } from "../reference.js";
import { call } from "../session.js";
import { reference } from "../store.js";
import { dayText, field, h, kg, parseKg, setError, show, t, today } from "../ui.js";
import { LOT_FIELDS, fixNotice, formError, lotOptions, onSave, takeFix } from "../writes.js";

// Where each refusal of /shipments is said: by code, and by body field for 422s.
const FIELDS = {
  ...LOT_FIELDS,
  "coop.not_active": "day",
  "shipment.unknown_partner": "partner",
  lines: "lot",
  partner_id: "partner",
  document_number: "document",
  shipped_on: "day",
};

export async function tradeReference(coopId, refreshing) {
  if (refreshing && navigator.onLine) {
    try {
      await refreshTrade(coopId);
    } catch {
      // offline after all: the kept lists serve
    }
  }
  return { lots: (await reference(`lots:${coopId}`)) || [], partners: (await reference(`partners:${coopId}`)) || [] };
}

export function partnerOptions(partners, chosen, none) {
  return [h("option", { value: "" }, none), ...partners.map((p) => h("option", { value: String(p.id), selected: p.id === chosen }, p.name))];
}

// The co-op's shipments to a partner, newest first (null offline): with their lines, receipt, invoices.
export async function shipmentsTo(partnerId) {
  try {
    const answer = await call(`/api/supplychain/partners/${partnerId}/shipments`);
    return answer.ok ? (await answer.json()).shipments.reverse() : null;
  } catch {
    return null;
  }
}

async function receipts(partnerId, list) {
  if (!partnerId) return list.replaceChildren(h("li", { class: "hint" }, t("shipment.pick_partner")));
  if (!navigator.onLine) return list.replaceChildren(h("li", { class: "hint" }, t("shipment.offline")));
  list.replaceChildren();
  const shipments = await shipmentsTo(partnerId);
  if (shipments === null) return;
  if (shipments.length === 0) return list.replaceChildren(h("li", { class: "hint" }, t("shipment.none")));
  list.replaceChildren(
    ...shipments.slice(0, 5).map((s) =>
      h("li", {}, h("strong", {}, t("shipment.document_line", { document: s.document_number, date: dayText(s.shipped_on) })), " ",
        s.lines.map((line) => `${line.lot_code} ${kg(Number(line.quantity))} ${line.unit}`).join(", "), h("br"),
        h("span", { class: s.received_on ? "received" : "hint" }, s.received_on ? t("shipment.received", { date: dayText(s.received_on) }) : t("shipment.not_received")))),
  );
}

export async function shipmentScreen(me) {
  const coopId = me.coop_id;
  const here = location.hash;
  const refused = takeFix("shipment");
  const { lots, partners } = await tradeReference(coopId, !refused);
  if (location.hash !== here) return; // the clerk went on while the network answered
  const line = refused?.body.lines[0];
  const lot = h("select", {}, lotOptions(lots, line?.lot_code));
  const quantity = h("input", { inputmode: "decimal", autocomplete: "off", placeholder: "86,5", value: line ? kg(Number(line.quantity)) : "" });
  const partner = h("select", {}, partnerOptions(partners, refused?.body.partner_id, t("shipment.choose_partner")));
  const document_ = h("input", { autocomplete: "off", value: refused?.body.document_number || "" });
  const day = h("input", { type: "date", value: refused?.body.shipped_on || today(), max: today() });
  const shipped = h("ul", { class: "shipments", "aria-label": t("shipment.recent") });
  partner.addEventListener("change", () => receipts(Number(partner.value), shipped));

  const form = h(
    "form",
    { class: "card", novalidate: true },
    h("h1", {}, t("shipment.heading")),
    fixNotice(refused),
    lots.length === 0 ? h("p", { class: "notice" }, t("lots.none")) : null,
    field("lot", t("shipment.lot"), lot),
    field("kg", t("shipment.kg"), quantity, t("shipment.kg_hint")),
    field("partner", t("shipment.partner"), partner),
    field("document", t("shipment.document"), document_, t("shipment.document_hint")),
    field("day", t("shipment.date"), day),
    h("button", { type: "submit", class: "primary" }, t(refused ? "fix.save" : "shipment.save")),
    formError(),
    h("p", { class: "saved", role: "status", "aria-live": "polite" }),
  );
  show(form, h("h2", { class: "section" }, t("shipment.recent")), shipped);
  receipts(Number(partner.value), shipped);
  onSave(form, {
    kind: "shipment",
    fields: FIELDS,
    refused,
    build() {
      const amount = parseKg(quantity.value);
      const chosen = lots.find((l) => l.code === lot.value) || { code: lot.value, unit: "kg" };
      const to = partners.find((p) => String(p.id) === partner.value);
      setError("lot", lot.value ? "" : t("lots.need"));
      setError("kg", amount ? "" : t("delivery.need_kg"));
      setError("partner", to ? "" : t("shipment.need_partner"));
      setError("document", document_.value.trim() ? "" : t("shipment.need_document"));
      if (!lot.value || !amount || !to || !document_.value.trim()) return null;
      return {
        path: "/api/supplychain/shipments",
        body: { coop_id: coopId, partner_id: to.id, document_number: document_.value.trim(), shipped_on: day.value, lines: [{ lot_code: chosen.code, quantity: amount, unit: chosen.unit }] },
        summary: { lot_code: chosen.code, kg: amount, unit: chosen.unit, partner: to.name, document: document_.value.trim() },
        day: day.value,
      };
    },
    async done(entry) {
      quantity.value = "";
      document_.value = "";
      if (entry.status === "sent") {
        const fresh = await tradeReference(coopId, true);
        lot.replaceChildren(...lotOptions(fresh.lots, null));
        receipts(Number(partner.value), shipped);
      }
    },
  });
}
