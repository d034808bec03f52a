/**
 * The pure half of `tests/run.ts`: reads `deno test` output as it streams (which test is running, what
 * passed, failed or was ignored, the final summary) and turns it, with the exit code, into the one line
 * CI reads: `N passed, N failed, N skipped`. Unit tests: `tests/run_summary_test.ts`.
 * @module
 */

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** `text` without ANSI colour codes. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/** True for any non-empty `CI` value except `0`, `false` and `no` (any case). */
export function isCI(value: string | undefined): boolean {
  const v = (value ?? "").trim().toLowerCase();
  return v !== "" && v !== "0" && v !== "false" && v !== "no";
}

/** The final line of `deno test`, e.g. `ok | 41 passed (3 steps) | 0 failed | 2 ignored (9s)`. */
export interface DenoSummary {
  ok: boolean;
  passed: number;
  passedSteps: number;
  failed: number;
  failedSteps: number;
  ignored: number;
  ignoredSteps: number;
  filteredOut: number;
}

/** Parses a `deno test` summary line (colours allowed); `null` when the line is not one. */
export function parseSummaryLine(line: string): DenoSummary | null {
  const plain = stripAnsi(line).trim();
  const head = /^(ok|FAILED) \| /.exec(plain);
  if (!head) return null;
  const summary: DenoSummary = {
    ok: head[1] === "ok",
    passed: -1,
    passedSteps: 0,
    failed: -1,
    failedSteps: 0,
    ignored: 0,
    ignoredSteps: 0,
    filteredOut: 0,
  };
  for (const part of plain.slice(head[0].length).split(" | ")) {
    const m = /^(\d+) (passed|failed|ignored|measured|filtered out)(?: \((\d+) steps?\))?/.exec(part);
    if (!m) return null;
    const n = Number(m[1]);
    const steps = Number(m[3] ?? 0);
    if (m[2] === "passed") [summary.passed, summary.passedSteps] = [n, steps];
    else if (m[2] === "failed") [summary.failed, summary.failedSteps] = [n, steps];
    else if (m[2] === "ignored") [summary.ignored, summary.ignoredSteps] = [n, steps];
    else if (m[2] === "filtered out") summary.filteredOut = n;
  }
  return summary.passed < 0 || summary.failed < 0 ? null : summary;
}

/** One test (or step of a test) as `deno test` named it, with the file it came from. */
export interface TestRef {
  file: string | null;
  test: string;
  /** The step path inside `test`, outermost first; empty for the test itself. */
  steps: string[];
}

/** `./tests/x_test.ts › test › step`. */
export function describeRef(ref: TestRef): string {
  return [ref.file ?? "(unknown file)", ...[ref.test, ...ref.steps].map((s) => JSON.stringify(s))]
    .join(" › ");
}

/** Where the run is: before the first test module ran, inside a test, or between tests. */
export type Phase = "startup" | "test" | "between";

const RUNNING = /^running \d+ tests? from (.+)$/;
const RESULT = /^(.*) \.\.\. (ok|FAILED|ignored|cancelled)(?: \(.*\))?$/;
const START = /^(.*) \.\.\.$/;
const UNCAUGHT = /^Uncaught error from (.+) FAILED$/;
const OUTPUT_START = /^-{7} [\w -]*output -{7}$/;
const OUTPUT_END = /^-{5} [\w -]*output end -{5}$/;
const ONLY = /the "only" option was used/;

/**
 * Follows `deno test` output chunk by chunk (partial lines too: a test that hangs shows only `name ...`).
 * Lines a test prints (between `------- output -------` and `----- output end -----`) and the
 * ERRORS/FAILURES report are not mistaken for results.
 */
