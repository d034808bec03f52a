import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { computed, type Signal, signal } from "@preact/signals";
import { h } from "preact";
import { revive } from "../../framework/client/revive.ts";
import { BOOT_SCRIPT_CSP_HASH, securityHeaders } from "../../framework/mod.ts";
import {
  createSerializeState,
  IslandPropError,
  jsonForScript,
  serializeProps,
} from "../../framework/serialize.ts";
import { buildFixture, fixtureApp, get } from "./helpers.ts";

function roundTrip(props: Record<string, unknown>): Record<string, unknown> {
  const encoded = serializeProps("Test", props, createSerializeState());
  return revive(JSON.parse(jsonForScript(encoded))) as Record<string, unknown>;
}

Deno.test("serialiser: round-trips primitives, arrays, plain objects, Date, bigint, undefined", () => {
  const when = new Date("2024-05-06T07:08:09.010Z");
  const props = {
    s: "文字 </script>",
    n: 1.5,
    neg0: -0,
    nan: NaN,
    inf: -Infinity,
    t: true,
    nul: null,
    big: -123456789012345678901234567890n,
    when,
    bad: new Date(NaN),
    arr: [1, undefined, "x", [2, { y: 3n }]],
    obj: { a: { b: { c: [when] } }, u: undefined },
    tagged: { $$f: "D", v: "not a date" },
    nullProto: Object.assign(Object.create(null), { k: 1 }),
  };
  const out = roundTrip(props);
  assert.equal(out.s, props.s);
  assert.equal(out.n, 1.5);
  assert.ok(Object.is(out.neg0, -0));
  assert.ok(Number.isNaN(out.nan));
  assert.equal(out.inf, -Infinity);
  assert.equal(out.t, true);
  assert.equal(out.nul, null);
  assert.equal(out.big, props.big);
  assert.ok(out.when instanceof Date);
  assert.equal((out.when as Date).toISOString(), when.toISOString());
  assert.ok(Number.isNaN((out.bad as Date).getTime()));
  assert.deepEqual(out.arr, [1, undefined, "x", [2, { y: 3n }]]);
  assert.equal((out.arr as unknown[]).length, 4);
  assert.deepEqual(out.obj, { a: { b: { c: [when] } }, u: undefined });
  assert.ok("u" in (out.obj as object));
  assert.deepEqual(out.tagged, { $$f: "D", v: "not a date" }, "user objects that look like tags survive");
  assert.deepEqual({ ...(out.nullProto as object) }, { k: 1 });
});

Deno.test("serialiser: signals revive as signals and keep identity across islands", () => {
  const shared = signal(5);
  const state = createSerializeState();
  const a = serializeProps("A", { count: shared, list: signal([1n, new Date(0)]) }, state);
  const b = serializeProps("B", { count: shared, derived: computed(() => shared.value * 2) }, state);
  const json = JSON.parse(jsonForScript([a, b]));
  const signals = new Map<number, Signal>();
  const ra = revive(json[0], signals) as { count: Signal<number>; list: Signal<unknown[]> };
  const rb = revive(json[1], signals) as { count: Signal<number>; derived: Signal<number> };
  assert.equal(ra.count.value, 5);
  assert.equal(ra.count, rb.count, "one signal on the server is one signal on the client");
  assert.deepEqual(ra.list.value, [1n, new Date(0)]);
  assert.equal(rb.derived.value, 10);
  ra.count.value = 7;
  assert.equal(rb.count.value, 7);
});

