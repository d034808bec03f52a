/**
 * Shared helpers of the browser tests: a browser test against a served app, a signed-in phone-sized page,
 * a watcher for console errors, page errors and CSP violations, an axe-core audit, the hydration signal of
 * the island runtime, typing into a field, and reading the calculator's figures.
 * @module
 */
import assert from "node:assert/strict";
import axe from "axe-core";
import type { Browser, BrowserContext, HTTPResponse, Page } from "puppeteer-core";
import { serveTestApp, testApp } from "../helpers/app.ts";
import { sessionFor, type SessionSubject } from "../helpers/forms.ts";
import { launchBrowser, skipBrowser } from "../helpers/browser.ts";
import { formatFen } from "../../domain/money/format.ts";
import { computeSchedule, type Schedule, type ScheduleInput } from "../../domain/lending/schedule.ts";

/** Runs `fn` with a served app and a browser, closing both whatever happens. */
export async function withBrowser(fn: (browser: Browser, baseUrl: string) => Promise<void>): Promise<void> {
  const { baseUrl, server } = await serveTestApp();
  let browser: Browser | null = null;
  try {
    browser = await launchBrowser();
    await fn(browser, baseUrl);
  } finally {
    await browser?.close();
    await server.shutdown();
  }
}

/**
 * A browser test: `fn` runs {@link withBrowser} (sanitizers off: the served app and Chromium outlive
 * one test's ops). Skipped, visibly, when Chromium is missing outside CI.
 */
export function browserTest(name: string, fn: (browser: Browser, baseUrl: string) => Promise<void>): void {
  Deno.test({
    name,
    ignore: skipBrowser,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: () => withBrowser(fn),
  });
}

/** The phone-sized screen of the browser tests (375 px wide). */
export const PHONE = { width: 375, height: 740, isMobile: true, hasTouch: true } as const;

/** A phone-sized page in its own browser context, watched by {@link watchPage}. */
export interface PhonePage {
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
}

/**
 * A {@link PHONE}-sized page in its own browser context (own cookies), with a 20 s default timeout, watched
 * by {@link watchPage} and carrying the cookie `cookie` for `baseUrl`'s host (e.g. a session id).
 */
export async function phonePage(
  browser: Browser,
  baseUrl: string,
  cookie: { name: string; value: string },
): Promise<PhonePage> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.setViewport(PHONE);
  const problems = await watchPage(page);
  await context.setCookie({ ...cookie, domain: new URL(baseUrl).hostname, path: "/" });
  return { context, page, problems };
}

/**
 * A {@link phonePage} signed in through a session made in the domain (the log-in flows are tested
 * elsewhere): `sid` for a user, `staff_sid` for a staff member.
 */
export async function signedInPage(
  browser: Browser,
  baseUrl: string,
  subject: SessionSubject,
): Promise<PhonePage> {
  const session = await sessionFor((await testApp()).sql, subject);
  const name = subject.type === "staff" ? "staff_sid" : "sid";
  return await phonePage(browser, baseUrl, { name, value: session.sessionId });
}

/** Clicks `selector` (a submit button) and waits for the navigation it starts to `load`. */
export async function submitAndWait(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click(selector)]);
}

/** The text of the page's `<main>`. */
export async function mainText(page: Page): Promise<string> {
  return await page.$eval("main", (el) => el.textContent ?? "");
}

/** How many pixels the page is wider than the window (it scrolls sideways when above 0). */
export async function sidewaysOverflow(page: Page): Promise<number> {
  return await page.evaluate(() => document.documentElement.scrollWidth - globalThis.innerWidth);
}

const AXE_SOURCE = (axe as unknown as { source: string }).source;

/**
 * axe-core's WCAG 2.x A/AA violations of the page as it is, as `rule: targets` lines (at most
 * `maxTargets` targets a rule). The library is injected through the DevTools protocol, which the page's
 * CSP does not govern.
 */
