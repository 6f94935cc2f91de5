// What the chain's screens (purchase of a weighed lot, processing, grading, packing, labels) share:
// the co-op's open lots as the phone holds them, codes made on the phone, and the answer to a write
// shown on its form: sent, kept for later, or refused with the reason next to the field it concerns.
import { enqueue, send } from "../outbox.js";
import { loadAll } from "../reference.js";
import { dropEntry, keepReference, outbox, reference } from "../store.js";
import { field, h, kg, parseKg, setError, t, today } from "../ui.js";

export const FRESH_LEAF = "chè búp tươi";

// Fresh from the supply chain when online (a weigh-in just sent is there), else as last kept.
export async function openLots(coopId) {
  if (navigator.onLine) {
    const fresh = await loadAll(`/api/supplychain/coops/${coopId}/lots`).catch(() => null);
    if (fresh) {
      await keepReference(`lots:${coopId}`, fresh);
      return fresh;
    }
  }
  return (await reference(`lots:${coopId}`)) || [];
}

// What a write takes from (or adds to) the lots kept on the phone, so the next form offers what is
// left before the next refresh from the supply chain replaces them.
export async function adjustLots(coopId, change) {
  await keepReference(`lots:${coopId}`, change(await openLots(coopId)).filter((lot) => Number(lot.held) > 0));
}

export function lotText(lot) {
  const what = lot.grade ? `${lot.product} – ${lot.grade}` : lot.product;
  const left = lot.unit === "pcs" ? t("chain.pieces", { count: kg(Number(lot.held)) }) : `${kg(Number(lot.held))} kg`;
  return `${lot.code} · ${what} · ${left}`;
}

// A lot or batch code made on the phone from the write's key, so an offline chain can go on from it
// and a resend names the same lot (`TH-…` for weigh-ins is the delivery screen's).
export function phoneCode(prefix, coopId, day, key) {
  return `${prefix}-${coopId}-${day.replace(/-/g, "")}-${key.slice(0, 8).toUpperCase()}`;
}

export const dayInput = () => h("input", { type: "date", value: today(), max: today() });

// Which field a refusal from the supply chain concerns, by its code (and the lot it names).
function fieldOf(refusal, fields) {
  const named = refusal.params && refusal.params.lot_code;
  return fields[refusal.code] || (fields.lots && fields.lots[named]) || fields.form;
}

// The supply chain's refusals the chain's forms meet most, in the clerk's words with numbers as
// the phone writes them; any other refusal keeps the service's own message.
const IN_CLERKS_WORDS = {
  "lot.insufficient": (p) => t("chain.refused_insufficient", { code: p.lot_code, held: kg(Number(p.available)), wanted: kg(Number(p.requested)), unit: p.unit }),
  "transform.impossible_yield": (p) => t("chain.refused_impossible", { input: kg(Number(p.input_kg)), output: kg(Number(p.output_kg)) }),
  "purchase.exceeds_harvest": (p) => t("chain.refused_bought", { code: p.lot_code, harvested: kg(Number(p.harvested)), bought: kg(Number(p.bought)) }),
};

function said(refusal, message) {
  const words = refusal.code && refusal.params && IN_CLERKS_WORDS[refusal.code];
  return words ? words(refusal.params) : message.text;
}

// Queues the write, sends it if the network is there, and says on the form how it went. A refused
// write is shown next to its field and dropped from the outbox when the clerk sends the fixed one.
export async function submit(form, write, fields) {
  const status = form.querySelector(".saved");
  for (const id of Object.values(fields).flatMap((value) => (typeof value === "string" ? [value] : Object.values(value)))) setError(id, "");
  if (form.dataset.refused) await dropEntry(form.dataset.refused);
  delete form.dataset.refused;
  await enqueue(write);
  await send();
  const entry = (await outbox()).find((kept) => kept.key === write.key);
  if (entry.status === "refused") {
    form.dataset.refused = entry.key;
    for (const message of entry.refusal.messages) {
      const id = message.field && document.getElementById(message.field) ? message.field : fieldOf(entry.refusal, fields);
      setError(id, said(entry.refusal, message));
    }
    status.textContent = "";
    form.querySelector("[aria-invalid=true]")?.focus();
    return null;
  }
  status.textContent = entry.status === "sent" ? t("chain.sent") : t("chain.kept");
  return entry;
}

// Input lots to take from: a box for each lot, and how much to take (all it holds at first). `takes()`
// is null, with the reasons next to the fields, when a taken amount is not a weight or is more than
// the lot holds on the phone's last word.
export function lotPicker(prefix, lots, onChange) {
  const rows = lots.map((lot, index) => {
    const id = `${prefix}-take-${index}`;
    const box = h("input", { type: "checkbox", class: "pick" });
    const amount = h("input", { inputmode: "decimal", autocomplete: "off", value: kg(Number(lot.held)) });
    const amountField = field(id, t("chain.take", { code: lot.code }), amount);
    amountField.hidden = true;
    box.addEventListener("change", () => { amountField.hidden = !box.checked; onChange(); });
    amount.addEventListener("input", onChange);
    return { lot, id, box, amount, element: h("li", { class: "lot" }, h("label", { class: "pick-line" }, box, " ", lotText(lot)), amountField) };
  });
  const chosen = () => rows.filter((row) => row.box.checked);
  return {
    element: h("fieldset", { class: "lots" }, h("legend", {}, t("chain.inputs")), lots.length ? h("ul", { class: "lots" }, rows.map((row) => row.element)) : h("p", { class: "notice" }, t("chain.no_lots")), h("p", { class: "error", id: `${prefix}-inputs-error`, role: "alert" })),
    total: () => chosen().reduce((sum, row) => sum + Number(parseKg(row.amount.value) || 0), 0),
    fields: () => Object.fromEntries(rows.map((row) => [row.lot.code, row.id])),
    takes() {
      setError(`${prefix}-inputs`, chosen().length ? "" : t("chain.need_inputs"));
      for (const row of rows) {
        const taken = parseKg(row.amount.value);
        setError(row.id, !row.box.checked || (taken && Number(taken) <= Number(row.lot.held)) ? "" : taken ? t("chain.more_than_held", { kg: kg(Number(row.lot.held)) }) : t("delivery.need_kg"));
      }
      if (!chosen().length || chosen().some((row) => document.getElementById(row.id).getAttribute("aria-invalid") === "true")) return null;
      return chosen().map((row) => ({ lot: row.lot, quantity: parseKg(row.amount.value) }));
    },
  };
}

// After a batch is through: its inputs hold less, its outputs are new open lots.
export async function batchMade(coopId, takes, made) {
  await adjustLots(coopId, (kept) => [
    ...made,
    ...kept.map((lot) => {
      const take = takes.find((one) => one.lot.code === lot.code);
      return take ? { ...lot, held: String(Number(lot.held) - Number(take.quantity)) } : lot;
    }),
  ]);
}
