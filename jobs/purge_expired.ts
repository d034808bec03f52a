/**
 * Cron job `purge_expired`: once a day, delete expired SMS codes, expired sessions and stale rate-limit
 * counters. Set-based deletes in bounded batches; the counts go to `job_runs.detail`.
 */
import type { Db } from "../db/tx.ts";
import { defineCronJob } from "./cron.ts";

/** Rows deleted per statement. */
export const PURGE_BATCH_SIZE = 5_000;
/** Most batches per table per run (so one run deletes at most 1,000,000 rows per table). */
export const PURGE_MAX_BATCHES = 200;
/** SMS codes are kept this long after they expire (so "验证码已过期" can still be told apart). */
export const SMS_CODE_RETENTION = "1 hour";
/**
 * Rate-limit counters untouched this long (and not locked) are deleted: longer than the longest window
 * (one day, SMS codes per phone), so no limit is forgotten early.
 */
export const RATE_LIMIT_RETENTION = "2 days";

/** Counts of one purge. */
export interface PurgeCounts {
  smsCodes: number;
  sessions: number;
  rateLimits: number;
}

/**
 * Delete expired SMS codes (expired longer than {@link SMS_CODE_RETENTION} ago), expired sessions and
 * rate-limit counters idle for {@link RATE_LIMIT_RETENTION}.
 */
export async function purgeExpired(sql: Db): Promise<PurgeCounts> {
  let smsCodes = 0;
  for (let i = 0; i < PURGE_MAX_BATCHES; i++) {
    const deleted = await sql`
      delete from sms_codes where id in (
        select id from sms_codes where expires_at < now() - ${SMS_CODE_RETENTION}::interval
        limit ${PURGE_BATCH_SIZE})`;
    smsCodes += deleted.count;
    if (deleted.count < PURGE_BATCH_SIZE) break;
  }
  let sessions = 0;
  for (let i = 0; i < PURGE_MAX_BATCHES; i++) {
    const deleted = await sql`
      delete from sessions where id_hash in (
        select id_hash from sessions where expires_at < now() limit ${PURGE_BATCH_SIZE})`;
    sessions += deleted.count;
    if (deleted.count < PURGE_BATCH_SIZE) break;
  }
  let rateLimits = 0;
  for (let i = 0; i < PURGE_MAX_BATCHES; i++) {
    const deleted = await sql`
      delete from rate_limits where key in (
        select key from rate_limits
        where updated_at < now() - ${RATE_LIMIT_RETENTION}::interval and (locked_until is null or locked_until < now())
        limit ${PURGE_BATCH_SIZE})`;
    rateLimits += deleted.count;
    if (deleted.count < PURGE_BATCH_SIZE) break;
  }
  return { smsCodes, sessions, rateLimits };
}

/** Daily at 03:00 Asia/Shanghai (19:00 UTC). */
export const purgeExpiredJob = defineCronJob({
  name: "purge_expired",
  schedule: "0 19 * * *",
  async run(deps) {
    return { ...await purgeExpired(deps.sql) };
  },
});
