/**
 * SMS verification codes (短信验证码): 6 random digits, stored only as a keyed hash, valid 5 minutes,
 * single use, at most 5 guesses per code. Sending is throttled: one code per phone and purpose per 60 s,
 * 10 per phone per day, 20 per IP per hour (quotas in `rate_limits`, consumed all-or-nothing).
 *
 * Only the latest code for a phone and purpose counts; asking for a new one supersedes the old.
 */
import { type BatchLimits, deleteInBatches } from "../../db/batches.ts";
import type { Outbox } from "../../db/outbox.ts";
import { type Db, type Queryable, transaction, type Tx } from "../../db/tx.ts";
import { signedSmsText, SMS_TOPIC } from "../gateways/sms.ts";
import type { PiiCipher } from "./pii.ts";
import { normalizePhone } from "./phone.ts";
import { consumeQuotas, type QuotaRule } from "./rate_limit.ts";

/** What a code is for. */
export type SmsPurpose =
  | "register"
  | "login"
  | "reset_password"
  | "trade_password"
  | "reauth"
  | "phone_change_old"
  | "phone_change_new"
  | "login_device";

/** Every purpose, for validation. */
export const SMS_PURPOSES: readonly SmsPurpose[] = [
  "register",
  "login",
  "reset_password",
  "trade_password",
  "reauth",
  "phone_change_old",
  "phone_change_new",
  "login_device",
];

const PURPOSE_LABELS: Record<SmsPurpose, string> = {
  register: "注册",
  login: "登录",
  reset_password: "重置密码",
  trade_password: "设置交易密码",
  reauth: "身份验证",
  phone_change_old: "更换手机号（原手机）",
  phone_change_new: "更换手机号（新手机）",
  login_device: "新设备登录",
};

/** Lifetime of a code. */
export const SMS_CODE_TTL_SECONDS = 300;
/** Wrong guesses allowed per code. */
export const SMS_CODE_MAX_ATTEMPTS = 5;
/** Minimum gap between two codes for the same phone and purpose. */
export const SMS_RESEND_SECONDS = 60;
/** Codes per phone (all purposes) per day. */
export const SMS_PER_PHONE_PER_DAY: QuotaRule = { limit: 10, windowSeconds: 86_400 };
/** Codes per client IP per hour. */
export const SMS_PER_IP_PER_HOUR: QuotaRule = { limit: 20, windowSeconds: 3_600 };

/** Chinese messages for the outcomes, for the pages. */
export const SMS_CODE_MESSAGES = {
  invalid_phone: "请输入正确的 11 位手机号码",
  throttled: "验证码发送过于频繁，请稍后再试",
  invalid_code: "验证码错误，请重新输入",
  expired_code: "验证码已过期，请重新获取",
  too_many_attempts: "验证码错误次数过多，请重新获取",
} as const;

/**
 * The text of the SMS, with the carrier signature, e.g.
 * 【鑫融易贷】您的注册验证码为 123456，5分钟内有效。如非本人操作请忽略。
 */
export function smsCodeText(purpose: SmsPurpose, code: string): string {
  return signedSmsText(
    `您的${PURPOSE_LABELS[purpose]}验证码为 ${code}，${
      SMS_CODE_TTL_SECONDS / 60
    }分钟内有效。如非本人操作请忽略。`,
  );
}

/** The throttle message with the wait, e.g. 「验证码发送过于频繁，请 58 秒后再试」. */
export function throttledMessage(retryAfterSeconds: number): string {
  if (retryAfterSeconds <= 120) return `验证码发送过于频繁，请 ${retryAfterSeconds} 秒后再试`;
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return minutes <= 90
    ? `验证码发送过于频繁，请 ${minutes} 分钟后再试`
    : `${SMS_CODE_MESSAGES.throttled}（今日次数已用完）`;
}

/**
 * What an accepted request sends (decided inside its transaction, once the quotas allowed it): a new code,
 * a notice without a code (e.g. 「该手机号已注册」 to the owner of a registered phone asked for a register
 * code), or nothing (a log-in code for a phone without an account). The caller's answer is the same in
 * every case, so nobody learns which it was.
 */
export type SmsDelivery = { kind: "code" } | { kind: "notice"; text: string } | { kind: "none" };

/** Six uniformly random digits from the CSPRNG. */
export function generateSmsCode(): string {
  // rejection sampling: 4_294_000_000 is the largest multiple of 1_000_000 below 2^32
  const buf = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buf);
    if (buf[0] < 4_294_000_000) return String(buf[0] % 1_000_000).padStart(6, "0");
  }
}

async function codeHash(
  cipher: PiiCipher,
  phoneHash: string,
  purpose: SmsPurpose,
  code: string,
): Promise<string> {
  return await cipher.hash(`sms-code:${purpose}:${phoneHash}:${code}`);
}

