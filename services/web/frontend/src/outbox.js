// Writes go to the outbox first and are sent from there, online or not. An entry is queued, sending,
// sent or refused; a refused one stays until the clerk fixes or drops it. Sending takes a lock
// shared by every tab of the app, so two tabs never send at once; the Idempotency-Key makes a
// resend after a lost answer (or a browser closed mid-send) a replay, not a second record.
import { call } from "./session.js";
import { keepEntry, outbox, replaceEntry } from "./store.js";

const RETRY_LATER = new Set([408, 425, 429, 500, 502, 503, 504]);
const listeners = new Set();

export function onChange(listener) {
  listeners.add(listener);
}

function changed() {
  for (const listener of listeners) listener();
}

// `write`: { key, kind, path, body, summary, day }; the key is the write's Idempotency-Key.
export async function enqueue(write) {
  const entry = { ...write, status: "queued", created: Date.now() };
  await keepEntry(entry);
  changed();
  send();
  return entry;
}

// Fixing a refused write: the new write (its own key, as the body changed) takes the refused one's place.
export async function replace(refusedKey, write) {
  const entry = { ...write, status: "queued", created: Date.now() };
  await replaceEntry(refusedKey, entry);
  changed();
  send();
  return entry;
}

function refusal(status, body) {
  const detail = body && body.detail;
  if (Array.isArray(detail)) return { status, messages: detail.map((item) => ({ field: (item.loc || []).slice(-1)[0], text: item.msg })) };
  if (detail && detail.message) return { status, code: detail.code, params: detail.params, messages: [{ text: detail.message }] };
  return { status, messages: [{ text: `HTTP ${status}` }] };
}

// Sends what is queued, oldest first; stops at the first write that must wait (offline, signed
// out, service busy), so writes that depend on each other keep their order.
export async function send() {
  if (!navigator.onLine) return "offline";
  return navigator.locks.request("htx-outbox", async () => {
    for (const entry of await outbox()) {
      if (entry.status !== "queued" && entry.status !== "sending") continue;
      entry.status = "sending";
      await keepEntry(entry);
      changed();
      let answer;
      try {
        answer = await call(entry.path, {
          method: "POST",
          headers: { "Content-Type": "application/json", "Idempotency-Key": entry.key },
          body: JSON.stringify(entry.body),
        });
      } catch {
        answer = null;
      }
      if (answer === null || answer.status === 401 || RETRY_LATER.has(answer.status)) {
        entry.status = "queued";
        await keepEntry(entry);
        changed();
        return answer === null ? "offline" : answer.status === 401 ? "signed_out" : "later";
      }
      const body = await answer.json().catch(() => null);
      if (answer.ok) {
        entry.status = "sent";
        entry.result = body;
        entry.sent = Date.now();
      } else {
        entry.status = "refused";
        entry.refusal = refusal(answer.status, body);
      }
      await keepEntry(entry);
      changed();
    }
    return "done";
  });
}
