/**
 * E-mail gateway: the interface the rest of the code sends e-mail through, and the sandbox implementation
 * that records each e-mail in the `outbox` table (channel `email`) for the `/dev/outbox` page.
 */
import { z } from "zod";
import type { Queryable } from "../db/tx.ts";
import { recordSandboxSend } from "./outbox.ts";

/** What to send. `dedupeKey` makes a retried send a no-op that returns the first send's id. */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  dedupeKey?: string;
}

/** Outcome of a send. */
export type EmailSendResult =
  | { ok: true; id: string }
  | { ok: false; code: "rate_limited" | "invalid_recipient" };

/** Anything that can send an e-mail. `sql` may be a transaction handle: the send then commits with it. */
export interface EmailGateway {
  send(sql: Queryable, message: EmailMessage): Promise<EmailSendResult>;
}

/** Longest subject accepted. */
export const EMAIL_MAX_SUBJECT_CHARS = 200;
/** Longest body accepted. */
export const EMAIL_MAX_TEXT_CHARS = 5000;
/** Sandbox limit: at most this many e-mails to one address per hour. */
export const SANDBOX_EMAIL_PER_RECIPIENT_PER_HOUR = 60;

const emailSchema = z.email().max(254);

/** True for a syntactically valid e-mail address (≤ 254 characters). */
export function isEmailAddress(address: string): boolean {
  return emailSchema.safeParse(address).success;
}

/**
 * The sandbox e-mail gateway: validates the address, applies an hourly cap per address and records the
 * e-mail in `outbox` instead of sending it.
 */
export const sandboxEmail: EmailGateway = {
  async send(sql, { to, subject, text, dedupeKey }) {
    if (!isEmailAddress(to)) return { ok: false, code: "invalid_recipient" };
    if (subject.length === 0 || subject.length > EMAIL_MAX_SUBJECT_CHARS) {
      throw new RangeError(`e-mail subject must be 1–${EMAIL_MAX_SUBJECT_CHARS} characters`);
    }
    if (text.length === 0 || text.length > EMAIL_MAX_TEXT_CHARS) {
      throw new RangeError(`e-mail text must be 1–${EMAIL_MAX_TEXT_CHARS} characters`);
    }
    return await recordSandboxSend(
      sql,
      { channel: "email", recipient: to, subject, body: text, dedupeKey: dedupeKey ?? null },
      SANDBOX_EMAIL_PER_RECIPIENT_PER_HOUR,
    );
  },
};
