/**
 * Browser tests of what pages ship: a page without islands loads no script at all; the calculator page
 * loads only the hashed island modules it needs (with `modulepreload` for exactly those) and the inline
 * boot script; static assets come compressed and cached for a year.
 * @module
 */
import assert from "node:assert/strict";
import type { HTTPResponse } from "puppeteer-core";
import { BOOT_SCRIPT, BOOT_SCRIPT_CSP_HASH, type Manifest } from "../../framework/mod.ts";
import freshConfig from "../../fresh.config.ts";
import { assertNoProblems, browserTest, gotoHydrated, watchPage } from "./_shared.ts";

/** The island build manifest the app serves from (`deno task build` writes it). */
async function readManifest(): Promise<Manifest> {
  const url = new URL(`../../${freshConfig.buildDir}/manifest.json`, import.meta.url);
  return JSON.parse(await Deno.readTextFile(url)) as Manifest;
}

/** Pages that render no island, with the status each must answer with. */
const PAGES_WITHOUT_ISLANDS: readonly { path: string; status: number }[] = [
  { path: "/", status: 200 },
  { path: "/risk", status: 200 },
  { path: "/help", status: 200 },
  { path: "/disclosure", status: 200 },
  { path: "/login", status: 200 },
  { path: "/reset-password", status: 200 },
  { path: "/admin/login", status: 200 },
  { path: `/no-such-page-${crypto.randomUUID()}`, status: 404 },
];

/** The hashed file names esbuild gives island modules and chunks: `<name>-<HASH>.js`. */
const HASHED_MODULE = /^\/_frsh\/[\w/-]*-[A-Z0-9]{8,}\.js$/;

const IMMUTABLE = "public, max-age=31536000, immutable";

browserTest("pages without islands load no script at all", async (browser, baseUrl) => {
  for (const { path, status } of PAGES_WITHOUT_ISLANDS) {
    const page = await browser.newPage();
    const problems = await watchPage(page);
    const scripts: string[] = [];
    page.on("request", (req) => {
      if (req.resourceType() === "script") scripts.push(req.url());
    });
    const res = await page.goto(`${baseUrl}${path}`, { waitUntil: "load" });
    // Anything a script could start late would show up here.
    await page.waitForNetworkIdle({ idleTime: 300, timeout: 10_000 });
    assert.equal(res?.status(), status, `${path} answers ${status}`);
    assert.match(res?.headers()["content-type"] ?? "", /^text\/html/, `${path} is an HTML page`);
    const dom = await page.evaluate(() => ({
      scripts: document.scripts.length,
      islands: document.querySelectorAll("frsh-island").length,
      preloads: document.querySelectorAll('link[rel="modulepreload"]').length,
      hydrated: document.documentElement.dataset.islandsHydrated ?? null,
      h1: document.querySelector("h1")?.textContent?.trim() ?? null,
    }));
    assert.ok(dom.h1, `${path} renders a page with a heading (not a bare error)`);
    assert.deepEqual(scripts, [], `${path}: no script requests`);
    assert.equal(dom.scripts, 0, `${path}: no <script> element`);
    assert.equal(dom.islands, 0, `${path}: no island`);
    assert.equal(dom.preloads, 0, `${path}: no modulepreload`);
    assert.equal(dom.hydrated, null, `${path}: no island runtime ran`);
    // A 404 page logs its own status as a console error; anything else must be clean.
    if (status === 404) {
      problems.consoleErrors = problems.consoleErrors.filter((line) => !line.includes(path));
    }
    assertNoProblems(problems, path);
    await page.close();
  }
});

browserTest(
  "the calculator loads only its hashed island modules from /_frsh/ and the inline boot script",
  async (browser, baseUrl) => {
    const manifest = await readManifest();
    const island = manifest.islands.Calculator;
    const runtime = manifest.runtime;
    assert.ok(island && runtime, "the build manifest lists the Calculator island and the runtime");
    const expectedModules = new Set([
      runtime.js,
      ...runtime.imports,
      island.js,
      ...island.imports,
    ]);

    const page = await browser.newPage();
    const problems = await watchPage(page);
    const scriptRequests: { path: string; origin: string }[] = [];
    page.on("request", (req) => {
      if (req.resourceType() === "script") {
        const url = new URL(req.url());
        scriptRequests.push({ path: url.pathname, origin: url.origin });
      }
    });
    const res = await gotoHydrated(page, `${baseUrl}/calculator`);
    assert.equal(res?.status(), 200);
    await page.waitForNetworkIdle({ idleTime: 300, timeout: 10_000 });

    // Every script fetched is a hashed module of this build, from this origin, under /_frsh/.
    for (const { path, origin } of scriptRequests) {
      assert.equal(origin, baseUrl, `${path} comes from the app itself`);
      assert.match(path, HASHED_MODULE, `${path} is a content-hashed module under /_frsh/`);
    }
    assert.deepEqual(
      new Set(scriptRequests.map((r) => r.path)),
      expectedModules,
      "exactly the runtime, the Calculator island and their chunks are fetched",
    );

    const dom = await page.evaluate(() => ({
      scripts: [...document.scripts].map((s) => ({
        type: s.type,
        src: s.getAttribute("src"),
        id: s.id,
        text: s.src ? "" : (s.textContent ?? ""),
      })),
      preloads: [...document.querySelectorAll('link[rel="modulepreload"]')].map((l) =>
        l.getAttribute("href")
      ),
      islands: [...document.querySelectorAll("frsh-island")].map((el) => el.getAttribute("data-island")),
    }));
    assert.deepEqual(dom.islands, ["Calculator"]);
    // `modulepreload` for exactly the modules the page needs, each once.
    assert.equal(dom.preloads.length, new Set(dom.preloads).size, "no duplicate modulepreload");
    assert.deepEqual(new Set(dom.preloads), expectedModules, "modulepreload exactly the island's modules");
    // Script elements: the island state (JSON data, never executed) and the one inline boot module.
    const executable = dom.scripts.filter((s) => s.type !== "application/json");
    assert.deepEqual(executable, [{ type: "module", src: null, id: "", text: BOOT_SCRIPT }]);
    const data = dom.scripts.filter((s) => s.type === "application/json");
    assert.deepEqual(data.map((s) => s.id), ["__FRSH_STATE"]);

    // The CSP allows that boot script by hash and nothing inline otherwise.
    const csp = res?.headers()["content-security-policy"] ?? "";
    const scriptSrc = csp.split(";").map((d) => d.trim()).find((d) => d.startsWith("script-src ")) ?? "";
    assert.ok(scriptSrc.includes(BOOT_SCRIPT_CSP_HASH), `script-src carries the boot hash: ${scriptSrc}`);
    assert.ok(!scriptSrc.includes("'unsafe-inline'") && !scriptSrc.includes("'unsafe-eval'"), scriptSrc);
    assertNoProblems(problems, "/calculator");
  },
);

