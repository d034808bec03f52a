/**
 * Withdrawals (提现): a user moves available money to a bound bank card through the custody bank.
 *
 * Life of a withdrawal (status in `withdrawals`):
 * - **request** ({@link requestWithdrawal}): amount, card, trade password (checked by the caller, afresh),
 *   idempotency key. In one transaction: the user row is locked (so daily limits and the idempotency key
 *   hold under any concurrency), the fee in force is computed, and `amount` moves available → frozen in the
 *   ledger (`withdrawal_freeze`). Up to the review threshold it is sent to the custody bank at once
 *   (`processing`); above it, it waits for staff (`pending_review`).
 * - **review** ({@link approveWithdrawal}, {@link rejectWithdrawal}): above the review threshold one
 *   approval, above the second threshold two approvals by two different staff members (four eyes: whoever
 *   gave the first approval cannot give the second). A rejection returns the money (`withdrawal_return`)
 *   with a reason and notifies the user.
 * - **outcome** ({@link applyWithdrawalOutcome}, called by the custody callback): success settles
 *   (`withdrawal_settle`: frozen −amount, custody clearing +net, platform fee income +fee); failure returns
 *   the money. Exactly once: the row is locked and only a `processing` withdrawal changes.
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import { type Db, type Queryable, transaction, type Tx } from "../../db/tx.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import { getActiveCard } from "../identity/bank_card.ts";
import { postEntry, type PostingLine } from "../ledger/ledger.ts";
import { notify } from "../messaging/notifications.ts";
import type { Fen } from "../money/fen.ts";
import { formatFen, parseYuanToFen } from "../money/format.ts";
import { isId } from "../shared/ids.ts";
import { formatShanghaiDate } from "../shared/shanghai_time.ts";
import { appendAudit } from "../staff/audit_log.ts";
import { can } from "../staff/permissions.ts";
import { computeFeeFen, currentFee } from "./fees.ts";
import { createCustodyInstruction } from "./custody_instruction.ts";

/** Withdrawal states. */
export type WithdrawalStatus = "pending_review" | "processing" | "succeeded" | "failed" | "rejected";

/** Chinese names of the states. */
export const WITHDRAWAL_STATUS_LABELS: Readonly<Record<WithdrawalStatus, string>> = {
  pending_review: "审核中",
  processing: "处理中",
  succeeded: "已到账",
  failed: "失败（已退回）",
  rejected: "未通过（已退回）",
};

/** What the user sees once a withdrawal is submitted. */
export const WITHDRAWAL_SUBMITTED_TEXT = "提现申请已提交，预计 T+1 到账";

/** The staff-configurable settings (one row). */
export interface WithdrawalSettings {
  /** Above this amount a withdrawal waits for one staff approval. */
  reviewThresholdFen: Fen;
  /** Above this amount it needs two approvals by different staff members. */
  secondApprovalThresholdFen: Fen;
  /** The smallest withdrawal. */
  minAmountFen: Fen;
  /** Withdrawals per user per day (Asia/Shanghai), rejected and failed ones not counted. */
  dailyCountLimit: number;
  /** Total withdrawn per user per day. */
  dailyAmountLimitFen: Fen;
  updatedBy: string | null;
  updatedByName: string | null;
  updatedAt: Date;
}

/** The current settings. */
export async function getWithdrawalSettings(db: Queryable): Promise<WithdrawalSettings> {
  const [row] = await db<WithdrawalSettings[]>`
    select w.review_threshold_fen as "reviewThresholdFen",
      w.second_approval_threshold_fen as "secondApprovalThresholdFen", w.min_amount_fen as "minAmountFen",
      w.daily_count_limit as "dailyCountLimit", w.daily_amount_limit_fen as "dailyAmountLimitFen",
      w.updated_by as "updatedBy", s.display_name as "updatedByName", w.updated_at as "updatedAt"
    from withdrawal_settings w left join staff s on s.id = w.updated_by where w.id = 1`;
  if (!row) throw new Error("withdrawal_settings row missing (migration 0011)");
  return {
    ...row,
    reviewThresholdFen: BigInt(row.reviewThresholdFen),
    secondApprovalThresholdFen: BigInt(row.secondApprovalThresholdFen),
    minAmountFen: BigInt(row.minAmountFen),
    dailyAmountLimitFen: BigInt(row.dailyAmountLimitFen),
    dailyCountLimit: Number(row.dailyCountLimit),
    updatedBy: row.updatedBy === null ? null : String(row.updatedBy),
  };
}

