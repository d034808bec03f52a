/**
 * File-route cases adapted from Fresh 2's `fs_routes_test.tsx`: methods, middleware files, `_app`,
 * `_layout`, `_404`/`_500`/`_error` (with handlers, nested, throwing), groups, async components,
 * response init. Routes are in-memory modules (see `fresh_helpers.ts`); the manifest is built by the
 * same code as `deno task build`.
 */
import assert from "node:assert/strict";
import type { ComponentChildren } from "preact";
import { HttpError, page, type PageProps } from "../../framework/mod.ts";
import type { Context } from "../../framework/mod.ts";
import { bodyText, delay, fsApp, fsServer } from "./fresh_helpers.ts";

type Text = { text: string };
type P = PageProps<unknown, Text>;
const METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"] as const;
const lower = (m: string) => m.toLowerCase() as "get" | "post" | "patch" | "put" | "delete" | "head";
const wrap = (label: string) => ({ Component }: P) => (
  <div>
    {label}/<Component />
  </div>
);
const frag = (label: string) => ({ Component }: P) => (
  <>
    {label}/<Component />
  </>
);
const Div = ({ children }: { children?: ComponentChildren }) => <div>{children}</div>;

Deno.test("fsRoutes: a module without route exports refuses to start", async () => {
  const { app } = fsApp({ "routes/index.tsx": {} });
  app.fsRoutes();
  await assert.rejects(app.ready(), /routes\/index\.tsx/);
});

Deno.test("fsRoutes: every method of a handler object is registered; others answer 405", async () => {
  const byMethod = Object.fromEntries(METHODS.map((m) => [m, () => new Response(m)]));
  const files: Record<string, Record<string, unknown>> = { "routes/all.ts": { handlers: byMethod } };
  for (const m of METHODS) files[`routes/${lower(m)}.ts`] = { handlers: { [m]: byMethod[m] } };
  const server = await fsServer(files);
  for (const m of METHODS) {
    const res = await server[lower(m)]("/all");
    assert.equal(res.status, 200, m);
    if (m === "HEAD") assert.equal(res.body, null);
    else assert.equal(await res.text(), m);
  }
  for (const m of METHODS) {
    const res = await server[lower(m)](`/${lower(m)}`);
    assert.equal(res.status, 200, m);
    if (m === "HEAD") assert.equal(res.body, null);
    else assert.equal(await res.text(), m);
    for (const other of METHODS) {
      if (other === m) continue;
      const r = await server[lower(other)](`/${lower(m)}`);
      await r.body?.cancel();
      assert.equal(r.status, m === "GET" && other === "HEAD" ? 200 : 405, `${other} /${lower(m)}`);
    }
  }
});

Deno.test("fsRoutes: a handler function answers every method", async () => {
  const server = await fsServer({ "routes/all.ts": { handlers: () => new Response("ok") } });
  for (const m of METHODS) {
    const res = await server[lower(m)]("/all");
    assert.equal(res.status, 200, m);
    if (m === "HEAD") assert.equal(res.body, null);
    else assert.equal(await res.text(), "ok");
  }
});

Deno.test("fsRoutes: a component without handler renders as HTML", async () => {
  const server = await fsServer({ "routes/all.ts": { default: () => <h1>foo</h1> } });
  const res = await server.get("/all");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  assert.match(await res.text(), /<body><h1>foo<\/h1><\/body>/);
});

Deno.test("fsRoutes: static beats [param]; index is served at /", async () => {
  const server = await fsServer({
    "routes/[id].ts": { handler: () => new Response("fail") },
    "routes/all.ts": { handler: () => new Response("ok") },
    "routes/index.ts": { handler: () => new Response("index") },
  });
  assert.equal(await (await server.get("/all")).text(), "ok");
  assert.equal(await (await server.get("/")).text(), "index");
  assert.equal(await (await server.get("/x")).text(), "fail");
});

