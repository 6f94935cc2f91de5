// What the chain's screens (purchase of a weighed lot, processing, grading, packing, labels) share:
// the co-op's open lots as the phone holds them, codes made on the phone, and the input lots a batch
// takes from. Their writes, and the refusals of them, go through writes.js like every form's.
import { loadAll } from "../reference.js";
import { keepReference, reference } from "../store.js";
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

export const dayInput = (value) => h("input", { type: "date", value: value || today(), max: today() });

// Input lots to take from: a box for each lot, and how much to take (all it holds at first; what a
// refused batch being fixed took, `taken`: its body's inputs). `takes()` is null, with the reasons
// next to the fields, when a taken amount is not a weight or is more than the lot holds on the
// phone's last word.
export function lotPicker(prefix, lots, onChange, taken = []) {
  const rows = lots.map((lot, index) => {
    const id = `${prefix}-take-${index}`;
    const before = taken.find((input) => input.lot_code === lot.code);
    const box = h("input", { type: "checkbox", class: "pick", checked: !!before });
    const amount = h("input", { inputmode: "decimal", autocomplete: "off", value: kg(Number(before ? before.quantity : lot.held)) });
    const amountField = field(id, t("chain.take", { code: lot.code }), amount);
    amountField.hidden = !before;
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
