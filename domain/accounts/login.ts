/**
 * User log-in (登录) with phone and password, through the shared log-in core.
 * @module
 */
import type { Db } from "../../db/tx.ts";
import { userDisplayName } from "./display_name.ts";
import { authenticate, type LoginAccount } from "./login_core.ts";
import { normalizePhone } from "./phone.ts";
import { maskPhone, type PiiCipher } from "./pii.ts";
import { lockMinutes, type LockoutRule } from "./rate_limit.ts";
import type { SessionUser } from "./session_subject.ts";

/** Failed logins per account: 5 in 15 minutes locks it for 15 minutes. */
export const ACCOUNT_LOCKOUT: LockoutRule = { maxFailures: 5, windowSeconds: 900, lockSeconds: 900 };

/** Outcome of {@link loginUser}. */
export type LoginResult =
  | { ok: true; sessionId: string; expiresAt: Date; user: SessionUser }
  | { ok: false; code: "invalid_credentials"; remainingAttempts: number }
  | { ok: false; code: "locked"; retryAfterSeconds: number }
  | { ok: false; code: "account_disabled" };

/** Chinese messages for log-in outcomes. `locked` takes the minutes left. */
export const LOGIN_MESSAGES = {
  invalid_credentials: (remainingAttempts: number) =>
    remainingAttempts > 0 ? `手机号或密码错误，还可尝试 ${remainingAttempts} 次` : "手机号或密码错误",
  locked: (retryAfterSeconds: number) => `账户已锁定，请 ${lockMinutes(retryAfterSeconds)} 分钟后再试`,
  account_disabled: () => "该账户已停用，请联系客服",
} as const;

/** The Chinese message for a failed log-in. */
export function loginErrorMessage(result: Exclude<LoginResult, { ok: true }>): string {
  switch (result.code) {
    case "invalid_credentials":
      return LOGIN_MESSAGES.invalid_credentials(result.remainingAttempts);
    case "locked":
      return LOGIN_MESSAGES.locked(result.retryAfterSeconds);
    case "account_disabled":
      return LOGIN_MESSAGES.account_disabled();
  }
}

/** Dependencies of {@link loginUser}. */
export interface LoginDeps {
  cipher: PiiCipher;
  now?: Date;
}

/**
 * Log in with phone and password (5 failures per account / 20 per IP in 15 minutes lock for 15 minutes;
 * see `authenticate` for how attempts are counted). On success `previousSessionId` (if any) is destroyed
 * and a new session created.
 */
export async function loginUser(
  db: Db,
  input: {
    phone: string;
    password: string;
    ip: string | null;
    userAgent: string | null;
    previousSessionId?: string | null;
  },
  deps: LoginDeps,
): Promise<LoginResult> {
  const phone = normalizePhone(String(input.phone ?? ""));
  const phoneHash = phone ? await deps.cipher.hash(phone) : null;
  const result = await authenticate(db, {
    subjectType: "user",
    accountKey: phoneHash ? `acct:${phoneHash}` : null,
    accountRule: ACCOUNT_LOCKOUT,
    ip: input.ip,
    userAgent: input.userAgent,
    password: String(input.password ?? ""),
    previousSessionId: input.previousSessionId,
    now: deps.now ?? new Date(),
    find: async (q) => {
      if (!phoneHash) return null;
      const [row] = await q<(LoginAccount & { kind: "investor" | "borrower"; displayName: string | null })[]>`
        select id, kind, display_name as "displayName", password_hash as "passwordHash", status
        from users where phone_hash = ${phoneHash}`;
      return row ?? null;
    },
  });
  if (!result.ok) return result;
  const { account, session } = result;
  return {
    ok: true,
    sessionId: session.sessionId,
    expiresAt: session.expiresAt,
    user: {
      id: account.id,
      kind: account.kind,
      phoneMasked: maskPhone(phone!),
      displayName: userDisplayName(account.displayName, phone!),
    },
  };
}
