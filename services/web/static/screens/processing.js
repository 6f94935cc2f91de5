// A processing batch: fresh-leaf lots in, dry tea out. The yield (output kg over input kg) is shown
// while typing, with the range the supply chain judges it by; outside it the batch is flagged for a
// check, and more out than in is refused, both said before saving.
import { reference } from "../store.js";
import { field, h, kg, lang, parseKg, setError, show, t } from "../ui.js";
import { batchMade, dayInput, FRESH_LEAF, lotPicker, openLots, phoneCode, submit } from "./chain.js";

const DRY_TEA = "chè khô";
const percent = new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-GB", { style: "percent", maximumFractionDigits: 1 });

export async function processingScreen(me, said = "") {
  const coopId = me.coop_id;
  const rules = (await reference("yield-rules")) || [];
  const inputs = (await openLots(coopId)).filter((lot) => lot.unit === "kg" && lot.product === FRESH_LEAF);
  const product = h("input", { autocomplete: "off", value: DRY_TEA, list: "processing-products" });
  const products = h("datalist", { id: "processing-products" }, rules.map((rule) => h("option", { value: rule.output_product })));
  const output = h("input", { inputmode: "decimal", autocomplete: "off", placeholder: "21,5" });
  const process = h("input", { autocomplete: "off", placeholder: t("processing.process_example") });
  const day = dayInput();
  const yieldLine = h("output", { class: "yield", for: "processing-out", "aria-live": "polite" });

  const ruleOf = () => rules.find((rule) => rule.output_product === product.value.trim().toLowerCase());
  const updateYield = () => {
    const taken = picker.total();
    const out = Number(parseKg(output.value) || 0);
    const rule = ruleOf();
    const range = rule ? t("processing.range", { product: rule.output_product, min: percent.format(Number(rule.min_ratio)), max: percent.format(Number(rule.max_ratio)) }) : t("processing.no_range");
    if (!taken || !out) {
      yieldLine.className = "yield";
      yieldLine.replaceChildren(h("span", {}, t("processing.yield_wait")), h("span", { class: "range" }, range));
      return;
    }
    const ratio = out / taken;
    const impossible = (!rule || rule.loses_mass) && out > taken;
    const outside = rule && !impossible && (ratio < Number(rule.min_ratio) || ratio > Number(rule.max_ratio));
    yieldLine.className = `yield ${impossible ? "bad" : outside ? "warn" : "good"}`;
    yieldLine.replaceChildren(
      h("strong", {}, t("processing.yield", { ratio: percent.format(ratio), input: kg(taken), output: kg(out) })),
      h("span", { class: "range" }, range),
      impossible ? h("span", {}, t("processing.impossible")) : outside ? h("span", {}, t("processing.outside")) : null,
    );
  };
  const picker = lotPicker("processing", inputs, updateYield);
  output.addEventListener("input", updateYield);
  product.addEventListener("input", updateYield);

  const form = h(
    "form",
    { class: "card", novalidate: true },
    h("h1", {}, t("processing.heading")),
    picker.element,
    field("processing-product", t("processing.product"), product),
    products,
    field("processing-out", t("processing.output"), output),
    yieldLine,
    field("processing-process", t("processing.process"), process),
    field("processing-day", t("delivery.date"), day),
    h("p", { class: "error", id: "processing-form-error", role: "alert" }),
    h("button", { type: "submit", class: "primary" }, t("processing.save")),
    h("p", { class: "saved", role: "status", "aria-live": "polite" }, said),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const takes = picker.takes();
    const out = parseKg(output.value);
    setError("processing-out", out ? "" : t("delivery.need_kg"));
    setError("processing-product", product.value.trim().length >= 2 ? "" : t("processing.need_product"));
    if (!takes || form.querySelector("[aria-invalid=true]")) return form.querySelector("[aria-invalid=true]")?.focus();
    const key = crypto.randomUUID();
    const code = phoneCode("CB", coopId, day.value, key);
    const body = {
      coop_id: coopId,
      batch_id: phoneCode("ME", coopId, day.value, key),
      transformed_on: day.value,
      inputs: takes.map((take) => ({ lot_code: take.lot.code, quantity: take.quantity })),
      outputs: [{ lot_code: code, product: product.value.trim(), quantity_kg: out }],
      ...(process.value.trim() ? { process: process.value.trim() } : {}),
    };
    const summary = { kg: out, input_kg: String(picker.total()), lot_code: code, product: product.value.trim() };
    const fields = { form: "processing-form", lots: picker.fields(), "transform.impossible_yield": "processing-out", "lot.before_creation": "processing-day", "lot.duplicate": "processing-form" };
    const entry = await submit(form, { key, kind: "processing", path: "/api/supplychain/processings", body, summary, day: day.value }, fields);
    if (!entry) return;
    await batchMade(coopId, takes, [{ code, product: product.value.trim(), grade: null, unit: "kg", held: out, created_on: day.value, member_id: null }]);
    const flagged = entry.result && entry.result.yield_flagged;
    processingScreen(me, `${form.querySelector(".saved").textContent} ${t(flagged ? "processing.saved_flagged" : "processing.saved", { code, kg: kg(Number(out)) })}`);
  });
  if (location.hash !== "#/processing") return; // the clerk went elsewhere while the lots loaded
  show(form);
  updateYield();
}
