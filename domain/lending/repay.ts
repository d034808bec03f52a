/**
 * The borrower's repayment commands (issue 7 §7): {@link repayNow} pays what is due — the overdue
 * installments and the current one — or a given part of it, from the borrower's available balance;
 * {@link prepayLoan} repays the whole loan early by the product's prepayment rule. Each runs in one
 * transaction under the loan's row lock: installments and claim rows, ledger (`repayment`,
 * `prepayment_fee`), the `loan_repayments` row, the custody batch, settlement of a loan repaid in full,
 * notifications and the loan's history (see loan_payments.ts).
 *
 * **Prepayment rule** (提前还款): the borrower pays every overdue amount (penalty, interest, principal), the
 * interest of the current period (the first unpaid one whose due date is today or later) in full, and all
 * remaining principal; the interest of later periods is waived (set to what was paid of it, for the loan
 * and every claim row). The fee is `prepayment_fee_micros × the principal repaid early` (the principal of
 * the periods not yet due), half-up, to platform fee income. Refused when the product does not allow it.
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import { type Db, type Queryable, transaction, type Tx } from "../../db/tx.ts";
import { userBalances } from "../ledger/ledger.ts";
import type { Fen } from "../money/fen.ts";
import { formatFen } from "../money/format.ts";
import { isId } from "../shared/ids.ts";
import { formatShanghaiDate } from "../shared/shanghai_time.ts";
import {
  applyPayments,
  type ApplyPaymentsResult,
  type InstallmentRow,
  loadLoanTerms,
  loadOpenInstallments,
  type LoanTerms,
  owedOf,
} from "./loan_payments.ts";
import { type OwedInstallment, type PaymentBreakdown, planPayment, totalOwed } from "./repayment.ts";
import { roundHalfUp } from "./schedule.ts";

/** Loan states in which the borrower repays. */
export const REPAYABLE_STATUSES = ["repaying", "overdue", "accelerated"] as const;

/** Chinese messages of the refusals. */
export const REPAY_MESSAGES = {
  not_found: "借款不存在",
  not_repayable: "该笔借款当前不在还款中",
  nothing_due: "当前没有待还金额",
  invalid_amount: "请输入正确的还款金额（大于 0，最多两位小数）",
  amount_too_large: "还款金额超过当前应还金额",
  insufficient_funds: "可用余额不足，请先充值",
  prepayment_not_allowed: "该产品不支持提前还款",
  invalid_key: "页面已过期，请刷新后重试",
  no_custody_account: "存管账户异常，请联系客服",
} as const;

/** A refusal code. */
export type RepayErrorCode = keyof typeof REPAY_MESSAGES;

/** Outcome of {@link repayNow} and {@link prepayLoan}. */
export type RepayResult =
  | { ok: true; repaymentId: string; amountFen: Fen; settled: boolean; replayed: boolean }
  | { ok: false; code: "insufficient_funds"; shortFen: Fen; neededFen: Fen }
  | { ok: false; code: "amount_too_large"; maxFen: Fen }
  | { ok: false; code: Exclude<RepayErrorCode, "insufficient_funds" | "amount_too_large"> };

/** A refusal's message with its figure. */
export function repayErrorMessage(r: Extract<RepayResult, { ok: false }>): string {
  if (r.code === "insufficient_funds") {
    return `${REPAY_MESSAGES.insufficient_funds}（还差 ${formatFen(r.shortFen)}）`;
  }
  if (r.code === "amount_too_large") {
    return `${REPAY_MESSAGES.amount_too_large}（最多 ${formatFen(r.maxFen)}）`;
  }
  return REPAY_MESSAGES[r.code];
}

const KEY = /^[A-Za-z0-9_-]{8,100}$/;

/** Split the open installments into overdue (due before `today`) and the current one. */
export function dueSplit(rows: readonly InstallmentRow[], today: string): {
  overdue: OwedInstallment[];
  current: OwedInstallment[];
  later: InstallmentRow[];
} {
  const overdue = rows.filter((r) => r.dueDate < today || r.status === "overdue").map(owedOf);
  const rest = rows.filter((r) => !(r.dueDate < today || r.status === "overdue"));
  return { overdue, current: rest.slice(0, 1).map(owedOf), later: rest.slice(1) };
}

/** What the borrower owes now on one loan. */
export interface DueNow {
  overdueFen: Fen;
  currentFen: Fen;
  totalFen: Fen;
  /** The current installment's period and due date, if any. */
  currentPeriod: number | null;
  currentDueDate: string | null;
}

