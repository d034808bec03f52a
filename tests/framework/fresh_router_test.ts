/**
 * Router cases adapted from Fresh 2's `router_test.ts`: file path → pattern (`pathToPattern` there,
 * `fileToPattern` here), refusal of malformed names, parameter extraction and decoding, method matching.
 * Fresh's `keepGroups` option, `patternToSegments()` and `mergePath()` are internals of its segment tree
 * and `basePath`, which this layer does not have.
 */
import assert from "node:assert/strict";
import { routesFromFiles } from "../../framework/build.ts";
import { App } from "../../framework/mod.ts";
import { compilePattern, fileToPattern } from "../../framework/router.ts";
import { FakeServer } from "./fresh_helpers.ts";

Deno.test("fileToPattern: plain paths, index, [params], [...rest]", () => {
  assert.equal(fileToPattern("foo/bar"), "/foo/bar");
  assert.equal(fileToPattern("foo/index"), "/foo");
  assert.equal(fileToPattern("index"), "/");
  assert.equal(fileToPattern("foo/[name]"), "/foo/:name");
  assert.equal(fileToPattern("foo/[name]/bar/[bob]"), "/foo/:name/bar/:bob");
  assert.equal(fileToPattern("foo/[...name]"), "/foo/:name*");
});

Deno.test("fileToPattern: several params in one segment, params beside text", () => {
  assert.equal(fileToPattern("foo/[mod]@[version]"), "/foo/:mod@:version");
  assert.equal(fileToPattern("foo/[bar].json"), "/foo/:bar.json");
  assert.equal(fileToPattern("foo/foo[bar]"), "/foo/foo:bar");
  const p = compilePattern(fileToPattern("foo/[mod]@[version]"));
  assert.deepEqual(p.match("/foo/preact@10.29.8"), { mod: "preact", version: "10.29.8" });
  assert.deepEqual(compilePattern("/foo/:bar.json").match("/foo/x.json"), { bar: "x" });
});

Deno.test("fileToPattern: optional [[params]] as whole segments", () => {
  assert.equal(fileToPattern("foo/[[name]]"), "/foo{/:name}?");
  assert.equal(fileToPattern("foo/[name]/[[bob]]"), "/foo/:name{/:bob}?");
  assert.equal(fileToPattern("foo/[[name]]/bar"), "/foo{/:name}?/bar");
  assert.equal(fileToPattern("foo/[[name]]/bar/[[bob]]"), "/foo{/:name}?/bar{/:bob}?");
  const p = compilePattern("/foo{/:name}?/bar");
  assert.deepEqual(p.match("/foo/bar"), { name: "" });
  assert.deepEqual(p.match("/foo/x/bar"), { name: "x" });
  assert.equal(p.match("/foo/x/y/bar"), null);
});

Deno.test("fileToPattern: malformed names are refused with the file named", () => {
  for (
    const bad of [
      "foo/[foo][bar]",
      "foo/foo]",
      "foo/[foo]]",
      "foo/foo-[[name]]-bar/baz",
      "foo/[[name]]-bar/baz",
      "foo/foo-[[name]]/baz",
      "foo/foo-[[name]]",
      "foo/[[name]]-bar",
      "foo/[",
      "foo/[a",
      "foo/[]",
      "foo/[a-b]",
      "foo/x[...rest]",
      "foo/a:b",
    ]
  ) {
    assert.throws(() => fileToPattern(bad), (err: Error) => err.message.includes(bad), bad);
  }
});

Deno.test("build: malformed route file names stop the build; test files under routes/ are skipped", () => {
  for (const bad of ["routes/[a][b].tsx", "routes/a].tsx", "routes/[.tsx", "routes/x/[[y]]-z.ts"]) {
    assert.throws(() => routesFromFiles([bad]), (err: Error) => err.message.includes(bad), bad);
  }
  const routes = routesFromFiles([
    "routes/index.tsx",
    "routes/index_test.tsx",
    "routes/foo_test.ts",
    "routes/bar.test.ts",
    "routes/baz.test.tsx",
    "routes/qux_test.js",
    "routes/quux.test.mts",
    "routes/valid.tsx",
    "routes/notes.md",
    "routes/types.d.ts",
  ]);
  assert.deepEqual(routes.map((r) => r.file), ["routes/index.tsx", "routes/valid.tsx"]);
});

Deno.test("router: params are extracted and decoded (as decodeURI does)", async () => {
  const seen: Record<string, string>[] = [];
  const app = new App()
    .get("/:foo/:bar/c", (ctx) => {
      seen.push(ctx.params);
      return new Response(ctx.route ?? "");
    })
    .get("/books/:id", (ctx) => ctx.json({ id: ctx.params.id, route: ctx.route }));
  const server = new FakeServer(app.handler());
  assert.equal(await (await server.get("/a/b/c")).text(), "/:foo/:bar/c");
  await (await server.get("/a%20a/b/c")).body?.cancel();
  await (await server.get("/%E4%B8%AD/a%2Fb/c")).body?.cancel();
  assert.deepEqual(seen, [{ foo: "a", bar: "b" }, { foo: "a a", bar: "b" }, { foo: "中", bar: "a%2Fb" }]);
  assert.deepEqual(await (await server.get("/books/foo")).json(), { id: "foo", route: "/books/:id" });
  // a malformed escape matches no route (404), never a 500
  const bad = await server.get("/books/%E4");
  await bad.body?.cancel();
  assert.equal(bad.status, 404);
});

Deno.test("router: a path registered for GET answers POST with 405; GET + POST both match", async () => {
  const server = new FakeServer(
    new App()
      .get("/foo", () => new Response("A"))
      .get("/bar", () => new Response("A"))
      .post("/bar", () => new Response("B"))
      .handler(),
  );
  const res = await server.post("/foo");
  await res.body?.cancel();
  assert.equal(res.status, 405);
  assert.equal(res.headers.get("allow"), "GET, HEAD");
  assert.equal(await (await server.post("/bar")).text(), "B");
  assert.equal(await (await server.get("/bar")).text(), "A");
});

Deno.test("router: static routes beat dynamic ones whatever the order of registration", async () => {
  const server = new FakeServer(
    new App()
      .get("/foo/:id", () => new Response("param"))
      .get("/foo/bar", () => new Response("static"))
      .handler(),
  );
  assert.equal(await (await server.get("/foo/bar")).text(), "static");
  assert.equal(await (await server.get("/foo/baz")).text(), "param");
});
