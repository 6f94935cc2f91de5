// Writes made from a form: queued through the outbox and, when online, waited for, so that a
// refusal is shown in the clerk's words next to the field it concerns. The form then fixes that
// refused write: saving again makes a new write (its own Idempotency-Key, as the body changed) that
// takes the refused one's place. The outbox's "Sửa" opens a refused write in its form the same way.
import { enqueue, replace, send } from "./outbox.js";
import { outbox } from "./store.js";
import { dayText, go, h, kg, setError, t } from "./ui.js";

// The form that makes (and fixes) each kind of write.
export const FORMS = {
  delivery: "#/delivery",
  purchase: "#/purchase",
  processing: "#/processing",
  grading: "#/grading",
  packing: "#/packing",
  shipment: "#/shipment",
  sale: "#/sale",
  household: "#/household",
  correction: "#/correction",
};

let fixing = null;

export function fix(entry) {
  fixing = entry;
  go(FORMS[entry.kind]);
}

// The refused write this form was opened to fix, if any (taken once).
export function takeFix(kind) {
  const entry = fixing && fixing.kind === kind ? fixing : null;
  fixing = null;
  return entry;
}

// Queues `write` (in place of `refused`, when fixing one) and, online, waits for the answer.
export async function save(write, refused) {
  const entry = refused ? await replace(refused.key, write) : await enqueue(write);
  if (!navigator.onLine) return entry;
  await send();
  return (await outbox()).find((kept) => kept.key === entry.key) || entry;
}

// Quantities in a refusal's parameters, shown as the app shows weights (and days as it shows days).
const QUANTITIES = new Set(["available", "requested", "held", "shipped", "invoiced", "harvested", "bought", "input_kg", "output_kg"]);

// The refusal in the app's own words for its code, if it has them.
export function clerkWords(refusal) {
  if (!refusal.code) return null;
  const shown = (name, value) => (QUANTITIES.has(name) && !Number.isNaN(Number(value)) ? kg(Number(value)) : /^\d{4}-\d{2}-\d{2}$/.test(value) ? dayText(value) : value);
  const params = Object.fromEntries(Object.entries(refusal.params || {}).map(([name, value]) => [name, shown(name, value)]));
  const key = `refusal.${refusal.code}`;
  const text = t(key, params);
  return text === key ? null : text;
}

// `fields`: the form's field ids by refusal code, by the lot a refusal names (`fields.lots`, for a
// form taking from several lots) and by body field name; the rest goes to `formId`.
export function showRefusal(refusal, fields, formId = "form") {
  const words = clerkWords(refusal);
  const named = refusal.params && refusal.params.lot_code;
  const texts = new Map();
  for (const message of refusal.messages) {
    const id = fields[refusal.code] || (fields.lots && fields.lots[named]) || fields[message.field] || formId;
    texts.set(id, [...(texts.get(id) || []), words || message.text]);
  }
  for (const [id, lines] of texts) setError(id, lines.join(" "));
  const first = [...texts.keys()][0];
  document.getElementById(first)?.focus();
}

// Where a form's own refusals (403 and the like) are said: under its save button.
export function formError() {
  return h("p", { class: "error", id: "form-error", role: "alert" });
}

export function clearErrors(form) {
  for (const error of form.querySelectorAll(".error")) error.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.setAttribute("aria-invalid", "false");
}

// Where the refusals of a write taking from a lot are said, in a form with lot, kg and day fields.
export const LOT_FIELDS = {
  "lot.insufficient": "kg",
  "lot.unit_mismatch": "kg",
  "lot.whole_units": "kg",
  "lot.not_found": "lot",
  "lot.other_coop": "lot",
  "lot.before_creation": "day",
  lot_code: "lot",
  quantity: "kg",
};

// A choice among the co-op's open lots, with what each still holds (and the lot of a refused write,
// even when it no longer holds anything).
export function lotOptions(lots, chosen) {
  return [
    h("option", { value: "" }, t("lots.choose")),
    chosen && !lots.some((lot) => lot.code === chosen) ? h("option", { value: chosen, selected: true }, chosen) : null,
    ...lots.map((lot) => h("option", { value: lot.code, selected: lot.code === chosen }, `${lot.code} · ${lot.product}${lot.grade ? ` (${lot.grade})` : ""} · ${t(lot.unit === "pcs" ? "lots.held_pcs" : "lots.held_kg", { held: kg(Number(lot.held)) })}`)),
  ];
}

// Says above a form that it is fixing a refused write (null when it is not).
export function fixNotice(refused) {
  return refused ? h("p", { class: "notice" }, t("fix.notice")) : null;
}

// The submit of a form that makes one write: `build(key)` checks the fields (setting their errors)
// and answers { path, body, summary, day } or null (the key is the write's Idempotency-Key, which
// codes made on the phone derive from); `done(entry)` runs once the write is accepted or queued; a
// refusal keeps the form as it is, says why by the field, and the next save replaces it. `fields`
// as `showRefusal`'s, or a function of the refusal answering them (for forms whose fields come and go).
export function onSave(form, { kind, fields, refused, build, done }) {
  let pending = refused;
  const saved = form.querySelector(".saved");
  const where = (refusal) => (typeof fields === "function" ? fields(refusal) : fields);
  if (pending?.refusal) showRefusal(pending.refusal, where(pending.refusal));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    saved.textContent = "";
    const key = crypto.randomUUID();
    const write = build(key);
    if (!write) return form.querySelector("[aria-invalid=true]")?.focus();
    const entry = await save({ key, kind, ...write }, pending);
    if (entry.status === "refused") {
      pending = entry;
      return showRefusal(entry.refusal, where(entry.refusal));
    }
    pending = null;
    form.querySelector(".notice")?.remove();
    saved.textContent = t(entry.status === "sent" ? "write.sent" : "write.queued");
    done(entry);
  });
}
