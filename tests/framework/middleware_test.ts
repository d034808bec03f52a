import assert from "node:assert/strict";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import {
  App,
  BOOT_SCRIPT_CSP_HASH,
  compression,
  csrf,
  type Middleware,
  requestLog,
  securityHeaders,
} from "../../framework/mod.ts";
import { fixtureApp, get } from "./helpers.ts";

function appWith(...middleware: Middleware<{ csrfToken: string; requestId: string }>[]) {
  const app = new App<{ csrfToken: string; requestId: string }>({ root: Deno.cwd(), onError: () => {} });
  for (const m of middleware) app.use(m);
  app.get("/json", (ctx) => ctx.json({ text: "借".repeat(Number(ctx.url.searchParams.get("n") ?? "10")) }));
  app.get("/text", () => new Response("x".repeat(5000), { headers: { "content-type": "text/plain" } }));
  app.get(
    "/encoded",
    () =>
      new Response("x".repeat(5000), {
        headers: { "content-type": "text/html", "content-encoding": "identity" },
      }),
  );
  app.get("/token", (ctx) => new Response(ctx.state.csrfToken));
  app.post("/submit", async (ctx) => {
    const type = ctx.req.headers.get("content-type") ?? "";
    if (type.includes("json")) return ctx.json({ got: await ctx.req.json() });
    const form = await ctx.req.formData();
    return ctx.json({ amount: form.get("amount") });
  });
  app.post("/hooks/bank", () => new Response("hook ok"));
  const handler = app.handler();
  return (path: string, init?: RequestInit) => handler(new Request(`http://localhost${path}`, init));
}

Deno.test("compression: JSON/HTML above ~1 KB compressed per Accept-Encoding; small bodies untouched", async () => {
  const fetch = appWith(compression());
  let res = await fetch("/json?n=10", { headers: { "accept-encoding": "br, gzip" } });
  assert.equal(res.headers.get("content-encoding"), null);
  assert.equal(res.headers.get("vary"), "Accept-Encoding");
  assert.deepEqual(await res.json(), { text: "借".repeat(10) });

  // gzip is preferred for dynamic responses (faster than brotli at a similar size: see the bench)
  const big = JSON.stringify({ text: "借".repeat(1000) });
  res = await fetch("/json?n=1000", { headers: { "accept-encoding": "gzip, deflate, br" } });
  assert.equal(res.headers.get("content-encoding"), "gzip");
  assert.equal(res.headers.get("vary"), "Accept-Encoding");
  let body = new Uint8Array(await res.arrayBuffer());
  assert.equal(res.headers.get("content-length"), String(body.byteLength));
  assert.ok(body.byteLength < big.length / 5);
  assert.equal(new TextDecoder().decode(gunzipSync(body)), big);

  // brotli when the client prefers it (q-values) or accepts nothing else
  for (const accept of ["br", "gzip;q=0.5, br;q=1"]) {
    res = await fetch("/json?n=1000", { headers: { "accept-encoding": accept } });
    assert.equal(res.headers.get("content-encoding"), "br", accept);
    body = new Uint8Array(await res.arrayBuffer());
    assert.equal(new TextDecoder().decode(brotliDecompressSync(body)), big);
  }

  res = await fetch("/json?n=1000", { headers: { "accept-encoding": "identity" } });
  assert.equal(res.headers.get("content-encoding"), null);
  assert.equal(await res.text(), big);

  res = await fetch("/text", { headers: { "accept-encoding": "br" } });
  assert.equal(res.headers.get("content-encoding"), null, "only HTML and JSON");
  await res.body?.cancel();
  res = await fetch("/encoded", { headers: { "accept-encoding": "br" } });
  assert.equal(res.headers.get("content-encoding"), "identity", "already encoded: left alone");
  await res.body?.cancel();

  res = await fetch("/json?n=1000", { method: "HEAD", headers: { "accept-encoding": "br, gzip" } });
  assert.equal(res.headers.get("content-encoding"), "gzip");
  assert.equal(res.body, null);
});

