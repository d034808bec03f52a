/**
 * Re-authentication inside a session (再次验证身份): changing the trade password, the phone or the e-mail
 * asks again for the login password (5 wrong in 15 minutes lock this check for 15 minutes) or an SMS code
 * sent to the account's own phone.
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import type { Db, Queryable } from "../../db/tx.ts";
import { guardedCheck, type GuardedCheckResult, minutesUntil } from "./guarded_check.ts";
import { dummyVerify, verifyPassword } from "./password.ts";
import type { PiiCipher } from "./pii.ts";
import type { LockoutRule } from "./rate_limit.ts";
import { requestSmsCode, type SmsPurpose, throttledMessage } from "./sms_code.ts";

/** Wrong login passwords inside a session: 5 in 15 minutes lock re-authentication for 15 minutes. */
export const REAUTH_LOCKOUT: LockoutRule = { maxFailures: 5, windowSeconds: 900, lockSeconds: 900 };

/** Chinese messages of a failed login-password re-check. */
export const REAUTH_MESSAGES = {
  wrong: (attemptsLeft: number) =>
    attemptsLeft > 0 ? `登录密码错误，还可尝试 ${attemptsLeft} 次` : "登录密码错误次数过多，已暂时锁定",
  locked: (lockedUntil: Date, now: Date = new Date()) =>
    `登录密码错误次数过多，请 ${minutesUntil(lockedUntil, now)} 分钟后再试，或改用短信验证码`,
  required: "请输入登录密码",
} as const;

/** The message for a failed {@link checkLoginPassword}. */
export function reauthErrorMessage(result: Exclude<GuardedCheckResult, { ok: true }>, now?: Date): string {
  if (result.code === "locked") return REAUTH_MESSAGES.locked(result.lockedUntil, now);
  if (result.lockedUntil) return REAUTH_MESSAGES.locked(result.lockedUntil, now);
  return REAUTH_MESSAGES.wrong(result.attemptsLeft);
}

/** Check the signed-in user's login password again (rate-limited per user). */
export async function checkLoginPassword(
  db: Db,
  input: { userId: string; password: string },
  now: Date = new Date(),
): Promise<GuardedCheckResult> {
  return await guardedCheck(db, `reauth:${input.userId}`, REAUTH_LOCKOUT, async () => {
    const [row] = await db<{ passwordHash: string | null }[]>`
      select password_hash as "passwordHash" from users where id = ${input.userId} and status = 'active'`;
    if (!row?.passwordHash) {
      await dummyVerify(input.password);
      return false;
    }
    return await verifyPassword(input.password, row.passwordHash);
  }, now);
}

/**
 * {@link checkLoginPassword} as a form's answer: `null` when the password is right, else the
 * `invalid_input` outcome with the message on `field`.
 */
export async function loginPasswordProblem(
  db: Db,
  input: { userId: string; password: string; field: string },
  now: Date = new Date(),
): Promise<{ ok: false; code: "invalid_input"; fields: Record<string, string[]> } | null> {
  const checked = await checkLoginPassword(db, { userId: input.userId, password: input.password }, now);
  if (checked.ok) return null;
  return { ok: false, code: "invalid_input", fields: { [input.field]: [reauthErrorMessage(checked, now)] } };
}

/** The signed-in user's phone (decrypted), or `null` when the user is gone. */
export async function userPhone(db: Queryable, cipher: PiiCipher, userId: string): Promise<string | null> {
  const [row] = await db<
    { phoneEnc: Uint8Array }[]
  >`select phone_enc as "phoneEnc" from users where id = ${userId}`;
  return row ? await cipher.decrypt(row.phoneEnc) : null;
}

/** Outcome of {@link sendOwnSmsCode}. */
export type SendOwnCodeResult =
  | { ok: true; resendAfterSeconds: number }
  | { ok: false; code: "throttled"; retryAfterSeconds: number; message: string }
  | { ok: false; code: "not_found"; message: string };

/** Send an SMS code for `purpose` to the signed-in user's own phone (the usual SMS quotas apply). */
export async function sendOwnSmsCode(
  db: Db,
  input: { userId: string; purpose: SmsPurpose; ip: string | null },
  deps: { outbox: Outbox; cipher: PiiCipher; now?: Date; generateCode?: () => string },
): Promise<SendOwnCodeResult> {
  const phone = await userPhone(db, deps.cipher, input.userId);
  if (!phone) return { ok: false, code: "not_found", message: "账户不存在" };
  const sent = await requestSmsCode(db, { phone, purpose: input.purpose, ip: input.ip }, deps);
  if (sent.ok) return { ok: true, resendAfterSeconds: sent.resendAfterSeconds };
  if (sent.code === "throttled") {
    return {
      ok: false,
      code: "throttled",
      retryAfterSeconds: sent.retryAfterSeconds,
      message: throttledMessage(sent.retryAfterSeconds),
    };
  }
  return { ok: false, code: "not_found", message: "账户手机号无效" };
}
