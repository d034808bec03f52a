import assert from "node:assert/strict";
import {
  App,
  HttpError,
  type Middleware,
  page,
  safeRedirectLocation,
  trailingSlashes,
} from "../../framework/mod.ts";
import { fixtureApp, get } from "./helpers.ts";

Deno.test("routing: static beats [param] beats [...rest]; params decoded", async () => {
  const { handle } = await fixtureApp();
  let r = await get(handle, "/loans/new");
  assert.equal(r.res.status, 200);
  assert.match(r.text, /class="loans-new"/);
  r = await get(handle, "/loans/42");
  assert.match(r.text, /loan 42 42/);
  r = await get(handle, "/loans/%E4%B8%AD");
  assert.match(r.text, /loan 中 中/);
  r = await get(handle, "/loans/1/2/3");
  assert.match(r.text, /rest=1\/2\/3/);
  r = await get(handle, "/loans");
  assert.match(r.text, /class="loans-index"/);
  r = await get(handle, "/");
  assert.match(r.text, /class="home"/);
});

Deno.test("routing: (group) folders are not in the URL but their layouts apply", async () => {
  const { handle } = await fixtureApp();
  const r = await get(handle, "/pricing");
  assert.equal(r.res.status, 200);
  assert.match(r.text, /<div class="root-layout"><section class="marketing-layout"><p class="pricing">/);
  assert.equal((await get(handle, "/(marketing)/pricing")).res.status, 404);
});

Deno.test("pages: doctype, _app shell, nested layouts outer to inner, content type", async () => {
  const { handle } = await fixtureApp();
  const r = await get(handle, "/loans/7");
  assert.equal(r.res.headers.get("content-type"), "text/html; charset=utf-8");
  assert.ok(r.text.startsWith('<!DOCTYPE html><html lang="zh-CN"><head>'));
  assert.match(r.text, /<body[^>]*><div class="root-layout"><div class="loans-layout"><p class="loan">/);
  assert.match(r.text, /<\/p><\/div><\/div><\/body><\/html>$/);
});

Deno.test("pages: config.skipAppWrapper / skipInheritedLayouts (the bare page gets html/head/body, as in Fresh)", async () => {
  const { handle } = await fixtureApp();
  const r = await get(handle, "/raw");
  assert.equal(
    r.text,
    '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><p class="raw">raw</p></body></html>',
  );
});

Deno.test("methods: 405 with Allow, page GET beside a POST handler, page() status and headers", async () => {
  const { handle } = await fixtureApp();
  let r = await get(handle, "/methods");
  assert.equal(r.res.status, 200);
  assert.match(r.text, /class="methods">get</);
  r = await get(handle, "/methods", { method: "POST" });
  assert.equal(r.res.status, 201);
  assert.equal(r.res.headers.get("x-posted"), "yes");
  assert.match(r.text, /class="methods">\/methods</);
  r = await get(handle, "/methods", { method: "PUT" });
  assert.equal(r.res.status, 405);
  assert.equal(r.res.headers.get("allow"), "GET, HEAD, POST");
  r = await get(handle, "/api/only-post");
  assert.equal(r.res.status, 405);
  assert.equal(r.res.headers.get("allow"), "POST");
  r = await get(handle, "/api/only-post", { method: "POST" });
  assert.deepEqual(JSON.parse(r.text), { ok: true });
});

Deno.test("methods: HEAD is served from GET without a body", async () => {
  const { handle } = await fixtureApp();
  const res = await handle(new Request("http://localhost/loans/5", { method: "HEAD" }));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(res.body, null);
  const fn = await handle(new Request("http://localhost/api/state", { method: "HEAD" }));
  assert.equal(fn.status, 200);
  assert.equal(fn.body, null);
});

