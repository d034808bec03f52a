/**
 * Cron job `custody_reconciliation`: once a day (02:00 Asia/Shanghai), reconcile the previous day's custody
 * bank statement against the ledger (domain/payments/reconciliation.ts) and mark unpaid top-up orders past
 * their expiry as expired. The cron registry's advisory lock and `job_runs` record make it run once per
 * day across instances; the run and its differences are stored for /admin/finance/reconciliation.
 */
import { expireTopUpOrders } from "../domain/payments/top_up.ts";
import { runReconciliation } from "../domain/payments/reconciliation.ts";
import { formatShanghaiDate } from "../domain/shared/shanghai_time.ts";
import { defineCronJob } from "./cron.ts";
import type { JobDeps } from "./deps.ts";

/** The Asia/Shanghai day before `runKey` (`YYYY-MM-DD`). */
export function previousDay(runKey: string): string {
  const start = new Date(`${runKey}T00:00:00+08:00`);
  return formatShanghaiDate(new Date(start.getTime() - 12 * 3600 * 1000));
}

/** Reconcile the day before `runKey` and expire unpaid top-ups; returns the job's detail. */
export async function reconcileDay(deps: JobDeps, runKey: string): Promise<Record<string, unknown>> {
  const expired = await expireTopUpOrders(deps.sql);
  const date = previousDay(runKey);
  const result = await runReconciliation(deps.sql, { custody: deps.gateways.custody }, { date });
  if (!result.ok) throw new Error(`reconciliation of ${date}: ${result.code}`);
  return { date, runId: result.runId, differences: result.differenceCount, expiredTopUps: expired };
}

/** Daily at 02:00 Asia/Shanghai (18:00 UTC). */
export const reconciliationJob = defineCronJob({
  name: "custody_reconciliation",
  schedule: "0 18 * * *",
  run: (deps, runKey) => reconcileDay(deps, runKey),
});
