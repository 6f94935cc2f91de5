// What the co-op owes each household per round: from the supply chain when online (kept for when
// it is not), a statement per household that fits a chat message, and recording a payment.
import { enqueue } from "../outbox.js";
import { call } from "../session.js";
import { keepReference, reference } from "../store.js";
import { field, h, kg, money, setError, show, t, today, todayText } from "../ui.js";

export async function payablesScreen(me) {
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
    h("li", {}, h("strong", {}, row.harvest_round ? t("payables.round", { round: row.harvest_round, year: row.harvest_year }) : t("payables.no_round")), " ",
      t("payables.line", { kg: kg(Number(row.quantity_kg)), owed: money(row.amount_vnd), paid: money(row.paid), outstanding: money(row.outstanding) }));
  const slip = (household) =>
    [
      t("payables.slip_title", { coop: coop.name, date: todayText() }),
      t("payables.slip_household", { name: household.name }),
      ...household.rounds.map((row) => `${row.harvest_round ? t("payables.round", { round: row.harvest_round, year: row.harvest_year }) : t("payables.no_round")}: ${t("payables.line", { kg: kg(Number(row.quantity_kg)), owed: money(row.amount_vnd), paid: money(row.paid), outstanding: money(row.outstanding) })}`),
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
