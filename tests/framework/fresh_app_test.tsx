/**
 * `App` cases adapted from Fresh 2's `app_test.tsx`: `use()` (also lazy and path-scoped), programmatic
 * routes per method, 405, HEAD, errors propagating through middleware, `ctx.render()` init, and the
 * `_app`/`_layout` wrappers around `ctx.render()`. Fresh's `basePath`, `mountApp()`, `notFound()`,
 * `onError()`, `route()`, `appWrapper()` and `layout()` are not part of this layer (see the README).
 */
import assert from "node:assert/strict";
import { App, HttpError, type Middleware, type PageProps } from "../../framework/mod.ts";
import { bodyText, FakeServer, fsServer } from "./fresh_helpers.ts";

type Text = { text: string };
const serve = <S,>(app: App<S>) => new FakeServer(app.handler());

Deno.test("App: use() runs middleware in order before the route", async () => {
  const app = new App<Text>()
    .use((ctx) => {
      ctx.state.text = "A";
      return ctx.next();
    })
    .use((ctx) => {
      ctx.state.text += "B";
      return ctx.next();
    })
    .get("/", (ctx) => new Response(ctx.state.text));
  assert.equal(await (await serve(app).get("/")).text(), "AB");
});

Deno.test("App: a middleware may answer without calling next()", async () => {
  const app = new App<Text>()
    .use(() => new Response("ok #1"))
    .get("/foo/bar", () => new Response("ok #2"))
    .get("/", () => new Response("ok #3"));
  assert.equal(await (await serve(app).get("/")).text(), "ok #1");
});

Deno.test("App: use(path, …) applies to routes at and below that path only", async () => {
  const app = new App<Text>()
    .use("/foo", (ctx) => {
      ctx.state.text = "ok";
      return ctx.next();
    })
    .get("/foo", (ctx) => new Response(ctx.state.text))
    .get("/foo/bar", (ctx) => new Response(ctx.state.text))
    .get("/foobar", (ctx) => new Response(String(ctx.state.text)));
  const server = serve(app);
  assert.equal(await (await server.get("/foo")).text(), "ok");
  assert.equal(await (await server.get("/foo/bar")).text(), "ok");
  assert.equal(await (await server.get("/foobar")).text(), "undefined");
});

Deno.test("App: get/post/patch/put/delete route by method (method names in any case)", async () => {
  const app = new App()
    .get("/", () => new Response("get /"))
    .get("/foo", () => new Response("get /foo"))
    .post("/", () => new Response("post /"))
    .post("/foo", () => new Response("post /foo"))
    .patch("/", () => new Response("patch /"))
    .patch("/foo", () => new Response("patch /foo"))
    .put("/", () => new Response("put /"))
    .put("/foo", () => new Response("put /foo"))
    .delete("/", () => new Response("delete /"))
    .delete("/foo", () => new Response("delete /foo"));
  const server = serve(app);
  for (const m of ["get", "post", "patch", "put", "delete"] as const) {
    for (const path of ["/", "/foo"]) {
      const res = await server[m](path);
      assert.equal(res.status, 200, `${m} ${path}`);
      assert.equal(await res.text(), `${m} ${path}`);
    }
  }
});

Deno.test("App: another method on a programmatic route answers 405 Method Not Allowed", async () => {
  const app = new App<Text>()
    .get("/", () => new Response("ok"))
    .post("/", () => new Response("ok"));
  const server = serve(app);
  const res = await server.put("/");
  assert.equal(res.status, 405);
  assert.equal(res.headers.get("allow"), "GET, HEAD, POST");
  assert.equal(await res.text(), "Method Not Allowed");
  const post = await server.post("/");
  assert.equal(post.status, 200);
  assert.equal(await post.text(), "ok");
});

Deno.test("App: middleware runs for every method of a route", async () => {
  const app = new App<Text>()
    .use((ctx) => {
      ctx.state.text = "A";
      return ctx.next();
    })
    .get("/", (ctx) => new Response(ctx.state.text))
    .post("/", (ctx) => new Response(ctx.state.text));
  const server = serve(app);
  assert.equal(await (await server.get("/")).text(), "A");
  assert.equal(await (await server.post("/")).text(), "A");
});

Deno.test("App: an error thrown by a route reaches the try/catch of the middleware around it", async () => {
  let thrown: unknown = null;
  const app = new App<Text>({ onError: () => {} })
    .use(async (ctx) => {
      ctx.state.text = "A";
      try {
        return await ctx.next();
      } catch (err) {
        thrown = err;
        throw err;
      }
    })
    .get("/", () => {
      throw new Error("fail");
    });
  const res = await serve(app).get("/");
  await res.body?.cancel();
  assert.equal(res.status, 500);
  assert.ok(thrown instanceof Error);
});

Deno.test("App: ctx.error holds the error at every middleware it passes", async () => {
  const thrown: [unknown, unknown][] = [];
  const catcher: Middleware<unknown> = async (ctx) => {
    try {
      return await ctx.next();
    } catch (err) {
      thrown.push([err, ctx.error]);
      throw err;
    }
  };
  const app = new App({ onError: () => {} })
    .use(catcher)
    .use(catcher)
    .get("/", () => {
      throw "<mock error>";
    });
  const res = await serve(app).get("/");
  await res.body?.cancel();
  assert.equal(thrown.length, 2);
  assert.deepEqual(thrown, [["<mock error>", "<mock error>"], ["<mock error>", "<mock error>"]]);
});

