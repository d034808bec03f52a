/**
 * Top-up (充值): the user pays through a channel (quick pay, Alipay, WeChat Pay) and the money lands in the
 * user's custody sub-account and available balance.
 *
 * The order of confirmations (the bank first, then our ledger):
 * 1. {@link createTopUpOrder}: an order `pending` (one per user and idempotency key; expires unpaid after
 *    {@link TOP_UP_ORDER_TTL_MINUTES} minutes). The user is sent to the channel's checkout page.
 * 2. The channel's signed callback `paid` ({@link applyPaymentCallback}): the order becomes `paid` and, in
 *    the same transaction, a custody instruction `top_up` is written (the channel settles the cash into the
 *    user's sub-account at the custody bank). Nothing is credited yet: the money is at the channel. A
 *    `cancelled` callback fails the order.
 * 3. The custody bank's signed callback for that instruction ({@link settleTopUpAtBank}, called by the
 *    custody callback dispatcher): only now is the ledger credited (custody_clearing −X, user_available +X,
 *    idempotency key `top_up:<order id>`) and the order `succeeded`. So the ledger never shows money the
 *    bank does not hold, and the daily reconciliation compares like with like.
 *
 * A callback arriving twice, late, or out of order changes nothing the second time (unique callback ids,
 * row locks, state checks, ledger idempotency key). A payment confirmed after the order expired is still
 * honoured (the user paid).
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import { type Db, type Queryable, transaction, type Tx } from "../../db/tx.ts";
import { lockUserForMoney } from "../accounts/account_status.ts";
import type { PaymentCallbackBody, PaymentChannel, PaymentGateway } from "../gateways/payment.ts";
import { postEntry } from "../ledger/ledger.ts";
import { onInviteeMilestone } from "../investor/referral.ts";
import { notify } from "../messaging/notifications.ts";
import type { Fen } from "../money/fen.ts";
import { formatFen, parseYuanToFen } from "../money/format.ts";
import { formatShanghaiDate } from "../shared/shanghai_time.ts";
import { isId } from "../shared/ids.ts";
import { createCustodyInstruction, openCustodyAccountNo } from "./custody_instruction.ts";
import { feeFor } from "./fees.ts";

/** Smallest top-up: 1.00 元. */
export const TOP_UP_MIN_FEN: Fen = 100n;
/** Most a user may top up per day (Asia/Shanghai calendar day), all open and paid orders together: 50 万元. */
export const TOP_UP_DAILY_MAX_FEN: Fen = 50_000_000n;
/** An unpaid order expires after this many minutes. */
export const TOP_UP_ORDER_TTL_MINUTES = 30;

/** Order states. `paid`: the channel confirmed, the bank has not yet — shown to the user as 处理中. */
export type TopUpStatus = "pending" | "paid" | "succeeded" | "failed" | "expired";

/** Chinese names of the states. */
export const TOP_UP_STATUS_LABELS: Record<TopUpStatus, string> = {
  pending: "待支付",
  paid: "银行入账中",
  succeeded: "充值成功",
  failed: "充值失败",
  expired: "已过期",
};

/** Chinese messages of every refusal of the top-up commands. */
export const TOP_UP_MESSAGES = {
  amount_required: "请输入充值金额",
  amount_invalid: "金额格式不正确，最多两位小数",
  amount_not_positive: "充值金额必须大于 0",
  amount_too_small: `单笔充值金额不能低于 ${formatFen(TOP_UP_MIN_FEN)}`,
  daily_limit: `每日充值总额不能超过 ${formatFen(TOP_UP_DAILY_MAX_FEN)}`,
  channel_invalid: "请选择支付方式",
  identity_required: "请先完成实名认证",
  no_custody_account: "您的银行存管账户尚未开通，请稍后再试",
  trade_password_required: "请输入交易密码",
  fee_exceeds_amount: "充值金额须大于充值手续费",
  account_frozen: "您的账户已被冻结，暂时不能进行资金操作。如有疑问请联系客服。",
  account_closed: "该账户已停用或注销，不能进行资金操作",
  not_found: "充值订单不存在",
} as const;

