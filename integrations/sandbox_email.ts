/**
 * The sandbox e-mail gateway: validates the address and lengths, applies an hourly cap per address and
 * records the e-mail in `sandbox_messages` instead of sending it.
 * @module
 */
import type { Db } from "../db/tx.ts";
import {
  EMAIL_MAX_SUBJECT_CHARS,
  EMAIL_MAX_TEXT_CHARS,
  type EmailGateway,
  isEmailAddress,
} from "../domain/gateways/email.ts";
import { recordSandboxSend } from "./sandbox_messages.ts";

/** Sandbox limit: at most this many e-mails to one address per hour. */
export const SANDBOX_EMAIL_PER_RECIPIENT_PER_HOUR = 60;

/** A sandbox e-mail gateway recording into `db`. */
export function createSandboxEmail(db: Db): EmailGateway {
  return {
    name: "sandbox",
    async send({ to, subject, text, idempotencyKey }) {
      if (!isEmailAddress(to)) return { ok: false, code: "invalid_recipient" };
      if (subject.length === 0 || subject.length > EMAIL_MAX_SUBJECT_CHARS) {
        throw new RangeError(`e-mail subject must be 1–${EMAIL_MAX_SUBJECT_CHARS} characters`);
      }
      if (text.length === 0 || text.length > EMAIL_MAX_TEXT_CHARS) {
        throw new RangeError(`e-mail text must be 1–${EMAIL_MAX_TEXT_CHARS} characters`);
      }
      return await recordSandboxSend(
        db,
        { channel: "email", recipient: to, subject, body: text, idempotencyKey },
        SANDBOX_EMAIL_PER_RECIPIENT_PER_HOUR,
      );
    },
    async ping() {
      await db`select 1 from sandbox_messages limit 1`;
      return { ok: true, message: "沙箱邮件通道正常（邮件只记录在沙箱中，不会真正发送）" };
    },
  };
}
