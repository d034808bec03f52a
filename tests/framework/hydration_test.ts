/**
 * Browser check of the island runtime: the fixture app served over HTTP with the shipped CSP, loaded in
 * Chromium through puppeteer-core. Skips (with a message) when Chromium is missing, except under CI=true.
 */
import assert from "node:assert/strict";
import puppeteer from "puppeteer-core";
import { securityHeaders, staticFiles } from "../../framework/mod.ts";
import { fixtureApp } from "./helpers.ts";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

function findChromium(): string | null {
  const env = Deno.env.get("CHROMIUM_PATH");
  for (const path of env ? [env, ...CANDIDATES] : CANDIDATES) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch { /* try the next */ }
  }
  return null;
}

const chromium = findChromium();
if (!chromium) {
  if (Deno.env.get("CI") === "true") throw new Error("Chromium is required in CI (apt-get install chromium)");
  console.warn("SKIPPED tests/framework/hydration_test.ts: Chromium not found (set CHROMIUM_PATH)");
}

Deno.test({
  name: "hydration: islands hydrate under the CSP, signals shared between islands, no CSP violations",
  ignore: !chromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { app } = await fixtureApp((a) => a.use(securityHeaders()).use(staticFiles()));
    const ac = new AbortController();
    const server = app.listen({ port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen: () => {} });
    const base = `http://127.0.0.1:${server.addr.port}`;
    const browser = await puppeteer.launch({
      executablePath: chromium!,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("console", (m) => {
        if (/Failed to load resource/.test(m.text())) return; // reported with its URL below
        if (m.type() === "error" || /Content Security Policy/i.test(m.text())) problems.push(m.text());
      });
      page.on("response", (r) => {
        const path = new URL(r.url()).pathname;
        if (r.status() >= 400 && path !== "/favicon.ico") problems.push(`${r.status()} ${path}`);
      });
      page.on("pageerror", (e) => problems.push(String(e)));
      const requested: string[] = [];
      page.on("request", (r) => requested.push(new URL(r.url()).pathname));

      await page.goto(`${base}/island`, { waitUntil: "load" });
      await page.waitForSelector("html[data-islands-hydrated]", { timeout: 10_000 });
      const buttons = await page.$$("frsh-island button");
      assert.equal(buttons.length, 2);
      await buttons[0].click();
      await buttons[0].click();
      await page.waitForFunction(
        () => [...document.querySelectorAll("frsh-island button")].every((b) => b.textContent === "5"),
        { timeout: 5000 },
      );
      const display = await page.$eval("frsh-island", (el) => getComputedStyle(el).display);
      assert.equal(display, "contents");

      await page.goto(`${base}/nested-island`, { waitUntil: "load" });
      await page.waitForSelector("html[data-islands-hydrated]", { timeout: 10_000 });
      await page.click(".greeter");
      await page.waitForFunction(() => document.querySelector(".greeter")?.textContent?.endsWith("1"), {
        timeout: 5000,
      });

      requested.length = 0;
      await page.goto(`${base}/loans/1`, { waitUntil: "load" });
      assert.ok(!requested.some((p) => p.endsWith(".js")), `no script requested: ${requested.join(", ")}`);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      ac.abort();
      await server.finished;
    }
  },
});