/** How many staff approvals an amount needs under `settings`: 0, 1 or 2. */
export function requiredApprovals(
  amountFen: Fen,
  settings: Pick<
    WithdrawalSettings,
    "reviewThresholdFen" | "secondApprovalThresholdFen"
  >,
): 0 | 1 | 2 {
  if (amountFen > settings.secondApprovalThresholdFen) return 2;
  if (amountFen > settings.reviewThresholdFen) return 1;
  return 0;
}

/** The start of the Asia/Shanghai day of `now`. */
function shanghaiDayStart(now: Date): Date {
  return new Date(`${formatShanghaiDate(now)}T00:00:00+08:00`);
}

/** What a withdrawal of `amountFen` costs and brings now: fee by the rule in force, and the net amount. */
export async function previewWithdrawal(
  db: Queryable,
  amountFen: Fen,
  at: Date = new Date(),
): Promise<{ feeFen: Fen; netFen: Fen; feeRuleId: string | null }> {
  const rule = await currentFee(db, "withdrawal", at);
  const feeFen = rule ? computeFeeFen(rule.rule, amountFen) : 0n;
  return { feeFen, netFen: amountFen - feeFen, feeRuleId: rule?.id ?? null };
}

/** A withdrawal as its user sees it. */
export interface UserWithdrawal {
  id: string;
  amountFen: Fen;
  feeFen: Fen;
  netFen: Fen;
  status: WithdrawalStatus;
  bankName: string;
  last4: string;
  rejectReason: string | null;
  createdAt: Date;
  completedAt: Date | null;
}

/** A user's withdrawals, newest first (at most `limit`). */
export async function listUserWithdrawals(
  db: Queryable,
  userId: string,
  limit = 50,
): Promise<UserWithdrawal[]> {
  if (!isId(userId)) return [];
  const rows = await db<UserWithdrawal[]>`
    select w.id, w.amount_fen as "amountFen", w.fee_fen as "feeFen", w.net_fen as "netFen", w.status,
      c.bank_name as "bankName", c.last4, w.reject_reason as "rejectReason", w.created_at as "createdAt",
      w.completed_at as "completedAt"
    from withdrawals w join bank_cards c on c.id = w.card_id
    where w.user_id = ${userId} order by w.id desc limit ${limit}`;
  return rows.map((r) => ({ ...r, id: String(r.id) }));
}

/** The id of the user's withdrawal made with `idempotencyKey`, or null (a resubmitted form finds it). */
export async function findWithdrawalByKey(
  db: Queryable,
  userId: string,
  idempotencyKey: string,
): Promise<string | null> {
  if (!isId(userId) || idempotencyKey.length === 0 || idempotencyKey.length > 200) return null;
  const [row] = await db<{ id: string }[]>`
    select id from withdrawals where user_id = ${userId} and idempotency_key = ${idempotencyKey}`;
  return row ? String(row.id) : null;
}

/** Input of {@link requestWithdrawal}. */
export interface WithdrawalRequestInput {
  userId: string;
  cardId: string;
  /** The amount in yuan as typed (at most two decimals). */
  amountYuan: string;
  /** The form's idempotency key: a repeat returns the first result and moves nothing. */
  idempotencyKey: string;
  /** The caller checked the trade password just now (`checkTradePassword`); required. */
  tradePasswordVerified: boolean;
  ip: string | null;
}

/**
 * Outcome of {@link requestWithdrawal}. Codes: `invalid_input` (fields: amountYuan, cardId,
 * idempotencyKey), `trade_password_required`, `user_inactive` (not `active`, e.g. frozen),
 * `custody_account_not_open`, `card_not_found`, `below_minimum`, `amount_below_fee` (the fee would take it
 * all), `daily_count_exceeded`, `daily_amount_exceeded`, `insufficient_funds`, `custody_unavailable` (the
 * custody instruction could not be created; nothing changed).
 */
