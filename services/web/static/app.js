// The co-op app: screens drawn from what the phone holds, so they open offline; writes go through
// the outbox. Vietnamese words come from the page (`#texts`), numbers from Intl in the page's language.
import { enqueue, onChange, send } from "./outbox.js";
import { account, call, signIn, signOut } from "./session.js";
import { dropEntry, keepReference, outbox, reference } from "./store.js";

const texts = JSON.parse(document.getElementById("texts").textContent);
const lang = document.documentElement.lang;
const locale = lang === "vi" ? "vi-VN" : "en-GB";
const screen = document.getElementById("screen");

export function t(key, params = {}) {
  return (texts[key] || key).replace(/\{(\w+)\}/g, (_, name) => (name in params ? params[name] : `{${name}}`));
}

const kgFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 });
const moneyFormat = new Intl.NumberFormat(locale, { style: "currency", currency: "VND" });
export const kg = (value) => kgFormat.format(value);
export const money = (value) => moneyFormat.format(value);

// Today in Vietnam, as YYYY-MM-DD, whatever the phone's time zone.
export function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh" }).format(new Date());
}

// "Tân Hương" and "tan huong" are one name to a search box.
export function folded(text) {
  return (text || "").normalize("NFD").replace(/\p{M}/gu, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase().trim();
}

// A weight as typed: "86,5" and "86.5" are 86.5 kg; in Vietnamese "1.250" is 1250.
export function parseKg(typed) {
  let text = (typed || "").replace(/\s/g, "");
  if (text.includes(",")) text = text.replace(/\./g, "").replace(",", ".");
  else if (lang === "vi" && /^\d{1,3}(\.\d{3})+$/.test(text)) text = text.replace(/\./g, "");
  if (!/^\d+(\.\d{1,3})?$/.test(text)) return null;
  const value = Number(text);
  return value > 0 ? text : null;
}

function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name in element && typeof value !== "string") element[name] = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

function show(...children) {
  screen.replaceChildren(...children.filter((child) => child !== null && child !== undefined));
  screen.focus();
}

// --- reference data -------------------------------------------------------------------------------

async function loadAll(path) {
  const items = [];
  for (let offset = 0; ; offset += 500) {
    const answer = await call(`${path}${path.includes("?") ? "&" : "?"}limit=500&offset=${offset}`);
    if (!answer.ok) return null;
    const page = await answer.json();
    items.push(...page.items);
    if (items.length >= page.total || page.items.length === 0) return items;
  }
}

// Members and plots of the co-op, kept on the phone for the forms; refreshed whenever online.
async function refreshReference(coopId) {
  try {
    const members = await loadAll(`/api/registry/coops/${coopId}/members?active_on=${today()}`);
    if (members) await keepReference(`members:${coopId}`, members);
    const plots = await call(`/api/registry/coops/${coopId}/plots`);
    if (plots.ok) await keepReference(`plots:${coopId}`, await plots.json());
    const coop = await call(`/api/registry/coops/${coopId}`);
    if (coop.ok) await keepReference(`coop:${coopId}`, await coop.json());
  } catch {
    // offline: what the phone already holds serves
  }
}

// --- screens ----------------------------------------------------------------------------------------

function field(id, label, input, hint) {
  input.id = id;
  input.name = id;
  const error = h("p", { class: "error", id: `${id}-error`, role: "alert" });
  input.setAttribute("aria-describedby", `${id}-error${hint ? ` ${id}-hint` : ""}`);
  return h("div", { class: "field" }, h("label", { for: id }, label), input, hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null, error);
}

function setError(id, text) {
  const error = document.getElementById(`${id}-error`);
  if (error) error.textContent = text || "";
  document.getElementById(id)?.setAttribute("aria-invalid", text ? "true" : "false");
}

function loginScreen(message) {
  const form = h(
    "form",
    { class: "card", novalidate: true },
    h("h1", {}, t("login.heading")),
    message ? h("p", { class: "notice" }, message) : null,
    field("login", t("login.login"), h("input", { autocomplete: "username", required: true, autocapitalize: "none" })),
    field("password", t("login.password"), h("input", { type: "password", autocomplete: "current-password", required: true })),
    h("button", { type: "submit", class: "primary" }, t("login.submit")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setError("password", "");
    let result;
    try {
      result = await signIn(form.login.value.trim(), form.password.value);
    } catch {
      return setError("password", t("login.offline"));
    }
    if (!result.ok) return setError("password", result.body?.detail?.message || t("login.failed"));
    if (result.account.role !== "coop") {
      await signOut();
      return setError("password", t("login.not_coop"));
    }
    await refreshReference(result.account.coop_id);
    location.hash = "#/today";
    route();
  });
  document.getElementById("nav").hidden = true;
  show(form);
}

