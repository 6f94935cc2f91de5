// Packing: kilograms of a graded (or dry) lot into numbered units of a net weight, in cartons of so
// many; what it takes from the lot is shown before saving, and the units' QR labels can be printed
// as soon as the supply chain has them.
import { field, h, kg, parseKg, setError, show, t } from "../ui.js";
import { batchMade, dayInput, FRESH_LEAF, lotText, openLots, phoneCode, submit } from "./chain.js";
import { labelLinks } from "./labels.js";

const whole = (text) => (/^\d+$/.test(text.trim()) && Number(text) > 0 ? Number(text) : null);

export async function packingScreen(me, said = null) {
  const coopId = me.coop_id;
  const lots = (await openLots(coopId)).filter((lot) => lot.unit === "kg" && lot.product !== FRESH_LEAF);
  const source = h("select", {}, h("option", { value: "" }, t("packing.choose")), lots.map((lot) => h("option", { value: lot.code }, lotText(lot))));
  const product = h("input", { autocomplete: "off" });
  const net = h("input", { inputmode: "decimal", autocomplete: "off", placeholder: "0,5" });
  const units = h("input", { inputmode: "numeric", autocomplete: "off", placeholder: "40" });
  const perCarton = h("input", { inputmode: "numeric", autocomplete: "off" });
  const use = h("output", { class: "yield", "aria-live": "polite" });
  const chosen = () => lots.find((lot) => lot.code === source.value);
  const update = () => {
    const lot = chosen();
    const needed = Number(parseKg(net.value) || 0) * (whole(units.value) || 0);
    use.className = `yield ${lot && needed > Number(lot.held) ? "bad" : "good"}`;
    use.textContent = lot ? t("packing.uses", { kg: kg(needed), held: kg(Number(lot.held)) }) : "";
  };
  source.addEventListener("change", () => {
    const lot = chosen();
    if (lot && !product.value) product.value = lot.grade ? `${lot.product} ${lot.grade}` : lot.product;
    update();
  });
  net.addEventListener("input", update);
  units.addEventListener("input", update);

  const form = h(
    "form",
    { class: "card", novalidate: true },
    h("h1", {}, t("packing.heading")),
    lots.length ? null : h("p", { class: "notice" }, t("chain.no_lots")),
    field("packing-lot", t("packing.lot"), source),
    field("packing-product", t("packing.product"), product, t("packing.product_hint")),
    h("div", { class: "pair" }, field("packing-net", t("packing.net"), net), field("packing-units", t("packing.units"), units)),
    field("packing-carton", t("packing.per_carton"), perCarton, t("packing.per_carton_hint")),
    use,
    field("packing-day", t("delivery.date"), dayInput()),
    h("p", { class: "error", id: "packing-form-error", role: "alert" }),
    h("button", { type: "submit", class: "primary" }, t("packing.save")),
    h("p", { class: "saved", role: "status", "aria-live": "polite" }, said ? said.text : ""),
    said && said.code ? labelLinks(said.code) : null,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const lot = chosen();
    const netKg = parseKg(net.value);
    const count = whole(units.value);
    const needed = netKg && count ? Number(netKg) * count : 0;
    setError("packing-lot", lot ? "" : t("packing.need_lot"));
    setError("packing-product", product.value.trim().length >= 2 ? "" : t("processing.need_product"));
    setError("packing-net", netKg ? "" : t("delivery.need_kg"));
    setError("packing-units", count ? (lot && needed > Number(lot.held) ? t("chain.more_than_held", { kg: kg(Number(lot.held)) }) : "") : t("packing.need_units"));
    setError("packing-carton", perCarton.value.trim() === "" || whole(perCarton.value) ? "" : t("packing.need_units"));
    if (form.querySelector("[aria-invalid=true]")) return form.querySelector("[aria-invalid=true]").focus();
    const day = form.querySelector("#packing-day").value;
    const key = crypto.randomUUID();
    const code = phoneCode("DG", coopId, day, key);
    const taken = String(Math.round(needed * 1000) / 1000);
    const body = {
      coop_id: coopId,
      batch_id: phoneCode("ME", coopId, day, key),
      transformed_on: day,
      lot_code: code,
      product: product.value.trim(),
      units: count,
      net_kg_per_unit: netKg,
      inputs: [{ lot_code: lot.code, quantity: taken }],
      ...(whole(perCarton.value) ? { units_per_carton: whole(perCarton.value) } : {}),
    };
    const summary = { units: count, product: body.product, lot_code: code };
    const fields = { form: "packing-form", lots: { [lot.code]: "packing-units" }, "lot.before_creation": "packing-day", "transform.impossible_yield": "packing-units" };
    const entry = await submit(form, { key, kind: "packing", path: "/api/supplychain/packings", body, summary, day }, fields);
    if (!entry) return;
    await batchMade(coopId, [{ lot, quantity: taken }], [{ code, product: body.product, grade: null, unit: "pcs", held: String(count), net_kg_per_unit: netKg, created_on: day, member_id: null }]);
    const text = `${form.querySelector(".saved").textContent} ${t("packing.saved", { count, code })}`;
    packingScreen(me, { text, code: entry.status === "sent" ? code : null });
  });
  if (location.hash !== "#/packing") return; // the clerk went elsewhere while the lots loaded
  show(form);
}