/** The prepayment quote of a loan (see the module doc). */
export interface PrepaymentQuote {
  allowed: boolean;
  overdueFen: Fen;
  currentInterestFen: Fen;
  remainingPrincipalFen: Fen;
  /** Principal of the periods not yet due: the base of the fee. */
  earlyPrincipalFen: Fen;
  feeFen: Fen;
  waivedInterestFen: Fen;
  totalFen: Fen;
}

function quoteOf(loan: LoanTerms, rows: readonly InstallmentRow[], today: string): PrepaymentQuote {
  const { overdue, current, later } = dueSplit(rows, today);
  const overdueFen = totalOwed(overdue);
  const cur = current[0];
  const laterOwed = later.map(owedOf);
  const earlyPrincipalFen = (cur?.principalFen ?? 0n) + laterOwed.reduce((s, r) => s + r.principalFen, 0n);
  const currentInterestFen = (cur?.interestFen ?? 0n) + (cur?.penaltyFen ?? 0n);
  const feeFen = roundHalfUp(earlyPrincipalFen * BigInt(loan.prepaymentFeeMicros), 1_000_000n);
  const remainingPrincipalFen = earlyPrincipalFen + overdue.reduce((s, r) => s + r.principalFen, 0n);
  return {
    allowed: loan.prepaymentAllowed,
    overdueFen,
    currentInterestFen,
    remainingPrincipalFen,
    earlyPrincipalFen,
    feeFen,
    waivedInterestFen: laterOwed.reduce((s, r) => s + r.interestFen, 0n),
    totalFen: overdueFen + currentInterestFen + earlyPrincipalFen + feeFen,
  };
}

/** One repaying loan of a borrower, for /borrow/repay. */
export interface BorrowerLoan {
  loanId: string;
  title: string;
  status: string;
  amountFen: Fen;
  due: DueNow;
  quote: PrepaymentQuote;
  schedule: {
    period: number;
    dueDate: string;
    principalFen: Fen;
    interestFen: Fen;
    penaltyFen: Fen;
    paidFen: Fen;
    status: string;
  }[];
}

/** Most loans listed on one page. */
export const BORROWER_LOANS_LIMIT = 20;

/** The borrower's loans in repayment (newest first), with schedule, what is due and the prepayment quote. */
export async function listBorrowerLoans(
  db: Queryable,
  borrowerId: string,
  now: Date = new Date(),
): Promise<BorrowerLoan[]> {
  if (!isId(borrowerId)) return [];
  const today = formatShanghaiDate(now);
  const loans = await db<{ id: string; amountFen: Fen }[]>`
    select id::text as id, amount_fen as "amountFen" from loans
    where borrower_id = ${borrowerId} and status in ('repaying', 'overdue', 'accelerated')
    order by id desc limit ${BORROWER_LOANS_LIMIT}`;
  if (loans.length === 0) return [];
  const ids = loans.map((l) => l.id);
  const terms = await loadLoanTerms(db, ids);
  const open = await loadOpenInstallments(db, ids);
  const all = await db<
    {
      loanId: string;
      period: number;
      dueDate: string;
      principalFen: Fen;
      interestFen: Fen;
      penaltyFen: Fen;
      paidFen: Fen;
      status: string;
    }[]
  >`
    select loan_id::text as "loanId", period, to_char(due_date, 'YYYY-MM-DD') as "dueDate",
      principal_fen as "principalFen", interest_fen as "interestFen", penalty_fen as "penaltyFen",
      paid_principal_fen + paid_interest_fen + paid_penalty_fen as "paidFen", status
    from loan_installments where loan_id = any(${ids}::bigint[]) order by loan_id, period`;
  return terms.sort((a, b) => Number(b.loanId) - Number(a.loanId)).map((t) => {
    const rows = open.get(t.loanId) ?? [];
    const { overdue, current } = dueSplit(rows, today);
    const cur = rows.find((r) => r.period === current[0]?.period);
    const overdueFen = totalOwed(overdue);
    const currentFen = totalOwed(current);
    return {
      loanId: t.loanId,
      title: t.title,
      status: t.status,
      amountFen: loans.find((l) => l.id === t.loanId)!.amountFen,
      due: {
        overdueFen,
        currentFen,
        totalFen: overdueFen + currentFen,
        currentPeriod: cur?.period ?? null,
        currentDueDate: cur?.dueDate ?? null,
      },
      quote: quoteOf(t, rows, today),
      schedule: all.filter((r) => r.loanId === t.loanId),
    };
  });
}

/** Input of {@link repayNow}. */
export interface RepayNowInput {
  borrowerId: string;
  loanId: string;
  /** Part of what is due; default: everything due now (overdue + current installment). */
  amountFen?: Fen;
  /** The form's key: a repeat returns the first result and pays nothing more. */
  idempotencyKey: string;
}

