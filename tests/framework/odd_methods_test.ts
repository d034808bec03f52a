/**
 * Methods that `new Request()` refuses (TRACE, TRACK, CONNECT) still reach a server: `Deno.serve` hands
 * them over, and nothing in the layer may rebuild such a request and fail with a 500. They are sent here
 * over a raw TCP connection (fetch refuses them too), to the bare App and to the whole platform.
 */
import assert from "node:assert/strict";
import { App, bodyLimit, type Context, csrf, HttpError } from "../../framework/mod.ts";
import { fixtureApp } from "./helpers.ts";
import { ODD, raw, targetFor } from "./raw_http.ts";

async function serve(handler: (req: Request, info: Deno.ServeHandlerInfo) => Promise<Response>) {
  const { promise, resolve } = Promise.withResolvers<number>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: (a) => resolve(a.port) }, handler);
  return { port: await promise, server };
}

Deno.test("bare App: odd methods answer 405 with Allow on a route and 501 elsewhere, with or without a body", async () => {
  const errors: unknown[] = [];
  const app = new App<{ csrfToken: string }>({ onError: (e) => errors.push(e) })
    .use(bodyLimit())
    .use(csrf({ secret: "x".repeat(32), secureCookies: false }))
    .get("/", () => new Response("home"))
    .post("/", () => new Response("posted"));
  const { port, server } = await serve(app.handler());
  try {
    for (const method of ODD) {
      for (const body of ["", "hello"]) {
        const onRoute = await raw(port, method, targetFor(method, "/"), body);
        if (method.toUpperCase() === "CONNECT") {
          // Deno.serve turns the authority-form target into the URL of the site's root: the route "/"
          assert.equal(onRoute.status, 405, `${method} (body ${body.length})`);
          continue;
        }
        assert.equal(onRoute.status, 405, `${method} / (body ${body.length})`);
        assert.equal(onRoute.headers.get("allow"), "GET, HEAD, POST");
        const elsewhere = await raw(port, method, "/nothing-here", body);
        assert.equal(elsewhere.status, 501, `${method} /nothing-here (body ${body.length})`);
      }
    }
    // a GET or HEAD that carries a body must not break the body limit either
    const getWithBody = await raw(port, "GET", "/", "hello");
    assert.equal(getWithBody.status, 200);
    assert.equal(errors.length, 0, String(errors[0]));
  } finally {
    await server.shutdown();
  }
});

Deno.test("bodyLimit: the counted request keeps its method, also one new Request() refuses", async () => {
  const limit = bodyLimit({ maxBytes: 10 });
  const { port, server } = await serve(async (req) => {
    const ctx = {
      req,
      url: new URL(req.url),
      state: {},
      json: (data: unknown, init?: ResponseInit) => Response.json(data, init),
      next: async () =>
        new Response(
          `${ctx.req.method}:${await ctx.req.clone().text()}:${ctx.req.clone().method}:${await ctx.req
            .text()}`,
        ),
    };
    try {
      return await limit(ctx as unknown as Context<unknown>);
    } catch (err) {
      return new Response(String(err), { status: err instanceof HttpError ? err.status : 500 });
    }
  });
  try {
    for (const method of ["TRACE", "TRACK", "patch", "PUT", "POST"]) {
      const res = await raw(port, method, "/", "abc");
      assert.equal(res.status, 200, method);
      assert.equal(res.text.split("\r\n\r\n")[1], `${method}:abc:${method}:abc`, method);
    }
    assert.equal((await raw(port, "TRACE", "/", "0123456789ABC")).status, 413);
  } finally {
    await server.shutdown();
  }
});

Deno.test("file routes: odd methods are refused the same way, before any folder middleware", async () => {
  const { app } = await fixtureApp((a) => a.use(bodyLimit()));
  const { port, server } = await serve(app.handler());
  try {
    for (const method of ODD) {
      if (method === "CONNECT") continue;
      const res = await raw(port, method, "/methods", "x");
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get("allow"), "GET, HEAD, POST");
      assert.equal((await raw(port, method, "/staff/nope")).status, 501, method);
    }
  } finally {
    await server.shutdown();
  }
});
