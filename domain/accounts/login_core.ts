/**
 * The one log-in core shared by users (`loginUser`) and staff (`loginStaff`): rate limits counted before
 * the password check, one bcrypt verification whether or not the account exists, and on success a rotated
 * session. Each caller supplies how to find the account and what to record on failure or success.
 * @module
 */
import { type Db, type Queryable, transaction, type Tx } from "../../db/tx.ts";
import { dummyVerify, verifyPassword } from "./password.ts";
import {
  lockMinutes,
  type LockoutRule,
  refundAttempt,
  reserveAttempts,
  type ReserveResult,
  resetFailures,
} from "./rate_limit.ts";
import { canLogIn, type CreatedSession, rotateSession, type SubjectType } from "./session.ts";
import type { SecurityEventFields, SecurityLog } from "../shared/security_log.ts";
import type { CreatedPending } from "./pending_login.ts";

/** Failed logins per IP (users and staff together): 20 in 15 minutes locks the IP for 15 minutes. */
export const IP_LOCKOUT: LockoutRule = { maxFailures: 20, windowSeconds: 900, lockSeconds: 900 };

/** What the core needs to know of an account. */
export interface LoginAccount {
  id: string;
  /** `null` for an account without a password (it can never log in with one). */
  passwordHash: string | null;
  status: string;
}

/**
 * Which key a lock is on: the account (5 failures for it, from anywhere — its owner can lift it by proving
 * the phone) or the client IP (20 failures from this network, any accounts).
 */
export type LockScope = "account" | "ip";

/** Outcome of {@link authenticate}. */
export type AuthenticateResult<A extends LoginAccount> =
  | { ok: true; account: A; session: CreatedSession; pending?: undefined }
  | { ok: true; account: A; pending: CreatedPending; session?: undefined }
  | { ok: false; code: "invalid_credentials"; remainingAttempts: number }
  | { ok: false; code: "locked"; retryAfterSeconds: number; scope: LockScope }
  | { ok: false; code: "account_disabled" };

/** A failed {@link authenticate}. */
export type AuthenticateFailure = Exclude<AuthenticateResult<LoginAccount>, { ok: true }>;

/** The Chinese wording of each failure, per audience (users, staff). */
export interface LoginFailureMessages {
  invalid_credentials(remainingAttempts: number): string;
  locked(retryAfterSeconds: number, scope: LockScope): string;
  account_disabled(): string;
}

/** The lock of the client's network (the per-IP key), worded the same for users and staff. */
export function networkLockedMessage(retryAfterSeconds: number): string {
  return `该网络登录尝试过多，请 ${lockMinutes(retryAfterSeconds)} 分钟后再试`;
}

/** The message for a failed log-in, in the audience's wording. */
export function loginFailureMessage(messages: LoginFailureMessages, failure: AuthenticateFailure): string {
  switch (failure.code) {
    case "invalid_credentials":
      return messages.invalid_credentials(failure.remainingAttempts);
    case "locked":
      return messages.locked(failure.retryAfterSeconds, failure.scope);
    case "account_disabled":
      return messages.account_disabled();
  }
}

/** Input of {@link authenticate}. */
export interface AuthenticateInput<A extends LoginAccount> {
  subjectType: SubjectType;
  /** Rate-limit key of the account as typed (`acct:<phone hash>`, `staff:<username>`); `null` if unusable. */
  accountKey: string | null;
  accountRule: LockoutRule;
  ip: string | null;
  userAgent: string | null;
  password: string;
  /** The session id the browser still carries, destroyed on success (no session fixation). */
  previousSessionId?: string | null;
  now: Date;
  /** Look the account up (outside any transaction). */
  find(db: Queryable): Promise<A | null>;
  /** Recorded in the failure's transaction (e.g. the staff audit entry); `failures` counts this one. */
  onFailure?(tx: Tx, account: A | null, failures: number): Promise<void>;
  /** Recorded in the success's transaction, after the new session exists (not when a step is pending). */
  onSuccess?(tx: Tx, account: A): Promise<void>;
  /**
   * In the success's transaction, before any session: a second step this log-in needs (a TOTP code, an
   * SMS code for a new device). When it returns one, no session is created and the previous one is kept.
   */
  secondStep?(tx: Tx, account: A): Promise<CreatedPending | null>;
  /** Where the log-in's security events go (`login.succeeded`, `login.failed`, `login.locked_out`, …). */
  securityLog?: SecurityLog;
  /** How the events name the account: its id when found, else a non-secret reference (keyed hash). */
  accountRef(account: A | null): SecurityEventFields;
}

