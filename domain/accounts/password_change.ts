/**
 * 修改登录密码 (signed in, with the old password) and 找回密码 (`/reset-password`: phone + SMS code + new
 * password). Both apply the registration policy (`validatePassword`, the phone counts against it), end
 * sessions (a change keeps the current one, under a new id; a reset ends all) and notify the user
 * (`password_changed`: message centre + SMS).
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import { type Db, transaction } from "../../db/tx.ts";
import { notify } from "../messaging/notifications.ts";
import type { SecurityLog } from "../shared/security_log.ts";
import { accountLockKey, type SendLoginCodeOutcome, sendRegisteredPhoneCode } from "./login.ts";
import { hashPassword, PASSWORD_MAX_CHARS, validatePassword, verifyPassword } from "./password.ts";
import { normalizePhone } from "./phone.ts";
import type { PiiCipher } from "./pii.ts";
import { consumeQuotas, type QuotaRule, resetFailures } from "./rate_limit.ts";
import { loginPasswordProblem, userPhone } from "./reauth.ts";
import { type CreatedSession, destroySessionsFor, renewUserSessions } from "./session.ts";
import { SMS_CODE_MESSAGES, verifySmsCode } from "./sms_code.ts";

/** Chinese messages of both flows. */
export const PASSWORD_CHANGE_MESSAGES = {
  old_required: "请输入当前登录密码",
  new_required: "请设置新密码",
  mismatch: "两次输入的密码不一致",
  same_as_old: "新密码不能与当前密码相同",
  invalid_phone: SMS_CODE_MESSAGES.invalid_phone,
  code_required: "请输入 6 位数字短信验证码",
  throttled: (retryAfterSeconds: number) =>
    `操作过于频繁，请 ${Math.max(1, Math.ceil(retryAfterSeconds / 60))} 分钟后再试`,
} as const;

function newPasswordProblems(
  newPassword: string,
  confirm: string,
  phone: string | null,
): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  if (newPassword === "") fields.newPassword = [PASSWORD_CHANGE_MESSAGES.new_required];
  else {
    const weak = validatePassword(newPassword.slice(0, PASSWORD_MAX_CHARS * 2), phone ? [phone] : []);
    if (weak.length > 0) {
      fields.newPassword = [weak.length > 1 ? `${weak[0]}。${weak.slice(1).join("")}` : weak[0]];
    } else if (newPassword !== confirm) fields.confirm = [PASSWORD_CHANGE_MESSAGES.mismatch];
  }
  return fields;
}

/** Outcome of {@link changePassword}. */
export type ChangePasswordResult =
  | { ok: true; session: CreatedSession; sessionsEnded: number }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> }
  | { ok: false; code: "not_found" };

/**
 * The command 修改登录密码: the old password (rate-limited like every re-check: 5 wrong in 15 minutes
 * lock it), the new one by the registration policy and its confirmation, not equal to the old. In one
 * transaction: store the hash, end every session of the user and open a new one for this browser (the
 * current session continues under a new id), notify `password_changed`.
 *
 * Codes: `invalid_input` (fields: oldPassword, newPassword, confirm), `not_found`.
 */
export async function changePassword(
  db: Db,
  input: {
    userId: string;
    oldPassword: string;
    newPassword: string;
    confirm: string;
    ip: string | null;
    userAgent: string | null;
  },
  deps: { cipher: PiiCipher; outbox: Outbox; now?: Date; bcryptCost?: number; securityLog?: SecurityLog },
): Promise<ChangePasswordResult> {
  const now = deps.now ?? new Date();
  const phone = await userPhone(db, deps.cipher, input.userId);
  if (!phone) return { ok: false, code: "not_found" };
  const fields = newPasswordProblems(input.newPassword, input.confirm, phone);
  if (input.oldPassword === "") fields.oldPassword = [PASSWORD_CHANGE_MESSAGES.old_required];
  if (Object.keys(fields).length > 0) return { ok: false, code: "invalid_input", fields };
  const wrong = await loginPasswordProblem(
    db,
    { userId: input.userId, password: input.oldPassword, field: "oldPassword" },
    now,
  );
  if (wrong) return wrong;
  if (input.newPassword === input.oldPassword) {
    return {
      ok: false,
      code: "invalid_input",
      fields: { newPassword: [PASSWORD_CHANGE_MESSAGES.same_as_old] },
    };
  }
  const hash = await hashPassword(input.newPassword, { cost: deps.bcryptCost });
  const result = await transaction(db, async (tx): Promise<ChangePasswordResult> => {
    await tx`update users set password_hash = ${hash} where id = ${input.userId}`;
    const { session, ended } = await renewUserSessions(tx, {
      userId: input.userId,
      ip: input.ip,
      userAgent: input.userAgent,
      now,
    });
    await notify(tx, deps.outbox, {
      userId: input.userId,
      kind: "password_changed",
      payload: { changedAt: now.toISOString() },
    });
    // the current session is replaced, not ended: count only the others
    return { ok: true, session, sessionsEnded: Math.max(0, ended - 1) };
  });
  if (result.ok) {
    deps.securityLog?.emit("password.changed", { subject: "user", userId: input.userId, method: "password" });
  }
  return result;
}

/** Reset attempts per phone from one IP: 10 per 15 minutes; per IP: 20 per 15 minutes. */
export const RESET_PER_PHONE_AND_IP: QuotaRule = { limit: 10, windowSeconds: 900 };
/** Reset attempts per IP. */
export const RESET_PER_IP: QuotaRule = { limit: 20, windowSeconds: 900 };

