/**
 * Repayment rules (issue 7 §7), pure and exact: penalty accrual (罚息), the order a payment is applied in,
 * and the split of each paid amount among the loan's claims (债权) with the interest management fee.
 *
 * - **Penalty**: each day an installment is overdue it accrues `round(base × micros ÷ 1 000 000)` fen,
 *   half-up to the fen per day, where `base` is the installment's unpaid principal + interest that day and
 *   `micros` is the product's rate for days 1–30 (default 500 = 0.05%) and from day 31 on (default 700 =
 *   0.07%). Day 1 is the day after the due date.
 * - **Payment order**: penalty (oldest period first) → overdue interest (oldest first) → overdue principal
 *   (oldest first) → current interest → current principal. "Overdue" are the periods whose due date has
 *   passed; "current" the one being paid on time (for an early full repayment: every later period, in
 *   order).
 * - **Distribution**: within one period, paid principal is split among the claims in proportion to each
 *   claim's still-unreceived principal of that period, and paid interest likewise (largest remainder,
 *   `allocate`). A period paid in full therefore gives every claim exactly its own row, whatever partial
 *   payments came before. Penalty is split in proportion to the claims' rows (principal + interest).
 * - **Fee** (利息管理费): charged on interest only, never on penalty — the fee is the product's share of the
 *   *interest* an investor receives; penalty compensates the investor for the delay and goes to them in
 *   full. Per claim row it is `round(feeMicros × received interest ÷ 1 000 000)` over the row's
 *   cumulative received interest, so the fee of a row does not depend on how its interest arrived in
 *   parts; each payment withholds the increase.
 * @module
 */
import { allocate } from "../money/allocate.ts";
import type { Fen } from "../money/fen.ts";
import { roundHalfUp } from "./schedule.ts";

const MILLION = 1_000_000n;

/** A product's penalty rule: micros of the overdue base per day, for days 1–30 and from day 31. */
export interface PenaltyRule {
  dayMicros: number;
  dayMicrosAfter30: number;
}

/** The default rule: 0.05% a day for days 1–30, 0.07% from day 31. */
export const DEFAULT_PENALTY_RULE: PenaltyRule = { dayMicros: 500, dayMicrosAfter30: 700 };

/** The penalty of one overdue day (`dayNumber` ≥ 1, 1 = the day after the due date) on `baseFen`. */
export function dailyPenaltyFen(
  baseFen: Fen,
  dayNumber: number,
  rule: PenaltyRule = DEFAULT_PENALTY_RULE,
): Fen {
  if (!Number.isInteger(dayNumber) || dayNumber < 1) throw new RangeError("dayNumber must be ≥ 1");
  if (baseFen <= 0n) return 0n;
  const micros = dayNumber <= 30 ? rule.dayMicros : rule.dayMicrosAfter30;
  return roundHalfUp(baseFen * BigInt(micros), MILLION);
}

/** The penalty of overdue days `fromDay` … `toDay` (inclusive) on a constant `baseFen`. */
export function penaltyForDays(
  baseFen: Fen,
  fromDay: number,
  toDay: number,
  rule: PenaltyRule = DEFAULT_PENALTY_RULE,
): Fen {
  if (toDay < fromDay || baseFen <= 0n) return 0n;
  const early = Math.max(0, Math.min(toDay, 30) - fromDay + 1);
  const late = Math.max(0, toDay - Math.max(fromDay, 31) + 1);
  return BigInt(early) * dailyPenaltyFen(baseFen, 1, rule) +
    BigInt(late) * dailyPenaltyFen(baseFen, 31, rule);
}

/** Milliseconds in a calendar day (both ends of a day difference are UTC midnights, so it divides exactly). */
const MS_PER_DAY = 86_400_000;