export type WithdrawalRequestResult =
  | {
    ok: true;
    withdrawalId: string;
    status: WithdrawalStatus;
    amountFen: Fen;
    feeFen: Fen;
    netFen: Fen;
    /** A repeat of an earlier request with the same idempotency key (nothing moved this time). */
    replayed: boolean;
  }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> }
  | {
    ok: false;
    code:
      | "trade_password_required"
      | "user_inactive"
      | "custody_account_not_open"
      | "card_not_found"
      | "below_minimum"
      | "amount_below_fee"
      | "daily_count_exceeded"
      | "daily_amount_exceeded"
      | "insufficient_funds"
      | "custody_unavailable";
    /** For the limits and the minimum: the figure that was crossed. */
    limitFen?: Fen;
    limitCount?: number;
  };

/** Chinese messages for the failures of withdrawal commands. */
export const WITHDRAWAL_MESSAGES = {
  trade_password_required: "请输入交易密码",
  user_inactive: "账户当前不能提现（已冻结或已注销），如有疑问请联系客服",
  custody_account_not_open: "存管账户尚未开通，请先完成实名认证",
  card_not_found: "请选择一张已绑定的银行卡",
  below_minimum: "提现金额低于单笔最低金额",
  amount_below_fee: "提现金额须大于手续费",
  daily_count_exceeded: "已达到今日提现次数上限，请明天再试",
  daily_amount_exceeded: "超过今日提现金额上限",
  insufficient_funds: "可用余额不足",
  custody_unavailable: "存管银行暂时无法受理，请稍后再试",
  forbidden: "无权操作",
  not_found: "提现记录不存在",
  not_pending: "该笔提现已处理，不能重复操作",
  already_approved: "您已审批过该笔提现，第二次审批须由另一位员工完成",
} as const;

/** A message for a failed request (with the limit where it helps). */
export function withdrawalErrorMessage(
  result: Extract<WithdrawalRequestResult, { ok: false }>,
): string {
  if (result.code === "invalid_input") return Object.values(result.fields)[0]?.[0] ?? "请检查输入";
  const base = WITHDRAWAL_MESSAGES[result.code];
  if (result.code === "below_minimum" && result.limitFen !== undefined) {
    return `${base}（${formatFen(result.limitFen)}）`;
  }
  if (result.code === "daily_amount_exceeded" && result.limitFen !== undefined) {
    return `${base}（每日 ${formatFen(result.limitFen)}）`;
  }
  if (result.code === "daily_count_exceeded" && result.limitCount !== undefined) {
    return `${base}（每日 ${result.limitCount} 笔）`;
  }
  return base;
}

/** The form field each request failure belongs next to. */
export const WITHDRAWAL_ERROR_FIELD: Readonly<Record<string, string>> = {
  trade_password_required: "tradePassword",
  card_not_found: "cardId",
  below_minimum: "amountYuan",
  amount_below_fee: "amountYuan",
  daily_count_exceeded: "amountYuan",
  daily_amount_exceeded: "amountYuan",
  insufficient_funds: "amountYuan",
};

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{8,100}$/;

/** Validate the typed fields (pure): the amount in fen, or field errors. */
export function parseWithdrawalForm(input: { cardId: string; amountYuan: string; idempotencyKey: string }):
  | { ok: true; amountFen: Fen }
  | { ok: false; fields: Record<string, string[]> } {
  const fields: Record<string, string[]> = {};
  const text = input.amountYuan.trim();
  const amountFen = text.length > 20 ? null : parseYuanToFen(text);
  if (text === "") fields.amountYuan = ["请输入提现金额"];
  else if (amountFen === null) fields.amountYuan = ["金额格式不正确：请输入正数，最多两位小数"];
  else if (amountFen <= 0n) fields.amountYuan = ["提现金额须大于 0"];
  if (!isId(input.cardId)) fields.cardId = ["请选择一张已绑定的银行卡"];
  if (!IDEMPOTENCY_KEY.test(input.idempotencyKey)) fields.idempotencyKey = ["页面已过期，请刷新后重试"];
  if (Object.keys(fields).length > 0 || amountFen === null) return { ok: false, fields };
  return { ok: true, amountFen };
}

interface WithdrawalRow {
  id: string;
  userId: string;
  cardId: string;
  amountFen: Fen;
  feeFen: Fen;
  netFen: Fen;
  status: WithdrawalStatus;
  requiredApprovals: number;
}