/**
 * Check a password login. Locked account or IP keys are refused before any password check. Otherwise the
 * attempt is counted *before* the bcrypt check (one transaction), so concurrent guesses get at most
 * `accountRule.maxFailures` checks; an unknown account costs one bcrypt verification like a wrong password.
 * A right password is not a failure: the account's counter is reset and the IP's attempt given back; then
 * a disabled account answers `account_disabled`, an active one gets a new session replacing
 * `previousSessionId`.
 */
export async function authenticate<A extends LoginAccount>(
  db: Db,
  input: AuthenticateInput<A>,
): Promise<AuthenticateResult<A>> {
  const { now } = input;
  const ipKey = input.ip ? `ip:${input.ip}` : null;
  const entries = [
    ...(input.accountKey ? [{ key: input.accountKey, rule: input.accountRule }] : []),
    ...(ipKey ? [{ key: ipKey, rule: IP_LOCKOUT }] : []),
  ];
  const reserved = await transaction(db, async (tx, rollback): Promise<ReserveResult> => {
    const r = await reserveAttempts(tx, entries, now);
    // a locked key refuses the attempt: the keys counted before it must not stay counted
    return r.ok ? r : rollback(r);
  });
  const log = input.securityLog;
  if (!reserved.ok) {
    const scope: LockScope = reserved.lockedKey === ipKey ? "ip" : "account";
    log?.emit("login.refused_locked", {
      ...input.accountRef(await input.find(db)),
      method: "password",
      scope,
      retryAfterSeconds: reserved.retryAfterSeconds,
    });
    return { ok: false, code: "locked", retryAfterSeconds: reserved.retryAfterSeconds, scope };
  }
  const acct = input.accountKey ? reserved.results[0] : null;
  const ip = ipKey ? reserved.results[entries.length - 1] : null;

  const account = await input.find(db);
  const ref = input.accountRef(account);
  let valid = false;
  if (account?.passwordHash) valid = await verifyPassword(input.password, account.passwordHash);
  else await dummyVerify(input.password);

  if (!valid) {
    // The failure was counted by the reservation.
    if (input.onFailure) {
      await transaction(db, (tx) => input.onFailure!(tx, account, acct?.count ?? 0));
    }
    log?.emit("login.failed", { ...ref, method: "password", reason: "invalid_credentials" });
    // this failure reached a limit: the account's lock is the one its owner can act on, so it comes first
    const lock: [LockScope, Date] | null = acct?.lockedUntil
      ? ["account", acct.lockedUntil]
      : ip?.lockedUntil
      ? ["ip", ip.lockedUntil]
      : null;
    if (lock) {
      const retryAfterSeconds = Math.max(1, Math.ceil((lock[1].getTime() - now.getTime()) / 1000));
      log?.emit("login.locked_out", { ...ref, scope: lock[0], retryAfterSeconds });
      return { ok: false, code: "locked", retryAfterSeconds, scope: lock[0] };
    }
    return {
      ok: false,
      code: "invalid_credentials",
      remainingAttempts: Math.min(
        acct?.remaining ?? input.accountRule.maxFailures,
        ip?.remaining ?? Infinity,
      ),
    };
  }
  const notAFailure = async (tx: Tx) => {
    if (input.accountKey) await resetFailures(tx, input.accountKey);
    if (ipKey) await refundAttempt(tx, ipKey, IP_LOCKOUT);
  };
  const found = account!;
  if (!canLogIn(found.status)) {
    await transaction(db, notAFailure);
    log?.emit("login.failed", { ...ref, method: "password", reason: "account_disabled" });
    return { ok: false, code: "account_disabled" };
  }
  const done = await transaction(db, async (tx): Promise<AuthenticateResult<A>> => {
    await notAFailure(tx);
    const pending = input.secondStep ? await input.secondStep(tx, found) : null;
    if (pending) return { ok: true, account: found, pending };
    const session = await rotateSession(tx, input.previousSessionId, {
      subjectType: input.subjectType,
      subjectId: found.id,
      ip: input.ip,
      userAgent: input.userAgent,
      now,
    });
    await input.onSuccess?.(tx, found);
    return { ok: true as const, account: found, session };
  });
  if (done.ok && done.session) log?.emit("login.succeeded", { ...ref, method: "password" });
  return done;
}
