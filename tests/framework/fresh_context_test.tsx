/**
 * Context and `HttpError` cases adapted from Fresh 2's `context_test.tsx` and `error_test.ts`:
 * `ctx.redirect()` normalisation, `ctx.render()` argument checks, `ctx.route`, `HttpError` fields.
 * Where this layer deliberately differs (off-site redirects, `ctx.render()` without arguments), the
 * case checks this layer's behaviour and the README lists the difference.
 */
import assert from "node:assert/strict";
import { App, HttpError } from "../../framework/mod.ts";
import { FakeServer, fsServer } from "./fresh_helpers.ts";

/** The Location a redirect to `target` from `base` produces. */
async function redirect(target: string, status?: number, base = "http://localhost/here/page") {
  let out: Response | null = null;
  const app = new App().get("/*", (ctx) => (out = ctx.redirect(target, status)));
  await app.handler()(new Request(base));
  return out!;
}

Deno.test("ctx.redirect: 302 by default, the given status otherwise", async () => {
  const res = await redirect("/");
  assert.equal(res.status, 302);
  assert.equal(res.headers.get("location"), "/");
  assert.equal((await redirect("/", 307)).status, 307);
  assert.equal((await redirect("/a", 303)).headers.get("location"), "/a");
});

Deno.test("ctx.redirect: repeated slashes collapse, so //host stays on this site", async () => {
  assert.equal((await redirect("//evil.com")).headers.get("location"), "/evil.com");
  assert.equal((await redirect("//evil.com/foo//bar")).headers.get("location"), "/evil.com/foo/bar");
  assert.equal((await redirect("/a//b?next=//x#//y")).headers.get("location"), "/a/b?next=//x#//y");
});

Deno.test("ctx.redirect: other origins are refused (deliberate difference: Fresh would follow them)", async () => {
  assert.equal((await redirect("https://deno.com")).headers.get("location"), "/");
  for (const evil of ["/\\evil.com", "\\\\evil.com", "/\t/evil.com", " //evil.com", "javascript:alert(1)"]) {
    const loc = (await redirect(evil)).headers.get("location")!;
    assert.ok(loc.startsWith("/") && !loc.startsWith("//"), `${evil} → ${loc}`);
    assert.ok(!new URL(loc, "http://localhost/").host.includes("evil"), `${evil} → ${loc}`);
  }
  // same origin and relative targets are kept
  assert.equal((await redirect("http://localhost/ok?x")).headers.get("location"), "http://localhost/ok?x");
  assert.equal((await redirect("next")).headers.get("location"), "next");
});

Deno.test("ctx.render: a non-JSX argument is an error (500)", async () => {
  const errors: unknown[] = [];
  // deno-lint-ignore no-explicit-any
  const app = new App({ onError: (e) => errors.push(e) }).get("/", (ctx) => (ctx as any).render({}));
  const res = await new FakeServer(app.handler()).get("/");
  await res.body?.cancel();
  assert.equal(res.status, 500);
  assert.match(String(errors[0]), /Non-JSX/);
});

Deno.test("ctx.render: null renders the wrappers only; no argument renders the route's page (deliberate)", async () => {
  const server = await fsServer({
    "routes/_app.tsx": {
      default: ({ Component }: { Component: () => null }) => (
        <main>
          app:<Component />
        </main>
      ),
    },
    "routes/empty.tsx": {
      handler: { GET: (ctx: { render(v: null): Promise<Response> }) => ctx.render(null) },
    },
    "routes/page.tsx": {
      handler: { GET: (ctx: { render(): Promise<Response> }) => ctx.render() },
      default: () => <p>page</p>,
    },
  });
  assert.match(await (await server.get("/empty")).text(), /<main>app:<\/main>/);
  assert.match(await (await server.get("/page")).text(), /<main>app:<p>page<\/p><\/main>/);
});

Deno.test("ctx.route: the matched pattern, or null when nothing matched", async () => {
  let route: string | null | undefined;
  const app = new App()
    .use((ctx) => {
      route = ctx.route;
      return ctx.next();
    })
    .get("/foo/bar", () => new Response("ok"))
    .get("/foo/:id", () => new Response("ok"));
  const server = new FakeServer(app.handler());
  await (await server.get("/invalid")).body?.cancel();
  assert.equal(route, null);
  await (await server.get("/foo/bar")).body?.cancel();
  assert.equal(route, "/foo/bar");
  await (await server.get("/foo/123")).body?.cancel();
  assert.equal(route, "/foo/:id");
});

Deno.test("ctx.request is the request (Fresh's name); ctx.req its alias", async () => {
  let same = false;
  const app = new App().get("/", (ctx) => {
    same = ctx.request === ctx.req && ctx.request.url === "http://localhost/";
    return new Response("ok");
  });
  await (await new FakeServer(app.handler()).get("/")).body?.cancel();
  assert.ok(same);
});

Deno.test("HttpError: status, message, cause, stack", () => {
  const err = new HttpError(404);
  assert.equal(err.status, 404);
  assert.equal(typeof err.stack, "string");
  assert.equal(new HttpError(500).status, 500);
  assert.equal(new HttpError(500, "foo").message, "foo");
  const cause = new Error();
  assert.equal(new HttpError(500, "foo", { cause }).cause, cause);
  assert.equal(err.name, "HttpError");
});
