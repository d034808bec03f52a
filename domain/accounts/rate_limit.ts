/** Whole minutes (at least 1) of a lock, for messages like 「请 15 分钟后再试」. */
export function lockMinutes(retryAfterSeconds: number): number {
  return Math.max(1, Math.ceil(retryAfterSeconds / 60));
}

/**
 * Fixed-window rate limits kept in the `rate_limits` table, one row per key (`acct:<phone_hash>`,
 * `staff:<username>`, `ip:<address>`, `sms:<purpose>:<phone_hash>`, …). Every change is a single
 * conditional upsert, so concurrent requests cannot both slip under a limit.
 *
 * Three uses:
 * - **quotas** ({@link consumeQuota}): at most `limit` events per window; an event over the limit is
 *   refused and not counted (SMS sending).
 * - **failure lockouts** ({@link checkLock}, {@link resetFailures}): count failures in a window; reaching
 *   `maxFailures` locks the key for `lockSeconds`.
 * - **attempt reservations** ({@link reserveAttempts}, {@link refundAttempt}) for logins: an attempt is
 *   counted as a failure *before* the password is checked, and refused when the key is locked, so
 *   concurrent guesses can never get more than `maxFailures` password checks per window (a check-then-
 *   count scheme lets a burst of parallel guesses all pass the check). A success then resets or refunds.
 */
import { type BatchLimits, deleteInBatches } from "../../db/batches.ts";
import type { Db, Queryable, Tx } from "../../db/tx.ts";

/** A quota: at most `limit` events per `windowSeconds`. */
export interface QuotaRule {
  limit: number;
  windowSeconds: number;
}

/** A lockout rule: `maxFailures` within `windowSeconds` locks the key for `lockSeconds`. */
export interface LockoutRule {
  maxFailures: number;
  windowSeconds: number;
  lockSeconds: number;
}

/** Outcome of {@link consumeQuota}. */
export type QuotaResult =
  | { ok: true; count: number; remaining: number }
  | { ok: false; retryAfterSeconds: number };

function secondsUntil(later: Date, now: Date): number {
  return Math.max(1, Math.ceil((later.getTime() - now.getTime()) / 1000));
}

/**
 * Count one event against a quota. Refused events are not counted.
 * Use inside a transaction to consume several quotas all-or-nothing.
 */
export async function consumeQuota(
  db: Tx,
  key: string,
  rule: QuotaRule,
  now: Date = new Date(),
): Promise<QuotaResult> {
  const cutoff = new Date(now.getTime() - rule.windowSeconds * 1000);
  const rows = await db<{ count: number }[]>`
    insert into rate_limits as r (key, window_started_at, count, locked_until, updated_at)
    values (${key}, ${now}, 1, null, ${now})
    on conflict (key) do update set
      window_started_at = case when r.window_started_at <= ${cutoff} then ${now} else r.window_started_at end,
      count = case when r.window_started_at <= ${cutoff} then 1 else r.count + 1 end,
      updated_at = ${now}
    where r.window_started_at <= ${cutoff} or r.count < ${rule.limit}
    returning count`;
  if (rows.length > 0) {
    return { ok: true, count: rows[0].count, remaining: Math.max(0, rule.limit - rows[0].count) };
  }
  const [row] = await db<{ window_started_at: Date }[]>`
    select window_started_at from rate_limits where key = ${key}`;
  const windowEnd = new Date((row?.window_started_at ?? now).getTime() + rule.windowSeconds * 1000);
  return { ok: false, retryAfterSeconds: secondsUntil(windowEnd, now) };
}

/**
 * Count one event against every quota in `entries` (skipping those whose key is `null`, e.g. no client IP).
 * All-or-nothing only together with the caller's transaction: when any quota refuses, the answer carries
 * the longest wait and the caller must roll back, so the quotas counted before the refusing one do not
 * stay counted.
 */
export async function consumeQuotas(
  tx: Tx,
  entries: readonly (readonly [key: string | null, rule: QuotaRule])[],
  now: Date = new Date(),
): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
  let retryAfterSeconds = 0;
  for (const [key, rule] of entries) {
    if (key === null) continue;
    const q = await consumeQuota(tx, key, rule, now);
    if (!q.ok) retryAfterSeconds = Math.max(retryAfterSeconds, q.retryAfterSeconds);
  }
  return retryAfterSeconds > 0 ? { ok: false, retryAfterSeconds } : { ok: true };
}

/** Outcome of {@link checkLock}. */
export type LockState = { locked: false } | { locked: true; key: string; retryAfterSeconds: number };

/** Whether any of the keys is locked now; reports the one that stays locked longest. */
export async function checkLock(
  db: Queryable,
  keys: readonly string[],
  now: Date = new Date(),
): Promise<LockState> {
  if (keys.length === 0) return { locked: false };
  const rows = await db<{ key: string; locked_until: Date }[]>`
    select key, locked_until from rate_limits
    where key = any(${keys as string[]}) and locked_until > ${now}
    order by locked_until desc limit 1`;
  if (rows.length === 0) return { locked: false };
  return { locked: true, key: rows[0].key, retryAfterSeconds: secondsUntil(rows[0].locked_until, now) };
}

