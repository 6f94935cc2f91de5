// A processing batch: fresh-leaf lots in, dry tea out. The yield (output kg over input kg) is shown
// while typing, with the range the supply chain judges it by; outside it the batch is flagged for a
// check, and more out than in is refused, both said before saving.
import { reference } from "../store.js";
import { field, h, kg, lang, parseKg, setError, show, t } from "../ui.js";
import { fixNotice, formError, onSave, takeFix } from "../writes.js";
import { batchMade, dayInput, FRESH_LEAF, lotPicker, openLots, phoneCode } from "./chain.js";

const DRY_TEA = "chè khô";
const percent = new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-GB", { style: "percent", maximumFractionDigits: 1 });

export async function processingScreen(me, said = "") {
  const coopId = me.coop_id;
  const refused = takeFix("processing");
  const wrong = refused?.body.outputs[0];
  const rules = (await reference("yield-rules")) || [];
  const inputs = (await openLots(coopId)).filter((lot) => lot.unit === "kg" && lot.product === FRESH_LEAF);
  const product = h("input", { autocomplete: "off", value: wrong?.product || DRY_TEA, list: "processing-products" });
  const products = h("datalist", { id: "processing-products" }, rules.map((rule) => h("option", { value: rule.output_product })));
  const output = h("input", { inputmode: "decimal", autocomplete: "off", placeholder: "21,5", value: wrong ? kg(Number(wrong.quantity_kg)) : "" });
  const process = h("input", { autocomplete: "off", placeholder: t("processing.process_example"), value: refused?.body.process || "" });
  const day = dayInput(refused?.body.transformed_on);
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
  const picker = lotPicker("processing", inputs, updateYield, refused?.body.inputs);
  output.addEventListener("input", updateYield);
  product.addEventListener("input", updateYield);

  const form = h(
    "form",
    { class: "card", novalidate: true },
    h("h1", {}, t("processing.heading")),
    fixNotice(refused),
    picker.element,
    field("processing-product", t("processing.product"), product),
    products,
    field("processing-out", t("processing.output"), output),
    yieldLine,
    field("processing-process", t("processing.process"), process),
    field("processing-day", t("delivery.date"), day),
    h("button", { type: "submit", class: "primary" }, t(refused ? "fix.save" : "processing.save")),
    formError(),
    h("p", { class: "saved", role: "status", "aria-live": "polite" }, said),
  );
  if (location.hash !== "#/processing") return; // the clerk went elsewhere while the lots loaded
  show(form);
  updateYield();
  let takes = null;
  let code = null;
  onSave(form, {
    kind: "processing",
    fields: { lots: picker.fields(), "transform.impossible_yield": "processing-out", "lot.before_creation": "processing-day", quantity_kg: "processing-out", product: "processing-product" },
    refused,
    build(key) {
      takes = picker.takes();
      const out = parseKg(output.value);
      setError("processing-out", out ? "" : t("delivery.need_kg"));
      setError("processing-product", product.value.trim().length >= 2 ? "" : t("processing.need_product"));
      if (!takes || !out || product.value.trim().length < 2) return null;
      code = phoneCode("CB", coopId, day.value, key);
      const body = {
        coop_id: coopId,
        batch_id: phoneCode("ME", coopId, day.value, key),
        transformed_on: day.value,
        inputs: takes.map((take) => ({ lot_code: take.lot.code, quantity: take.quantity })),
        outputs: [{ lot_code: code, product: product.value.trim(), quantity_kg: out }],
        ...(process.value.trim() ? { process: process.value.trim() } : {}),
      };
      const summary = { kg: out, input_kg: String(picker.total()), lot_code: code, product: product.value.trim() };
      return { path: "/api/supplychain/processings", body, summary, day: day.value };
    },
    async done(entry) {
      const out = entry.body.outputs[0].quantity_kg;
      await batchMade(coopId, takes, [{ code, product: product.value.trim(), grade: null, unit: "kg", held: out, created_on: day.value, member_id: null }]);
      const flagged = entry.result && entry.result.yield_flagged;
      processingScreen(me, `${form.querySelector(".saved").textContent} ${t(flagged ? "processing.saved_flagged" : "processing.saved", { code, kg: kg(Number(out)) })}`);
    },
  });
}
