/**
 * Browser: one loan from application to a repaid installment through the real pages. A borrower applies on
 * a phone-sized screen (product, amount, profile, documents — uploaded with progress, one retried after a
 * network failure, one refused for its type, one without JavaScript — then signs with the trade password);
 * risk staff approve it; the publishing job (called directly) opens it; two investors bid until it is full
 * at /loans/[id]; one staff member does the 满标审核 and a second, finance, disburses; the borrower repays
 * the first installment at /borrow/repay; the investor sees the money received at /account/investments.
 * axe-core checks /borrow steps, /loans and /loans/[id].
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { HTTPRequest, Page } from "puppeteer-core";
import { formatFen } from "../../domain/money/format.ts";
import { userBalances } from "../../domain/ledger/ledger.ts";
import { publishDueLoans } from "../../domain/lending/listing.ts";
import { testApp } from "../helpers/app.ts";
import { sessionFor } from "../helpers/forms.ts";
import { insertStaff } from "../helpers/staff_fixtures.ts";
import { bidReadyInvestor, TEST_TRADE_PASSWORD } from "../helpers/investor_fixtures.ts";
import {
  borrower,
  BORROWER_TRADE_PASSWORD,
  jpegBytes,
  PERSON_PROFILE,
  pngBytes,
  productId,
} from "../domain/borrowing/fixtures.ts";
import {
  assertNoProblems,
  axeViolations,
  browserTest,
  mainText,
  PHONE,
  sidewaysOverflow,
  signedInPage,
  waitForHydration,
} from "./_shared.ts";

/** Beijing wall-clock time of `at`, as a `datetime-local` value (minutes). */
function beijingLocal(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 16);
}

/** Fills the fields of the page's `<main>` by name, like a user: selects are chosen, inputs typed. */
async function fill(page: Page, fields: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(fields)) {
    if (value === "") continue;
    const tag = await page.$eval(`main [name="${name}"]`, (el) => el.tagName).catch(() => null);
    if (tag === null) continue; // a field this borrower kind is not asked
    if (tag === "SELECT") await page.select(`main select[name="${name}"]`, value);
    else await page.type(`main [name="${name}"]`, value);
  }
}

/**
 * Clicks `selector` after scrolling it to the middle of the screen (at the bottom edge of a phone screen
 * the fixed tab bar would take the click).
 */
async function tap(page: Page, selector: string): Promise<void> {
  await page.$eval(selector, (el) => el.scrollIntoView({ block: "center" }));
  await page.click(selector);
}

/** {@link tap} and wait for the navigation it starts. */
async function tapAndWait(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), tap(page, selector)]);
}

