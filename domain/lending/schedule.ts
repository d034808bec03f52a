/**
 * Repayment schedules (还款计划) for the four repayment methods of DESIGN.md §4.
 *
 * Pure: this module is also bundled into the calculator island, so it imports only the pure `Fen` module.
 * All arithmetic is exact with `bigint` rationals; every rounding is half-up to the fen (`roundHalfUp`).
 * Amounts go in and come out as {@link Fen} (`bigint`); rates are integer micros (`number`). Principal is
 * limited to 1e10 fen (1亿元), so every amount is far below 2^53 and {@link scheduleToJson} can write
 * them as JSON integers.
 *
 * Rules (issue 2 §7), with monthly rate r = annualRateMicros ÷ 12 000 000 taken as an exact rational:
 * - `equal_installment` 等额本息: payment = round(P·r·(1+r)^n / ((1+r)^n − 1)); each period
 *   interest = round(remaining × r), principal = payment − interest; the last period's principal is the
 *   whole remaining principal and its payment is principal + interest. With r = 0, payment = round(P ÷ n).
 * - `equal_principal` 等额本金: principal = round(P ÷ n) for every period but the last, which takes the
 *   remaining; interest = round(remaining × r).
 * - `interest_first` 先息后本: interest = round(P × r) every period; the last period also repays P.
 * - `bullet` 到期还本付息: one period; interest = round(P × r × months), or for a term in days
 *   round(P × annual × days ÷ 365).
 *
 * One guard beyond the rules: a period before the last never repays more principal than remains. The
 * rules alone can drive the remaining principal below zero, because the rounding of the level payment
 * (up to half a fen) and of each period's interest compounds at (1 + r) per period: at high rates over long
 * terms the drift exceeds the last installment (e.g. 1万元 at 36% over 360 months is repaid in period 352),
 * and with round(P ÷ n) rounding up when n is large against P (e.g. 150 fen over 100 months at 0%). There
 * the period that reaches zero repays just the rest and the later periods are zero. The same drift can
 * also make the last payment larger than the others (the last period absorbs it, as the rule says).
 *
 * @module
 */
import { type Fen, fenToJson } from "../money/fen.ts";

/** A repayment method's identifier (GLOSSARY.md). */
export type RepaymentMethod = "equal_installment" | "equal_principal" | "interest_first" | "bullet";

/** Every repayment method, in the order the UI lists them. */
export const REPAYMENT_METHODS: readonly RepaymentMethod[] = [
  "equal_installment",
  "equal_principal",
  "interest_first",
  "bullet",
];

/** The Chinese name of each repayment method, as shown to users. */
export const REPAYMENT_METHOD_LABELS: Readonly<Record<RepaymentMethod, string>> = {
  equal_installment: "等额本息",
  equal_principal: "等额本金",
  interest_first: "先息后本",
  bullet: "到期还本付息",
};

/** Limits `computeSchedule` accepts; anything outside throws a `RangeError`. */
export const SCHEDULE_LIMITS = {
  /** Smallest principal, in fen. */
  minPrincipalFen: 1n,
  /** Largest principal, in fen (1亿元). */
  maxPrincipalFen: 10_000_000_000n,
  /** Largest annual rate, in millionths (100%). The calculator's input layer allows less. */
  maxAnnualRateMicros: 1_000_000,
  /** Longest term in months. */
  maxMonths: 360,
  /** Longest term in days (bullet only). */
  maxDays: 365,
} as const;

/** Input of `computeSchedule`. Exactly one of `months` / `days`; `days` only for `bullet`. */
export interface ScheduleInput {
  method: RepaymentMethod;
  /** Principal in fen, 1 … 1e10. */
  principalFen: Fen;
  /** Agreed annual rate in millionths (8.5% = 85000), an integer 0 … 1 000 000. */
  annualRateMicros: number;
  /** Term in months, an integer 1 … 360. */
  months?: number;
  /** Term in days, an integer 1 … 365; bullet only (interest on an actual/365 basis). */
  days?: number;
}

/** One installment (期) of a schedule. All amounts in fen. */
export interface SchedulePeriod {
  /** 1-based period number. */
  period: number;
  /** Total due this period: principal + interest. */
  paymentFen: Fen;
  principalFen: Fen;
  interestFen: Fen;
  /** Principal still owed after this period. */
  remainingFen: Fen;
}

