/**
 * `tests/run_summary.ts`: reading `deno test` output (colours, steps, ignored, filtered, missing summary,
 * a hang) and the honest `N passed, N failed, N skipped` with its exit code, in and out of CI; the same over
 * several `deno test` processes, one slice of the files each (`--shard`).
 */
import assert from "node:assert/strict";
import {
  computeVerdict,
  DenoTestOutput,
  describeRef,
  failedBeforeTests,
  formatSummary,
  isCI,
  looksLikeBrowserTest,
  maintenanceUrl,
  mergeOutputs,
  parseJobs,
  parseSummaryLine,
  type RunFacts,
  shardArgs,
  stripAnsi,
} from "./run_summary.ts";

const c = (code: string, text: string) => `\x1b[0m\x1b[${code}m${text}\x1b[0m`;
const grey = (text: string) => c("38;5;245", text);
const ok = (ms = "1ms") => `${c("32", "ok")} ${grey(`(${ms})`)}`;
const ignored = `${c("33", "ignored")} ${grey("(0ms)")}`;
const failed = `${c("31", "FAILED")} ${grey("(2ms)")}`;

/** Output of a run with a pass, an ignored Postgres-only test, steps and a failure (deno 2.9, coloured). */
const MIXED = [
  `${grey("running 3 tests from ./tests/a_test.ts")}`,
  `passes ... ${ok("571µs")}`,
  `race (postgres only): two at once ... ${ignored}`,
  `steps ...`,
  `  s1 ... ${ok()}`,
  `  s2 ... ${ok()}`,
  `steps ... ${ok()}`,
  `${grey("running 1 test from ./tests/b_test.ts")}`,
  `fails ... ${failed}`,
  ``,
  `${c("1;37;41", " ERRORS ")}`,
  ``,
  `fails ${grey("=> ./tests/b_test.ts:1:6")}`,
  `error: Error: boom`,
  `fake ... ok (1ms)`,
  ``,
  `${c("1;37;41", " FAILURES ")}`,
  ``,
  `fails ${grey("=> ./tests/b_test.ts:1:6")}`,
  ``,
  `${c("31", "FAILED")} | 2 passed (2 steps) | 1 failed | 1 ignored ${grey("(83ms)")}`,
  ``,
].join("\n");

function parse(stdout: string, stderr = ""): DenoTestOutput {
  const out = new DenoTestOutput(0);
  out.push(stdout, 0);
  out.pushStderr(stderr);
  out.end(0);
  return out;
}

function verdict(facts: Partial<RunFacts> & { output: DenoTestOutput }) {
  return computeVerdict({ exitCode: 0, ci: false, postgres: false, ...facts });
}

Deno.test("run summary: ANSI colours are stripped", () => {
  assert.equal(stripAnsi(`${c("32", "ok")} | 1 passed`), "ok | 1 passed");
});

Deno.test("run summary: the summary line, coloured, with steps, ignored and filtered counts", () => {
  assert.deepEqual(
    parseSummaryLine(`${c("32", "ok")} | 41 passed (3 steps) | 0 failed | 2 ignored ${grey("(9s)")}`),
    {
      ok: true,
      passed: 41,
      passedSteps: 3,
      failed: 0,
      failedSteps: 0,
      ignored: 2,
      ignoredSteps: 0,
      filteredOut: 0,
    },
  );
  assert.deepEqual(
    parseSummaryLine("FAILED | 2 passed (1 step) | 1 failed (1 step) | 0 ignored (1 step) (8ms)"),
    {
      ok: false,
      passed: 2,
      passedSteps: 1,
      failed: 1,
      failedSteps: 1,
      ignored: 0,
      ignoredSteps: 1,
      filteredOut: 0,
    },
  );
  const filtered = parseSummaryLine(
    "ok | 3 passed (2 steps) | 0 failed | 1 ignored | 1 filtered out (105ms)",
  );
  assert.equal(filtered?.filteredOut, 1);
  assert.equal(filtered?.ignored, 1);
  assert.equal(parseSummaryLine("ok | 0 passed | 0 failed (0ms)")?.passed, 0);
  for (
    const line of ["passes ... ok (1ms)", "ok", "FAILED", "ok | fine", "FAILED | x passed | 1 failed", ""]
  ) {
    assert.equal(parseSummaryLine(line), null, line);
  }
});

