/**
 * Information disclosure (信息披露): the platform's operating figures, computed live from the database
 * (DESIGN.md §5). Users are counted now; the loan figures are zero until the loan tables exist — a later
 * issue replaces {@link loanFigures} with set-based SQL over them, and the page needs no change.
 */
import type { Db } from "../../db/tx.ts";
import type { Fen } from "../money/fen.ts";

/**
 * Loan-related operating figures. Amounts are `Fen`, counts `bigint` (as Postgres sums and counts them);
 * shares in millionths (1 000 000 = 100%), a `number`.
 */
export interface LoanFigures {
  /** 累计借贷金额 / 笔数 */
  cumulativeAmountFen: Fen;
  cumulativeCount: bigint;
  /** 借贷余额 / 笔数 (outstanding principal) */
  outstandingAmountFen: Fen;
  outstandingCount: bigint;
  /** 累计出借人数 / 累计借款人数 (who actually lent / borrowed) */
  cumulativeLenders: bigint;
  cumulativeBorrowers: bigint;
  /** 当期出借人数 / 当期借款人数 (with money outstanding) */
  currentLenders: bigint;
  currentBorrowers: bigint;
  /** 前十大借款人待还金额占比 / 最大单一借款人待还金额占比 */
  top10BorrowerShareMicros: number;
  largestBorrowerShareMicros: number;
  /** 逾期金额 / 笔数, 逾期 90 天（不含）以上金额 / 笔数 */
  overdueAmountFen: Fen;
  overdueCount: bigint;
  overdue90AmountFen: Fen;
  overdue90Count: bigint;
  /** 关联关系借款余额 / 笔数 */
  relatedPartyAmountFen: Fen;
  relatedPartyCount: bigint;
}

/** Everything the disclosure page publishes. */
export interface OperatingFigures extends LoanFigures {
  registeredUsers: bigint;
  registeredInvestors: bigint;
  registeredBorrowers: bigint;
  /** Whether any loan has been matched yet (false: the page explains the zeros). */
  hasLoans: boolean;
  /** The database's clock when the figures were read (数据截至). */
  asOf: Date;
}

/** All loan figures at zero (what {@link loanFigures} returns while no loan tables exist). */
export const ZERO_LOAN_FIGURES: Readonly<LoanFigures> = Object.freeze({
  cumulativeAmountFen: 0n,
  cumulativeCount: 0n,
  outstandingAmountFen: 0n,
  outstandingCount: 0n,
  cumulativeLenders: 0n,
  cumulativeBorrowers: 0n,
  currentLenders: 0n,
  currentBorrowers: 0n,
  top10BorrowerShareMicros: 0,
  largestBorrowerShareMicros: 0,
  overdueAmountFen: 0n,
  overdueCount: 0n,
  overdue90AmountFen: 0n,
  overdue90Count: 0n,
  relatedPartyAmountFen: 0n,
  relatedPartyCount: 0n,
});

/**
 * The loan figures. The platform has not matched a loan yet and the loan tables do not exist, so every
 * figure is zero; the loans issue computes them here from its tables (one set-based query).
 */
export function loanFigures(_sql: Db): Promise<LoanFigures> {
  return Promise.resolve({ ...ZERO_LOAN_FIGURES });
}

/** The operating figures, read now. */
export async function operatingFigures(sql: Db): Promise<OperatingFigures> {
  const [users] = await sql<
    { registeredUsers: bigint; registeredInvestors: bigint; registeredBorrowers: bigint; asOf: Date }[]
  >`
    select count(*) as "registeredUsers",
           count(*) filter (where kind = 'investor') as "registeredInvestors",
           count(*) filter (where kind = 'borrower') as "registeredBorrowers",
           now() as "asOf"
    from users`;
  const loans = await loanFigures(sql);
  return { ...users, ...loans, hasLoans: loans.cumulativeCount > 0n };
}

/** A share in millionths as a percentage with two decimals: 123456 → `12.35%` (half-up). */
export function formatShareMicros(micros: number): string {
  if (!Number.isSafeInteger(micros) || micros < 0) {
    throw new RangeError(`share must be a non-negative integer`);
  }
  const hundredths = Math.floor((micros + 50) / 100); // micros / 1e6 * 1e4, half-up
  return `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, "0")}%`;
}