/** A computed repayment schedule. Sum of the periods' principal is exactly `principalFen`. */
export interface Schedule {
  method: RepaymentMethod;
  principalFen: Fen;
  totalInterestFen: Fen;
  totalPaymentFen: Fen;
  periods: SchedulePeriod[];
}

/** A {@link SchedulePeriod} as JSON writes it: the same fields, amounts as integer numbers of fen. */
export type SchedulePeriodJson = { [K in keyof SchedulePeriod]: number };

/** A {@link Schedule} as JSON writes it (the body of `GET /api/calculator`): amounts as integer fen. */
export interface ScheduleJson {
  method: RepaymentMethod;
  principalFen: number;
  totalInterestFen: number;
  totalPaymentFen: number;
  periods: SchedulePeriodJson[];
}

/** Denominator of the monthly rate: r = annualRateMicros ÷ MONTHLY_RATE_DENOMINATOR. */
const MONTHLY_RATE_DENOMINATOR = 12_000_000n;
/** Denominator of the annual rate: annual = annualRateMicros ÷ ANNUAL_RATE_DENOMINATOR. */
const ANNUAL_RATE_DENOMINATOR = 1_000_000n;
/** Day-count basis for terms in days. */
const DAYS_PER_YEAR = 365n;

/** Whether a value is one of the four repayment method identifiers. */
export function isRepaymentMethod(value: unknown): value is RepaymentMethod {
  return typeof value === "string" && (REPAYMENT_METHODS as readonly string[]).includes(value);
}

/**
 * Rounds the rational num/den to the nearest integer, ties away from zero ("half-up" as in decimal.js
 * `ROUND_HALF_UP`; for the non-negative amounts of a schedule that is simply "x.5 goes up").
 * Throws a `RangeError` when `den` is zero.
 */
export function roundHalfUp(num: bigint, den: bigint): bigint {
  if (den === 0n) throw new RangeError("roundHalfUp: denominator is zero");
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  if (num >= 0n) return (2n * num + den) / (2n * den);
  return -((2n * -num + den) / (2n * den));
}

/**
 * Computes the repayment schedule for one loan. Pure; exact (bigint rationals, half-up to the fen).
 *
 * Throws a `RangeError` for input outside `SCHEDULE_LIMITS`: principal not a `Fen` (bigint) 1 … 1e10,
 * rate not an integer 0 … 1 000 000 micros, months not an integer 1 … 360, days not an integer 1 … 365,
 * days given for a method other than `bullet`, or not exactly one of months / days. Callers validate user
 * input first (see `domain/lending/calculator_input.ts`).
 */
export function computeSchedule(input: ScheduleInput): Schedule {
  const { method, principalFen, annualRateMicros, months, days } = input;
  if (!isRepaymentMethod(method)) throw new RangeError(`unknown repayment method: ${String(method)}`);
  if (
    typeof principalFen !== "bigint" || principalFen < SCHEDULE_LIMITS.minPrincipalFen ||
    principalFen > SCHEDULE_LIMITS.maxPrincipalFen
  ) {
    throw new RangeError(
      `principalFen must be fen (a bigint) from ${SCHEDULE_LIMITS.minPrincipalFen} to ` +
        `${SCHEDULE_LIMITS.maxPrincipalFen}, got ${String(principalFen)}`,
    );
  }
  checkInteger("annualRateMicros", annualRateMicros, 0, SCHEDULE_LIMITS.maxAnnualRateMicros);
  if ((months === undefined) === (days === undefined)) {
    throw new RangeError("exactly one of months and days is required");
  }
  if (days !== undefined && method !== "bullet") {
    throw new RangeError("a term in days is allowed only for the bullet method");
  }
  if (months !== undefined) checkInteger("months", months, 1, SCHEDULE_LIMITS.maxMonths);
  if (days !== undefined) checkInteger("days", days, 1, SCHEDULE_LIMITS.maxDays);

  const p = principalFen;
  const a = BigInt(annualRateMicros);
  let periods: Row[];
  switch (method) {
    case "equal_installment":
      periods = equalInstallment(p, a, months!);
      break;
    case "equal_principal":
      periods = equalPrincipal(p, a, months!);
      break;
    case "interest_first":
      periods = interestFirst(p, a, months!);
      break;
    case "bullet":
      periods = [bullet(p, a, months, days)];
      break;
  }
  let totalInterest = 0n;
  let totalPayment = 0n;
  for (const row of periods) {
    totalInterest += row.interest;
    totalPayment += row.interest + row.principal;
  }
  return {
    method,
    principalFen,
    totalInterestFen: totalInterest,
    totalPaymentFen: totalPayment,
    periods: periods.map((row, i) => ({
      period: i + 1,
      paymentFen: row.principal + row.interest,
      principalFen: row.principal,
      interestFen: row.interest,
      remainingFen: row.remaining,
    })),
  };
}

