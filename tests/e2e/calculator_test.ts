/**
 * Browser tests of the loan calculator (借款计算器) page: the island hydrates and recomputes as the user
 * types (desktop, and a phone on a throttled network), shows the Chinese field errors for bad input, and
 * the page works without JavaScript through its GET form. Every expected figure comes from the domain
 * (`computeSchedule` + `formatFen`), never from a hard-coded guess.
 * @module
 */
import assert from "node:assert/strict";
import type { HTTPRequest, Page } from "puppeteer-core";
import { CALCULATOR_MESSAGES } from "../../domain/lending/calculator_input.ts";
import type { ScheduleInput } from "../../domain/lending/schedule.ts";
import {
  assertNoProblems,
  browserTest,
  type ExpectedFigures,
  expectedFigures,
  expectedRows,
  retype,
  shownResult,
  testIdText,
  waitForHydration,
  waitForTestIdText,
  watchPage,
} from "./_shared.ts";

/** The figures for the page's defaults (10000 元, 8.5%, 12 months, 等额本息). */
const DEFAULTS = expectedFigures({
  method: "equal_installment",
  principalFen: 1_000_000n,
  annualRateMicros: 85_000,
  months: 12,
});

/** Asserts the calculator shows no result and the given Chinese error under `field`. */
async function assertFieldError(page: Page, field: string, message: string): Promise<void> {
  await page.waitForSelector(`#calc-${field}-error`, { timeout: 10_000 });
  const state = await page.evaluate((name: string) => ({
    error: document.getElementById(`calc-${name}-error`)?.textContent?.trim() ?? null,
    ariaInvalid: document.getElementById(`calc-${name}`)?.getAttribute("aria-invalid") ?? null,
    describedBy: document.getElementById(`calc-${name}`)?.getAttribute("aria-describedby") ?? "",
  }), field);
  assert.equal(state.error, message, `error under ${field}`);
  assert.equal(state.ariaInvalid, "true", `${field} is aria-invalid`);
  assert.ok(state.describedBy.split(" ").includes(`calc-${field}-error`), `${field} described by its error`);
  assert.equal(await testIdText(page, "calc-invalid"), "请按提示修正输入后查看计算结果。");
  // No stale result: no figures, no table, no chart.
  for (const id of ["calc-first-payment", "calc-total-interest", "calc-total-payment"]) {
    assert.equal(await testIdText(page, id), null, `${id} is gone while the input is invalid`);
  }
  assert.equal(await page.$('[data-testid="schedule-table"]'), null, "no stale schedule table");
  assert.equal(await page.$('[data-testid="schedule-chart"]'), null, "no stale schedule chart");
}

/** Asserts every figure (under the headline `label`) and every table row the calculator shows now. */
async function assertShown(page: Page, want: ExpectedFigures, label: string): Promise<void> {
  const shown = await shownResult(page);
  assert.equal(shown.label, label);
  assert.equal(shown.firstPayment, want.firstPayment);
  assert.equal(shown.totalInterest, want.totalInterest);
  assert.equal(shown.totalPayment, want.totalPayment);
  assert.deepEqual(shown.rows, expectedRows(want.schedule));
}

/** Waits until the island shows `want`'s headline figure, then asserts every figure and table row. */
async function assertShows(page: Page, want: ExpectedFigures, label: string): Promise<void> {
  await waitForTestIdText(page, "calc-first-payment", want.firstPayment);
  await assertShown(page, want, label);
}

/**
 * Types each `[selector, text]` like a user, then asserts the island shows the domain's figures for
 * `input` (returned).
 */
async function typeAndAssert(
  page: Page,
  typed: readonly (readonly [selector: string, text: string])[],
  input: ScheduleInput,
  label: string,
): Promise<ExpectedFigures> {
  for (const [selector, text] of typed) await retype(page, selector, text);
  const want = expectedFigures(input);
  await assertShows(page, want, label);
  return want;
}