/** Why a top-up was refused. */
export type TopUpRefusal = keyof typeof TOP_UP_MESSAGES;

/**
 * Parse the amount field (yuan, at most two decimals). Codes: `amount_required`, `amount_invalid`,
 * `amount_not_positive`, `amount_too_small`, `daily_limit` (above the daily maximum by itself).
 */
export function parseTopUpAmount(
  text: string,
): { ok: true; amountFen: Fen } | {
  ok: false;
  code: "amount_required" | "amount_invalid" | "amount_not_positive" | "amount_too_small" | "daily_limit";
} {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, code: "amount_required" };
  if (/^-/.test(trimmed)) return { ok: false, code: "amount_not_positive" };
  const fen = parseYuanToFen(trimmed);
  if (fen === null) return { ok: false, code: "amount_invalid" };
  if (fen <= 0n) return { ok: false, code: "amount_not_positive" };
  if (fen < TOP_UP_MIN_FEN) return { ok: false, code: "amount_too_small" };
  if (fen > TOP_UP_DAILY_MAX_FEN) return { ok: false, code: "daily_limit" };
  return { ok: true, amountFen: fen };
}

/** One order as the user sees it. */
export interface TopUpOrder {
  id: string;
  orderNo: string;
  userId: string;
  /** What the user pays at the channel. */
  amountFen: Fen;
  /** The top-up fee (fee rule in force when the order was made); `amountFen − feeFen` is credited. */
  feeFen: Fen;
  channel: PaymentChannel;
  /** `pending` past `expiresAt` reads as `expired` even before the sweep marks it. */
  status: TopUpStatus;
  failureReason: string | null;
  expiresAt: Date;
  createdAt: Date;
  finishedAt: Date | null;
}

/**
 * Outcome of {@link createTopUpOrder}. `replayed`: the idempotency key had made this order before.
 * Codes: see {@link TOP_UP_MESSAGES} (`amount_too_small`, `daily_limit`, `identity_required`,
 * `no_custody_account`, `trade_password_required`, `account_frozen`, `account_closed`, `not_found`).
 */
export type CreateTopUpResult =
  | { ok: true; order: TopUpOrder; replayed: boolean }
  | { ok: false; code: TopUpRefusal };

const ORDER_COLUMNS = `id, order_no as "orderNo", user_id as "userId", amount_fen as "amountFen",
  fee_fen as "feeFen", channel,
  status, failure_reason as "failureReason", expires_at as "expiresAt", created_at as "createdAt",
  finished_at as "finishedAt"`;

function toOrder(row: TopUpOrder, now = new Date()): TopUpOrder {
  const expiresAt = new Date(row.expiresAt);
  const status = row.status === "pending" && expiresAt.getTime() <= now.getTime() ? "expired" : row.status;
  return {
    ...row,
    id: String(row.id),
    userId: String(row.userId),
    amountFen: BigInt(row.amountFen),
    feeFen: BigInt(row.feeFen),
    status,
    expiresAt,
  };
}

async function orderBy(db: Queryable, where: { id?: string; orderNo?: string }, lock = false) {
  const rows = await db.unsafe<TopUpOrder[]>(
    `select ${ORDER_COLUMNS} from top_up_orders where ${where.id ? "id" : "order_no"} = $1${
      lock ? " for update" : ""
    }`,
    [where.id ?? where.orderNo!],
  );
  return rows[0] ?? null;
}

function newOrderNo(now: Date): string {
  const day = formatShanghaiDate(now).replaceAll("-", "");
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `TU${day}${String(random[0] % 1e8).padStart(8, "0")}${String(random[1] % 1e4).padStart(4, "0")}`;
}

/**
 * Create a top-up order (a money command). Call {@link checkTradePassword} first and pass
 * `tradePasswordVerified: true`. The same `idempotencyKey` (the form's hidden field) answers the first
 * order — also when 50 copies race. `ignoreDailyLimit` is for the demo seed only.
 */
