/**
 * `deno task bench`: starts the platform (real Postgres when DATABASE_URL is set, else the embedded
 * database in a temporary folder) and a plain Deno.serve hello world, then prints requests/s and p99
 * latency at 64 connections (wrk); the same page (/login) fetched as identity, gzip and brotli, with the
 * cost of dynamic compression; the time one compression of that page takes with each zlib API and
 * setting; each page's transfer size (HTML + CSS + JS, gzip) and JS size; and, on real Postgres, ledger
 * transfers/s beside pgbench (tests/bench/ledger.ts).
 * It prints figures; it never fails on time.
 */
import {
  brotliCompress,
  brotliCompressSync,
  constants as zlib,
  gzip as gzipCallback,
  gzipSync,
} from "node:zlib";
import process from "node:process";
import { compressBody, DYNAMIC_BROTLI_QUALITY, DYNAMIC_GZIP_LEVEL } from "../../framework/compression.ts";
import { benchLedger } from "./ledger.ts";
import { benchPageWeight, printPeakRss } from "./page_weight.ts";
import { benchLending } from "./rush.ts";
import { benchSettlement } from "./settlement.ts";
import { cpuMicros, freePort } from "./bench_util.ts";

// `deno task bench settle`: only the settlement bench (real Postgres), then exit
if (Deno.args[0] === "settle") {
  const url = Deno.env.get("DATABASE_URL");
  if (!url) console.log("the settlement bench needs real Postgres: set DATABASE_URL");
  else await benchSettlement(url);
  Deno.exit(0);
}
// `deno task bench rush` / `deno task bench hall`: only the lending bench (real Postgres), then exit
if (Deno.args[0] === "rush" || Deno.args[0] === "hall") {
  const url = Deno.env.get("DATABASE_URL");
  if (!url) console.log("the lending benches need real Postgres: set DATABASE_URL");
  else await benchLending(url, Deno.args[0]);
  Deno.exit(0);
}
const deno = Deno.execPath();
const DURATION_S = Number(Deno.env.get("BENCH_SECONDS") ?? "8");
const CONNECTIONS = 64;
/** Runs of each compression variant, alternating, so that a busy moment does not favour one of them. */
const COMPRESSION_ROUNDS = Number(Deno.env.get("BENCH_COMPRESSION_ROUNDS") ?? "3");

async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

function spawn(args: string[], env: Record<string, string>): Deno.ChildProcess {
  return new Deno.Command(deno, {
    args,
    env: { RUST_BACKTRACE: "0", ...env },
    stdout: "null",
    stderr: "inherit",
  })
    .spawn();
}

interface WrkResult {
  requestsPerSecond: number;
  /** Requests completed during the run. */
  requests: number;
  p99Ms: number;
  errors: string;
}

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "s" ? n * 1000 : n;
}

