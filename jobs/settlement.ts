/**
 * Cron job `loan_settlement`: the daily settlement (domain/lending/settlement.ts) at 00:30 Asia/Shanghai
 * (16:30 UTC), settling the day that has just ended. The cron registry's lock and `job_runs` record make it
 * run once per day across instances; the settlement's own run record makes a failed or killed run resume
 * where it stopped (Deno.cron retries a failure after the backoff).
 */
import { settleDay } from "../domain/lending/settlement.ts";
import { defineCronJob } from "./cron.ts";
import type { JobDeps } from "./deps.ts";
import { previousDay } from "./reconciliation.ts";

/** Settle the day before `runKey`; returns the job's detail. */
export async function settleForRunKey(deps: JobDeps, runKey: string): Promise<Record<string, unknown>> {
  const day = previousDay(runKey);
  const result = await settleDay(deps.sql, { outbox: deps.outbox }, { day });
  if (!result.ok) throw new Error(`settlement of ${day}: ${result.code}`);
  return {
    day,
    alreadyDone: result.alreadyDone,
    ...Object.fromEntries(Object.entries(result.counts).map(([k, v]) => [k, Number(v)])),
  };
}

/** Daily at 00:30 Asia/Shanghai (16:30 UTC the day before). */
export const settlementJob = defineCronJob({
  name: "loan_settlement",
  schedule: "30 16 * * *",
  staleAfterMs: 6 * 3_600_000,
  run: (deps, runKey) => settleForRunKey(deps, runKey),
});
