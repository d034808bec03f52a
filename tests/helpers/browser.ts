/**
 * Browser tests: puppeteer-core driving Debian's Chromium. The one place that finds and launches Chromium
 * for every browser test. Outside CI a missing Chromium skips the browser tests with a visible message; in
 * CI (any truthy `CI`: `true`, `1`, `yes`, …) they run and fail, and `tests/run.ts` fails a CI run in which
 * a browser test was ignored.
 */
import puppeteer, { type Browser } from "puppeteer-core";
import { isCI } from "../run_summary.ts";

/** Chromium to drive: `CHROMIUM_PATH`, else where Debian installs it. */
export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") || "/usr/bin/chromium";

/** The flags every browser test launches Chromium with (plus headless and a fresh profile). */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** True under CI (any `CI` value except empty, `0`, `false`, `no`). */
export const inCI: boolean = isCI(Deno.env.get("CI"));

/** Whether Chromium is installed at {@link CHROMIUM_PATH}. */
export function chromiumPresent(): boolean {
  try {
    return Deno.statSync(CHROMIUM_PATH).isFile;
  } catch {
    return false;
  }
}

/** True when browser tests must be skipped (no Chromium, not in CI). */
export const skipBrowser: boolean = (() => {
  if (chromiumPresent()) return false;
  if (inCI) return false; // let the test fail loudly in CI
  console.warn(
    `%cbrowser tests SKIPPED: ${CHROMIUM_PATH} not found (apt-get install -y chromium fonts-wqy-microhei, ` +
      `or set CHROMIUM_PATH)`,
    "color: orange",
  );
  return true;
})();

/**
 * Launches headless Chromium with {@link CHROMIUM_FLAGS} and a fresh profile directory, removed by
 * `browser.close()` (or, failing that, when the browser disconnects).
 */
export async function launchBrowser(): Promise<Browser> {
  if (!chromiumPresent()) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}` +
        (inCI ? " (CI requires it: apt-get install -y chromium fonts-wqy-microhei)" : ""),
    );
  }
  const userDataDir = await Deno.makeTempDir({ prefix: "chromium-profile-" });
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_FLAGS, `--user-data-dir=${userDataDir}`],
    });
  } catch (err) {
    await removeProfile(userDataDir);
    throw err;
  }
  const close = browser.close.bind(browser);
  browser.close = async () => {
    try {
      await close(); // waits for Chromium to exit
    } finally {
      await removeProfile(userDataDir);
    }
  };
  browser.once("disconnected", () => void removeProfile(userDataDir));
  return browser;
}

/** Removes a profile directory; Chromium may still be writing its last files, so retry briefly. */
async function removeProfile(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await Deno.remove(dir, { recursive: true });
      return;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