/** Dependencies of {@link requestSmsCode}. */
export interface SmsCodeDeps {
  /** The SMS leaves through the outbox after the commit. */
  outbox: Outbox;
  cipher: PiiCipher;
  /** Clock (tests). */
  now?: Date;
  /** Code generator (tests); default {@link generateSmsCode}. */
  generateCode?: () => string;
}

/** Outcome of {@link requestSmsCode}. */
export type RequestSmsCodeResult =
  | { ok: true; expiresAt: Date; resendAfterSeconds: number }
  | { ok: false; code: "throttled"; retryAfterSeconds: number }
  | { ok: false; code: "invalid_phone" };

/**
 * Issue a code in one transaction: the quotas (per phone and purpose, per phone per day, per IP), the
 * stored hash and the `sms.send` outbox event commit together or not at all. The SMS leaves after the
 * commit (the outbox relay), and is never sent once the code has expired.
 *
 * `input.delivery` (default: a code) decides, after the quotas passed, what is actually sent — see
 * {@link SmsDelivery}; every choice consumes the same quotas and gets the same answer.
 */
export async function requestSmsCode(
  db: Db,
  input: {
    phone: string;
    purpose: SmsPurpose;
    ip: string | null;
    delivery?: (tx: Tx, phoneHash: string) => Promise<SmsDelivery>;
  },
  deps: SmsCodeDeps,
): Promise<RequestSmsCodeResult> {
  const phone = normalizePhone(input.phone);
  if (!phone || !SMS_PURPOSES.includes(input.purpose)) return { ok: false, code: "invalid_phone" };
  const now = deps.now ?? new Date();
  const phoneHash = await deps.cipher.hash(phone);
  const code = (deps.generateCode ?? generateSmsCode)();
  const hashed = await codeHash(deps.cipher, phoneHash, input.purpose, code);
  const expiresAt = new Date(now.getTime() + SMS_CODE_TTL_SECONDS * 1000);
  return await transaction(db, async (tx, rollback): Promise<RequestSmsCodeResult> => {
    const quota = await consumeQuotas(tx, [
      [`sms:${input.purpose}:${phoneHash}`, { limit: 1, windowSeconds: SMS_RESEND_SECONDS }],
      [`smsday:${phoneHash}`, SMS_PER_PHONE_PER_DAY],
      [input.ip ? `smsip:${input.ip}` : null, SMS_PER_IP_PER_HOUR],
    ], now);
    // all-or-nothing: a quota counted before the refusing one must not stay counted
    if (!quota.ok) {
      return rollback({ ok: false, code: "throttled", retryAfterSeconds: quota.retryAfterSeconds });
    }
    const delivery = input.delivery ? await input.delivery(tx, phoneHash) : { kind: "code" as const };
    if (delivery.kind === "none") return { ok: true, expiresAt, resendAfterSeconds: SMS_RESEND_SECONDS };
    if (delivery.kind === "notice") {
      await deps.outbox.publish(tx, {
        topic: SMS_TOPIC,
        secret: { to: phone, text: signedSmsText(delivery.text) },
        dedupeKey: `sms_notice:${crypto.randomUUID()}`,
        expiresAt,
      });
      return { ok: true, expiresAt, resendAfterSeconds: SMS_RESEND_SECONDS };
    }
    const [row] = await tx<{ id: string }[]>`
      insert into sms_codes (phone_hash, purpose, code_hash, ip, expires_at, created_at)
      values (${phoneHash}, ${input.purpose}, ${hashed}, ${input.ip}, ${expiresAt}, ${now})
      returning id`;
    await deps.outbox.publish(tx, {
      topic: SMS_TOPIC,
      secret: { to: phone, text: smsCodeText(input.purpose, code) },
      dedupeKey: `sms_code:${row.id}`,
      expiresAt,
    });
    return { ok: true, expiresAt, resendAfterSeconds: SMS_RESEND_SECONDS };
  });
}

/** Outcome of {@link verifySmsCode}. */
export type VerifySmsCodeResult =
  | { ok: true }
  | { ok: false; code: "invalid_code" | "expired_code" | "too_many_attempts" };

/**
 * Check and consume the latest code for a phone and purpose. Single use: the code is marked used by a
 * conditional update, so two concurrent checks cannot both succeed. A wrong guess counts an attempt; the
 * 5th wrong guess (and anything after) answers `too_many_attempts`.
 *
 * Call inside the transaction of the action it authorises, so that the code is consumed only if the
 * action commits. A wrong guess is counted only if that transaction commits (return, don't throw).
 */
