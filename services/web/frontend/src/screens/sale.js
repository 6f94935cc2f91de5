// A sale of (part of) a lot to a buyer, under an invoice number; the amount shown before saving. To a
// partner it may invoice goods already shipped to it (`shipment_id`): the lot does not lose them twice.
import { dayText, field, h, kg, money, parseKg, setError, show, t, today } from "../ui.js";
import { LOT_FIELDS, fixNotice, formError, lotOptions, onSave, takeFix } from "../writes.js";
import { partnerOptions, shipmentsTo, tradeReference } from "./shipment.js";

// Where each refusal of /sales is said: by code, and by body field for 422s.
const FIELDS = {
  ...LOT_FIELDS,
  "sale.invoiced_twice": "invoice",
  "sale.exceeds_shipment": "kg",
  "sale.before_shipment": "day",
  "sale.other_buyer": "shipment",
  "shipment.not_found": "shipment",
  unit_price_vnd: "price",
  buyer_name: "buyer",
  invoice_number: "invoice",
  sold_on: "day",
};

export async function saleScreen(me) {
  const coopId = me.coop_id;
  const here = location.hash;
  const refused = takeFix("sale");
  const { lots, partners } = await tradeReference(coopId, !refused);
  if (location.hash !== here) return; // the clerk went on while the network answered
  const body = refused?.body;
  const lot = h("select", {}, lotOptions(lots, body?.lot_code));
  const quantity = h("input", { inputmode: "decimal", autocomplete: "off", placeholder: "86,5", value: body ? kg(Number(body.quantity)) : "" });
  const price = h("input", { inputmode: "numeric", autocomplete: "off", value: body ? String(body.unit_price_vnd) : "" });
  const buyer = h("select", {}, partnerOptions(partners, body?.buyer_partner_id, t("sale.other_buyer")));
  const buyerName = h("input", { autocomplete: "off", value: body && !body.buyer_partner_id ? body.buyer_name : "" });
  const invoice = h("input", { autocomplete: "off", value: body?.invoice_number || "" });
  const day = h("input", { type: "date", value: body?.sold_on || today(), max: today() });
  const amount = h("output", { for: "kg price", class: "owed" }, "–");
  const nameField = field("buyer_name", t("sale.buyer_name"), buyerName);
  const shipment = h("select", {});
  const shipmentField = field("shipment", t("sale.shipment"), shipment, t("sale.shipment_hint"));
  shipmentField.hidden = true;
  let shipments = [];
  const shippedLine = () => shipments.find((s) => String(s.shipment_id) === shipment.value)?.lines.find((line) => line.lot_code === lot.value);
  const loadShipments = async () => {
    shipments = (buyer.value && (await shipmentsTo(Number(buyer.value)))) || [];
    const chosen = shipment.value || String(body?.shipment_id || "");
    shipment.replaceChildren(
      h("option", { value: "" }, t("sale.no_shipment")),
      ...shipments.map((s) => h("option", { value: String(s.shipment_id), selected: String(s.shipment_id) === chosen }, `${s.document_number} · ${dayText(s.shipped_on)} · ${s.lines.map((line) => `${line.lot_code} ${kg(Number(line.quantity))} ${line.unit}`).join(", ")}`)),
    );
    shipmentField.hidden = shipments.length === 0;
  };
  // Invoicing a shipment: its lot and quantity are proposed (a lot shipped whole is no longer open).
  shipment.addEventListener("change", () => {
    const [line] = shipments.find((s) => String(s.shipment_id) === shipment.value)?.lines || [];
    if (!line) return;
    if (![...lot.options].some((option) => option.value === line.lot_code)) lot.append(h("option", { value: line.lot_code }, line.lot_code));
    lot.value = line.lot_code;
    quantity.value = kg(Number(line.quantity));
    update();
  });
  buyer.addEventListener("change", loadShipments);

  const perUnit = () => (/^\d+$/.test(price.value.trim()) && Number(price.value) > 0 ? Number(price.value) : null);
  const unitOf = () => (shippedLine() || lots.find((l) => l.code === lot.value) || { unit: "kg" }).unit;
  const update = () => {
    const q = parseKg(quantity.value);
    amount.textContent = q && perUnit() ? money(Math.round(Number(q) * perUnit())) : "–";
    nameField.hidden = buyer.value !== "";
  };
  for (const input of [quantity, price, buyer]) input.addEventListener("input", update);
  buyer.addEventListener("change", update);

  const form = h(
    "form",
    { class: "card", novalidate: true },
    h("h1", {}, t("sale.heading")),
    fixNotice(refused),
    lots.length === 0 ? h("p", { class: "notice" }, t("lots.none")) : null,
    field("lot", t("sale.lot"), lot),
    field("buyer", t("sale.buyer"), buyer),
    nameField,
    shipmentField,
    h("div", { class: "pair" }, field("kg", t("sale.kg"), quantity), field("price", t("sale.price"), price)),
    h("p", { class: "owed-line" }, h("span", {}, t("sale.amount")), " ", amount),
    field("invoice", t("sale.invoice"), invoice),
    field("day", t("sale.date"), day),
    h("button", { type: "submit", class: "primary" }, t(refused ? "fix.save" : "sale.save")),
    formError(),
    h("p", { class: "saved", role: "status", "aria-live": "polite" }),
  );
  update();
  show(form);
  loadShipments();
  onSave(form, {
    kind: "sale",
    fields: FIELDS,
    refused,
    build() {
      const q = parseKg(quantity.value);
      const to = partners.find((p) => String(p.id) === buyer.value);
      const name = to ? to.name : buyerName.value.trim();
      setError("lot", lot.value ? "" : t("lots.need"));
      setError("kg", q ? "" : t("delivery.need_kg"));
      setError("price", perUnit() ? "" : t("delivery.bad_price"));
      setError("buyer_name", name.length >= 2 ? "" : t("sale.need_buyer"));
      setError("invoice", invoice.value.trim() ? "" : t("sale.need_invoice"));
      if (!lot.value || !q || !perUnit() || name.length < 2 || !invoice.value.trim()) return null;
      const sale = { coop_id: coopId, lot_code: lot.value, buyer_name: name, quantity: q, unit: unitOf(), unit_price_vnd: perUnit(), sold_on: day.value, invoice_number: invoice.value.trim() };
      if (to) sale.buyer_partner_id = to.id;
      if (to && shipment.value) sale.shipment_id = Number(shipment.value);
      return {
        path: "/api/supplychain/sales",
        body: sale,
        summary: { lot_code: lot.value, kg: q, unit: unitOf(), buyer: name, invoice: sale.invoice_number, amount: Math.round(Number(q) * perUnit()) },
        day: day.value,
      };
    },
    async done(entry) {
      quantity.value = "";
      invoice.value = "";
      update();
      if (shipment.value) await loadShipments();
      if (entry.status === "sent") lot.replaceChildren(...lotOptions((await tradeReference(coopId, true)).lots, null));
    },
  });
}