browserTest(
  "calculator (desktop): the island hydrates, recomputes as the user types, shows Chinese errors",
  async (browser, baseUrl) => {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const problems = await watchPage(page);
    const res = await page.goto(`${baseUrl}/calculator`, { waitUntil: "domcontentloaded" });
    assert.equal(res?.status(), 200);
    // Server-rendered defaults, before and after hydration.
    assert.equal(await testIdText(page, "calc-first-payment"), DEFAULTS.firstPayment);
    await waitForHydration(page, 15_000);
    await assertShows(page, DEFAULTS, "每月还款");

    // Typing a new principal recomputes on the client (no navigation, no request).
    const requestsWhileTyping: string[] = [];
    const onRequest = (req: HTTPRequest) => requestsWhileTyping.push(req.url());
    page.on("request", onRequest);
    await typeAndAssert(
      page,
      [["#calc-principal", "123456.78"]],
      { method: "equal_installment", principalFen: 12_345_678n, annualRateMicros: 85_000, months: 12 },
      "每月还款",
    );
    page.off("request", onRequest);
    assert.deepEqual(requestsWhileTyping, [], "recomputing needs no request");
    // The address follows the form (shareable, same keys as the GET form).
    const search = new URLSearchParams(await page.evaluate(() => location.search));
    assert.equal(search.get("principal"), "123456.78");
    assert.equal(search.get("method"), "equal_installment");

    // Rate and term too.
    const longer = await typeAndAssert(
      page,
      [["#calc-annualRate", "12.5"], ["#calc-term", "36"]],
      { method: "equal_installment", principalFen: 12_345_678n, annualRateMicros: 125_000, months: 36 },
      "每月还款",
    );

    // 等额本金: the headline becomes 首期还款 with the domain's first payment.
    await page.select("#calc-method", "equal_principal");
    const principalMethod = expectedFigures({
      method: "equal_principal",
      principalFen: 12_345_678n,
      annualRateMicros: 125_000,
      months: 36,
    });
    assert.notEqual(principalMethod.firstPayment, longer.firstPayment, "the two methods differ here");
    await assertShows(page, principalMethod, "首期还款");

    // Invalid principal: Chinese error, no stale result.
    await retype(page, "#calc-principal", "abc");
    await assertFieldError(page, "principal", CALCULATOR_MESSAGES.principalFormat);
    await typeAndAssert(
      page,
      [["#calc-principal", "5000"]],
      { method: "equal_principal", principalFen: 500_000n, annualRateMicros: 125_000, months: 36 },
      "首期还款",
    );
    assert.equal(await page.$("#calc-principal-error"), null, "the error goes away once fixed");

    // A rate above 36%.
    await retype(page, "#calc-annualRate", "50");
    await assertFieldError(page, "annualRate", CALCULATOR_MESSAGES.annualRateMax);
    await typeAndAssert(
      page,
      [["#calc-annualRate", "6"]],
      { method: "equal_principal", principalFen: 500_000n, annualRateMicros: 60_000, months: 36 },
      "首期还款",
    );

    // 到期还本付息 with a term in days (the 按天 radio).
    await page.select("#calc-method", "bullet");
    await page.click('input[name="termUnit"][value="day"]');
    await typeAndAssert(
      page,
      [["#calc-term", "90"]],
      { method: "bullet", principalFen: 500_000n, annualRateMicros: 60_000, days: 90 },
      "到期还款",
    );

    assertNoProblems(problems, "/calculator (desktop)");

    // The watcher itself works, and the CSP really blocks inline script: an injected inline script
    // must not run and must be reported as a violation.
    await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "window.__e2eInjected = true;";
      document.body.append(s);
    });
    const deadline = Date.now() + 5_000;
    while (problems.cspViolations.length === 0 && Date.now() < deadline) await delay(50);
    assert.equal(await page.evaluate(() => "__e2eInjected" in globalThis), false, "inline script blocked");
    assert.equal(problems.cspViolations.length, 1, "the injected inline script is reported");
    assert.equal(problems.cspViolations[0].directive, "script-src-elem");
  },
);

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** 400 kbit/s = 50 000 bytes/s, 400 ms latency (issue 2 §10). */
const THROTTLE = { offline: false, latency: 400, downloadThroughput: 50_000, uploadThroughput: 50_000 };

