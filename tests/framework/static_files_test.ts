import assert from "node:assert/strict";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { asset, staticFiles } from "../../framework/mod.ts";
import { buildFixture, FIXTURE_ROOT, fixtureApp } from "./helpers.ts";

const IMMUTABLE = "public, max-age=31536000, immutable";

async function staticApp() {
  return await fixtureApp((app) => app.use(staticFiles()));
}

Deno.test("staticFiles: serves static/ with ETag, short cache, and 304 on If-None-Match", async () => {
  const { handle } = await staticApp();
  const res = await handle("/robots.txt");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(await res.text(), "User-agent: *\n");
  const etag = res.headers.get("etag");
  assert.ok(etag);
  assert.equal(res.headers.get("cache-control"), "public, max-age=300");
  const again = await handle(
    new Request("http://localhost/robots.txt", { headers: { "if-none-match": etag } }),
  );
  assert.equal(again.status, 304);
  assert.equal(again.body, null);
  assert.equal(again.headers.get("etag"), etag);
  const other = await handle(
    new Request("http://localhost/robots.txt", { headers: { "if-none-match": '"x"' } }),
  );
  assert.equal(other.status, 200);
  await other.body?.cancel();
  const svg = await handle("/img/logo.svg");
  assert.equal(svg.headers.get("content-type"), "image/svg+xml");
  await svg.body?.cancel();
});

Deno.test("staticFiles: asset() adds the content hash; hashed URLs and build output are immutable", async () => {
  const { manifest } = await buildFixture();
  const { handle } = await staticApp();
  const url = asset("/styles.css");
  assert.match(url, /^\/styles\.css\?v=[0-9a-f]{16}$/);
  assert.equal(asset("/not-there.css"), "/not-there.css");
  const hashed = await handle(url);
  assert.equal(hashed.headers.get("cache-control"), IMMUTABLE);
  assert.equal(hashed.headers.get("content-type"), "text/css; charset=utf-8");
  await hashed.body?.cancel();
  const stale = await handle("/styles.css?v=0000000000000000");
  assert.equal(stale.headers.get("cache-control"), "public, max-age=300");
  await stale.body?.cancel();
  const js = await handle(manifest.islands.Counter.js);
  assert.equal(js.status, 200);
  assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(js.headers.get("cache-control"), IMMUTABLE);
  assert.match(await js.text(), /export\{/);
});

Deno.test("staticFiles: precompressed br/gzip chosen by Accept-Encoding, with Vary", async () => {
  const { manifest } = await buildFixture();
  const { handle } = await staticApp();
  const original = await Deno.readFile(join(FIXTURE_ROOT, "static", "styles.css"));
  const fetchWith = (path: string, ae: string | null) =>
    handle(new Request(`http://localhost${path}`, { headers: ae === null ? {} : { "accept-encoding": ae } }));

  let res = await fetchWith("/styles.css", "gzip, deflate, br");
  assert.equal(res.headers.get("content-encoding"), "br");
  assert.equal(res.headers.get("vary"), "Accept-Encoding");
  let body = new Uint8Array(await res.arrayBuffer());
  assert.ok(body.byteLength < original.byteLength);
  assert.deepEqual(new Uint8Array(brotliDecompressSync(body)), original);

  res = await fetchWith("/styles.css", "gzip");
  assert.equal(res.headers.get("content-encoding"), "gzip");
  body = new Uint8Array(await res.arrayBuffer());
  assert.deepEqual(new Uint8Array(gunzipSync(body)), original);

  res = await fetchWith("/styles.css", "br;q=0.5, gzip;q=0.8");
  assert.equal(res.headers.get("content-encoding"), "gzip");
  await res.body?.cancel();

  res = await fetchWith("/styles.css", "br;q=0, gzip;q=0");
  assert.equal(res.headers.get("content-encoding"), null);
  assert.deepEqual(new Uint8Array(await res.arrayBuffer()), original);

  res = await fetchWith("/styles.css", null);
  assert.equal(res.headers.get("content-encoding"), null);
  assert.equal(res.headers.get("vary"), "Accept-Encoding");
  await res.body?.cancel();

  res = await fetchWith(manifest.runtime!.imports[0], "br");
  assert.equal(res.headers.get("content-encoding"), "br");
  const js = new TextDecoder().decode(brotliDecompressSync(new Uint8Array(await res.arrayBuffer())));
  assert.match(js, /hydrate/);
});

Deno.test("staticFiles: path traversal cannot reach files outside the static folders", async () => {
  const { handle } = await staticApp();
  const attempts = [
    "/../utils.ts",
    "/%2e%2e/utils.ts",
    "/%2e%2e%2futils.ts",
    "/..%2f..%2fdeno.json",
    "/img/..%2f..%2futils.ts",
    "/img/%2e%2e/%2e%2e/routes/index.tsx",
    "/_frsh/../manifest.json",
    "/_frsh/%2e%2e/manifest.json",
    "/_frsh/..%2fmanifest.json",
    "/_frsh/manifest.json",
    "/..%5c..%5cutils.ts",
    "/%c0%ae%c0%ae/utils.ts",
    "/static/robots.txt",
    "//etc/passwd",
    "/%00robots.txt",
  ];
  for (const path of attempts) {
    const res = await handle(new Request(`http://localhost${path}`));
    const text = await res.text();
    assert.equal(res.status, 404, `${path} → ${res.status}`);
    assert.ok(!text.includes("createDefine") && !text.includes('"version"'), path);
  }
});

Deno.test("staticFiles: HEAD has headers and no body; other methods fall through", async () => {
  const { handle } = await staticApp();
  const head = await handle(new Request("http://localhost/robots.txt", { method: "HEAD" }));
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  assert.equal(head.headers.get("content-length"), "14");
  const post = await handle(new Request("http://localhost/robots.txt", { method: "POST" }));
  assert.equal(post.status, 404);
  await post.body?.cancel();
});