browserTest(
  "static assets are compressed and cached immutably when the browser fetches them",
  async (browser, baseUrl) => {
    const page = await browser.newPage();
    const assets: { path: string; res: HTTPResponse; acceptEncoding: string }[] = [];
    let documentResponse: HTTPResponse | null = null;
    page.on("response", (res) => {
      const url = new URL(res.url());
      if (url.origin !== baseUrl) return;
      const type = res.request().resourceType();
      if (type === "document") documentResponse = res;
      if (type === "script" || type === "stylesheet") {
        const acceptEncoding = res.request().headers()["accept-encoding"] ?? "";
        assets.push({ path: `${url.pathname}${url.search}`, res, acceptEncoding });
      }
    });
    await gotoHydrated(page, `${baseUrl}/calculator`);
    await page.waitForNetworkIdle({ idleTime: 300, timeout: 10_000 });

    assert.ok(assets.some((a) => a.path.startsWith("/styles.css?v=")), "the site stylesheet, versioned");
    assert.ok(assets.some((a) => a.path.startsWith("/_frsh/") && a.path.endsWith(".js")), "island modules");
    const report: string[] = [];
    for (const { path, res, acceptEncoding } of assets) {
      const headers = res.headers();
      const body = await res.buffer();
      assert.equal(res.status(), 200, path);
      assert.equal(headers["cache-control"], IMMUTABLE, `${path}: Cache-Control`);
      assert.ok(headers["etag"], `${path}: ETag`);
      assert.match(headers["vary"] ?? "", /accept-encoding/i, `${path}: Vary: Accept-Encoding`);
      const encoding = headers["content-encoding"] ?? "identity";
      report.push(`${path} ${encoding} ${headers["content-length"]}/${body.byteLength}`);
      // Anything worth compressing (over 1 KiB) comes br or gzip, as the browser asked.
      if (body.byteLength > 1024) {
        assert.ok(encoding === "br" || encoding === "gzip", `${path}: compressed (got ${encoding})`);
        assert.ok(
          acceptEncoding.includes(encoding),
          `${path}: ${encoding} was asked for (${acceptEncoding})`,
        );
        assert.ok(Number(headers["content-length"]) < body.byteLength, `${path}: smaller on the wire`);
      }
    }
    // The HTML itself is compressed on the fly.
    const doc = documentResponse as HTTPResponse | null;
    assert.ok(doc, "the document response was seen");
    const docEncoding = doc.headers()["content-encoding"] ?? "identity";
    assert.ok(docEncoding === "br" || docEncoding === "gzip", `HTML compressed (got ${docEncoding})`);
    console.log(`assets as the browser got them: ${report.join("; ")}; HTML ${docEncoding}`);

    // A second visit revalidates nothing: the immutable assets come from the browser's cache.
    const fromNetwork: string[] = [];
    page.on("response", (res) => {
      const type = res.request().resourceType();
      if ((type === "script" || type === "stylesheet") && !res.fromCache()) fromNetwork.push(res.url());
    });
    await gotoHydrated(page, `${baseUrl}/calculator`);
    assert.deepEqual(fromNetwork, [], "immutable assets are not fetched again");
  },
);

browserTest(
  "the site has an icon: the browser's /favicon.ico request does not 404",
  async (browser, baseUrl) => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/`, { waitUntil: "load" });
    // Browsers fetch `<link rel="icon">` if the page names one, else /favicon.ico, on every visit.
    const declared = await page.evaluate(() =>
      document.querySelector('link[rel~="icon"]')?.getAttribute("href")
    );
    const iconUrl = new URL(declared ?? "/favicon.ico", baseUrl);
    if (iconUrl.protocol === "data:") return;
    const res = await fetch(iconUrl);
    const body = await res.arrayBuffer();
    assert.equal(
      res.status,
      200,
      `${iconUrl.pathname} answers 200 (a 404 is a console error on every page)`,
    );
    assert.match(res.headers.get("content-type") ?? "", /^image\//, `${iconUrl.pathname} is an image`);
    assert.ok(body.byteLength > 0);
  },
);
