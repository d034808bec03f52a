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
 * ONE transaction of four round trips (begin, two, commit): first the investor's user row is locked and,
 * pipelined behind the lock, one read answers the checks that need it (the idempotency key, the newbie and
 * outstanding checks, the session's bid authorisation; they hold under concurrency because every bid of
 * the investor takes the same lock) and takes the bid's id; the contract (HTML + SHA-256) is rendered;
 * then every write goes in one pipelined round trip: one statement writes the `bid_freeze` ledger entry
 * (available → frozen), the bid row already signed (its contract), the custody freeze instruction, the
 * authorisation's use and the referral milestone `first_bid`; the instruction's and the notification's
 * outbox events follow. The signed bid queues the deferred trigger of db/migrations/0017_bid_funding.sql
 * (for an insert: 0019): while the transaction COMMITs it runs the loan's one conditional update
 * `funded_fen = funded_fen + x where status = 'open' and funded_fen + x <= amount_fen` (status `full` and
 * `full_at` when it reaches the amount), so the hot loan row is locked only during the commit — never
 * across a round trip to the app — and no loan is ever over-funded (the table's check says the same). If
 * the bid no longer fits, the commit fails, everything rolls back and the bidder is told the loan is full
 * or how much remains. A refusal inside the transaction rolls it back.
 *
 * Durability: that commit is ASYNCHRONOUS (`synchronous_commit = off` for this transaction only), so the
 * loan row's lock is released as soon as the commit record is written, not after the WAL flush (≈ 3 ms on
 * the bench machine: with the flush inside the lock, one loan could take at most ~300 bids/s whatever the
 * CPU). Nothing is acknowledged before it is durable: right after the commit the same round trip that
 * asks whether the bid filled the loan is a durability fence ({@link durabilityFence}: a tiny synchronous
 * commit, which flushes the WAL past the bid's commit record; concurrent fences share one flush). A crash
 * before the fence loses the bid whole (atomic: bid, ledger entry, custody instruction and outbox events
 * together) while its request gets no answer — the client repeats it with the same idempotency key. The
 * outbox relay's claim of the bid's events commits synchronously too, so nothing reaches the bank before
 * the bid is durable.
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import { type Db, type Queryable, transaction, type Tx } from "../../db/tx.ts";
import { BID_AUTH_MESSAGES, useBidAuthorisation } from "../accounts/bid_authorisation.ts";
import { hashSessionId } from "../accounts/session.ts";
import { checkTradePassword, tradePasswordErrorMessage } from "../accounts/trade_password.ts";
import type { InvestorBidPermission } from "../investor/risk_assessment.ts";
import { RISK_DISCLOSURE_VERSION } from "../investor/risk_disclosure.ts";
import type { LoanGrade, RiskLevel } from "../investor/risk_questionnaire.ts";
import { onInviteeMilestone, recordMilestone } from "../investor/referral.ts";
import { ownTransferCtes } from "../ledger/own_transfer.ts";
import { notify } from "../messaging/notifications.ts";
import type { Fen } from "../money/fen.ts";
import { formatFen } from "../money/format.ts";
import { createCustodyInstructionEvent, insertCustodyInstruction } from "../payments/custody_instruction.ts";
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

/** The largest bid {@link placeBid} takes: ¥100,000,000. */
const MAX_BID_FEN: Fen = 10_000_000_000n;
/** What an idempotency key may be: 8–100 of A-Z a-z 0-9 _ : -. */
const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_:-]{8,100}$/;

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
  /** The borrower's name as the loan's disclosure gives it (a string there), else null. */
  borrowerName: string | null;
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
      l.interest_management_fee_micros as "feeMicros", l.purpose,
      case when jsonb_typeof(l.disclosure -> 'borrowerName') = 'string' then l.disclosure ->> 'borrowerName' end
        as "borrowerName",
      l.publish_at as "publishAt",
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
    borrowerName: row.borrowerName,
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