export async function axeViolations(page: Page, maxTargets = Infinity): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const run = (globalThis as unknown as {
      axe: {
        run(
          ctx: unknown,
          opts: unknown,
        ): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }>;
      };
    }).axe.run;
    const result = await run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({ id: v.id, targets: v.nodes.map((n) => n.target.join(" ")) }));
  });
  return violations.map((v) => `${v.id}: ${v.targets.slice(0, maxTargets).join(", ")}`);
}

/** Opens `url` (until `load`) and waits until its islands have hydrated; returns the document's answer. */
export async function gotoHydrated(
  page: Page,
  url: string,
  timeoutMs = 15_000,
): Promise<HTTPResponse | null> {
  const res = await page.goto(url, { waitUntil: "load" });
  await waitForHydration(page, timeoutMs);
  return res;
}

/** One CSP violation as the page reported it (`securitypolicyviolation` event). */
export interface CspViolation {
  url: string;
  directive: string;
  blockedUri: string;
  sample: string;
}

/** What {@link watchPage} collected so far. */
export interface PageProblems {
  /** `console.error` messages (including the browser's own, e.g. "Refused to execute …"). */
  consoleErrors: string[];
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** CSP violations, across navigations. */
  cspViolations: CspViolation[];
  /** Requests that failed at the network level (blocked, aborted). */
  failedRequests: string[];
}

/** The binding the page calls with each CSP violation. */
const CSP_BINDING = "__e2eReportCspViolation";

/**
 * Starts collecting console errors, page errors, failed requests and CSP violations of a page (call
 * before the first `goto`). CSP violations are reported through an exposed function, so they survive
 * navigations. Pass `{ javaScript: false }` for a page with JavaScript disabled: the CSP listener cannot
 * run there, and Chromium cancels the page's `modulepreload` fetches (reason "csp"), which is expected.
 */
export async function watchPage(page: Page, options: { javaScript?: boolean } = {}): Promise<PageProblems> {
  const javaScript = options.javaScript ?? true;
  const problems: PageProblems = { consoleErrors: [], pageErrors: [], cspViolations: [], failedRequests: [] };
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.consoleErrors.push(`${msg.text()} @ ${msg.location().url ?? ""}`);
  });
  page.on("pageerror", (err) => problems.pageErrors.push(String(err)));
  page.on("requestfailed", (req) => {
    const reason = req.failure()?.errorText;
    if (!javaScript && req.resourceType() === "script" && reason === "csp") return;
    problems.failedRequests.push(`${req.url()}: ${req.failure()?.errorText ?? "failed"}`);
  });
  if (!javaScript) return problems;
  await page.exposeFunction(CSP_BINDING, (v: CspViolation) => {
    problems.cspViolations.push(v);
  });
  await page.evaluateOnNewDocument((binding: string) => {
    document.addEventListener("securitypolicyviolation", (e) => {
      const report = (globalThis as unknown as Record<string, (v: unknown) => void>)[binding];
      report?.({
        url: e.documentURI,
        directive: e.effectiveDirective,
        blockedUri: e.blockedURI,
        sample: e.sample,
      });
    });
  }, CSP_BINDING);
  return problems;
}

/**
 * The browser's own request for `/favicon.ico` (not made by the page). Its 404 is checked once, by its own
 * test in `no_script_test.ts`, instead of failing every page test.
 */
const FAVICON_404 = /^Failed to load resource: .*404.* @ https?:\/\/[^/]+\/favicon\.ico$/;

/**
 * Asserts that nothing went wrong in the page: no console errors, page errors, CSP violations or failed
 * requests. The browser's automatic `/favicon.ico` 404 is left to its own test.
 */
export function assertNoProblems(problems: PageProblems, where: string): void {
  assert.deepEqual(problems.cspViolations, [], `${where}: CSP violations`);
  assert.deepEqual(problems.pageErrors, [], `${where}: uncaught page errors`);
  const consoleErrors = problems.consoleErrors.filter((line) => !FAVICON_404.test(line));
  assert.deepEqual(consoleErrors, [], `${where}: console errors`);
  assert.deepEqual(problems.failedRequests, [], `${where}: failed requests`);
}

