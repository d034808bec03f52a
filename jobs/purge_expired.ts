/**
 * Cron job `purge_expired`: once a day, delete expired SMS codes, expired sessions, stale rate-limit
 * counters, finished outbox events, expired sandbox messages and delivered sandbox callbacks (those still
 * to be delivered stay). The retention rules and the bounded,
 * set-based deletes live with each table's own module; this job only calls them and records the counts
 * in `job_runs.detail`.
 */
import { purgeFinishedOutboxEvents } from "../db/outbox.ts";
import type { Db } from "../db/tx.ts";
import { purgeRateLimits } from "../domain/accounts/rate_limit.ts";
import { purgeExpiredSessions } from "../domain/accounts/session.ts";
import { purgeSmsCodes } from "../domain/accounts/sms_code.ts";
import { purgeAccountSecurityRows } from "../domain/accounts/pending_login.ts";
import type { SandboxMessageLog } from "../domain/gateways/mod.ts";
import { defineCronJob } from "./cron.ts";

/** Counts of one purge. */
export interface PurgeCounts {
  smsCodes: number;
  sessions: number;
  rateLimits: number;
  outboxEvents: number;
  sandboxMessages: number;
  /** Callbacks the sandbox bank and channels delivered more than a week ago. */
  sandboxCallbacks: number;
  /** Expired pending log-ins, old e-mail links and bid authorisations. */
  accountSecurity: number;
}

/** Run every purge once, at `now`. */
export async function purgeExpired(
  db: Db,
  sandboxLog: SandboxMessageLog | null,
  now: Date = new Date(),
): Promise<PurgeCounts> {
  return {
    smsCodes: await purgeSmsCodes(db, now),
    sessions: await purgeExpiredSessions(db, now),
    rateLimits: await purgeRateLimits(db, now),
    outboxEvents: await purgeFinishedOutboxEvents(db, now),
    sandboxMessages: sandboxLog ? await sandboxLog.purgeExpired(now) : 0,
    sandboxCallbacks: sandboxLog ? await sandboxLog.purgeCallbacks(now) : 0,
    accountSecurity: await purgeAccountSecurityRows(db, now),
  };
}

/** Daily at 03:00 Asia/Shanghai (19:00 UTC). */
export const purgeExpiredJob = defineCronJob({
  name: "purge_expired",
  schedule: "0 19 * * *",
  async run(deps) {
    return { ...await purgeExpired(deps.sql, deps.gateways.sandboxLog) };
  },
});