Deno.test("fsRoutes: _middleware runs for handler functions, handler-less pages and [param] routes", async () => {
  const server = await fsServer<Text>({
    "routes/[id].ts": { handler: (ctx: Context<Text>) => new Response(ctx.state.text) },
    "routes/index.ts": { handler: (ctx: Context<Text>) => new Response(ctx.state.text) },
    "routes/none.ts": { default: (p: P) => <div>{p.state.text}</div> },
    "routes/_middleware.ts": {
      handler(ctx: Context<Text>) {
        ctx.state.text = "ok";
        return ctx.next();
      },
    },
  });
  assert.equal(await (await server.get("/")).text(), "ok");
  assert.equal(await (await server.get("/foo")).text(), "ok");
  assert.equal(bodyText(await (await server.get("/none")).text()), "ok");
});

Deno.test("fsRoutes: _middleware may be the default export", async () => {
  const server = await fsServer<Text>({
    "routes/index.ts": { handler: (ctx: Context<Text>) => new Response(ctx.state.text) },
    "routes/_middleware.ts": {
      default: (ctx: Context<Text>) => {
        ctx.state.text = "ok";
        return ctx.next();
      },
    },
  });
  const res = await server.get("/");
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "ok");
});

Deno.test("fsRoutes: nested middleware and middleware arrays run outer → inner", async () => {
  const nested = await fsServer<Text>({
    "routes/_middleware.ts": {
      handler(ctx: Context<Text>) {
        ctx.state.text = "A";
        return ctx.next();
      },
    },
    "routes/foo/_middleware.ts": {
      handler(ctx: Context<Text>) {
        ctx.state.text += "B";
        return ctx.next();
      },
    },
    "routes/foo/index.ts": { default: (p: P) => <div>{p.state.text}</div> },
  });
  assert.equal(bodyText(await (await nested.get("/foo")).text()), "AB");

  const arrays = await fsServer<Text>({
    "routes/_middleware.ts": {
      handler: [
        (ctx: Context<Text>) => {
          ctx.state.text = "A";
          return ctx.next();
        },
        (ctx: Context<Text>) => {
          ctx.state.text += "B";
          return ctx.next();
        },
      ],
    },
    "routes/foo/_middleware.ts": {
      handler: (ctx: Context<Text>) => {
        ctx.state.text += "C";
        return ctx.next();
      },
    },
    "routes/foo/index.ts": { default: (p: P) => <div>{p.state.text}</div> },
  });
  assert.equal(bodyText(await (await arrays.get("/foo")).text()), "ABC");

  const combined = await fsServer<Text>({
    "routes/foo/bar.ts": { default: (p: P) => <div>{p.state.text}</div> },
    "routes/foo/_middleware.ts": {
      handler: (ctx: Context<Text>) => {
        ctx.state.text = "ok";
        return ctx.next();
      },
    },
    "routes/_middleware.ts": {
      handler: (ctx: Context<Text>) => {
        ctx.state.text = "root";
        return ctx.next();
      },
    },
  });
  assert.equal(bodyText(await (await combined.get("/foo/bar")).text()), "ok");
});

Deno.test("fsRoutes: _app and _layout wrap pages, nested layouts outer → inner, missing ones skipped", async () => {
  const app = await fsServer({
    "routes/foo/bar.ts": { default: () => <>foo_bar</> },
    "routes/foo.ts": { default: () => <>foo</> },
    "routes/_app.tsx": { default: wrap("app") },
  });
  assert.equal(bodyText(await (await app.get("/foo/bar")).text()), "app/foo_bar");
  assert.equal(bodyText(await (await app.get("/foo")).text()), "app/foo");

  const layout = await fsServer({
    "routes/foo/bar.ts": { default: () => <>foo_bar</> },
    "routes/foo.ts": { default: () => <>foo</> },
    "routes/_layout.tsx": { default: frag("layout") },
    "routes/_app.tsx": { default: wrap("app") },
  });
  assert.equal(bodyText(await (await layout.get("/foo/bar")).text()), "app/layout/foo_bar");
  assert.equal(bodyText(await (await layout.get("/foo")).text()), "app/layout/foo");

  const nested = await fsServer({
    "routes/foo/bar.ts": { default: () => <>foo_bar</> },
    "routes/foo.ts": { default: () => <>foo</> },
    "routes/foo/_layout.tsx": { default: frag("layout_foo_bar") },
    "routes/_layout.tsx": { default: frag("layout") },
    "routes/_app.tsx": { default: wrap("app") },
  });
  assert.equal(bodyText(await (await nested.get("/foo/bar")).text()), "app/layout/layout_foo_bar/foo_bar");
  assert.equal(bodyText(await (await nested.get("/foo")).text()), "app/layout/foo");

  const skip = await fsServer({
    "routes/foo/bar/baz.ts": { default: () => <>foo_bar_baz</> },
    "routes/foo/_layout.tsx": { default: wrap("layout_foo") },
  });
  assert.equal(bodyText(await (await skip.get("/foo/bar/baz")).text()), "layout_foo/foo_bar_baz");
});