/**
 * Waits until the island runtime has hydrated every island of the page: `boot()` sets
 * `<html data-islands-hydrated="true">` once every island's `hydrate()` has run.
 */
export async function waitForHydration(page: Page, timeoutMs: number): Promise<void> {
  await page.waitForFunction(() => document.documentElement.dataset.islandsHydrated === "true", {
    timeout: timeoutMs,
    polling: 50,
  });
}

/** Replaces the value of a text field like a user: triple-click to select it all, then type. */
export async function retype(page: Page, selector: string, text: string): Promise<void> {
  await page.click(selector, { count: 3 });
  await page.type(selector, text);
  const value = await page.$eval(selector, (el) => (el as HTMLInputElement).value);
  assert.equal(value, text, `${selector} holds what was typed`);
}

/** The text of the element with `data-testid=<id>`, or `null` when there is none. */
export async function testIdText(page: Page, id: string): Promise<string | null> {
  return await page.evaluate((testId: string) => {
    const el = document.querySelector(`[data-testid="${testId}"]`);
    return el ? (el.textContent ?? "").trim() : null;
  }, id);
}

/** Waits until the element with `data-testid=<id>` shows exactly `text` (and returns it). */
export async function waitForTestIdText(page: Page, id: string, text: string, timeoutMs = 10_000) {
  try {
    await page.waitForFunction(
      (testId: string, want: string) =>
        (document.querySelector(`[data-testid="${testId}"]`)?.textContent ?? "").trim() === want,
      { timeout: timeoutMs, polling: 50 },
      id,
      text,
    );
  } catch (err) {
    const actual = await testIdText(page, id);
    throw new Error(`[data-testid=${id}] should show ${text}, shows ${JSON.stringify(actual)}`, {
      cause: err,
    });
  }
}

/** The figures the calculator shows for a schedule, as the domain computes and formats them. */
export interface ExpectedFigures {
  schedule: Schedule;
  /** Headline: first payment (等额本息 / 等额本金). */
  firstPayment: string;
  totalInterest: string;
  totalPayment: string;
}

/** Computes the figures the page must show, with the domain's `computeSchedule` and `formatFen`. */
export function expectedFigures(input: ScheduleInput): ExpectedFigures {
  const schedule = computeSchedule(input);
  return {
    schedule,
    firstPayment: formatFen(schedule.periods[0].paymentFen),
    totalInterest: formatFen(schedule.totalInterestFen),
    totalPayment: formatFen(schedule.totalPaymentFen),
  };
}

/** Reads the result figures and schedule table rows the calculator shows. */
export async function shownResult(page: Page): Promise<{
  label: string | null;
  firstPayment: string | null;
  totalInterest: string | null;
  totalPayment: string | null;
  rows: string[][];
}> {
  return await page.evaluate(() => {
    const text = (sel: string) => {
      const el = document.querySelector(sel);
      return el ? (el.textContent ?? "").trim() : null;
    };
    const first = document.querySelector('[data-testid="calc-first-payment"]');
    const label = first?.parentElement?.querySelector(".label")?.textContent?.trim() ?? null;
    const rows = [...document.querySelectorAll('[data-testid="schedule-table"] tbody tr')].map((tr) =>
      [...tr.children].map((c) => (c.textContent ?? "").trim())
    );
    return {
      label,
      firstPayment: text('[data-testid="calc-first-payment"]'),
      totalInterest: text('[data-testid="calc-total-interest"]'),
      totalPayment: text('[data-testid="calc-total-payment"]'),
      rows,
    };
  });
}

/** The table rows (payment, principal, interest, remaining) a schedule must show, formatted. */
export function expectedRows(schedule: Schedule): string[][] {
  return schedule.periods.map((p) => [
    schedule.periods.length === 1 ? "到期" : `第${p.period}期`,
    formatFen(p.paymentFen),
    formatFen(p.principalFen),
    formatFen(p.interestFen),
    formatFen(p.remainingFen),
  ]);
}
