// Buying a weighed lot: a harvest weighed in without a price is bought later. Find the household
// without accents, choose its harvest lot (what is left to buy is shown), the price, and the amount
// owed is shown before saving.
import { reference } from "../store.js";
import { dayText, field, folded, h, kg, money, parseKg, setError, show, t } from "../ui.js";
import { fixNotice, formError, onSave, takeFix } from "../writes.js";
import { adjustLots, dayInput, openLots } from "./chain.js";

// Where the supply chain's refusals of a purchase are said.
const FIELDS = {
  "purchase.exceeds_harvest": "purchase-kg",
  "lot.insufficient": "purchase-kg",
  "lot.not_found": "purchase-lot",
  "lot.other_coop": "purchase-lot",
  "member.not_member_on_date": "purchase-day",
  "lot.before_creation": "purchase-day",
  quantity_kg: "purchase-kg",
  price_per_kg_vnd: "purchase-price",
  purchased_on: "purchase-day",
};

const unbought = (lot) => Number(lot.harvested_kg) - Number(lot.purchased_kg || 0);

export async function purchaseScreen(me) {
  const coopId = me.coop_id;
  const refused = takeFix("purchase");
  const wrong = refused?.body;
  const names = new Map(((await reference(`members:${coopId}`)) || []).map((m) => [m.id, m.name]));
  const lots = (await openLots(coopId)).filter((lot) => lot.member_id !== null && lot.member_id !== undefined && unbought(lot) > 0);
  const lastPrice = (await reference(`price:${coopId}`)) || "";
  let chosen = null;

  const search = h("input", { type: "search", autocomplete: "off", enterkeyhint: "search" });
  const matches = h("ul", { class: "matches", "aria-label": t("purchase.lots") });
  const chosenLine = h("p", { class: "chosen", hidden: true });
  const weight = h("input", { inputmode: "decimal", autocomplete: "off" });
  const price = h("input", { inputmode: "numeric", autocomplete: "off", value: String(wrong ? wrong.price_per_kg_vnd : lastPrice) });
  const owed = h("output", { for: "purchase-kg purchase-price", class: "owed" }, "–");
  const day = dayInput(wrong?.purchased_on);

  const priceValue = () => (/^\d+$/.test(price.value.trim()) && Number(price.value) > 0 ? Number(price.value) : null);
  const updateOwed = () => {
    const weightKg = parseKg(weight.value);
    owed.textContent = weightKg && priceValue() ? money(Math.round(Number(weightKg) * priceValue())) : "–";
  };
  weight.addEventListener("input", updateOwed);
  price.addEventListener("input", updateOwed);

  const lotLine = (lot) => `${names.get(lot.member_id) || `#${lot.member_id}`} · ${t("purchase.lot_line", { code: lot.code, kg: kg(unbought(lot)), date: dayText(lot.created_on), round: lot.harvest_round })}`;
  const choose = (lot) => {
    chosen = lot;
    chosenLine.hidden = !lot;
    chosenLine.replaceChildren(lot ? h("strong", {}, lotLine(lot)) : "", lot ? h("button", { type: "button", class: "link", onclick: () => { choose(null); search.focus(); } }, t("delivery.change")) : "");
    search.hidden = !!lot;
    matches.replaceChildren();
    weight.value = lot ? kg(unbought(lot)) : "";
    updateOwed();
    if (lot) { setError("purchase-lot", ""); price.focus(); }
  };
  const list = () => {
    const words = folded(search.value).split(/\s+/).filter(Boolean);
    const found = lots.filter((lot) => words.every((word) => folded(names.get(lot.member_id)).includes(word) || folded(lot.code).includes(word))).slice(0, 12);
    matches.replaceChildren(
      ...(found.length === 0 ? [h("li", { class: "none" }, t("purchase.no_lot"))] : []),
      ...found.map((lot) => h("li", {}, h("button", { type: "button", class: "match", onclick: () => choose(lot) }, lotLine(lot)))),
    );
  };
  search.addEventListener("input", list);

  const form = h(
    "form",
    { class: "card", novalidate: true },
    h("h1", {}, t("purchase.heading")),
    fixNotice(refused),
    h("p", { class: "hint" }, t("purchase.intro")),
    field("purchase-lot", t("purchase.household"), search),
    chosenLine,
    matches,
    h("div", { class: "pair" }, field("purchase-kg", t("delivery.kg"), weight), field("purchase-price", t("delivery.price"), price)),
    h("p", { class: "owed-line" }, h("span", {}, t("delivery.owed")), " ", owed),
    field("purchase-day", t("delivery.date"), day),
    h("button", { type: "submit", class: "primary" }, t(refused ? "fix.save" : "purchase.save")),
    formError(),
    h("p", { class: "saved", role: "status", "aria-live": "polite" }),
  );
  if (location.hash !== "#/purchase") return; // the clerk went elsewhere while the lots loaded
  show(form);
  list();
  search.focus();
  const wrongLot = wrong && lots.find((lot) => lot.code === wrong.lot_code);
  if (wrongLot) {
    choose(wrongLot);
    weight.value = kg(Number(wrong.quantity_kg));
    updateOwed();
  }
  onSave(form, {
    kind: "purchase",
    fields: FIELDS,
    refused,
    build() {
      const weightKg = parseKg(weight.value);
      setError("purchase-lot", chosen ? "" : t("purchase.need_lot"));
      setError("purchase-kg", weightKg ? (chosen && Number(weightKg) > unbought(chosen) ? t("purchase.too_much", { kg: kg(unbought(chosen)) }) : "") : t("delivery.need_kg"));
      setError("purchase-price", priceValue() ? "" : t("delivery.bad_price"));
      if (form.querySelector("[aria-invalid=true]")) return null;
      const body = { coop_id: coopId, lot_code: chosen.code, quantity_kg: weightKg, price_per_kg_vnd: priceValue(), purchased_on: day.value };
      const summary = { member_id: chosen.member_id, name: names.get(chosen.member_id) || "", kg: weightKg, amount: Math.round(Number(weightKg) * priceValue()), lot_code: chosen.code };
      return { path: "/api/supplychain/purchases", body, summary, day: day.value };
    },
    async done(entry) {
      const { lot_code: code, quantity_kg: weightKg } = entry.body;
      const lot = lots.find((one) => one.code === code);
      if (lot) {
        lot.purchased_kg = String(Number(lot.purchased_kg || 0) + Number(weightKg));
        await adjustLots(coopId, (kept) => kept.map((other) => (other.code === code ? { ...other, purchased_kg: lot.purchased_kg } : other)));
        if (unbought(lot) <= 0) lots.splice(lots.indexOf(lot), 1);
      }
      form.querySelector(".saved").textContent += " " + t("purchase.saved", { kg: kg(Number(weightKg)), name: entry.summary.name, amount: money(entry.summary.amount) });
      choose(null);
      search.value = "";
      list();
    },
  });
}