function withdrawalColumns(db: Queryable) {
  return db`id, user_id as "userId", card_id as "cardId", amount_fen as "amountFen", fee_fen as "feeFen",
    net_fen as "netFen", status, required_approvals as "requiredApprovals"`;
}

/**
 * Request a withdrawal (see the module doc). The trade password must have been checked by the caller just
 * before (`tradePasswordVerified: true`). A repeat with the same idempotency key returns the first result
 * (`replayed: true`) and moves nothing — also when 50 copies arrive at once (the user row lock serialises
 * them, and the key is unique per user).
 */
export async function requestWithdrawal(
  sql: Db,
  input: WithdrawalRequestInput,
  deps: { outbox: Outbox },
  now: Date = new Date(),
): Promise<WithdrawalRequestResult> {
  if (!isId(input.userId)) return { ok: false, code: "user_inactive" };
  const parsed = parseWithdrawalForm(input);
  if (!parsed.ok) return { ok: false, code: "invalid_input", fields: parsed.fields };
  if (input.tradePasswordVerified !== true) return { ok: false, code: "trade_password_required" };
  const amountFen = parsed.amountFen;

  return await transaction(sql, async (tx, rollback): Promise<WithdrawalRequestResult> => {
    const [user] = await tx<
      { status: string }[]
    >`select status from users where id = ${input.userId} for update`;
    if (!user || user.status !== "active") return { ok: false, code: "user_inactive" };

    const [earlier] = await tx<WithdrawalRow[]>`
      select ${withdrawalColumns(tx)} from withdrawals
      where user_id = ${input.userId} and idempotency_key = ${input.idempotencyKey}`;
    if (earlier) {
      return {
        ok: true,
        withdrawalId: String(earlier.id),
        status: earlier.status,
        amountFen: earlier.amountFen,
        feeFen: earlier.feeFen,
        netFen: earlier.netFen,
        replayed: true,
      };
    }

    const [custody] = await tx<{ status: string }[]>`
      select status from custody_accounts where user_id = ${input.userId}`;
    if (custody?.status !== "open") return { ok: false, code: "custody_account_not_open" };
    if (!await getActiveCard(tx, input.userId, input.cardId)) return { ok: false, code: "card_not_found" };

    const settings = await getWithdrawalSettings(tx);
    if (amountFen < settings.minAmountFen) {
      return { ok: false, code: "below_minimum", limitFen: settings.minAmountFen };
    }
    const [today] = await tx<{ n: bigint; total: bigint }[]>`
      select count(*) as n, coalesce(sum(amount_fen), 0)::bigint as total from withdrawals
      where user_id = ${input.userId} and created_at >= ${shanghaiDayStart(now)}
        and status not in ('rejected', 'failed')`;
    if (BigInt(today.n) >= BigInt(settings.dailyCountLimit)) {
      return { ok: false, code: "daily_count_exceeded", limitCount: settings.dailyCountLimit };
    }
    if (BigInt(today.total) + amountFen > settings.dailyAmountLimitFen) {
      return { ok: false, code: "daily_amount_exceeded", limitFen: settings.dailyAmountLimitFen };
    }
    const { feeFen, netFen, feeRuleId } = await previewWithdrawal(tx, amountFen, now);
    if (feeFen >= amountFen) return { ok: false, code: "amount_below_fee" };

    const approvals = requiredApprovals(amountFen, settings);
    const status: WithdrawalStatus = approvals === 0 ? "processing" : "pending_review";
    const [row] = await tx<{ id: string }[]>`
      insert into withdrawals (user_id, card_id, amount_fen, fee_fen, net_fen, fee_rule_id, status,
        required_approvals, idempotency_key, ip)
      values (${input.userId}, ${input.cardId}, ${amountFen}, ${feeFen}, ${netFen}, ${feeRuleId}, ${status},
        ${approvals}, ${input.idempotencyKey}, ${input.ip})
      returning id`;
    const id = String(row.id);
    const posted = await postEntry(tx, {
      businessType: "withdrawal_freeze",
      reference: `withdrawal:${id}`,
      idempotencyKey: `withdrawal:${id}:freeze`,
      memo: `提现冻结 ${formatFen(amountFen)}`,
      lines: [
        { account: { kind: "user_available", userId: input.userId }, amountFen: -amountFen },
        { account: { kind: "user_frozen", userId: input.userId }, amountFen },
      ],
    });
    if (!posted.ok) return rollback({ ok: false, code: "insufficient_funds" });
    if (status === "processing") {
      const sent = await sendToCustody(tx, { id, userId: input.userId, amountFen }, deps);
      if (!sent) return rollback({ ok: false, code: "custody_unavailable" });
    }
    return { ok: true, withdrawalId: id, status, amountFen, feeFen, netFen, replayed: false };
  });
}

