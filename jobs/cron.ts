/**
 * The cron registry on `Deno.cron`. Cron fires in every app instance, so each run takes a Postgres advisory
 * lock to claim its run in `job_runs` under a run key (normally the day in Asia/Shanghai): running a job
 * twice for the same key — in one instance or in two, one after the other or at once — does the work once.
 */
import { formatShanghaiDate } from "../domain/shared/shanghai_time.ts";
import { transaction } from "../db/tx.ts";
import { errorText, type JobDeps, logJob } from "./deps.ts";

/** A scheduled job. */
export interface CronJob {
  /** Unique; lower-case letters, digits and `_` (within Deno.cron's rules), ≤ 63 characters. */
  name: string;
  /** Five-field cron expression, in UTC (Deno.cron's time zone). */
  schedule: string;
  /**
   * A `running` record older than this is taken to be from a crashed instance and may be taken over.
   * Default {@link DEFAULT_CRON_STALE_MS}.
   */
  staleAfterMs?: number;
  /** The run key of a run at `at` (default: the Asia/Shanghai day — once a day). */
  runKey?: (at: Date) => string;
  /** Do the work for `runKey`; returns details stored in `job_runs.detail`. */
  run(deps: JobDeps, runKey: string): Promise<Record<string, unknown> | void>;
}

/** Outcome of {@link runCronJob}. `locked`: another run of the same job and key is in progress. */
export type CronRunResult =
  | { ok: true; runKey: string; detail: Record<string, unknown> }
  | { ok: false; code: "already_done" | "locked"; runKey: string }
  | { ok: false; code: "failed"; runKey: string; error: string };

/** Default {@link CronJob.staleAfterMs}: one hour. */
export const DEFAULT_CRON_STALE_MS = 3_600_000;

/** Retries of a failed cron run (Deno.cron `backoffSchedule`): after 1, 5 and 15 minutes. */
export const CRON_BACKOFF_MS: readonly number[] = [60_000, 300_000, 900_000];

const NAME_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * Define a cron job.
 *
 * @throws {Error} when the name or the schedule is malformed.
 */
export function defineCronJob(job: CronJob): CronJob {
  if (!NAME_PATTERN.test(job.name)) throw new Error(`invalid cron job name: ${job.name}`);
  if (job.schedule.trim().split(/\s+/).length !== 5) {
    throw new Error(`invalid cron schedule: ${job.schedule}`);
  }
  return job;
}

/** The calendar day of `at` in Asia/Shanghai, as `YYYY-MM-DD`. */
export function shanghaiDay(at: Date = new Date()): string {
  return formatShanghaiDate(at);
}

/**
 * Run `job` for `runKey` (default: today in Asia/Shanghai), at most once per key across all instances.
 *
 * 1. Claim, in one transaction under `pg_try_advisory_xact_lock(hashtext('cron:' || name))` (busy →
 *    `locked`): insert the `job_runs` row as `running`, or take over a `failed` one or a `running` one older
 *    than `staleAfterMs`. A `done` row → `already_done`; a fresh `running` row → `locked`.
 * 2. Run the job with the ordinary `sql` handle (it may use its own transactions).
 * 3. Record `done` with the job's detail, or `failed` with the error (a later run may retry a failure).
 */
export async function runCronJob(
  deps: JobDeps,
  job: CronJob,
  runKey: string = shanghaiDay(),
): Promise<CronRunResult> {
  const staleAfterMs = job.staleAfterMs ?? DEFAULT_CRON_STALE_MS;
  const claim = await transaction(deps.sql, async (tx) => {
    const [{ locked }] = await tx<{ locked: boolean }[]>`
      select pg_try_advisory_xact_lock(hashtext(${"cron:" + job.name})) as locked`;
    if (!locked) return "locked" as const;
    const claimed = await tx`
      insert into job_runs (job, run_key, status) values (${job.name}, ${runKey}, 'running')
      on conflict (job, run_key) do update
        set status = 'running', started_at = now(), finished_at = null, detail = '{}'::jsonb
        where job_runs.status = 'failed'
           or (job_runs.status = 'running'
               and job_runs.started_at < now() - make_interval(secs => ${staleAfterMs / 1000}))
      returning 1`;
    if (claimed.length > 0) return "claimed" as const;
    const [row] = await tx<{ status: string }[]>`
      select status from job_runs where job = ${job.name} and run_key = ${runKey}`;
    return row?.status === "done" ? "already_done" as const : "locked" as const;
  });
  if (claim !== "claimed") return { ok: false, code: claim, runKey };

  const startedMs = performance.now();
  try {
    const detail: Record<string, unknown> = { ...(await job.run(deps, runKey) ?? {}) };
    detail.durationMs = Math.round(performance.now() - startedMs);
    await deps.sql`
      update job_runs set status = 'done', finished_at = now(), detail = ${deps.sql.json(jsonSafe(detail))}
      where job = ${job.name} and run_key = ${runKey}`;
    logJob("info", "cron_done", { job: job.name, runKey, detail });
    return { ok: true, runKey, detail };
  } catch (error) {
    const text = errorText(error);
    await deps.sql`
      update job_runs set status = 'failed', finished_at = now(),
        detail = ${deps.sql.json({ error: text, durationMs: Math.round(performance.now() - startedMs) })}
      where job = ${job.name} and run_key = ${runKey}`;
    logJob("error", "cron_failed", { job: job.name, runKey, error: text });
    return { ok: false, code: "failed", runKey, error: text };
  }
}

// deno-lint-ignore no-explicit-any
function jsonSafe(value: Record<string, unknown>): any {
  return JSON.parse(JSON.stringify(value, (_k, v) => typeof v === "bigint" ? v.toString() : v));
}

/**
 * Register every job with `Deno.cron` (call once, from the app's startup — never in tests). Aborting
 * `signal` unregisters them.
 *
 * @throws {Error} when two jobs share a name.
 */
export function startCrons(deps: JobDeps, jobs: readonly CronJob[], signal?: AbortSignal): void {
  const names = new Set<string>();
  for (const job of jobs) {
    if (names.has(job.name)) throw new Error(`duplicate cron job ${job.name}`);
    names.add(job.name);
  }
  for (const job of jobs) {
    Deno.cron(job.name, job.schedule, { signal, backoffSchedule: [...CRON_BACKOFF_MS] }, async () => {
      let result: CronRunResult;
      try {
        result = await runCronJob(deps, job, job.runKey?.(new Date()));
      } catch (error) {
        // e.g. the database is unreachable: Deno.cron retries after the backoff.
        logJob("error", "cron_error", { job: job.name, error: errorText(error) });
        throw error;
      }
      if (!result.ok && result.code === "failed") throw new Error(`cron ${job.name} failed: ${result.error}`);
    });
  }
}
