// Corrections: pick a wrong record among the co-op's recent deliveries and purchases (every clerk's),
// say why, enter what is right. One /corrections write, as the API does it: the wrong fact is declared
// in error (EPCIS error declaration) and the corrective fact recorded in its place; nothing is edited.
import { call } from "../session.js";
import { keepReference, reference } from "../store.js";
import { dayText, field, h, kg, money, parseKg, setError, show, t, today } from "../ui.js";
import { fixNotice, formError, onSave, takeFix } from "../writes.js";

const DAYS_BACK = 14;

const FIELDS = {
  "correction.already": "record",
  "correction.has_dependants": "record",
  "correction.unknown_event": "record",
  "correction.consumed": "kg",
  "correction.before_fact": "record",
  "lot.insufficient": "kg",
  "purchase.exceeds_harvest": "kg",
  "member.not_member_on_date": "day",
  event_id: "record",
  explanation: "explanation",
  quantity_kg: "kg",
  price_per_kg_vnd: "price",
};

function daysAgo(days) {
  const [year, month, day] = today().split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, day - days)).toISOString().slice(0, 10);
}

// The recent records, newest first: each harvest, and each purchase of it, with what it said.
async function recentRecords(coopId) {
  const kept = `deliveries:${coopId}`;
  try {
    const answer = await call(`/api/supplychain/coops/${coopId}/deliveries?from=${daysAgo(DAYS_BACK)}&to=${today()}`);
    if (answer.ok) await keepReference(kept, await answer.json());
  } catch {
    // offline: the list of the last visit serves
  }
  const records = [];
  for (const delivery of (await reference(kept)) || []) {
    records.push({ kind: "harvest", event_id: delivery.event_id, delivery, kg: delivery.quantity_kg, on: delivery.harvested_on });
    for (const purchase of delivery.purchases) records.push({ kind: "purchase", event_id: purchase.event_id, delivery, purchase, kg: purchase.quantity_kg, on: purchase.purchased_on });
  }
  return records.reverse();
}

function describe(record) {
  const { delivery, purchase } = record;
  return purchase
    ? t("correction.purchase_line", { name: delivery.household_name, kg: kg(Number(purchase.quantity_kg)), price: money(purchase.price_per_kg_vnd), date: dayText(purchase.purchased_on) })
    : t("correction.harvest_line", { name: delivery.household_name, kg: kg(Number(delivery.quantity_kg)), round: delivery.harvest_round, date: dayText(delivery.harvested_on) });
}

export async function correctionScreen(me) {
  const here = location.hash;
  const refused = takeFix("correction");
  const records = await recentRecords(me.coop_id);
  if (location.hash !== here) return; // the clerk went on while the network answered
  const again = refused && records.find((record) => record.event_id === refused.body.event_id);
  if (again) return correctionForm(me, again, refused);
  show(
    h("h1", {}, t("correction.heading")),
    h("p", { class: "hint" }, t("correction.pick", { days: DAYS_BACK })),
    records.length === 0 ? h("p", {}, t(navigator.onLine ? "correction.none" : "correction.offline")) : null,
    h("ul", { class: "records" }, records.map((record) => h("li", {}, h("button", { type: "button", onclick: () => correctionForm(me, record, null) }, h("span", {}, describe(record)), h("span", { class: "meta" }, record.delivery.lot_code))))),
  );
}

function correctionForm(me, record, refused) {
  const coopId = me.coop_id;
  const { delivery, purchase } = record;
  const corrective = refused?.body.corrective;
  const reason = refused?.body.reason || "incorrect_data";
  const choice = (value) =>
    h("label", { class: "choice" }, h("input", { type: "radio", name: "reason", value, checked: value === reason }), t(`correction.${value}`));
  const reasons = h("fieldset", {}, h("legend", {}, t("correction.reason")), choice("incorrect_data"), choice("did_not_occur"));
  const explanation = h("textarea", { rows: "2" });
  explanation.value = refused?.body.explanation || "";
  const weight = h("input", { inputmode: "decimal", autocomplete: "off", value: kg(Number(corrective ? corrective.quantity_kg : record.kg)) });
  const price = h("input", { inputmode: "numeric", autocomplete: "off", value: String(corrective?.price_per_kg_vnd || purchase?.price_per_kg_vnd || "") });
  const day = h("input", { type: "date", value: corrective?.purchased_on || corrective?.harvested_on || record.on, max: today() });
  const right = h("fieldset", {}, h("legend", {}, t("correction.right")),
    field("kg", t("delivery.kg"), weight),
    purchase ? field("price", t("delivery.price"), price) : null,
    field("day", t("delivery.date"), day));
  const chosenReason = () => reasons.querySelector("input:checked").value;
  reasons.addEventListener("change", () => { right.hidden = chosenReason() === "did_not_occur"; });
  right.hidden = reason === "did_not_occur";

  const form = h(
    "form",
    { class: "card", novalidate: true },
    h("h1", {}, t("correction.heading")),
    fixNotice(refused),
    h("p", { class: "chosen" }, h("strong", {}, describe(record))),
    h("p", { class: "error", id: "record-error", role: "alert" }),
    reasons,
    field("explanation", t("correction.explanation"), explanation, t("correction.explanation_hint")),
    right,
    h("button", { type: "submit", class: "primary" }, t(refused ? "fix.save" : "correction.save")),
    formError(),
    h("p", { class: "saved", role: "status", "aria-live": "polite" }),
  );
  show(form, h("a", { class: "button", href: "#/more" }, t("members.back")));
  onSave(form, {
    kind: "correction",
    fields: FIELDS,
    refused,
    build() {
      const why = explanation.value.trim();
      const replaces = chosenReason() === "incorrect_data";
      const weightKg = parseKg(weight.value);
      const perKg = /^\d+$/.test(price.value.trim()) && Number(price.value) > 0 ? Number(price.value) : null;
      setError("explanation", why ? "" : t("correction.need_explanation"));
      if (replaces) {
        setError("kg", weightKg ? "" : t("delivery.need_kg"));
        if (purchase) setError("price", perKg ? "" : t("delivery.bad_price"));
      }
      if (!why || (replaces && (!weightKg || (purchase && !perKg)))) return null;
      const body = { event_id: record.event_id, reason: chosenReason(), explanation: why };
      if (replaces) {
        body.corrective = purchase
          ? { type: "purchase", coop_id: coopId, lot_code: delivery.lot_code, quantity_kg: weightKg, price_per_kg_vnd: perKg, purchased_on: day.value }
          : { type: "harvest", coop_id: coopId, member_id: delivery.member_id, quantity_kg: weightKg, harvested_on: day.value, harvest_round: delivery.harvest_round, ...(delivery.plot_code ? { plot_code: delivery.plot_code } : {}) };
      }
      return { path: "/api/supplychain/corrections", body, summary: { record: describe(record) }, day: today() };
    },
    done() {
      for (const element of form.querySelectorAll("button[type=submit], fieldset, textarea")) element.disabled = true;
    },
  });
}
