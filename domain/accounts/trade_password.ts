/**
 * 交易密码 (trade password): 6 digits, separate from the login password, bcrypt-hashed (the same versioned
 * scheme as login passwords), asked before every money action. Checks are rate-limited per user: 5 wrong
 * in an hour lock the trade password for 30 minutes ({@link TRADE_PASSWORD_LOCKOUT}).
 *
 * Setting or changing it ({@link setTradePassword}) needs the login password again, or an SMS code to the
 * account's phone — plus the ID number when the user's identity is verified (the reset path, 忘记交易密码).
 *
 * Money commands: call {@link checkTradePassword} first (its own short transaction for the attempt
 * counter), then pass `tradePasswordVerified: true` into the money command.
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import { type Db, type Queryable, transaction } from "../../db/tx.ts";
import { notify } from "../messaging/notifications.ts";
import { guardedCheck, minutesUntil } from "./guarded_check.ts";
import { hashPassword, verifyPassword } from "./password.ts";
import type { PiiCipher } from "./pii.ts";
import type { LockoutRule } from "./rate_limit.ts";
import { loginPasswordProblem, userPhone } from "./reauth.ts";
import { SMS_CODE_MESSAGES, verifySmsCode } from "./sms_code.ts";

/** Wrong trade passwords: 5 within an hour lock it for 30 minutes. */
export const TRADE_PASSWORD_LOCKOUT: LockoutRule = { maxFailures: 5, windowSeconds: 3600, lockSeconds: 1800 };

/** The rate-limit key of a user's trade password checks. */
export function tradePasswordLockKey(userId: string): string {
  return `trade:${userId}`;
}

/** Outcome of {@link checkTradePassword}. */
export type TradePasswordCheck =
  | { ok: true }
  | { ok: false; code: "not_set" }
  | { ok: false; code: "wrong"; attemptsLeft: number; lockedUntil?: Date }
  | { ok: false; code: "locked"; lockedUntil: Date };

/** Chinese messages of the trade password. */
export const TRADE_PASSWORD_MESSAGES = {
  not_set: "您尚未设置交易密码，请先设置",
  wrong: (attemptsLeft: number) =>
    attemptsLeft > 0 ? `交易密码错误，还可尝试 ${attemptsLeft} 次` : "交易密码错误次数过多，已锁定",
  locked: (lockedUntil: Date, now: Date = new Date()) =>
    `交易密码错误次数过多，已锁定，请 ${minutesUntil(lockedUntil, now)} 分钟后再试，或重置交易密码`,
  required: "请输入交易密码",
  format: "交易密码为 6 位数字",
  mismatch: "两次输入的交易密码不一致",
  trivial: "交易密码过于简单（如 123456、111111），请换一个",
  phone_tail: "交易密码不能是手机号后 6 位",
  id_tail: "交易密码不能是身份证号后 6 位",
  same_as_old: "新交易密码不能与原交易密码相同",
} as const;

/** The message for a failed {@link checkTradePassword}. */
export function tradePasswordErrorMessage(
  result: Exclude<TradePasswordCheck, { ok: true }>,
  now?: Date,
): string {
  switch (result.code) {
    case "not_set":
      return TRADE_PASSWORD_MESSAGES.not_set;
    case "locked":
      return TRADE_PASSWORD_MESSAGES.locked(result.lockedUntil, now);
    case "wrong":
      return result.lockedUntil
        ? TRADE_PASSWORD_MESSAGES.locked(result.lockedUntil, now)
        : TRADE_PASSWORD_MESSAGES.wrong(result.attemptsLeft);
  }
}

/** The format: exactly 6 ASCII digits. */
export const TRADE_PASSWORD_PATTERN = /^\d{6}$/;