async function wrk(url: string, acceptEncoding = "gzip, br"): Promise<WrkResult | null> {
  try {
    const out = await new Deno.Command("wrk", {
      args: [
        "-t2",
        `-c${CONNECTIONS}`,
        `-d${DURATION_S}s`,
        "--latency",
        "-H",
        `Accept-Encoding: ${acceptEncoding}`,
        url,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN);
    const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? NaN);
    const p99 = toMs(/\s99%\s+(\S+)/.exec(text)?.[1] ?? "");
    const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(text)?.[0] ?? "";
    return { requestsPerSecond: rps, requests, p99Ms: p99, errors };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** Average CPU microseconds (this process, all threads) per call of `f`, and its last output's size. */
async function perCall(
  f: () => Promise<number> | number,
  calls = 2000,
): Promise<{ us: number; bytes: number }> {
  for (let i = 0; i < 200; i++) await f();
  let bytes = 0;
  const before = process.cpuUsage();
  for (let i = 0; i < calls; i++) bytes = await f();
  const used = process.cpuUsage(before);
  return { us: (used.user + used.system) / calls, bytes };
}

/** One compression of `html` with each API and setting: µs per call and output size. */
async function compressionCosts(html: Uint8Array): Promise<[string, { us: number; bytes: number }][]> {
  const br = (q: number) => ({
    params: {
      [zlib.BROTLI_PARAM_QUALITY]: q,
      [zlib.BROTLI_PARAM_SIZE_HINT]: html.byteLength,
      [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
    },
  });
  const viaCallback = (run: (done: (err: Error | null, out: Uint8Array) => void) => void) =>
    new Promise<number>((resolve, reject) => run((err, out) => err ? reject(err) : resolve(out.byteLength)));
  const fast = { brotliQuality: DYNAMIC_BROTLI_QUALITY, gzipLevel: DYNAMIC_GZIP_LEVEL };
  const stream = async () =>
    (await new Response(
      new Blob([html as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer()).byteLength;
  return [
    [
      `compression(): gzip level ${DYNAMIC_GZIP_LEVEL}`,
      await perCall(async () => (await compressBody(html, "gzip", fast)).byteLength),
    ],
    [
      `compression(): brotli q${DYNAMIC_BROTLI_QUALITY}`,
      await perCall(async () => (await compressBody(html, "br", fast)).byteLength),
    ],
    ["gzipSync level 1", await perCall(() => gzipSync(html, { level: 1 }).byteLength)],
    ["gzipSync level 6", await perCall(() => gzipSync(html, { level: 6 }).byteLength)],
    [
      "gzip (callback) level 1",
      await perCall(() => viaCallback((done) => gzipCallback(html, { level: 1 }, done))),
    ],
    [
      "gzip (callback) level 6",
      await perCall(() => viaCallback((done) => gzipCallback(html, { level: 6 }, done))),
    ],
    ["CompressionStream gzip", await perCall(stream)],
    ["brotliCompressSync q3", await perCall(() => brotliCompressSync(html, br(3)).byteLength)],
    ["brotliCompressSync q4", await perCall(() => brotliCompressSync(html, br(4)).byteLength)],
    ["brotliCompressSync q5", await perCall(() => brotliCompressSync(html, br(5)).byteLength)],
    [
      "brotliCompress (callback) q5",
      await perCall(() => viaCallback((done) => brotliCompress(html, br(5), done))),
    ],
    ["gzipSync level 9 (static files)", await perCall(() => gzipSync(html, { level: 9 }).byteLength)],
    [
      "brotliCompressSync q11 (static files)",
      await perCall(() => brotliCompressSync(html, br(11)).byteLength, 200),
    ],
  ];
}

/**
 * req/s of identity, gzip and brotli on one page (alternating runs, the best of each), and the app's CPU
 * time per request in each run (the median): the cost of compression is that CPU time, whatever else
 * the machine is doing.
 */
async function compressionThroughput(base: string, page: string, appPid: number): Promise<void> {
  console.log(`\ndynamic compression on ${page} (wrk, best of ${COMPRESSION_ROUNDS} alternating runs)`);
  const variants = [["identity", "identity"], ["gzip", "gzip"], ["brotli", "br"]] as const;
  const best = new Map<string, WrkResult>();
  const cpu = new Map<string, number[]>();
  for (let round = 0; round < COMPRESSION_ROUNDS; round++) {
    for (const [label, accept] of variants) {
      const before = await cpuMicros(appPid);
      const r = await wrk(base + page, accept);
      if (!r) {
        console.log("  wrk not installed (apt-get install -y wrk): throughput skipped");
        return;
      }
      const after = await cpuMicros(appPid);
      if (before !== null && after !== null && r.requests > 0) {
        cpu.set(label, [...(cpu.get(label) ?? []), (after - before) / r.requests]);
      }
      const prev = best.get(label);
      if (!prev || r.requestsPerSecond > prev.requestsPerSecond) best.set(label, r);
    }
  }
  const median = (xs: number[] | undefined) =>
    xs ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN;
  const identityRps = best.get("identity")!.requestsPerSecond;
  const identityCpu = median(cpu.get("identity"));
  for (const [label, accept] of variants) {
    const r = best.get(label)!;
    const res = await fetch(base + page, { headers: { "accept-encoding": accept } });
    // fetch decodes the body: the bytes on the wire are the Content-Length
    const decoded = (await res.arrayBuffer()).byteLength;
    const bytes = Number(res.headers.get("content-length") ?? decoded);
    const encoding = res.headers.get("content-encoding") ?? "identity";
    const cpuUs = median(cpu.get(label));
    const cost = label === "identity"
      ? ""
      : `   cost: ${((1 - r.requestsPerSecond / identityRps) * 100).toFixed(1)}% req/s, ` +
        `+${((cpuUs / identityCpu - 1) * 100).toFixed(1)}% CPU per request`;
    console.log(
      `  ${label.padEnd(10)} ${r.requestsPerSecond.toFixed(0).padStart(8)} req/s   p99 ${
        r.p99Ms.toFixed(2)
      } ms   ` +
        `${String(bytes).padStart(6)} B (${encoding})   app CPU ${
          cpuUs.toFixed(0)
        } µs/req${cost} ${r.errors}`,
    );
  }
}

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return (await new Response(stream).arrayBuffer()).byteLength;
}

async function pageWeight(base: string, path: string) {
  const html = new Uint8Array(await (await fetch(base + path)).arrayBuffer());
  const text = new TextDecoder().decode(html);
  const css = [...text.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => m[1]);
  const js = [
    ...[...text.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]),
    ...[...text.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)].map((m) => m[1]),
  ];
  const inlineJs = [
    ...text.matchAll(/<script(?![^>]*type="application\/json")(?![^>]*src=)[^>]*>([\s\S]*?)<\/script>/g),
  ]
    .map((m) => m[1]).join("");
  let total = await gzipSize(html);
  for (const href of css) {
    total += await gzipSize(new Uint8Array(await (await fetch(new URL(href, base))).arrayBuffer()));
  }
  let jsRaw = new TextEncoder().encode(inlineJs).byteLength;
  let jsGzip = inlineJs ? await gzipSize(new TextEncoder().encode(inlineJs)) : 0;
  for (const href of new Set(js)) {
    const body = new Uint8Array(await (await fetch(new URL(href, base))).arrayBuffer());
    jsRaw += body.byteLength;
    jsGzip += await gzipSize(body);
  }
  total += jsGzip;
  return { path, totalGzipBytes: total, jsRawBytes: jsRaw, jsGzipBytes: jsGzip, scripts: new Set(js).size };
}

const appPort = freePort();
const helloPort = freePort();
const dataDir = await Deno.makeTempDir({ prefix: "bench-data-" });
const dbUrl = Deno.env.get("DATABASE_URL") || "";
const app = spawn(["run", "-A", "main.ts"], {
  PORT: String(appPort),
  HOSTNAME: "127.0.0.1",
  DATA_DIR: dataDir,
  DATABASE_URL: dbUrl,
  LOG_REQUESTS: "0",
  APP_ENV: "development",
});
const hello = spawn(["run", "-A", "tests/bench/hello.ts"], { PORT: String(helloPort) });
try {
  const base = `http://127.0.0.1:${appPort}`;
  await waitFor(`${base}/api/health`);
  await waitFor(`http://127.0.0.1:${helloPort}/`);
  console.log(
    `bench: ${dbUrl ? "real Postgres" : "embedded PGlite"}, ${CONNECTIONS} connections, ${DURATION_S}s each`,
  );
  const targets = [
    ["Deno.serve hello world", `http://127.0.0.1:${helloPort}/`],
    ["home page /", `${base}/`],
    ["calculator page /calculator", `${base}/calculator`],
    [
      "calculator API",
      `${base}/api/calculator?principal=100000&annualRate=8.5&months=12&method=equal_installment`,
    ],
  ] as const;
  console.log("\nthroughput (wrk)");
  for (const [label, url] of targets) {
    const r = await wrk(url);
    if (!r) {
      console.log("  wrk not installed (apt-get install -y wrk): throughput skipped");
      break;
    }
    console.log(
      `  ${label.padEnd(30)} ${r.requestsPerSecond.toFixed(0).padStart(8)} req/s   p99 ${
        r.p99Ms.toFixed(2)
      } ms ${r.errors}`,
    );
  }
  await compressionThroughput(base, "/login", app.pid);
  const html = new Uint8Array(
    await (await fetch(`${base}/login`, { headers: { "accept-encoding": "identity" } })).arrayBuffer(),
  );
  console.log(`\ncompressing /login once (${html.byteLength} B of HTML), CPU time per API and setting`);
  for (const [label, c] of await compressionCosts(html)) {
    console.log(`  ${label.padEnd(38)} ${c.us.toFixed(1).padStart(8)} µs   ${String(c.bytes).padStart(6)} B`);
  }

  console.log("\npage weight (gzip)");
  for (const path of ["/", "/calculator", "/register", "/login"]) {
    const w = await pageWeight(base, path);
    console.log(
      `  ${path.padEnd(14)} total ${(w.totalGzipBytes / 1024).toFixed(1).padStart(6)} KiB   JS ${
        (w.jsGzipBytes / 1024).toFixed(1)
      } KiB gzip (${(w.jsRawBytes / 1024).toFixed(1)} KiB raw, ${w.scripts} files)   ≈ ${
        (w.totalGzipBytes * 8 / 400_000 + 0.4).toFixed(2)
      } s at 400 kbit/s + 400 ms`,
    );
  }
  await benchPageWeight(base);
} finally {
  // the peak of the whole run (VmHWM): read just before the app stops
  await printPeakRss(app.pid, dbUrl ? "app" : "app (embedded PGlite in the same process)");
  app.kill("SIGTERM");
  hello.kill("SIGTERM");
  await app.status;
  await hello.status;
  await Deno.remove(dataDir, { recursive: true }).catch(() => {});
}

if (dbUrl) {
  await benchLedger(dbUrl);
  await benchLending(dbUrl);
  await benchSettlement(dbUrl);
} else console.log("\nledger and lending benches skipped: they need real Postgres (set DATABASE_URL)");
