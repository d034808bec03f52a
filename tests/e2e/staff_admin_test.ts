/**
 * The staff administration pages in Chromium on a phone screen (375 px): 用户详情 (reveal, freeze), 角色权限,
 * 第三方设置 (test connection) and 资金流水 — each without a WCAG 2.1 A/AA violation (axe-core) and without
 * sideways scrolling of the page. The super administrator is signed in through a session made by the domain
 * (the log-in flow, with its second factor, is tested elsewhere).
 */
import assert from "node:assert/strict";
import { transaction } from "../../db/tx.ts";
import { postEntry } from "../../domain/ledger/ledger.ts";
import { testApp } from "../helpers/app.ts";
import { createUser } from "../helpers/forms.ts";
import { auditRows, insertStaff } from "../helpers/staff_fixtures.ts";
import {
  axeViolations,
  browserTest,
  mainText,
  sidewaysOverflow,
  signedInPage,
  submitAndWait,
} from "./_shared.ts";

browserTest(
  "e2e: staff administration pages work on a phone screen without accessibility violations",
  async (browser, baseUrl) => {
    const { sql } = await testApp();
    const admin = await insertStaff(sql, "super_admin");
    const { userId, phone } = await createUser(sql);
    const posted = await transaction(sql, (tx) =>
      postEntry(tx, {
        businessType: "top_up",
        reference: `e2e_top_up:${userId}`,
        idempotencyKey: crypto.randomUUID(),
        lines: [
          { account: { kind: "custody_clearing" }, amountFen: -88_800n },
          { account: { kind: "user_available", userId }, amountFen: 88_800n },
        ],
      }));
    assert.ok(posted.ok);

    const { page } = await signedInPage(browser, baseUrl, { type: "staff", id: admin.id });
    const problems: string[] = [];
    const audit = async (label: string) => {
      for (const v of await axeViolations(page, 3)) problems.push(`${label}: ${v}`);
      const overflow = await sidewaysOverflow(page);
      if (overflow > 1) problems.push(`${label}: the page scrolls sideways by ${overflow}px`);
    };

    // 用户详情: masked, then revealed (audited), then frozen
    const res = await page.goto(`${baseUrl}/admin/users/${userId}`, { waitUntil: "load" });
    assert.equal(res?.status(), 200);
    const masked = await mainText(page);
    assert.ok(!masked.includes(phone), "masked at first");
    assert.match(masked, /¥888\.00/);
    await audit("user detail");
    await submitAndWait(page, "form input[name=intent][value=reveal] ~ button");
    assert.ok((await mainText(page)).includes(phone), "revealed");
    assert.equal((await auditRows(sql, "users.pii_reveal", `user:${userId}`)).length, 1);
    await page.goto(`${baseUrl}/admin/users/${userId}`, { waitUntil: "load" });
    await page.select("#f-status", "frozen");
    await page.type("#f-reason", "风险排查");
    await submitAndWait(page, "form input[name=intent][value=status] ~ button");
    assert.match(await mainText(page), /已冻结/);
    await audit("user detail (frozen)");

    for (
      const path of ["/admin/roles", "/admin/settings/gateways", "/admin/finance/flows", "/admin/staff"]
    ) {
      const r = await page.goto(`${baseUrl}${path}`, { waitUntil: "load" });
      assert.equal(r?.status(), 200, path);
      await audit(path);
    }
    await page.goto(`${baseUrl}/admin/settings/gateways`, { waitUntil: "load" });
    await submitAndWait(page, "section[data-gateway=sms] form input[name=intent][value=test] ~ button");
    assert.match(await mainText(page), /测试连接：成功/);

    assert.deepEqual(problems, [], problems.join("\n"));
  },
);