/** Six-digit passwords nobody should use: one digit repeated, runs up or down, short patterns repeated. */
export function isTrivialTradePassword(pw: string): boolean {
  if (!TRADE_PASSWORD_PATTERN.test(pw)) return false;
  const d = [...pw].map(Number);
  if (d.every((x) => x === d[0])) return true;
  const steps = d.slice(1).map((x, i) => (x - d[i] + 10) % 10);
  if (steps.every((s) => s === 1) || steps.every((s) => s === 9)) return true;
  // 121212, 123123, 112233
  if (pw.slice(0, 2).repeat(3) === pw || pw.slice(0, 3).repeat(2) === pw) return true;
  if (d[0] === d[1] && d[2] === d[3] && d[4] === d[5]) return true;
  return ["520520", "520131", "131420", "888999", "147258", "258369", "159357", "147369"].includes(pw);
}

/**
 * What is wrong with a new trade password (Chinese messages), or `[]`: the format, the confirmation, a
 * trivial choice, the last 6 digits of the phone or the ID number.
 */
export function tradePasswordProblems(
  pw: string,
  confirm: string,
  context: { phone?: string | null; idNumber?: string | null } = {},
): string[] {
  if (!TRADE_PASSWORD_PATTERN.test(pw)) return [TRADE_PASSWORD_MESSAGES.format];
  if (isTrivialTradePassword(pw)) return [TRADE_PASSWORD_MESSAGES.trivial];
  if (context.phone && context.phone.slice(-6) === pw) return [TRADE_PASSWORD_MESSAGES.phone_tail];
  if (context.idNumber && context.idNumber.slice(-6).toUpperCase() === pw) {
    return [TRADE_PASSWORD_MESSAGES.id_tail];
  }
  if (pw !== confirm) return [TRADE_PASSWORD_MESSAGES.mismatch];
  return [];
}

/** Whether the user has set a trade password, and when. */
export async function tradePasswordStatus(db: Queryable, userId: string): Promise<{ setAt: Date } | null> {
  const [row] = await db<
    { setAt: Date }[]
  >`select updated_at as "setAt" from trade_passwords where user_id = ${userId}`;
  return row ?? null;
}

/**
 * Check a user's trade password. 5 wrong within an hour lock it for 30 minutes (the 5th wrong answer says
 * `wrong` with `attemptsLeft: 0` and `lockedUntil`); while locked, no check runs (`locked`). A success
 * clears the counter. The attempt is counted in its own short transaction before the bcrypt check — call
 * this *before* the money command, not inside its transaction. `ip` is for the caller's log.
 */
export async function checkTradePassword(
  db: Db,
  input: { userId: string; password: string; ip?: string | null },
  options: { now?: Date } = {},
): Promise<TradePasswordCheck> {
  const now = options.now ?? new Date();
  const [row] = await db<{ passwordHash: string }[]>`
    select password_hash as "passwordHash" from trade_passwords where user_id = ${input.userId}`;
  if (!row) return { ok: false, code: "not_set" };
  const password = String(input.password ?? "");
  return await guardedCheck(
    db,
    tradePasswordLockKey(input.userId),
    TRADE_PASSWORD_LOCKOUT,
    async () => TRADE_PASSWORD_PATTERN.test(password) && await verifyPassword(password, row.passwordHash),
    now,
  );
}

/** How {@link setTradePassword} proves it is the account's owner. */
export type TradePasswordProof =
  | { method: "login_password"; loginPassword: string }
  | { method: "sms"; smsCode: string; idNumber?: string };

/** Outcome of {@link setTradePassword}. */
export type SetTradePasswordResult =
  | { ok: true; changed: boolean }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> }
  | { ok: false; code: "not_found" };

/** Dependencies of {@link setTradePassword}. */
export interface SetTradePasswordDeps {
  cipher: PiiCipher;
  outbox: Outbox;
  now?: Date;
  bcryptCost?: number;
  /**
   * The user's verified identity (`getVerifiedIdentity` of domain/identity), or `null` when not verified.
   * When it answers, the SMS path also needs the ID number. Absent: SMS code alone.
   */
  verifiedIdentity?: (userId: string) => Promise<{ idNumber: string } | null>;
}

/**
 * The command 设置 / 修改 / 重置交易密码. Proof of ownership: the login password (rate-limited, see
 * `checkLoginPassword`), or an SMS code (purpose `trade_password`) to the account's phone plus — when the
 * identity is verified — the ID number. The new password must pass {@link tradePasswordProblems}. On
 * success the hash is stored, the lock lifted, open bid authorisations closed and the user notified.
 *
 * Codes: `invalid_input` (fields: newPassword, confirm, loginPassword, smsCode, idNumber), `not_found`.
 */
