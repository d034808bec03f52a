/**
 * A secret check with a failure lockout (交易密码, re-entering the login password inside a session): the
 * attempt is counted *before* the slow check in its own short transaction (so a burst of parallel guesses
 * gets at most `rule.maxFailures` checks), refused while the key is locked, and forgotten after a success.
 * @module
 */
import { type Db, transaction } from "../../db/tx.ts";
import { type LockoutRule, reserveAttempts, type ReserveResult, resetFailures } from "./rate_limit.ts";

/** Outcome of {@link guardedCheck}. */
export type GuardedCheckResult =
  | { ok: true }
  | { ok: false; code: "wrong"; attemptsLeft: number; lockedUntil?: Date }
  | { ok: false; code: "locked"; lockedUntil: Date };

/**
 * Count one attempt on `key`, run `check` (outside any transaction), and reset the key when it passes.
 * The failure that reaches `rule.maxFailures` answers `wrong` with `attemptsLeft: 0` and the lock's end.
 */
export async function guardedCheck(
  db: Db,
  key: string,
  rule: LockoutRule,
  check: () => Promise<boolean>,
  now: Date = new Date(),
): Promise<GuardedCheckResult> {
  const reserved = await transaction(db, async (tx, rollback): Promise<ReserveResult> => {
    const r = await reserveAttempts(tx, [{ key, rule }], now);
    return r.ok ? r : rollback(r);
  });
  if (!reserved.ok) {
    return {
      ok: false,
      code: "locked",
      lockedUntil: new Date(now.getTime() + reserved.retryAfterSeconds * 1000),
    };
  }
  if (await check()) {
    await transaction(db, (tx) => resetFailures(tx, key));
    return { ok: true };
  }
  const r = reserved.results[0];
  return r.lockedUntil
    ? { ok: false, code: "wrong", attemptsLeft: 0, lockedUntil: r.lockedUntil }
    : { ok: false, code: "wrong", attemptsLeft: r.remaining };
}

/** Minutes (at least 1) until `until`, for 「请 N 分钟后再试」. */
export function minutesUntil(until: Date, now: Date = new Date()): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));
}