export class DenoTestOutput {
  /** The summary line, once seen (the last one wins). */
  summary: DenoSummary | null = null;
  /** Top-level results counted from the per-test lines (used when there is no summary). */
  counted = { passed: 0, failed: 0, ignored: 0, ignoredSteps: 0 };
  /** Ignored tests and steps, in order. */
  ignored: TestRef[] = [];
  /** Failed tests (and uncaught errors of a module, as test `(uncaught error)`). */
  failed: TestRef[] = [];
  /** `deno test` said it failed because a test used `only`. */
  onlyUsed = false;
  /** The test module being run. */
  file: string | null = null;
  /** The running top-level test and its running steps. */
  test: string | null = null;
  steps: string[] = [];
  phase: Phase = "startup";
  /** When the current phase (test, gap between tests, startup) began, in ms. */
  phaseSince: number;

  #buffer = "";
  #stderrBuffer = "";
  #inOutput = false;
  #inReport = false;

  constructor(now = Date.now()) {
    this.phaseSince = now;
  }

  /** Feeds a chunk of `deno test` stdout. */
  push(chunk: string, now = Date.now()): void {
    this.#buffer += chunk;
    const lines = this.#buffer.split("\n");
    this.#buffer = lines.pop()!;
    for (const line of lines) this.#line(stripAnsi(line).replace(/\r$/, ""), now);
    // A test (or step) that is still running shows as `name ...` with no newline yet.
    const partial = stripAnsi(this.#buffer).trimEnd();
    if (!this.#inOutput && !this.#inReport && START.test(partial)) this.#startLine(partial, now);
  }

  /** Feeds a chunk of `deno test` stderr (only the "only" notice matters there). */
  pushStderr(chunk: string): void {
    this.#stderrBuffer += chunk;
    const lines = this.#stderrBuffer.split("\n");
    this.#stderrBuffer = lines.pop()!;
    for (const line of lines) if (ONLY.test(stripAnsi(line))) this.onlyUsed = true;
  }

  /** Flushes what is left without a newline. */
  end(now = Date.now()): void {
    if (this.#buffer) this.#line(stripAnsi(this.#buffer), now);
    if (ONLY.test(stripAnsi(this.#stderrBuffer))) this.onlyUsed = true;
    this.#buffer = this.#stderrBuffer = "";
  }

  /** What is running now, in words (for a timeout message). */
  describeCurrent(): string {
    if (this.phase === "test" && this.test !== null) {
      return `test ${describeRef({ file: this.file, test: this.test, steps: this.steps })}`;
    }
    if (this.phase === "between" && this.file) {
      return `no test: the last one in ${this.file} had finished (loading the next test module, ` +
        `or a module's top-level code, or exiting)`;
    }
    return "no test yet: type-checking and loading the test modules";
  }

  #setPhase(phase: Phase, now: number): void {
    this.phase = phase;
    this.phaseSince = now;
  }

  #start(name: string, now: number): void {
    if (this.phase === "test" && this.test === name) return;
    this.test = name;
    this.steps = [];
    this.#setPhase("test", now);
  }

  #line(line: string, now: number): void {
    if (this.#inOutput) {
      if (OUTPUT_END.test(line)) this.#inOutput = false;
      return;
    }
    if (OUTPUT_START.test(line)) {
      this.#inOutput = true;
      return;
    }
    const summary = parseSummaryLine(line);
    if (summary) {
      this.summary = summary;
      return;
    }
    if (line === " ERRORS " || line === " FAILURES ") this.#inReport = true;
    if (this.#inReport) return;

    const running = RUNNING.exec(line);
    if (running) {
      this.file = running[1];
      this.test = null;
      this.steps = [];
      this.#setPhase("between", now);
      return;
    }
    const uncaught = UNCAUGHT.exec(line);
    if (uncaught) {
      this.counted.failed++;
      this.failed.push({ file: uncaught[1], test: "(uncaught error)", steps: [] });
      return;
    }
    const indent = /^ */.exec(line)![0].length;
    const depth = Math.floor(indent / 2);
    const body = line.slice(indent);
    const result = RESULT.exec(body);
    if (result) {
      const [, name, status] = result;
      if (depth === 0) {
        const ref = { file: this.file, test: name, steps: [] };
        if (status === "ok") this.counted.passed++;
        else if (status === "ignored") {
          this.counted.ignored++;
          this.ignored.push(ref);
        } else {
          this.counted.failed++;
          this.failed.push(ref);
        }
        this.test = null;
        this.steps = [];
        this.#setPhase("between", now);
      } else {
        const steps = [...this.steps.slice(0, depth - 1), name];
        if (status === "ignored") {
          this.counted.ignoredSteps++;
          this.ignored.push({ file: this.file, test: this.test ?? "(unknown test)", steps });
        }
        this.steps = this.steps.slice(0, depth - 1);
      }
      return;
    }
    if (START.test(body)) this.#startLine(line, now);
  }

  /** `name ...` (a test) or an indented `name ...` (a step at that depth) has started. */
  #startLine(line: string, now: number): void {
    const indent = /^ */.exec(line)![0].length;
    const name = START.exec(line.slice(indent))![1];
    if (indent === 0) this.#start(name, now);
    else this.steps = [...this.steps.slice(0, Math.floor(indent / 2) - 1), name];
  }
}

/**
 * One reading of several `deno test` runs that together cover the files (`--shard=i/n`, one process each):
 * counts and names summed in order; the summary only when every run printed one (a run that crashed, was
 * stopped or never started leaves it `null`, so the totals fall back to the per-test lines and count as
 * failed); `only:` when any run saw it.
 */
export function mergeOutputs(outputs: readonly DenoTestOutput[]): DenoTestOutput {
  const merged = new DenoTestOutput(0);
  let summary: DenoSummary | null = outputs.length > 0
    ? {
      ok: true,
      passed: 0,
      passedSteps: 0,
      failed: 0,
      failedSteps: 0,
      ignored: 0,
      ignoredSteps: 0,
      filteredOut: 0,
    }
    : null;
  for (const out of outputs) {
    const s = out.summary;
    if (summary && s) {
      summary = {
        ok: summary.ok && s.ok,
        passed: summary.passed + s.passed,
        passedSteps: summary.passedSteps + s.passedSteps,
        failed: summary.failed + s.failed,
        failedSteps: summary.failedSteps + s.failedSteps,
        ignored: summary.ignored + s.ignored,
        ignoredSteps: summary.ignoredSteps + s.ignoredSteps,
        filteredOut: summary.filteredOut + s.filteredOut,
      };
    } else summary = null;
    merged.counted.passed += out.counted.passed;
    merged.counted.failed += out.counted.failed;
    merged.counted.ignored += out.counted.ignored;
    merged.counted.ignoredSteps += out.counted.ignoredSteps;
    merged.ignored.push(...out.ignored);
    merged.failed.push(...out.failed);
    merged.onlyUsed ||= out.onlyUsed;
  }
  merged.summary = summary;
  return merged;
}

/**
 * The `--shard` arguments that split the test files among `jobs` processes: `jobs` × `perJob` contiguous
 * slices of deno's sorted file list (deno finds the files and type-checks all of them in every slice, so
 * none is lost), handed out one at a time to whichever process is free; one slice, no argument, for 1 job.
 */
export function shardArgs(jobs: number, perJob = 8): string[][] {
  if (jobs <= 1) return [[]];
  const count = jobs * perJob;
  return Array.from({ length: count }, (_, i) => [`--shard=${i + 1}/${count}`]);
}

/** The number of `deno test` processes to run at once: `TEST_JOBS` (a whole number ≥ 1), else 1. */
export function parseJobs(value: string | undefined): number {
  const n = Number((value ?? "").trim() || "1");
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** Whether a test file drives a browser (its skipping is never acceptable in CI). */
export function looksLikeBrowserTest(path: string, source: string): boolean {
  return /(^|\/)e2e\//.test(path) || /puppeteer|helpers\/browser\.ts/.test(source);
}

/** A test that runs only on real Postgres says so in its name, e.g. `migrate (postgres): …`. */
export function isPostgresOnly(ref: TestRef): boolean {
  return /postgres/i.test([ref.test, ...ref.steps].join(" "));
}

/** Everything {@link computeVerdict} weighs. */
export interface RunFacts {
  output: DenoTestOutput;
  /** Exit code of `deno test`; `null` when it never ran or was killed. */
  exitCode: number | null;
  /** Set when the watchdog (or a signal) stopped the run: what happened, naming the test. */
  stopped?: string | null;
  ci: boolean;
  /** The run is against real Postgres (`DATABASE_URL`). */
  postgres: boolean;
  /** Whether `file` (as `deno test` names it) is a browser test. */
  isBrowserFile?: (file: string | null) => boolean;
}

/** The run's result: the three numbers, why it failed, and the exit code (1 exactly when failed > 0). */
export interface Verdict {
  passed: number;
  failed: number;
  skipped: number;
  filteredOut: number;
  problems: string[];
  exitCode: 0 | 1;
}

/**
 * Computes the honest totals. Ignored tests (and ignored steps) count as skipped. Under CI, a skip is a
 * failure unless the run is on the embedded database and the test is a Postgres-only one (not a browser
 * test). A missing summary, a stopped run, or a non-zero exit with "0 failed" count as at least 1 failed.
 */
export function computeVerdict(facts: RunFacts): Verdict {
  const { output, exitCode, ci, postgres } = facts;
  const isBrowserFile = facts.isBrowserFile ?? (() => false);
  const problems: string[] = [];
  const s = output.summary;
  let passed: number, failed: number, skipped: number;
  if (s && !facts.stopped) {
    passed = s.passed;
    failed = s.failed;
    skipped = s.ignored + s.ignoredSteps;
  } else {
    passed = output.counted.passed;
    failed = output.counted.failed;
    skipped = output.counted.ignored + output.counted.ignoredSteps;
    if (facts.stopped) {
      problems.push(`${facts.stopped}; the tests after it did not run`);
    } else {
      problems.push(
        `deno test printed no summary line (exit code ${exitCode ?? "none"}): it crashed or failed to ` +
          `type-check or load a module (see above); counted from the per-test lines`,
      );
    }
    failed++;
  }

  if (ci && skipped > 0) {
    const banned = output.ignored.filter((ref) =>
      postgres || !isPostgresOnly(ref) || isBrowserFile(ref.file)
    );
    const unnamed = Math.max(0, skipped - output.ignored.length);
    const moved = Math.min(skipped, banned.length + unnamed);
    if (moved > 0) {
      const why = postgres
        ? "on real Postgres every test must run"
        : "on the embedded database only Postgres-only tests (named '… (postgres) …') may be ignored, " +
          "and browser tests must run";
      const names = banned.map((ref) => `\n    ${describeRef(ref)}`).join("");
      const more = unnamed > 0 ? `\n    (${unnamed} more not named in the output)` : "";
      problems.push(`CI: ${moved} ignored test(s) counted as failed — ${why}:${names}${more}`);
      skipped -= moved;
      failed += moved;
    }
  }

  if (exitCode !== null && exitCode !== 0 && failed === 0) {
    problems.push(
      output.onlyUsed
        ? `deno test failed because a test uses \`only:\` (exit code ${exitCode}); remove it`
        : `deno test exited with code ${exitCode} but reported 0 failed`,
    );
    failed = 1;
  }

  return {
    passed,
    failed,
    skipped,
    filteredOut: s?.filteredOut ?? 0,
    problems,
    exitCode: failed > 0 ? 1 : 0,
  };
}

/** The line CI reads. */
export function formatSummary(v: { passed: number; failed: number; skipped: number }): string {
  return `${v.passed} passed, ${v.failed} failed, ${v.skipped} skipped`;
}

/** A verdict for a run that failed before `deno test` (build, database). */
export function failedBeforeTests(problem: string): Verdict {
  return { passed: 0, failed: 1, skipped: 0, filteredOut: 0, problems: [problem], exitCode: 1 };
}

/** The URL of the maintenance database (`postgres`) on the server of `url`, for create/drop database. */
export function maintenanceUrl(url: string): string {
  const u = new URL(url);
  u.pathname = "/postgres";
  return u.toString();
}
