// The QR label sheet of a packed lot, from the supply chain (which owns the units and their public
// pages). The file is fetched with the clerk's token and handed over as a blob link: a plain link
// could not carry the Bearer header, and a token in a URL would end up in logs and shared links.
import { call } from "../session.js";
import { h, kg, show, t } from "../ui.js";
import { openLots } from "./chain.js";

const SIZES = [["a4", "labels.a4"], ["62x29", "labels.roll"]];

export function labelLinks(code) {
  const area = h("div", { class: "slot", "aria-live": "polite" });
  const fetchSheet = async (size) => {
    area.replaceChildren(h("p", { class: "hint" }, t("labels.making")));
    let answer;
    try {
      answer = await call(`/api/supplychain/lots/${encodeURIComponent(code)}/labels.pdf?size=${size}&lang=${document.documentElement.lang}`);
    } catch {
      answer = null;
    }
    if (!answer || !answer.ok) {
      const detail = answer && (await answer.json().catch(() => null));
      area.replaceChildren(h("p", { class: "error", role: "alert" }, detail && detail.detail && detail.detail.message ? detail.detail.message : t("labels.offline")));
      return;
    }
    const file = URL.createObjectURL(await answer.blob());
    const name = `nhan-${code}-${size}.pdf`;
    area.replaceChildren(h("a", { class: "button primary", href: file, download: name, target: "_blank", rel: "noopener" }, t("labels.open", { name })));
  };
  return h("div", { class: "labels" }, h("div", { class: "actions" }, SIZES.map(([size, key]) => h("button", { type: "button", onclick: () => fetchSheet(size) }, t(key)))), area);
}

export async function labelsScreen(me) {
  const packed = (await openLots(me.coop_id)).filter((lot) => lot.unit === "pcs");
  if (location.hash !== "#/labels") return; // the clerk went elsewhere while the lots loaded
  show(
    h("h1", {}, t("labels.heading")),
    h("p", { class: "hint" }, t("labels.intro")),
    packed.length === 0 ? h("p", {}, t("labels.none")) : h("ul", { class: "households" }, packed.map((lot) => h("li", { class: "household" }, h("h2", {}, lot.code), h("p", {}, t("labels.lot", { product: lot.product, count: kg(Number(lot.held)) })), labelLinks(lot.code)))),
  );
}
