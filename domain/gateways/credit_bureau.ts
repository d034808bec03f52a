/**
 * The credit bureau gateway (征信) as the domain sees it: a report on a person, by name and ID number, with
 * what other lending platforms know — outstanding balances, loan count, overdue history of the past six
 * months and how often the person's report was queried lately. The automatic review
 * (`domain/risk/signals.ts`) calls it before its transaction opens, never inside one; the borrowing caps
 * across platforms use the outstanding balance.
 *
 * Implementations live in `integrations/` (today the sandbox, integrations/sandbox_credit_bureau.ts).
 *
 * Sandbox rules (documented for tests and the demo):
 * - the ID number {@link SANDBOX_BUREAU_HIGH_DEBT_ID} or the name 「多头借贷」 → other-platform balance
 *   ¥1,200,000 over 8 loans (above the ¥1,000,000 cross-platform cap of a person), 7 queries last month;
 * - the ID number {@link SANDBOX_BUREAU_OVERDUE_ID} or the name 「逾期记录」 → 3 overdue installments in the
 *   past 6 months, the longest 45 days;
 * - the ID number {@link SANDBOX_BUREAU_UNAVAILABLE_ID} or the name 「系统繁忙」 → `unavailable`;
 * - the demo identities (`SANDBOX_IDENTITIES`) and every other ID number → a clean report derived from the
 *   ID number's hash (deterministic): balance ¥0–¥49,000, 0–3 loans, no overdue, 0–3 queries.
 * @module
 */
import { makeIdNumber } from "../identity/id_number.ts";
import type { Fen } from "../money/fen.ts";
import type { GatewayPingResult } from "./ping.ts";

/** Who the report is about: the verified name and the normalised 18-character ID number. */
export interface CreditReportInput {
  realName: string;
  idNumber: string;
  /** Idempotency / trace key of the request (e.g. `application:<id>`). */
  requestId: string;
}

/** A credit report (征信报告) as the platform uses it. */
export interface CreditReport {
  /** Outstanding principal on other platforms (他平台借款余额), fen. */
  otherPlatformOutstandingFen: Fen;
  /** Loans open on other platforms. */
  otherPlatformLoanCount: number;
  /** Overdue installments in the past 6 months. */
  overdueCount6m: number;
  /** The longest overdue in the past 6 months, days (0 when none). */
  maxOverdueDays6m: number;
  /** How often the report was queried by lenders in the last month (多头查询). */
  queriesLastMonth: number;
  /** The provider's reference of this report. */
  reportReference: string;
  /** When the provider produced the report. */
  reportedAt: Date;
}

/** Outcome of a report request. */
export type CreditReportResult =
  | { ok: true; report: CreditReport }
  | { ok: false; code: "unavailable" | "not_found"; message: string };

/** The credit bureau. */
export interface CreditBureauGateway {
  /** A short name for logs and the settings page (`sandbox`, …). */
  readonly name: string;
  /** The report of one person. */
  fetchReport(input: CreditReportInput): Promise<CreditReportResult>;
  /** Health check (第三方设置 → 测试连接). */
  ping?(): Promise<GatewayPingResult>;
}

/** Sandbox: an ID number with a large other-platform balance (¥1,200,000 over 8 loans). */
export const SANDBOX_BUREAU_HIGH_DEBT_ID = makeIdNumber("110101", "19860101", "111");
/** Sandbox: an ID number with recent overdue history (3 overdue, the longest 45 days). */
export const SANDBOX_BUREAU_OVERDUE_ID = makeIdNumber("110101", "19860202", "222");
/** Sandbox: an ID number for which the bureau is unavailable. */
export const SANDBOX_BUREAU_UNAVAILABLE_ID = makeIdNumber("110101", "19860303", "333");
/** Sandbox: the name giving a large other-platform balance. */
export const SANDBOX_BUREAU_HIGH_DEBT_NAME = "多头借贷";
/** Sandbox: the name giving recent overdue history. */
export const SANDBOX_BUREAU_OVERDUE_NAME = "逾期记录";
/** Sandbox: the name for which the bureau (and the external blacklist) is unavailable. */
export const SANDBOX_BUREAU_UNAVAILABLE_NAME = "系统繁忙";
