/**
 * Browser test of the staff back office: the `ops` and `tech` staff log in through the form, each sees
 * only the menu items of their role, and logs out.
 * @module
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { loadConfig } from "../../config.ts";
import { DEMO_PASSWORD, DEMO_TOTP_SECRET, seed } from "../../db/seed.ts";
import type { Db } from "../../db/tx.ts";
import { totpCode } from "../../domain/staff/totp.ts";
import { serveTestApp } from "../helpers/app.ts";
import { launchBrowser, skipBrowser } from "../helpers/browser.ts";
import { assertNoProblems, watchPage } from "./_shared.ts";

const NAV_TIMEOUT_MS = 15_000;

/** The menu entries' labels (the link's own text, without a queue count beside it). */
async function menuTexts(page: Page): Promise<string[]> {
  return await page.$$eval(
    "nav.admin-menu a",
    (links) => links.map((a) => (a.firstChild?.textContent ?? "").trim()),
  );
}

async function logInAndOut(
  browser: Browser,
  baseUrl: string,
  username: string,
  expected: string[],
  sql: Db,
) {
  const page = await browser.newPage();
  const problems = await watchPage(page);
  try {
    await page.goto(`${baseUrl}/admin`, { waitUntil: "load", timeout: NAV_TIMEOUT_MS });
    assert.match(new URL(page.url()).pathname, /^\/admin\/login$/, "signed out: sent to the log-in form");
    await page.type("#f-username", username);
    await page.type("#f-password", DEMO_PASSWORD);
    await Promise.all([
      page.waitForNavigation({ waitUntil: "load", timeout: NAV_TIMEOUT_MS }),
      page.click("form.stack button[type=submit]"),
    ]);
    // the second step: the demo staff's TOTP code (the step used before is forgotten, as 30 s would)
    assert.equal(new URL(page.url()).pathname, "/admin/login/totp", "the password leads to the second step");
    await sql`update staff_totp set last_used_step = null`;
    await page.type("#f-code", totpCode(DEMO_TOTP_SECRET));
    await Promise.all([
      page.waitForNavigation({ waitUntil: "load", timeout: NAV_TIMEOUT_MS }),
      page.click("form.stack button[type=submit]"),
    ]);
    assert.equal(new URL(page.url()).pathname, "/admin", `${username} lands on the overview`);
    assert.deepEqual(await menuTexts(page), expected, `${username}'s menu`);
    const who = await page.$eval(".admin-who", (el) => (el.textContent ?? "").replace(/\s+/g, " "));
    assert.match(who, /退出/);
    // the last menu item opens
    const lastHref = await page.$$eval("nav.admin-menu a", (links) => links.at(-1)!.getAttribute("href")!);
    await Promise.all([
      page.waitForNavigation({ waitUntil: "load", timeout: NAV_TIMEOUT_MS }),
      page.click(`nav.admin-menu a[href="${lastHref}"]`),
    ]);
    assert.equal(new URL(page.url()).pathname, lastHref);
    assert.equal(
      await page.$eval(`nav.admin-menu a[href="${lastHref}"]`, (a) => a.getAttribute("aria-current")),
      "page",
    );
    // log out
    await Promise.all([
      page.waitForNavigation({ waitUntil: "load", timeout: NAV_TIMEOUT_MS }),
      page.click(".admin-who button[type=submit]"),
    ]);
    assert.equal(new URL(page.url()).pathname, "/admin/login");
    assert.equal(await page.$("nav.admin-menu"), null, "no menu after log-out");
    await page.goto(`${baseUrl}/admin`, { waitUntil: "load", timeout: NAV_TIMEOUT_MS });
    assert.equal(new URL(page.url()).pathname, "/admin/login", "the session is gone");
    assertNoProblems(problems, username);
  } finally {
    await page.close();
  }
}

Deno.test({
  name: "admin: ops and tech log in, see only their role's menu, and log out",
  ignore: skipBrowser,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { baseUrl, server, app } = await serveTestApp();
    let browser: Browser | null = null;
    try {
      await seed(app.sql, { ...loadConfig({ APP_ENV: "test" }), demo: true });
      browser = await launchBrowser();
      await logInAndOut(browser, baseUrl, "ops", ["概览", "用户管理", "实名审核", "邀请奖励"], app.sql);
      await logInAndOut(browser, baseUrl, "tech", ["概览", "第三方设置", "操作日志", "系统状态"], app.sql);
    } finally {
      await browser?.close();
      await server.shutdown();
    }
  },
});