export async function createTopUpOrder(
  db: Db,
  input: {
    userId: string;
    amountFen: Fen;
    channel: PaymentChannel;
    idempotencyKey: string;
    tradePasswordVerified: boolean;
  },
  options: { now?: Date; ignoreDailyLimit?: boolean } = {},
): Promise<CreateTopUpResult> {
  const now = options.now ?? new Date();
  const limited = !options.ignoreDailyLimit;
  if (!input.tradePasswordVerified) return { ok: false, code: "trade_password_required" };
  if (input.amountFen < TOP_UP_MIN_FEN) return { ok: false, code: "amount_too_small" };
  if (limited && input.amountFen > TOP_UP_DAILY_MAX_FEN) return { ok: false, code: "daily_limit" };
  const key = input.idempotencyKey.slice(0, 100);
  return await transaction(db, async (tx, rollback) => {
    // one top-up command per user at a time: the daily sum and the idempotency check see each other
    await tx`select pg_advisory_xact_lock(hashtext(${"top_up:" + input.userId}))`;
    const [prior] = await tx.unsafe<TopUpOrder[]>(
      `select ${ORDER_COLUMNS} from top_up_orders where user_id = $1 and idempotency_key = $2`,
      [input.userId, key],
    );
    if (prior) return { ok: true, order: toOrder(prior, now), replayed: true } as const;
    const allowed = await lockUserForMoney(tx, input.userId);
    if (!allowed.ok) return rollback({ ok: false, code: allowed.code });
    const [user] = await tx<{ verified: boolean }[]>`
      select identity_verified_at is not null as verified from users where id = ${input.userId}`;
    if (!user?.verified) return rollback({ ok: false, code: "identity_required" });
    if (!await openCustodyAccountNo(tx, input.userId)) {
      return rollback({ ok: false, code: "no_custody_account" });
    }
    const dayStart = new Date(`${formatShanghaiDate(now)}T00:00:00+08:00`);
    const [{ total }] = await tx<{ total: bigint }[]>`
      select coalesce(sum(amount_fen), 0)::bigint as total from top_up_orders
      where user_id = ${input.userId} and created_at >= ${dayStart}
        and (status in ('paid', 'succeeded') or (status = 'pending' and expires_at > ${now}))`;
    if (limited && BigInt(total) + input.amountFen > TOP_UP_DAILY_MAX_FEN) {
      return rollback({ ok: false, code: "daily_limit" });
    }
    const { feeFen } = await feeFor(tx, "top_up", input.amountFen, now);
    if (feeFen >= input.amountFen) return rollback({ ok: false, code: "fee_exceeds_amount" });
    const expiresAt = new Date(now.getTime() + TOP_UP_ORDER_TTL_MINUTES * 60_000);
    const [row] = await tx.unsafe<TopUpOrder[]>(
      `insert into top_up_orders
         (order_no, user_id, amount_fen, fee_fen, channel, idempotency_key, expires_at, created_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8)
       returning ${ORDER_COLUMNS}`,
      [
        newOrderNo(now),
        input.userId,
        input.amountFen.toString(),
        feeFen.toString(),
        input.channel,
        key,
        expiresAt,
        now,
      ],
    );
    return { ok: true, order: toOrder(row, now), replayed: false } as const;
  });
}

/** Where to send the user to pay `order` (the channel's cashier; our result page is the return path). */
export function topUpCheckoutUrl(payments: PaymentGateway, order: TopUpOrder): Promise<string> {
  return payments.checkoutUrl({
    merchantOrderNo: order.orderNo,
    channel: order.channel,
    amountFen: order.amountFen,
    subject: "账户充值",
    returnPath: `/account/top-up/${order.id}`,
    expiresAt: order.expiresAt,
  });
}

/** A user's order (null when it is not theirs or does not exist). */
export async function getTopUpOrder(db: Queryable, userId: string, id: string): Promise<TopUpOrder | null> {
  if (!isId(id)) return null;
  const row = await orderBy(db, { id });
  return row && String(row.userId) === userId ? toOrder(row) : null;
}

