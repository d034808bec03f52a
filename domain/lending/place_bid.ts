/**
 * 投标 (placing a bid): an investor lends part of an open loan.
 *
 * Checks, each with its own code and Chinese message (a refusal changes nothing): the amount (≥ the
 * minimum bid, a multiple of the bid unit, ≤ what remains — saying how much —, ≤ the available balance),
 * the investor's risk permission (assessed and not expired, the loan's risk level among the level's
 * grades, the per-bid and outstanding limits), the current risk disclosure confirmed, the trade password
 * (checked before the transaction, counted and locked like every check) or else an open bid authorisation
 * of the session (consumed inside the transaction), newbie-only loans for investors without an earlier
 * bid, not the investor's own loan, the loan open and before its deadline.
 *
 * ONE transaction: the investor's user row is locked (the idempotency key and the newbie/outstanding
 * checks hold under concurrency), the bid row, its contract (HTML + SHA-256), the `bid_freeze` ledger
 * entry (available → frozen), the custody freeze instruction, the referral milestone `first_bid` and the
 * notification; LAST the bid is signed (contract and freeze entry set), which queues the deferred
 * trigger of db/migrations/0017_bid_funding.sql: while the transaction COMMITs it runs the loan's one
 * conditional update `funded_fen = funded_fen + x where status = 'open' and funded_fen + x <= amount_fen`
 * (status `full` and `full_at` when it reaches the amount), so the hot loan row is locked only during the
 * commit — never across a round trip to the app — and no loan is ever over-funded (the table's check says
 * the same). If the bid no longer fits, the commit fails, everything rolls back and the bidder is told the
 * loan is full or how much remains.
 * @module
 */
import { z } from "zod";
import type { Outbox } from "../../db/outbox.ts";
import { type Db, type Queryable, transaction } from "../../db/tx.ts";
import { BID_AUTH_MESSAGES, consumeBidAuthorisation } from "../accounts/bid_authorisation.ts";
import { checkTradePassword, tradePasswordErrorMessage } from "../accounts/trade_password.ts";
import type { InvestorBidPermission } from "../investor/risk_assessment.ts";
import { RISK_DISCLOSURE_VERSION } from "../investor/risk_disclosure.ts";
import type { LoanGrade, RiskLevel } from "../investor/risk_questionnaire.ts";
import { onInviteeMilestone } from "../investor/referral.ts";
import { postEntry } from "../ledger/ledger.ts";
import { notify } from "../messaging/notifications.ts";
import type { Fen } from "../money/fen.ts";
import { formatFen } from "../money/format.ts";
import { createCustodyInstruction } from "../payments/custody_instruction.ts";
import { isId } from "../shared/ids.ts";
import { contractSha256, maskedUserLabel, renderContractHtml } from "./contract.ts";
import type { RepaymentMethod } from "./schedule.ts";

/** Input of {@link placeBid}. */
export interface PlaceBidInput {
  investorId: string;
  loanId: string;
  amountFen: Fen;
  /** A repeat with the same key returns the first bid and moves nothing. */
  idempotencyKey: string;
  /** The session the bid comes from (its bid authorisation is used when no trade password is given). */
  sessionId: string | null;
  /** The trade password as typed; absent: an open bid authorisation of the session is needed. */
  tradePassword?: string;
  channel?: "web" | "api" | "auto";
  ip?: string | null;
}

/** Dependencies of {@link placeBid}. */
export interface PlaceBidDeps {
  outbox: Outbox;
  now?: Date;
}

/** A placed bid. */
export interface PlacedBid {
  bidId: string;
  loanId: string;
  amountFen: Fen;
  contractSha256: string;
  /** The loan is full with this bid. */
  loanFull: boolean;
  /** A repeat of an earlier request with the same idempotency key (nothing moved this time). */
  replayed: boolean;
}

/** Refusal codes of {@link placeBid}. */
export type PlaceBidCode =
  | "invalid_input"
  | "loan_not_found"
  | "loan_not_open"
  | "loan_full"
  | "bidding_closed"
  | "own_loan"
  | "newbie_only"
  | "below_minimum"
  | "not_multiple"
  | "over_remaining"
  | "insufficient_funds"
  | "no_assessment"
  | "assessment_expired"
  | "grade_not_allowed"
  | "per_bid_limit"
  | "outstanding_limit"
  | "no_disclosure"
  | "needs_trade_password"
  | "exceeds_authorisation"
  | "wrong_trade_password"
  | "trade_password_locked"
  | "trade_password_not_set"
  | "no_custody_account"
  | "user_inactive";

