/**
 * `deno task test`: builds the islands and route manifest, then runs every test with `deno test`.
 *
 * With `DATABASE_URL` set, the run gets a fresh database on that server (created through the server's
 * `postgres` maintenance database, so the database named in the URL need not exist; dropped after), so
 * tests never touch existing data. Extra arguments are passed to `deno test` (e.g. a folder).
 *
 * A watchdog bounds each test: one that runs longer than `TEST_TIMEOUT_SECONDS` (default 120), or a
 * start-up (type check, module loading) longer than `TEST_STARTUP_TIMEOUT_SECONDS` (default 300), stops
 * the run, names the test and counts as failed. SIGINT/SIGTERM (e.g. CI's `timeout`) do the same.
 *
 * Ends with the line CI reads: `N passed, N failed, N skipped` (ignored tests are skipped). The exit code
 * is 1 exactly when N failed > 0; see `tests/run_summary.ts` for the rules (CI, `only:`, crashes).
 */
import postgres from "postgres";
import { openDatabase } from "../db/connection.ts";
import { migrate } from "../db/migrate.ts";
import { PGLITE_SNAPSHOT_ENV } from "./helpers/db.ts";
import {
  computeVerdict,
  DenoTestOutput,
  failedBeforeTests,
  formatSummary,
  isCI,
  looksLikeBrowserTest,
  maintenanceUrl,
  type Verdict,
} from "./run_summary.ts";

const deno = Deno.execPath();
const passThrough = Deno.args.length > 0 ? Deno.args : ["tests/"];
const ci = isCI(Deno.env.get("CI"));
const testTimeoutMs = seconds("TEST_TIMEOUT_SECONDS", 120) * 1000;
const startupTimeoutMs = seconds("TEST_STARTUP_TIMEOUT_SECONDS", 300) * 1000;
/** Marks every process of this run (Chromium included, whatever its process group) for clean-up. */
const runId = crypto.randomUUID();

function seconds(name: string, fallback: number): number {
  const raw = Deno.env.get(name);
  const n = raw ? Number(raw) : fallback;
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

function finish(v: Verdict): never {
  for (const problem of v.problems) console.log(`\ntests: FAILED — ${problem}`);
  if (v.filteredOut > 0) console.log(`tests: ${v.filteredOut} filtered out (not run, not counted)`);
  console.log(formatSummary(v));
  Deno.exit(v.exitCode);
}

// Signals before the tests start just end the run (after dropping its database); during the tests they
// stop `deno test` and report what was running.
let stopTests: ((why: string) => void) | null = null;
let cleanUp: () => Promise<void> = () => Promise.resolve();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    if (stopTests) return stopTests(`interrupted by ${signal} during ${output.describeCurrent()}`);
    cleanUp().finally(() => finish(failedBeforeTests(`interrupted by ${signal} before the tests ran`)));
  });
}

// The islands build, unless the caller built them already (CI builds once for both suites it runs at once).
if (Deno.env.get("P2P_TEST_SKIP_BUILD") !== "1") {
  const build = await new Deno.Command(deno, { args: ["run", "-A", "framework/build.ts"] }).spawn().status;
  if (build.code !== 0) finish(failedBeforeTests(`the build failed (exit code ${build.code})`));
}

