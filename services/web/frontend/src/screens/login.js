// Signing in: the first time needs the network; afterwards the phone remembers the account.
import { signIn, signOut } from "../session.js";
import { field, go, h, setError, show, t } from "../ui.js";

export function loginScreen(message) {
  const form = h(
    "form",
    { class: "card", novalidate: true },
    h("h1", {}, t("login.heading")),
    message ? h("p", { class: "notice" }, message) : null,
    field("login", t("login.login"), h("input", { autocomplete: "username", required: true, autocapitalize: "none" })),
    field("password", t("login.password"), h("input", { type: "password", autocomplete: "current-password", required: true })),
    h("button", { type: "submit", class: "primary" }, t("login.submit")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setError("password", "");
    let result;
    try {
      result = await signIn(form.login.value.trim(), form.password.value);
    } catch {
      return setError("password", t("login.offline"));
    }
    if (!result.ok) return setError("password", result.body?.detail?.message || t("login.failed"));
    if (result.account.role === "buyer") return go("#/received");
    if (result.account.role !== "coop") {
      await signOut();
      return setError("password", t("login.not_coop"));
    }
    await (await import("../reference.js")).refreshReference(result.account.coop_id); // not needed to draw the sign-in
    go("#/today");
  });
  document.getElementById("nav").hidden = true;
  show(form);
}
