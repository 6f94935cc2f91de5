// More: the co-op's other tasks (processing, packing, shipments, members, corrections…), and the
// account signed in on this phone. The bar at the top holds only the tasks of every day.
import { signOut } from "../session.js";
import { go, h, lang, show, t } from "../ui.js";

// [hash, text key] of each task reached from here, in the order of the chain.
export const TASKS = [
  // the chain, after the weigh-in
  ["#/purchase", "purchase.task"],
  ["#/processing", "processing.task"],
  ["#/grading", "grading.task"],
  ["#/packing", "packing.task"],
  ["#/labels", "labels.task"],
  // shipments, sales, members, corrections (issue 11)
  ["#/shipment", "more.shipment"],
  ["#/sale", "more.sale"],
  ["#/members", "more.members"],
  ["#/correction", "more.correction"],
];

// The co-op's own page in the reporting service's dashboard (its own sign-in: a cookie of that
// origin, so the page opens with the dashboard's sign-in form the first time), in the app's language.
const dashboardLink = () =>
  h("div", { class: "dashboard" },
    h("a", { class: "button", href: `${document.body.dataset.dashboard}/dashboard/coop?lang=${lang}`, target: "_blank", rel: "noopener", "aria-describedby": "dashboard-hint" }, t("more.dashboard")),
    h("p", { class: "hint", id: "dashboard-hint" }, t("more.dashboard_hint")));

export function moreScreen(me) {
  show(
    h("h1", {}, t("more.heading")),
    TASKS.length ? h("ul", { class: "tasks" }, TASKS.map(([hash, key]) => h("li", {}, h("a", { class: "button", href: hash }, t(key))))) : null,
    dashboardLink(),
    h("p", { class: "coop" }, t("more.signed_in", { name: me.display_name })),
    h("button", { type: "button", class: "link", onclick: async () => { await signOut(); go("#/today"); } }, t("nav.sign_out")),
  );
}