/** Outcome of {@link placeBid}. */
export type PlaceBidResult =
  | ({ ok: true } & PlacedBid)
  | {
    ok: false;
    code: PlaceBidCode;
    /** The message to show (Chinese), with the figure that was crossed. */
    message: string;
    /** over_remaining / loan_full: what remains now. */
    remainingFen?: Fen;
    /** below_minimum, not_multiple, per_bid_limit, outstanding_limit: the figure. */
    limitFen?: Fen;
    availableFen?: Fen;
  };

/** Chinese messages of the codes (the result's `message` adds the figures). */
export const PLACE_BID_MESSAGES: Readonly<Record<PlaceBidCode, string>> = {
  invalid_input: "请输入正确的出借金额",
  loan_not_found: "借款项目不存在",
  loan_not_open: "该项目当前不在投标中",
  loan_full: "该项目已满标，请选择其他项目",
  bidding_closed: "该项目投标已截止",
  own_loan: "不能出借给自己的借款项目",
  newbie_only: "该项目为新手专享，仅限尚未出借过的用户",
  below_minimum: "出借金额低于起投金额",
  not_multiple: "出借金额须为递增金额的整数倍",
  over_remaining: "出借金额超过剩余可投金额",
  insufficient_funds: "可用余额不足，请先充值",
  no_assessment: "出借前请先完成风险测评",
  assessment_expired: "您的风险测评已过期，请重新测评",
  grade_not_allowed: "该项目风险等级超出您的风险承受能力",
  per_bid_limit: "超过您的风险等级单笔出借限额",
  outstanding_limit: "超过您的风险等级累计持有限额",
  no_disclosure: "出借前请先阅读并确认《出借人风险揭示书》",
  needs_trade_password: BID_AUTH_MESSAGES.no_authorisation,
  exceeds_authorisation: BID_AUTH_MESSAGES.exceeds_cap,
  wrong_trade_password: "交易密码错误",
  trade_password_locked: "交易密码已锁定",
  trade_password_not_set: "您尚未设置交易密码，请先设置",
  no_custody_account: "存管账户尚未开通，请先完成实名认证",
  user_inactive: "账户当前不能出借，如有疑问请联系客服",
};

/** The form field each refusal belongs next to (others: the form). */
export const PLACE_BID_ERROR_FIELD: Readonly<Partial<Record<PlaceBidCode, "amountYuan" | "tradePassword">>> =
  {
    invalid_input: "amountYuan",
    below_minimum: "amountYuan",
    not_multiple: "amountYuan",
    over_remaining: "amountYuan",
    insufficient_funds: "amountYuan",
    per_bid_limit: "amountYuan",
    outstanding_limit: "amountYuan",
    loan_full: "amountYuan",
    needs_trade_password: "tradePassword",
    exceeds_authorisation: "tradePassword",
    wrong_trade_password: "tradePassword",
    trade_password_locked: "tradePassword",
    trade_password_not_set: "tradePassword",
  };

const inputSchema = z.object({
  investorId: z.string().refine(isId),
  loanId: z.string().refine(isId),
  amountFen: z.bigint().positive().max(10_000_000_000n),
  idempotencyKey: z.string().regex(/^[A-Za-z0-9_:-]{8,100}$/),
});

/** The loan as a bid needs it. */
interface LoanRow {
  id: string;
  borrowerId: string;
  title: string;
  status: string;
  amountFen: Fen;
  fundedFen: Fen;
  annualRateMicros: number;
  termUnit: "month" | "day";
  termCount: number;
  method: RepaymentMethod;
  riskLevel: string;
  newbieOnly: boolean;
  minBidFen: Fen;
  bidUnitFen: Fen;
  feeMicros: number;
  purpose: string;
  disclosure: Record<string, unknown>;
  publishAt: Date;
  bidDeadline: Date;
}

/** What {@link preRead} finds: everything the checks before the transaction need. */
interface PreRead {
  earlier: PlacedBid | null;
  loan: LoanRow | null;
  /** As `investorBidPermission` (domain/investor/risk_assessment.ts) answers it. */
  permission: InvestorBidPermission;
  /** The current risk disclosure is confirmed (as `hasConfirmedRiskDisclosure`). */
  disclosed: boolean;
  /** The investor's available balance (as `userBalances(…).availableFen`). */
  availableFen: Fen;
}