export async function setTradePassword(
  db: Db,
  input: {
    userId: string;
    newPassword: string;
    confirm: string;
    proof: TradePasswordProof;
    ip: string | null;
  },
  deps: SetTradePasswordDeps,
): Promise<SetTradePasswordResult> {
  const now = deps.now ?? new Date();
  const phone = await userPhone(db, deps.cipher, input.userId);
  if (!phone) return { ok: false, code: "not_found" };
  const identity = deps.verifiedIdentity ? await deps.verifiedIdentity(input.userId) : null;
  const fields: Record<string, string[]> = {};
  const problems = tradePasswordProblems(input.newPassword, input.confirm, {
    phone,
    idNumber: identity?.idNumber,
  });
  if (problems.length > 0) {
    fields[problems[0] === TRADE_PASSWORD_MESSAGES.mismatch ? "confirm" : "newPassword"] = problems;
  }
  const proof = input.proof;
  if (proof.method === "login_password" && proof.loginPassword === "") {
    fields.loginPassword = ["请输入登录密码"];
  }
  if (proof.method === "sms") {
    if (!/^\d{6}$/.test(proof.smsCode)) fields.smsCode = ["请输入 6 位数字短信验证码"];
    if (identity) {
      const typed = (proof.idNumber ?? "").trim().toUpperCase();
      if (typed === "") fields.idNumber = ["请输入身份证号码"];
      else if (typed !== identity.idNumber.toUpperCase()) fields.idNumber = ["身份证号码与实名信息不一致"];
    }
  }
  if (Object.keys(fields).length > 0) return { ok: false, code: "invalid_input", fields };

  if (proof.method === "login_password") {
    const wrong = await loginPasswordProblem(
      db,
      { userId: input.userId, password: proof.loginPassword, field: "loginPassword" },
      now,
    );
    if (wrong) return wrong;
  }
  const [old] = await db<{ passwordHash: string }[]>`
    select password_hash as "passwordHash" from trade_passwords where user_id = ${input.userId}`;
  if (old && await verifyPassword(input.newPassword, old.passwordHash)) {
    return {
      ok: false,
      code: "invalid_input",
      fields: { newPassword: [TRADE_PASSWORD_MESSAGES.same_as_old] },
    };
  }
  const hash = await hashPassword(input.newPassword, { cost: deps.bcryptCost });
  return await transaction(db, async (tx): Promise<SetTradePasswordResult> => {
    if (proof.method === "sms") {
      const code = await verifySmsCode(tx, { phone, purpose: "trade_password", code: proof.smsCode }, {
        cipher: deps.cipher,
        now,
      });
      // a wrong guess is counted on the code: commit
      if (!code.ok) {
        return { ok: false, code: "invalid_input", fields: { smsCode: [SMS_CODE_MESSAGES[code.code]] } };
      }
    }
    const [row] = await tx<{ inserted: boolean }[]>`
      insert into trade_passwords (user_id, password_hash, set_at, updated_at)
      values (${input.userId}, ${hash}, ${now}, ${now})
      on conflict (user_id) do update set password_hash = excluded.password_hash, updated_at = excluded.updated_at
      returning (xmax = 0) as inserted`;
    await tx`delete from rate_limits where key = ${tradePasswordLockKey(input.userId)}`;
    await tx`
      update bid_authorisations set closed_at = ${now}
      where user_id = ${input.userId} and closed_at is null and expires_at > ${now}`;
    const changed = !row.inserted;
    await notify(tx, deps.outbox, {
      userId: input.userId,
      kind: "generic",
      payload: {
        title: changed ? "交易密码已修改" : "交易密码已设置",
        body: `您的交易密码已${changed ? "修改" : "设置"}成功。如非本人操作，请立即修改登录密码并联系客服。`,
        channels: ["sms"],
      },
    });
    return { ok: true, changed };
  });
}
