// Today: the co-op's deliveries and purchases of the day per household, kg and đồng, from every
// clerk of the co-op when online (this phone's writes not yet sent added, marked waiting); offline,
// this phone's own. Below them the co-op's payables totals.
import { call, signOut } from "../session.js";
import { keepReference, outbox, reference } from "../store.js";
import { go, h, kg, money, show, t, today, todayText } from "../ui.js";

const WAITING = new Set(["queued", "sending"]);

// GETs a JSON read and keeps it for when the phone is offline; null when the network is down.
async function fresh(path, kept) {
  try {
    const answer = await call(path);
    if (!answer.ok) return null;
    const body = await answer.json();
    await keepReference(kept, body);
    return body;
  } catch {
    return null;
  }
}

export async function todayScreen(me) {
  const here = location.hash;
  const coopId = me.coop_id;
  // Drawn at once from the phone, then again with the whole co-op's day once the network answers.
  await drawToday(me, await todaysOwn(), null, await reference(`payables-totals:${coopId}`), navigator.onLine);
  if (!navigator.onLine) return;
  const day = today();
  // Read before the co-op's list: a write sent meanwhile is then in the list, or still waiting here.
  const mine = await todaysOwn();
  const coopDay = await fresh(`/api/supplychain/coops/${coopId}/deliveries?from=${day}&to=${day}`, `day:${coopId}`);
  const totals = (await fresh(`/api/supplychain/coops/${coopId}/payables/totals`, `payables-totals:${coopId}`)) || (await reference(`payables-totals:${coopId}`));
  if (location.hash !== here) return; // the clerk went on while the network answered
  await drawToday(me, mine, coopDay, totals, false);
}

async function todaysOwn() {
  return (await outbox()).filter((entry) => entry.kind === "delivery" && entry.day === today() && entry.status !== "refused");
}

async function drawToday(me, mine, coopDay, totals, loading) {
  const day = today();
  const households = new Map();
  const add = (id, name, weight, vnd, waiting) => {
    const row = households.get(id) || { name, kg: 0, vnd: 0, waiting: 0 };
    row.kg += weight;
    row.vnd += vnd;
    row.waiting += waiting ? 1 : 0;
    households.set(id, row);
  };
  const listed = new Set();
  for (const delivery of coopDay || []) {
    listed.add(delivery.lot_code);
    // A lot harvested earlier but bought today counts for its purchase only.
    const harvestedToday = delivery.harvested_on === day;
    const bought = delivery.purchases.filter((p) => p.purchased_on === day).reduce((sum, p) => sum + p.amount_vnd, 0);
    add(delivery.member_id, delivery.household_name, harvestedToday ? Number(delivery.quantity_kg) : 0, bought, false);
  }
  for (const entry of mine) {
    if (listed.has(entry.summary.lot_code)) continue;
    if (coopDay && !WAITING.has(entry.status)) continue; // sent, and the co-op's list already has it
    add(entry.summary.member_id, entry.summary.name, Number(entry.summary.kg), entry.summary.amount || 0, WAITING.has(entry.status));
  }
  const waiting = mine.filter((entry) => WAITING.has(entry.status)).length;
  const rows = [...households.values()];
  const total = rows.reduce((sum, row) => ({ kg: sum.kg + row.kg, vnd: sum.vnd + row.vnd }), { kg: 0, vnd: 0 });
  show(
    h("h1", {}, t("today.heading", { date: todayText() })),
    h("p", { class: "coop" }, me.display_name),
    h("p", { class: coopDay || loading ? "hint" : "notice" }, t(coopDay ? "today.whole_coop" : loading ? "today.loading" : "today.this_phone")),
    rows.length === 0
      ? h("p", {}, t("today.empty"))
      : h(
          "table",
          { class: "sums" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("today.household")), h("th", { scope: "col" }, "kg"), h("th", { scope: "col" }, t("today.amount")))),
          h("tbody", {}, rows.map((row) => h("tr", {}, h("td", {}, row.name, row.waiting ? [" ", h("span", { class: "tag" }, t("today.waiting"))] : null), h("td", { class: "num" }, kg(row.kg)), h("td", { class: "num" }, money(row.vnd))))),
          h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, t("today.total")), h("td", { class: "num" }, kg(total.kg)), h("td", { class: "num" }, money(total.vnd)))),
        ),
    waiting ? h("p", { class: "notice" }, h("a", { href: "#/queue" }, t("today.queued", { count: waiting }))) : null,
    h("a", { class: "button primary", href: "#/delivery" }, t("today.record")),
    totals
      ? h("p", { class: "totals payables-totals" }, h("a", { href: "#/payables" }, t("today.payables", { owed: money(totals.amount_vnd), paid: money(totals.paid_vnd), outstanding: money(totals.outstanding_vnd) })))
      : null,
    h("button", { type: "button", class: "link", onclick: async () => { await signOut(); go("#/today"); } }, t("nav.sign_out")),
  );
}
