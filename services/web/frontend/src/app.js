// The co-op app: screens drawn from what the phone holds, so they open offline; writes go through
// the outbox. This module routes between the screens (one module each, in screens/) and keeps the
// network line and the outbox count up to date.
import { loginScreen } from "./screens/login.js";
import { account } from "./session.js";
import { outbox } from "./store.js";
import { t } from "./ui.js";

// The sign-in and the weigh-in come with the page itself (frontend/build.mjs puts app.js and what
// it imports statically into the page's one script): on a slow link (2 s a round trip on slow 3G)
// every further file costs seconds before the clerk can type. Every other screen's module is loaded
// with import() when first opened (the service worker keeps them all, so they open offline too).
const outboxModule = () => import("./outbox.js");
const task = (load, name) => async (...args) => (await load())[name](...args);

const SCREENS = {
  "#/today": task(() => import("./screens/today.js"), "todayScreen"),
  "#/delivery": task(() => import("./screens/delivery.js"), "deliveryScreen"),
  "#/payables": task(() => import("./screens/payables.js"), "payablesScreen"),
  "#/queue": task(() => import("./screens/queue.js"), "queueScreen"),
  "#/more": task(() => import("./screens/more.js"), "moreScreen"),
  // the chain, after the weigh-in
  "#/purchase": task(() => import("./screens/purchase.js"), "purchaseScreen"),
  "#/processing": task(() => import("./screens/processing.js"), "processingScreen"),
  "#/grading": task(() => import("./screens/grading.js"), "gradingScreen"),
  "#/packing": task(() => import("./screens/packing.js"), "packingScreen"),
  "#/labels": task(() => import("./screens/labels.js"), "labelsScreen"),
  // shipments, sales, members, corrections (issue 11)
  "#/shipment": task(() => import("./screens/shipment.js"), "shipmentScreen"),
  "#/sale": task(() => import("./screens/sale.js"), "saleScreen"),
  "#/members": task(() => import("./screens/members.js"), "membersScreen"),
  "#/household": task(() => import("./screens/members.js"), "householdScreen"),
  "#/correction": task(() => import("./screens/correction.js"), "correctionScreen"),
};

async function route() {
  const me = await account();
  if (!me) return loginScreen();
  if (me.role === "buyer") return (await import("./screens/buyer.js")).buyerScreen(me);
  document.getElementById("nav").hidden = false;
  return (SCREENS[location.hash] || SCREENS["#/today"])(me);
}

async function countQueued() {
  const waiting = (await outbox()).filter((entry) => entry.status === "queued" || entry.status === "sending").length;
  document.getElementById("queue-count").textContent = waiting ? String(waiting) : "";
}

function showNetwork() {
  const network = document.getElementById("network");
  network.textContent = navigator.onLine ? t("app.online") : t("app.offline");
  network.className = navigator.onLine ? "network online" : "network offline";
}

async function sendAndTell() {
  if ((await (await outboxModule()).send()) === "signed_out" && (await account())) loginScreen(t("login.again"));
}

outboxModule().then(({ onChange }) => onChange(async () => {
  countQueued();
  if (location.hash === "#/queue") SCREENS["#/queue"]();
  // The payables again once a write is through, unless the clerk is typing a payment there.
  else if (location.hash === "#/payables" && !document.querySelector("#screen form.payment") && (await outbox()).every((entry) => entry.status !== "sending")) {
    const me = await account();
    if (me) SCREENS["#/payables"](me);
  }
}));
window.addEventListener("hashchange", route);
window.addEventListener("online", () => { showNetwork(); sendAndTell(); });
window.addEventListener("offline", showNetwork);
setInterval(() => navigator.onLine && sendAndTell(), 30_000);
showNetwork();
countQueued();
route().then(async () => {
  // After the first screen: installing fetches every file of the shell, which would hold up its own.
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js");
  const me = await account();
  if (me && navigator.onLine) {
    await sendAndTell();
    if (me.role !== "buyer") await (await import("./reference.js")).refreshReference(me.coop_id);
  }
});