async function todayScreen(me) {
  const day = today();
  const entries = (await outbox()).filter((entry) => entry.kind === "delivery" && entry.day === day);
  const households = new Map();
  for (const entry of entries) {
    const row = households.get(entry.summary.member_id) || { name: entry.summary.name, kg: 0, vnd: 0 };
    row.kg += Number(entry.summary.kg);
    row.vnd += entry.summary.amount || 0;
    households.set(entry.summary.member_id, row);
  }
  const waiting = entries.filter((entry) => entry.status === "queued" || entry.status === "sending").length;
  const rows = [...households.values()];
  const total = rows.reduce((sum, row) => ({ kg: sum.kg + row.kg, vnd: sum.vnd + row.vnd }), { kg: 0, vnd: 0 });
  show(
    h("h1", {}, t("today.heading", { date: new Intl.DateTimeFormat(locale, { timeZone: "Asia/Ho_Chi_Minh" }).format(new Date()) })),
    h("p", { class: "coop" }, me.display_name),
    rows.length === 0
      ? h("p", {}, t("today.empty"))
      : h(
          "table",
          { class: "sums" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("today.household")), h("th", { scope: "col" }, "kg"), h("th", { scope: "col" }, t("today.amount")))),
          h("tbody", {}, rows.map((row) => h("tr", {}, h("td", {}, row.name), h("td", { class: "num" }, kg(row.kg)), h("td", { class: "num" }, money(row.vnd))))),
          h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, t("today.total")), h("td", { class: "num" }, kg(total.kg)), h("td", { class: "num" }, money(total.vnd)))),
        ),
    waiting ? h("p", { class: "notice" }, h("a", { href: "#/queue" }, t("today.queued", { count: waiting }))) : null,
    h("a", { class: "button primary", href: "#/delivery" }, t("today.record")),
    h("button", { type: "button", class: "link", onclick: async () => { await signOut(); route(); } }, t("nav.sign_out")),
  );
}

async function deliveryScreen(me) {
  const coopId = me.coop_id;
  const members = (await reference(`members:${coopId}`)) || [];
  const plots = (await reference(`plots:${coopId}`)) || [];
  const year = today().slice(0, 4);
  const lastRound = (await reference(`round:${coopId}:${year}`)) || 1;
  const lastPrice = (await reference(`price:${coopId}`)) || "";
  let chosen = null;

  const search = h("input", { type: "search", autocomplete: "off", enterkeyhint: "search" });
  const matches = h("ul", { class: "matches", "aria-label": t("delivery.matches") });
  const chosenLine = h("p", { class: "chosen", hidden: true });
  const plot = h("select", {});
  const round = h("input", { type: "number", inputmode: "numeric", min: "1", step: "1", value: String(lastRound) });
  const weight = h("input", { inputmode: "decimal", autocomplete: "off", placeholder: "86,5" });
  const price = h("input", { inputmode: "numeric", autocomplete: "off", value: String(lastPrice) });
  const owed = h("output", { for: "kg price", class: "owed" }, "–");
  const day = h("input", { type: "date", value: today(), max: today() });
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
    members.length === 0 ? h("p", { class: "notice" }, t("delivery.no_members")) : null,
    field("household", t("delivery.household"), search),
    chosenLine,
    matches,
    field("plot", t("delivery.plot"), plot),
    h("div", { class: "pair" }, field("kg", t("delivery.kg"), weight), field("round", t("delivery.round"), round)),
    field("price", t("delivery.price"), price, t("delivery.price_hint")),
    h("p", { class: "owed-line" }, h("span", {}, t("delivery.owed")), " ", owed),
    field("day", t("delivery.date"), day),
    h("button", { type: "submit", class: "primary" }, t("delivery.save")),
    saved,
  );
  choose(null);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
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
    await enqueue({ key, kind: "delivery", path: "/api/supplychain/batch", body: { commands: purchase ? [harvest, purchase] : [harvest] }, summary, day: day.value });
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
}