/** Prefix of the WAL message of {@link durabilityFence} (what a logical decoding consumer would see). */
const DURABLE_MESSAGE_PREFIX = "p2p.bid_durable";

/**
 * The durability fence of a bid (see the module doc: its transaction commits asynchronously, so that the
 * hot loan row is not locked while the commit is flushed): one autocommit statement that writes a WAL
 * record (a transactional logical message naming the bid) and therefore commits synchronously, flushing
 * the WAL up to itself — past the bid's own commit record, written before it. When it returns, the bid
 * survives a crash; only then is it acknowledged. Concurrent fences share their flushes (group commit).
 * Returns the message's WAL position (flushed when this returns).
 */
export async function durabilityFence(db: Db, bidId: string): Promise<string> {
  const [{ lsn }] = await db<{ lsn: string }[]>`
    select pg_logical_emit_message(true, ${DURABLE_MESSAGE_PREFIX}, ${bidId})::text as lsn`;
  return lsn;
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

/**
 * The bid's first read inside the transaction, AFTER the investor's row lock (a separate statement, so its
 * snapshot is taken once the lock is held: an earlier bid of the same investor is either committed and
 * seen here, or waits behind us). In one statement: the bid of the idempotency key (as `findBidByKey`
 * answered), whether the investor has any bid (newbie-only loans), what the investor holds at risk
 * (frozen bids + outstanding claim principal, the outstanding limit), the session's open bid authorisation
 * (as `currentBidAuthorisation`, domain/accounts/bid_authorisation.ts), the inviter (the referral
 * milestone), and the ids the writes will use (bid and custody instruction, from their identity
 * sequences, so the contract can be rendered and every write sent in one round trip). The investor's
 * `user_frozen` ledger account is created here when missing (as `postEntry` creates it).
 */
interface InsideRead {
  replay: PlacedBid | null;
  hasBid: boolean;
  heldFen: Fen;
  authorisation: { id: string; remainingFen: Fen } | null;
  inviter: { id: string; status: string } | null;
  bidId: string | null;
  instructionId: string | null;
}

async function insideRead(
  tx: Tx,
  input: { investorId: string; idempotencyKey: string; sessionHash: string | null },
  now: Date,
): Promise<InsideRead> {
  const { investorId, idempotencyKey, sessionHash } = input;
  const [row] = await tx<{
    replayId: string | null;
    replayLoanId: string | null;
    replayAmountFen: Fen | null;
    replaySha: string | null;
    replayFull: boolean | null;
    hasBid: boolean;
    heldFen: Fen;
    authId: string | null;
    authRemainingFen: Fen | null;
    inviterId: string | null;
    inviterStatus: string | null;
    bidId: string | null;
    instructionId: string | null;
  }[]>`
    with frozen_account as (
      insert into ledger_accounts (kind, owner_user_id, balance_fen)
      select 'user_frozen', ${investorId}, 0
      where not exists (select 1 from ledger_accounts where kind = 'user_frozen' and owner_user_id = ${investorId})
      on conflict (kind, owner_user_id) do nothing
      returning id
    )
    select r.id as "replayId", r.loan_id as "replayLoanId", r.amount_fen as "replayAmountFen",
      r.contract_sha256 as "replaySha", r.full as "replayFull",
      exists (select 1 from bids where investor_id = ${investorId}) as "hasBid",
      (coalesce((select sum(amount_fen) from bids where investor_id = ${investorId} and status = 'frozen'), 0)
        + coalesce((select sum(ci.principal_fen - ci.received_principal_fen) from claim_installments ci
            where ci.investor_id = ${investorId} and ci.status = 'pending'), 0))::bigint as "heldFen",
      w.id as "authId", w.remaining as "authRemainingFen",
      u.invited_by as "inviterId", i.status as "inviterStatus",
      -- this transaction commits asynchronously (see the module doc: durabilityFence before any answer)
      set_config('synchronous_commit', 'off', true) as "asyncCommit",
      case when r.id is null then nextval(pg_get_serial_sequence('bids', 'id')) end as "bidId",
      case when r.id is null then nextval(pg_get_serial_sequence('custody_instructions', 'id')) end
        as "instructionId"
    from users u
    left join users i on i.id = u.invited_by
    left join lateral (
      select b.id, b.loan_id, b.amount_fen, b.contract_sha256, l.status <> 'open' as full
      from bids b join loans l on l.id = b.loan_id
      where b.investor_id = ${investorId} and b.idempotency_key = ${idempotencyKey}) r on true
    left join lateral (
      select id, cap_fen - used_fen as remaining from bid_authorisations
      where ${sessionHash}::text is not null and user_id = ${investorId} and session_hash = ${sessionHash}
        and closed_at is null and expires_at > ${now}
      order by id desc limit 1) w on true
    where u.id = ${investorId}`;
  return {
    replay: row.replayId === null ? null : {
      bidId: String(row.replayId),
      loanId: String(row.replayLoanId),
      amountFen: row.replayAmountFen!,
      contractSha256: row.replaySha!,
      loanFull: row.replayFull!,
      replayed: true,
    },
    hasBid: row.hasBid,
    heldFen: BigInt(row.heldFen),
    authorisation: row.authId === null
      ? null
      : { id: String(row.authId), remainingFen: row.authRemainingFen! },
    inviter: row.inviterId === null ? null : { id: String(row.inviterId), status: String(row.inviterStatus) },
    bidId: row.bidId === null ? null : String(row.bidId),
    instructionId: row.instructionId === null ? null : String(row.instructionId),
  };
}

/** What {@link writeBid} wrote (counts; anything short means: roll back, and why). */
interface Written {
  /** Ledger balance rows moved (2: available and frozen; 1 or 0: not enough available). */
  accounts: number;
  lines: number;
  bids: number;
  /** 0: no open custody account. */
  custody: number;
  /** 1: the bid authorisation took the amount (always 1 when the trade password was given). */
  authorised: number;
}

/**
 * The bid's writes in ONE statement (data-modifying CTEs, one snapshot, one round trip), each part the
 * statement its own module writes it with: the `bid_freeze` journal entry (available → frozen,
 * `ownTransferCtes` of the ledger: what `postEntry` posts), the bid row, signed (its contract and
 * SHA-256) and carrying its freeze entry — inserting it signed queues the deferred funding trigger
 * (db/migrations/0017_bid_funding.sql, 0019) —, the custody `freeze` instruction on the investor's open
 * sub-account (`insertCustodyInstruction`), the bid authorisation's use (`useBidAuthorisation`) and the
 * referral milestone `first_bid` for an investor without inviter (`recordMilestone`). The bid is written
 * only with the entry; the caller reads the counts and rolls the whole transaction back when one is short.
 */
async function writeBid(
  tx: Tx,
  w: {
    investorId: string;
    loanId: string;
    bidId: string;
    instructionId: string;
    amountFen: Fen;
    idempotencyKey: string;
    channel: "web" | "api" | "auto";
    now: Date;
    memo: string;
    /** The open authorisation to use, or null (trade password checked). */
    authorisationId: string | null;
    /** Record the `first_bid` milestone here (first bid, no inviter to reward). */
    milestone: boolean;
    /** The signed contract: inserting the bid with it queues the funding trigger (0017, 0019). */
    contractHtml: string;
    contractSha256: string;
  },
): Promise<Written> {
  const ledger = ownTransferCtes(tx, {
    userId: w.investorId,
    fromKind: "user_available",
    toKind: "user_frozen",
    amountFen: w.amountFen,
    businessType: "bid_freeze",
    reference: `bid:${w.bidId}`,
    idempotencyKey: `bid_freeze:${w.bidId}`,
    memo: w.memo,
  });
  const custody = insertCustodyInstruction(tx, {
    id: w.instructionId,
    kind: "freeze",
    userId: w.investorId,
    amountFen: w.amountFen,
    reference: `bid:${w.bidId}`,
    idempotencyKey: `freeze:bid:${w.bidId}`,
  });
  const authorised = w.authorisationId === null
    ? tx`select null::bigint as id where false`
    : useBidAuthorisation(tx, { id: w.authorisationId, amountFen: w.amountFen, now: w.now });
  const milestone = w.milestone
    ? recordMilestone(tx, { inviteeId: w.investorId, milestone: "first_bid" })
    : tx`select null::bigint as invitee_id where false`;
  const [row] = await tx<
    { accounts: bigint; lines: bigint; bids: bigint; custody: bigint; authorised: bigint }[]
  >`
    with ${ledger}, b as (
      insert into bids (id, loan_id, investor_id, amount_fen, idempotency_key, channel, created_at, freeze_entry_id,
        contract_html, contract_sha256)
      overriding system value
      select ${w.bidId}, ${w.loanId}, ${w.investorId}, ${w.amountFen}, ${w.idempotencyKey}, ${w.channel}, ${w.now},
        ledger_entry.id, ${w.contractHtml}, ${w.contractSha256}
      from ledger_entry
      returning id
    ), c as (${custody}), a as (${authorised}), m as (${milestone})
    select (select count(*) from ledger_moved) as accounts, (select count(*) from ledger_lines) as lines,
      (select count(*) from b) as bids, (select count(*) from c) as custody,
      (select count(*) from a) as authorised`;
  return {
    accounts: Number(row.accounts),
    lines: Number(row.lines),
    bids: Number(row.bids),
    custody: Number(row.custody),
    authorised: w.authorisationId === null ? 1 : Number(row.authorised),
  };
}

/** Whether `input` has the shape {@link placeBid} accepts (what a schema would check, without one). */
function validInput(input: PlaceBidInput): boolean {
  return isId(input.investorId) && isId(input.loanId) && typeof input.amountFen === "bigint" &&
    input.amountFen > 0n && input.amountFen <= MAX_BID_FEN && typeof input.idempotencyKey === "string" &&
    IDEMPOTENCY_KEY_PATTERN.test(input.idempotencyKey);
}

/** Place a bid (see the module doc). */
export async function placeBid(db: Db, deps: PlaceBidDeps, input: PlaceBidInput): Promise<PlaceBidResult> {
  if (!validInput(input)) return refuse("invalid_input");
  const now = deps.now ?? new Date();
  const { investorId, loanId, amountFen, idempotencyKey } = input;

  // the reads of the cheap refusals in one statement (checked below in this order; again where it matters,
  // inside the transaction)
  const { earlier, loan, permission, disclosed, availableFen } = await preRead(db, input, now);
  if (earlier) {
    // the first request may still be making it durable: acknowledge nothing that is not
    await durabilityFence(db, earlier.bidId);
    return { ok: true, ...earlier };
  }

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

  const sessionHash = usesAuthorisation && input.sessionId ? await hashSessionId(input.sessionId) : null;

  const placed = await transaction(db, async (tx, rollback): Promise<PlaceBidResult> => {
    // round trip 1: the user's row lock, then (pipelined: sent together, run in order, its snapshot taken
    // once the lock is held) everything the checks under the lock need
    const [[user], inside] = await Promise.all([
      tx<{ status: string }[]>`select status from users where id = ${investorId} for update`,
      insideRead(tx, { investorId, idempotencyKey, sessionHash }, now),
    ]);
    // a refusal from here on rolls back (the read may have created the empty frozen account)
    if (!user || user.status !== "active") return rollback(refuse("user_inactive"));
    if (inside.replay) return rollback({ ok: true, ...inside.replay });
    // under the lock no other bid of this investor can appear: this is its first bid iff none exists now
    const firstBid = !inside.hasBid;
    if (loan.newbieOnly && !firstBid) return rollback(refuse("newbie_only"));
    if (inside.heldFen + amountFen > permission.totalOutstandingLimitFen) {
      const left = permission.totalOutstandingLimitFen - inside.heldFen;
      return rollback(refuse(
        "outstanding_limit",
        { limitFen: permission.totalOutstandingLimitFen },
        `${PLACE_BID_MESSAGES.outstanding_limit}（${
          formatFen(permission.totalOutstandingLimitFen)
        }，尚可出借 ${formatFen(left > 0n ? left : 0n)}）`,
      ));
    }
    if (usesAuthorisation) {
      if (!inside.authorisation) return rollback(refuse("needs_trade_password"));
      if (inside.authorisation.remainingFen < amountFen) return rollback(refuse("exceeds_authorisation"));
    }
    const bidId = inside.bidId!;
    const instructionId = inside.instructionId!;
    const borrowerName = loan.borrowerName ?? maskedUserLabel(loan.borrowerId);
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
    const rewardsInviter = firstBid && inside.inviter !== null;

    // round trip 2, pipelined: the writes (one statement, the bid inserted signed) and the custody
    // instruction's and the notification's outbox events. The signed bid queues the deferred trigger of
    // db/migrations/0017_bid_funding.sql (0019), which applies the bid to the loan while this transaction
    // commits (or fails the commit with BID_DOES_NOT_FIT): the hot loan row is never locked across a round
    // trip
    const [written] = await Promise.all([
      writeBid(tx, {
        investorId,
        loanId,
        bidId,
        instructionId,
        amountFen,
        idempotencyKey,
        channel: input.channel ?? "web",
        now,
        memo: `投标冻结 ${formatFen(amountFen)}（项目 ${loanId}）`,
        authorisationId: usesAuthorisation ? inside.authorisation!.id : null,
        milestone: firstBid && !rewardsInviter,
        contractHtml: html,
        contractSha256: sha,
      }),
      createCustodyInstructionEvent(tx, instructionId, { outbox: deps.outbox }),
      notify(tx, deps.outbox, {
        userId: investorId,
        kind: "generic",
        key: `bid:${bidId}`,
        payload: {
          title: "出借成功",
          body: `您已出借「${loan.title}」${formatFen(amountFen)}，资金已冻结，满标放款后开始计息。` +
            `协议编号 L${loanId}-B${bidId}。`,
        },
      }),
    ]);
    if (written.accounts !== 2) {
      // the available balance moved on since the checks (the guarded update did not take it below zero)
      return rollback(refuse("insufficient_funds", {}, PLACE_BID_MESSAGES.insufficient_funds));
    }
    if (written.lines !== 2 || written.bids !== 1) throw new Error(`bid ${bidId}: entry or bid not written`);
    if (written.custody !== 1) return rollback(refuse("no_custody_account"));
    // the window closed or expired since the read under the lock
    if (written.authorised !== 1) return rollback(refuse("needs_trade_password"));
    // an invited investor's first bid: the milestone and the inviter's reward (its own entry, rare)
    if (rewardsInviter) {
      await onInviteeMilestone(tx, deps.outbox, { inviteeId: investorId, milestone: "first_bid" });
    }
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
  if (!placed.ok) return placed;
  if (placed.replayed) {
    await durabilityFence(db, placed.bidId);
    return placed;
  }
  // durable before it is acknowledged (the transaction committed asynchronously), and whether this bid
  // filled the loan (the trigger's "full" event names the bid that did): one statement
  const [{ filled }] = await db<{ filled: boolean }[]>`
    select exists (select 1 from loan_events where loan_id = ${loanId} and kind = 'full'
        and detail ->> 'lastBidId' = ${placed.bidId}) as filled,
      pg_logical_emit_message(true, ${DURABLE_MESSAGE_PREFIX}, ${placed.bidId}) as fence`;
  return { ...placed, loanFull: filled };
}