/**
 * The reads of the cheap refusals in ONE statement (one round trip, one parse): the bid of the idempotency
 * key, the loan, the latest risk assessment and the rule in force for its level (the same rows
 * `investorBidPermission` reads), the disclosure acceptance and the available balance. Each subquery is
 * the one the named function runs; keep them in step.
 */
async function preRead(
  db: Queryable,
  input: { investorId: string; loanId: string; idempotencyKey: string },
  now: Date,
): Promise<PreRead> {
  const { investorId, loanId, idempotencyKey } = input;
  const [row] = await db<
    (Omit<LoanRow, "id"> & {
      earlierId: string | null;
      earlierLoanId: string | null;
      earlierAmountFen: Fen | null;
      earlierSha: string | null;
      earlierFull: boolean | null;
      loanId: string | null;
      level: RiskLevel | null;
      assessmentExpiresAt: Date | null;
      ruleLevel: RiskLevel | null;
      allowedGrades: LoanGrade[] | null;
      perBidLimitFen: Fen | null;
      totalOutstandingLimitFen: Fen | null;
      disclosed: boolean;
      availableFen: Fen;
    })[]
  >`
    select b.id as "earlierId", b.loan_id as "earlierLoanId", b.amount_fen as "earlierAmountFen",
      b.contract_sha256 as "earlierSha", bl.status <> 'open' as "earlierFull",
      l.id as "loanId", l.borrower_id as "borrowerId", l.title, l.status, l.amount_fen as "amountFen",
      l.funded_fen as "fundedFen", l.annual_rate_micros as "annualRateMicros", l.term_unit as "termUnit",
      l.term_count as "termCount", l.method, l.risk_level as "riskLevel", l.newbie_only as "newbieOnly",
      l.min_bid_fen as "minBidFen", l.bid_unit_fen as "bidUnitFen",
      l.interest_management_fee_micros as "feeMicros", l.purpose, l.disclosure, l.publish_at as "publishAt",
      l.bid_deadline as "bidDeadline",
      a.level, a.expires_at as "assessmentExpiresAt",
      r.level as "ruleLevel", r.allowed_grades as "allowedGrades", r.per_bid_limit_fen as "perBidLimitFen",
      r.total_outstanding_limit_fen as "totalOutstandingLimitFen",
      exists (select 1 from risk_disclosure_acceptances
        where user_id = ${investorId} and version = ${RISK_DISCLOSURE_VERSION}) as disclosed,
      coalesce((select balance_fen from ledger_accounts
        where owner_user_id = ${investorId} and kind = 'user_available'), 0)::bigint as "availableFen"
    from (select 1) as one
    left join bids b on b.investor_id = ${investorId} and b.idempotency_key = ${idempotencyKey}
    left join loans bl on bl.id = b.loan_id
    left join loans l on l.id = ${loanId}
    left join lateral (select level, expires_at from risk_assessments where user_id = ${investorId}
      order by id desc limit 1) a on true
    left join lateral (select level, allowed_grades, per_bid_limit_fen, total_outstanding_limit_fen
      from risk_level_rules where level = a.level order by id desc limit 1) r on true`;
  const earlier: PlacedBid | null = row.earlierId === null ? null : {
    bidId: String(row.earlierId),
    loanId: String(row.earlierLoanId),
    amountFen: row.earlierAmountFen!,
    contractSha256: row.earlierSha!,
    loanFull: row.earlierFull!,
    replayed: true,
  };
  const loan: LoanRow | null = row.loanId === null ? null : {
    id: String(row.loanId),
    borrowerId: String(row.borrowerId),
    title: row.title,
    status: row.status,
    amountFen: row.amountFen,
    fundedFen: row.fundedFen,
    annualRateMicros: row.annualRateMicros,
    termUnit: row.termUnit,
    termCount: row.termCount,
    method: row.method,
    riskLevel: row.riskLevel,
    newbieOnly: row.newbieOnly,
    minBidFen: row.minBidFen,
    bidUnitFen: row.bidUnitFen,
    feeMicros: row.feeMicros,
    purpose: row.purpose,
    disclosure: row.disclosure,
    publishAt: row.publishAt,
    bidDeadline: row.bidDeadline,
  };
  let permission: InvestorBidPermission;
  if (row.level === null || row.assessmentExpiresAt === null) {
    permission = { ok: false, code: "not_assessed" };
  } else if (row.assessmentExpiresAt.getTime() <= now.getTime()) {
    permission = { ok: false, code: "expired", expiredAt: row.assessmentExpiresAt };
  } else {
    if (row.ruleLevel === null) throw new Error(`no risk level rule for ${row.level}`);
    permission = {
      ok: true,
      level: row.level,
      allowedGrades: row.allowedGrades!,
      perBidLimitFen: row.perBidLimitFen!,
      totalOutstandingLimitFen: row.totalOutstandingLimitFen!,
      expiresAt: row.assessmentExpiresAt,
    };
  }
  return { earlier, loan, permission, disclosed: row.disclosed, availableFen: row.availableFen };
}