const baseUrl = Deno.env.get("DATABASE_URL");
const env: Record<string, string> = { RUST_BACKTRACE: "0", APP_ENV: "test", P2P_TEST_RUN_ID: runId };
if (baseUrl) {
  const dbName = `p2p_test_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  try {
    await admin(baseUrl, `create database ${dbName}`);
    // commits need not wait for the disk here (nothing in the suites crashes the server; a crashed run's
    // database is dropped anyway): the hundreds of small transactions of the suites run faster
    await admin(baseUrl, `alter database ${dbName} set synchronous_commit = off`);
  } catch (err) {
    finish(failedBeforeTests(`could not create the test database on ${redact(baseUrl)}: ${err}`));
  }
  cleanUp = () =>
    admin(baseUrl, `drop database if exists ${dbName} with (force)`).catch((err) =>
      console.error(`tests: could not drop ${dbName}: ${err}`)
    );
  const url = new URL(baseUrl);
  url.pathname = `/${dbName}`;
  env.DATABASE_URL = url.toString();
  console.log(`tests: real Postgres, fresh database ${dbName}`);
} else {
  // initdb and the migrations once, here; each test process starts from this copy (tests/helpers/db.ts)
  try {
    const snapshot = await Deno.makeTempFile({ prefix: "p2p-pglite-", suffix: ".tar" });
    const db = await openDatabase({ dataDir: "memory://" });
    try {
      await migrate(db.sql);
      await Deno.writeFile(snapshot, new Uint8Array(await (await db.dumpDataDir!()).arrayBuffer()));
    } finally {
      await db.close();
    }
    env[PGLITE_SNAPSHOT_ENV] = snapshot;
    const previous = cleanUp;
    cleanUp = async () => {
      await previous();
      await Deno.remove(snapshot).catch(() => {});
    };
  } catch (err) {
    finish(failedBeforeTests(`could not prepare the embedded test database: ${err}`));
  }
  console.log("tests: embedded PGlite (in memory, each test process from one migrated copy)");
}

const output = new DenoTestOutput();
let exitCode: number | null = null;
let stopped: string | null = null;
try {
  exitCode = await runTests(["test", "-A", "--permit-no-files", ...passThrough]);
} finally {
  stopTests = null;
  await cleanUp();
}

finish(computeVerdict({
  output,
  exitCode: stopped ? null : exitCode,
  stopped,
  ci,
  postgres: !!baseUrl,
  isBrowserFile,
}));

/** Runs `deno test` in its own process group, echoing and parsing its output, under the watchdog. */
async function runTests(args: string[]): Promise<number> {
  const child = new Deno.Command(deno, {
    args,
    env,
    stdout: "piped",
    stderr: "piped",
    detached: true, // its own process group, so a hang can be killed with everything it started
  }).spawn();
  const stop = (why: string) => {
    if (stopped) return;
    stopped = why;
    console.log(`\ntests: ${why} — stopping deno test`);
    killRun(child.pid);
  };
  stopTests = stop;
  const watchdog = setInterval(() => {
    const limit = output.phase === "startup" ? startupTimeoutMs : testTimeoutMs;
    const elapsed = Date.now() - output.phaseSince;
    if (elapsed > limit) {
      stop(
        `TIMEOUT after ${Math.round(elapsed / 1000)}s (limit ${limit / 1000}s): ${output.describeCurrent()}`,
      );
    }
  }, 1000);
  try {
    await Promise.all([
      pump(child.stdout, Deno.stdout, (text) => output.push(text)),
      pump(child.stderr, Deno.stderr, (text) => output.pushStderr(text)),
    ]);
    output.end();
    return (await child.status).code;
  } finally {
    clearInterval(watchdog);
    const leftovers = killMarked();
    if (leftovers > 0 && !stopped) {
      console.log(`tests: killed ${leftovers} process(es) the tests left running`);
    }
  }
}

async function pump(
  stream: ReadableStream<Uint8Array>,
  sink: { write(p: Uint8Array): Promise<number> },
  onText: (text: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    for (let off = 0; off < chunk.length;) off += await sink.write(chunk.subarray(off));
    onText(decoder.decode(chunk, { stream: true }));
  }
  onText(decoder.decode());
}

/** Kills the `deno test` process group, then anything else of this run (e.g. Chromium, detached). */
function killRun(pid: number): void {
  try {
    Deno.kill(-pid, "SIGKILL");
  } catch { /* already gone */ }
  killMarked();
}

/** Kills every process whose environment carries this run's id; returns how many. */
function killMarked(): number {
  let killed = 0;
  const marker = `P2P_TEST_RUN_ID=${runId}\0`;
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name) || Number(entry.name) === Deno.pid) continue;
      try {
        const environ = Deno.readFileSync(`/proc/${entry.name}/environ`);
        if (!new TextDecoder().decode(environ).includes(marker)) continue;
        Deno.kill(Number(entry.name), "SIGKILL");
        killed++;
      } catch { /* gone, a zombie, or not ours */ }
    }
  } catch { /* no /proc: nothing more to do */ }
  return killed;
}

function isBrowserFile(file: string | null): boolean {
  if (!file) return false;
  let source = "";
  try {
    source = Deno.readTextFileSync(file);
  } catch { /* judge by the path alone */ }
  return looksLikeBrowserTest(file, source);
}

/** Runs one statement on the server's maintenance database (falling back to the URL's own database). */
async function admin(url: string, statement: string): Promise<void> {
  let lastError: unknown;
  for (const target of [maintenanceUrl(url), url]) {
    const sql = postgres(target, { max: 1, onnotice: () => {}, connect_timeout: 10 });
    try {
      await sql.unsafe(statement);
      return;
    } catch (err) {
      lastError = err;
    } finally {
      await sql.end({ timeout: 5 });
    }
  }
  throw lastError;
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}
