// Today: this phone's weigh-ins of the day per household, kg and đồng, and what is still queued.
import { signOut } from "../session.js";
import { outbox } from "../store.js";
import { go, h, kg, money, show, t, today, todayText } from "../ui.js";

export async function todayScreen(me) {
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
    h("h1", {}, t("today.heading", { date: todayText() })),
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
    h("button", { type: "button", class: "link", onclick: async () => { await signOut(); go("#/today"); } }, t("nav.sign_out")),
  );
}