Deno.test("App: a middleware that catches the error answers instead of the error page", async () => {
  const server = await fsServer({
    "routes/_500.tsx": { default: () => <p>error page</p> },
    "routes/index.tsx": {
      handler: () => {
        throw new Error("boom");
      },
    },
  }, (app) =>
    app.use(async (ctx) => {
      try {
        return await ctx.next();
      } catch (err) {
        return new Response(`caught ${(err as Error).message}`, { status: 503 });
      }
    }));
  const res = await server.get("/");
  assert.equal(res.status, 503);
  assert.equal(await res.text(), "caught boom");
  assert.equal(server.errors.length, 0, "a handled error is not reported");
});

Deno.test("App: ctx.render() takes status and headers", async () => {
  const app = new App<Text>().get(
    "/",
    (ctx) => ctx.render(<div>ok</div>, { status: 416, headers: { "X-Foo": "foo" } }),
  );
  const res = await serve(app).get("/");
  await res.body?.cancel();
  assert.equal(res.status, 416);
  assert.equal(res.headers.get("x-foo"), "foo");
});

Deno.test("App: a route that returns no Response is a 500", async () => {
  const errors: unknown[] = [];
  // deno-lint-ignore no-explicit-any
  const app = new App<Text>({ onError: (e) => errors.push(e) }).get("/", (() => {}) as any);
  const res = await serve(app).get("/");
  assert.equal(res.status, 500);
  assert.match(await res.text(), /Internal server error/);
  assert.match(String(errors[0]), /Response/);
});

Deno.test("App: all('*') answers every path", async () => {
  const server = serve(new App().all("*", () => new Response("ok")));
  assert.equal(await (await server.get("/")).text(), "ok");
  assert.equal(await (await server.delete("/a/b")).text(), "ok");
});

Deno.test("App: lazy middleware (an async function returning the middleware) is resolved once", async () => {
  let made = 0;
  const app = new App<Text>()
    .use(() => {
      made++;
      return Promise.resolve(
        ((ctx) => {
          ctx.state.text = "ok";
          return ctx.next();
        }) as Middleware<Text>,
      );
    })
    .get("/", (ctx) => new Response(ctx.state.text));
  const server = serve(app);
  assert.equal(await (await server.get("/")).text(), "ok");
  assert.equal(await (await server.get("/")).text(), "ok");
  assert.equal(made, 1);
});

Deno.test("App: lazy route handlers for get/post/patch/put/delete/head/all", async () => {
  const lazy = () => Promise.resolve(() => new Response("ok"));
  const app = new App()
    .get("/", lazy)
    .post("/", lazy)
    .patch("/", lazy)
    .delete("/", lazy)
    .put("/", lazy)
    .head("/", lazy)
    .all("/all", lazy);
  const server = serve(app);
  for (const m of ["get", "post", "put", "patch", "delete"] as const) {
    const res = await server[m]("/");
    assert.equal(res.status, 200, m);
    assert.equal(await res.text(), "ok");
  }
  const head = await server.head("/");
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  assert.equal(await (await server.patch("/all")).text(), "ok");
});

Deno.test("App: HEAD prefers a head() route over get(); falls back to get() without a body", async () => {
  const both = new App()
    .get("/", () => new Response("not ok", { status: 500 }))
    .head("/", () => new Response("ok"))
    .get("/:id", () => new Response("not ok", { status: 500 }))
    .head("/:id", () => new Response("ok"));
  for (const path of ["/", "/foo"]) {
    const res = await serve(both).head(path);
    assert.equal(res.status, 200, path);
    assert.equal(res.body, null);
  }
  const getOnly = new App().get("/", () => new Response("ok")).get("/:id", () => new Response("ok"));
  for (const path of ["/", "/foo"]) {
    const res = await serve(getOnly).head(path);
    assert.equal(res.status, 200, path);
    assert.equal(res.body, null);
  }
});

Deno.test("App: OPTIONS on a route without an OPTIONS handler answers 204 with Allow", async () => {
  const server = serve(new App().get("/", () => new Response("ok")).post("/", () => new Response("ok")));
  const res = await server.options("/");
  assert.equal(res.status, 204);
  assert.equal(res.headers.get("allow"), "GET, HEAD, POST");
});

Deno.test("App: programmatic routes decode their params", async () => {
  const app = new App().get("/:foo/:bar/c", (ctx) => ctx.json(ctx.params));
  const res = await serve(app).get("/a%20a/b/c");
  assert.deepEqual(await res.json(), { foo: "a a", bar: "b" });
});

Deno.test("App: ctx.render() inside _app and _layout, or without them (skipAppWrapper, skipInheritedLayouts)", async () => {
  const files = {
    "routes/_app.tsx": {
      default: ({ Component }: PageProps) => (
        <>
          app/<Component />
        </>
      ),
    },
    "routes/_layout.tsx": {
      default: ({ Component }: PageProps) => (
        <>
          layout/<Component />
        </>
      ),
    },
  };
  const server = await fsServer(files, (app) =>
    app
      .get("/", (ctx) => ctx.render(<>index</>))
      .get("/bare", (ctx) =>
        ctx.render(<>index</>, undefined, { skipAppWrapper: true, skipInheritedLayouts: true })));
  assert.equal(bodyText(await (await server.get("/")).text()), "app/layout/index");
  assert.equal(bodyText(await (await server.get("/bare")).text()), "index");
});

Deno.test("App: HttpError from a route without error pages answers its status and message", async () => {
  const app = new App({ onError: () => {} })
    .get("/thrower", () => {
      throw new HttpError(404);
    })
    .get("/teapot", () => {
      throw new HttpError(418, "short and stout");
    });
  const server = serve(app);
  const res = await server.get("/thrower");
  assert.equal(res.status, 404);
  assert.equal(await res.text(), "Not Found");
  const tea = await server.get("/teapot");
  assert.equal(tea.status, 418);
  assert.equal(await tea.text(), "short and stout");
  const none = await server.get("/invalid");
  assert.equal(none.status, 404);
  assert.equal(await none.text(), "Not Found");
});