Deno.test("middleware: app-level first, then folder _middleware outer→inner; state fresh per request", async () => {
  const order: string[] = [];
  const { handle } = await fixtureApp((app) => {
    app.use(async (ctx) => {
      order.push("app1:before");
      ctx.state.trail = ["app1"];
      const res = await ctx.next();
      order.push("app1:after");
      return res;
    });
    app.use([(ctx) => {
      order.push("app2");
      ctx.state.trail.push("app2");
      return ctx.next();
    }]);
  });
  const r = await get(handle, "/loans/9");
  assert.match(r.text, /loan 9 9 app1>app2>root>loans-a>loans-b/);
  assert.deepEqual(order, ["app1:before", "app2", "app1:after"]);
  assert.equal(r.res.headers.get("x-root-mw"), "1");
  assert.equal(r.res.headers.get("x-loans-mw"), "1");
  // folder middleware does not run outside its folder
  const about = await get(handle, "/about");
  assert.match(about.text, /about app1>app2>root</);
  assert.equal(about.res.headers.get("x-loans-mw"), null);
  // state is a fresh object for every request
  const a = JSON.parse((await get(handle, "/api/state")).text);
  const b = JSON.parse((await get(handle, "/api/state")).text);
  assert.equal(a.hits, 1);
  assert.equal(b.hits, 1);
  assert.deepEqual(b.trail, ["app1", "app2", "root"]);
});

Deno.test("middleware: may answer without calling next, and errors it throws render error pages", async () => {
  const { handle } = await fixtureApp((app) => {
    app.use((ctx) => {
      if (ctx.url.pathname === "/blocked") return new Response("blocked", { status: 429 });
      if (ctx.url.pathname === "/about" && ctx.url.searchParams.has("deny")) throw new HttpError(403);
      return ctx.next();
    });
  });
  const r = await get(handle, "/blocked");
  assert.equal(r.res.status, 429);
  assert.equal(r.text, "blocked");
  const d = await get(handle, "/about?deny");
  assert.equal(d.res.status, 403);
  assert.match(d.text, /class="error-page">出错了 status=403/);
});

Deno.test("errors: unknown path and HttpError(404) render _404 inside _app and root layout", async () => {
  const { handle, errors } = await fixtureApp();
  for (const path of ["/no/such/page", "/missing"]) {
    const r = await get(handle, path);
    assert.equal(r.res.status, 404);
    assert.match(r.text, /<html lang="zh-CN">/);
    assert.match(r.text, /<div class="root-layout"><h1 class="not-found">页面不存在/);
    // root _middleware ran for the 404 too
    assert.match(r.text, /data-trail="root"/);
  }
  assert.equal(errors.length, 0);
});

Deno.test("errors: a throw renders _500 with status 500 and is reported; HttpError keeps its status", async () => {
  const { handle, errors } = await fixtureApp();
  const r = await get(handle, "/fail");
  assert.equal(r.res.status, 500);
  assert.match(r.text, /<div class="root-layout"><h1 class="error-page">出错了 status=500/);
  assert.match(r.text, /<title>fixture<\/title>/, "the failed page's title does not leak");
  assert.equal(errors.length, 1);
  assert.equal((errors[0] as Error).message, "boom");
  const f = await get(handle, "/forbidden");
  assert.equal(f.res.status, 403);
  assert.match(f.text, /status=403/);
  assert.equal(errors.length, 1, "4xx HttpErrors are not reported as errors");
});

Deno.test("trailingSlashes('never') redirects to the canonical path (and never off-site)", async () => {
  const { handle } = await fixtureApp((app) => app.use(trailingSlashes("never")));
  let res = await handle("/about/?x=1");
  assert.equal(res.status, 302);
  assert.equal(res.headers.get("location"), "/about?x=1");
  res = await handle(new Request("http://localhost/about/", { method: "POST" }));
  assert.equal(res.status, 302);
  res = await handle(new Request("http://localhost//evil.example/"));
  assert.equal(res.status, 302);
  assert.equal(res.headers.get("location"), "/evil.example");
  // without it, /about/ is just an unknown path
  const { handle: plain } = await fixtureApp();
  assert.equal((await plain("/about/")).status, 404);
});