Deno.test("compression: bodies of every size and script come back byte for byte, one after another", async () => {
  const fetch = appWith(compression());
  // small, mixed scripts, just below and far above the synchronous limit (128 Ki UTF-16 units, up to 3
  // UTF-8 bytes each): the reused encoding buffer must never leak one body into the next
  for (const n of [600, 5000, 43_000, 44_000, 140_000, 700]) {
    const expected = JSON.stringify({ text: "借".repeat(n) });
    for (const accept of ["gzip", "br"]) {
      const res = await fetch(`/json?n=${n}`, { headers: { "accept-encoding": accept } });
      assert.equal(res.headers.get("content-encoding"), accept === "br" ? "br" : "gzip", `${n} ${accept}`);
      const body = new Uint8Array(await res.arrayBuffer());
      const plain = accept === "br" ? brotliDecompressSync(body) : gunzipSync(body);
      assert.equal(new TextDecoder().decode(plain), expected, `${n} chars, ${accept}`);
    }
  }
  // concurrent requests (some above the limit, compressed asynchronously) keep their own bodies
  const sizes = [140_000, 800, 150_000, 2_000, 900];
  const bodies = await Promise.all(sizes.map(async (n) => {
    const res = await fetch(`/json?n=${n}`, { headers: { "accept-encoding": "gzip" } });
    return new TextDecoder().decode(gunzipSync(new Uint8Array(await res.arrayBuffer())));
  }));
  sizes.forEach((n, i) => assert.equal(bodies[i], JSON.stringify({ text: "借".repeat(n) })));
});

Deno.test("compression: rendered pages are compressed too", async () => {
  const { handle } = await fixtureApp((app) => app.use(compression({ thresholdBytes: 100 })));
  const res = await handle(
    new Request("http://localhost/loans/1", { headers: { "accept-encoding": "gzip" } }),
  );
  assert.equal(res.headers.get("content-encoding"), "gzip");
  const html = new TextDecoder().decode(gunzipSync(new Uint8Array(await res.arrayBuffer())));
  assert.match(html, /^<!DOCTYPE html>/);
});

const SECRET = "test-secret-0123456789abcdef";

function cookieOf(res: Response): string {
  const set = res.headers.get("set-cookie");
  assert.ok(set, "sets the csrf cookie");
  return set.split(";")[0];
}

