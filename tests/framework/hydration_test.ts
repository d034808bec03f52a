/**
 * Browser check of the island runtime: the fixture app served over HTTP with the shipped CSP, loaded in
 * Chromium through the shared launcher (tests/helpers/browser.ts): skipped with a message when Chromium is
 * missing, except in CI.
 */
import assert from "node:assert/strict";
import { securityHeaders, staticFiles } from "../../framework/mod.ts";
import { launchBrowser, skipBrowser } from "../helpers/browser.ts";
import { fixtureApp } from "./helpers.ts";

Deno.test({
  name: "hydration: islands hydrate under the CSP, signals shared between islands, no CSP violations",
  ignore: skipBrowser,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { app } = await fixtureApp((a) => a.use(securityHeaders()).use(staticFiles()));
    const ac = new AbortController();
    const server = app.listen({ port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen: () => {} });
    const base = `http://127.0.0.1:${server.addr.port}`;
    const browser = await launchBrowser();
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
