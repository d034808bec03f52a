/**
 * Receiving a provider callback (custody bank or payment channel): verify the signature and timestamp
 * (domain/payments/callback_signature.ts), validate the body, then apply it exactly once
 * ({@link applyCustodyCallback}, {@link applyPaymentCallback}). A refused callback changes nothing,
 * answers a JSON error with a code, and is written to the security log (`callback.refused`).
 *
 * Answers (`status`, `body`):
 * - `200 {"ok":true,"outcome":"applied"|"duplicate"|"already_settled"|"already_final"}`;
 * - `401 {"error":{"code":"missing_signature"|"bad_signature"|"stale"}}` — forged, tampered or replayed late;
 * - `400 {"error":{"code":"invalid_body"}}`;
 * - `404 {"error":{"code":"unknown_instruction"|"unknown_order"}}`, `409 {"error":{"code":"mismatch"}}`;
 * - `503 {"error":{"code":"unavailable"}}` — the database is down; the provider retries later.
 * @module
 */
import { z } from "zod";
import type { Outbox } from "../../db/outbox.ts";
import type { Db } from "../../db/tx.ts";
import type { SecurityLog } from "../shared/security_log.ts";
import { applyCustodyCallback } from "./custody_instruction.ts";
import {
  CALLBACK_SIGNATURE_HEADER,
  CALLBACK_TIMESTAMP_HEADER,
  verifyCallback,
} from "./callback_signature.ts";
import { applyPaymentCallback } from "./top_up.ts";

/** Chinese messages of the error codes. */
export const CALLBACK_MESSAGES = {
  missing_signature: "缺少签名或时间戳",
  bad_signature: "签名校验失败",
  stale: "回调时间戳超出允许范围",
  invalid_body: "回调内容格式不正确",
  unknown_instruction: "存管指令不存在",
  unknown_order: "充值订单不存在",
  mismatch: "回调金额或类型与订单不符",
  unavailable: "系统暂时不可用，请稍后重试",
} as const;

/** An error code of a refused callback. */
export type CallbackErrorCode = keyof typeof CALLBACK_MESSAGES;

const amount = z.string().regex(/^[1-9][0-9]{0,17}$/);
const custodyBody = z.object({
  callbackId: z.string().min(1).max(100),
  instructionId: z.string().min(1).max(20),
  bankReference: z.string().min(1).max(100),
  kind: z.enum(["top_up", "freeze", "unfreeze", "transfer", "withdrawal"]),
  status: z.enum(["succeeded", "failed"]),
  failureCode: z.string().max(50).nullable(),
  amountFen: amount,
  executedAt: z.string().max(40),
});
const paymentBody = z.object({
  callbackId: z.string().min(1).max(100),
  merchantOrderNo: z.string().min(1).max(40),
  channel: z.enum(["quick_pay", "alipay", "wechat"]),
  paymentId: z.string().min(1).max(100),
  status: z.enum(["paid", "cancelled"]),
  amountFen: amount,
  decidedAt: z.string().max(40),
});

/** What receiving a callback needs. */
export interface CallbackDeps {
  db: Db;
  outbox: Outbox;
  secret: string;
  securityLog?: SecurityLog;
  now?: Date;
}

/** The HTTP answer to a callback. */
export interface CallbackAnswer {
  status: number;
  body: { ok: true; outcome: string } | { error: { code: CallbackErrorCode; message: string } };
}

function refuse(status: number, code: CallbackErrorCode): CallbackAnswer {
  return { status, body: { error: { code, message: CALLBACK_MESSAGES[code] } } };
}

/** Receive one callback from `source` (the raw body text and the request's headers). */
export async function receiveCallback(
  source: "custody" | "payment",
  rawBody: string,
  headers: Headers,
  deps: CallbackDeps,
): Promise<CallbackAnswer> {
  const path = `/api/callbacks/${source}`;
  const log = (reason: string) =>
    deps.securityLog?.emit("callback.refused", { reason, path, httpMethod: "POST" });
  const verified = await verifyCallback(deps.secret, rawBody, {
    timestamp: headers.get(CALLBACK_TIMESTAMP_HEADER),
    signature: headers.get(CALLBACK_SIGNATURE_HEADER),
  }, deps.now);
  if (!verified.ok) {
    log(verified.code);
    return refuse(401, verified.code);
  }
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    json = null;
  }
  try {
    if (source === "custody") {
      const parsed = custodyBody.safeParse(json);
      if (!parsed.success) {
        log("invalid_body");
        return refuse(400, "invalid_body");
      }
      const result = await applyCustodyCallback(deps.db, parsed.data, { outbox: deps.outbox });
      if (result.ok) return { status: 200, body: { ok: true, outcome: result.outcome } };
      log(result.code);
      return refuse(result.code === "mismatch" ? 409 : 404, result.code);
    }
    const parsed = paymentBody.safeParse(json);
    if (!parsed.success) {
      log("invalid_body");
      return refuse(400, "invalid_body");
    }
    const result = await applyPaymentCallback(deps.db, parsed.data, { outbox: deps.outbox });
    if (result.ok) return { status: 200, body: { ok: true, outcome: result.outcome } };
    log(result.code);
    return refuse(result.code === "mismatch" ? 409 : 404, result.code);
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: "callback_failed", source, error: String(error) }));
    return refuse(503, "unavailable");
  }
}
