/**
 * Browser: on a phone-sized screen an investor asks to withdraw a large amount (preview of fee and net,
 * trade password), a finance staff member gives the first approval, and a second finance staff member —
 * not the first, four eyes — approves it, which sends it to the custody bank.
 */
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import { formatFen } from "../../domain/money/format.ts";
import { getWithdrawalSettings } from "../../domain/payments/withdrawal.ts";
import { testApp } from "../helpers/app.ts";
import { insertStaff } from "../helpers/staff_fixtures.ts";
import { TEST_TRADE_PASSWORD, withdrawalUser } from "../domain/payments/withdrawal_fixtures.ts";
import {
  assertNoProblems,
  axeViolations,
  browserTest,
  mainText,
  sidewaysOverflow,
  signedInPage,
  submitAndWait,
} from "./_shared.ts";

browserTest(
  "withdrawal: a large withdrawal needs two finance approvals by different staff",
  async (browser, baseUrl) => {
    const { sql } = await testApp();
    const settings = await getWithdrawalSettings(sql);
    const amountFen = settings.secondApprovalThresholdFen + 100_00n; // above the second threshold
    const u = await withdrawalUser(sql, amountFen * 2n);

    // the investor: card preselected, amount, preview, trade password, confirm
    const user = await signedInPage(browser, baseUrl, { type: "user", id: u.userId });
    await user.page.goto(`${baseUrl}/account/withdraw`, { waitUntil: "load" });
    assert.equal(await user.page.$eval("#f-cardId", (el) => (el as HTMLSelectElement).value), u.cardId);
    const a11y: string[] = [];
    const audit = async (page: Page, where: string) => {
      for (const v of await axeViolations(page, 3)) a11y.push(`${where}: ${v}`);
    };
    await audit(user.page, "withdraw form");
    await user.page.type("#f-amountYuan", String(amountFen / 100n));
    await submitAndWait(user.page, `main form[action="/account/withdraw"] button[type=submit]`);
    const preview = await user.page.$eval("[data-testid=withdraw-preview]", (el) => el.textContent ?? "");
    assert.ok(preview.includes(formatFen(amountFen - 200n)), preview); // ¥2.00 fee
    assert.match(await mainText(user.page), /需经平台审核/);
    await audit(user.page, "withdraw preview");
    await user.page.type("#f-tradePassword", TEST_TRADE_PASSWORD);
    await submitAndWait(user.page, `main form[action="/account/withdraw"] button[type=submit]`);
    assert.equal(new URL(user.page.url()).pathname, "/account/withdrawals");
    assert.match(await mainText(user.page), /提现申请已提交，预计 T\+1 到账/);
    assert.match(await mainText(user.page), /审核中/);
    await audit(user.page, "withdrawals list");
    await user.page.goto(`${baseUrl}/fees`, { waitUntil: "load" });
    await audit(user.page, "fees");
    const [w] = await sql<{ id: string }[]>`select id from withdrawals where user_id = ${u.userId}`;
    const card = `article[data-withdrawal="${w.id}"]`;

    // the first finance staff member approves
    const a = await insertStaff(sql, "finance");
    const first = await signedInPage(browser, baseUrl, { type: "staff", id: a.id });
    await first.page.goto(`${baseUrl}/admin/finance/fees`, { waitUntil: "load" });
    await audit(first.page, "admin fees");
    await first.page.goto(`${baseUrl}/admin/finance/withdrawals`, { waitUntil: "load" });
    await audit(first.page, "admin withdrawals");
    await submitAndWait(first.page, `${card} form button.btn:not(.btn-secondary)`);
    assert.match(await mainText(first.page), /已记录第一次审批，还需另一位员工审批/);
    // four eyes: the first approver is offered no second approval
    assert.match(await first.page.$eval(card, (el) => el.textContent ?? ""), /您已审批/);

    // a second finance staff member approves: it goes to the custody bank
    const b = await insertStaff(sql, "finance");
    const second = await signedInPage(browser, baseUrl, { type: "staff", id: b.id });
    await second.page.goto(`${baseUrl}/admin/finance/withdrawals`, { waitUntil: "load" });
    assert.match(await second.page.$eval(card, (el) => el.textContent ?? ""), /已审批 1 人/);
    await submitAndWait(second.page, `${card} form button.btn:not(.btn-secondary)`);
    assert.match(await mainText(second.page), /已审批通过，已提交存管银行处理/);
    assert.equal(await second.page.$(card), null);
    const [row] = await sql<{ status: string }[]>`select status from withdrawals where id = ${w.id}`;
    assert.ok(["processing", "succeeded"].includes(row.status), row.status);

    // nothing is wider than the phone screen
    for (const p of [user.page, second.page]) {
      const overflow = await sidewaysOverflow(p);
      assert.ok(overflow <= 1, `page wider than the screen by ${overflow}px`);
    }
    assert.deepEqual(a11y, [], `accessibility violations:\n${a11y.join("\n")}`);
    assertNoProblems(user.problems, "user");
    assertNoProblems(first.problems, "first approver");
    assertNoProblems(second.problems, "second approver");
  },
);