/** What a user still lacks before topping up (the form shows it instead of failing after the password). */
export async function topUpReadiness(
  db: Queryable,
  userId: string,
): Promise<{ identityVerified: boolean; custodyOpen: boolean; active: boolean }> {
  const [row] = await db<{ identityVerified: boolean; custodyOpen: boolean; active: boolean }[]>`
    select u.identity_verified_at is not null as "identityVerified", u.status = 'active' as active,
           exists (select 1 from custody_accounts c where c.user_id = u.id and c.status = 'open') as "custodyOpen"
    from users u where u.id = ${userId}`;
  return row ?? { identityVerified: false, custodyOpen: false, active: false };
}

/** The order a user's idempotency key made, or null (a resubmitted form finds its first order). */
export async function findTopUpOrderByKey(
  db: Queryable,
  userId: string,
  idempotencyKey: string,
): Promise<TopUpOrder | null> {
  const rows = await db.unsafe<TopUpOrder[]>(
    `select ${ORDER_COLUMNS} from top_up_orders where user_id = $1 and idempotency_key = $2`,
    [userId, idempotencyKey.slice(0, 100)],
  );
  return rows[0] ? toOrder(rows[0]) : null;
}

/** A user's orders, newest first. */
export async function listTopUpOrders(
  db: Queryable,
  userId: string,
  page: { limit?: number; offset?: number } = {},
): Promise<{ rows: TopUpOrder[]; total: bigint }> {
  const limit = Math.min(100, Math.max(1, Math.trunc(page.limit ?? 20)));
  const offset = Math.max(0, Math.trunc(page.offset ?? 0));
  const rows = await db.unsafe<TopUpOrder[]>(
    `select ${ORDER_COLUMNS} from top_up_orders where user_id = $1
     order by created_at desc, id desc limit $2 offset $3`,
    [userId, limit, offset],
  );
  const [{ total }] = await db<{ total: bigint }[]>`
    select count(*) as total from top_up_orders where user_id = ${userId}`;
  return { rows: rows.map((r) => toOrder(r)), total: BigInt(total) };
}

/** Mark unpaid orders past their expiry `expired` (the daily job; reads show them expired already). */
export async function expireTopUpOrders(db: Db, now: Date = new Date()): Promise<number> {
  return await transaction(db, async (tx) => {
    const rows = await tx`
      update top_up_orders set status = 'expired', finished_at = ${now}
      where status = 'pending' and expires_at <= ${now}
      returning id`;
    return rows.length;
  });
}

/**
 * Outcome of {@link applyPaymentCallback}:
 * - `applied`: the order moved (`paid` → custody instruction written, or `failed` on `cancelled`);
 * - `duplicate`: this callback id was applied before; `already_final`: the order had moved before;
 * - `unknown_order`, `mismatch` (amount or channel differ from the order): nothing changed.
 */
export type ApplyPaymentCallbackResult =
  | { ok: true; outcome: "applied" | "duplicate" | "already_final" }
  | { ok: false; code: "unknown_order" | "mismatch" };