Deno.test("fsRoutes: _layout and routes in .js/.jsx/.ts/.tsx files", async () => {
  const files: Record<string, Record<string, unknown>> = {};
  for (const [dir, page, layout] of [["js", "js", "js"], ["jsx", "jsx", "jsx"], ["ts", "ts", "tsx"]]) {
    files[`routes/${dir}/index.${page}`] = { default: () => <>{dir}</> };
    files[`routes/${dir}/_layout.${layout}`] = { default: wrap(`layout_${dir}`) };
  }
  const server = await fsServer(files);
  for (const dir of ["js", "jsx", "ts"]) {
    assert.equal(bodyText(await (await server.get(`/${dir}`)).text()), `layout_${dir}/${dir}`);
  }
});

Deno.test("fsRoutes: layout and route config skip the _app wrapper and inherited layouts", async () => {
  const noApp = await fsServer({
    "routes/index.tsx": { default: () => <>route</> },
    "routes/_layout.tsx": { config: { skipAppWrapper: true }, default: frag("layout") },
    "routes/_app.tsx": { default: wrap("app") },
  });
  assert.equal(bodyText(await (await noApp.get("/")).text()), "layout/route");

  const noInherited = await fsServer({
    "routes/sub/sub2/index.tsx": { default: () => <>sub_sub2</> },
    "routes/sub/sub2/_layout.tsx": { default: frag("layout_sub_sub2") },
    "routes/sub/_layout.tsx": {
      config: { skipAppWrapper: true, skipInheritedLayouts: true },
      default: frag("layout_sub"),
    },
    "routes/_layout.tsx": { default: frag("layout") },
    "routes/_app.tsx": { default: wrap("app") },
  });
  assert.equal(
    bodyText(await (await noInherited.get("/sub/sub2")).text()),
    "layout_sub/layout_sub_sub2/sub_sub2",
  );

  const routeSkipsLayout = await fsServer({
    "routes/index.tsx": { config: { skipInheritedLayouts: true }, default: () => <>route</> },
    "routes/_layout.tsx": { default: wrap("layout") },
  });
  assert.equal(bodyText(await (await routeSkipsLayout.get("/")).text()), "route");

  const routeSkipsApp = await fsServer({
    "routes/index.tsx": { config: { skipAppWrapper: true }, default: () => <>route</> },
    "routes/_app.tsx": { default: wrap("app") },
    "routes/a.tsx": { default: () => <>a</> },
    "routes/b.tsx": { default: () => <>b</> },
  });
  assert.equal(bodyText(await (await routeSkipsApp.get("/")).text()), "route");
  assert.equal(bodyText(await (await routeSkipsApp.get("/a")).text()), "app/a");
});

Deno.test("fsRoutes: one route skipping _app does not affect the others", async () => {
  const server = await fsServer({
    "routes/_500.tsx": { config: { skipInheritedLayouts: true }, default: () => <>error!</> },
    "routes/_app.tsx": { default: wrap("app") },
    "routes/_layout.tsx": { default: frag("layout") },
    "routes/bar.tsx": {
      config: { skipAppWrapper: true, skipInheritedLayouts: true },
      default: () => <>bar</>,
    },
    "routes/index.tsx": { default: () => <>index</> },
    "routes/foo.tsx": { default: () => <>foo</> },
  });
  const texts = await Promise.all(
    ["/", "/foo", "/bar"].map(async (p) => bodyText(await (await server.get(p)).text())),
  );
  assert.deepEqual(texts, ["app/layout/index", "app/layout/foo", "bar"]);
});

