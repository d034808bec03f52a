/**
 * The e-mail gateway as the domain sees it. Implementations live in `integrations/` (today the sandbox);
 * only the outbox relay calls `send`, after the transaction that asked for the e-mail has committed.
 * @module
 */
import { z } from "zod";
import type { GatewayPingResult } from "./ping.ts";

/** One e-mail. */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  /** The same key sends once: a repeated send answers the first send's id and sends nothing. */
  idempotencyKey: string;
}

/** Outcome of a send (the codes mean what they mean for SMS, see `SmsSendResult`). */
export type EmailSendResult =
  | { ok: true; providerId: string }
  | { ok: false; code: "rate_limited" | "invalid_recipient" | "unavailable" };

/** Anything that can send an e-mail. */
export interface EmailGateway {
  /** A short name for logs and the system status page. */
  readonly name: string;
  send(message: EmailMessage): Promise<EmailSendResult>;
  /** Health check for 第三方设置 → 测试连接 (sends nothing). */
  ping?(): Promise<GatewayPingResult>;
}

/** Outbox topic of one e-mail: the relay hands `secret.to`, `secret.subject`, `secret.text` to the gateway. */
export const EMAIL_TOPIC = "email.send";

/** Longest subject accepted. */
export const EMAIL_MAX_SUBJECT_CHARS = 200;
/** Longest body accepted. */
export const EMAIL_MAX_TEXT_CHARS = 5000;

const emailSchema = z.email().max(254);

/** True for a syntactically valid e-mail address (≤ 254 characters). */
export function isEmailAddress(address: string): boolean {
  return emailSchema.safeParse(address).success;
}
