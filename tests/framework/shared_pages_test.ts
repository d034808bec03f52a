import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { App, PrecompressedText, securityHeaders, sharedPages, sharePage } from "../../framework/mod.ts";

/** An app whose `/page` offers its response for sharing while `state.fresh` holds; counts route runs. */
function sharingApp() {
  const state = { runs: 0, fresh: true, body: new PrecompressedText(`<p>${"大厅".repeat(800)}</p>`) };
  const app = new App({ root: Deno.cwd(), onError: () => {} });
  const shared = sharedPages({ eligible: (req) => !req.headers.get("cookie")?.includes("sid=") });
  app.front(shared.answer);
  app.use(shared.keep);
  app.use(securityHeaders());
  app.use(async (ctx) => {
    const res = await ctx.next();
    res.headers.append("set-cookie", "csrf=per-visitor; Path=/");
    return res;
  });
  const route = (ctx: Parameters<Parameters<typeof app.get>[1]>[0]) => {
    state.runs++;
    sharePage(ctx, { body: state.body, fresh: () => state.fresh });
    return state.body.response(ctx.req.headers.get("accept-encoding"), { headers: { "x-made": "route" } });
  };
  app.get("/page", route);
  app.post("/page", route);
  const handler = app.handler();
  const fetch = (path: string, init?: RequestInit) => handler(new Request(`http://localhost${path}`, init));
  return { state, fetch };
}

Deno.test("sharedPages: a shared page is answered from memory, with the chain's headers but no cookie", async () => {
  const { state, fetch } = sharingApp();
  const first = await fetch("/page?a=1", { headers: { "accept-encoding": "gzip" } });
  assert.equal(state.runs, 1);
  assert.match(first.headers.get("set-cookie") ?? "", /csrf=per-visitor/);
  await first.body?.cancel();
  const hit = await fetch("/page?a=1", { headers: { "accept-encoding": "gzip" } });
  assert.equal(state.runs, 1, "the route did not run again");
  assert.equal(hit.headers.get("set-cookie"), null, "a cookie is never shared");
  assert.equal(hit.headers.get("x-made"), "route");
  assert.match(hit.headers.get("content-security-policy") ?? "", /default-src 'self'/);
  assert.equal(hit.headers.get("content-encoding"), "gzip");
  assert.equal(gunzipSync(new Uint8Array(await hit.arrayBuffer())).toString(), state.body.text);
  // each encoding as the request accepts it
  const plain = await fetch("/page?a=1");
  assert.equal(state.runs, 1);
  assert.equal(plain.headers.get("content-encoding"), null);
  assert.equal(await plain.text(), state.body.text);
  // another query string is another page
  await (await fetch("/page?a=2")).body?.cancel();
  assert.equal(state.runs, 2);
});

Deno.test("sharedPages: ineligible requests, other methods and stale copies run the chain", async () => {
  const { state, fetch } = sharingApp();
  await (await fetch("/page")).body?.cancel();
  assert.equal(state.runs, 1);
  await (await fetch("/page", { headers: { cookie: "sid=abc" } })).body?.cancel();
  assert.equal(state.runs, 2, "a visitor with a session never gets the shared copy");
  await (await fetch("/page", { method: "POST" })).body?.cancel();
  assert.equal(state.runs, 3);
  const head = await fetch("/page", { method: "HEAD" });
  assert.equal(head.body, null);
  assert.equal(state.runs, 3, "HEAD is answered from the copy");
  state.fresh = false;
  await (await fetch("/page")).body?.cancel();
  assert.equal(state.runs, 4, "a stale copy is dropped and the route runs");
  state.fresh = true;
  await (await fetch("/page")).body?.cancel();
  assert.equal(state.runs, 4, "the new copy is kept");
});
