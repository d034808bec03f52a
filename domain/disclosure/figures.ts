/**
 * Information disclosure (信息披露): the platform's operating figures, computed live from the database
 * (DESIGN.md §5). Users are counted now; the loan figures are zero until the loan tables exist — a later
 * issue replaces {@link loanFigures} with set-based SQL over them, and the page needs no change.
 */
import type { Db } from "../../db/tx.ts";

/** Loan-related operating figures. Amounts in integer fen; shares in millionths (1 000 000 = 100%). */
export interface LoanFigures {
  /** 累计借贷金额 / 笔数 */
  cumulativeAmountFen: number;
  cumulativeCount: number;
  /** 借贷余额 / 笔数 (outstanding principal) */
  outstandingAmountFen: number;
  outstandingCount: number;
  /** 累计出借人数 / 累计借款人数 (who actually lent / borrowed) */
  cumulativeLenders: number;
  cumulativeBorrowers: number;
  /** 当期出借人数 / 当期借款人数 (with money outstanding) */
  currentLenders: number;
  currentBorrowers: number;
  /** 前十大借款人待还金额占比 / 最大单一借款人待还金额占比 */
  top10BorrowerShareMicros: number;
  largestBorrowerShareMicros: number;
  /** 逾期金额 / 笔数, 逾期 90 天（不含）以上金额 / 笔数 */
  overdueAmountFen: number;
  overdueCount: number;
  overdue90AmountFen: number;
  overdue90Count: number;
  /** 关联关系借款余额 / 笔数 */
  relatedPartyAmountFen: number;
  relatedPartyCount: number;
}

/** Everything the disclosure page publishes. */
export interface OperatingFigures extends LoanFigures {
  registeredUsers: number;
  registeredInvestors: number;
  registeredBorrowers: number;
  /** Whether any loan has been matched yet (false: the page explains the zeros). */
  hasLoans: boolean;
  /** The database's clock when the figures were read (数据截至). */
  asOf: Date;
}

/** All loan figures at zero (what {@link loanFigures} returns while no loan tables exist). */
export const ZERO_LOAN_FIGURES: Readonly<LoanFigures> = Object.freeze({
  cumulativeAmountFen: 0,
  cumulativeCount: 0,
  outstandingAmountFen: 0,
  outstandingCount: 0,
  cumulativeLenders: 0,
  cumulativeBorrowers: 0,
  currentLenders: 0,
  currentBorrowers: 0,
  top10BorrowerShareMicros: 0,
  largestBorrowerShareMicros: 0,
  overdueAmountFen: 0,
  overdueCount: 0,
  overdue90AmountFen: 0,
  overdue90Count: 0,
  relatedPartyAmountFen: 0,
  relatedPartyCount: 0,
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
    { registeredUsers: number; registeredInvestors: number; registeredBorrowers: number; asOf: Date }[]
  >`
    select count(*)::int as "registeredUsers",
           count(*) filter (where kind = 'investor')::int as "registeredInvestors",
           count(*) filter (where kind = 'borrower')::int as "registeredBorrowers",
           now() as "asOf"
    from users`;
  const loans = await loanFigures(sql);
  return { ...users, ...loans, hasLoans: loans.cumulativeCount > 0 };
}

/** A share in millionths as a percentage with two decimals: 123456 → `12.35%` (half-up). */
export function formatShareMicros(micros: number): string {
  if (!Number.isSafeInteger(micros) || micros < 0) {
    throw new RangeError(`share must be a non-negative integer`);
  }
  const hundredths = Math.floor((micros + 50) / 100); // micros / 1e6 * 1e4, half-up
  return `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, "0")}%`;
}
