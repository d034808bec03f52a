/**
 * Browser test (Chromium, a phone-sized viewport 375×740): an investor logs in, verifies their identity
 * (a wrong check character first, then a sandbox identity), sees the masked identity and the custody
 * account open, binds a bank card, which is listed masked as `6222 **** **** 1234`, sets the trade password,
 * tops up through the sandbox channel's cashier, and sees the balance on 我的账户 and the line in 交易记录.
 */
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import { assertNoProblems, browserTest, watchPage } from "./_shared.ts";
import { createUser, TEST_DEVICE_ID, TEST_PASSWORD } from "../helpers/forms.ts";
import { deliverOutbox } from "../helpers/outbox.ts";
import { freeSandboxIdentity } from "../helpers/identity.ts";
import { getTestDb } from "../helpers/db.ts";
import { testApp } from "../helpers/app.ts";
import { makeCardNumber } from "../../domain/identity/bank_bin.ts";

/** Click like a thumb would: scroll the element to the middle first (clear of the bottom bar). */
async function tap(page: Page, selector: string): Promise<void> {
  await page.$eval(selector, (el) => el.scrollIntoView({ block: "center" }));
  await page.click(selector);
}

async function tapAndWait(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), tap(page, selector)]);
}

async function typeInto(page: Page, selector: string, text: string): Promise<void> {
  await page.$eval(selector, (el) => ((el as HTMLInputElement).value = ""));
  await page.type(selector, text);
}

browserTest(
  "browser (phone): an investor verifies their identity and binds a bank card",
  async (browser, baseUrl) => {
    const { sql } = await getTestDb();
    const { phone } = await createUser(sql, "investor");
    const identity = await freeSandboxIdentity(sql);
    const page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    await page.setViewport({ width: 375, height: 740, isMobile: true, hasTouch: true });
    const problems = await watchPage(page);
    // the browser the account was registered on (createUser's device): no new-device SMS step at log-in
    await page.setCookie({ name: "did", value: TEST_DEVICE_ID, url: baseUrl });

    await page.goto(`${baseUrl}/login?next=${encodeURIComponent("/account/identity")}`, {
      waitUntil: "load",
    });
    await typeInto(page, "#f-phone", phone);
    await typeInto(page, "#f-password", TEST_PASSWORD);
    await tapAndWait(page, "form[action='/login'] button.btn-block");
    assert.equal(new URL(page.url()).pathname, "/account/identity");

    // a wrong check character: the message sits next to the field, what was typed stays
    const wrong = identity.idNumber.slice(0, 17) + (identity.idNumber[17] === "1" ? "2" : "1");
    await typeInto(page, "#f-realName", identity.realName);
    await typeInto(page, "#f-idNumber", wrong);
    await tapAndWait(page, "form[action='/account/identity'] button[type=submit]");
    assert.match(await page.$eval("#f-idNumber-error", (el) => el.textContent ?? ""), /校验位/);
    assert.equal(await page.$eval("#f-realName", (el) => (el as HTMLInputElement).value), identity.realName);

    await typeInto(page, "#f-idNumber", identity.idNumber);
    await tapAndWait(page, "form[action='/account/identity'] button[type=submit]");
    const verified = await page.$eval("[data-testid=identity-verified]", (el) => el.textContent ?? "");
    assert.match(verified, /已认证/);
    assert.ok(verified.includes(`${identity.idNumber.slice(0, 3)}***********${identity.idNumber.slice(-4)}`));
    assert.ok(!verified.includes(identity.idNumber));

    // the relay opens the custody account
    await deliverOutbox(sql);
    await page.reload({ waitUntil: "load" });
    assert.match(await page.$eval("[data-field=custody]", (el) => el.textContent ?? ""), /已开通/);

    await tapAndWait(page, "a[href='/account/cards']");
    const card = makeCardNumber("622202", String(Date.now()).slice(-12).padStart(12, "0"));
    await typeInto(page, "#f-cardNumber", card.replace(/(\d{4})(?=\d)/g, "$1 "));
    await typeInto(page, "#f-reservedPhone", phone);
    await typeInto(page, "#f-password", TEST_PASSWORD);
    await tapAndWait(page, "button[name=intent][value=add].btn-block");
    assert.equal(new URL(page.url()).searchParams.get("done"), "added");
    const listed = await page.$eval("[data-field=card]", (el) => el.textContent ?? "");
    assert.equal(listed, `6222 **** **** ${card.slice(-4)}`);
    assert.match(await page.$eval("main", (el) => el.textContent ?? ""), /中国工商银行[^]*默认/);
    // nothing wider than the phone's screen
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - globalThis.innerWidth);
    assert.ok(overflow <= 0, `horizontal overflow of ${overflow}px`);

    // the trade password, checked with the login password
    await page.goto(`${baseUrl}/account/trade-password`, { waitUntil: "load" });
    await typeInto(page, "#f-newPassword", "580913");
    await typeInto(page, "#f-confirm", "580913");
    await typeInto(page, "#f-loginPassword", TEST_PASSWORD);
    await tapAndWait(page, "button[name=intent][value=save].btn-block");
    assert.equal(new URL(page.url()).searchParams.get("done"), "set");

    // a top-up through the sandbox channel: form → 沙箱 cashier → the channel and the bank call back
    const { gateways } = (await testApp()).services;
    for (const g of [gateways.custody.sandbox!, gateways.payments.sandbox!]) {
      g.setCallbackOrigin(baseUrl);
      g.configureDelivery({ auto: true, delayMs: 0, copies: 1, shuffle: false });
    }
    try {
      await page.goto(`${baseUrl}/account/top-up`, { waitUntil: "load" });
      await typeInto(page, "#f-amountYuan", "88.80");
      await tap(page, `input[name="channel"][value="quick_pay"]`);
      await typeInto(page, "#f-tradePassword", "580913");
      await tapAndWait(page, `main form[action="/account/top-up"] button[type=submit]`);
      assert.match(new URL(page.url()).pathname, /^\/sandbox-pay\//);
      await tapAndWait(page, `button[name="decision"][value="paid"]`);
      await page.waitForFunction(
        () =>
          document.querySelector("[data-testid=top-up-result]")?.getAttribute("data-status") === "succeeded",
        { timeout: 20_000, polling: 250 },
      );
    } finally {
      for (const g of [gateways.custody.sandbox!, gateways.payments.sandbox!]) {
        g.configureDelivery({ auto: false });
      }
    }
    // the balance on 我的账户 and the line in 交易记录
    await page.goto(`${baseUrl}/account`, { waitUntil: "load" });
    assert.equal(await page.$eval("[data-field=available]", (el) => el.textContent ?? ""), "¥88.80");
    await page.goto(`${baseUrl}/account/records`, { waitUntil: "load" });
    const records = await page.$eval("main", (el) => el.textContent ?? "");
    assert.match(records, /充值/);
    assert.deepEqual(
      await page.$$eval("[data-field=amount]", (els) => els.map((el) => el.textContent?.trim())),
      ["+¥88.80"],
    );
    // the wrong check character's page answered 422 on purpose
    problems.consoleErrors = problems.consoleErrors.filter((e) =>
      !/status of 422 .*\/account\/identity$/.test(e)
    );
    assertNoProblems(problems, "identity journey");
  },
);
