/**
 * Browser: the investor's account centre on a phone-sized viewport (375 px): every page fits without
 * sideways scrolling and raises no console error or CSP violation; the questionnaire is answered by
 * tapping; an avatar is uploaded through the real file input (a multipart body from Chromium).
 */
import assert from "node:assert/strict";
import { transaction } from "../../db/tx.ts";
import { postEntry } from "../../domain/ledger/ledger.ts";
import { getAvatar } from "../../domain/accounts/profile.ts";
import { QUESTIONS } from "../../domain/investor/risk_questionnaire.ts";
import { Client, createUser, latestSmsCode, TEST_PASSWORD } from "../helpers/forms.ts";
import {
  assertNoProblems,
  axeViolations,
  browserTest,
  mainText,
  phonePage,
  sidewaysOverflow,
  submitAndWait,
} from "./_shared.ts";
import { testApp } from "../helpers/app.ts";
import { seededTestApp } from "../helpers/forms.ts";

/** A real 1×1 PNG (so the browser can decode and show it). */
const TINY_PNG = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="),
  (ch) => ch.charCodeAt(0),
);

browserTest(
  "browser (375 px): account centre pages fit, questionnaire by taps, avatar upload",
  async (browser, baseUrl) => {
    const app = await testApp();
    const user = await createUser(app.sql);
    const c = new Client(app);
    let res = await c.login(user.phone, TEST_PASSWORD);
    if (res.headers.get("location") === "/login/device") {
      await c.get("/login/device");
      res = await c.post("/login/device", {
        intent: "confirm",
        smsCode: await latestSmsCode(app.sql, user.phone),
      });
    }
    assert.equal(res.status, 303);
    const sid = c.jar.get("sid");
    assert.ok(sid);
    await transaction(app.sql, async (tx) => {
      await postEntry(tx, {
        businessType: "top_up",
        reference: `test:${crypto.randomUUID()}`,
        idempotencyKey: `test:${crypto.randomUUID()}`,
        lines: [
          { account: { kind: "custody_clearing" }, amountFen: -1_234_500n },
          { account: { kind: "user_available", userId: user.userId }, amountFen: 1_234_500n },
        ],
      });
    });

    const { page, problems } = await phonePage(browser, baseUrl, { name: "sid", value: sid });

    for (
      const path of [
        "/account",
        "/account/records",
        "/account/risk-assessment",
        "/account/risk-disclosure",
        "/account/profile",
        "/account/invite",
      ]
    ) {
      const r = await page.goto(baseUrl + path, { waitUntil: "load" });
      assert.equal(r?.status(), 200, path);
      assert.equal(new URL(page.url()).pathname, path);
      const overflow = await sidewaysOverflow(page);
      assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px at 375 px`);
      assert.deepEqual(await axeViolations(page), [], path);
    }
    // the error states: an unanswered questionnaire, a bad records filter
    await page.goto(`${baseUrl}/account/risk-assessment`, { waitUntil: "load" });
    await submitAndWait(page, "#questionnaire button[type=submit]");
    assert.match(await mainText(page), /请回答此题/);
    assert.deepEqual(await axeViolations(page), [], "questionnaire with errors");
    await page.goto(`${baseUrl}/account/records?from=2026-02-30`, { waitUntil: "load" });
    assert.deepEqual(await axeViolations(page), [], "records with a bad filter");
    const home = await (await page.goto(`${baseUrl}/account`, { waitUntil: "load" }))!.text();
    assert.match(home, /¥12,345\.00/);

    // the questionnaire by tapping the last option of each question
    await page.goto(`${baseUrl}/account/risk-assessment`, { waitUntil: "load" });
    for (const q of QUESTIONS) {
      const last = q.options[q.options.length - 1].id;
      await page.$eval(
        `input[name="${q.id}"][value="${last}"]`,
        (el) => el.scrollIntoView({ block: "center" }),
      );
      await page.click(`input[name="${q.id}"][value="${last}"]`);
    }
    await submitAndWait(page, "#questionnaire button[type=submit]");
    assert.equal(new URL(page.url()).pathname, "/account/risk-assessment");
    assert.match(await mainText(page), /测评已完成/);

    // an avatar through the file input
    const dir = await Deno.makeTempDir();
    const file = `${dir}/me.png`;
    await Deno.writeFile(file, TINY_PNG);
    await page.goto(`${baseUrl}/account/profile`, { waitUntil: "load" });
    const input = await page.$("#f-avatar");
    await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(file);
    await submitAndWait(page, "button[value=upload]");
    assert.match(await mainText(page), /头像已更新/);
    // the browser loads and decodes it through /account/avatar
    await page.waitForFunction(() =>
      (document.querySelector("img.avatar") as HTMLImageElement | null)?.complete
    );
    assert.equal(await page.$eval("img.avatar", (el) => (el as HTMLImageElement).naturalWidth), 1);
    assert.equal((await getAvatar(app.sql, user.userId))?.contentType, "image/png");
    await Deno.remove(dir, { recursive: true });

    // the two error states answer 422 on purpose (the browser logs that as a failed resource)
    const expected = /status of 422 .*\/account\/(risk-assessment|records\?from=2026-02-30)$/;
    assertNoProblems(
      { ...problems, consoleErrors: problems.consoleErrors.filter((e) => !expected.test(e)) },
      "investor account pages",
    );

    // the staff pages, signed in through the two steps (password + TOTP)
    await seededTestApp();
    const staff = new Client(app);
    const staffIn = await staff.staffLogin("admin", "Demo@2026!");
    assert.equal(staffIn.status, 303);
    await page.setCookie({ name: "staff_sid", value: staff.jar.get("staff_sid")!, url: baseUrl });
    for (const path of ["/admin/risk-levels", "/admin/referral"]) {
      const r = await page.goto(baseUrl + path, { waitUntil: "load" });
      assert.equal(r?.status(), 200, path);
      assert.deepEqual(await axeViolations(page), [], path);
    }
  },
);