export async function verifySmsCode(
  db: Queryable,
  input: { phone: string; purpose: SmsPurpose; code: string },
  deps: { cipher: PiiCipher; now?: Date; consume?: boolean },
): Promise<VerifySmsCodeResult> {
  const phone = normalizePhone(input.phone);
  if (!phone || !/^\d{6}$/.test(input.code)) return { ok: false, code: "invalid_code" };
  const now = deps.now ?? new Date();
  const phoneHash = await deps.cipher.hash(phone);
  const [latest] = await db<
    { id: string; code_hash: string; expires_at: Date; used_at: Date | null; attempts: number }[]
  >`
    select id, code_hash, expires_at, used_at, attempts from sms_codes
    where phone_hash = ${phoneHash} and purpose = ${input.purpose}
    order by id desc limit 1`;
  if (!latest || latest.used_at !== null) return { ok: false, code: "invalid_code" };
  if (latest.expires_at.getTime() <= now.getTime()) return { ok: false, code: "expired_code" };
  if (latest.attempts >= SMS_CODE_MAX_ATTEMPTS) return { ok: false, code: "too_many_attempts" };
  const hashed = await codeHash(deps.cipher, phoneHash, input.purpose, input.code);
  if (hashed !== latest.code_hash) {
    const [row] = await db<{ attempts: number }[]>`
      update sms_codes set attempts = attempts + 1 where id = ${latest.id} and used_at is null
      returning attempts`;
    return {
      ok: false,
      code: row && row.attempts >= SMS_CODE_MAX_ATTEMPTS ? "too_many_attempts" : "invalid_code",
    };
  }
  // `consume: false` only checks (a wrong guess still counts): for a flow that must do slow work between
  // proving the code and using it up, outside any transaction (registration hashes the password)
  if (deps.consume === false) return { ok: true };
  const used = await db`
    update sms_codes set used_at = ${now}
    where id = ${latest.id} and used_at is null and expires_at > ${now} and attempts < ${SMS_CODE_MAX_ATTEMPTS}
    returning id`;
  return used.length === 1 ? { ok: true } : { ok: false, code: "invalid_code" };
}

/** Codes are kept this long after they expire (so 「验证码已过期」 can still be told apart). */
export const SMS_CODE_RETENTION_SECONDS = 3600;

/**
 * Delete codes that expired more than {@link SMS_CODE_RETENTION_SECONDS} ago, in bounded batches (the daily
 * purge job). Returns how many.
 */
export function purgeSmsCodes(db: Db, now: Date = new Date(), limits?: BatchLimits): Promise<number> {
  const before = new Date(now.getTime() - SMS_CODE_RETENTION_SECONDS * 1000);
  return deleteInBatches(
    (limit) =>
      db`delete from sms_codes where id in (select id from sms_codes where expires_at < ${before} limit ${limit})`,
    limits,
  );
}

/**
 * Issue a code inside the caller's transaction (a command that sends a code as part of its own change, such
 * as a log-in from a new device): the per-phone quotas (one per purpose per 60 s, 10 per day) are counted,
 * and when they allow it the code's hash and the `sms.send` event are written. `sent: false` means the
 * quotas refused (nothing sent; a code sent before may still be valid).
 */
export async function issueSmsCodeInTx(
  tx: Tx,
  input: { phone: string; purpose: SmsPurpose; ip: string | null },
  deps: SmsCodeDeps,
): Promise<{ sent: true; expiresAt: Date } | { sent: false; retryAfterSeconds: number }> {
  const now = deps.now ?? new Date();
  const phoneHash = await deps.cipher.hash(input.phone);
  const quota = await consumeQuotas(tx, [
    [`sms:${input.purpose}:${phoneHash}`, { limit: 1, windowSeconds: SMS_RESEND_SECONDS }],
    [`smsday:${phoneHash}`, SMS_PER_PHONE_PER_DAY],
  ], now);
  if (!quota.ok) return { sent: false, retryAfterSeconds: quota.retryAfterSeconds };
  const code = (deps.generateCode ?? generateSmsCode)();
  const expiresAt = new Date(now.getTime() + SMS_CODE_TTL_SECONDS * 1000);
  const [row] = await tx<{ id: string }[]>`
    insert into sms_codes (phone_hash, purpose, code_hash, ip, expires_at, created_at)
    values (${phoneHash}, ${input.purpose}, ${await codeHash(deps.cipher, phoneHash, input.purpose, code)},
            ${input.ip}, ${expiresAt}, ${now})
    returning id`;
  await deps.outbox.publish(tx, {
    topic: SMS_TOPIC,
    secret: { to: input.phone, text: smsCodeText(input.purpose, code) },
    dedupeKey: `sms_code:${row.id}`,
    expiresAt,
  });
  return { sent: true, expiresAt };
}
