/**
 * Page weight of the lending pages (issue 7 §12): `/loans`, the first loan's `/loans/[id]` and each
 * `/borrow` step page of the demo borrower (signed in over HTTP: password, then the new-device SMS code read
 * from the demo sandbox page). For each page: HTML + CSS + JS after gzip, beside the targets (≤ 30 KB in
 * total, ≤ 12 KB of JS), and a modelled load time on a 400 kbit/s phone with 400 ms round trips (target:
 * interactive within 2 s). Prints figures; never fails.
 *
 * `deno task bench` runs {@link benchPageWeight} against the app it started; alone:
 * `deno run -A framework/build.ts --config fresh.config.ts && deno run -A tests/bench/page_weight.ts`
 * starts the app itself (embedded database, or `DATABASE_URL`) and prints the app's peak RSS too.
 * @module
 */

/** The targets. */
export const PAGE_TOTAL_TARGET_BYTES = 30 * 1024;
export const PAGE_JS_TARGET_BYTES = 12 * 1024;
export const INTERACTIVE_TARGET_MS = 2000;

/** The phone of the model: 400 kbit/s down, 400 ms round trip, TCP initial window 10 segments. */
export const PHONE = { bytesPerMs: 400_000 / 8 / 1000, rttMs: 400, initialWindowBytes: 10 * 1460 };

/** The demo borrower (db/seed.ts DEMO_USERS) and the demo password. */
const DEMO_BORROWER_PHONE = "13800000004";
const DEMO_PASSWORD = "Demo@2026!";

/** Sizes of one page as a first visit loads it. */
export interface PageWeight {
  path: string;
  status: number;
  htmlGzip: number;
  cssGzip: number;
  jsGzip: number;
  totalGzip: number;
  /** Requests after the HTML (stylesheets, scripts). */
  subresources: number;
}

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/** A minimal cookie jar for one signed-in browser. */
class Browser {
  readonly cookies = new Map<string, string>();
  csrf = "";
  constructor(readonly base: string) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    }
    const res = await fetch(new URL(path, this.base), { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return res;
  }

  async page(path: string): Promise<{ res: Response; html: string }> {
    const res = await this.fetch(path);
    const html = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (m) this.csrf = m[1];
    return { res, html };
  }

  post(path: string, fields: Record<string, string>): Promise<Response> {
    return this.fetch(path, {
      method: "POST",
      headers: { origin: this.base, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: this.csrf, ...fields }),
    });
  }
}

/** Sizes of `path` as `browser` sees it (HTML, its stylesheets and scripts, inline scripts; gzip). */
export async function measurePage(browser: Browser, path: string): Promise<PageWeight> {
  const { res, html } = await browser.page(path);
  const css = [...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => m[1]);
  const js = new Set([
    ...[...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]),
    ...[...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)].map((m) => m[1]),
  ]);
  const inline = [
    ...html.matchAll(/<script(?![^>]*type="application\/json")(?![^>]*src=)[^>]*>([\s\S]*?)<\/script>/g),
  ].map((m) => m[1]).join("");
  const body = async (href: string) => new Uint8Array(await (await browser.fetch(href)).arrayBuffer());
  const htmlGzip = await gzipSize(new TextEncoder().encode(html));
  let cssGzip = 0;
  for (const href of new Set(css)) cssGzip += await gzipSize(await body(href));
  let jsGzip = inline ? await gzipSize(new TextEncoder().encode(inline)) : 0;
  for (const href of js) jsGzip += await gzipSize(await body(href));
  return {
    path,
    status: res.status,
    htmlGzip,
    cssGzip,
    jsGzip,
    totalGzip: htmlGzip + cssGzip + jsGzip,
    subresources: new Set(css).size + js.size,
  };
}

/**
 * Time to move `bytes` on a connection whose congestion window starts at `cwnd` (TCP slow start: the window
 * doubles each round trip until it covers the bandwidth-delay product, then the link is the limit). Counts
 * from the request leaving to the last byte arriving; answers the time and the window after.
 */