/**
 * A schedule for JSON (`GET /api/calculator`): the same fields, every amount written by `fenToJson` as an
 * integer number of fen.
 */
export function scheduleToJson(schedule: Schedule): ScheduleJson {
  return {
    method: schedule.method,
    principalFen: fenToJson(schedule.principalFen),
    totalInterestFen: fenToJson(schedule.totalInterestFen),
    totalPaymentFen: fenToJson(schedule.totalPaymentFen),
    periods: schedule.periods.map((p) => ({
      period: p.period,
      paymentFen: fenToJson(p.paymentFen),
      principalFen: fenToJson(p.principalFen),
      interestFen: fenToJson(p.interestFen),
      remainingFen: fenToJson(p.remainingFen),
    })),
  };
}

interface Row {
  principal: Fen;
  interest: Fen;
  remaining: Fen;
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

/** round(remaining × r), r = a ÷ 12 000 000. */
function monthlyInterest(remaining: bigint, a: bigint): bigint {
  return roundHalfUp(remaining * a, MONTHLY_RATE_DENOMINATOR);
}

/**
 * Amortises `p` over `n` periods with a fixed target payment per period: interest on the remaining
 * principal, the rest of the payment repays principal (never more than remains), the last period repays
 * everything that remains.
 */
function amortise(p: bigint, a: bigint, n: number, principalDue: (interest: bigint) => bigint): Row[] {
  const rows: Row[] = [];
  let remaining = p;
  for (let k = 1; k <= n; k++) {
    const interest = monthlyInterest(remaining, a);
    let principal = k === n ? remaining : principalDue(interest);
    if (principal > remaining) principal = remaining;
    remaining -= principal;
    rows.push({ principal, interest, remaining });
  }
  return rows;
}

/**
 * The exact level payment, rounded half-up: with r = a/D,
 * P·r·(1+r)^n / ((1+r)^n − 1) = P·a·(D+a)^n / (D·((D+a)^n − D^n)); with a = 0, P ÷ n.
 */
function levelPayment(p: bigint, a: bigint, n: number): bigint {
  if (a === 0n) return roundHalfUp(p, BigInt(n));
  const d = MONTHLY_RATE_DENOMINATOR;
  const growth = (d + a) ** BigInt(n);
  return roundHalfUp(p * a * growth, d * (growth - d ** BigInt(n)));
}

function equalInstallment(p: bigint, a: bigint, n: number): Row[] {
  const payment = levelPayment(p, a, n);
  // payment ≥ round(P·r) ≥ round(remaining·r), so payment − interest is never negative.
  return amortise(p, a, n, (interest) => payment - interest);
}

function equalPrincipal(p: bigint, a: bigint, n: number): Row[] {
  const share = roundHalfUp(p, BigInt(n));
  return amortise(p, a, n, () => share);
}

function interestFirst(p: bigint, a: bigint, n: number): Row[] {
  const interest = monthlyInterest(p, a);
  const rows: Row[] = [];
  for (let k = 1; k < n; k++) rows.push({ principal: 0n, interest, remaining: p });
  rows.push({ principal: p, interest, remaining: 0n });
  return rows;
}

function bullet(p: bigint, a: bigint, months: number | undefined, days: number | undefined): Row {
  const interest = days !== undefined
    ? roundHalfUp(p * a * BigInt(days), ANNUAL_RATE_DENOMINATOR * DAYS_PER_YEAR)
    : roundHalfUp(p * a * BigInt(months!), MONTHLY_RATE_DENOMINATOR);
  return { principal: p, interest, remaining: 0n };
}
