// The co-op app: screens drawn from what the phone holds, so they open offline; writes go through
// the outbox. This module routes between the screens (one module each, in screens/) and keeps the
// network line and the outbox count up to date.
import { onChange, send } from "./outbox.js";
import { refreshReference } from "./reference.js";
import { deliveryScreen } from "./screens/delivery.js";
import { loginScreen } from "./screens/login.js";
import { moreScreen } from "./screens/more.js";
import { payablesScreen } from "./screens/payables.js";
import { queueScreen } from "./screens/queue.js";
import { todayScreen } from "./screens/today.js";
import { account } from "./session.js";
import { outbox } from "./store.js";
import { t } from "./ui.js";

// A less-daily task's screen, loaded when first opened rather than with the shell (the service
// worker keeps it too, so it opens offline).
const task = (load, name) => async (me) => (await load())[name](me);

const SCREENS = {
  "#/today": todayScreen,
  "#/delivery": deliveryScreen,
  "#/payables": payablesScreen,
  "#/queue": queueScreen,
  "#/more": moreScreen,
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
  document.getElementById("nav").hidden = false;
  return (SCREENS[location.hash] || todayScreen)(me);
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
  if ((await send()) === "signed_out" && (await account())) loginScreen(t("login.again"));
}

onChange(async () => {
  countQueued();
  if (location.hash === "#/queue") queueScreen();
  // The payables again once a write is through, unless the clerk is typing a payment there.
  else if (location.hash === "#/payables" && !document.querySelector("#screen form.payment") && (await outbox()).every((entry) => entry.status !== "sending")) {
    const me = await account();
    if (me) payablesScreen(me);
  }
});
window.addEventListener("hashchange", route);
window.addEventListener("online", () => { showNetwork(); sendAndTell(); });
window.addEventListener("offline", showNetwork);
setInterval(() => navigator.onLine && sendAndTell(), 30_000);
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js");
showNetwork();
countQueued();
route().then(async () => {
  const me = await account();
  if (me && navigator.onLine) {
    await sendAndTell();
    await refreshReference(me.coop_id);
  }
});
