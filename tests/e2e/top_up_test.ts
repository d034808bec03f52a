/**
 * Browser, phone-sized: an investor tops up through the sandbox channel — the form, the 沙箱 cashier page,
 * 确认支付 — and the result page turns to 充值成功 once the sandbox channel and bank have called the served
 * app back over HTTP; the balance is credited once.
 */
import assert from "node:assert/strict";
import { userBalances } from "../../domain/ledger/ledger.ts";
import { testApp } from "../helpers/app.ts";
import { TOP_UP_TRADE_PASSWORD, topUpUser } from "../domain/payments/custody_fixtures.ts";
import {
  assertNoProblems,
  axeViolations,
  browserTest,
  mainText,
  PHONE,
  signedInPage,
  submitAndWait,
} from "./_shared.ts";

browserTest(
  "top-up: an investor pays 123.45 at the sandbox cashier and sees 充值成功",
  async (browser, baseUrl) => {
    const app = await testApp();
    const { custody, payments } = app.services.gateways;
    // the sandboxes call the served app back by themselves, at once
    for (const g of [custody.sandbox!, payments.sandbox!]) {
      g.setCallbackOrigin(baseUrl);
      g.configureDelivery({ auto: true, delayMs: 0, copies: 1, shuffle: false });
    }
    try {
      const u = await topUpUser(app.sql, app.services.gateways);
      const { context, page, problems } = await signedInPage(browser, baseUrl, {
        type: "user",
        id: u.userId,
      });

      await page.goto(`${baseUrl}/account/top-up`, { waitUntil: "load" });
      assert.deepEqual(await axeViolations(page), [], "/account/top-up");
      await page.type("#f-amountYuan", "123.45");
      await page.click(`input[name="channel"][value="wechat"]`);
      await page.type("#f-tradePassword", TOP_UP_TRADE_PASSWORD);
      await submitAndWait(page, `main form[action="/account/top-up"] button[type=submit]`);
      assert.match(new URL(page.url()).pathname, /^\/sandbox-pay\//);
      const cashier = await page.$eval("[data-testid=sandbox-pay]", (el) => el.textContent ?? "");
      assert.match(cashier, /沙箱/);
      assert.match(cashier, /微信支付/);
      assert.match(cashier, /¥123\.45/);
      assert.deepEqual(await axeViolations(page), [], "sandbox cashier");
      await submitAndWait(page, `button[name="decision"][value="paid"]`);
      assert.match(new URL(page.url()).pathname, /^\/account\/top-up\/\d+$/);
      // the page refreshes itself until both callbacks have arrived
      await page.waitForFunction(
        () =>
          document.querySelector("[data-testid=top-up-result]")?.getAttribute("data-status") === "succeeded",
        { timeout: 20_000, polling: 250 },
      );
      assert.match(await mainText(page), /充值成功/);
      assert.deepEqual(await axeViolations(page), [], "result page");
      assert.equal((await userBalances(app.sql, u.userId)).availableFen, 12_345n);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= PHONE.width, `no sideways scrolling on a phone (${width}px)`);
      assertNoProblems(problems, "top-up");
      await context.close();
    } finally {
      for (const g of [custody.sandbox!, payments.sandbox!]) g.configureDelivery({ auto: false });
    }
  },
);