Deno.test("fsRoutes: page() data, status and headers reach the page", async () => {
  const server = await fsServer({
    "routes/index.tsx": {
      handler: () => page("foo", { status: 404, headers: { "X-Foo": "123" } }),
      default: (p: PageProps<string>) => <p>{p.data}</p>,
    },
  });
  const res = await server.get("/");
  assert.equal(bodyText(await res.text()), "foo");
  assert.equal(res.status, 404);
  assert.equal(res.headers.get("x-foo"), "123");
});

Deno.test("fsRoutes: a handler may return Fresh's plain { data, headers, status } object", async () => {
  const component = (p: PageProps<{ n: number }>) => <h1>foo {p.data.n}</h1>;
  const server = await fsServer({
    "routes/index.tsx": {
      handler: () => ({ data: { n: 1 }, headers: new Headers({ "X-Foo": "foo" }) }),
      default: component,
    },
    "routes/obj.tsx": {
      handler: () => ({ data: { n: 2 }, headers: { "X-Foo": "foo" }, status: 201 }),
      default: component,
    },
    "routes/arr.tsx": {
      handler: { GET: () => ({ data: { n: 3 }, headers: [["X-Foo", "foo"]] }) },
      default: component,
    },
  });
  for (const [path, n, status] of [["/", 1, 200], ["/obj", 2, 201], ["/arr", 3, 200]] as const) {
    const res = await server.get(path);
    assert.equal(res.status, status, path);
    assert.match(await res.text(), new RegExp(`<h1>foo ${n}</h1>`), path);
    assert.equal(res.headers.get("x-foo"), "foo", path);
  }
});

Deno.test("fsRoutes: _404 renders for unknown paths; a _404 handler answers instead", async () => {
  const page404 = await fsServer({
    "routes/_404.tsx": { default: () => <div>Custom 404 - Not Found</div> },
    "routes/index.tsx": {
      handlers: () => {
        throw new Error("ok");
      },
    },
  });
  const res = await page404.get("/invalid");
  assert.equal(res.status, 404);
  assert.match(await res.text(), /Custom 404 - Not Found/);

  const handler404 = await fsServer({
    "routes/_404.tsx": { handlers: { GET: () => new Response("ok") } },
    "routes/index.tsx": { handlers: { GET: () => new Response("fail") } },
  });
  assert.equal(await (await handler404.get("/invalid")).text(), "ok");
});

Deno.test("fsRoutes: _500 and _error render for thrown errors; their handlers answer instead", async () => {
  const thrower = {
    handlers: () => {
      throw new Error("fail");
    },
  };
  for (const name of ["_500", "_error"]) {
    const component = await fsServer({
      [`routes/${name}.tsx`]: { default: () => <div>Custom Error Page</div> },
      "routes/index.tsx": thrower,
    });
    const res = await component.get("/");
    assert.equal(res.status, 500, name);
    assert.match(await res.text(), /Custom Error Page/, name);
    assert.equal(component.errors.length, 1, `${name}: the error is reported`);

    const handler = await fsServer({
      [`routes/${name}.tsx`]: { handlers: { GET: () => new Response("ok") } },
      "routes/index.tsx": thrower,
    });
    assert.equal(await (await handler.get("/")).text(), "ok", name);
  }
});