Deno.test("csrf: GET issues an HttpOnly SameSite=Lax cookie and ctx.state.csrfToken", async () => {
  const fetch = appWith(csrf({ secret: SECRET, secureCookies: false }));
  const res = await fetch("/token");
  const token = await res.text();
  const set = res.headers.get("set-cookie")!;
  assert.match(set, /^csrf=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
  assert.equal(cookieOf(res), `csrf=${token}`);
  // with the cookie, the same token is reused and no new cookie is set
  const again = await fetch("/token", { headers: { cookie: `other=1; csrf=${token}` } });
  assert.equal(await again.text(), token);
  assert.equal(again.headers.get("set-cookie"), null);
  // a forged (unsigned) cookie is replaced
  const forged = await fetch("/token", { headers: { cookie: "csrf=forged.value" } });
  assert.notEqual(await forged.text(), "forged.value");
  assert.ok(forged.headers.get("set-cookie"));

  const secure = appWith(csrf({ secret: SECRET, secureCookies: (url) => url.hostname !== "localhost" }));
  assert.match((await secure("/token")).headers.get("set-cookie")!, /^csrf=/);
  const secureAlways = appWith(csrf({ secret: SECRET, secureCookies: true }));
  assert.match(
    (await secureAlways("/token")).headers.get("set-cookie")!,
    /^__Host-csrf=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Secure$/,
  );
});

Deno.test("csrf: state-changing requests need the matching token and a same-origin Origin", async () => {
  const fetch = appWith(
    csrf({ secret: SECRET, secureCookies: false, exempt: (u) => u.pathname.startsWith("/hooks/") }),
  );
  const token = await (await fetch("/token")).text();
  const cookie = `csrf=${token}`;
  const form = (fields: Record<string, string>) => new URLSearchParams(fields);

  // missing cookie and token
  let res = await fetch("/submit", { method: "POST", body: form({ amount: "1" }) });
  assert.equal(res.status, 403);
  assert.match(await res.text(), /请求校验失败/);
  // cookie but no token
  res = await fetch("/submit", { method: "POST", headers: { cookie }, body: form({ amount: "1" }) });
  assert.equal(res.status, 403);
  await res.body?.cancel();
  // wrong token
  res = await fetch("/submit", {
    method: "POST",
    headers: { cookie },
    body: form({ amount: "1", _csrf: "x" + token }),
  });
  assert.equal(res.status, 403);
  await res.body?.cancel();
  // token from another valid cookie
  const other = await (await fetch("/token")).text();
  res = await fetch("/submit", {
    method: "POST",
    headers: { cookie },
    body: form({ amount: "1", _csrf: other }),
  });
  assert.equal(res.status, 403);
  await res.body?.cancel();
  // right token: passes, and the handler can still read the body
  res = await fetch("/submit", {
    method: "POST",
    headers: { cookie, origin: "http://localhost" },
    body: form({ amount: "88", _csrf: token }),
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { amount: "88" });
  // multipart form
  const fd = new FormData();
  fd.set("amount", "9");
  fd.set("_csrf", token);
  res = await fetch("/submit", { method: "POST", headers: { cookie }, body: fd });
  assert.deepEqual(await res.json(), { amount: "9" });
  // cross-origin Origin is refused even with the right token
  res = await fetch("/submit", {
    method: "POST",
    headers: { cookie, origin: "https://evil.example" },
    body: form({ amount: "1", _csrf: token }),
  });
  assert.equal(res.status, 403);
  await res.body?.cancel();
  res = await fetch("/submit", {
    method: "POST",
    headers: { cookie, origin: "null" },
    body: form({ amount: "1", _csrf: token }),
  });
  assert.equal(res.status, 403);
  await res.body?.cancel();
  // JSON bodies use the X-CSRF-Token header; a failure answers JSON
  res = await fetch("/submit", {
    method: "POST",
    headers: { cookie, "content-type": "application/json", "x-csrf-token": token },
    body: JSON.stringify({ a: 1 }),
  });
  assert.deepEqual(await res.json(), { got: { a: 1 } });
  res = await fetch("/submit", {
    method: "POST",
    headers: { cookie, "content-type": "application/json" },
    body: JSON.stringify({ a: 1 }),
  });
  assert.equal(res.status, 403);
  assert.deepEqual((await res.json()).error.code, "csrf_failed");
  // exempt paths (signed webhooks) pass without a token
  res = await fetch("/hooks/bank", { method: "POST", body: "{}" });
  assert.equal(await res.text(), "hook ok");
});

Deno.test("securityHeaders: CSP and friends on every response; HSTS only when asked", async () => {
  const fetch = appWith(securityHeaders());
  const res = await fetch("/json");
  const csp = res.headers.get("content-security-policy")!;
  for (
    const part of [
      "default-src 'self'",
      `script-src 'self' ${BOOT_SCRIPT_CSP_HASH}`,
      "style-src 'self'",
      "img-src 'self' data:",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ]
  ) assert.ok(csp.includes(part), `${part} in ${csp}`);
  assert.ok(!csp.includes("unsafe"));
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  assert.equal(res.headers.get("referrer-policy"), "strict-origin-when-cross-origin");
  assert.equal(res.headers.get("x-frame-options"), "DENY");
  assert.ok(res.headers.get("permissions-policy"));
  assert.equal(res.headers.get("strict-transport-security"), null);
  const hsts = await appWith(securityHeaders({ hsts: true }))("/json");
  assert.match(hsts.headers.get("strict-transport-security")!, /^max-age=\d+/);
  // also on error pages and redirects
  const { handle } = await fixtureApp((app) => app.use(securityHeaders()));
  for (const path of ["/nope", "/go?to=/x"]) {
    const r = await get(handle, path);
    assert.ok(r.res.headers.get("content-security-policy"), path);
  }
});

Deno.test("requestLog: request id in state and header, one JSON line per request", async () => {
  const lines: Record<string, unknown>[] = [];
  const fetch = appWith(requestLog({ log: (l) => lines.push(l) }));
  const res = await fetch("/json");
  await res.body?.cancel();
  const id = res.headers.get("x-request-id")!;
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].method, "GET");
  assert.equal(lines[0].path, "/json");
  assert.equal(lines[0].status, 200);
  assert.equal(lines[0].requestId, id);
  assert.equal(typeof lines[0].ms, "number");
  const kept = await fetch("/nothing", { headers: { "x-request-id": "abc-12345678" } });
  await kept.body?.cancel();
  assert.equal(kept.headers.get("x-request-id"), "abc-12345678");
  assert.equal(lines[1].status, 404);
  const bad = await fetch("/json", { headers: { "x-request-id": "bad id\u00e9<script>" } });
  await bad.body?.cancel();
  assert.notEqual(bad.headers.get("x-request-id"), "bad id\u00e9<script>");
  assert.equal(lines.length, 3);
});

