// Packing: kilograms of a graded (or dry) lot into numbered units of a net weight, in cartons of so
// many, under the product's GTIN if it has one (its labels' QR codes are then GS1 Digital Links);
// what it takes from the lot is shown before saving, and the units' QR labels can be printed as
// soon as the supply chain has them.
import { field, h, kg, parseKg, setError, show, t } from "../ui.js";
import { fixNotice, formError, onSave, takeFix } from "../writes.js";
import { batchMade, dayInput, FRESH_LEAF, lotText, openLots, phoneCode } from "./chain.js";
import { labelLinks } from "./labels.js";

const whole = (text) => (/^\d+$/.test(text.trim()) && Number(text) > 0 ? Number(text) : null);
// The digits of a GTIN as typed (spaces dropped); its check digit is the supply chain's to judge.
const gtinDigits = (text) => text.replace(/\s/g, "");
const GTIN_LENGTHS = new Set([8, 12, 13, 14]);

// A packed lot's code, made on the phone like the chain's others but without the day: its units'
// serials (`<code>-0001`) must fit a GS1 Digital Link's AI 21 (20 characters) for a GTIN's labels.
const packCode = (coopId, key) => `DG-${coopId}-${key.slice(0, 8).toUpperCase()}`;

// Where the supply chain's refusals of a packing are said.
const FIELDS = {
  "lot.insufficient": "packing-units",
  "lot.not_found": "packing-lot",
  "lot.other_coop": "packing-lot",
  "lot.before_creation": "packing-day",
  "transform.impossible_yield": "packing-units",
  "gtin.invalid": "packing-gtin",
  "gtin.check_digit": "packing-gtin",
  gtin: "packing-gtin",
  product: "packing-product",
  net_kg_per_unit: "packing-net",
  units: "packing-units",
  units_per_carton: "packing-carton",
  lot_code: "packing-lot",
  quantity: "packing-units",
};

export async function packingScreen(me, said = null) {
  const coopId = me.coop_id;
  const refused = takeFix("packing");
  const wrong = refused?.body;
  const lots = (await openLots(coopId)).filter((lot) => lot.unit === "kg" && lot.product !== FRESH_LEAF);
  const taken = wrong?.inputs[0].lot_code;
  const source = h("select", {}, h("option", { value: "" }, t("packing.choose")), lots.map((lot) => h("option", { value: lot.code, selected: lot.code === taken }, lotText(lot))));
  const product = h("input", { autocomplete: "off", value: wrong?.product || "" });
  const net = h("input", { inputmode: "decimal", autocomplete: "off", placeholder: "0,5", value: wrong ? kg(Number(wrong.net_kg_per_unit)) : "" });
  const units = h("input", { inputmode: "numeric", autocomplete: "off", placeholder: "40", value: wrong ? String(wrong.units) : "" });
  const perCarton = h("input", { inputmode: "numeric", autocomplete: "off", value: wrong?.units_per_carton ? String(wrong.units_per_carton) : "" });
  const gtin = h("input", { inputmode: "numeric", autocomplete: "off", maxlength: "17", placeholder: "08930000123459", value: wrong?.gtin || "" });
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
    fixNotice(refused),
    lots.length ? null : h("p", { class: "notice" }, t("chain.no_lots")),
    field("packing-lot", t("packing.lot"), source),
    field("packing-product", t("packing.product"), product, t("packing.product_hint")),
    h("div", { class: "pair" }, field("packing-net", t("packing.net"), net), field("packing-units", t("packing.units"), units)),
    field("packing-carton", t("packing.per_carton"), perCarton, t("packing.per_carton_hint")),
    field("packing-gtin", t("packing.gtin"), gtin, t("packing.gtin_hint")),
    use,
    field("packing-day", t("delivery.date"), dayInput(wrong?.transformed_on)),
    h("button", { type: "submit", class: "primary" }, t(refused ? "fix.save" : "packing.save")),
    formError(),
    h("p", { class: "saved", role: "status", "aria-live": "polite" }, said ? said.text : ""),
    said && said.code ? labelLinks(said.code) : null,
  );
  if (location.hash !== "#/packing") return; // the clerk went elsewhere while the lots loaded
  show(form);
  update();
  let lot = null;
  onSave(form, {
    kind: "packing",
    fields: FIELDS,
    refused,
    build(key) {
      lot = chosen();
      const netKg = parseKg(net.value);
      const count = whole(units.value);
      const needed = netKg && count ? Number(netKg) * count : 0;
      const digits = gtinDigits(gtin.value);
      setError("packing-lot", lot ? "" : t("packing.need_lot"));
      setError("packing-product", product.value.trim().length >= 2 ? "" : t("processing.need_product"));
      setError("packing-net", netKg ? "" : t("delivery.need_kg"));
      setError("packing-units", count ? (lot && needed > Number(lot.held) ? t("chain.more_than_held", { kg: kg(Number(lot.held)) }) : "") : t("packing.need_units"));
      setError("packing-carton", perCarton.value.trim() === "" || whole(perCarton.value) ? "" : t("packing.need_units"));
      setError("packing-gtin", digits === "" || (/^\d+$/.test(digits) && GTIN_LENGTHS.has(digits.length)) ? "" : t("packing.bad_gtin"));
      if (form.querySelector("[aria-invalid=true]")) return null;
      const day = form.querySelector("#packing-day").value;
      const code = packCode(coopId, key);
      const body = {
        coop_id: coopId,
        batch_id: phoneCode("ME", coopId, day, key),
        transformed_on: day,
        lot_code: code,
        product: product.value.trim(),
        units: count,
        net_kg_per_unit: netKg,
        inputs: [{ lot_code: lot.code, quantity: String(Math.round(needed * 1000) / 1000) }],
        ...(whole(perCarton.value) ? { units_per_carton: whole(perCarton.value) } : {}),
        ...(digits ? { gtin: digits } : {}),
      };
      return { path: "/api/supplychain/packings", body, summary: { units: count, product: body.product, lot_code: code }, day };
    },
    async done(entry) {
      const { lot_code: code, units: count, inputs, product: name, net_kg_per_unit: netKg, transformed_on: day } = entry.body;
      await batchMade(coopId, [{ lot, quantity: inputs[0].quantity }], [{ code, product: name, grade: null, unit: "pcs", held: String(count), net_kg_per_unit: netKg, created_on: day, member_id: null }]);
      const text = `${form.querySelector(".saved").textContent} ${t("packing.saved", { count, code })}`;
      packingScreen(me, { text, code: entry.status === "sent" ? code : null });
    },
  });
}
