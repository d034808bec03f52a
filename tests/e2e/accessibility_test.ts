/**
 * Accessibility: axe-core (WCAG 2.0/2.1 A and AA rules) on every page a visitor, a signed-in user and a
 * staff member sees, on a phone-sized screen. Any violation fails the test with the rule, the impact and
 * the offending elements.
 */
import assert from "node:assert/strict";
import axe from "axe-core";
import type { Page } from "puppeteer-core";
import { loadConfig } from "../../config.ts";
import { DEMO_TOTP_SECRET, seed } from "../../db/seed.ts";
import { totpCode } from "../../domain/staff/totp.ts";
import { latestSmsCode } from "../helpers/forms.ts";
import { serveTestApp } from "../helpers/app.ts";
import { launchBrowser, skipBrowser } from "../helpers/browser.ts";

const AXE_SOURCE = (axe as unknown as { source: string }).source;

const BAD_CALCULATOR =
  "/calculator?principal=abc&annualRate=50&term=6&termUnit=month&method=equal_installment";
/** Pages audited on purpose in an error state, with the status they must answer. */
const EXPECTED_STATUS: Record<string, number> = { [BAD_CALCULATOR]: 400, "/no-such-page": 404 };

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

async function violations(page: Page): Promise<AxeViolation[]> {
  // evaluate runs through the DevTools protocol, so the page's CSP does not block the injected library.
  await page.evaluate(AXE_SOURCE);
  return await page.evaluate(async () => {
    const run = (globalThis as unknown as {
      axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> };
    }).axe.run;
    const result = await run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
}

function describe(path: string, list: AxeViolation[]): string {
  return list.map((v) =>
    `${path}: [${v.impact}] ${v.id} — ${v.help}: ${
      v.nodes.slice(0, 5).map((n) => n.target.join(" ")).join(", ")
    }`
  ).join("\n");
}

async function logIn(
  page: Page,
  baseUrl: string,
  path: string,
  fields: Record<string, string>,
  navigate = true,
) {
  if (navigate) await page.goto(`${baseUrl}${path}`, { waitUntil: "load" });
  for (const [name, value] of Object.entries(fields)) {
    await page.$eval(`[name="${name}"]`, (el, v) => ((el as HTMLInputElement).value = v as string), value);
  }
  await Promise.all([
    page.waitForNavigation({ waitUntil: "load" }),
    page.$eval("form.stack, main form", (form) => (form as HTMLFormElement).submit()),
  ]);
}

Deno.test({
  name: "e2e: axe finds no WCAG 2.1 A/AA violations on public, account and staff pages (phone screen)",
  ignore: skipBrowser,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { baseUrl, server, app } = await serveTestApp();
    await seed(app.sql, { ...loadConfig({ APP_ENV: "test" }), demo: true });
    const browser = await launchBrowser();
    try {
      const problems: string[] = [];
      const audited: string[] = [];
      /** Audit `path`: navigate (or take the page as it is), make sure it is that page, then run axe. */
      const check = async (page: Page, path: string, navigate = true) => {
        if (navigate) {
          const res = await page.goto(`${baseUrl}${path}`, { waitUntil: "load" });
          assert.equal(res?.status(), EXPECTED_STATUS[path] ?? 200, `status of ${path}`);
        }
        const at = new URL(page.url());
        assert.equal(at.pathname + at.search, path, "audited the page it meant (no redirect)");
        assert.ok((await page.$("main h1")) !== null, `${path} rendered a heading`);
        const found = await violations(page);
        if (found.length > 0) problems.push(describe(path, found));
        audited.push(path);
      };

      const visitor = await browser.newPage();
      await visitor.setViewport({ width: 375, height: 740, isMobile: true, hasTouch: true });
      for (
        const path of [
          "/",
          "/calculator",
          BAD_CALCULATOR,
          "/register",
          "/login",
          "/login/sms",
          "/help",
          "/help/user-agreement",
          "/risk",
          "/disclosure",
          "/no-such-page",
          "/admin/login",
        ]
      ) await check(visitor, path);

      const user = await browser.newPage();
      await user.setViewport({ width: 375, height: 740, isMobile: true, hasTouch: true });
      await logIn(user, baseUrl, "/login", { phone: "13800000001", password: "Demo@2026!" });
      // a new browser: the SMS code to the account's phone confirms the device
      assert.equal(new URL(user.url()).pathname, "/login/device");
      await check(user, "/login/device", false);
      await logIn(
        user,
        baseUrl,
        "/login/device",
        { smsCode: await latestSmsCode(app.sql, "13800000001") },
        false,
      );
      assert.match(new URL(user.url()).pathname, /^\/account/);
      await check(user, "/account", false);
      await check(user, "/account/messages");

      const staff = await browser.newPage();
      await staff.setViewport({ width: 375, height: 740, isMobile: true, hasTouch: true });
      await logIn(staff, baseUrl, "/admin/login", { username: "admin", password: "Demo@2026!" });
      // the second step: the demo staff's TOTP code (the step used before is forgotten, as 30 s would)
      assert.equal(new URL(staff.url()).pathname, "/admin/login/totp");
      await check(staff, "/admin/login/totp", false);
      await app.sql`update staff_totp set last_used_step = null`;
      await logIn(staff, baseUrl, "/admin/login/totp", { code: totpCode(DEMO_TOTP_SECRET) }, false);
      assert.equal(new URL(staff.url()).pathname, "/admin");
      for (const path of ["/admin", "/admin/users", "/admin/staff", "/admin/audit", "/admin/system"]) {
        await check(staff, path, path !== "/admin");
      }

      assert.equal(audited.length, 21, `audited ${audited.join(", ")}`);
      assert.deepEqual(problems, [], `accessibility violations:\n${problems.join("\n")}`);
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});