Deno.test("run summary: CI is any non-empty value but 0, false, no", () => {
  for (const v of ["true", "1", "yes", "TRUE", "on", "github"]) assert.equal(isCI(v), true, v);
  for (const v of [undefined, "", " ", "0", "false", "FALSE", "no", "No"]) {
    assert.equal(isCI(v), false, `${v}`);
  }
});

Deno.test("run summary: a mixed run — counts, ignored names, failures, and the ERRORS report is not a result", () => {
  const out = parse(MIXED);
  assert.deepEqual(out.summary && [out.summary.passed, out.summary.failed, out.summary.ignored], [2, 1, 1]);
  assert.deepEqual(out.counted, { passed: 2, failed: 1, ignored: 1, ignoredSteps: 0 });
  assert.deepEqual(out.ignored, [{
    file: "./tests/a_test.ts",
    test: "race (postgres only): two at once",
    steps: [],
  }]);
  assert.deepEqual(out.failed, [{ file: "./tests/b_test.ts", test: "fails", steps: [] }]);
  const v = verdict({ output: out, exitCode: 1 });
  assert.equal(formatSummary(v), "2 passed, 1 failed, 1 skipped");
  assert.equal(v.exitCode, 1);
  assert.deepEqual(v.problems, []);
});

Deno.test("run summary: fed one character at a time it reads the same", () => {
  const whole = parse(MIXED);
  const bits = new DenoTestOutput(0);
  for (const ch of MIXED) bits.push(ch, 0);
  bits.end(0);
  assert.deepEqual(bits.summary, whole.summary);
  assert.deepEqual(bits.counted, whole.counted);
  assert.deepEqual(bits.ignored, whole.ignored);
  assert.deepEqual(bits.failed, whole.failed);
});

Deno.test("run summary: lines a test prints are not results or summaries", () => {
  const out = parse([
    "running 1 test from ./tests/x_test.ts",
    "talks ...",
    "------- output -------",
    "fake ... ok (1ms)",
    "other ... ignored (0ms)",
    "ok | 99 passed | 0 failed (1s)",
    "----- output end -----",
    "talks ... ok (2ms)",
    "------- post-test output -------",
    "late ... FAILED (1ms)",
    "----- post-test output end -----",
    "",
    "ok | 1 passed | 0 failed (5ms)",
  ].join("\n"));
  assert.deepEqual(out.counted, { passed: 1, failed: 0, ignored: 0, ignoredSteps: 0 });
  assert.equal(out.summary?.passed, 1);
});

Deno.test("run summary: all passed with exit 0 is a pass; ignored steps count as skipped", () => {
  const out = parse([
    "running 1 test from ./tests/s_test.ts",
    "st ...",
    "  ig ... ignored (0ms)",
    "  ok1 ... ok (0ms)",
    "st ... ok (1ms)",
    "",
    "ok | 1 passed (1 step) | 0 failed | 0 ignored (1 step) (8ms)",
  ].join("\n"));
  assert.deepEqual(out.ignored, [{ file: "./tests/s_test.ts", test: "st", steps: ["ig"] }]);
  const v = verdict({ output: out });
  assert.equal(formatSummary(v), "1 passed, 0 failed, 1 skipped");
  assert.equal(v.exitCode, 0);
});

Deno.test("run summary: `only:` — everything passed but deno test exited 1, so 1 failed", () => {
  const out = parse(
    "running 1 test from ./tests/o_test.ts\nonly one ... ok (1ms)\n\nok | 1 passed | 0 failed | 2 filtered out (9ms)\n",
    `\x1b[0m\x1b[1m\x1b[31merror\x1b[0m: Test failed because the "only" option was used\n`,
  );
  assert.equal(out.onlyUsed, true);
  const v = verdict({ output: out, exitCode: 1 });
  assert.equal(formatSummary(v), "1 passed, 1 failed, 0 skipped");
  assert.equal(v.filteredOut, 2);
  assert.equal(v.exitCode, 1);
  assert.match(v.problems.join("\n"), /only/);
});

