// What the app keeps on the phone (IndexedDB, through idb): the co-op's reference data and the
// outbox of writes not yet accepted. The outbox survives the browser being closed; each entry
// carries the Idempotency-Key it is sent with every time, so sending it twice writes it once.
import { openDB } from "idb";

const database = openDB("htx-app", 1, {
  upgrade(db) {
    db.createObjectStore("reference");
    db.createObjectStore("outbox", { keyPath: "key" }).createIndex("created", "created");
  },
});

export async function reference(name) {
  return (await database).get("reference", name);
}

export async function keepReference(name, value) {
  return (await database).put("reference", value, name);
}

export async function forgetReference(name) {
  return (await database).delete("reference", name);
}

export async function outbox() {
  return (await database).getAllFromIndex("outbox", "created");
}

export async function keepEntry(entry) {
  return (await database).put("outbox", entry);
}

export async function dropEntry(key) {
  return (await database).delete("outbox", key);
}

// A refused write and the write that fixes it, in one transaction: neither lost nor doubled.
export async function replaceEntry(oldKey, entry) {
  const tx = (await database).transaction("outbox", "readwrite");
  await Promise.all([tx.store.delete(oldKey), tx.store.put(entry), tx.done]);
}