// What the co-op owes each household per round: from the supply chain when online (kept for when
// it is not), a statement per household that fits a chat message, and recording a payment.
async function payablesScreen(me) {
  const kept = `payables:${me.coop_id}`;
  let rows = await reference(kept);
  let stale = true;
  try {
    const answer = await call(`/api/supplychain/coops/${me.coop_id}/payables`);
    if (answer.ok) {
      rows = await answer.json();
      await keepReference(kept, rows);
      stale = false;
    }
  } catch {
    // offline: the last figures serve
  }
  rows = rows || [];
  const coop = (await reference(`coop:${me.coop_id}`)) || { name: "HTX" };
  const households = new Map();
  for (const row of rows) {
    const paid = row.paid_vnd || 0;
    const outstanding = row.outstanding_vnd ?? row.amount_vnd - paid;
    const household = households.get(row.member_id) || { id: row.member_id, name: row.household_name, rounds: [], owed: 0, paid: 0, outstanding: 0 };
    household.rounds.push({ ...row, paid, outstanding });
    household.owed += row.amount_vnd;
    household.paid += paid;
    household.outstanding += outstanding;
    households.set(row.member_id, household);
  }
  const all = [...households.values()];
  const sum = (field) => money(all.reduce((total, household) => total + household[field], 0));
  const roundLine = (row) =>
    h("li", {}, h("strong", {}, row.harvest_round ? t("payables.round", { round: row.harvest_round }) : t("payables.no_round")), " ",
      t("payables.line", { kg: kg(Number(row.quantity_kg)), owed: money(row.amount_vnd), paid: money(row.paid), outstanding: money(row.outstanding) }));
  const slip = (household) =>
    [
      t("payables.slip_title", { coop: coop.name, date: new Intl.DateTimeFormat(locale, { timeZone: "Asia/Ho_Chi_Minh" }).format(new Date()) }),
      t("payables.slip_household", { name: household.name }),
      ...household.rounds.map((row) => `${row.harvest_round ? t("payables.round", { round: row.harvest_round }) : t("payables.no_round")}: ${t("payables.line", { kg: kg(Number(row.quantity_kg)), owed: money(row.amount_vnd), paid: money(row.paid), outstanding: money(row.outstanding) })}`),
      t("payables.slip_total", { outstanding: money(household.outstanding) }),
    ].join("\n");
  const card = (household) => {
    const area = h("div", { class: "slot" });
    const shareSlip = async () => {
      const text = slip(household);
      const box = h("textarea", { readonly: true, rows: String(household.rounds.length + 3), "aria-label": t("payables.slip") });
      box.value = text;
      area.replaceChildren(box);
      try {
        if (navigator.share) await navigator.share({ text });
        else {
          await navigator.clipboard.writeText(text);
          area.append(h("p", { class: "hint" }, t("payables.copied")));
        }
      } catch {
        box.select(); // the clerk copies it by hand
      }
    };
    return h(
      "li",
      { class: "household" },
      h("h2", {}, household.name),
      h("p", { class: "outstanding" }, `${t("payables.outstanding")}: `, h("strong", {}, money(household.outstanding))),
      h("ul", { class: "rounds" }, household.rounds.map(roundLine)),
      h("div", { class: "actions" },
        h("button", { type: "button", disabled: household.outstanding <= 0, onclick: () => area.replaceChildren(paymentForm(me, household)) }, t("payables.pay")),
        h("button", { type: "button", onclick: shareSlip }, t("payables.slip"))),
      area,
    );
  };
  show(
    h("h1", {}, t("payables.heading")),
    stale ? h("p", { class: "notice" }, t("payables.stale")) : null,
    all.length === 0 ? h("p", {}, t("payables.empty")) : h("p", { class: "totals" }, t("payables.total", { owed: sum("owed"), paid: sum("paid"), outstanding: sum("outstanding") })),
    h("ul", { class: "households" }, all.map(card)),
  );
}

