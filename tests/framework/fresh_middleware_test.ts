/**
 * Middleware cases adapted from Fresh 2's `middlewares/mod_test.ts` (chains, errors passing through
 * every middleware, lazy middleware) and `middlewares/trailing_slashes_test.ts`.
 */
import assert from "node:assert/strict";
import { App, type Middleware, trailingSlashes } from "../../framework/mod.ts";
import { FakeServer, fsServer } from "./fresh_helpers.ts";

type Text = { text: string };

/** A server whose every request runs `middlewares` (the last one answers). */
function chain<S>(middlewares: Middleware<S>[]): FakeServer {
  const app = new App<S>({ onError: () => {} });
  for (const m of middlewares.slice(0, -1)) app.use(m);
  return new FakeServer(app.all("*", middlewares.at(-1)!).handler());
}

Deno.test("middleware: each calls the next; code after `await ctx.next()` runs after the answer is made", async () => {
  const server = chain<Text>([
    (ctx) => {
      ctx.state.text = "A";
      return ctx.next();
    },
    (ctx) => {
      ctx.state.text += "B";
      return ctx.next();
    },
    async (ctx) => {
      const res = await ctx.next();
      ctx.state.text += "C"; // too late to show
      return res;
    },
    (ctx) => new Response(ctx.state.text),
  ]);
  assert.equal(await (await server.get("/")).text(), "AB");
});

Deno.test("middleware: each runs once per request", async () => {
  const server = chain<{ count?: number }>([
    (ctx) => {
      ctx.state.count = ctx.state.count === undefined ? 0 : ctx.state.count + 1;
      return ctx.next();
    },
    (ctx) => new Response(String(ctx.state.count)),
  ]);
  assert.equal(await (await server.get("/")).text(), "0");
  assert.equal(await (await server.get("/")).text(), "0");
});

Deno.test("middleware: a long stack runs in order", async () => {
  const add = (s: string): Middleware<Text> => (ctx) => {
    ctx.state.text = (ctx.state.text ?? "") + s;
    return ctx.next();
  };
  const server = chain<Text>([add("A"), add("B"), add("C"), add("D"), (ctx) => new Response(ctx.state.text)]);
  assert.equal(await (await server.get("/")).text(), "ABCD");
});

Deno.test("middleware: an error passes every middleware above the thrower", async () => {
  const seen: unknown[] = [];
  const watcher: Middleware<unknown> = async (ctx) => {
    try {
      return await ctx.next();
    } catch (err) {
      seen.push(err);
      throw err;
    }
  };
  const server = chain<unknown>([watcher, watcher, watcher, () => {
    throw new Error("fail");
  }]);
  const res = await server.get("/");
  await res.body?.cancel();
  assert.equal(res.status, 500);
  assert.equal(seen.length, 3);
  for (const err of seen) assert.equal((err as Error).message, "fail");
});

Deno.test("middleware: an error thrown in a file route reaches _middleware and app middleware; ctx.error is set", async () => {
  const seen: string[] = [];
  const server = await fsServer({
    "routes/_500.tsx": { default: () => "error page" },
    "routes/_middleware.ts": {
      handler: async (ctx: Parameters<Middleware<unknown>>[0]) => {
        try {
          return await ctx.next();
        } catch (err) {
          seen.push(`root:${(err as Error).message}:${(ctx.error as Error).message}`);
          throw err;
        }
      },
    },
    "routes/a/_middleware.ts": {
      handler: async (ctx: Parameters<Middleware<unknown>>[0]) => {
        try {
          return await ctx.next();
        } catch (err) {
          seen.push(`a:${(err as Error).message}`);
          throw err;
        }
      },
    },
    "routes/a/b.ts": {
      handler: () => {
        throw new Error("boom");
      },
    },
  }, (app) =>
    app.use(async (ctx) => {
      try {
        return await ctx.next();
      } catch (err) {
        seen.push(`app:${(err as Error).message}`);
        throw err;
      }
    }));
  const res = await server.get("/a/b");
  assert.equal(res.status, 500);
  assert.match(await res.text(), /error page/);
  assert.deepEqual(seen, ["a:boom", "root:boom:boom", "app:boom"]);
  assert.equal(server.errors.length, 1);
});

Deno.test("middleware: lazy middleware is created once, on first use", async () => {
  let created = 0;
  const lazy = () => {
    created++;
    return Promise.resolve(
      ((ctx) => {
        ctx.state.text += "_lazy";
        return ctx.next();
      }) as Middleware<Text>,
    );
  };
  const server = chain<Text>([
    async (ctx) => {
      ctx.state.text = "A";
      return await ctx.next();
    },
    lazy as unknown as Middleware<Text>,
    (ctx) => new Response(ctx.state.text + "_B"),
  ]);
  assert.equal(await (await server.get("/")).text(), "A_lazy_B");
  assert.equal(created, 1);
  assert.equal(await (await server.get("/")).text(), "A_lazy_B");
  assert.equal(created, 1);
});

Deno.test("trailingSlashes('always') adds a slash (302), except at the root", async () => {
  const server = chain<unknown>([trailingSlashes("always"), () => new Response("ok")]);
  for (
    const [path, location] of [["/", null], ["/foo", "/foo/"], ["/foo/bar", "/foo/bar/"], ["/foo/bar/", null]]
  ) {
    const res = await server.get(path!);
    await res.body?.cancel();
    assert.equal(res.status, location ? 302 : 200, path!);
    assert.equal(res.headers.get("location"), location, path!);
  }
  const q = await server.get("/foo?x=1");
  assert.equal(q.headers.get("location"), "/foo/?x=1");
});

Deno.test("trailingSlashes('never') removes a trailing slash (302), and never redirects off-site", async () => {
  const server = chain<unknown>([trailingSlashes("never"), () => new Response("ok")]);
  for (
    const [path, location] of [["/", null], ["/foo", null], ["/foo/", "/foo"], ["/foo/?a=b", "/foo?a=b"]]
  ) {
    const res = await server.get(path!);
    await res.body?.cancel();
    assert.equal(res.status, location ? 302 : 200, path!);
    assert.equal(res.headers.get("location"), location, path!);
  }
  const evil = await server.handler(new Request("http://localhost//evil.example/"));
  assert.equal(evil.status, 302);
  assert.equal(evil.headers.get("location"), "/evil.example");
});

Deno.test("without trailingSlashes() a trailing slash is a different path (404), as in Fresh", async () => {
  const server = new FakeServer(new App().get("/foo", () => new Response("ok")).handler());
  const res = await server.get("/foo/");
  await res.body?.cancel();
  assert.equal(res.status, 404);
  // repeated slashes are collapsed before routing
  assert.equal(await (await server.handler(new Request("http://localhost//foo"))).text(), "ok");
});