/**
 * Send a withdrawal to the custody bank (an instruction, delivered by the outbox after commit) and mark it
 * `processing`. Returns false when the instruction could not be created (the caller rolls back).
 */
async function sendToCustody(
  tx: Tx,
  w: { id: string; userId: string; amountFen: Fen },
  deps: { outbox: Outbox },
): Promise<boolean> {
  const created = await createCustodyInstruction(tx, {
    kind: "withdrawal",
    userId: w.userId,
    amountFen: w.amountFen,
    reference: `withdrawal:${w.id}`,
    idempotencyKey: `withdrawal:${w.id}`,
  }, deps);
  if (!created.ok) return false;
  await tx`
    update withdrawals set status = 'processing', custody_instruction_id = ${created.instructionId},
      sent_at = now()
    where id = ${w.id}`;
  return true;
}

/** Outcome of {@link applyWithdrawalOutcome}. */
export type WithdrawalOutcomeResult =
  | { ok: true; applied: boolean; status: WithdrawalStatus }
  | { ok: false; code: "not_found" | "not_processing" };

/**
 * Apply the custody bank's answer to a withdrawal, inside the caller's transaction (the custody callback
 * dispatcher's). Exactly once: the row is locked, and only a `processing` withdrawal changes; a repeated
 * answer returns `applied: false`. Success settles (frozen −amount, custody clearing +net, platform fee
 * income +fee); failure returns the amount to available. The user is notified either way.
 *
 * Codes: `not_found`, `not_processing` (still waiting for review or rejected: the bank cannot have it).
 */
export async function applyWithdrawalOutcome(
  tx: Tx,
  input: { withdrawalId: string; outcome: "succeeded" | "failed"; bankReference: string | null },
  deps: { outbox: Outbox },
): Promise<WithdrawalOutcomeResult> {
  if (!isId(input.withdrawalId)) return { ok: false, code: "not_found" };
  const [w] = await tx<WithdrawalRow[]>`
    select ${withdrawalColumns(tx)} from withdrawals where id = ${input.withdrawalId} for update`;
  if (!w) return { ok: false, code: "not_found" };
  if (w.status === "succeeded" || w.status === "failed") {
    return { ok: true, applied: false, status: w.status };
  }
  if (w.status !== "processing") return { ok: false, code: "not_processing" };
  const id = String(w.id);
  const userId = String(w.userId);
  const bankReference = input.bankReference?.slice(0, 200) ?? null;
  if (input.outcome === "succeeded") {
    const lines: PostingLine[] = [
      { account: { kind: "user_frozen", userId }, amountFen: -w.amountFen },
      { account: { kind: "custody_clearing" }, amountFen: w.netFen },
    ];
    if (w.feeFen > 0n) lines.push({ account: { kind: "platform_fee_income" }, amountFen: w.feeFen });
    const posted = await postEntry(tx, {
      businessType: "withdrawal_settle",
      reference: `withdrawal:${id}`,
      idempotencyKey: `withdrawal:${id}:settle`,
      memo: `提现到账 ${formatFen(w.netFen)}，手续费 ${formatFen(w.feeFen)}`,
      lines,
    });
    if (!posted.ok) throw new Error(`withdrawal ${id}: frozen balance short by ${posted.shortFen} fen`);
    await tx`
      update withdrawals set status = 'succeeded', bank_reference = ${bankReference}, completed_at = now()
      where id = ${id}`;
    await notify(tx, deps.outbox, {
      userId,
      kind: "generic",
      key: `withdrawal:${id}:succeeded`,
      payload: {
        title: "提现成功",
        body: `您的提现 ${formatFen(w.amountFen)} 已由存管银行处理，到账 ${formatFen(w.netFen)}` +
          `（手续费 ${formatFen(w.feeFen)}），请留意银行卡入账。`,
        channels: ["sms"],
      },
    });
    return { ok: true, applied: true, status: "succeeded" };
  }
  await returnFrozen(tx, { id, userId, amountFen: w.amountFen });
  await tx`
    update withdrawals set status = 'failed', bank_reference = ${bankReference}, completed_at = now()
    where id = ${id}`;
  await notify(tx, deps.outbox, {
    userId,
    kind: "generic",
    key: `withdrawal:${id}:failed`,
    payload: {
      title: "提现失败",
      body: `您的提现 ${formatFen(w.amountFen)} 未能由存管银行完成，资金已退回可用余额。如有疑问请联系客服。`,
      channels: ["sms"],
    },
  });
  return { ok: true, applied: true, status: "failed" };
}

