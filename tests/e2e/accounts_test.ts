/**
 * Browser test (Chromium): a person registers with the SMS code read from the sandbox outbox, lands on
 * 我的账户, logs out, logs in with phone + password, sees the account again and logs out.
 */
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import { serveTestApp } from "../helpers/app.ts";
import { launchBrowser, skipBrowser } from "../helpers/browser.ts";
import { randomPhone } from "../helpers/db.ts";
import { latestSmsCode, TEST_PASSWORD } from "../helpers/forms.ts";
/** Bound on the whole test. */
const TEST_TIMEOUT_MS = 120_000;
/** Bound on each page wait. */
const STEP_TIMEOUT_MS = 20_000;

async function bounded<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Click like a thumb would: first scroll the element to the middle, clear of the fixed bottom bar. */
async function tap(page: Page, selector: string): Promise<void> {
  await page.$eval(selector, (el) => el.scrollIntoView({ block: "center" }));
  await page.click(selector);
}

async function tapAndWait(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), tap(page, selector)]);
}

Deno.test({
  name: "browser: register with the SMS code → 我的账户 → log out → log in → log out",
  ignore: skipBrowser,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { baseUrl, server, app } = await serveTestApp();
    const browser = await launchBrowser();
    try {
      await bounded(
        TEST_TIMEOUT_MS,
        (async () => {
          const page = await browser.newPage();
          page.setDefaultTimeout(STEP_TIMEOUT_MS);
          await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
          const phone = randomPhone();
          const masked = `${phone.slice(0, 3)}****${phone.slice(-4)}`;

          await page.goto(`${baseUrl}/register`, { waitUntil: "load" });
          await page.waitForSelector("html[data-islands-hydrated]");
          await tap(page, 'input[name="kind"][value="investor"]');
          await page.type("#f-phone", phone);
          await tap(page, "button.sms-code-button");
          // the island (not a form submit) sent it: the page stays, the button counts down
          await page.waitForFunction(
            () => /秒后重发/.test(document.querySelector("button.sms-code-button")?.textContent ?? ""),
          );
          assert.equal(new URL(page.url()).pathname, "/register");
          assert.match(await page.$eval(".sms-code-status", (el) => el.textContent ?? ""), /验证码已发送/);
          assert.equal(
            await page.$eval("button.sms-code-button", (el) => (el as HTMLButtonElement).disabled),
            true,
          );

          const code = await latestSmsCode(app.sql, phone); // fails when the outbox has no code

          await page.type("#f-smsCode", code);
          await page.type("#f-password", TEST_PASSWORD);
          await page.type("#f-passwordConfirm", TEST_PASSWORD);
          await tap(page, 'input[name="acceptAgreements"]');
          await tapAndWait(page, "button.btn-block[value=register]");
          assert.equal(new URL(page.url()).pathname, "/account");
          const account = await page.$eval("main", (el) => el.textContent ?? "");
          assert.ok(account.includes("我的账户"));
          assert.ok(account.includes(masked), "masked phone on the account page");
          assert.ok(account.includes("注册成功"));
          assert.ok(!account.includes(phone));

          // log out from the header
          await tapAndWait(page, '.account-nav form[action="/logout"] button');
          assert.equal(new URL(page.url()).pathname, "/");
          await page.goto(`${baseUrl}/account`, { waitUntil: "load" });
          assert.equal(new URL(page.url()).pathname, "/login", "logged out: the account needs a log-in");

          // log in (the page came with ?next=/account)
          await page.type("#f-phone", phone);
          await page.type("#f-password", TEST_PASSWORD);
          await tapAndWait(page, 'form[action="/login"] button[type=submit]');
          assert.equal(new URL(page.url()).pathname, "/account");
          assert.ok((await page.$eval("main", (el) => el.textContent ?? "")).includes(masked));

          await tapAndWait(page, '.account-nav form[action="/logout"] button');
          assert.equal(new URL(page.url()).pathname, "/");
          const header = await page.$eval(".account-nav", (el) => el.textContent ?? "");
          assert.ok(
            header.includes("登录") && !header.includes(masked),
            "the header shows the logged-out state",
          );
        })(),
      );
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});
