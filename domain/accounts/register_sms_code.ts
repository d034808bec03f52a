/**
 * Sending the 注册 SMS code: refuse an invalid or already registered number, then issue the code through
 * {@link requestSmsCode}; every outcome carries its Chinese message for the phone field. Shared by
 * `POST /api/sms_code` (the island) and the no-script path of `/register`.
 * @module
 */
import type { Db } from "../../db/tx.ts";
import { normalizePhone } from "./phone.ts";
import { requestSmsCode, SMS_CODE_MESSAGES, type SmsCodeDeps } from "./sms_code.ts";
import { isPhoneRegistered, REGISTER_MESSAGES } from "./user.ts";

/** Outcome of {@link sendRegisterSmsCode}, worded for the phone field. */
export type SendCodeOutcome =
  | { ok: true; resendAfterSeconds: number }
  | { ok: false; code: "invalid_phone" | "phone_taken"; message: string }
  | { ok: false; code: "throttled"; message: string; retryAfterSeconds: number }
  | { ok: false; code: "send_failed"; message: string };

/** The throttle message with the wait, e.g. 「验证码发送过于频繁，请 58 秒后再试」. */
export function throttledMessage(retryAfterSeconds: number): string {
  if (retryAfterSeconds <= 120) return `验证码发送过于频繁，请 ${retryAfterSeconds} 秒后再试`;
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return minutes <= 90
    ? `验证码发送过于频繁，请 ${minutes} 分钟后再试`
    : `${SMS_CODE_MESSAGES.throttled}（今日次数已用完）`;
}

/**
 * Send a register code to `rawPhone` (as typed, e.g. with spaces or +86): refuses an invalid or already
 * registered number, then `requestSmsCode` (quotas per phone and per `ip`) through `deps.sms`.
 */
export async function sendRegisterSmsCode(
  sql: Db,
  input: { rawPhone: string; ip: string | null },
  deps: SmsCodeDeps,
): Promise<SendCodeOutcome> {
  const phone = normalizePhone(input.rawPhone);
  if (!phone) return { ok: false, code: "invalid_phone", message: SMS_CODE_MESSAGES.invalid_phone };
  if (await isPhoneRegistered(sql, await deps.cipher.hash(phone))) {
    return { ok: false, code: "phone_taken", message: REGISTER_MESSAGES.phone_taken };
  }
  const sent = await requestSmsCode(sql, { phone, purpose: "register", ip: input.ip }, deps);
  if (sent.ok) return { ok: true, resendAfterSeconds: sent.resendAfterSeconds };
  switch (sent.code) {
    case "throttled":
      return {
        ok: false,
        code: "throttled",
        message: throttledMessage(sent.retryAfterSeconds),
        retryAfterSeconds: sent.retryAfterSeconds,
      };
    case "invalid_phone":
      return { ok: false, code: "invalid_phone", message: SMS_CODE_MESSAGES.invalid_phone };
    case "send_failed":
      return { ok: false, code: "send_failed", message: SMS_CODE_MESSAGES.send_failed };
  }
}