/** Frozen → available for a withdrawal that will not be paid (rejected or failed). */
async function returnFrozen(tx: Tx, w: { id: string; userId: string; amountFen: Fen }): Promise<void> {
  const posted = await postEntry(tx, {
    businessType: "withdrawal_return",
    reference: `withdrawal:${w.id}`,
    idempotencyKey: `withdrawal:${w.id}:return`,
    memo: `提现退回 ${formatFen(w.amountFen)}`,
    lines: [
      { account: { kind: "user_frozen", userId: w.userId }, amountFen: -w.amountFen },
      { account: { kind: "user_available", userId: w.userId }, amountFen: w.amountFen },
    ],
  });
  if (!posted.ok) throw new Error(`withdrawal ${w.id}: frozen balance short by ${posted.shortFen} fen`);
}

/** A staff actor. */
export interface StaffActor {
  staff: Pick<SessionStaff, "id" | "permissions">;
  ip: string | null;
}

/**
 * Outcome of {@link approveWithdrawal}: the approvals so far and the status after this one (`processing`
 * once the last needed approval is in). Codes: `forbidden`, `not_found`, `not_pending`, `already_approved`
 * (four eyes: the same staff member cannot give a second approval), `custody_unavailable`.
 */
export type ApproveWithdrawalResult =
  | { ok: true; status: WithdrawalStatus; approvals: number; requiredApprovals: number }
  | {
    ok: false;
    code: "forbidden" | "not_found" | "not_pending" | "already_approved" | "custody_unavailable";
  };

/**
 * Approve a withdrawal waiting for review (permission `finance.withdrawals`). With the last needed approval
 * it goes to the custody bank. Audited as `withdrawal.approve`.
 */
export async function approveWithdrawal(
  sql: Db,
  input: { withdrawalId: string },
  actor: StaffActor,
  deps: { outbox: Outbox },
): Promise<ApproveWithdrawalResult> {
  if (!can(actor.staff, "finance.withdrawals")) return { ok: false, code: "forbidden" };
  if (!isId(input.withdrawalId)) return { ok: false, code: "not_found" };
  return await transaction(sql, async (tx, rollback): Promise<ApproveWithdrawalResult> => {
    const [w] = await tx<WithdrawalRow[]>`
      select ${withdrawalColumns(tx)} from withdrawals where id = ${input.withdrawalId} for update`;
    if (!w) return { ok: false, code: "not_found" };
    if (w.status !== "pending_review") return { ok: false, code: "not_pending" };
    const [mine] = await tx`
      select 1 from withdrawal_approvals where withdrawal_id = ${w.id} and staff_id = ${actor.staff.id}`;
    if (mine) return { ok: false, code: "already_approved" };
    await tx`insert into withdrawal_approvals (withdrawal_id, staff_id) values (${w.id}, ${actor.staff.id})`;
    const [{ n }] = await tx<{ n: bigint }[]>`
      select count(*) as n from withdrawal_approvals where withdrawal_id = ${w.id}`;
    const approvals = Number(n);
    const required = Number(w.requiredApprovals);
    let status: WithdrawalStatus = "pending_review";
    if (approvals >= required) {
      const sent = await sendToCustody(tx, {
        id: String(w.id),
        userId: String(w.userId),
        amountFen: w.amountFen,
      }, deps);
      if (!sent) return rollback({ ok: false, code: "custody_unavailable" });
      status = "processing";
    }
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "withdrawal.approve",
      target: `withdrawal:${w.id}`,
      detail: { amountFen: String(w.amountFen), approval: approvals, requiredApprovals: required, status },
      ip: actor.ip,
    });
    return { ok: true, status, approvals, requiredApprovals: required };
  });
}