Deno.test("csrf: an allowed public origin passes the Origin check (proxy terminating TLS)", async () => {
  const app = new App<{ csrfToken: string }>()
    .use(csrf({ secret: "x".repeat(32), secureCookies: false, allowedOrigins: ["https://p2p.example.com"] }))
    .post("/t", () => new Response("ok"));
  const handler = app.handler();
  const first = await handler(new Request("http://internal/t", { method: "GET" }));
  await first.body?.cancel();
  const cookie = first.headers.getSetCookie().find((c) => c.startsWith("csrf="))!.split(";")[0];
  const token = cookie.slice("csrf=".length);
  const post = (origin: string) =>
    handler(
      new Request("http://internal/t", {
        method: "POST",
        headers: { origin, cookie, "x-csrf-token": token },
      }),
    );
  const ok = await post("https://p2p.example.com");
  assert.equal(ok.status, 200, await ok.text());
  const bad = await post("https://evil.example");
  await bad.body?.cancel();
  assert.equal(bad.status, 403);
});

Deno.test("compression, securityHeaders, requestLog and csrf also apply to error pages rendered further out", async () => {
  const lines: Record<string, unknown>[] = [];
  const { handle } = await fixtureApp((app) =>
    app
      .use(requestLog({ log: (l) => lines.push(l) }))
      .use(securityHeaders())
      .use(compression({ thresholdBytes: 100 }))
      .use(csrf({ secret: SECRET, secureCookies: false }))
  );
  // /no/such/page: the 404 travels up through all four as an error; the root boundary renders _404
  const res = await handle(
    new Request("http://localhost/no/such/page", { headers: { "accept-encoding": "gzip" } }),
  );
  assert.equal(res.status, 404);
  assert.equal(res.headers.get("content-encoding"), "gzip");
  assert.ok(res.headers.get("content-security-policy"));
  assert.match(res.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  assert.match(res.headers.get("set-cookie") ?? "", /^csrf=/);
  const html = new TextDecoder().decode(gunzipSync(new Uint8Array(await res.arrayBuffer())));
  assert.match(html, /class="not-found"/);
  assert.equal(lines.at(-1)?.status, 404);
  // a middleware that catches the error answers alone: nothing is applied twice or to its answer
  const { handle: caught } = await fixtureApp((app) =>
    app
      .use(securityHeaders())
      .use(async (ctx) => {
        try {
          return await ctx.next();
        } catch {
          return new Response("handled", { headers: { "x-frame-options": "SAMEORIGIN" } });
        }
      })
      .use(compression({ thresholdBytes: 1 }))
  );
  const handled = await caught(
    new Request("http://localhost/fail", { headers: { "accept-encoding": "gzip" } }),
  );
  assert.equal(await handled.text(), "handled");
  assert.equal(handled.headers.get("content-encoding"), null);
  assert.equal(handled.headers.get("x-frame-options"), "SAMEORIGIN");
  assert.ok(handled.headers.get("content-security-policy"));
});
