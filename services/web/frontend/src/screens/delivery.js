// A weigh-in: find the household without accents, kg on the decimal keypad, the amount owed shown
// before saving; with a price it is one /batch (harvest + purchase, all or nothing).
import { enqueue, replace } from "../outbox.js";
import { keepReference, reference } from "../store.js";
import { field, folded, h, kg, money, parseKg, setError, show, t, today } from "../ui.js";
import { clearErrors, fixNotice, showRefusal, takeFix } from "../writes.js";

// Where a refused weigh-in's reason is said, when it is opened again from the outbox to be fixed.
const FIELDS = {
  "member.not_member_on_date": "day",
  "member.not_found": "household",
  "coop.not_active": "day",
  "purchase.exceeds_harvest": "kg",
  quantity_kg: "kg",
  price_per_kg_vnd: "price",
  harvest_round: "round",
  harvested_on: "day",
  purchased_on: "day",
};

export async function deliveryScreen(me) {
  const coopId = me.coop_id;
  const members = (await reference(`members:${coopId}`)) || [];
  const plots = (await reference(`plots:${coopId}`)) || [];
  const year = today().slice(0, 4);
  const lastRound = (await reference(`round:${coopId}:${year}`)) || 1;
  const lastPrice = (await reference(`price:${coopId}`)) || "";
  let chosen = null;
  let refused = takeFix("delivery");
  const [wrongHarvest, wrongPurchase] = refused ? refused.body.commands : [];

  const search = h("input", { type: "search", autocomplete: "off", enterkeyhint: "search" });
  const matches = h("ul", { class: "matches", "aria-label": t("delivery.matches") });
  const chosenLine = h("p", { class: "chosen", hidden: true });
  const plot = h("select", {});
  const round = h("input", { type: "number", inputmode: "numeric", min: "1", step: "1", value: String(wrongHarvest?.harvest_round || lastRound) });
  const weight = h("input", { inputmode: "decimal", autocomplete: "off", placeholder: "86,5", value: wrongHarvest ? kg(Number(wrongHarvest.quantity_kg)) : "" });
  const price = h("input", { inputmode: "numeric", autocomplete: "off", value: String(refused ? wrongPurchase?.price_per_kg_vnd || "" : lastPrice) });
  const owed = h("output", { for: "kg price", class: "owed" }, "–");
  const day = h("input", { type: "date", value: wrongHarvest?.harvested_on || today(), max: today() });
  const saved = h("p", { class: "saved", role: "status", "aria-live": "polite" });

  const priceValue = () => (/^\d+$/.test(price.value.trim()) && Number(price.value) > 0 ? Number(price.value) : null);
  const updateOwed = () => {
    const weightKg = parseKg(weight.value);
    const perKg = priceValue();
    owed.textContent = weightKg && perKg ? money(Math.round(Number(weightKg) * perKg)) : "–";
  };
  weight.addEventListener("input", updateOwed);
  price.addEventListener("input", updateOwed);

  const choose = (member) => {
    chosen = member;
    chosenLine.hidden = !member;
    chosenLine.replaceChildren(member ? h("strong", {}, member.name) : "", member ? h("button", { type: "button", class: "link", onclick: () => { choose(null); search.focus(); } }, t("delivery.change")) : "");
    search.hidden = !!member;
    matches.replaceChildren();
    const own = member ? plots.filter((p) => p.member_id === member.id) : [];
    plot.replaceChildren(h("option", { value: "" }, t("delivery.no_plot")), ...own.map((p) => h("option", { value: p.planting_area_code }, `${p.planting_area_code} (${kg(Number(p.area_ha))} ha)`)));
    if (own.length === 1) plot.value = own[0].planting_area_code;
    if (member) { setError("household", ""); weight.focus(); }
  };
  search.addEventListener("input", () => {
    const words = folded(search.value).split(/\s+/).filter(Boolean);
    const found = words.length ? members.filter((m) => words.every((word) => folded(m.name).includes(word))).slice(0, 8) : [];
    matches.replaceChildren(
      ...(words.length && found.length === 0 ? [h("li", { class: "none" }, t("delivery.no_match"))] : []),
      ...found.map((m) => h("li", {}, h("button", { type: "button", class: "match", onclick: () => choose(m) }, m.name))),
    );
  });

  const form = h(
    "form",
    { class: "card", novalidate: true },
    h("h1", {}, t("delivery.heading")),
    fixNotice(refused),
    members.length === 0 ? h("p", { class: "notice" }, t("delivery.no_members")) : null,
    field("household", t("delivery.household"), search),
    chosenLine,
    matches,
    field("plot", t("delivery.plot"), plot),
    h("div", { class: "pair" }, field("kg", t("delivery.kg"), weight), field("round", t("delivery.round"), round)),
    field("price", t("delivery.price"), price, t("delivery.price_hint")),
    h("p", { class: "owed-line" }, h("span", {}, t("delivery.owed")), " ", owed),
    field("day", t("delivery.date"), day),
    h("button", { type: "submit", class: "primary" }, t(refused ? "fix.save" : "delivery.save")),
    saved,
  );
  choose(null);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form); // a refused write's reasons too
    const weightKg = parseKg(weight.value);
    const perKg = priceValue();
    const roundNumber = Number(round.value);
    setError("household", chosen ? "" : t("delivery.need_household"));
    setError("kg", weightKg ? "" : t("delivery.need_kg"));
    setError("price", price.value.trim() === "" || perKg ? "" : t("delivery.bad_price"));
    setError("round", Number.isInteger(roundNumber) && roundNumber >= 1 ? "" : t("delivery.need_round"));
    if (form.querySelector("[aria-invalid=true]")) return form.querySelector("[aria-invalid=true]").focus();
    const key = crypto.randomUUID();
    const lotCode = `TH-${coopId}-${day.value.replace(/-/g, "")}-${key.slice(0, 8).toUpperCase()}`;
    const harvest = { type: "harvest", coop_id: coopId, member_id: chosen.id, quantity_kg: weightKg, harvested_on: day.value, harvest_round: roundNumber, lot_code: lotCode, ...(plot.value ? { plot_code: plot.value } : {}) };
    const purchase = perKg && { type: "purchase", coop_id: coopId, lot_code: lotCode, quantity_kg: weightKg, price_per_kg_vnd: perKg, purchased_on: day.value };
    const summary = { member_id: chosen.id, name: chosen.name, kg: weightKg, amount: perKg ? Math.round(Number(weightKg) * perKg) : 0, lot_code: lotCode };
    const write = { key, kind: "delivery", path: "/api/supplychain/batch", body: { commands: purchase ? [harvest, purchase] : [harvest] }, summary, day: day.value };
    await (refused ? replace(refused.key, write) : enqueue(write));
    refused = null;
    form.querySelector(".notice")?.remove();
    form.querySelector("button[type=submit]").textContent = t("delivery.save");
    await keepReference(`round:${coopId}:${year}`, roundNumber);
    if (perKg) await keepReference(`price:${coopId}`, perKg);
    saved.textContent = t("delivery.saved", { kg: kg(Number(weightKg)), name: chosen.name });
    weight.value = "";
    updateOwed();
    choose(null);
    search.value = "";
    search.focus();
  });
  show(form);
  search.focus();
  if (refused) {
    choose(members.find((m) => m.id === wrongHarvest.member_id) || null);
    if (wrongHarvest.plot_code) plot.value = wrongHarvest.plot_code;
    updateOwed();
    showRefusal(refused.refusal, FIELDS);
  }
}