Deno.test("serialiser: unsupported values throw naming the island and the prop path", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { opts: { onChange: () => {} } },
      /^Island "Calc": prop "opts\.onChange" is a function and cannot be serialised$/,
    ],
    [{ m: new Map() }, /prop "m" is a Map/],
    [{ list: [1, new Set()] }, /prop "list\[1\]" is a Set/],
    [{ x: { "a-b": Symbol("s") } }, /prop "x\["a-b"\]" is a symbol/],
    [{ u: new URL("http://x") }, /prop "u" is an instance of URL/],
    [{ children: h("b", null) }, /prop "children" is a JSX element/],
    [{ s: signal(() => 1) }, /prop "s\.value" is a function/],
  ];
  for (const [props, re] of cases) {
    assert.throws(() => serializeProps("Calc", props, createSerializeState()), (err: unknown) => {
      assert.ok(err instanceof IslandPropError);
      assert.match(err.message, re);
      return true;
    });
  }
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  assert.throws(
    () => serializeProps("Calc", { data: circular }, createSerializeState()),
    /Island "Calc": prop "data\.self" is a circular reference/,
  );
  // shared (non-circular) references are fine
  const shared = { x: 1 };
  assert.deepEqual(roundTrip({ a: shared, b: shared }), { a: { x: 1 }, b: { x: 1 } });
});