type Refusal = Extract<PlaceBidResult, { ok: false }>;

function refuse(
  code: PlaceBidCode,
  extra: Omit<Refusal, "ok" | "code" | "message"> = {},
  message?: string,
): Refusal {
  return { ok: false, code, message: message ?? PLACE_BID_MESSAGES[code], ...extra };
}

/** "该项目已满标" or "剩余可投 ¥x" — what a late bidder is told. */
function remainingRefusal(amountFen: Fen, remainingFen: Fen): Refusal {
  if (remainingFen <= 0n) return refuse("loan_full", { remainingFen: 0n });
  return refuse(
    "over_remaining",
    { remainingFen },
    `${PLACE_BID_MESSAGES.over_remaining}：当前剩余可投 ${formatFen(remainingFen)}，您输入了 ${
      formatFen(amountFen)
    }`,
  );
}

/** Checks of the loan and the amount that need no lock (run before and, for the loan, again inside). */
function checkLoanAndAmount(loan: LoanRow, investorId: string, amountFen: Fen, now: Date): Refusal | null {
  if (loan.borrowerId === investorId) return refuse("own_loan");
  if (loan.status === "full" || (loan.status === "open" && loan.fundedFen >= loan.amountFen)) {
    return refuse("loan_full", { remainingFen: 0n });
  }
  if (loan.status !== "open" || now < loan.publishAt) return refuse("loan_not_open");
  if (now >= loan.bidDeadline) return refuse("bidding_closed");
  const remainingFen = loan.amountFen - loan.fundedFen;
  // the last piece of a loan may be below the minimum: then exactly the remainder is accepted
  const isRemainder = amountFen === remainingFen;
  if (amountFen < loan.minBidFen && !isRemainder) {
    return refuse(
      "below_minimum",
      { limitFen: loan.minBidFen },
      `${PLACE_BID_MESSAGES.below_minimum}（起投 ${formatFen(loan.minBidFen)}）`,
    );
  }
  if (amountFen % loan.bidUnitFen !== 0n && !isRemainder) {
    return refuse(
      "not_multiple",
      { limitFen: loan.bidUnitFen },
      `${PLACE_BID_MESSAGES.not_multiple}（${formatFen(loan.bidUnitFen)} 的整数倍）`,
    );
  }
  if (amountFen > remainingFen) return remainingRefusal(amountFen, remainingFen);
  return null;
}

/** SQLSTATE of db/migrations/0017_bid_funding.sql: at commit, the bid no longer fits its loan. */
const BID_DOES_NOT_FIT = "LB001";

function bidDoesNotFit(error: unknown): boolean {
  return typeof error === "object" && error !== null &&
    (error as { code?: unknown }).code === BID_DOES_NOT_FIT;
}

/** Why a bid that passed every check did not fit its loan at commit, from the loan as it is now. */
async function lateRefusal(db: Queryable, loanId: string, amountFen: Fen, now: Date): Promise<Refusal> {
  const [current] = await db<{ status: string; remaining: bigint; deadline: Date }[]>`
    select status, amount_fen - funded_fen as remaining, bid_deadline as deadline from loans where id = ${loanId}`;
  if (current.status === "open" && current.deadline <= now) return refuse("bidding_closed");
  if (current.status !== "open" && current.status !== "full") return refuse("loan_not_open");
  return remainingRefusal(amountFen, current.status === "full" ? 0n : BigInt(current.remaining));
}

/** What the investor holds at risk: frozen bids plus the principal of claims still outstanding. */
async function outstandingFen(db: Queryable, investorId: string): Promise<Fen> {
  const [row] = await db<{ total: bigint }[]>`
    select (coalesce((select sum(amount_fen) from bids where investor_id = ${investorId} and status = 'frozen'), 0)
      + coalesce((select sum(ci.principal_fen - ci.received_principal_fen) from claim_installments ci
          where ci.investor_id = ${investorId} and ci.status = 'pending'), 0))::bigint as total`;
  return BigInt(row.total);
}

