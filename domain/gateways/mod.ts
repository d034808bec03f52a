/**
 * Every outside system the platform talks to, as interfaces the domain owns. `main.ts` builds one
 * `Gateways` from configuration (`integrations/gateways.ts`) and hands it to routes (through the request
 * state) and jobs (through their deps); nothing else constructs a gateway, and no gateway is called inside
 * a database transaction (side effects leave through the outbox and its relay).
 *
 * Today: SMS and e-mail. The money issue adds identity verification, the custody bank and the payment
 * channels; the lending issue adds the credit bureau — each as one more field here.
 * @module
 */
import type { BlacklistGateway } from "./blacklist.ts";
import type { CreditBureauGateway } from "./credit_bureau.ts";
import type { CustodyGateway } from "./custody.ts";
import type { EmailGateway } from "./email.ts";
import type { IdentityGateway } from "./identity.ts";
import type { PaymentGateway } from "./payment.ts";
import type { SmsGateway } from "./sms.ts";

export type { EmailGateway, EmailMessage, EmailSendResult } from "./email.ts";
export type { IdentityCheckResult, IdentityGateway } from "./identity.ts";
export type { SmsGateway, SmsMessage, SmsSendResult } from "./sms.ts";
export type { CustodyGateway } from "./custody.ts";
export type { PaymentGateway } from "./payment.ts";
export type { CreditBureauGateway, CreditReport, CreditReportResult } from "./credit_bureau.ts";
export type { BlacklistCheckResult, BlacklistGateway } from "./blacklist.ts";

/** One message a sandbox gateway recorded instead of sending it (the demo's 沙箱消息 page). */
export interface SandboxMessage {
  id: string;
  channel: "sms" | "email";
  recipient: string;
  subject: string | null;
  body: string;
  createdAt: Date;
}

/** Reading what the sandbox gateways recorded (present only when sandboxes are in use). */
export interface SandboxMessageLog {
  /** Newest first; `limit` is clamped to 1–200 (default 50). */
  list(
    options?: { limit?: number; channel?: "sms" | "email"; recipient?: string },
  ): Promise<SandboxMessage[]>;
  /** Delete the rows whose retention has passed (the daily purge job); returns how many. */
  purgeExpired(now?: Date): Promise<number>;
  /**
   * Delete the sandboxes' callbacks delivered longer than their retention ago (the daily purge job); those
   * still to be delivered stay. Returns how many.
   */
  purgeCallbacks(now?: Date): Promise<number>;
}

/** The outside systems. */
export interface Gateways {
  sms: SmsGateway;
  email: EmailGateway;
  /** The custody bank (银行存管): sub-accounts, instructions, card check, daily statement. */
  custody: CustodyGateway;
  /** The top-up payment channels (quick pay, Alipay, WeChat Pay). */
  payments: PaymentGateway;
  /** Real-name verification (实名核验): does a name belong to an ID number. */
  identity: IdentityGateway;
  /** The credit bureau (征信): other-platform balances and overdue history of a borrower. */
  creditBureau: CreditBureauGateway;
  /** The external blacklist (外部黑名单). */
  blacklist: BlacklistGateway;
  /** The sandboxes' record, for the demo page and tests; `null` with real providers. */
  sandboxLog: SandboxMessageLog | null;
}
