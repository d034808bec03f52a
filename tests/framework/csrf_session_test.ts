/**
 * `csrf({ sessionId })`: tokens bound to the session (HMAC over the session id) and rotated when a handler
 * starts or ends a session; refusals reported through `onReject`. Without `sessionId` nothing changes (see
 * middleware_test.ts).
 */
import assert from "node:assert/strict";
import { App, csrf, type CsrfOptions } from "../../framework/mod.ts";

const SECRET = "s".repeat(40);

function cookieValue(header: string | null, name: string): string | null {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The session the request carries (cookie `sid`), or what the response sets or clears. */
function sessionOf(ctx: { req: Request }, res?: Response): string | null {
  for (const line of res?.headers.getSetCookie() ?? []) {
    if (line.startsWith("sid=")) return line.slice(4, line.indexOf(";")) || null;
  }
  return cookieValue(ctx.req.headers.get("cookie"), "sid");
}

function appWith(options: Partial<CsrfOptions> = {}) {
  const app = new App<{ csrfToken: string }>({ root: Deno.cwd(), onError: () => {} });
  app.use(csrf({ secret: SECRET, secureCookies: false, sessionId: sessionOf, ...options }));
  app.get("/form", (ctx) => new Response(ctx.state.csrfToken));
  app.post("/submit", () => new Response("ok"));
  app.post("/login", () => {
    const res = new Response(null, { status: 303, headers: { location: "/" } });
    res.headers.append("set-cookie", `sid=${crypto.randomUUID()}; Path=/; HttpOnly`);
    return res;
  });
  app.post("/logout", () => {
    const res = new Response(null, { status: 303, headers: { location: "/" } });
    res.headers.append("set-cookie", "sid=; Path=/; Max-Age=0");
    return res;
  });
  const handler = app.handler();
  return (path: string, init?: RequestInit) => handler(new Request(`http://localhost${path}`, init));
}

function csrfCookies(res: Response): string[] {
  return res.headers.getSetCookie().filter((l) => l.startsWith("csrf="));
}

async function tokenFor(fetch: ReturnType<typeof appWith>, sid: string | null): Promise<string> {
  const res = await fetch("/form", { headers: sid ? { cookie: `sid=${sid}` } : {} });
  const token = await res.text();
  assert.equal(cookieValue(csrfCookies(res)[0]?.split(";")[0] ?? "", "csrf"), token);
  return token;
}

function post(
  fetch: ReturnType<typeof appWith>,
  path: string,
  sid: string | null,
  token: string,
  submitted = token,
) {
  return fetch(path, {
    method: "POST",
    headers: { cookie: `csrf=${token}${sid ? `; sid=${sid}` : ""}`, origin: "http://localhost" },
    body: new URLSearchParams({ _csrf: submitted }),
  });
}

Deno.test("csrf session binding: a token works only with the session it was issued for", async () => {
  const fetch = appWith();
  const a = crypto.randomUUID();
  const b = crypto.randomUUID();
  const tokenA = await tokenFor(fetch, a);
  assert.ok(!tokenA.includes(a), "the session id is never in the token");
  assert.equal((await post(fetch, "/submit", a, tokenA)).status, 200);
  assert.equal((await post(fetch, "/submit", b, tokenA)).status, 403, "another session");
  assert.equal((await post(fetch, "/submit", null, tokenA)).status, 403, "no session");

  // a token from a visit without a session (an attacker's own) does not work in a session
  const anonymous = await tokenFor(fetch, null);
  assert.equal((await post(fetch, "/submit", null, anonymous)).status, 200);
  assert.equal((await post(fetch, "/submit", a, anonymous)).status, 403);

  // a GET in another session replaces the cookie with a token bound to that session
  const res = await fetch("/form", { headers: { cookie: `csrf=${tokenA}; sid=${b}` } });
  const tokenB = await res.text();
  assert.notEqual(tokenB, tokenA);
  assert.equal(csrfCookies(res).length, 1);
  assert.equal((await post(fetch, "/submit", b, tokenB)).status, 200);
});

Deno.test("csrf session binding: starting or ending a session rotates the token, once", async () => {
  const fetch = appWith();
  const anonymous = await tokenFor(fetch, null);
  const login = await post(fetch, "/login", null, anonymous);
  assert.equal(login.status, 303);
  const sid = login.headers.getSetCookie().find((l) => l.startsWith("sid="))!.slice(4).split(";")[0];
  const rotated = csrfCookies(login);
  assert.equal(rotated.length, 1, "exactly one CSRF cookie");
  const fresh = rotated[0].slice(5).split(";")[0];
  assert.notEqual(fresh, anonymous);
  assert.equal((await post(fetch, "/submit", sid, fresh)).status, 200, "the new token works in the session");
  assert.equal((await post(fetch, "/submit", sid, anonymous)).status, 403, "the old one does not");

  const logout = await post(fetch, "/logout", sid, fresh);
  assert.equal(logout.status, 303);
  const afterLogout = csrfCookies(logout);
  assert.equal(afterLogout.length, 1);
  const loggedOut = afterLogout[0].slice(5).split(";")[0];
  assert.notEqual(loggedOut, fresh);
  assert.equal((await post(fetch, "/submit", null, loggedOut)).status, 200);
  assert.equal((await post(fetch, "/submit", null, fresh)).status, 403, "the session's token died with it");

  // an ordinary request in an unchanged session sets no cookie
  const same = await post(fetch, "/submit", sid, fresh);
  assert.equal(csrfCookies(same).length, 0);
});

Deno.test("csrf: onReject reports why a request was refused", async () => {
  const reasons: string[] = [];
  const fetch = appWith({ onReject: (_ctx, reason) => void reasons.push(reason) });
  const token = await tokenFor(fetch, null);
  await (await post(fetch, "/submit", null, token, "forged.token")).body?.cancel();
  await (await fetch("/submit", {
    method: "POST",
    headers: { cookie: `csrf=${token}`, origin: "https://evil.example" },
    body: new URLSearchParams({ _csrf: token }),
  })).body?.cancel();
  await (await fetch("/submit", { method: "POST", body: new URLSearchParams({}) })).body?.cancel();
  assert.deepEqual(reasons, ["token", "origin", "token"]);
});
