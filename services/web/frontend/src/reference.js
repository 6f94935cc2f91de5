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

// A read's JSON, or null when the service said no.
async function json(path) {
  const answer = await call(path);
  return answer.ok ? answer.json() : null;
}

async function keep(name, loading) {
  const value = await loading;
  if (value) await keepReference(name, value);
}

// All at once: calls that find the access token expired share its one renewal (session.js).
// Offline, or a read refused: what the phone already holds serves.
export async function refreshReference(coopId) {
  await Promise.allSettled([
    keep(`members:${coopId}`, loadAll(`/api/registry/coops/${coopId}/members?active_on=${today()}`)),
    keep(`plots:${coopId}`, json(`/api/registry/coops/${coopId}/plots`)),
    keep(`coop:${coopId}`, json(`/api/registry/coops/${coopId}`)),
    keep("yield-rules", json("/api/supplychain/yield-rules")), // the processing screen's yield ranges
  ]);
  // Not waited for: only the chain, shipment and sale screens use them, and they refresh them again.
  refreshTrade(coopId).catch(() => {});
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