/**
 * Pay what is due on a loan from the borrower's available balance (see the module doc). Refusals change
 * nothing: `not_found` (not the borrower's), `not_repayable`, `nothing_due`, `invalid_amount`,
 * `amount_too_large` (with the most that can be paid), `insufficient_funds` (with how much to top up).
 */
export async function repayNow(
  db: Db,
  deps: { outbox: Outbox },
  input: RepayNowInput,
  now: Date = new Date(),
): Promise<RepayResult> {
  if (!isId(input.borrowerId) || !isId(input.loanId)) return { ok: false, code: "not_found" };
  if (!KEY.test(input.idempotencyKey)) return { ok: false, code: "invalid_key" };
  if (input.amountFen !== undefined && (typeof input.amountFen !== "bigint" || input.amountFen <= 0n)) {
    return { ok: false, code: "invalid_amount" };
  }
  const key = `manual:${input.borrowerId}:${input.idempotencyKey}`;
  return await transaction(db, async (tx, rollback): Promise<RepayResult> => {
    const locked = await lockRepayableLoan(tx, input, key);
    if (!locked.ok) return locked.result;
    const { loan } = locked;
    const today = formatShanghaiDate(now);
    const rows = (await loadOpenInstallments(tx, [loan.loanId])).get(loan.loanId) ?? [];
    const { overdue, current } = dueSplit(rows, today);
    const dueFen = totalOwed(overdue) + totalOwed(current);
    if (dueFen === 0n) return { ok: false, code: "nothing_due" };
    const amountFen = input.amountFen ?? dueFen;
    if (amountFen > dueFen) return { ok: false, code: "amount_too_large", maxFen: dueFen };
    const short = await shortfall(tx, loan.borrowerId, amountFen);
    if (short) return short;
    const plan = planPayment(amountFen, overdue, current);
    const result = await applyPayments(
      tx,
      [{
        loan,
        kind: "manual",
        plan,
        idempotencyKey: key,
        entryKeyPrefix: `repay:${key}`,
      }],
      deps,
      { notifyInvestors: true, now },
    );
    if (!result.ok) return rollback(applyFailure(result, amountFen));
    const a = result.applied[0];
    return {
      ok: true,
      repaymentId: a.repaymentId,
      amountFen: a.amountFen,
      settled: a.settled,
      replayed: false,
    };
  });
}

/**
 * Lock the borrower's loan for a payment: `not_found` when it is not theirs, the first result when `key`
 * was already paid (a replay), `not_repayable` when it is not in repayment.
 */
async function lockRepayableLoan(
  tx: Tx,
  input: { borrowerId: string; loanId: string },
  key: string,
): Promise<{ ok: true; loan: LoanTerms } | { ok: false; result: RepayResult }> {
  const [loan] = await loadLoanTerms(tx, [input.loanId], true);
  if (!loan || loan.borrowerId !== input.borrowerId) {
    return { ok: false, result: { ok: false, code: "not_found" } };
  }
  const replay = await findRepayment(tx, input.loanId, key);
  if (replay) return { ok: false, result: replay };
  if (!(REPAYABLE_STATUSES as readonly string[]).includes(loan.status)) {
    return { ok: false, result: { ok: false, code: "not_repayable" } };
  }
  return { ok: true, loan };
}

/** `insufficient_funds` (with how much to top up) when the borrower's available balance is below `neededFen`. */
async function shortfall(tx: Tx, borrowerId: string, neededFen: Fen): Promise<RepayResult | null> {
  const { availableFen } = await userBalances(tx, borrowerId);
  return availableFen < neededFen
    ? { ok: false, code: "insufficient_funds", shortFen: neededFen - availableFen, neededFen }
    : null;
}

/** A refused {@link applyPayments} as the borrower's result. */
function applyFailure(result: Extract<ApplyPaymentsResult, { ok: false }>, neededFen: Fen): RepayResult {
  return result.code === "insufficient_funds"
    ? { ok: false, code: "insufficient_funds", shortFen: result.shortFen, neededFen }
    : { ok: false, code: "no_custody_account" };
}

async function findRepayment(tx: Queryable, loanId: string, key: string): Promise<RepayResult | null> {
  const [row] = await tx<{ id: string; amountFen: Fen; status: string }[]>`
    select r.id::text as id, r.amount_fen as "amountFen", l.status
    from loan_repayments r join loans l on l.id = r.loan_id
    where r.idempotency_key = ${key} and r.loan_id = ${loanId}`;
  if (!row) return null;
  return {
    ok: true,
    repaymentId: row.id,
    amountFen: row.amountFen,
    settled: row.status === "settled",
    replayed: true,
  };
}