/** Whole days from `from` to `to` (`YYYY-MM-DD`), negative when `to` is earlier. Exact integer arithmetic. */
export function daysBetween(from: string, to: string): number {
  const ms = Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`);
  if (!Number.isSafeInteger(ms) || ms % MS_PER_DAY !== 0) {
    throw new RangeError(`not two days: ${from}, ${to}`);
  }
  return ms / MS_PER_DAY;
}

/** `day` plus `n` days (`YYYY-MM-DD`). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * MS_PER_DAY).toISOString().slice(0, 10);
}

/** One installment's amounts still owed (fen). */
export interface OwedInstallment {
  period: number;
  principalFen: Fen;
  interestFen: Fen;
  penaltyFen: Fen;
}

/** What a payment pays of one period. */
export interface PeriodPayment {
  period: number;
  penaltyFen: Fen;
  interestFen: Fen;
  principalFen: Fen;
  /** This payment completes the period's principal and interest (set by {@link planPayment}). */
  completes?: boolean;
}

/** The totals of a payment by category, as stored in `loan_repayments.breakdown`. */
export interface PaymentBreakdown {
  penaltyFen: Fen;
  overdueInterestFen: Fen;
  overduePrincipalFen: Fen;
  interestFen: Fen;
  principalFen: Fen;
}

/** Outcome of {@link planPayment}. */
export interface PaymentPlan {
  /** Per period touched (period order), only periods receiving something. */
  periods: PeriodPayment[];
  breakdown: PaymentBreakdown;
  /** What was applied (≤ the amount offered). */
  appliedFen: Fen;
  /** What could not be applied: everything owed is paid. */
  leftoverFen: Fen;
}

/** Everything owed in `installments`. */
export function totalOwed(installments: readonly OwedInstallment[]): Fen {
  return installments.reduce((s, i) => s + i.principalFen + i.interestFen + i.penaltyFen, 0n);
}

/**
 * Apply `amountFen` in the payment order: penalty (oldest first, overdue then current periods) → overdue
 * interest → overdue principal → current interest → current principal (each oldest first).
 */
export function planPayment(
  amountFen: Fen,
  overdue: readonly OwedInstallment[],
  current: readonly OwedInstallment[],
): PaymentPlan {
  if (amountFen < 0n) throw new RangeError("amount must not be negative");
  const byPeriod = new Map<number, PeriodPayment>();
  const take = (i: OwedInstallment, field: "penaltyFen" | "interestFen" | "principalFen"): Fen => {
    if (left === 0n || i[field] <= 0n) return 0n;
    const paid = i[field] < left ? i[field] : left;
    left -= paid;
    const row = byPeriod.get(i.period) ??
      { period: i.period, penaltyFen: 0n, interestFen: 0n, principalFen: 0n };
    row[field] += paid;
    byPeriod.set(i.period, row);
    return paid;
  };
  let left = amountFen;
  const b: PaymentBreakdown = {
    penaltyFen: 0n,
    overdueInterestFen: 0n,
    overduePrincipalFen: 0n,
    interestFen: 0n,
    principalFen: 0n,
  };
  const sortedOverdue = [...overdue].sort((x, y) => x.period - y.period);
  const sortedCurrent = [...current].sort((x, y) => x.period - y.period);
  for (const i of [...sortedOverdue, ...sortedCurrent]) b.penaltyFen += take(i, "penaltyFen");
  for (const i of sortedOverdue) b.overdueInterestFen += take(i, "interestFen");
  for (const i of sortedOverdue) b.overduePrincipalFen += take(i, "principalFen");
  for (const i of sortedCurrent) b.interestFen += take(i, "interestFen");
  for (const i of sortedCurrent) b.principalFen += take(i, "principalFen");
  for (const i of [...sortedOverdue, ...sortedCurrent]) {
    const row = byPeriod.get(i.period);
    if (row) row.completes = row.principalFen === i.principalFen && row.interestFen === i.interestFen;
  }
  return {
    periods: [...byPeriod.values()].sort((x, y) => x.period - y.period),
    breakdown: b,
    appliedFen: amountFen - left,
    leftoverFen: left,
  };
}

/** One claim's row of a period (`claim_installments`), as far as the split needs it. */
export interface ClaimRowState {
  claimId: string;
  principalFen: Fen;
  interestFen: Fen;
  receivedPrincipalFen: Fen;
  receivedInterestFen: Fen;
  feeFen: Fen;
}

/** What one claim receives of one period's payment. */
export interface ClaimShare {
  claimId: string;
  principalFen: Fen;
  interestFen: Fen;
  penaltyFen: Fen;
  /** Fee withheld now (the increase of the row's fee). */
  feeFen: Fen;
  /** principal + interest + penalty − fee: what the investor's available balance receives. */
  netFen: Fen;
}

function split(total: Fen, weights: readonly bigint[]): Fen[] {
  if (total === 0n) return weights.map(() => 0n);
  if (weights.every((w) => w === 0n)) throw new RangeError("nothing left to receive for a paid amount");
  return allocate(total, weights);
}

/** The fee of a row that has received `receivedInterestFen` in all: half-up to the fen. */
export function rowFeeFen(receivedInterestFen: Fen, feeMicros: number): Fen {
  return roundHalfUp(receivedInterestFen * BigInt(feeMicros), MILLION);
}

/**
 * Split one period's payment among its claim rows (see the module doc). Sums are exact: the shares'
 * principal, interest and penalty add up to the payment's; no row receives more than it is still owed.
 *
 * @throws {RangeError} when the payment exceeds what the rows are still owed (a programming error).
 */
export function distributeToClaims(
  payment: Omit<PeriodPayment, "period">,
  rows: readonly ClaimRowState[],
  feeMicros: number,
): ClaimShare[] {
  const remPrincipal = rows.map((r) => r.principalFen - r.receivedPrincipalFen);
  const remInterest = rows.map((r) => r.interestFen - r.receivedInterestFen);
  const sum = (xs: bigint[]) => xs.reduce((s, x) => s + x, 0n);
  if (payment.principalFen > sum(remPrincipal) || payment.interestFen > sum(remInterest)) {
    throw new RangeError("payment exceeds what the claims are owed");
  }
  const principal = split(payment.principalFen, remPrincipal);
  const interest = split(payment.interestFen, remInterest);
  const penaltyWeights = rows.map((r) => r.principalFen + r.interestFen);
  const penalty = split(payment.penaltyFen, penaltyWeights);
  return rows.map((r, k) => {
    const fee = rowFeeFen(r.receivedInterestFen + interest[k], feeMicros) - r.feeFen;
    const feeFen = fee > 0n ? fee : 0n;
    return {
      claimId: r.claimId,
      principalFen: principal[k],
      interestFen: interest[k],
      penaltyFen: penalty[k],
      feeFen,
      netFen: principal[k] + interest[k] + penalty[k] - feeFen,
    };
  });
}

/** A breakdown as JSON (numbers; amounts are far below 2^53). */
export function breakdownToJson(b: PaymentBreakdown): Record<string, number> {
  return Object.fromEntries(Object.entries(b).map(([k, v]) => [k, Number(v)]));
}
