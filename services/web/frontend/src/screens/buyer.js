// A buyer's screens: the shipments the co-ops sent it in a date range (lots, quantities, documents,
// invoices), confirming a receipt, and a recall from any lot it received. A buyer signs in to the
// same app with its own account and sees what the supply chain shows its partner: no prices, and
// households only as their co-op shows them publicly.
import { call, signOut } from "../session.js";
import { dayText, field, h, kg, show, t, today } from "../ui.js";
import { formError, onSave } from "../writes.js";

const NAV = [["#/received", "buyer.nav_received"], ["#/recall", "buyer.nav_recall"]];
const DAY = 86_400_000;

function buyerNav() {
  const nav = document.getElementById("nav");
  if (nav.dataset.role === "buyer") return;
  nav.dataset.role = "buyer";
  nav.replaceChildren(
    ...NAV.map(([hash, key]) => h("a", { href: hash }, t(key))),
    // The outbox keeps receipts confirmed offline; its count is what app.js keeps up to date.
    h("a", { href: "#/queue" }, t("nav.queue"), " ", h("span", { id: "queue-count", class: "count" })),
    // Reloaded after signing out: the next account may be a clerk's, with the co-op's bar.
    h("button", { type: "button", class: "link", onclick: async () => { await signOut(); location.replace("/" + location.search); } }, t("nav.sign_out")),
  );
  nav.hidden = false;
}

export async function buyerScreen(me) {
  buyerNav();
  if (location.hash === "#/queue") return (await import("./queue.js")).queueScreen();
  if (location.hash.startsWith("#/recall")) return recallScreen(new URLSearchParams(location.hash.split("?")[1] || "").get("lot") || "");
  return receivedScreen(me);
}

async function json(path) {
  try {
    const answer = await call(path);
    return answer.ok ? answer.json() : null;
  } catch {
    return null; // offline
  }
}

const lineText = (line) =>
  line.unit === "pcs"
    ? t("buyer.line_pcs", { lot: line.lot_code, product: line.product, count: kg(Number(line.quantity)), kg: kg(Number(line.quantity_kg)) })
    : t("buyer.line_kg", { lot: line.lot_code, product: line.product, kg: kg(Number(line.quantity_kg)) });

// One receipt form at a time (its fields have the ids refusals are said by), under its shipment.
function receiptForm(shipment, slot) {
  const day = h("input", { type: "date", value: today(), min: shipment.shipped_on, max: today(), required: true });
  const form = h(
    "form",
    { class: "receipt", novalidate: true },
    field("day", t("buyer.confirm_day"), day),
    h("button", { type: "submit", class: "primary" }, t("buyer.confirm_save")),
    formError(),
    h("p", { class: "saved", role: "status" }),
  );
  onSave(form, {
    kind: "receipt",
    fields: { "shipment.received_before_shipped": "day", "shipment.already_received": "day", received_on: "day" },
    build: () => ({
      path: "/api/supplychain/receipts",
      body: { shipment_id: shipment.shipment_id, received_on: day.value },
      summary: { document: shipment.document_number },
      day: day.value,
    }),
    done: () => form.querySelector("button[type=submit]").remove(),
  });
  slot.replaceChildren(form);
  day.focus();
}

function shipmentItem(shipment) {
  const slot = h("div", { class: "slot" });
  const opener = h("button", { type: "button", class: "primary confirm" }, t("buyer.confirm"));
  opener.addEventListener("click", () => {
    for (const open of document.querySelectorAll("#screen form.receipt")) open.remove();
    for (const hidden of document.querySelectorAll("#screen button.confirm[hidden]")) hidden.hidden = false;
    opener.hidden = true;
    receiptForm(shipment, slot);
  });
  return h(
    "li",
    { class: "household" },
    h("h2", {}, t("buyer.shipment", { document: shipment.document_number, coop: shipment.coop_name || `#${shipment.coop_id}`, date: dayText(shipment.shipped_on) })),
    h("ul", {}, shipment.lines.map((line) => h("li", {}, lineText(line), " ", h("a", { href: `#/recall?lot=${encodeURIComponent(line.lot_code)}` }, t("buyer.recall_lot", { lot: line.lot_code }))))),
    shipment.invoice_numbers.length ? h("p", {}, t("buyer.invoices", { numbers: shipment.invoice_numbers.join(", ") })) : null,
    shipment.received_on ? h("p", { class: "done" }, t("buyer.received_on", { date: dayText(shipment.received_on) })) : h("p", { class: "hint" }, t("buyer.not_received")),
    shipment.received_on ? null : opener,
    slot,
  );
}

let range = null; // the dates last asked for, kept while the app is open