/** Outcome of {@link rejectWithdrawal}. */
export type RejectWithdrawalResult =
  | { ok: true }
  | { ok: false; code: "forbidden" | "not_found" | "not_pending" }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/**
 * Reject a withdrawal waiting for review with a reason (2–200 characters; permission
 * `finance.withdrawals`): the money returns to available and the user is notified with the reason.
 * Audited as `withdrawal.reject`.
 */
export async function rejectWithdrawal(
  sql: Db,
  input: { withdrawalId: string; reason: string },
  actor: StaffActor,
  deps: { outbox: Outbox },
): Promise<RejectWithdrawalResult> {
  if (!can(actor.staff, "finance.withdrawals")) return { ok: false, code: "forbidden" };
  const reason = input.reason.trim();
  const len = Array.from(reason).length;
  if (len < 2 || len > 200) {
    return { ok: false, code: "invalid_input", fields: { reason: ["请填写拒绝原因（2–200 个字）"] } };
  }
  if (!isId(input.withdrawalId)) return { ok: false, code: "not_found" };
  return await transaction(sql, async (tx): Promise<RejectWithdrawalResult> => {
    const [w] = await tx<WithdrawalRow[]>`
      select ${withdrawalColumns(tx)} from withdrawals where id = ${input.withdrawalId} for update`;
    if (!w) return { ok: false, code: "not_found" };
    if (w.status !== "pending_review") return { ok: false, code: "not_pending" };
    const id = String(w.id);
    const userId = String(w.userId);
    await returnFrozen(tx, { id, userId, amountFen: w.amountFen });
    await tx`
      update withdrawals set status = 'rejected', reject_reason = ${reason}, rejected_by = ${actor.staff.id},
        completed_at = now()
      where id = ${id}`;
    await notify(tx, deps.outbox, {
      userId,
      kind: "generic",
      key: `withdrawal:${id}:rejected`,
      payload: {
        title: "提现申请未通过",
        body: `您的提现申请 ${formatFen(w.amountFen)} 未通过审核，原因：${reason}。资金已退回可用余额。`,
        channels: ["sms"],
      },
    });
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "withdrawal.reject",
      target: `withdrawal:${id}`,
      detail: { amountFen: String(w.amountFen), reason },
      ip: actor.ip,
    });
    return { ok: true };
  });
}

/** A withdrawal in the staff queue or the recent list. */
export interface StaffWithdrawalRow {
  id: string;
  userId: string;
  userName: string | null;
  amountFen: Fen;
  feeFen: Fen;
  netFen: Fen;
  status: WithdrawalStatus;
  requiredApprovals: number;
  bankName: string;
  last4: string;
  rejectReason: string | null;
  rejectedByName: string | null;
  createdAt: Date;
  completedAt: Date | null;
  /** Who approved, in order. */
  approvals: { staffId: string; staffName: string; at: Date }[];
}

/**
 * Withdrawals for staff: `pending` — waiting for review, oldest first; `recent` — the latest others,
 * newest first. At most `limit`.
 */
export async function listStaffWithdrawals(
  db: Queryable,
  which: "pending" | "recent",
  limit = 100,
): Promise<StaffWithdrawalRow[]> {
  const rows = await db<(Omit<StaffWithdrawalRow, "approvals"> & { approvals: unknown })[]>`
    select w.id, w.user_id as "userId", u.display_name as "userName", w.amount_fen as "amountFen",
      w.fee_fen as "feeFen", w.net_fen as "netFen", w.status, w.required_approvals as "requiredApprovals",
      c.bank_name as "bankName", c.last4, w.reject_reason as "rejectReason",
      r.display_name as "rejectedByName", w.created_at as "createdAt", w.completed_at as "completedAt",
      coalesce((
        select json_agg(json_build_object('staffId', a.staff_id::text, 'staffName', s.display_name,
          'at', a.created_at) order by a.id)
        from withdrawal_approvals a join staff s on s.id = a.staff_id where a.withdrawal_id = w.id
      ), '[]'::json) as approvals
    from withdrawals w
      join users u on u.id = w.user_id
      join bank_cards c on c.id = w.card_id
      left join staff r on r.id = w.rejected_by
    where ${which === "pending" ? db`w.status = 'pending_review'` : db`w.status <> 'pending_review'`}
    order by ${which === "pending" ? db`w.id asc` : db`w.id desc`}
    limit ${limit}`;
  return rows.map((r) => {
    const raw = (typeof r.approvals === "string" ? JSON.parse(r.approvals) : r.approvals) as {
      staffId: string;
      staffName: string;
      at: string;
    }[];
    return {
      ...r,
      id: String(r.id),
      userId: String(r.userId),
      requiredApprovals: Number(r.requiredApprovals),
      approvals: raw.map((a) => ({ staffId: String(a.staffId), staffName: a.staffName, at: new Date(a.at) })),
    };
  });
}

