/**
 * SMS gateway: the interface the rest of the code sends text messages through, and the sandbox
 * implementation used until a real provider is wired in. The sandbox writes each message to the `outbox`
 * table (channel `sms`), where the development page `/dev/outbox` shows it.
 */
import type { Queryable } from "../db/tx.ts";
import { PLATFORM_NAME } from "../domain/shared/brand.ts";
import { MAINLAND_MOBILE_PATTERN } from "../domain/accounts/phone.ts";
import { recordSandboxSend } from "./outbox.ts";

/** What to send. `dedupeKey` makes a retried send a no-op that returns the first send's id. */
export interface SmsMessage {
  /** Mainland mobile number, 11 digits (e.g. `13812345678`). */
  to: string;
  text: string;
  dedupeKey?: string;
}

/** Outcome of a send. */
export type SmsSendResult =
  | { ok: true; id: string }
  | { ok: false; code: "rate_limited" | "invalid_recipient" };

/** Anything that can send an SMS. `sql` may be a transaction handle (`tx`): the send then commits with it. */
export interface SmsGateway {
  send(sql: Queryable, message: SmsMessage): Promise<SmsSendResult>;
}

/** The signature every SMS starts with (Chinese carriers require one). */
export const SMS_SIGNATURE = `【${PLATFORM_NAME}】`;

/** Longest text accepted (a long SMS is split by carriers into 67-character parts; 10 parts at most). */
export const SMS_MAX_TEXT_CHARS = 670;

/** Sandbox limit: at most this many SMS to one number per hour, like a real provider's frequency cap. */
export const SANDBOX_SMS_PER_RECIPIENT_PER_HOUR = 30;

/** True for a normalised 11-digit mainland mobile number (no spaces, no +86). */
export function isMainlandMobile(phone: string): boolean {
  return MAINLAND_MOBILE_PATTERN.test(phone);
}

/**
 * The sandbox SMS gateway: validates like a provider (number format, hourly cap per number) and records
 * the message in `outbox` instead of sending it.
 */
export const sandboxSms: SmsGateway = {
  async send(sql, { to, text, dedupeKey }) {
    if (!isMainlandMobile(to)) return { ok: false, code: "invalid_recipient" };
    if (text.length === 0 || text.length > SMS_MAX_TEXT_CHARS) {
      throw new RangeError(`SMS text must be 1–${SMS_MAX_TEXT_CHARS} characters, got ${text.length}`);
    }
    return await recordSandboxSend(
      sql,
      { channel: "sms", recipient: to, subject: null, body: text, dedupeKey: dedupeKey ?? null },
      SANDBOX_SMS_PER_RECIPIENT_PER_HOUR,
    );
  },
};