/** Outcome of {@link sendResetSmsCode}: the same for every valid phone, registered or not. */
export type SendResetCodeResult = SendLoginCodeOutcome;

/**
 * Send a 重置密码 code: a registered phone gets one, an unregistered one nothing — the answer is the same
 * (「验证码已发送」) within the same quotas, so nobody learns whether a phone has an account.
 */
export async function sendResetSmsCode(
  db: Db,
  input: { rawPhone: string; ip: string | null },
  deps: { outbox: Outbox; cipher: PiiCipher; now?: Date; generateCode?: () => string },
): Promise<SendResetCodeResult> {
  return await sendRegisteredPhoneCode(db, { ...input, purpose: "reset_password" }, deps);
}

/** Outcome of {@link resetPassword}. */
export type ResetPasswordResult =
  | { ok: true; userId: string; sessionsEnded: number }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> }
  | { ok: false; code: "throttled"; retryAfterSeconds: number };

/**
 * The command 找回密码: phone + SMS code (purpose `reset_password`) + new password. Nothing is said about
 * the phone before the code is proven (an unregistered phone never has a code: `smsCode` 「验证码错误」 like
 * any wrong code). Attempts are limited per phone from one IP and per IP; a wrong guess is counted on the
 * code. Then the policy check and the hash (outside any transaction), and one transaction: use the code,
 * store the hash, lift the account's password lock, end *all* sessions, notify `password_changed`.
 *
 * Codes: `invalid_input` (fields: phone, smsCode, newPassword, confirm), `throttled`.
 */
export async function resetPassword(
  db: Db,
  input: { phone: string; smsCode: string; newPassword: string; confirm: string; ip: string | null },
  deps: { cipher: PiiCipher; outbox: Outbox; now?: Date; bcryptCost?: number; securityLog?: SecurityLog },
): Promise<ResetPasswordResult> {
  const now = deps.now ?? new Date();
  const phone = normalizePhone(String(input.phone ?? ""));
  const code = String(input.smsCode ?? "").trim();
  const fields: Record<string, string[]> = {};
  if (!phone) fields.phone = [PASSWORD_CHANGE_MESSAGES.invalid_phone];
  if (!/^\d{6}$/.test(code)) fields.smsCode = [PASSWORD_CHANGE_MESSAGES.code_required];
  if (input.newPassword === "") fields.newPassword = [PASSWORD_CHANGE_MESSAGES.new_required];
  if (Object.keys(fields).length > 0) return { ok: false, code: "invalid_input", fields };
  const phoneHash = await deps.cipher.hash(phone!);
  const sms = { phone: phone!, purpose: "reset_password" as const, code };

  type Early = Exclude<ResetPasswordResult, { ok: true }> | null;
  const checked = await transaction(db, async (tx, rollback): Promise<Early> => {
    const quota = await consumeQuotas(tx, [
      [`reset:${phoneHash}:${input.ip ?? ""}`, RESET_PER_PHONE_AND_IP],
      [input.ip ? `resetip:${input.ip}` : null, RESET_PER_IP],
    ], now);
    if (!quota.ok) {
      return rollback({ ok: false, code: "throttled", retryAfterSeconds: quota.retryAfterSeconds });
    }
    const r = await verifySmsCode(tx, sms, { cipher: deps.cipher, now, consume: false });
    // a wrong guess is counted: commit
    return r.ok
      ? null
      : { ok: false, code: "invalid_input", fields: { smsCode: [SMS_CODE_MESSAGES[r.code]] } };
  });
  if (checked) return checked;

  const problems = newPasswordProblems(input.newPassword, input.confirm, phone);
  if (Object.keys(problems).length > 0) return { ok: false, code: "invalid_input", fields: problems };
  const hash = await hashPassword(input.newPassword, { cost: deps.bcryptCost });

  const result = await transaction(db, async (tx): Promise<ResetPasswordResult> => {
    const r = await verifySmsCode(tx, sms, { cipher: deps.cipher, now });
    if (!r.ok) return { ok: false, code: "invalid_input", fields: { smsCode: [SMS_CODE_MESSAGES[r.code]] } };
    const [user] = await tx<{ id: string; passwordHash: string | null }[]>`
      select id, password_hash as "passwordHash" from users where phone_hash = ${phoneHash} for update`;
    // codes go only to registered phones; a user deleted meanwhile reads like a wrong code
    if (!user) {
      return { ok: false, code: "invalid_input", fields: { smsCode: [SMS_CODE_MESSAGES.invalid_code] } };
    }
    await tx`update users set password_hash = ${hash} where id = ${user.id}`;
    await resetFailures(tx, accountLockKey(phoneHash));
    const sessionsEnded = await destroySessionsFor(tx, "user", user.id);
    await notify(tx, deps.outbox, {
      userId: user.id,
      kind: "password_changed",
      payload: { changedAt: now.toISOString() },
    });
    return { ok: true, userId: user.id, sessionsEnded };
  });
  if (result.ok) {
    deps.securityLog?.emit("password.changed", { subject: "user", userId: result.userId, method: "sms" });
  }
  return result;
}

/** Whether `password` is the user's login password (no rate limit: tests). */
export async function isLoginPassword(db: Db, userId: string, password: string): Promise<boolean> {
  const [row] = await db<{ h: string | null }[]>`select password_hash as h from users where id = ${userId}`;
  return row?.h ? await verifyPassword(password, row.h) : false;
}
