/**
 * `deno task bench`: starts the platform (real Postgres when DATABASE_URL is set, else the embedded
 * database in a temporary folder) and a plain Deno.serve hello world, then prints requests/s and p99
 * latency at 64 connections (wrk), and each page's transfer size (HTML + CSS + JS, gzip) and JS size.
 * It prints figures; it never fails on time.
 */
const deno = Deno.execPath();
const DURATION_S = Number(Deno.env.get("BENCH_SECONDS") ?? "8");
const CONNECTIONS = 64;

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

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
  p99Ms: number;
  errors: string;
}

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "s" ? n * 1000 : n;
}

async function wrk(url: string): Promise<WrkResult | null> {
  try {
    const out = await new Deno.Command("wrk", {
      args: [
        "-t2",
        `-c${CONNECTIONS}`,
        `-d${DURATION_S}s`,
        "--latency",
        "-H",
        "Accept-Encoding: gzip, br",
        url,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN);
    const p99 = toMs(/\s99%\s+(\S+)/.exec(text)?.[1] ?? "");
    const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(text)?.[0] ?? "";
    return { requestsPerSecond: rps, p99Ms: p99, errors };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
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
} finally {
  app.kill("SIGTERM");
  hello.kill("SIGTERM");
  await app.status;
  await hello.status;
  await Deno.remove(dataDir, { recursive: true }).catch(() => {});
}
