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

async function renew() {
  const answer = await fetch("/session/refresh", { method: "POST", headers: { "X-HTX-App": "1" } });
  if (!answer.ok) {
    accessToken = null;
    return answer.status === 401 ? "signed_out" : "unavailable";
  }
  accessToken = (await answer.json()).access_token;
  return "ok";
}

// fetch with the access token, renewed once when missing or refused as expired. Throws when the
// network is down; answers a 401 Response when the sign-in has ended.
export async function call(path, init = {}) {
  const send = () =>
    fetch(path, {
      ...init,
      headers: {
        ...(init.headers || {}),
        "Accept-Language": document.documentElement.lang,
        ...(accessToken ? { Authorization: `Bearer ${accessToken}` } : {}),
      },
    });
  if (!accessToken && (await renew()) === "signed_out") return new Response(null, { status: 401 });
  let answer = await send();
  if (answer.status === 401 && (await renew()) === "ok") answer = await send();
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
