// Who is signed in. The access token lives only in memory (fifteen minutes); the refresh token is
// an HttpOnly cookie the web service set, so after a reload, or offline and back, `/session/refresh`
// gives a new access token without the password. The account (name, co-op) is kept on the phone
// so the app opens offline.
import { forgetReference, keepReference, reference } from "./store.js";

let accessToken = null;

export async function account() {
  return reference("account");
}

export async function signIn(login, password) {
  const answer = await fetch("/session", {
    method: "POST",
    headers: { "Content-Type": "application/json", "Accept-Language": document.documentElement.lang },
    body: JSON.stringify({ login, password }),
  });
  const body = await answer.json().catch(() => ({}));
  if (!answer.ok) return { ok: false, status: answer.status, body };
  accessToken = body.access_token;
  await keepReference("account", body.account);
  return { ok: true, account: body.account };
}

// One renewal at a time. The refresh token is used up by its use (a second use of it ends the
// session, as a stolen one would), so calls that find the access token expired together wait for
// the one renewal, in this tab and in the app's other tabs (a Web Lock: the next tab renews with
// the cookie the first one's answer set).
let renewing = null;

function renew() {
  renewing ||= navigator.locks
    .request("htx-session-renew", async () => {
      const answer = await fetch("/session/refresh", { method: "POST", headers: { "X-HTX-App": "1" } });
      if (!answer.ok) {
        accessToken = null;
        return answer.status === 401 ? "signed_out" : "unavailable";
      }
      accessToken = (await answer.json()).access_token;
      return "ok";
    })
    .finally(() => {
      renewing = null;
    });
  return renewing;
}

// fetch with the access token, renewed once when missing or refused as expired (by another call's
// renewal, if one renewed it while this one was out). Throws when the network is down; answers a
// 401 Response when the sign-in has ended.
export async function call(path, init = {}) {
  const send = (token) =>
    fetch(path, {
      ...init,
      headers: {
        ...(init.headers || {}),
        "Accept-Language": document.documentElement.lang,
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
    });
  if (!accessToken && (await renew()) === "signed_out") return new Response(null, { status: 401 });
  const sent = accessToken;
  let answer = await send(sent);
  if (answer.status === 401 && ((accessToken && accessToken !== sent) || (await renew()) === "ok")) answer = await send(accessToken);
  return answer;
}

export async function signOut() {
  try {
    await fetch("/session/logout", {
      method: "POST",
      headers: accessToken ? { Authorization: `Bearer ${accessToken}` } : {},
    });
  } catch {
    // offline: the cookie stays until it expires, but the phone forgets who was signed in
  }
  accessToken = null;
  await forgetReference("account");
}