/** The upsert that counts one failure for `key` (for {@link reserveAttempts}). */
function countFailure(db: Tx, key: string, rule: LockoutRule, now: Date, onlyWhenUnlocked: boolean) {
  const cutoff = new Date(now.getTime() - rule.windowSeconds * 1000);
  const lockUntil = new Date(now.getTime() + rule.lockSeconds * 1000);
  const firstLock = rule.maxFailures <= 1 ? lockUntil : null;
  const unlocked = onlyWhenUnlocked ? db`where r.locked_until is null or r.locked_until <= ${now}` : db``;
  // In ON CONFLICT … SET every r.* is the old row, so "restart" and the new count are spelled out.
  return db<{ count: number; locked_until: Date | null }[]>`
    insert into rate_limits as r (key, window_started_at, count, locked_until, updated_at)
    values (${key}, ${now}, 1, ${firstLock}, ${now})
    on conflict (key) do update set
      window_started_at = case
        when r.window_started_at <= ${cutoff} or r.locked_until <= ${now} then ${now}
        else r.window_started_at end,
      count = case
        when r.window_started_at <= ${cutoff} or r.locked_until <= ${now} then 1
        else r.count + 1 end,
      locked_until = case
        when (case when r.window_started_at <= ${cutoff} or r.locked_until <= ${now} then 1
                   else r.count + 1 end) >= ${rule.maxFailures} then ${lockUntil}::timestamptz
        when r.window_started_at <= ${cutoff} or r.locked_until <= ${now} then null
        else r.locked_until end,
      updated_at = ${now}
    ${unlocked}
    returning count, locked_until`;
}

/** Outcome of {@link recordFailure}: failures so far in the window, and the lock if this one set it. */
export interface FailureResult {
  count: number;
  remaining: number;
  lockedUntil: Date | null;
}

/** Outcome of {@link reserveAttempts}. */
export type ReserveResult =
  | { ok: true; results: FailureResult[] }
  | { ok: false; retryAfterSeconds: number; lockedKey: string | null };

/**
 * Reserve one attempt on every key inside the caller's transaction (take keys in a fixed order): each key's
 * failure count goes up by one *before* the caller checks the password, unless a key is locked — then the
 * answer is `ok: false` with the longest remaining lock and the key that has it, and the caller must roll back (the keys counted
 * before the locked one must not stay counted). `results[i]` describes `entries[i]` after this attempt
 * (its `lockedUntil` is set when this attempt reached `maxFailures`). After a successful check, call
 * {@link resetFailures} and/or {@link refundAttempt}.
 */
export async function reserveAttempts(
  tx: Tx,
  entries: readonly { key: string; rule: LockoutRule }[],
  now: Date = new Date(),
): Promise<ReserveResult> {
  const results: FailureResult[] = [];
  for (const { key, rule } of entries) {
    const [row] = await countFailure(tx, key, rule, now, true);
    if (!row) {
      const lock = await checkLock(tx, entries.map((e) => e.key), now);
      return lock.locked
        ? { ok: false, retryAfterSeconds: lock.retryAfterSeconds, lockedKey: lock.key }
        : { ok: false, retryAfterSeconds: 1, lockedKey: key };
    }
    results.push({
      count: row.count,
      remaining: Math.max(0, rule.maxFailures - row.count),
      lockedUntil: row.count >= rule.maxFailures ? row.locked_until : null,
    });
  }
  return { ok: true, results };
}

/**
 * Give back an attempt reserved by {@link reserveAttempts} that turned out not to be a failure (a
 * successful login, for keys that are not simply reset, such as the client IP). Lifts the lock when the
 * count falls below `maxFailures` again.
 */
export async function refundAttempt(db: Tx, key: string, rule: LockoutRule): Promise<void> {
  await db`
    update rate_limits set
      count = greatest(count - 1, 0),
      locked_until = case when count - 1 < ${rule.maxFailures} then null else locked_until end
    where key = ${key}`;
}

/** Forget a key's failures and lock (after a successful login). */
export async function resetFailures(db: Tx, key: string): Promise<void> {
  await db`delete from rate_limits where key = ${key}`;
}

/**
 * Counters untouched this long (and not locked) are deleted by {@link purgeRateLimits}: longer than the
 * longest window (one day, SMS codes per phone), so no limit is forgotten early.
 */
export const RATE_LIMIT_RETENTION_SECONDS = 2 * 24 * 3600;

/**
 * Delete counters idle for {@link RATE_LIMIT_RETENTION_SECONDS} whose lock (if any) has ended, in bounded
 * batches (the daily purge job). Returns how many.
 */
export function purgeRateLimits(db: Db, now: Date = new Date(), limits?: BatchLimits): Promise<number> {
  const before = new Date(now.getTime() - RATE_LIMIT_RETENTION_SECONDS * 1000);
  return deleteInBatches((limit) =>
    db`
      delete from rate_limits where key in (
        select key from rate_limits
        where updated_at < ${before} and (locked_until is null or locked_until < ${now})
        limit ${limit})`, limits);
}
