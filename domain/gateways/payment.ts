/**
 * The payment channels for top-up (充值渠道): bank-card quick pay (快捷支付), Alipay (支付宝) and WeChat Pay
 * (微信支付). Like a real cashier (Alipay's page pay, WeChat's H5 pay), a channel is reached by sending the
 * user to a *checkout URL* that carries the merchant order number and amount, signed by us; the user pays
 * or cancels there, and the channel then POSTs a signed callback (see {@link PaymentCallbackBody} and
 * domain/payments/callback_signature.ts) to `POST /api/callbacks/payment`. Nothing is credited on the
 * user's return to our site — only on the callback.
 *
 * Implementations live in `integrations/` (today the sandbox, integrations/sandbox_payment.ts, whose
 * cashier is the page `/sandbox-pay/[id]` of this app, marked 沙箱).
 * @module
 */
import type { Fen } from "../money/fen.ts";
import type { CallbackDeliveryOptions } from "./custody.ts";
import type { GatewayPingResult } from "./ping.ts";

/** The channels. */
export type PaymentChannel = "quick_pay" | "alipay" | "wechat";

/** All channels, in the order the top-up form shows them. */
export const PAYMENT_CHANNELS: readonly PaymentChannel[] = ["quick_pay", "alipay", "wechat"];

/** Names shown to users. */
export const PAYMENT_CHANNEL_NAMES: Record<PaymentChannel, string> = {
  quick_pay: "银行卡快捷支付",
  alipay: "支付宝",
  wechat: "微信支付",
};

/** A payment to start. */
export interface CheckoutInput {
  /** Our order number (unique; the channel pays each at most once). */
  merchantOrderNo: string;
  channel: PaymentChannel;
  /** Positive. */
  amountFen: Fen;
  /** Shown on the cashier page, e.g. 「账户充值」. */
  subject: string;
  /** Where the cashier sends the user back afterwards (our result page). */
  returnPath: string;
  /** The cashier refuses to take payment after this time. */
  expiresAt: Date;
}

/**
 * The JSON body of a payment callback (`POST /api/callbacks/payment`), signed as described in
 * domain/payments/callback_signature.ts.
 * - `callbackId`: unique per callback event (a redelivery repeats it);
 * - `status`: `paid` or `cancelled` (the user gave up; the order fails).
 */
export interface PaymentCallbackBody {
  callbackId: string;
  merchantOrderNo: string;
  channel: PaymentChannel;
  /** The channel's transaction number. */
  paymentId: string;
  status: "paid" | "cancelled";
  /** Decimal string of fen. */
  amountFen: string;
  /** ISO time. */
  decidedAt: string;
}

/** A payment channel provider (one object serves the three channels). */
export interface PaymentGateway {
  /** A short name for logs and the system status page (`sandbox`, …). */
  readonly name: string;
  /** The URL (absolute or app-relative) to send the user to; building it calls nothing. */
  checkoutUrl(input: CheckoutInput): Promise<string>;
  /** Health check for 第三方设置 → 测试连接 (charges nothing). */
  ping?(): Promise<GatewayPingResult>;
  /** Sandbox controls (the sandbox cashier page and tests); absent with a real provider. */
  readonly sandbox?: PaymentSandboxControl;
}

/** A payment as the sandbox cashier shows it. */
export interface SandboxPayment {
  id: string;
  merchantOrderNo: string;
  channel: PaymentChannel;
  amountFen: Fen;
  subject: string;
  returnPath: string;
  status: "pending" | "paid" | "cancelled";
  expiresAt: Date;
}

/**
 * The sandbox cashier (page `/sandbox-pay/[token]`): opening a checkout URL records the payment; the user
 * confirms or cancels; the sandbox then delivers the signed callback.
 */
export interface PaymentSandboxControl {
  /** Open (record) the payment a checkout token describes; `null` when the token is forged or malformed. */
  open(token: string): Promise<SandboxPayment | null>;
  /** The user's decision. Deciding twice keeps the first decision; `expired` when past `expiresAt`. */
  decide(
    paymentId: string,
    decision: "paid" | "cancelled",
  ): Promise<{ ok: true; payment: SandboxPayment } | { ok: false; code: "not_found" | "expired" }>;
  /** Where callbacks are POSTed (the app's origin). */
  setCallbackOrigin(origin: string): void;
  /** Change how callbacks are delivered (tests). */
  configureDelivery(options: Partial<CallbackDeliveryOptions>): void;
  /** Deliver every due callback now; returns how many POSTs answered 2xx. */
  deliverDue(options?: { all?: boolean; keys?: string[] }): Promise<number>;
}
