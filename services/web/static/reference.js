// The co-op's reference data (members, plots, the co-op itself, open lots, yield ranges), kept on the phone so the forms
// open offline; refreshed whenever the app is online.
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
    // The chain's screens: the co-op's open lots with what is left, and the yield ranges.
    const lots = await loadAll(`/api/supplychain/coops/${coopId}/lots`);
    if (lots) await keepReference(`lots:${coopId}`, lots);
    const rules = await call("/api/supplychain/yield-rules");
    if (rules.ok) await keepReference("yield-rules", await rules.json());
  } catch {
    // offline: what the phone already holds serves
  }
}
