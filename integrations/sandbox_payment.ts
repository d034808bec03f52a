/**
 * The sandbox payment channels (quick pay, Alipay, WeChat Pay). The checkout URL points at this app's page
 * `/sandbox-pay/<token>` (marked 沙箱), where the token carries the order (number, channel, amount, subject,
 * return path, expiry) signed with the channel's secret, as a real cashier's redirect parameters are.
 * Opening it records the payment in `sandbox_payments` (one per merchant order number); the user confirms
 * or cancels; the sandbox then delivers the signed callback to `/api/callbacks/payment`.
 * @module
 */
import type { Db } from "../db/tx.ts";
import {
  PAYMENT_CHANNELS,
  type PaymentCallbackBody,
  type PaymentChannel,
  type PaymentGateway,
  type SandboxPayment,
} from "../domain/gateways/payment.ts";
import { createSandboxCallbackQueue } from "./sandbox_callbacks.ts";

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array | null {
  try {
    const bin = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

async function mac(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return base64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(text))));
}

interface TokenData {
  o: string;
  c: PaymentChannel;
  a: string;
  s: string;
  r: string;
  e: number;
}

interface PaymentRow {
  id: string;
  merchantOrderNo: string;
  channel: PaymentChannel;
  amountFen: bigint;
  subject: string;
  returnPath: string;
  status: "pending" | "paid" | "cancelled";
  expiresAt: Date;
}

function toPayment(row: PaymentRow): SandboxPayment {
  return { ...row, amountFen: BigInt(row.amountFen), expiresAt: new Date(row.expiresAt) };
}

/** The sandbox channels recording into `db`, signing checkout tokens and callbacks with `secret`. */
export function createSandboxPayment(
  db: Db,
  options: { secret: string; origin: string | null; delayMs: number; auto: boolean },
): PaymentGateway {
  const callbacks = createSandboxCallbackQueue(db, "payment", options.secret, options);

  async function find(where: { id?: string; orderNo?: string }): Promise<PaymentRow | null> {
    const [row] = await db<PaymentRow[]>`
      select id, merchant_order_no as "merchantOrderNo", channel, amount_fen as "amountFen", subject,
             return_path as "returnPath", status, expires_at as "expiresAt"
      from sandbox_payments
      where ${where.id ? db`id = ${where.id}` : db`merchant_order_no = ${where.orderNo!}`}`;
    return row ?? null;
  }

  return {
    name: "sandbox",
    async ping() {
      await db`select 1 from sandbox_payments limit 1`;
      return { ok: true, message: "沙箱支付通道正常（不会真实扣款）" };
    },
    async checkoutUrl(input) {
      const data: TokenData = {
        o: input.merchantOrderNo,
        c: input.channel,
        a: input.amountFen.toString(),
        s: input.subject,
        r: input.returnPath,
        e: input.expiresAt.getTime(),
      };
      const body = base64url(encoder.encode(JSON.stringify(data)));
      return `/sandbox-pay/${body}.${await mac(options.secret, body)}`;
    },
    sandbox: {
      async open(token) {
        const [body, signature] = token.split(".");
        if (!body || !signature || signature !== await mac(options.secret, body)) return null;
        const bytes = fromBase64url(body);
        if (!bytes) return null;
        let data: TokenData;
        try {
          data = JSON.parse(new TextDecoder().decode(bytes));
        } catch {
          return null;
        }
        if (
          typeof data.o !== "string" || !PAYMENT_CHANNELS.includes(data.c) ||
          !/^[1-9][0-9]{0,15}$/.test(data.a) ||
          typeof data.s !== "string" || typeof data.r !== "string" || !data.r.startsWith("/") ||
          typeof data.e !== "number"
        ) return null;
        const id = `SBXP${Date.now().toString(36).toUpperCase()}${
          crypto.randomUUID().slice(0, 8).toUpperCase()
        }`;
        await db`insert into sandbox_payments
                   (id, merchant_order_no, channel, amount_fen, subject, return_path, expires_at)
                 values (${id}, ${data.o}, ${data.c}, ${BigInt(data.a)}, ${data.s}, ${data.r}, ${new Date(
          data.e,
        )})
                 on conflict (merchant_order_no) do nothing`;
        const row = await find({ orderNo: data.o });
        return row ? toPayment(row) : null;
      },
      async decide(paymentId, decision) {
        const row = await find({ id: paymentId });
        if (!row) return { ok: false, code: "not_found" };
        if (row.status !== "pending") return { ok: true, payment: toPayment(row) };
        if (new Date(row.expiresAt).getTime() <= Date.now()) return { ok: false, code: "expired" };
        const [updated] = await db<{ decidedAt: Date }[]>`
          update sandbox_payments set status = ${decision}, decided_at = now()
          where id = ${paymentId} and status = 'pending'
          returning decided_at as "decidedAt"`;
        const now = await find({ id: paymentId });
        if (!updated) return { ok: true, payment: toPayment(now!) };
        const callback: PaymentCallbackBody = {
          callbackId: `pcb-${paymentId}`,
          merchantOrderNo: row.merchantOrderNo,
          channel: row.channel,
          paymentId,
          status: decision,
          amountFen: BigInt(row.amountFen).toString(),
          decidedAt: new Date(updated.decidedAt).toISOString(),
        };
        await callbacks.enqueue(callback.callbackId, JSON.stringify(callback));
        return { ok: true, payment: toPayment(now!) };
      },
      setCallbackOrigin: (origin) => callbacks.setOrigin(origin),
      deliverDue: (opts) => callbacks.deliverDue(opts),
      configureDelivery: (next) => callbacks.configure(next),
    },
  };
}
