/**
 * The SMS gateway as the domain sees it: what a message is, what sending can answer, and the rules every
 * text follows (the carrier signature, the length limit). Implementations live in `integrations/` (today
 * the sandbox); `main.ts` builds one from configuration. Only the outbox relay calls `send`, after the
 * transaction that asked for the message has committed.
 * @module
 */
import { PLATFORM_NAME } from "../shared/brand.ts";
import { MAINLAND_MOBILE_PATTERN } from "../accounts/phone.ts";
import type { GatewayPingResult } from "./ping.ts";

/** One text message. */
export interface SmsMessage {
  /** Mainland mobile number, 11 digits (e.g. `13812345678`). */
  to: string;
  /** The full text, signature included (at most {@link SMS_MAX_TEXT_CHARS} characters). */
  text: string;
  /** The same key sends once: a repeated send answers the first send's id and sends nothing. */
  idempotencyKey: string;
}

/**
 * Outcome of a send:
 * - `ok`: accepted by the provider (`providerId` is its message id);
 * - `rate_limited`: the provider's frequency cap for the number — retry later;
 * - `invalid_recipient`: the provider refuses the number — retrying cannot help;
 * - `unavailable`: the provider could not be reached or failed — retry later.
 */
export type SmsSendResult =
  | { ok: true; providerId: string }
  | { ok: false; code: "rate_limited" | "invalid_recipient" | "unavailable" };

/** Anything that can send an SMS. */
export interface SmsGateway {
  /** A short name for logs and the system status page (`sandbox`, …). */
  readonly name: string;
  send(message: SmsMessage): Promise<SmsSendResult>;
  /** Health check for 第三方设置 → 测试连接 (sends nothing). */
  ping?(): Promise<GatewayPingResult>;
}

/** Outbox topic of one SMS: the relay hands `secret.to` and `secret.text` to the gateway. */
export const SMS_TOPIC = "sms.send";

/** The signature every SMS starts with (Chinese carriers require one). */
export const SMS_SIGNATURE = `【${PLATFORM_NAME}】`;

/** Longest text accepted (a long SMS is split by carriers into 67-character parts; 10 parts at most). */
export const SMS_MAX_TEXT_CHARS = 670;

/** True for a normalised 11-digit mainland mobile number (no spaces, no +86). */
export function isMainlandMobile(phone: string): boolean {
  return MAINLAND_MOBILE_PATTERN.test(phone);
}

/** `text` with the signature in front, cut to {@link SMS_MAX_TEXT_CHARS} (ending in 「…」 when cut). */
export function signedSmsText(text: string): string {
  const full = SMS_SIGNATURE + text;
  return full.length <= SMS_MAX_TEXT_CHARS ? full : full.slice(0, SMS_MAX_TEXT_CHARS - 1) + "…";
}