Deno.test("ctx.redirect refuses other origins (open redirect guard)", async () => {
  const base = new URL("http://localhost:8000/a/b");
  assert.equal(safeRedirectLocation("/account?x=1#h", base), "/account?x=1#h");
  assert.equal(safeRedirectLocation("next", base), "next");
  assert.equal(safeRedirectLocation("http://localhost:8000/ok", base), "http://localhost:8000/ok");
  assert.equal(safeRedirectLocation("/a//b//c?x=//y", base), "/a/b/c?x=//y");
  for (
    const evil of [
      "https://evil.example/",
      "//evil.example/x",
      "/\\evil.example",
      "\\\\evil.example",
      "http://localhost:9999/",
      "javascript:alert(1)",
      "/.//evil.example",
      " //evil.example",
      "/\t/evil.example",
    ]
  ) {
    const loc = safeRedirectLocation(evil, base);
    assert.ok(loc.startsWith("/") && !loc.startsWith("//"), `${evil} → ${loc}`);
    assert.ok(!new URL(loc, base).host.includes("evil"), `${evil} → ${loc}`);
  }
  const { handle } = await fixtureApp();
  const res = await handle("/go?to=" + encodeURIComponent("https://evil.example/steal"));
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/");
  const ok = await handle("/go?to=" + encodeURIComponent("/loans/1"));
  assert.equal(ok.headers.get("location"), "/loans/1");
});

Deno.test("ctx.render renders a VNode inside the layouts; ctx.json", async () => {
  const { handle } = await fixtureApp();
  const r = await get(handle, "/render");
  assert.equal(r.res.status, 202);
  assert.match(r.text, /<div class="root-layout"><p class="rendered">via ctx.render<\/p><\/div>/);
  const post = await get(handle, "/loans/3", {
    method: "POST",
    body: new URLSearchParams({ amount: "100" }),
  });
  assert.equal(post.res.headers.get("content-type"), "application/json; charset=utf-8");
  assert.deepEqual(JSON.parse(post.text), { id: "3", amount: "100" });
});

Deno.test("programmatic routes: URLPattern params, method match, order before file routes", async () => {
  const { handle } = await fixtureApp((app) => {
    app.get("/about", (ctx) => new Response("programmatic " + ctx.route));
    app.get("/users/:id", (ctx) => ctx.json(ctx.params));
    app.post("/users/:id", () => new Response("posted"));
    app.all("/any", (ctx) => new Response(ctx.req.method));
  });
  assert.equal((await get(handle, "/about")).text, "programmatic /about");
  assert.deepEqual(JSON.parse((await get(handle, "/users/12")).text), { id: "12" });
  assert.equal((await get(handle, "/users/12", { method: "POST" })).text, "posted");
  assert.equal((await get(handle, "/any", { method: "DELETE" })).text, "DELETE");
  const head = await handle(new Request("http://localhost/users/1", { method: "HEAD" }));
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
});

Deno.test("App without file routes: plain 404; page() from a programmatic route is an error", async () => {
  const errors: unknown[] = [];
  const app = new App({ root: Deno.cwd(), onError: (e) => errors.push(e) });
  // a page() result needs a page component: a programmatic route has none
  app.get("/p", (() => page({ a: 1 })) as unknown as Middleware<unknown>);
  const handler = app.handler();
  const r = await handler(new Request("http://localhost/nothing"));
  assert.equal(r.status, 404);
  assert.equal(await r.text(), "Not Found");
  const p = await handler(new Request("http://localhost/p"));
  assert.equal(p.status, 500);
  assert.match(String(errors[0]), /needs a page component/);
});

Deno.test("fsRoutes() without a manifest throws a clear error", () => {
  const app = new App({ root: "/nonexistent-project", buildDir: "/nonexistent-project/_build" });
  assert.throws(() => app.fsRoutes(), /deno task build/);
});