/** Apply one verified payment-channel callback exactly once (one transaction). */
export async function applyPaymentCallback(
  db: Db,
  body: PaymentCallbackBody,
  deps: { outbox: Outbox },
): Promise<ApplyPaymentCallbackResult> {
  return await transaction(db, async (tx, rollback) => {
    const order = await orderBy(tx, { orderNo: body.merchantOrderNo }, true);
    if (!order) return rollback({ ok: false, code: "unknown_order" });
    if (BigInt(order.amountFen).toString() !== body.amountFen || order.channel !== body.channel) {
      return rollback({ ok: false, code: "mismatch" });
    }
    const movable = order.status === "pending" || (order.status === "expired" && body.status === "paid");
    const [recorded] = await tx<{ id: string }[]>`
      insert into custody_callbacks (source, callback_id, subject, outcome, body)
      values ('payment', ${body.callbackId}, ${"top_up_order:" + order.id},
              ${movable ? body.status : "already_final"}, ${tx.json(JSON.parse(JSON.stringify(body)))})
      on conflict (source, callback_id) do nothing
      returning id`;
    if (!recorded) return { ok: true, outcome: "duplicate" } as const;
    if (!movable) return { ok: true, outcome: "already_final" } as const;
    const id = String(order.id);
    if (body.status === "cancelled") {
      await tx`update top_up_orders set status = 'failed', failure_reason = 'cancelled', payment_id = ${body.paymentId},
                 finished_at = now() where id = ${id}`;
      return { ok: true, outcome: "applied" } as const;
    }
    // the channel keeps the fee for the platform and settles the rest into the user's sub-account
    const created = await createCustodyInstruction(tx, {
      kind: "top_up",
      userId: String(order.userId),
      amountFen: BigInt(order.amountFen) - BigInt(order.feeFen),
      reference: `top_up_order:${id}`,
    }, deps);
    if (!created.ok) {
      // the account was open when the order was made; a bank that closed it meanwhile needs a person
      throw new Error(`top-up order ${id} paid but the user has no open custody account`);
    }
    await tx`update top_up_orders set status = 'paid', payment_id = ${body.paymentId},
               custody_instruction_id = ${created.instructionId}
             where id = ${id}`;
    return { ok: true, outcome: "applied" } as const;
  });
}

/**
 * The custody bank confirmed (or refused) the top-up instruction of order `orderId`: credit the ledger and
 * finish the order, inside the dispatcher's transaction. Exactly once (state check under a row lock, and
 * the ledger's idempotency key `top_up:<order id>`).
 */
export async function settleTopUpAtBank(
  tx: Tx,
  input: { orderId: string; succeeded: boolean; failureCode: string | null },
  deps: { outbox: Outbox },
): Promise<void> {
  if (!isId(input.orderId)) return;
  const order = await orderBy(tx, { id: input.orderId }, true);
  if (!order || order.status !== "paid") return;
  const id = String(order.id);
  const userId = String(order.userId);
  const amount = BigInt(order.amountFen);
  const fee = BigInt(order.feeFen);
  const credited = amount - fee;
  if (!input.succeeded) {
    await tx`update top_up_orders set status = 'failed', failure_reason = ${
      "bank_" + (input.failureCode ?? "failed")
    },
               finished_at = now() where id = ${id}`;
    return;
  }
  const posted = await postEntry(tx, {
    businessType: "top_up",
    reference: `top_up_order:${id}`,
    idempotencyKey: `top_up:${id}`,
    memo: fee > 0n
      ? `充值 ${formatFen(amount)}，手续费 ${formatFen(fee)}（${order.orderNo}）`
      : `充值 ${formatFen(amount)}（${order.orderNo}）`,
    lines: [
      { account: { kind: "custody_clearing" }, amountFen: -amount },
      { account: { kind: "user_available", userId }, amountFen: credited },
      ...(fee > 0n ? [{ account: { kind: "platform_fee_income" as const }, amountFen: fee }] : []),
    ],
  });
  if (!posted.ok) throw new Error(`top-up ${id}: ledger refused the credit (${posted.code})`);
  await tx`update top_up_orders set status = 'succeeded', journal_entry_id = ${posted.entryId}, finished_at = now()
           where id = ${id}`;
  await notify(tx, deps.outbox, {
    userId,
    kind: "generic",
    key: `top_up:${id}`,
    payload: {
      title: "充值成功",
      body: `您的充值 ${formatFen(credited)} 已到账${
        fee > 0n ? `（手续费 ${formatFen(fee)}）` : ""
      }（订单号 ${order.orderNo}）。`,
    },
  }); // an inviter's reward when the staff's rule pays for an invitee's first top-up (credited once)
  await onInviteeMilestone(tx, deps.outbox, { inviteeId: userId, milestone: "first_top_up" });
}
