// Members: the co-op's households on the phone, found by name without accents, each with its plots and
// certificates (read); adding a household goes through the outbox (the registry's create is
// idempotent under its key), so it works offline and is listed as waiting until it is sent.
import { refreshReference } from "../reference.js";
import { call } from "../session.js";
import { keepReference, outbox, reference } from "../store.js";
import { dayText, field, folded, go, h, kg, setError, show, t, today } from "../ui.js";
import { fixNotice, formError, onSave, takeFix } from "../writes.js";

const WAITING = new Set(["queued", "sending", "refused"]);

async function certificates(coopId) {
  const kept = `certificates:${coopId}`;
  try {
    const answer = await call(`/api/registry/coops/${coopId}/certificates?limit=500`);
    if (answer.ok) await keepReference(kept, (await answer.json()).items);
  } catch {
    // offline: the kept ones serve
  }
  return (await reference(kept)) || [];
}

export async function membersScreen(me) {
  const coopId = me.coop_id;
  const members = (await reference(`members:${coopId}`)) || [];
  const waiting = (await outbox()).filter((entry) => entry.kind === "household" && WAITING.has(entry.status));
  const search = h("input", { type: "search", autocomplete: "off", enterkeyhint: "search" });
  const list = h("ul", { class: "members", "aria-label": t("members.list") });
  const draw = () => {
    const words = folded(search.value).split(/\s+/).filter(Boolean);
    const matches = (name) => words.every((word) => folded(name).includes(word));
    list.replaceChildren(
      ...waiting.filter((entry) => matches(entry.body.name)).map((entry) =>
        h("li", {}, h("button", { type: "button", onclick: () => go("#/queue") }, h("span", {}, entry.body.name), h("span", { class: "tag" }, t(`queue.${entry.status}`))))),
      ...members.filter((m) => matches(m.name)).map((m) =>
        h("li", {}, h("button", { type: "button", class: "member", onclick: () => memberDetail(me, m) }, h("span", {}, m.name), h("span", { class: "meta" }, t("members.since", { date: dayText(m.joined_on) }))))),
    );
    if (!list.children.length) list.append(h("li", { class: "hint" }, t("delivery.no_match")));
  };
  search.addEventListener("input", draw);
  show(
    h("h1", {}, t("members.heading", { count: members.length })),
    field("member-search", t("members.search"), search),
    h("a", { class: "button primary", href: "#/household" }, t("members.add")),
    h("h2", { class: "section" }, t("members.list")),
    list,
  );
  draw();
  search.focus();
}

async function memberDetail(me, member) {
  const plots = ((await reference(`plots:${me.coop_id}`)) || []).filter((plot) => plot.member_id === member.id);
  const plotIds = new Set(plots.map((plot) => plot.id));
  const held = (await certificates(me.coop_id)).filter((c) => c.plot_ids.length === 0 || c.plot_ids.some((id) => plotIds.has(id)));
  show(
    h("div", { class: "card detail" },
      h("h1", {}, member.name),
      h("dl", {},
        h("dt", {}, t("members.joined")), h("dd", {}, dayText(member.joined_on)),
        h("dt", {}, t("members.membership")), h("dd", {}, t(`members.${member.membership}`)),
        member.phone ? [h("dt", {}, t("members.phone")), h("dd", {}, member.phone)] : null),
      h("h2", { class: "section" }, t("members.plots")),
      plots.length ? h("ul", {}, plots.map((p) => h("li", {}, `${p.planting_area_code} · ${kg(Number(p.area_ha))} ha · ${p.crop}`))) : h("p", { class: "hint" }, t("members.no_plots")),
      h("h2", { class: "section" }, t("members.certificates")),
      held.length
        ? h("ul", {}, held.map((c) => h("li", {}, `${c.kind.toUpperCase()} ${c.code} · ${t("members.valid", { from: dayText(c.valid_from), to: dayText(c.valid_to) })} · ${t(`members.status_${c.status}`)}${c.plot_ids.length ? "" : ` (${t("members.whole_coop")})`}`)))
        : h("p", { class: "hint" }, t("members.no_certificates")),
      h("a", { class: "button", href: "#/members" }, t("members.back"))),
  );
}

const FIELDS = {
  "member.joined_before_founding": "joined",
  "coop.not_active": "joined",
  "member.duplicate_id_number": "name",
  name: "name",
  joined_on: "joined",
  phone: "phone",
};

export async function householdScreen(me) {
  const coopId = me.coop_id;
  const refused = takeFix("household");
  const body = refused?.body;
  const name = h("input", { autocomplete: "off", autocapitalize: "words", value: body?.name || "" });
  const joined = h("input", { type: "date", value: body?.joined_on || today(), max: today() });
  const phone = h("input", { type: "tel", inputmode: "tel", autocomplete: "off", value: body?.phone || "" });
  const form = h(
    "form",
    { class: "card", novalidate: true },
    h("h1", {}, t("household.heading")),
    fixNotice(refused),
    field("name", t("household.name"), name, t("household.name_hint")),
    field("joined", t("household.joined"), joined),
    field("phone", t("household.phone"), phone, t("household.phone_hint")),
    h("button", { type: "submit", class: "primary" }, t(refused ? "fix.save" : "household.save")),
    formError(),
    h("p", { class: "saved", role: "status", "aria-live": "polite" }),
  );
  show(form);
  name.focus();
  onSave(form, {
    kind: "household",
    fields: FIELDS,
    refused,
    build() {
      const typed = name.value.trim().replace(/\s+/g, " ");
      setError("name", typed.length >= 2 ? "" : t("household.need_name"));
      setError("phone", !phone.value.trim() || /^\+?[0-9 .-]{8,20}$/.test(phone.value.trim()) ? "" : t("household.bad_phone"));
      if (typed.length < 2 || form.querySelector("[aria-invalid=true]")) return null;
      const household = { name: typed, kind: "household", joined_on: joined.value };
      if (phone.value.trim()) household.phone = phone.value.trim();
      return { path: `/api/registry/coops/${coopId}/members`, body: household, summary: { name: typed }, day: today() };
    },
    async done(entry) {
      if (entry.status === "sent") await refreshReference(coopId);
      name.value = "";
      phone.value = "";
      name.focus();
    },
  });
}