Deno.test("fsRoutes: nested _error pages — nearest first; one that throws hands over to the outer one", async () => {
  const nested = await fsServer({
    "routes/_error.tsx": {
      handlers: () => {
        throw new Error("fail");
      },
    },
    "routes/foo/_error.tsx": {
      handlers: (ctx: Context<unknown>) => new Response((ctx.error as Error).message),
    },
    "routes/foo/index.tsx": {
      handlers: () => {
        throw new Error("ok");
      },
    },
  });
  assert.equal(await (await nested.get("/foo")).text(), "ok");

  const nestedThrow = await fsServer({
    "routes/_error.tsx": { handlers: (ctx: Context<unknown>) => new Response((ctx.error as Error).message) },
    "routes/foo/_error.tsx": {
      handlers: () => {
        throw new Error("ok");
      },
    },
    "routes/foo/index.tsx": {
      handlers: () => {
        throw new Error("first");
      },
    },
  });
  assert.equal(await (await nestedThrow.get("/foo")).text(), "ok");

  const renderOuter = await fsServer({
    "routes/_error.tsx": { default: (p: P) => <div>{(p.error as Error).message}</div> },
    "routes/foo/_error.tsx": {
      handlers: () => {
        throw new Error("ok");
      },
    },
    "routes/foo/index.tsx": {
      handlers: () => {
        throw new Error("failing");
      },
    },
  });
  assert.equal(bodyText(await (await renderOuter.get("/foo")).text()), "ok");
});

Deno.test("fsRoutes: an _error component does not render when nothing failed", async () => {
  const server = await fsServer({
    "routes/_error.tsx": { default: () => <div>fail</div> },
    "routes/index.tsx": { default: () => <div>ok</div> },
  });
  assert.equal(bodyText(await (await server.get("/")).text()), "ok");
});

Deno.test("fsRoutes: the status of an error page comes from the error — also one thrown by an error page", async () => {
  const server = await fsServer({
    "routes/_error.tsx": { default: () => <div>fail</div> },
    "routes/fail.tsx": {
      default: () => {
        throw new Error("fail");
      },
    },
    "routes/foo/_error.tsx": {
      default: () => {
        throw new HttpError(501);
      },
    },
    "routes/foo/fail.tsx": {
      default: () => {
        throw new Error("fail");
      },
    },
  });
  for (const [path, status] of [["/fooa", 404], ["/fail", 500], ["/foo/fail", 501]] as const) {
    const res = await server.get(path);
    await res.body?.cancel();
    assert.equal(res.status, status, path);
  }
});

Deno.test("fsRoutes: (group) folders — index, ignored (_private) folders, their own middleware/layout/_error", async () => {
  const index = await fsServer({
    "routes/(foo)/_layout.tsx": { default: wrap("layout") },
    "routes/(foo)/index.tsx": { default: () => <>ok</> },
  });
  assert.equal(bodyText(await (await index.get("/")).text()), "layout/ok");

  const ignored = await fsServer({
    "routes/(_foo)/index.tsx": { default: () => <div>fail</div> },
    "routes/(foo)/index.tsx": { default: () => <div>ok</div> },
  });
  assert.equal(bodyText(await (await ignored.get("/")).text()), "ok");

  const files: Record<string, Record<string, unknown>> = {};
  for (const g of ["foo", "bar"]) {
    files[`routes/(${g})/_error.tsx`] = { default: () => <div>fail {g}</div> };
    files[`routes/(${g})/_layout.tsx`] = {
      default: ({ Component, state }: P) => (
        <div>
          {state.text}/({g})_layout/<Component />
        </div>
      ),
    };
    files[`routes/(${g})/_middleware.tsx`] = {
      handlers: (ctx: Context<Text>) => {
        ctx.state.text = `(${g})_middleware`;
        return ctx.next();
      },
    };
    files[`routes/(${g})/${g}.tsx`] = { default: () => <Div>{g}</Div> };
    files[`routes/(${g})/${g}_error.tsx`] = {
      default: () => {
        throw new Error("fail");
      },
    };
  }
  const groups = await fsServer(files);
  for (const g of ["foo", "bar"]) {
    assert.equal(bodyText(await (await groups.get(`/${g}`)).text()), `(${g})_middleware/(${g})_layout/${g}`);
    const res = await groups.get(`/${g}_error`);
    assert.equal(res.status, 500);
    assert.equal(bodyText(await res.text()), `(${g})_middleware/(${g})_layout/fail ${g}`);
  }
});