export function transferMs(bytes: number, cwnd: number, phone = PHONE): { ms: number; cwnd: number } {
  const bdp = phone.bytesPerMs * phone.rttMs;
  let ms = phone.rttMs; // the request goes up, the first byte comes down
  let left = bytes;
  let window = cwnd;
  while (left > 0) {
    const sent = Math.min(left, window);
    left -= sent;
    // a window smaller than the link's capacity waits a round trip for its acknowledgements
    ms += left > 0 && window < bdp ? phone.rttMs : sent / phone.bytesPerMs;
    window = Math.min(window * 2, 64 * 1024 * 1024);
  }
  return { ms, cwnd: window };
}

/**
 * Modelled load of a first visit on the phone: 2 round trips to set up the connection (TCP, TLS 1.3), the
 * HTML, then its stylesheets and scripts together on the same (HTTP/2) connection. `usableMs`: HTML and CSS
 * (the pages work without script); `interactiveMs`: everything, scripts included.
 */
export function modelLoad(w: PageWeight, phone = PHONE): { usableMs: number; interactiveMs: number } {
  const setup = 2 * phone.rttMs;
  const html = transferMs(w.htmlGzip, phone.initialWindowBytes, phone);
  const css = w.cssGzip > 0 ? transferMs(w.cssGzip, html.cwnd, phone).ms : 0;
  const all = w.subresources > 0 ? transferMs(w.cssGzip + w.jsGzip, html.cwnd, phone).ms : 0;
  return { usableMs: setup + html.ms + css, interactiveMs: setup + html.ms + all };
}

/** Sign the demo borrower in (password, then the new-device SMS code from the demo sandbox page). */
async function signInBorrower(base: string): Promise<Browser | string> {
  const b = new Browser(base);
  await b.page("/login");
  const first = await b.post("/login", { phone: DEMO_BORROWER_PHONE, password: DEMO_PASSWORD });
  await first.body?.cancel();
  let location = first.headers.get("location") ?? "";
  if (location === "/login/device") {
    await b.page("/login/device");
    // the SMS leaves through the outbox: wait for it on the sandbox page (newest first)
    let code: string | undefined;
    for (let i = 0; i < 40 && !code; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 250));
      const sandbox = await (await b.fetch("/dev/sandbox?channel=sms")).text();
      const at = sandbox.indexOf(DEMO_BORROWER_PHONE);
      if (at >= 0) code = /\b(\d{6})\b/.exec(sandbox.slice(at + DEMO_BORROWER_PHONE.length, at + 1500))?.[1];
    }
    if (!code) return "no device code on /dev/sandbox";
    const second = await b.post("/login/device", { smsCode: code, intent: "confirm" });
    await second.body?.cancel();
    location = second.headers.get("location") ?? "";
  }
  if (first.status !== 303 || location.startsWith("/login")) {
    return `log-in answered ${first.status} → ${location}`;
  }
  return b;
}