async function findBidByKey(
  db: Queryable,
  investorId: string,
  key: string,
): Promise<PlacedBid | null> {
  const [row] = await db<{ id: string; loanId: string; amountFen: Fen; sha: string; full: boolean }[]>`
    select b.id, b.loan_id as "loanId", b.amount_fen as "amountFen", b.contract_sha256 as sha,
      l.status <> 'open' as full
    from bids b join loans l on l.id = b.loan_id
    where b.investor_id = ${investorId} and b.idempotency_key = ${key}`;
  if (!row) return null;
  return {
    bidId: String(row.id),
    loanId: String(row.loanId),
    amountFen: row.amountFen,
    contractSha256: row.sha,
    loanFull: row.full,
    replayed: true,
  };
}

/** Place a bid (see the module doc). */
export async function placeBid(db: Db, deps: PlaceBidDeps, input: PlaceBidInput): Promise<PlaceBidResult> {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) return refuse("invalid_input");
  const now = deps.now ?? new Date();
  const { investorId, loanId, amountFen, idempotencyKey } = input;

  // the reads of the cheap refusals in one statement (checked below in this order; again where it matters,
  // inside the transaction)
  const { earlier, loan, permission, disclosed, availableFen } = await preRead(db, input, now);
  if (earlier) return { ok: true, ...earlier };

  if (!loan) return refuse("loan_not_found");
  const loanProblem = checkLoanAndAmount(loan, investorId, amountFen, now);
  if (loanProblem) return loanProblem;

  if (!permission.ok) return refuse(permission.code === "expired" ? "assessment_expired" : "no_assessment");
  if (!(permission.allowedGrades as readonly string[]).includes(loan.riskLevel)) {
    return refuse(
      "grade_not_allowed",
      {},
      `${PLACE_BID_MESSAGES.grade_not_allowed}（项目 ${loan.riskLevel}，您的等级 ${permission.level} 可出借 ${
        permission.allowedGrades.join("、")
      }）`,
    );
  }
  if (amountFen > permission.perBidLimitFen) {
    return refuse(
      "per_bid_limit",
      { limitFen: permission.perBidLimitFen },
      `${PLACE_BID_MESSAGES.per_bid_limit}（${formatFen(permission.perBidLimitFen)}）`,
    );
  }
  if (!disclosed) return refuse("no_disclosure");
  if (availableFen < amountFen) {
    return refuse(
      "insufficient_funds",
      { availableFen },
      `${PLACE_BID_MESSAGES.insufficient_funds}（可用 ${formatFen(availableFen)}）`,
    );
  }

  if (input.tradePassword !== undefined && input.tradePassword !== "") {
    const checked = await checkTradePassword(db, {
      userId: investorId,
      password: input.tradePassword,
      ip: input.ip ?? null,
    }, { now });
    if (!checked.ok) {
      const code = checked.code === "not_set"
        ? "trade_password_not_set"
        : checked.code === "locked" || checked.lockedUntil
        ? "trade_password_locked"
        : "wrong_trade_password";
      return refuse(code, {}, tradePasswordErrorMessage(checked, now));
    }
  }
  const usesAuthorisation = input.tradePassword === undefined || input.tradePassword === "";

  const placed = await transaction(db, async (tx, rollback): Promise<PlaceBidResult> => {
    // the user's row lock and three reads under it, pipelined on the transaction's connection: sent
    // together, run in order (each read's snapshot is taken after the lock is held), one round trip
    const [[user], replay, prior, held] = await Promise.all([
      tx<{ status: string }[]>`select status from users where id = ${investorId} for update`,
      findBidByKey(tx, investorId, idempotencyKey),
      tx`select 1 from bids where investor_id = ${investorId} limit 1`,
      outstandingFen(tx, investorId),
    ]);
    if (!user || user.status !== "active") return refuse("user_inactive");
    if (replay) return { ok: true, ...replay };
    // under the lock no other bid of this investor can appear: this is its first bid iff none exists now
    const firstBid = prior.length === 0;
    if (loan.newbieOnly && !firstBid) return refuse("newbie_only");
    if (held + amountFen > permission.totalOutstandingLimitFen) {
      const left = permission.totalOutstandingLimitFen - held;
      return refuse(
        "outstanding_limit",
        { limitFen: permission.totalOutstandingLimitFen },
        `${PLACE_BID_MESSAGES.outstanding_limit}（${
          formatFen(permission.totalOutstandingLimitFen)
        }，尚可出借 ${formatFen(left > 0n ? left : 0n)}）`,
      );
    }
    if (usesAuthorisation) {
      const consumed = await consumeBidAuthorisation(tx, {
        userId: investorId,
        sessionId: input.sessionId,
        amountFen,
      }, now);
      if (!consumed.ok) {
        return refuse(consumed.code === "exceeds_cap" ? "exceeds_authorisation" : "needs_trade_password");
      }
    }

    const [bid] = await tx<{ id: string }[]>`
      insert into bids (loan_id, investor_id, amount_fen, idempotency_key, channel, created_at)
      values (${loanId}, ${investorId}, ${amountFen}, ${idempotencyKey}, ${input.channel ?? "web"}, ${now})
      returning id`;
    const bidId = String(bid.id);
    const borrowerName = typeof loan.disclosure?.borrowerName === "string"
      ? String(loan.disclosure.borrowerName)
      : maskedUserLabel(loan.borrowerId);
    const html = renderContractHtml({
      contractNo: bidId,
      loanId,
      loanTitle: loan.title,
      borrowerLabel: borrowerName,
      investorLabel: maskedUserLabel(investorId),
      amountFen,
      loanAmountFen: loan.amountFen,
      annualRateMicros: loan.annualRateMicros,
      termCount: loan.termCount,
      termUnit: loan.termUnit,
      method: loan.method,
      interestManagementFeeMicros: loan.feeMicros,
      purpose: loan.purpose,
      signedAt: now,
    });
    const sha = await contractSha256(html);
    const posted = await postEntry(tx, {
      businessType: "bid_freeze",
      reference: `bid:${bidId}`,
      idempotencyKey: `bid_freeze:${bidId}`,
      memo: `投标冻结 ${formatFen(amountFen)}（项目 ${loanId}）`,
      lines: [
        { account: { kind: "user_available", userId: investorId }, amountFen: -amountFen },
        { account: { kind: "user_frozen", userId: investorId }, amountFen },
      ],
    });
    if (!posted.ok) {
      return rollback(refuse("insufficient_funds", {}, PLACE_BID_MESSAGES.insufficient_funds));
    }
    const custody = await createCustodyInstruction(tx, {
      kind: "freeze",
      userId: investorId,
      amountFen,
      reference: `bid:${bidId}`,
    }, { outbox: deps.outbox });
    if (!custody.ok) return rollback(refuse("no_custody_account"));

    if (firstBid) {
      await onInviteeMilestone(tx, deps.outbox, { inviteeId: investorId, milestone: "first_bid" });
    }
    await notify(tx, deps.outbox, {
      userId: investorId,
      kind: "generic",
      key: `bid:${bidId}`,
      payload: {
        title: "出借成功",
        body: `您已出借「${loan.title}」${formatFen(amountFen)}，资金已冻结，满标放款后开始计息。` +
          `协议编号 L${loanId}-B${bidId}。`,
      },
    });

    // last: sign the bid (its contract and freeze entry). Signing queues the deferred trigger of
    // db/migrations/0017_bid_funding.sql, which applies the bid to the loan while this transaction commits
    // (or fails the commit with BID_DOES_NOT_FIT): the hot loan row is never locked across a round trip
    await tx`
      update bids set freeze_entry_id = ${posted.entryId}, contract_html = ${html}, contract_sha256 = ${sha}
      where id = ${bidId}`;
    return {
      ok: true,
      bidId,
      loanId,
      amountFen,
      contractSha256: sha,
      loanFull: false,
      replayed: false,
    };
  }).catch((error: unknown) => {
    if (!bidDoesNotFit(error)) throw error;
    return null;
  });
  // the commit failed on the loan: everything rolled back (no bid, entry, custody or outbox row); say why
  if (placed === null) return await lateRefusal(db, loanId, amountFen, now);
  if (!placed.ok || placed.replayed) return placed;
  // whether this bid filled the loan: the trigger's "full" event names the bid that did
  const [{ filled }] = await db<{ filled: boolean }[]>`
    select exists (select 1 from loan_events where loan_id = ${loanId} and kind = 'full'
      and detail ->> 'lastBidId' = ${placed.bidId}) as filled`;
  return { ...placed, loanFull: filled };
}
