// What every screen shares: the page's words, numbers and dates in its language, and a small DOM
// builder. Vietnamese words come from the page (`#texts`), numbers from Intl in the page's language.
const texts = JSON.parse(document.getElementById("texts").textContent);
export const lang = document.documentElement.lang;
export const locale = lang === "vi" ? "vi-VN" : "en-GB";
const screen = document.getElementById("screen");

export function t(key, params = {}) {
  return (texts[key] || key).replace(/\{(\w+)\}/g, (_, name) => (name in params ? params[name] : `{${name}}`));
}

const kgFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 });
const moneyFormat = new Intl.NumberFormat(locale, { style: "currency", currency: "VND" });
const dateFormat = new Intl.DateTimeFormat(locale, { timeZone: "Asia/Ho_Chi_Minh" });
export const kg = (value) => kgFormat.format(value);
export const money = (value) => moneyFormat.format(value);
export const todayText = () => dateFormat.format(new Date());
const dayFormat = new Intl.DateTimeFormat(locale, { timeZone: "UTC" });
// A YYYY-MM-DD day as the page's language writes it ("15/4/2009").
export const dayText = (iso) => (iso ? dayFormat.format(new Date(`${iso}T00:00:00Z`)) : "");

// Today in Vietnam, as YYYY-MM-DD, whatever the phone's time zone.
export function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh" }).format(new Date());
}

// "Tân Hương" and "tan huong" are one name to a search box.
export function folded(text) {
  return (text || "").normalize("NFD").replace(/\p{M}/gu, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase().trim();
}

// A weight as typed: "86,5" and "86.5" are 86.5 kg; in Vietnamese "1.250" is 1250.
export function parseKg(typed) {
  let text = (typed || "").replace(/\s/g, "");
  if (text.includes(",")) text = text.replace(/\./g, "").replace(",", ".");
  else if (lang === "vi" && /^\d{1,3}(\.\d{3})+$/.test(text)) text = text.replace(/\./g, "");
  if (!/^\d+(\.\d{1,3})?$/.test(text)) return null;
  const value = Number(text);
  return value > 0 ? text : null;
}

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name in element && typeof value !== "string") element[name] = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

export function show(...children) {
  screen.replaceChildren(...children.filter((child) => child !== null && child !== undefined));
  screen.focus();
}

// Opens a screen by its hash; the same hash again draws it again.
export function go(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

export function field(id, label, input, hint) {
  input.id = id;
  input.name = id;
  const error = h("p", { class: "error", id: `${id}-error`, role: "alert" });
  input.setAttribute("aria-describedby", `${id}-error${hint ? ` ${id}-hint` : ""}`);
  return h("div", { class: "field" }, h("label", { for: id }, label), input, hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null, error);
}

export function setError(id, text) {
  const error = document.getElementById(`${id}-error`);
  if (error) error.textContent = text || "";
  document.getElementById(id)?.setAttribute("aria-invalid", text ? "true" : "false");
}
