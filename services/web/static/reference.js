// The co-op's reference data (members, plots, the co-op itself, partners, open lots, yield ranges),
// kept on the phone so the forms open offline; refreshed whenever the app is online.
import { call } from "./session.js";
import { keepReference } from "./store.js";
import { today } from "./ui.js";

export async function loadAll(path) {
  const items = [];
  for (let offset = 0; ; offset += 500) {
    const answer = await call(`${path}${path.includes("?") ? "&" : "?"}limit=500&offset=${offset}`);
    if (!answer.ok) return null;
    const page = await answer.json();
    items.push(...page.items);
    if (items.length >= page.total || page.items.length === 0) return items;
  }
}

export async function refreshReference(coopId) {
  try {
    const members = await loadAll(`/api/registry/coops/${coopId}/members?active_on=${today()}`);
    if (members) await keepReference(`members:${coopId}`, members);
    const plots = await call(`/api/registry/coops/${coopId}/plots`);
    if (plots.ok) await keepReference(`plots:${coopId}`, await plots.json());
    const coop = await call(`/api/registry/coops/${coopId}`);
    if (coop.ok) await keepReference(`coop:${coopId}`, await coop.json());
    // The processing screen's yield ranges.
    const rules = await call("/api/supplychain/yield-rules");
    if (rules.ok) await keepReference("yield-rules", await rules.json());
    // Not waited for: only the chain, shipment and sale screens use them, and they refresh them again.
    refreshTrade(coopId).catch(() => {});
  } catch {
    // offline: what the phone already holds serves
  }
}

// What shipments and sales choose from: the partners (those with a contract with the co-op first)
// and the co-op's open lots with what each holds.
export async function refreshTrade(coopId) {
  const partners = await loadAll("/api/registry/partners");
  const contracts = await call(`/api/registry/coops/${coopId}/contracts`);
  if (partners && contracts.ok) {
    const contracted = new Set((await contracts.json()).map((contract) => contract.partner_id));
    partners.sort((a, b) => Number(contracted.has(b.id)) - Number(contracted.has(a.id)));
    await keepReference(`partners:${coopId}`, partners);
  }
  const lots = await loadAll(`/api/supplychain/coops/${coopId}/lots`);
  if (lots) await keepReference(`lots:${coopId}`, lots);
}