Deno.test("run summary: a non-zero exit with 0 failed (no `only`) counts 1 failed", () => {
  const v = verdict({ output: parse("ok | 3 passed | 0 failed (9ms)\n"), exitCode: 101 });
  assert.equal(formatSummary(v), "3 passed, 1 failed, 0 skipped");
  assert.match(v.problems[0], /exited with code 101 but reported 0 failed/);
});

Deno.test("run summary: no summary line (type error, crash) is a failure, counted from the lines seen", () => {
  const typeError = verdict({ output: parse(""), exitCode: 1 });
  assert.equal(formatSummary(typeError), "0 passed, 1 failed, 0 skipped");
  assert.match(typeError.problems[0], /no summary line/);

  const crash = verdict({
    output: parse("running 2 tests from ./tests/c_test.ts\na ... ok (1ms)\nb ... ignored (0ms)\nc ..."),
    exitCode: 134,
  });
  assert.equal(formatSummary(crash), "1 passed, 1 failed, 1 skipped");
  assert.equal(crash.exitCode, 1);

  const silent = verdict({ output: parse("running 1 test from ./tests/c_test.ts\n"), exitCode: 0 });
  assert.equal(silent.exitCode, 1, "exit 0 without a summary is not trusted");
});

Deno.test("run summary: uncaught errors and cancelled tests are failures", () => {
  const out = parse([
    "running 2 tests from ./tests/g_test.ts",
    "leaks ... ok (20ms)",
    "after ...",
    "Uncaught error from ./tests/g_test.ts FAILED",
    "after ... cancelled (0ms)",
  ].join("\n"));
  assert.deepEqual(out.counted, { passed: 1, failed: 2, ignored: 0, ignoredSteps: 0 });
  assert.deepEqual(out.failed.map((r) => r.test), ["(uncaught error)", "after"]);
});

Deno.test("run summary: the watchdog's view — which file, test and step is running, and since when", () => {
  const out = new DenoTestOutput(0);
  assert.equal(out.phase, "startup");
  assert.match(out.describeCurrent(), /type-checking/);
  out.push(`${grey("running 2 tests from ./tests/e2e/h_test.ts")}\nquick ... `, 5);
  assert.equal(out.phase, "test");
  assert.equal(out.test, "quick");
  assert.equal(out.phaseSince, 5);
  out.push(`${ok()}\n`, 6);
  assert.equal(out.phase, "between");
  assert.equal(out.phaseSince, 6);
  out.push("sleepy ...", 7);
  out.push(" ", 8); // still the same test: its clock does not restart
  assert.equal(out.phaseSince, 7);
  assert.equal(out.describeCurrent(), 'test ./tests/e2e/h_test.ts › "sleepy"');
  out.push(`${ok("3s")}\nhangs ...\n  inner ...`, 9); // a step still running: no newline yet
  assert.equal(out.phaseSince, 9);
  assert.equal(out.describeCurrent(), 'test ./tests/e2e/h_test.ts › "hangs" › "inner"');
  out.push("\n------- output -------\nin step\n", 10);
  assert.equal(out.phaseSince, 9);
  assert.equal(out.describeCurrent(), 'test ./tests/e2e/h_test.ts › "hangs" › "inner"');
  const v = verdict({ output: out, exitCode: null, stopped: `TIMEOUT after 121s: ${out.describeCurrent()}` });
  assert.equal(formatSummary(v), "2 passed, 1 failed, 0 skipped");
  assert.match(v.problems[0], /TIMEOUT after 121s: test \.\/tests\/e2e\/h_test\.ts › "hangs" › "inner"/);
});

const POSTGRES_ONLY_IGNORED = [
  "running 2 tests from ./tests/db/migrate_test.ts",
  "migrate (pglite): once ... ok (3s)",
  "migrate (postgres): two instances at once [skipped: set DATABASE_URL] ... ignored (0ms)",
  "",
  "ok | 1 passed | 0 failed | 1 ignored (3s)",
].join("\n");

Deno.test("run summary: CI on the embedded database may ignore Postgres-only tests", () => {
  const v = verdict({ output: parse(POSTGRES_ONLY_IGNORED), ci: true });
  assert.equal(formatSummary(v), "1 passed, 0 failed, 1 skipped");
  assert.equal(v.exitCode, 0);
});