/** The borrower's step pages: of an open application, or of a draft started for the bench. */
async function borrowSteps(b: Browser): Promise<string[]> {
  let { html } = await b.page("/borrow");
  let id = /\/borrow\/applications\/(\d+)/.exec(html)?.[1];
  if (!id) {
    const form = /<form[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i.exec(html)?.[1] ?? "";
    const fields: Record<string, string> = {};
    for (const m of form.matchAll(/<(?:input|button)[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) {
      if (m[1] !== "_csrf") fields[m[1]] = m[2];
    }
    const res = await b.post("/borrow", fields);
    await res.body?.cancel();
    id = /\/borrow\/applications\/(\d+)/.exec(res.headers.get("location") ?? "")?.[1];
    if (!id) {
      ({ html } = await b.page("/borrow"));
      id = /\/borrow\/applications\/(\d+)/.exec(html)?.[1];
    }
  }
  const steps = ["/borrow"];
  if (id) {
    for (const s of ["loan", "profile", "documents", "confirm"]) {
      steps.push(`/borrow/applications/${id}/${s}`);
    }
  }
  return steps;
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1).padStart(5);

function printRow(w: PageWeight): void {
  if (w.status !== 200) {
    console.log(`  ${w.path.padEnd(34)} skipped: answered ${w.status}`);
    return;
  }
  const t = modelLoad(w);
  const ok = (good: boolean) => good ? "ok" : "OVER";
  console.log(
    `  ${w.path.padEnd(34)} total ${kb(w.totalGzip)} KiB (HTML ${kb(w.htmlGzip)}, CSS ${kb(w.cssGzip)}) ` +
      `${ok(w.totalGzip <= PAGE_TOTAL_TARGET_BYTES)}   JS ${kb(w.jsGzip)} KiB ${
        ok(w.jsGzip <= PAGE_JS_TARGET_BYTES)
      }` +
      `   usable ≈ ${(t.usableMs / 1000).toFixed(2)} s, interactive ≈ ${
        (t.interactiveMs / 1000).toFixed(2)
      } s ` +
      ok(t.interactiveMs <= INTERACTIVE_TARGET_MS),
  );
}

/** Measure and print the lending pages of the app at `base`. */
export async function benchPageWeight(base: string): Promise<PageWeight[]> {
  console.log(
    `\nlending page weight (gzip; targets ≤ ${PAGE_TOTAL_TARGET_BYTES / 1024} KiB total, ≤ ${
      PAGE_JS_TARGET_BYTES / 1024
    } KiB JS, interactive ≤ ${INTERACTIVE_TARGET_MS / 1000} s on ${
      PHONE.bytesPerMs * 8
    } kbit/s, ${PHONE.rttMs} ms RTT;` +
      ` model: 2 RTT connection set-up, TCP slow start from 10 segments, sub-resources in parallel, nothing cached)`,
  );
  const anon = new Browser(base);
  const results: PageWeight[] = [];
  const hall = await measurePage(anon, "/loans");
  results.push(hall);
  const { html } = await anon.page("/loans");
  const first = /href="\/loans\/(\d+)"/.exec(html)?.[1] ?? "1";
  results.push(await measurePage(anon, `/loans/${first}`));
  const borrower = await signInBorrower(base);
  if (typeof borrower === "string") {
    console.log(`  /borrow steps skipped: could not sign the demo borrower in (${borrower})`);
  } else {
    for (const path of await borrowSteps(borrower)) results.push(await measurePage(borrower, path));
  }
  for (const w of results) printRow(w);
  return results;
}

/** Peak resident memory (VmHWM) of a process in bytes, from /proc (Linux); null elsewhere. */
export async function peakRssBytes(pid: number): Promise<number | null> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const kib = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kib ? Number(kib) * 1024 : null;
  } catch {
    return null;
  }
}

/** Print a process's peak RSS beside the target (≤ 150 MB). */
export async function printPeakRss(pid: number, label = "app"): Promise<void> {
  const peak = await peakRssBytes(pid);
  console.log(
    peak === null
      ? `\n${label} peak RSS: unavailable (no /proc/${pid}/status)`
      : `\n${label} peak RSS (VmHWM): ${(peak / 1024 / 1024).toFixed(1)} MiB   target ≤ 150 MB ${
        peak <= 150 * 1000 * 1000 ? "ok" : "OVER"
      }`,
  );
}

if (import.meta.main) {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const dataDir = await Deno.makeTempDir({ prefix: "bench-weight-" });
  const app = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts"],
    env: {
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      DATA_DIR: dataDir,
      DATABASE_URL: Deno.env.get("DATABASE_URL") ?? "",
      LOG_REQUESTS: "0",
      APP_ENV: "development",
      RUST_BACKTRACE: "0",
    },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const base = `http://127.0.0.1:${port}`;
  try {
    const until = Date.now() + 120_000;
    for (;;) {
      try {
        const res = await fetch(`${base}/api/health`);
        await res.body?.cancel();
        if (res.ok) break;
      } catch { /* not up yet */ }
      if (Date.now() > until) throw new Error("the app did not come up");
      await new Promise((r) => setTimeout(r, 250));
    }
    await benchPageWeight(base);
    await printPeakRss(app.pid);
  } finally {
    app.kill("SIGTERM");
    await app.status;
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}