browserTest(
  "loan lifecycle: apply on a phone, approve, bid until full, review, disburse, repay, money received",
  async (browser, baseUrl) => {
    const app = await testApp();
    const { sql } = app;
    const a11y: string[] = [];
    const audit = async (page: Page, where: string) => {
      for (const v of await axeViolations(page, 3)) a11y.push(`${where}: ${v}`);
    };
    const files = await Deno.makeTempDir({ prefix: "loan_e2e_" });
    try {
      const jpeg = join(files, "id.jpg");
      await Deno.writeFile(jpeg, jpegBytes(4096));
      const bigJpeg = join(files, "photo.jpg");
      await Deno.writeFile(bigJpeg, jpegBytes(48 * 1024));
      const png = join(files, "card.png");
      await Deno.writeFile(png, pngBytes(4096));
      const gif = join(files, "card.gif");
      await Deno.writeFile(gif, new TextEncoder().encode("GIF89a......"));

      // ---- the borrower applies, phone-sized ------------------------------------------------------------
      const b = await borrower(sql, app.services.gateways);
      const user = await signedInPage(browser, baseUrl, { type: "user", id: b.userId });
      const p = user.page;
      await p.goto(`${baseUrl}/borrow`, { waitUntil: "load" });
      await audit(p, "/borrow");
      const personal = await productId(sql, "personal_credit");
      await tapAndWait(p, `main form:has(input[name=productId][value="${personal}"]) button[type=submit]`);
      const loanStep = new URL(p.url()).pathname;
      const appId = /^\/borrow\/applications\/(\d+)\/loan$/.exec(loanStep)?.[1];
      assert.ok(appId, loanStep);
      await fill(p, {
        amountYuan: "10000",
        termCount: "12",
        method: "equal_installment",
        purpose: "家庭装修",
      });
      await tapAndWait(p, "main form button[type=submit]");
      assert.equal(new URL(p.url()).pathname, `/borrow/applications/${appId}/profile`);
      await fill(p, PERSON_PROFILE);
      await tapAndWait(p, "main form button[type=submit]");
      const docsPath = `/borrow/applications/${appId}/documents`;
      assert.equal(new URL(p.url()).pathname, docsPath);
      await waitForHydration(p, 15_000);
      await audit(p, "/borrow documents step");
      const fileInput = async () => (await p.$("input#f-file"))!;
      const uploadedKinds = async () =>
        (await sql<{ kind: string }[]>`
          select kind from application_documents where application_id = ${appId} order by id`).map((r) =>
          r.kind
        );

      // 1. the network fails during the first upload: 「重试」 sends it again
      await p.select("#f-kind", "id_front");
      await (await fileInput()).uploadFile(jpeg);
      await p.setRequestInterception(true);
      let aborted = 0;
      const cutOff = (req: HTTPRequest) => {
        if (req.isInterceptResolutionHandled()) return;
        if (req.method() === "POST" && req.url().endsWith(docsPath) && aborted === 0) {
          aborted++;
          void req.abort("failed");
        } else void req.continue();
      };
      p.on("request", cutOff);
      await tap(p, "[data-testid=upload-submit]");
      await p.waitForSelector("[data-testid=upload-retry]");
      assert.match(await p.$eval("[data-testid=upload-message]", (el) => el.textContent ?? ""), /网络异常/);
      assert.equal(aborted, 1);
      assert.deepEqual(await uploadedKinds(), []);
      p.off("request", cutOff);
      await p.setRequestInterception(false);
      // the aborted request is the test's own doing
      user.problems.failedRequests = user.problems.failedRequests.filter((l) => !l.includes(docsPath));
      user.problems.consoleErrors = user.problems.consoleErrors.filter((l) => !/ERR_FAILED/.test(l));
      await Promise.all([p.waitForNavigation({ waitUntil: "load" }), tap(p, "[data-testid=upload-retry]")]);
      assert.match(p.url(), /documents\?done=uploaded$/);
      assert.deepEqual(await uploadedKinds(), ["id_front"]);

      // 2. on a 400 kbit/s phone the upload shows its progress
      await waitForHydration(p, 15_000);
      await p.select("#f-kind", "id_back");
      await (await fileInput()).uploadFile(bigJpeg);
      await p.emulateNetworkConditions({ download: 50_000, upload: 50_000, latency: 400 });
      const navigated = p.waitForNavigation({ waitUntil: "load", timeout: 20_000 });
      await tap(p, "[data-testid=upload-submit]");
      await p.waitForSelector("[data-testid=upload-progress]", { timeout: 5_000 });
      assert.equal(
        await p.$eval("[data-testid=upload-submit]", (el) => (el as HTMLButtonElement).disabled),
        true,
      );
      await navigated;
      await p.emulateNetworkConditions(null);
      assert.deepEqual(await uploadedKinds(), ["id_front", "id_back"]);

      // 3. a file of the wrong type: the server's message, shown without leaving the page; then a PNG
      await waitForHydration(p, 15_000);
      await p.select("#f-kind", "bank_card");
      await (await fileInput()).uploadFile(gif);
      await tap(p, "[data-testid=upload-submit]");
      await p.waitForSelector("[data-testid=upload-message]");
      assert.match(
        await p.$eval("[data-testid=upload-message]", (el) => el.textContent ?? ""),
        /文件格式不支持/,
      );
      assert.equal(await p.$("[data-testid=upload-retry]"), null, "nothing to retry: the file must change");
      // the refusal's 422 is the test's own doing
      user.problems.consoleErrors = user.problems.consoleErrors.filter((l) => !/status of 422/.test(l));
      await (await fileInput()).uploadFile(png);
      await tapAndWait(p, "[data-testid=upload-submit]");
      assert.deepEqual(await uploadedKinds(), ["id_front", "id_back", "bank_card"]);

      // 4. without JavaScript the plain form uploads too
      {
        const context = await browser.createBrowserContext();
        const plain = await context.newPage();
        await plain.setJavaScriptEnabled(false);
        await plain.setViewport(PHONE);
        const session = await sessionFor(sql, { type: "user", id: b.userId });
        await context.setCookie({
          name: "sid",
          value: session.sessionId,
          domain: new URL(baseUrl).hostname,
          path: "/",
        });
        await plain.goto(`${baseUrl}${docsPath}`, { waitUntil: "load" });
        await plain.select("#f-kind", "income_proof");
        await (await plain.$("input#f-file"))!.uploadFile(jpeg);
        await tapAndWait(plain, "[data-testid=upload-submit]");
        assert.match(plain.url(), /documents\?done=uploaded$/);
        await context.close();
      }

      // 5. the last one, and on to the confirmation
      await p.goto(`${baseUrl}${docsPath}`, { waitUntil: "load" });
      await waitForHydration(p, 15_000);
      await p.select("#f-kind", "employment_proof");
      await (await fileInput()).uploadFile(jpeg);
      await tapAndWait(p, "[data-testid=upload-submit]");
      assert.deepEqual(await uploadedKinds(), [
        "id_front",
        "id_back",
        "bank_card",
        "income_proof",
        "employment_proof",
      ]);
      assert.match(await mainText(p), /上传成功/);
      await tapAndWait(p, `main form:has(input[name=intent][value=next]) button[type=submit]`);
      assert.equal(new URL(p.url()).pathname, `/borrow/applications/${appId}/confirm`);
      assert.match(await mainText(p), /¥10,000\.00/);
      await audit(p, "/borrow confirm step");
      await tap(p, "main input[name=authorise]");
      await p.type("#f-tradePassword", BORROWER_TRADE_PASSWORD);
      await tapAndWait(p, "main form button[type=submit]");
      assert.equal(new URL(p.url()).pathname, `/borrow/applications/${appId}`);
      const [submitted] = await sql<{ status: string }[]>`
        select status from loan_applications where id = ${appId}`;
      assert.equal(submitted.status, "manual_review", "the automatic review leaves it to a person");
      assert.ok((await sidewaysOverflow(p)) <= 1, "the borrower's pages fit the phone");

      // ---- risk staff approve it -------------------------------------------------------------------------
      const risk = await signedInPage(browser, baseUrl, {
        type: "staff",
        id: (await insertStaff(sql, "risk")).id,
      });
      await risk.page.goto(`${baseUrl}/admin/loans/${appId}`, { waitUntil: "load" });
      assert.match(await mainText(risk.page), /家庭装修/);
      const approve = `main form:has(input[name=intent][value=approve])`;
      await risk.page.select(`${approve} select[name=grade]`, "B");
      await risk.page.type(`${approve} input[name=annualRate]`, "8");
      await risk.page.type(`${approve} input[name=title]`, "装修周转借款");
      await risk.page.$eval(
        `${approve} input[name=publishAt]`,
        (el, v) => ((el as HTMLInputElement).value = v as string),
        beijingLocal(new Date()),
      );
      await risk.page.type(`${approve} input[name=repaymentSource]`, "工资收入");
      await tapAndWait(risk.page, `${approve} button[type=submit]`);
      assert.match(risk.page.url(), /done=approved/);
      const [loan] = await sql<{ id: string; status: string }[]>`
        select id::text as id, status from loans where application_id = ${appId}`;
      assert.ok(loan, "approval creates the loan");
      assert.equal(loan.status, "scheduled");

      // ---- the publishing job opens it (its publish time has come) --------------------------------------
      await publishDueLoans(sql, new Date());
      const [opened] = await sql<{ status: string }[]>`select status from loans where id = ${loan.id}`;
      assert.equal(opened.status, "open");

      // ---- two investors bid until it is full --------------------------------------------------------------
      const bid = async (userId: string, yuan: string) => {
        const inv = await signedInPage(browser, baseUrl, { type: "user", id: userId });
        await inv.page.goto(`${baseUrl}/loans/${loan.id}`, { waitUntil: "load" });
        await inv.page.type("[data-testid=bid-form] input[name=amountYuan]", yuan);
        await inv.page.type("[data-testid=bid-form] input[name=tradePassword]", TEST_TRADE_PASSWORD);
        await tapAndWait(inv.page, "[data-testid=bid-form] button[type=submit]");
        assert.match(
          new URL(inv.page.url()).pathname,
          /^\/account\/investments\/\d+$/,
          await mainText(inv.page),
        );
        return inv;
      };
      const first = await bidReadyInvestor(sql);
      const second = await bidReadyInvestor(sql);
      const investor = await bid(first.userId, "6000");
      await investor.page.goto(`${baseUrl}/loans`, { waitUntil: "load" });
      assert.match(await mainText(investor.page), /装修周转借款/);
      await audit(investor.page, "/loans");
      await investor.page.goto(`${baseUrl}/loans/${loan.id}`, { waitUntil: "load" });
      assert.match(
        await investor.page.$eval("[data-testid=loan-remaining]", (el) => el.textContent ?? ""),
        /¥4,000\.00/,
      );
      await audit(investor.page, "/loans/[id]");
      const other = await bid(second.userId, "4000");
      const [full] = await sql<{ status: string; funded: bigint }[]>`
        select status, funded_fen as funded from loans where id = ${loan.id}`;
      assert.equal(full.status, "full");
      assert.equal(BigInt(full.funded), 1_000_000n);

      // ---- 满标审核 by one staff member, 放款 by a second (finance) --------------------------------------
      const card = `article[data-loan="${loan.id}"]`;
      await risk.page.goto(`${baseUrl}/admin/loans/full`, { waitUntil: "load" });
      await tapAndWait(risk.page, `${card} button[name=intent][value=review]`);
      assert.match(risk.page.url(), /done=reviewed/);
      const finance = await signedInPage(browser, baseUrl, {
        type: "staff",
        id: (await insertStaff(sql, "finance")).id,
      });
      await finance.page.goto(`${baseUrl}/admin/loans/full`, { waitUntil: "load" });
      await tapAndWait(finance.page, `${card} button[name=intent][value=disburse]`);
      assert.match(finance.page.url(), /done=disbursed/);
      const [repaying] = await sql<{ status: string }[]>`select status from loans where id = ${loan.id}`;
      assert.equal(repaying.status, "repaying");

      // ---- the borrower repays the first installment ------------------------------------------------------
      await p.goto(`${baseUrl}/borrow/repay`, { waitUntil: "load" });
      assert.match(await mainText(p), /装修周转借款/);
      await audit(p, "/borrow/repay");
      await tapAndWait(
        p,
        `main form:has(input[name=loanId][value="${loan.id}"]):has(input[value=repay]) button`,
      );
      assert.match(p.url(), /done=repaid/);
      const [paid] = await sql<{ n: bigint }[]>`
        select count(*) as n from loan_installments where loan_id = ${loan.id} and period = 1
          and paid_principal_fen = principal_fen and paid_interest_fen = interest_fen`;
      assert.equal(Number(paid.n), 1, "the first installment is paid");

      // ---- the investor sees the money received --------------------------------------------------------
      const [received] = await sql<{ fen: bigint }[]>`
        select coalesce(sum(ci.received_principal_fen + ci.received_interest_fen + ci.received_penalty_fen
                            - ci.fee_fen), 0) as fen
        from claim_installments ci join claims c on c.id = ci.claim_id
        where c.loan_id = ${loan.id} and c.investor_id = ${first.userId} and ci.period = 1`;
      assert.ok(BigInt(received.fen) > 0n, "the investor's share arrived");
      assert.equal(
        (await userBalances(sql, first.userId)).availableFen,
        10_000_000n - 600_000n + BigInt(received.fen),
        "in the investor's available balance",
      );
      await investor.page.goto(`${baseUrl}/account/investments?tab=repaying`, { waitUntil: "load" });
      const row = await investor.page.$eval(
        `[data-testid=investments] article`,
        (el) => el.textContent ?? "",
      );
      assert.match(row, /装修周转借款/);
      assert.ok(row.includes(`已收 ${formatFen(BigInt(received.fen))}`), row);
      await audit(investor.page, "/account/investments");

      assert.deepEqual(a11y, [], `accessibility violations:\n${a11y.join("\n")}`);
      for (
        const [who, pp] of [
          ["borrower", user],
          ["risk", risk],
          ["finance", finance],
          ["investor", investor],
          [
            "second investor",
            other,
          ],
        ] as const
      ) {
        assertNoProblems(pp.problems, who);
        await pp.context.close();
      }
    } finally {
      await Deno.remove(files, { recursive: true });
    }
  },
);

Deno.test("upload island: its chunk is at most 4 KB gzip, the documents page's JS at most 12 KB", async () => {
  // tests/run.ts builds first; the sizes are of the build the browser test is served
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const manifest = JSON.parse(await Deno.readTextFile(join(root, "_build/manifest.json"))) as {
    islands: Record<string, { js: string; imports: string[] }>;
    runtime: { js: string; imports: string[] };
  };
  const gz = async (url: string) =>
    gzipSync(await Deno.readFile(join(root, "_build/static", url.slice("/_frsh/".length)))).byteLength;
  const island = manifest.islands.UploadProgress;
  assert.ok(island, "islands/UploadProgress.tsx is registered");
  const own = await gz(island.js);
  assert.ok(own <= 4096, `UploadProgress chunk: ${own} B gzip`);
  const urls = new Set([island.js, ...island.imports, manifest.runtime.js, ...manifest.runtime.imports]);
  let total = 0;
  for (const url of urls) total += await gz(url);
  assert.ok(total <= 12 * 1024, `JS of the documents step: ${total} B gzip`);
});
