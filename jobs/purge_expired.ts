/**
 * Cron job `purge_expired`: once a day, delete expired SMS codes, expired sessions and stale rate-limit
 * counters. The retention rules and the bounded, set-based deletes live with each table's domain module;
 * this job only calls them and records the counts in `job_runs.detail`.
 */
import type { Db } from "../db/tx.ts";
import { purgeRateLimits } from "../domain/accounts/rate_limit.ts";
import { purgeExpiredSessions } from "../domain/accounts/session.ts";
import { purgeSmsCodes } from "../domain/accounts/sms_code.ts";
import { defineCronJob } from "./cron.ts";

/** Counts of one purge. */
export interface PurgeCounts {
  smsCodes: number;
  sessions: number;
  rateLimits: number;
}

/** Run every purge of the domain once, at `now`. */
export async function purgeExpired(db: Db, now: Date = new Date()): Promise<PurgeCounts> {
  return {
    smsCodes: await purgeSmsCodes(db, now),
    sessions: await purgeExpiredSessions(db, now),
    rateLimits: await purgeRateLimits(db, now),
  };
}

/** Daily at 03:00 Asia/Shanghai (19:00 UTC). */
export const purgeExpiredJob = defineCronJob({
  name: "purge_expired",
  schedule: "0 19 * * *",
  async run(deps) {
    return { ...await purgeExpired(deps.sql) };
  },
});