function paymentForm(me, household) {
  const id = (name) => `${name}-${household.id}`;
  const amount = h("input", { inputmode: "numeric", autocomplete: "off", value: String(household.outstanding) });
  const method = h("select", {}, h("option", { value: "cash" }, t("payment.cash")), h("option", { value: "bank_transfer" }, t("payment.bank_transfer")));
  const reference = h("input", { autocomplete: "off" });
  const paidOn = h("input", { type: "date", value: today(), max: today() });
  const referenceField = field(id("reference"), t("payment.reference"), reference);
  referenceField.hidden = true;
  method.addEventListener("change", () => { referenceField.hidden = method.value !== "bank_transfer"; });
  const form = h(
    "form",
    { class: "payment", novalidate: true },
    field(id("amount"), t("payment.amount"), amount),
    field(id("method"), t("payment.method"), method),
    referenceField,
    field(id("paid_on"), t("payment.date"), paidOn),
    h("button", { type: "submit", class: "primary" }, t("payment.save")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = amount.value.replace(/[.\s]/g, "");
    const valid = /^\d+$/.test(value) && Number(value) > 0;
    setError(id("amount"), valid ? "" : t("payment.bad_amount"));
    if (!valid) return amount.focus();
    const body = { member_id: household.id, amount_vnd: Number(value), method: method.value, paid_on: paidOn.value };
    if (method.value === "bank_transfer" && reference.value.trim()) body.reference = reference.value.trim();
    await enqueue({ key: crypto.randomUUID(), kind: "payment", path: `/api/supplychain/coops/${me.coop_id}/payments`, body, summary: { member_id: household.id, name: household.name, amount: Number(value) }, day: paidOn.value });
    form.replaceWith(h("p", { class: "saved", role: "status" }, t("payment.saved", { amount: money(Number(value)), name: household.name })));
  });
  return form;
}

async function queueScreen() {
  const entries = (await outbox()).reverse();
  const line = (entry) =>
    h(
      "li",
      { class: `entry ${entry.status}` },
      h("span", { class: "what" }, entry.kind === "payment"
        ? t("queue.payment", { amount: money(entry.summary.amount), name: entry.summary.name })
        : t("queue.delivery", { kg: kg(Number(entry.summary.kg)), name: entry.summary.name })),
      h("span", { class: "status" }, t(`queue.${entry.status}`)),
      entry.refusal ? h("p", { class: "error", role: "alert" }, entry.refusal.messages.map((m) => m.text).join(" ")) : null,
      entry.status === "refused" ? h("button", { type: "button", onclick: async () => { await dropEntry(entry.key); queueScreen(); } }, t("queue.drop")) : null,
    );
  show(
    h("h1", {}, t("queue.heading")),
    entries.length ? h("ul", { class: "entries" }, entries.map(line)) : h("p", {}, t("queue.empty")),
    h("button", { type: "button", onclick: () => send() }, t("queue.send_now")),
  );
}

// --- routing, network, start --------------------------------------------------------------------

async function route() {
  const me = await account();
  if (!me) return loginScreen();
  document.getElementById("nav").hidden = false;
  const screens = { "#/delivery": deliveryScreen, "#/payables": payablesScreen, "#/queue": queueScreen };
  return (screens[location.hash] || todayScreen)(me);
}

async function countQueued() {
  const waiting = (await outbox()).filter((entry) => entry.status === "queued" || entry.status === "sending").length;
  document.getElementById("queue-count").textContent = waiting ? String(waiting) : "";
}

function showNetwork() {
  const network = document.getElementById("network");
  network.textContent = navigator.onLine ? t("app.online") : t("app.offline");
  network.className = navigator.onLine ? "network online" : "network offline";
}

async function sendAndTell() {
  if ((await send()) === "signed_out" && (await account())) loginScreen(t("login.again"));
}

onChange(async () => {
  countQueued();
  if (location.hash === "#/queue") queueScreen();
  // The payables again once a write is through, unless the clerk is typing a payment there.
  else if (location.hash === "#/payables" && !screen.querySelector("form.payment") && (await outbox()).every((entry) => entry.status !== "sending")) {
    const me = await account();
    if (me) payablesScreen(me);
  }
});
window.addEventListener("hashchange", route);
window.addEventListener("online", () => { showNetwork(); sendAndTell(); });
window.addEventListener("offline", showNetwork);
setInterval(() => navigator.onLine && sendAndTell(), 30_000);
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js");
showNetwork();
countQueued();
route().then(async () => {
  const me = await account();
  if (me && navigator.onLine) {
    await sendAndTell();
    await refreshReference(me.coop_id);
  }
});