Deno.test("run summary: CI on real Postgres fails any ignored test, naming it", () => {
  const v = verdict({ output: parse(POSTGRES_ONLY_IGNORED), ci: true, postgres: true });
  assert.equal(formatSummary(v), "1 passed, 1 failed, 0 skipped");
  assert.equal(v.exitCode, 1);
  assert.match(v.problems[0], /CI: 1 ignored test\(s\) counted as failed/);
  assert.match(v.problems[0], /migrate_test\.ts › "migrate \(postgres\): two instances/);
});

Deno.test("run summary: CI fails skipped browser tests and other ignores; outside CI they are skips", () => {
  const output = parse([
    "running 1 test from ./tests/e2e/calc_test.ts",
    "calculator on a phone ... ignored (0ms)",
    "running 2 tests from ./tests/framework/hydration_test.ts",
    "hydration (postgres-free) ... ignored (0ms)",
    "running 1 test from ./tests/domain/x_test.ts",
    "someone's ignore: true ... ignored (0ms)",
    "",
    "ok | 0 passed | 0 failed | 3 ignored (1s)",
  ].join("\n"));
  const isBrowserFile = (f: string | null) =>
    f === "./tests/framework/hydration_test.ts" || /e2e/.test(f ?? "");
  const inCi = verdict({ output, ci: true, isBrowserFile });
  assert.equal(formatSummary(inCi), "0 passed, 3 failed, 0 skipped");
  assert.equal(inCi.exitCode, 1);
  const local = verdict({ output, ci: false, isBrowserFile });
  assert.equal(formatSummary(local), "0 passed, 0 failed, 3 skipped");
  assert.equal(local.exitCode, 0);
});

Deno.test("run summary: CI counts ignored tests it could not name as failed", () => {
  const v = verdict({ output: parse("ok | 4 passed | 0 failed | 2 ignored (1s)\n"), ci: true });
  assert.equal(formatSummary(v), "4 passed, 2 failed, 0 skipped");
  assert.match(v.problems[0], /2 more not named/);
});

Deno.test("run summary: helpers — browser files, maintenance URL, refs, failure before tests", () => {
  assert.equal(looksLikeBrowserTest("./tests/e2e/admin_test.ts", ""), true);
  assert.equal(
    looksLikeBrowserTest("./tests/framework/hydration_test.ts", 'import p from "puppeteer-core";'),
    true,
  );
  assert.equal(
    looksLikeBrowserTest("./tests/x_test.ts", 'import { launchBrowser } from "./helpers/browser.ts";'),
    true,
  );
  assert.equal(
    looksLikeBrowserTest("./tests/domain/money_test.ts", 'import "../../domain/money.ts";'),
    false,
  );
  assert.equal(
    maintenanceUrl("postgres://postgres:pw@127.0.0.1:5432/missing_db?sslmode=disable"),
    "postgres://postgres:pw@127.0.0.1:5432/postgres?sslmode=disable",
  );
  assert.equal(describeRef({ file: null, test: "t", steps: ["s"] }), '(unknown file) › "t" › "s"');
  const before = failedBeforeTests("the build failed (exit code 1)");
  assert.equal(formatSummary(before), "0 passed, 1 failed, 0 skipped");
  assert.equal(before.exitCode, 1);
});

Deno.test("run summary: TEST_JOBS and the slices — one process, no --shard; n processes, 8n slices", () => {
  for (const v of [undefined, "", " ", "0", "-1", "1.5", "two", "1"]) assert.equal(parseJobs(v), 1, `${v}`);
  assert.equal(parseJobs("2"), 2);
  assert.equal(parseJobs(" 3 "), 3);
  assert.deepEqual(shardArgs(1), [[]]);
  const two = shardArgs(2);
  assert.equal(two.length, 16);
  assert.deepEqual(two[0], ["--shard=1/16"]);
  assert.deepEqual(two[15], ["--shard=16/16"]);
  assert.deepEqual(shardArgs(3, 2).map((a) => a.join()), [1, 2, 3, 4, 5, 6].map((i) => `--shard=${i}/6`));
});

/** Two slices of one run: a pass and a Postgres-only ignore; a failure and an ignored step (browser file). */
const SLICE_A = [
  "running 2 tests from ./tests/a_test.ts",
  "passes ... ok (1ms)",
  "race (postgres only): two at once ... ignored (0ms)",
  "",
  "ok | 1 passed | 0 failed | 1 ignored (5ms)",
].join("\n");
const SLICE_B = [
  "running 2 tests from ./tests/e2e/b_test.ts",
  "steps ...",
  "  off ... ignored (0ms)",
  "steps ... ok (3ms)",
  "fails ... FAILED (2ms)",
  "",
  " ERRORS ",
  "",
  "fails => ./tests/e2e/b_test.ts:1:6",
  "error: Error: boom",
  "",
  " FAILURES ",
  "",
  "fails => ./tests/e2e/b_test.ts:1:6",
  "",
  "FAILED | 1 passed | 1 failed | 0 ignored (1 step) | 2 filtered out (9ms)",
].join("\n");

Deno.test("run summary: slices are summed — counts, names with their files, filtered out, `only:`", () => {
  const empty = parse("ok | 0 passed | 0 failed (0ms)\n");
  const merged = mergeOutputs([parse(SLICE_A), empty, parse(SLICE_B)]);
  assert.deepEqual(merged.summary, {
    ok: false,
    passed: 2,
    passedSteps: 0,
    failed: 1,
    failedSteps: 0,
    ignored: 1,
    ignoredSteps: 1,
    filteredOut: 2,
  });
  assert.deepEqual(merged.counted, { passed: 2, failed: 1, ignored: 1, ignoredSteps: 1 });
  assert.deepEqual(merged.ignored.map(describeRef), [
    './tests/a_test.ts › "race (postgres only): two at once"',
    './tests/e2e/b_test.ts › "steps" › "off"',
  ]);
  assert.deepEqual(merged.failed.map(describeRef), ['./tests/e2e/b_test.ts › "fails"']);
  assert.equal(merged.onlyUsed, false);
  const v = verdict({ output: merged, exitCode: 1 });
  assert.equal(formatSummary(v), "2 passed, 1 failed, 2 skipped");
  assert.equal(v.filteredOut, 2);
  // CI: the Postgres-only ignore is allowed on the embedded database, the browser file's ignored step is not
  const isBrowserFile = (f: string | null) => /e2e/.test(f ?? "");
  const inCi = verdict({ output: merged, exitCode: 1, ci: true, isBrowserFile });
  assert.equal(formatSummary(inCi), "2 passed, 2 failed, 1 skipped");
  assert.match(inCi.problems[0], /b_test\.ts › "steps" › "off"/);

  const onlyNotice = `error: Test failed because the "only" option was used\n`;
  const only = mergeOutputs([
    parse(SLICE_A),
    parse("ok | 1 passed | 0 failed | 1 filtered out (1ms)\n", onlyNotice),
  ]);
  assert.equal(only.onlyUsed, true);
  assert.match(verdict({ output: only, exitCode: 1 }).problems[0], /only/);
});

Deno.test("run summary: a slice without its summary (crashed, stopped, never run) fails the whole run", () => {
  const crashed = parse("running 2 tests from ./tests/c_test.ts\na ... ok (1ms)\nb ...");
  const neverRan = new DenoTestOutput(0);
  for (const slices of [[parse(SLICE_A), crashed], [parse(SLICE_A), neverRan], [crashed], []]) {
    const merged = mergeOutputs(slices);
    assert.equal(merged.summary, null);
    const v = verdict({ output: merged, exitCode: 134 });
    assert.equal(v.exitCode, 1);
    assert.match(v.problems[0], /no summary line/);
  }
  const v = verdict({ output: mergeOutputs([parse(SLICE_A), crashed]), exitCode: 134 });
  assert.equal(formatSummary(v), "2 passed, 1 failed, 1 skipped", "counted from the lines, +1 failed");
});

/** Writes `files` into a scratch folder, runs `use` with it, removes it. */
async function inScratch<T>(files: Record<string, string>, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "run_summary_" });
  try {
    for (const [name, text] of Object.entries(files)) {
      const folder = name.slice(0, name.lastIndexOf("/") + 1);
      if (folder) await Deno.mkdir(`${dir}/${folder}`, { recursive: true });
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    return await use(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs the installed `deno test` (with `extra` arguments) in `dir` and reads its real output. */
async function testIn(dir: string, extra: string[] = []): Promise<{ out: DenoTestOutput; code: number }> {
  const res = await new Deno.Command(Deno.execPath(), {
    args: ["test", "--no-config", "--no-lock", "-A", "--permit-no-files", ...extra, "."],
    cwd: dir,
    env: { RUST_BACKTRACE: "0" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new DenoTestOutput();
  out.push(new TextDecoder().decode(res.stdout));
  out.pushStderr(new TextDecoder().decode(res.stderr));
  out.end();
  return { out, code: res.code };
}

/** Runs the installed `deno test` on `files` in a scratch folder and reads its real output. */
function realRun(files: Record<string, string>): Promise<{ out: DenoTestOutput; code: number }> {
  return inScratch(files, (dir) => testIn(dir));
}

Deno.test("run summary: the installed deno test's real output — pass, fail, ignore, steps, prints", async () => {
  const { out, code } = await realRun({
    "a_test.ts": `
      Deno.test("passes", () => { console.log("x ... ok (1ms)"); });
      Deno.test({ name: "pg (postgres): race", ignore: true, fn() {} });
      Deno.test("steps", async (t) => {
        await t.step("s1", () => {});
        await t.step({ name: "s2", ignore: true, fn() {} });
      });`,
    "b_test.ts": `Deno.test("fails", () => { throw new Error("boom"); });`,
  });
  assert.equal(code, 1);
  assert.deepEqual(out.counted, { passed: 2, failed: 1, ignored: 1, ignoredSteps: 1 });
  assert.deepEqual(out.ignored.map(describeRef), [
    './a_test.ts › "pg (postgres): race"',
    './a_test.ts › "steps" › "s2"',
  ]);
  const v = computeVerdict({ output: out, exitCode: code, ci: false, postgres: false });
  assert.equal(formatSummary(v), "2 passed, 1 failed, 2 skipped");
  const inCi = computeVerdict({ output: out, exitCode: code, ci: true, postgres: false });
  assert.equal(formatSummary(inCi), "2 passed, 2 failed, 1 skipped", "the ignored step is not Postgres-only");
});

Deno.test("run summary: the installed deno test's real output — `only:` fails the run", async () => {
  const { out, code } = await realRun({
    "o_test.ts": `
      Deno.test({ name: "only this", only: true, fn() {} });
      Deno.test("not this", () => {});`,
  });
  assert.notEqual(code, 0);
  assert.equal(out.onlyUsed, true);
  const v = computeVerdict({ output: out, exitCode: code, ci: false, postgres: false });
  assert.equal(formatSummary(v), "1 passed, 1 failed, 0 skipped");
  assert.equal(v.filteredOut, 1);
  assert.equal(v.exitCode, 1);
});

Deno.test("run summary: the installed deno test's --shard slices run every file exactly once", async () => {
  const files: Record<string, string> = {};
  for (const name of ["a", "b", "c", "d", "e", "sub/f", "sub/g"]) {
    files[`${name}_test.ts`] = `Deno.test("${name} one", () => {}); Deno.test("${name} two", () => {});`;
  }
  files["sub/h_test.ts"] = `Deno.test({ name: "h (postgres): skipped", ignore: true, fn() {} });`;
  files["helper.ts"] = `Deno.test("not a test file", () => { throw new Error("must not run"); });`;
  const { whole, slices } = await inScratch(files, async (dir) => {
    const whole = await testIn(dir);
    // more slices than files: some are empty, and say so with a summary of their own
    const slices = [];
    for (const args of shardArgs(5, 2)) slices.push(await testIn(dir, args));
    return { whole, slices };
  });
  assert.equal(whole.code, 0);
  assert.deepEqual(whole.out.counted, { passed: 14, failed: 0, ignored: 1, ignoredSteps: 0 });
  assert.ok(slices.every((s) => s.code === 0 && s.out.summary !== null));
  assert.ok(slices.some((s) => s.out.summary?.passed === 0), "an empty slice");
  const merged = mergeOutputs(slices.map((s) => s.out));
  assert.deepEqual(merged.summary, whole.out.summary);
  assert.deepEqual(merged.counted, whole.out.counted);
  assert.deepEqual(merged.ignored, whole.out.ignored);
  const v = computeVerdict({ output: merged, exitCode: 0, ci: true, postgres: false });
  assert.equal(formatSummary(v), "14 passed, 0 failed, 1 skipped");
});
