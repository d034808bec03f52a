/**
 * Sending the 注册 SMS code without telling anyone whether the phone is registered: an invalid number is
 * refused; any valid one, registered or not, gets the same answer (「验证码已发送」) within the same quotas
 * ({@link requestSmsCode}: per phone and purpose, per phone per day, per IP). A new phone gets a code; a
 * registered one gets, instead, a notice that someone tried to register with it (no code: the owner learns
 * it, an enumerator does not). Shared by `POST /api/sms_code` (the island) and the no-script path of
 * `/register`.
 * @module
 */
import type { Db } from "../../db/tx.ts";
import { PLATFORM_NAME } from "../shared/brand.ts";
import { phoneHashRef, type SecurityLog } from "../shared/security_log.ts";
import { normalizePhone } from "./phone.ts";
import { requestSmsCode, SMS_CODE_MESSAGES, type SmsCodeDeps, throttledMessage } from "./sms_code.ts";
import { isPhoneRegistered } from "./user.ts";

export { throttledMessage } from "./sms_code.ts";

/** Outcome of {@link sendRegisterSmsCode}, worded for the phone field. */
export type SendCodeOutcome =
  | { ok: true; resendAfterSeconds: number }
  | { ok: false; code: "invalid_phone"; message: string }
  | { ok: false; code: "throttled"; message: string; retryAfterSeconds: number };

/** The SMS a registered phone gets when someone asks for a register code for it (no code in it). */
export const REGISTER_ATTEMPT_NOTICE = `有人正在用您的手机号注册${PLATFORM_NAME}账户。该手机号已注册，` +
  `请直接登录；忘记密码可使用短信验证码登录。如非本人操作请忽略，您的账户不受影响。`;

/**
 * Send a register code to `rawPhone` (as typed, e.g. with spaces or +86) — or, to a registered phone, the
 * {@link REGISTER_ATTEMPT_NOTICE} — answering both alike. The attempt on a registered phone is logged
 * (`register.existing_phone`, by the phone's keyed hash) when `deps.securityLog` is given.
 */
export async function sendRegisterSmsCode(
  sql: Db,
  input: { rawPhone: string; ip: string | null },
  deps: SmsCodeDeps & { securityLog?: SecurityLog },
): Promise<SendCodeOutcome> {
  const phone = normalizePhone(input.rawPhone);
  if (!phone) return { ok: false, code: "invalid_phone", message: SMS_CODE_MESSAGES.invalid_phone };
  let registered: string | null = null; // the phone's hash, when registered
  const sent = await requestSmsCode(sql, {
    phone,
    purpose: "register",
    ip: input.ip,
    delivery: async (tx, phoneHash) => {
      if (!await isPhoneRegistered(tx, phoneHash)) return { kind: "code" };
      registered = phoneHash;
      return { kind: "notice", text: REGISTER_ATTEMPT_NOTICE };
    },
  }, deps);
  if (sent.ok) {
    if (registered) {
      deps.securityLog?.emit("register.existing_phone", {
        subject: "user",
        phoneHash: phoneHashRef(registered),
      });
    }
    return { ok: true, resendAfterSeconds: sent.resendAfterSeconds };
  }
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
  }
}
