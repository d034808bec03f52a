/**
 * Browser tests: puppeteer-core driving Debian's Chromium. Outside CI a missing Chromium skips the
 * browser tests with a visible message; in CI (`CI=true`) it fails them.
 */
import puppeteer, { type Browser } from "puppeteer-core";

/** Where Debian installs Chromium. */
export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

function chromiumPresent(): boolean {
  try {
    return Deno.statSync(CHROMIUM_PATH).isFile;
  } catch {
    return false;
  }
}

/** True when browser tests must be skipped (no Chromium, not in CI). */
export const skipBrowser: boolean = (() => {
  if (chromiumPresent()) return false;
  if (Deno.env.get("CI") === "true") return false; // let the test fail loudly in CI
  console.warn(
    `%cbrowser tests SKIPPED: ${CHROMIUM_PATH} not found (apt-get install -y chromium fonts-wqy-microhei)`,
    "color: orange",
  );
  return true;
})();

/** Launch headless Chromium with the flags this machine needs. */
export async function launchBrowser(): Promise<Browser> {
  if (!chromiumPresent()) throw new Error(`Chromium not found at ${CHROMIUM_PATH} (CI requires it)`);
  const userDataDir = await Deno.makeTempDir({ prefix: "chromium-" });
  return await puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    userDataDir,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}