Deno.test("fsRoutes: (group) routes do not shadow more specific routes elsewhere", async () => {
  const order2 = await fsServer({
    "routes/(app)/[org]/[app]/index.tsx": { default: () => <div>fail</div> },
    "routes/auth/login.tsx": { default: () => <div>ok</div> },
  });
  assert.equal(bodyText(await (await order2.get("/auth/login")).text()), "ok");
  const order3 = await fsServer({
    "routes/(app)/(foo)/foo/index.tsx": { default: () => <div>fail</div> },
    "routes/(foo)/foo/bar.tsx": { default: () => <div>ok</div> },
  });
  assert.equal(bodyText(await (await order3.get("/foo/bar")).text()), "ok");
});

Deno.test("fsRoutes: two (group) folders serving one URL with different methods are merged", async () => {
  const server = await fsServer({
    "routes/(foo)/bar/index.ts": { handler: { POST: () => new Response("POST ok") } },
    "routes/bar/index.ts": { handler: { GET: () => new Response("GET ok") } },
  });
  assert.equal(await (await server.get("/bar")).text(), "GET ok");
  assert.equal(await (await server.post("/bar")).text(), "POST ok");
  const put = await server.put("/bar");
  await put.body?.cancel();
  assert.equal(put.status, 405);
  assert.equal(put.headers.get("allow"), "GET, HEAD, POST");
  // …but two files answering the same method for one URL are refused at start
  const { app } = fsApp({
    "routes/(foo)/bar/index.ts": { handler: { GET: () => new Response("a") } },
    "routes/bar/index.ts": { handler: { GET: () => new Response("b") } },
  });
  app.fsRoutes();
  await assert.rejects(app.ready(), /both answer GET/);
});

Deno.test("fsRoutes: async page, layout and error components are awaited", async () => {
  const server = await fsServer<Text>({
    "routes/_error.tsx": {
      default: async () => {
        await delay(1);
        return <div>fail foo</div>;
      },
    },
    "routes/_layout.tsx": {
      default: async ({ Component, state }: P) => {
        await delay(1);
        return (
          <div>
            {state.text}/_layout/<Component />
          </div>
        );
      },
    },
    "routes/foo.tsx": {
      default: async () => {
        await delay(1);
        return <div>foo</div>;
      },
    },
    "routes/foo_error.tsx": {
      default: async () => {
        await delay(1);
        throw new Error("fail");
      },
    },
  });
  let res = await server.get("/foo");
  assert.equal(res.status, 200);
  assert.equal(bodyText(await res.text()), "/_layout/foo");
  res = await server.get("/foo_error");
  assert.equal(res.status, 500);
  assert.equal(bodyText(await res.text()), "/_layout/fail foo");
});

Deno.test("fsRoutes: async _app, layout or page may answer with a Response", async () => {
  const server = await fsServer({
    "routes/_app.tsx": {
      default: async ({ Component, url }: P) => {
        await delay(1);
        if (url.searchParams.has("app")) return new Response("_app");
        return (
          <div>
            _app/<Component />
          </div>
        );
      },
    },
    "routes/_layout.tsx": {
      default: async ({ Component, url }: P) => {
        await delay(1);
        if (url.searchParams.has("layout")) return new Response("_layout");
        return (
          <div>
            _layout/<Component />
          </div>
        );
      },
    },
    "routes/index.tsx": {
      default: async ({ url }: P) => {
        await delay(1);
        if (url.searchParams.has("index")) return new Response("index");
        return <div>index</div>;
      },
    },
  });
  assert.equal(bodyText(await (await server.get("/")).text()), "_app/_layout/index");
  for (const q of ["app", "layout", "index"]) {
    assert.equal(
      await (await server.get(`/?${q}`)).text(),
      q === "app" ? "_app" : q === "layout" ? "_layout" : "index",
    );
  }
});

Deno.test("fsRoutes: ctx.render() init — headers, status and statusText", async () => {
  const server = await fsServer({
    "routes/index.tsx": {
      handler: (ctx: Context<unknown>) =>
        ctx.render(<h1>hello</h1>, {
          headers: { "X-Foo": "123" },
          status: 418,
          statusText: "I'm a fresh teapot",
        }),
    },
  });
  const res = await server.get("/");
  await res.body?.cancel();
  assert.equal(res.status, 418);
  assert.equal(res.statusText, "I'm a fresh teapot");
  assert.equal(res.headers.get("x-foo"), "123");
});

