// Grading (phân loại): dry tea sorted into graded lots (móc câu, tôm nõn, đinh…), one line per
// grade; what comes out never weighs more than what went in, said before saving.
import { field, h, kg, parseKg, setError, show, t } from "../ui.js";
import { fixNotice, formError, onSave, takeFix } from "../writes.js";
import { batchMade, dayInput, FRESH_LEAF, lotPicker, openLots, phoneCode } from "./chain.js";

const GRADES = ["móc câu", "tôm nõn", "đinh", "chè cám"];

export async function gradingScreen(me, said = "") {
  const coopId = me.coop_id;
  const refused = takeFix("grading");
  const inputs = (await openLots(coopId)).filter((lot) => lot.unit === "kg" && lot.product !== FRESH_LEAF && !lot.grade);
  const balance = h("output", { class: "yield", "aria-live": "polite" });
  const grades = h("ol", { class: "grades" });
  const lines = [];
  const update = () => {
    const taken = picker.total();
    const out = lines.reduce((sum, line) => sum + Number(parseKg(line.weight.value) || 0), 0);
    balance.className = `yield ${out > taken ? "bad" : "good"}`;
    balance.replaceChildren(h("strong", {}, t("grading.balance", { input: kg(taken), output: kg(out) })), out > taken ? h("span", {}, t("grading.too_much")) : null);
  };
  const addLine = (wrong) => {
    const n = lines.length;
    const grade = h("input", { autocomplete: "off", list: "grading-grades", value: wrong ? wrong.grade : GRADES[n] || "" });
    const weight = h("input", { inputmode: "decimal", autocomplete: "off", value: wrong ? kg(Number(wrong.quantity_kg)) : "" });
    weight.addEventListener("input", update);
    lines.push({ grade, weight, gradeId: `grading-grade-${n}`, kgId: `grading-kg-${n}` });
    grades.append(h("li", { class: "pair" }, field(`grading-grade-${n}`, t("grading.grade"), grade), field(`grading-kg-${n}`, t("delivery.kg"), weight)));
  };
  const picker = lotPicker("grading", inputs, update, refused?.body.inputs);
  for (const wrong of refused ? refused.body.outputs : [null]) addLine(wrong);

  const form = h(
    "form",
    { class: "card", novalidate: true },
    h("h1", {}, t("grading.heading")),
    fixNotice(refused),
    picker.element,
    h("datalist", { id: "grading-grades" }, GRADES.map((grade) => h("option", { value: grade }))),
    h("fieldset", {}, h("legend", {}, t("grading.outputs")), grades, h("button", { type: "button", onclick: () => { addLine(); lines.at(-1).grade.focus(); } }, t("grading.add"))),
    balance,
    field("grading-day", t("delivery.date"), dayInput(refused?.body.transformed_on)),
    h("button", { type: "submit", class: "primary" }, t(refused ? "fix.save" : "grading.save")),
    formError(),
    h("p", { class: "saved", role: "status", "aria-live": "polite" }, said),
  );
  if (location.hash !== "#/grading") return; // the clerk went elsewhere while the lots loaded
  show(form);
  update();
  let takes = null;
  onSave(form, {
    kind: "grading",
    fields: { lots: picker.fields(), "transform.impossible_yield": "grading-kg-0", "lot.before_creation": "grading-day" },
    refused,
    build(key) {
      takes = picker.takes();
      const filled = lines.filter((line) => line.weight.value.trim() || line.grade.value.trim());
      for (const line of lines) {
        setError(line.gradeId, filled.includes(line) && !line.grade.value.trim() ? t("grading.need_grade") : "");
        setError(line.kgId, filled.includes(line) && !parseKg(line.weight.value) ? t("delivery.need_kg") : "");
      }
      if (!filled.length) setError("grading-kg-0", t("delivery.need_kg"));
      if (!takes || form.querySelector("[aria-invalid=true]")) return null;
      const day = form.querySelector("#grading-day").value;
      const product = takes[0].lot.product;
      const outputs = filled.map((line, n) => ({ lot_code: `${phoneCode("PL", coopId, day, key)}-${n + 1}`, product, grade: line.grade.value.trim(), quantity_kg: parseKg(line.weight.value) }));
      const body = { coop_id: coopId, batch_id: phoneCode("ME", coopId, day, key), transformed_on: day, inputs: takes.map((take) => ({ lot_code: take.lot.code, quantity: take.quantity })), outputs };
      const summary = { kg: String(outputs.reduce((sum, o) => sum + Number(o.quantity_kg), 0)), grades: outputs.map((o) => o.grade).join(", ") };
      return { path: "/api/supplychain/gradings", body, summary, day };
    },
    async done(entry) {
      const { outputs, transformed_on: day } = entry.body;
      await batchMade(coopId, takes, outputs.map((o) => ({ code: o.lot_code, product: o.product, grade: o.grade, unit: "kg", held: o.quantity_kg, created_on: day, member_id: null })));
      gradingScreen(me, `${form.querySelector(".saved").textContent} ${t("grading.saved", { count: outputs.length, kg: kg(Number(entry.summary.kg)) })}`);
    },
  });
}
