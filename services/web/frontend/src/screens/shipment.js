// A shipment: one lot or several leave the co-op for a partner under one delivery document number
// (a line per lot, "Thêm lô" for the next). The receipt is
// the buyer's to confirm (the API takes it from the buyer's account); the shipments to the chosen
// partner are listed below with whether it has.
import { refreshTrade } from "../reference.js";
import { call } from "../session.js";
import { reference } from "../store.js";
import { dayText, field, h, kg, parseKg, setError, show, t, today } from "../ui.js";
import { LOT_FIELDS, fixNotice, formError, lotOptions, onSave, takeFix } from "../writes.js";

// Where each refusal of /shipments is said: by code, and by body field for 422s; one naming a lot
// at that lot's line.
const FIELDS = {
  "coop.not_active": "day",
  "lot.before_creation": "day",
  "shipment.unknown_partner": "partner",
  partner_id: "partner",
  document_number: "document",
  shipped_on: "day",
};

function fieldsOf(lines, refusal) {
  const named = refusal.params && refusal.params.lot_code;
  const line = lines.find((one) => one.lot.value === named) || lines[0];
  const atLot = Object.fromEntries(Object.entries(LOT_FIELDS).filter(([code]) => !(code in FIELDS)).map(([code, id]) => [code, id === "lot" ? line.lotId : line.kgId]));
  return { ...atLot, ...FIELDS, lines: lines[0].lotId };
}

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
  const partner = h("select", {}, partnerOptions(partners, refused?.body.partner_id, t("shipment.choose_partner")));
  const document_ = h("input", { autocomplete: "off", value: refused?.body.document_number || "" });
  const day = h("input", { type: "date", value: refused?.body.shipped_on || today(), max: today() });
  const shipped = h("ul", { class: "shipments", "aria-label": t("shipment.recent") });
  partner.addEventListener("change", () => receipts(Number(partner.value), shipped));

  // A line per lot: the first keeps the plain ids ("lot", "kg"), the next are numbered.
  const lines = [];
  const list = h("div", { class: "lines" });
  const addLine = (wrong) => {
    const n = lines.length + 1;
    const line = { lotId: n === 1 ? "lot" : `lot-${n}`, kgId: n === 1 ? "kg" : `kg-${n}` };
    line.lot = h("select", {}, lotOptions(lots, wrong?.lot_code));
    line.kg = h("input", { inputmode: "decimal", autocomplete: "off", placeholder: "86,5", value: wrong ? kg(Number(wrong.quantity)) : "" });
    const drop = n === 1 ? null : h("button", { type: "button", class: "link", onclick: () => { lines.splice(lines.indexOf(line), 1); line.element.remove(); } }, t("shipment.drop_line"));
    line.element = h(
      "div",
      { class: n === 1 ? "line" : "line more" },
      field(line.lotId, n === 1 ? t("shipment.lot") : t("shipment.lot_n", { n }), line.lot),
      field(line.kgId, n === 1 ? t("shipment.kg") : t("shipment.kg_n", { n }), line.kg, n === 1 ? t("shipment.kg_hint") : null),
      drop,
    );
    lines.push(line);
    list.append(line.element);
    return line;
  };
  for (const wrong of refused ? refused.body.lines : [null]) addLine(wrong);

  const form = h(
    "form",
    { class: "card", novalidate: true },
    h("h1", {}, t("shipment.heading")),
    fixNotice(refused),
    lots.length === 0 ? h("p", { class: "notice" }, t("lots.none")) : null,
    list,
    h("button", { type: "button", class: "add-line", onclick: () => addLine().lot.focus() }, t("shipment.add_line")),
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
    fields: (refusal) => fieldsOf(lines, refusal),
    refused,
    build() {
      const to = partners.find((p) => String(p.id) === partner.value);
      const taken = lines.map((line) => ({ line, amount: parseKg(line.kg.value), lot: lots.find((l) => l.code === line.lot.value) || { code: line.lot.value, unit: "kg" } }));
      const codes = taken.map((one) => one.lot.code);
      for (const { line, amount } of taken) {
        setError(line.lotId, !line.lot.value ? t("lots.need") : codes.indexOf(line.lot.value) !== codes.lastIndexOf(line.lot.value) ? t("shipment.lot_twice") : "");
        setError(line.kgId, amount ? "" : t("delivery.need_kg"));
      }
      setError("partner", to ? "" : t("shipment.need_partner"));
      setError("document", document_.value.trim() ? "" : t("shipment.need_document"));
      if (form.querySelector("[aria-invalid=true]")) return null;
      const [first] = taken;
      return {
        path: "/api/supplychain/shipments",
        body: { coop_id: coopId, partner_id: to.id, document_number: document_.value.trim(), shipped_on: day.value, lines: taken.map(({ lot, amount }) => ({ lot_code: lot.code, quantity: amount, unit: lot.unit })) },
        summary: { lot_code: codes.join(", "), lots: codes.length, kg: first.amount, unit: first.lot.unit, partner: to.name, document: document_.value.trim() },
        day: day.value,
      };
    },
    async done(entry) {
      for (const line of lines.splice(1)) line.element.remove();
      lines[0].kg.value = "";
      document_.value = "";
      if (entry.status === "sent") {
        const fresh = await tradeReference(coopId, true);
        lines[0].lot.replaceChildren(...lotOptions(fresh.lots, null));
        receipts(Number(partner.value), shipped);
      }
    },
  });
}