browserTest(
  "calculator (phone, 400 kbit/s + 400 ms): hydrates, updates as the user types, no sideways scroll",
  async (browser, baseUrl) => {
    const page = await browser.newPage();
    await page.setViewport({
      width: 375,
      height: 667,
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    const problems = await watchPage(page);

    // Count what crosses the (throttled) wire, per resource type.
    const cdp = await page.createCDPSession();
    const types = new Map<string, string>();
    const urls = new Map<string, string>();
    const transfers: { url: string; type: string; bytes: number }[] = [];
    cdp.on("Network.requestWillBeSent", (e) => {
      types.set(e.requestId, e.type ?? "Other");
      urls.set(e.requestId, e.request.url);
    });
    cdp.on("Network.loadingFinished", (e) => {
      transfers.push({
        url: urls.get(e.requestId) ?? "?",
        type: types.get(e.requestId) ?? "Other",
        bytes: e.encodedDataLength,
      });
    });
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await cdp.send("Network.emulateNetworkConditions", THROTTLE);

    // The moment the runtime marks the islands hydrated, in the page's own clock (ms since navigation).
    await page.evaluateOnNewDocument(() => {
      // Runs before <html> exists: watch the document for the attribute.
      new MutationObserver((_, observer) => {
        if (document.documentElement?.dataset.islandsHydrated === "true") {
          (globalThis as unknown as { __e2eHydratedAt: number }).__e2eHydratedAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-islands-hydrated"] });
    });

    const started = performance.now();
    const res = await page.goto(`${baseUrl}/calculator`, {
      waitUntil: "domcontentloaded",
      timeout: 60_000,
    });
    assert.equal(res?.status(), 200);
    await waitForHydration(page, 30_000);
    const wallMs = performance.now() - started;
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
      return {
        hydratedAtMs: (globalThis as unknown as { __e2eHydratedAt?: number }).__e2eHydratedAt ?? null,
        domContentLoadedMs: nav.domContentLoadedEventEnd,
      };
    });
    // Not a timing assertion: proof that the throttle is in force (document + runtime module each
    // pay at least the 400 ms latency before the island can hydrate).
    assert.ok(wallMs >= 800, `throttling is applied (hydrated after ${wallMs.toFixed(0)} ms)`);

    // Hydrated: typing recomputes.
    await typeAndAssert(
      page,
      [["#calc-principal", "30000"], ["#calc-term", "24"]],
      { method: "equal_installment", principalFen: 3_000_000n, annualRateMicros: 85_000, months: 24 },
      "每月还款",
    );

    // Phone layout: nothing wider than the viewport (the schedule table scrolls inside its wrapper).
    const widths = await page.evaluate(() => ({
      innerWidth,
      scrollWidth: document.documentElement.scrollWidth,
      bodyScrollWidth: document.body.scrollWidth,
    }));
    assert.equal(widths.innerWidth, 375);
    assert.ok(
      widths.scrollWidth <= widths.innerWidth && widths.bodyScrollWidth <= widths.innerWidth,
      `no horizontal scrolling: ${JSON.stringify(widths)}`,
    );

    assertNoProblems(problems, "/calculator (phone)");

    const byType = new Map<string, number>();
    for (const t of transfers) byType.set(t.type, (byType.get(t.type) ?? 0) + t.bytes);
    const total = transfers.reduce((sum, t) => sum + t.bytes, 0);
    console.log(
      `phone 375×667 @ 400 kbit/s, 400 ms: hydrated ${timing.hydratedAtMs?.toFixed(0)} ms after navigation ` +
        `(DOMContentLoaded ${timing.domContentLoadedMs.toFixed(0)} ms; ${wallMs.toFixed(0)} ms from goto), ` +
        `${total} bytes over ${transfers.length} responses ` +
        `(${[...byType].map(([type, bytes]) => `${type} ${bytes}`).join(", ")})`,
    );
    for (const t of transfers) {
      console.log(`  ${t.type.padEnd(10)} ${String(t.bytes).padStart(7)}  ${t.url}`);
    }
    assert.ok(total > 0, "transfer sizes were recorded");
  },
);

browserTest(
  "calculator without JavaScript: the GET form shows the server-computed schedule and errors",
  async (browser, baseUrl) => {
    const page = await browser.newPage();
    await page.setJavaScriptEnabled(false);
    const problems = await watchPage(page, { javaScript: false });
    await page.goto(`${baseUrl}/calculator`, { waitUntil: "load" });
    await retype(page, "#calc-principal", "88888.88");
    await retype(page, "#calc-annualRate", "9.6");
    await retype(page, "#calc-term", "24");
    await page.select("#calc-method", "equal_principal");
    const [res] = await Promise.all([
      page.waitForNavigation({ waitUntil: "load" }),
      page.click('button[type="submit"]'),
    ]);
    assert.equal(res?.status(), 200);
    const url = new URL(page.url());
    assert.equal(url.pathname, "/calculator");
    assert.equal(url.searchParams.get("principal"), "88888.88");
    assert.equal(url.searchParams.get("annualRate"), "9.6");
    assert.equal(url.searchParams.get("term"), "24");
    assert.equal(url.searchParams.get("termUnit"), "month");
    assert.equal(url.searchParams.get("method"), "equal_principal");
    const want = expectedFigures({
      method: "equal_principal",
      principalFen: 8_888_888n,
      annualRateMicros: 96_000,
      months: 24,
    });
    await assertShown(page, want, "首期还款");
    assert.equal(
      await page.evaluate(() => document.documentElement.dataset.islandsHydrated ?? null),
      null,
      "nothing hydrated: this is the server's rendering",
    );
    assertNoProblems(problems, "/calculator (no JavaScript)");

    // Invalid input without script: 400, the Chinese error, and the form keeps what was typed.
    await retype(page, "#calc-principal", "abc");
    const [bad] = await Promise.all([
      page.waitForNavigation({ waitUntil: "load" }),
      page.click('button[type="submit"]'),
    ]);
    assert.equal(bad?.status(), 400);
    assert.equal(
      await page.$eval("#calc-principal-error", (el) => el.textContent?.trim()),
      CALCULATOR_MESSAGES.principalFormat,
    );
    assert.equal(await page.$eval("#calc-principal", (el) => (el as HTMLInputElement).value), "abc");
    assert.equal(await page.$eval("#calc-annualRate", (el) => (el as HTMLInputElement).value), "9.6");
    assert.equal(
      await page.$eval("#calc-method", (el) => (el as HTMLSelectElement).value),
      "equal_principal",
    );
    assert.equal(await testIdText(page, "calc-first-payment"), null, "no result for invalid input");
  },
);
