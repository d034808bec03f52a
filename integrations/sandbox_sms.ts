/**
 * The sandbox SMS gateway, used until a real provider is wired in: it validates like a provider (number
 * format, text length, an hourly cap per number) and records the message in `sandbox_messages` instead of
 * sending it.
 * @module
 */
import type { Db } from "../db/tx.ts";
import { isMainlandMobile, SMS_MAX_TEXT_CHARS, type SmsGateway } from "../domain/gateways/sms.ts";
import { recordSandboxSend } from "./sandbox_messages.ts";

/** Sandbox limit: at most this many SMS to one number per hour, like a real provider's frequency cap. */
export const SANDBOX_SMS_PER_RECIPIENT_PER_HOUR = 30;

/** A sandbox SMS gateway recording into `db`. */
export function createSandboxSms(db: Db): SmsGateway {
  return {
    name: "sandbox",
    async send({ to, text, idempotencyKey }) {
      if (!isMainlandMobile(to)) return { ok: false, code: "invalid_recipient" };
      if (text.length === 0 || text.length > SMS_MAX_TEXT_CHARS) {
        throw new RangeError(`SMS text must be 1–${SMS_MAX_TEXT_CHARS} characters, got ${text.length}`);
      }
      return await recordSandboxSend(
        db,
        { channel: "sms", recipient: to, subject: null, body: text, idempotencyKey },
        SANDBOX_SMS_PER_RECIPIENT_PER_HOUR,
      );
    },
    async ping() {
      // the sandbox "provider" is its table: reachable when the database answers
      await db`select 1 from sandbox_messages limit 1`;
      return { ok: true, message: "沙箱短信通道正常（消息只记录在沙箱中，不会真正发送）" };
    },
  };
}