async function receivedScreen(me) {
  range ||= { from: new Date(Date.now() - 90 * DAY).toISOString().slice(0, 10), to: today() };
  const from = h("input", { type: "date", value: range.from, required: true });
  const to = h("input", { type: "date", value: range.to, required: true });
  const list = h("div", { "aria-live": "polite" });
  const heading = h("h1", {}, t("buyer.received_heading", { partner: me.display_name }));
  const load = async () => {
    range = { from: from.value, to: to.value };
    const found = navigator.onLine ? await json(`/api/supplychain/partners/${me.partner_id}/shipments?from=${range.from}&to=${range.to}`) : null;
    if (location.hash.startsWith("#/recall")) return; // the buyer went elsewhere meanwhile
    if (found === null) return list.replaceChildren(h("p", { class: "hint" }, t("buyer.offline")));
    if (found.partner_name) heading.textContent = t("buyer.received_heading", { partner: found.partner_name });
    const shipments = found.shipments.reverse();
    const total = shipments.flatMap((s) => s.lines).reduce((sum, line) => sum + Number(line.quantity_kg), 0);
    list.replaceChildren(
      shipments.length ? h("p", { class: "totals" }, t("buyer.summary", { count: shipments.length, kg: kg(total) })) : h("p", {}, t("buyer.none")),
      h("ul", { class: "households" }, shipments.map(shipmentItem)),
    );
  };
  const dates = h("form", { class: "range" }, field("from", t("buyer.from"), from), field("to", t("buyer.to"), to), h("button", { type: "submit" }, t("buyer.show")));
  dates.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  show(heading, dates, list);
  await load();
}

const kindText = (kind) => {
  const [base, corrected] = kind.split(" (");
  const key = `buyer.kind.${base}`;
  const text = t(key) === key ? base : t(key);
  return corrected ? `${text} (${t("buyer.recall_corrected")})` : text;
};

// The recall files' document references ("delivery PX-1", "harvest round 2") in the page's words.
const REFERENCES = [["harvest round ", "buyer.ref.round"], ["delivery ", "buyer.ref.delivery"], ["batch ", "buyer.ref.batch"], ["invoice ", "buyer.ref.invoice"], ["purchase ", "buyer.ref.purchase"]];

function referenceText(reference) {
  const known = REFERENCES.find(([prefix]) => reference.startsWith(prefix));
  return known ? t(known[1], { id: reference.slice(known[0].length) }) : reference;
}

function recallRow(row) {
  const quantity = Number(row.quantity);
  return h(
    "li",
    { class: `entry ${row.status}` },
    h("span", { class: "what" }, `${dayText(row.date)} · ${kindText(row.event_type)} · ${row.lot_code}`),
    h("span", { class: "status" }, `${kg(Math.abs(quantity))} ${row.unit === "pcs" ? t("unit.pcs") : "kg"}`),
    h("p", {}, [row.product, row.location, row.party, referenceText(row.reference_document)].filter(Boolean).join(" · ")),
  );
}

// The recall files come with the buyer's token, handed over as blob links (a plain link cannot carry it).
function downloads(code) {
  const area = h("div", { class: "actions" });
  for (const [format, key] of [["csv", "buyer.recall_csv"], ["xlsx", "buyer.recall_xlsx"]]) {
    const button = h("button", { type: "button" }, t(key));
    button.addEventListener("click", async () => {
      let answer = null;
      try {
        answer = await call(`/api/supplychain/lots/${encodeURIComponent(code)}/recall.${format}`);
      } catch {
        // offline: the button stays
      }
      if (!answer || !answer.ok) return;
      const link = h("a", { href: URL.createObjectURL(await answer.blob()), download: `thu-hoi-${code}.${format}` });
      document.body.append(link);
      link.click();
      link.remove();
    });
    area.append(button);
  }
  return area;
}

async function recallScreen(code) {
  const input = h("input", { type: "text", value: code, autocomplete: "off", autocapitalize: "characters", required: true });
  const result = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "recall", novalidate: true }, field("lot", t("buyer.recall_code"), input), h("button", { type: "submit", class: "primary" }, t("buyer.recall_go")));
  const trace = async () => {
    const lot = input.value.trim();
    if (!lot) return result.replaceChildren(h("p", { class: "error", role: "alert" }, t("buyer.recall_need_code")));
    if (!navigator.onLine) return result.replaceChildren(h("p", { class: "hint" }, t("buyer.recall_offline")));
    result.replaceChildren(h("p", { class: "hint" }, t("buyer.recall_loading")));
    let answer = null;
    try {
      answer = await call(`/api/supplychain/lots/${encodeURIComponent(lot)}/recall`);
    } catch {
      return result.replaceChildren(h("p", { class: "hint" }, t("buyer.recall_offline")));
    }
    const body = await answer.json().catch(() => null);
    if (!answer.ok) return result.replaceChildren(h("p", { class: "error", role: "alert" }, body?.detail?.message || `HTTP ${answer.status}`));
    const harvests = body.filter((row) => row.event_type === "harvest").length;
    result.replaceChildren(
      h("p", { class: "totals" }, t("buyer.recall_found", { events: body.length, lots: new Set(body.map((row) => row.lot_code)).size, harvests })),
      downloads(lot),
      h("ul", { class: "entries" }, body.map(recallRow)),
    );
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    trace();
  });
  show(h("h1", {}, t("buyer.recall_heading")), h("p", { class: "hint" }, t("buyer.recall_intro")), form, result);
  if (code) await trace();
}