Deno.test("fsRoutes: a page without a GET handler renders on GET; POST goes to its handler", async () => {
  const server = await fsServer<{ value: boolean }>({
    "routes/noGetHandler.tsx": {
      default: (p: PageProps<unknown, { value: boolean }>) => <h1>{p.state.value ? "true" : "false"}</h1>,
      handlers: { POST: () => new Response("POST") },
    },
    "routes/withGetHandler.tsx": {
      default: (p: PageProps<unknown, { value: boolean }>) => <h1>{p.state.value ? "true" : "false"}</h1>,
      handlers: {
        POST: () => new Response("POST"),
        GET: (ctx: Context<{ value: boolean }>) => {
          ctx.state.value = true;
          return page();
        },
      },
    },
  });
  for (const path of ["/noGetHandler", "/withGetHandler"]) {
    const post = await server.post(path);
    assert.equal(post.status, 200);
    assert.equal(post.headers.get("content-type"), "text/plain;charset=UTF-8");
    assert.equal(await post.text(), "POST");
    const get = await server.get(path);
    assert.equal(get.status, 200);
    assert.equal(get.headers.get("content-type"), "text/html; charset=utf-8");
    assert.match(await get.text(), path === "/noGetHandler" ? /<h1>false<\/h1>/ : /<h1>true<\/h1>/);
  }
});

Deno.test("fsRoutes: the default GET of a page still runs nested middleware", async () => {
  const server = await fsServer<Text>({
    "routes/_middleware.ts": {
      handler: (ctx: Context<Text>) => {
        ctx.state.text = "A";
        return ctx.next();
      },
    },
    "routes/foo/_middleware.ts": {
      handler: (ctx: Context<Text>) => {
        ctx.state.text += "B";
        return ctx.next();
      },
    },
    "routes/foo/noGetHandler.tsx": {
      default: (p: P) => <h1>{p.state.text}</h1>,
      handlers: { POST: () => new Response("POST") },
    },
  });
  assert.equal(await (await server.post("/foo/noGetHandler")).text(), "POST");
  assert.match(await (await server.get("/foo/noGetHandler")).text(), /<h1>AB<\/h1>/);
});

Deno.test("fsRoutes: numeric and bigint keys render", async () => {
  const Item = () => <div>foo</div>;
  const server = await fsServer({
    "routes/index.tsx": {
      default: () => (
        <>
          <Item key={0} />
          <Item key={1} />
          {/* @ts-ignore: Preact accepts any key value at runtime */}
          <Item key={9007199254740991n} />
          ok
        </>
      ),
    },
  });
  const text = await (await server.get("/")).text();
  assert.match(text, /<div>foo<\/div><div>foo<\/div><div>foo<\/div>ok/);
});

Deno.test("fsRoutes: only the middleware of the route's own folders runs", async () => {
  const server = await fsServer<Text>({
    "routes/_middleware.ts": {
      handler: async function middleware(ctx: Context<Text>) {
        ctx.state.text = "_middleware";
        return await ctx.next();
      },
    },
    "routes/index.ts": { default: async (p: P) => await new Response(p.state.text) },
    "routes/admin/_middleware.ts": {
      handler: async function adminMiddleware(ctx: Context<Text>) {
        ctx.state.text += "admin/_middleware";
        return await ctx.next();
      },
    },
    "routes/foo/index.ts": { handler: (ctx: Context<Text>) => new Response(ctx.state.text) },
  });
  assert.equal(await (await server.get("/")).text(), "_middleware");
  assert.equal(await (await server.get("/foo")).text(), "_middleware");
});

Deno.test("fsRoutes: a _layout's handler export is ignored with a warning", async () => {
  const warnings: unknown[][] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args);
  try {
    const server = await fsServer({
      "routes/_layout.ts": { handler: () => new Response("no"), default: wrap("layout") },
      "routes/index.ts": { default: () => <>ok</> },
    });
    assert.equal(bodyText(await (await server.get("/")).text()), "layout/ok");
  } finally {
    console.warn = original;
  }
  assert.equal(warnings.length, 1);
  assert.match(String(warnings[0][0]), /_layout\.ts.*handler/);
});