Deno.test("build: manifest lists routes and islands with content-hashed bundles and their chunks", async () => {
  const { buildDir, manifest } = await buildFixture();
  const route = (file: string) => manifest.routes.find((r) => r.file === file);
  assert.deepEqual(route("routes/loans/[id].tsx"), {
    file: "routes/loans/[id].tsx",
    kind: "route",
    pattern: "/loans/:id",
    dir: "loans",
  });
  assert.equal(route("routes/loans/[...rest].tsx")?.pattern, "/loans/:rest*");
  assert.equal(route("routes/(marketing)/pricing.tsx")?.pattern, "/pricing");
  assert.equal(route("routes/_app.tsx")?.kind, "app");
  assert.equal(route("routes/loans/_middleware.ts")?.kind, "middleware");
  assert.equal(route("routes/_404.tsx")?.kind, "notFound");
  assert.equal(route("routes/_500.tsx")?.kind, "error");
  assert.deepEqual(Object.keys(manifest.islands).sort(), ["Counter", "Greeter", "Outer"]);
  const all = [manifest.runtime!, ...Object.values(manifest.islands)];
  for (const island of Object.values(manifest.islands)) {
    assert.match(island.js, /^\/_frsh\/islands\/(Counter|Greeter|Outer)-[A-Z0-9]{8}\.js$/);
  }
  for (const script of all) {
    for (const url of [script.js, ...script.imports]) {
      const file = join(buildDir, "static", url.replace(/^\/_frsh\//, ""));
      assert.ok((await Deno.stat(file)).isFile, `${url} exists`);
      assert.ok((await Deno.stat(`${file}.br`)).isFile, `${url}.br exists`);
      assert.ok((await Deno.stat(`${file}.gz`)).isFile, `${url}.gz exists`);
    }
  }
  // Preact and signals sit in one chunk that every island (and the runtime) imports.
  const common = all.map((s) => new Set(s.imports)).reduce((a, b) => new Set([...a].filter((x) => b.has(x))));
  assert.equal(common.size, 1);
  const shared = await Deno.readTextFile(join(buildDir, "static", [...common][0].replace(/^\/_frsh\//, "")));
  assert.match(shared, /hydrate/);
  assert.ok(shared.length > 10_000, "shared chunk holds preact + hooks + signals");
  for (const island of Object.values(manifest.islands)) {
    const code = await Deno.readTextFile(join(buildDir, "static", island.js.replace(/^\/_frsh\//, "")));
    assert.ok(
      code.length < 2000,
      `${island.js} is small (${code.length} bytes): shared code is not duplicated`,
    );
  }
  // Greeter's component chunk is shared with Outer, which renders it.
  assert.ok(manifest.islands.Greeter.imports.length === 2 && manifest.islands.Outer.imports.length === 2);
});

function scripts(html: string): string[] {
  return [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[0]);
}

Deno.test("islands: markers, props state, exactly the page's modulepreloads, boot script hash in CSP", async () => {
  const { manifest } = await buildFixture();
  const { handle } = await fixtureApp((app) => app.use(securityHeaders()));
  const { res, text } = await get(handle, "/island");
  assert.equal(res.status, 200);
  assert.match(text, /<frsh-island data-island="Counter" data-key="0"><div class="counter">/);
  assert.match(text, /<frsh-island data-island="Counter" data-key="1">/);
  assert.doesNotMatch(text, /style=/, "no inline style attributes");
  assert.match(text, new RegExp(`<link rel="stylesheet" href="${manifest.islandCss}">`));

  const preloads = [...text.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]);
  const expected = new Set([
    manifest.runtime!.js,
    ...manifest.runtime!.imports,
    manifest.islands.Counter.js,
    ...manifest.islands.Counter.imports,
  ]);
  assert.deepEqual(new Set(preloads), expected);
  assert.equal(preloads.length, expected.size, "no duplicates");

  const stateMatch = /<script type="application\/json" id="__FRSH_STATE">([\s\S]*?)<\/script>/.exec(text);
  assert.ok(stateMatch);
  assert.ok(!stateMatch[1].includes("<"), "< is escaped in the state JSON");
  const state = JSON.parse(stateMatch[1]);
  assert.equal(state.runtime, manifest.runtime!.js);
  assert.equal(state.islands.length, 2);
  const [name, url, key, encoded] = state.islands[0];
  assert.deepEqual([name, url, key], ["Counter", manifest.islands.Counter.js, 0]);
  const props = revive(encoded) as Record<string, unknown>;
  assert.equal(props.label, "</script><script>alert(1)</script>");
  assert.equal(props.big, 12345678901234567890n);
  assert.equal((props.when as Date).toISOString(), "2024-01-02T03:04:05.000Z");

  const all = scripts(text);
  assert.equal(all.length, 2, "state JSON + one boot script");
  const boot = /<script type="module">([\s\S]*?)<\/script>/.exec(text)![1];
  const hash = `'sha256-${createHash("sha256").update(boot).digest("base64")}'`;
  assert.equal(hash, BOOT_SCRIPT_CSP_HASH);
  const csp = res.headers.get("content-security-policy")!;
  assert.ok(csp.includes(`script-src 'self' ${hash}`), csp);
  assert.ok(!csp.includes("unsafe-inline"));
});

Deno.test("islands: a page without islands ships no script and no preload", async () => {
  const { handle } = await fixtureApp();
  for (const path of ["/", "/loans/1", "/pricing", "/no-such-page"]) {
    const { text } = await get(handle, path);
    assert.ok(!text.includes("<script"), `${path} has no <script`);
    assert.ok(!text.includes("modulepreload"), `${path} has no modulepreload`);
    assert.ok(!text.includes("frsh-island"), path);
  }
});

Deno.test("islands: only the outermost island is marked; preloads follow the islands used", async () => {
  const { manifest } = await buildFixture();
  const { handle } = await fixtureApp();
  const { text } = await get(handle, "/nested-island");
  assert.equal([...text.matchAll(/<frsh-island /g)].length, 1);
  assert.match(
    text,
    /<frsh-island data-island="Outer" data-key="0"><div class="outer">outer<p class="greeter"/,
  );
  const preloads = new Set([...text.matchAll(/rel="modulepreload" href="([^"]+)"/g)].map((m) => m[1]));
  assert.ok(preloads.has(manifest.islands.Outer.js));
  assert.ok(!preloads.has(manifest.islands.Greeter.js));
  assert.ok(!preloads.has(manifest.islands.Counter.js));
  const greet = await get(handle, "/greet");
  assert.match(
    greet.text,
    /<frsh-island data-island="Greeter" data-key="0"><p class="greeter"[^>]*><strong>你好 张三<\/strong>/,
  );
});

Deno.test("islands: an unserialisable prop fails the render with a 500 naming island and prop", async () => {
  const { handle, errors } = await fixtureApp();
  const { res, text } = await get(handle, "/bad-island");
  assert.equal(res.status, 500);
  assert.match(text, /class="error-page"/);
  assert.ok(!text.includes("<script"), "the error page has no island state");
  assert.equal(errors.length, 1);
  assert.equal(
    (errors[0] as Error).message,
    'Island "Greeter": prop "opts.onChange" is a function and cannot be serialised',
  );
  // the next render is unaffected
  assert.match((await get(handle, "/greet")).text, /data-key="0"/);
});