/** The settings form as typed by staff. */
export interface WithdrawalSettingsForm {
  reviewThresholdYuan: string;
  secondApprovalThresholdYuan: string;
  minAmountYuan: string;
  dailyCountLimit: string;
  dailyAmountLimitYuan: string;
}

/** Outcome of {@link updateWithdrawalSettings}. */
export type UpdateWithdrawalSettingsResult =
  | { ok: true }
  | { ok: false; code: "forbidden" }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/**
 * Change the withdrawal settings (permission `finance.withdrawals`). Audited as `withdrawal.settings` with
 * the values before and after.
 */
export async function updateWithdrawalSettings(
  sql: Db,
  input: WithdrawalSettingsForm,
  actor: StaffActor,
): Promise<UpdateWithdrawalSettingsResult> {
  if (!can(actor.staff, "finance.withdrawals")) return { ok: false, code: "forbidden" };
  const fields: Record<string, string[]> = {};
  const yuan = (key: keyof WithdrawalSettingsForm, positive: boolean): Fen => {
    const text = input[key].trim();
    const fen = text.length > 20 ? null : parseYuanToFen(text);
    if (fen === null) fields[key] = ["请输入金额（元），最多两位小数"];
    else if (positive && fen <= 0n) fields[key] = ["须大于 0"];
    return fen ?? 0n;
  };
  const review = yuan("reviewThresholdYuan", false);
  const second = yuan("secondApprovalThresholdYuan", false);
  const min = yuan("minAmountYuan", true);
  const dailyAmount = yuan("dailyAmountLimitYuan", true);
  const countText = input.dailyCountLimit.trim();
  const count = /^[1-9][0-9]{0,3}$/.test(countText) ? Number(countText) : null;
  if (count === null) fields.dailyCountLimit = ["请输入 1–9999 的整数"];
  if (!fields.reviewThresholdYuan && !fields.secondApprovalThresholdYuan && second < review) {
    fields.secondApprovalThresholdYuan = ["双人审批金额不能低于审核金额"];
  }
  if (Object.keys(fields).length > 0) return { ok: false, code: "invalid_input", fields };
  return await transaction(sql, async (tx): Promise<UpdateWithdrawalSettingsResult> => {
    await tx`select 1 from withdrawal_settings where id = 1 for update`;
    const before = await getWithdrawalSettings(tx);
    await tx`
      update withdrawal_settings set review_threshold_fen = ${review},
        second_approval_threshold_fen = ${second}, min_amount_fen = ${min}, daily_count_limit = ${count},
        daily_amount_limit_fen = ${dailyAmount}, updated_by = ${actor.staff.id}, updated_at = now()
      where id = 1`;
    const show = (s: { review: Fen; second: Fen; min: Fen; count: number; daily: Fen }) => ({
      reviewThresholdFen: String(s.review),
      secondApprovalThresholdFen: String(s.second),
      minAmountFen: String(s.min),
      dailyCountLimit: s.count,
      dailyAmountLimitFen: String(s.daily),
    });
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "withdrawal.settings",
      target: "withdrawal_settings",
      detail: {
        before: show({
          review: before.reviewThresholdFen,
          second: before.secondApprovalThresholdFen,
          min: before.minAmountFen,
          count: before.dailyCountLimit,
          daily: before.dailyAmountLimitFen,
        }),
        after: show({ review, second, min, count: count!, daily: dailyAmount }),
      },
      ip: actor.ip,
    });
    return { ok: true };
  });
}