/** The prepayment quote of the borrower's loan now, or null when it is not theirs or not in repayment. */
export async function prepaymentQuote(
  db: Queryable,
  borrowerId: string,
  loanId: string,
  now: Date = new Date(),
): Promise<PrepaymentQuote | null> {
  if (!isId(borrowerId) || !isId(loanId)) return null;
  const [loan] = await loadLoanTerms(db, [loanId]);
  if (!loan || loan.borrowerId !== borrowerId) return null;
  if (!(REPAYABLE_STATUSES as readonly string[]).includes(loan.status)) return null;
  const rows = (await loadOpenInstallments(db, [loanId])).get(loanId) ?? [];
  return quoteOf(loan, rows, formatShanghaiDate(now));
}

/**
 * Repay the whole loan early by the prepayment rule (module doc), in one transaction. Refusals as
 * {@link repayNow}, plus `prepayment_not_allowed`.
 */
export async function prepayLoan(
  db: Db,
  deps: { outbox: Outbox },
  input: { borrowerId: string; loanId: string; idempotencyKey: string },
  now: Date = new Date(),
): Promise<RepayResult> {
  if (!isId(input.borrowerId) || !isId(input.loanId)) return { ok: false, code: "not_found" };
  if (!KEY.test(input.idempotencyKey)) return { ok: false, code: "invalid_key" };
  const key = `prepay:${input.borrowerId}:${input.idempotencyKey}`;
  return await transaction(db, async (tx, rollback): Promise<RepayResult> => {
    const locked = await lockRepayableLoan(tx, input, key);
    if (!locked.ok) return locked.result;
    const { loan } = locked;
    if (!loan.prepaymentAllowed) return { ok: false, code: "prepayment_not_allowed" };
    const today = formatShanghaiDate(now);
    const rows = (await loadOpenInstallments(tx, [loan.loanId])).get(loan.loanId) ?? [];
    if (rows.length === 0) return { ok: false, code: "nothing_due" };
    const quote = quoteOf(loan, rows, today);
    const short = await shortfall(tx, loan.borrowerId, quote.totalFen);
    if (short) return short;
    const { overdue, current, later } = dueSplit(rows, today);
    // waive the interest of the periods after the current one (loan and every claim row)
    const laterPeriods = later.map((r) => r.period);
    if (laterPeriods.length > 0) {
      await tx`update loan_installments set interest_fen = paid_interest_fen
        where loan_id = ${loan.loanId} and period = any(${laterPeriods}::int[])`;
      await tx`update claim_installments set interest_fen = received_interest_fen
        where loan_id = ${loan.loanId} and period = any(${laterPeriods}::int[])`;
      // periods left with nothing to pay (interest-only periods) are done now
      await tx`update loan_installments set status = 'paid', paid_at = ${now}
        where loan_id = ${loan.loanId} and period = any(${laterPeriods}::int[]) and paid_principal_fen = principal_fen
          and paid_interest_fen = interest_fen and paid_penalty_fen = penalty_fen`;
      await tx`update claim_installments set status = 'received', received_at = ${now}
        where loan_id = ${loan.loanId} and period = any(${laterPeriods}::int[]) and status = 'pending'
          and received_principal_fen = principal_fen and received_interest_fen = interest_fen`;
    }
    const payable = [...current, ...later.map((r) => ({ ...owedOf(r), interestFen: 0n }))];
    const plan = planPayment(quote.totalFen - quote.feeFen, overdue, payable);
    if (plan.leftoverFen !== 0n) throw new Error("prepayment quote does not match the installments");
    const result = await applyPayments(
      tx,
      [{
        loan,
        kind: "prepayment",
        plan,
        idempotencyKey: key,
        entryKeyPrefix: `prepay:${key}`,
        prepaymentFeeFen: quote.feeFen,
      }],
      deps,
      { notifyInvestors: true, now },
    );
    if (!result.ok) return rollback(applyFailure(result, quote.totalFen));
    const a = result.applied[0];
    await tx`insert into loan_events (loan_id, kind, detail) values (${loan.loanId}, 'prepaid',
      ${tx.json({ feeFen: Number(quote.feeFen), waivedInterestFen: Number(quote.waivedInterestFen) })})`;
    return {
      ok: true,
      repaymentId: a.repaymentId,
      amountFen: a.amountFen,
      settled: a.settled,
      replayed: false,
    };
  });
}

/** A breakdown's labels (for the borrower's receipt). */
export const BREAKDOWN_LABELS: Readonly<Record<keyof PaymentBreakdown, string>> = {
  penaltyFen: "罚息",
  overdueInterestFen: "逾期利息",
  overduePrincipalFen: "逾期本金",
  interestFen: "当期利息",
  principalFen: "当期本金",
};
