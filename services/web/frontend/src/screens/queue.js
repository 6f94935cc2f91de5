// The outbox: every write made on this phone, queued, sending, sent or refused with the reason.
import { send } from "../outbox.js";
import { dropEntry, outbox } from "../store.js";
import { h, kg, money, show, t } from "../ui.js";
import { FORMS, clerkWords, fix } from "../writes.js";

// How each kind of write reads in the list.
const DESCRIBE = {
  delivery: (summary) => t("queue.delivery", { kg: kg(Number(summary.kg)), name: summary.name }),
  payment: (summary) => t("queue.payment", { amount: money(summary.amount), name: summary.name }),
  // the chain, after the weigh-in
  purchase: (summary) => t("queue.purchase", { kg: kg(Number(summary.kg)), name: summary.name, amount: money(summary.amount) }),
  processing: (summary) => t("queue.processing", { input: kg(Number(summary.input_kg)), kg: kg(Number(summary.kg)), product: summary.product }),
  grading: (summary) => t("queue.grading", { kg: kg(Number(summary.kg)), grades: summary.grades }),
  packing: (summary) => t("queue.packing", { units: summary.units, product: summary.product }),
  // shipments, sales, members, corrections (issue 11)
  shipment: (summary) => (summary.lots > 1 ? t("queue.shipment_lots", { ...summary, count: summary.lots }) : t("queue.shipment", { ...summary, kg: kg(Number(summary.kg)), unit: summary.unit === "pcs" ? t("unit.pcs") : "kg" })),
  sale: (summary) => t("queue.sale", { ...summary, kg: kg(Number(summary.kg)), unit: summary.unit === "pcs" ? t("unit.pcs") : "kg" }),
  household: (summary) => t("queue.household", summary),
  correction: (summary) => t("queue.correction", summary),
  // a buyer's (issue 14)
  receipt: (summary) => t("queue.receipt", summary),
};

export async function queueScreen() {
  const entries = (await outbox()).reverse();
  const line = (entry) =>
    h(
      "li",
      { class: `entry ${entry.status}` },
      h("span", { class: "what" }, DESCRIBE[entry.kind](entry.summary)),
      h("span", { class: "status" }, t(`queue.${entry.status}`)),
      entry.refusal ? h("p", { class: "error", role: "alert" }, clerkWords(entry.refusal) || entry.refusal.messages.map((m) => m.text).join(" ")) : null,
      entry.status === "refused" && FORMS[entry.kind] ? h("button", { type: "button", class: "primary", onclick: () => fix(entry) }, t("queue.fix")) : null,
      entry.status === "refused" ? h("button", { type: "button", onclick: async () => { await dropEntry(entry.key); queueScreen(); } }, t("queue.drop")) : null,
    );
  show(
    h("h1", {}, t("queue.heading")),
    entries.length ? h("ul", { class: "entries" }, entries.map(line)) : h("p", {}, t("queue.empty")),
    h("button", { type: "button", onclick: () => send() }, t("queue.send_now")),
  );
}
