/**
 * `deno task test`: builds the islands and route manifest, then runs every test with `deno test`.
 *
 * With `DATABASE_URL` set, the run gets a fresh database on that server (created through the server's
 * `postgres` maintenance database, so the database named in the URL need not exist; dropped after), so
 * tests never touch existing data. Extra arguments are passed to `deno test` (e.g. a folder).
 *
 * On the embedded database `TEST_JOBS` (default 1) `deno test` processes run at once, each on one slice
 * of the files at a time (`--shard`; every test process has its own database there, so files do not meet);
 * a slice's output is printed whole when it ends. On Postgres (one database for all files) there is one.
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
  mergeOutputs,
  parseJobs,
  shardArgs,
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
    if (stopTests) return stopTests(`interrupted by ${signal} during ${describeRunning()}`);
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

// Files share one database on Postgres; `--shard`/`--parallel` of the caller's own are left alone.
const jobs = baseUrl || passThrough.some((a) => /^--(shard|parallel)\b/.test(a))
  ? 1
  : parseJobs(Deno.env.get("TEST_JOBS"));
const slices = shardArgs(jobs);
if (jobs > 1) {
  console.log(`tests: ${jobs} deno test processes at once, ${slices.length} slices of the files (TEST_JOBS)`);
}

/** A `deno test` process: its slice of the files, its output as read so far, its exit code once it ended. */
interface TestRun {
  label: string;
  output: DenoTestOutput;
  child: Deno.ChildProcess | null;
  exitCode: number | null;
}
const runs: TestRun[] = slices.map((args) => ({
  label: args.length ? `slice ${args[0].slice("--shard=".length)}` : "",
  output: new DenoTestOutput(),
  child: null,
  exitCode: null,
}));
let stopped: string | null = null;
/** The processes running now (for a signal's message). */
let activeRuns: ReadonlySet<TestRun> = new Set();
try {
  await runAll();
} finally {
  stopTests = null;
  await cleanUp();
}

const output = mergeOutputs(runs.map((r) => r.output));
// the first failing process's exit code (all of them ran to the end unless `stopped`)
const exitCode = runs.find((r) => r.exitCode !== 0)?.exitCode ?? 0;
finish(computeVerdict({
  output,
  exitCode: stopped ? null : exitCode,
  stopped,
  ci,
  postgres: !!baseUrl,
  isBrowserFile,
}));

/**
 * Runs every slice under one watchdog, `jobs` at a time. The first slice runs alone until its tests start,
 * so the type check (of all the files, cached for the slices after it) is done once; when it fails before
 * any test (a type error, no summary), the other slices are not run (the missing summaries fail the run).
 */
async function runAll(): Promise<void> {
  const active = new Set<TestRun>();
  const stop = (why: string) => {
    if (stopped) return;
    stopped = why;
    console.log(`\ntests: ${why} — stopping deno test`);
    for (const run of active) if (run.child) killGroup(run.child.pid);
    killMarked();
  };
  stopTests = stop;
  const watchdog = setInterval(() => {
    for (const run of active) {
      const out = run.output;
      const limit = out.phase === "startup" ? startupTimeoutMs : testTimeoutMs;
      const elapsed = Date.now() - out.phaseSince;
      if (elapsed > limit) {
        return stop(
          `TIMEOUT after ${Math.round(elapsed / 1000)}s (limit ${limit / 1000}s): ${describeRun(run)}`,
        );
      }
    }
  }, 1000);
  activeRuns = active;
  try {
    let next = 0;
    const worker = async () => {
      while (next < runs.length && !stopped) {
        const i = next++;
        const run = runs[i];
        active.add(run);
        try {
          await runTests(run, slices[i], jobs === 1);
        } finally {
          active.delete(run);
        }
        // the first slice failed before any test (a type error): the others would fail the same way
        if (i === 0 && run.exitCode !== 0 && run.output.phase === "startup" && !run.output.summary) {
          next = runs.length;
        }
      }
    };
    const first = runs[0];
    const firstDone = worker();
    while (jobs > 1 && first.output.phase === "startup" && first.exitCode === null && !stopped) {
      await delay(200);
    }
    await Promise.all([firstDone, ...Array.from({ length: jobs - 1 }, worker)]);
  } finally {
    clearInterval(watchdog);
    const leftovers = killMarked();
    if (leftovers > 0 && !stopped) {
      console.log(`tests: killed ${leftovers} process(es) the tests left running`);
    }
  }
}

/**
 * Runs one `deno test` in its own process group, parsing its output as it comes: echoed live when it runs
 * alone, else kept and printed whole when it ends (so slices do not mix their lines).
 */
async function runTests(run: TestRun, extra: string[], live: boolean): Promise<void> {
  const started = Date.now();
  run.output = new DenoTestOutput(started);
  const child = new Deno.Command(deno, {
    args: ["test", "-A", "--permit-no-files", ...extra, ...passThrough],
    env,
    stdout: "piped",
    stderr: "piped",
    detached: true, // its own process group, so a hang can be killed with everything it started
  }).spawn();
  run.child = child;
  const kept: Uint8Array[] = [];
  const keptErr: Uint8Array[] = [];
  const sink = (target: typeof Deno.stdout, store: Uint8Array[]) =>
    live ? target : { write: (p: Uint8Array) => (store.push(p.slice()), Promise.resolve(p.length)) };
  try {
    await Promise.all([
      pump(child.stdout, sink(Deno.stdout, kept), (text) => run.output.push(text)),
      pump(child.stderr, sink(Deno.stderr, keptErr), (text) => run.output.pushStderr(text)),
    ]);
    run.output.end();
    run.exitCode = (await child.status).code;
  } finally {
    if (!live) {
      const took = Math.round((Date.now() - started) / 1000);
      console.log(`tests: ${run.label} (${took}s, exit code ${run.exitCode ?? "none"}):`);
      for (const p of keptErr) await writeAll(Deno.stderr, p);
      for (const p of kept) await writeAll(Deno.stdout, p);
    }
  }
}

/** What one process is doing, in words, with its slice when there are several. */
function describeRun(run: TestRun): string {
  return run.label ? `${run.label}: ${run.output.describeCurrent()}` : run.output.describeCurrent();
}

/** What every running process is doing, in words. */
function describeRunning(): string {
  const now = [...activeRuns];
  return now.length ? now.map(describeRun).join("; ") : "no test (between slices)";
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function writeAll(sink: { write(p: Uint8Array): Promise<number> }, p: Uint8Array): Promise<void> {
  for (let off = 0; off < p.length;) off += await sink.write(p.subarray(off));
}

async function pump(
  stream: ReadableStream<Uint8Array>,
  sink: { write(p: Uint8Array): Promise<number> },
  onText: (text: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    await writeAll(sink, chunk);
    onText(decoder.decode(chunk, { stream: true }));
  }
  onText(decoder.decode());
}

/** Kills a `deno test` process group (the rest of the run, e.g. detached Chromium: {@link killMarked}). */
function killGroup(pid: number): void {
  try {
    Deno.kill(-pid, "SIGKILL");
  } catch { /* already gone */ }
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
