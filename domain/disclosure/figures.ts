/**
 * Information disclosure (信息披露): the platform's operating figures, computed live from the database
 * (DESIGN.md §5): users, the loan figures (set-based SQL over the loan tables, {@link loanFigures}) and the
 * fee income (from the ledger, {@link feeIncome}).
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
  fees: FeeIncome;
  registeredUsers: bigint;
  registeredInvestors: bigint;
  registeredBorrowers: bigint;
  /** Whether any loan has been matched yet (false: the page explains the zeros). */
  hasLoans: boolean;
  /** The database's clock when the figures were read (数据截至). */
  asOf: Date;
}

/** All loan figures at zero (a platform that has lent nothing). */
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

/** Loan statuses after disbursement (the loan was lent: 累计借贷). */
export const DISBURSED_STATUSES = ["repaying", "overdue", "accelerated", "settled", "written_off"] as const;
/** Loan statuses with money still owed to the investors (借贷余额). */
export const OUTSTANDING_STATUSES = ["repaying", "overdue", "accelerated"] as const;

/** What {@link loanFigures} may be narrowed to. */
export interface LoanFiguresScope {
  /**
   * Only these loans (at most {@link MAX_SCOPE_LOANS}). The published page uses every loan; tests on a
   * shared database narrow the figures to their own loans to compare them exactly.
   */
  loanIds?: readonly string[];
}

/** Most loans a scoped figure query accepts. */
export const MAX_SCOPE_LOANS = 1000;

/** `part ÷ whole` in millionths, half-up; 0 when the whole is 0. */
export function shareMicros(part: Fen, whole: Fen): number {
  if (whole <= 0n) return 0;
  return Number((part * 2_000_000n + whole) / (whole * 2n));
}

interface LoanFiguresRow
  extends Omit<LoanFigures, "top10BorrowerShareMicros" | "largestBorrowerShareMicros"> {
  top10BorrowerFen: Fen;
  largestBorrowerFen: Fen;
}

/**
 * The loan figures, from the loan tables in one set-based query (Asia/Shanghai days):
 * - 累计借贷: every disbursed loan (repaying, overdue, accelerated, settled, written off), its amount;
 * - 借贷余额: unpaid principal of the loans still repaying, overdue or accelerated (written-off
 *   installments excluded), and the count of those loans;
 * - lenders: investors holding a claim on a disbursed loan (current: a claim still held on a loan with a
 *   balance); borrowers: of disbursed loans (current: of loans with a balance);
 * - top-10 and largest borrower: their share of the outstanding principal, per borrower;
 * - 逾期: loans with a balance that are overdue or accelerated, or have an installment due before today not
 *   fully paid — the amount is their whole unpaid principal; 90+ days: the oldest unpaid due date is more
 *   than 90 days before today;
 * - related-party loans: the platform lends to no related party, so 0 (the list of related parties is kept
 *   by compliance outside the system).
 */
export async function loanFigures(sql: Db, scope: LoanFiguresScope = {}): Promise<LoanFigures> {
  const ids = scope.loanIds ? [...scope.loanIds] : null;
  if (ids !== null && ids.length > MAX_SCOPE_LOANS) throw new RangeError(`at most ${MAX_SCOPE_LOANS} loans`);
  const [row] = await sql<LoanFiguresRow[]>`
    with params as (
      select (now() at time zone 'Asia/Shanghai')::date as today
    ), disbursed as (
      select l.id, l.borrower_id, l.amount_fen, l.status
      from loans l
      where l.status in ('repaying', 'overdue', 'accelerated', 'settled', 'written_off')
        and (${ids}::bigint[] is null or l.id = any(${ids}::bigint[]))
    ), inst as (
      select i.loan_id,
             sum(i.principal_fen - i.paid_principal_fen) as unpaid,
             min(i.due_date) filter (where i.due_date < p.today
               and (i.paid_principal_fen < i.principal_fen or i.paid_interest_fen < i.interest_fen)) as oldest_due
      from loan_installments i
      join disbursed d on d.id = i.loan_id and d.status in ('repaying', 'overdue', 'accelerated')
      cross join params p
      where i.status <> 'written_off'
      group by i.loan_id
    ), live as (
      select d.id, d.borrower_id, coalesce(inst.unpaid, 0) as unpaid,
             (d.status in ('overdue', 'accelerated') or inst.oldest_due is not null) as overdue,
             coalesce(p.today - inst.oldest_due, 0) as days_overdue
      from disbursed d
      left join inst on inst.loan_id = d.id
      cross join params p
      where d.status in ('repaying', 'overdue', 'accelerated')
    ), per_borrower as (
      select sum(unpaid) as amount, row_number() over (order by sum(unpaid) desc) as rank
      from live group by borrower_id
    ), lenders as (
      select count(distinct c.investor_id) as cumulative,
             count(distinct c.investor_id) filter (where c.status = 'holding'
               and d.status in ('repaying', 'overdue', 'accelerated')) as current
      from claims c join disbursed d on d.id = c.loan_id
    )
    select
      (select coalesce(sum(amount_fen), 0)::bigint from disbursed) as "cumulativeAmountFen",
      (select count(*) from disbursed) as "cumulativeCount",
      (select coalesce(sum(unpaid), 0)::bigint from live) as "outstandingAmountFen",
      (select count(*) from live) as "outstandingCount",
      (select cumulative from lenders) as "cumulativeLenders",
      (select count(distinct borrower_id) from disbursed) as "cumulativeBorrowers",
      (select current from lenders) as "currentLenders",
      (select count(distinct borrower_id) from live) as "currentBorrowers",
      (select coalesce(sum(amount) filter (where rank <= 10), 0)::bigint from per_borrower) as "top10BorrowerFen",
      (select coalesce(max(amount), 0)::bigint from per_borrower) as "largestBorrowerFen",
      (select coalesce(sum(unpaid) filter (where overdue), 0)::bigint from live) as "overdueAmountFen",
      (select count(*) filter (where overdue) from live) as "overdueCount",
      (select coalesce(sum(unpaid) filter (where overdue and days_overdue > 90), 0)::bigint from live)
        as "overdue90AmountFen",
      (select count(*) filter (where overdue and days_overdue > 90) from live) as "overdue90Count",
      0::bigint as "relatedPartyAmountFen",
      0::bigint as "relatedPartyCount"`;
  const { top10BorrowerFen, largestBorrowerFen, ...rest } = row;
  return {
    ...rest,
    top10BorrowerShareMicros: shareMicros(top10BorrowerFen, row.outstandingAmountFen),
    largestBorrowerShareMicros: shareMicros(largestBorrowerFen, row.outstandingAmountFen),
  };
}

/** The platform's fee income (累计收取的费用) by kind, from the ledger's fee-income account. */
export interface FeeIncome {
  /** 借款服务费 (taken at disbursement) */
  serviceFeeFen: Fen;
  /** 利息管理费 (withheld from the interest investors receive) */
  interestManagementFeeFen: Fen;
  /** 提前还款手续费 */
  prepaymentFeeFen: Fen;
}

/**
 * The fee income posted to `platform_fee_income` by the lending entries: `service_fee`, `repayment` (the
 * interest management fee) and `prepayment_fee`. A reversal counts against the kind it reverses. One query.
 */
export async function feeIncome(sql: Db): Promise<FeeIncome> {
  const [row] = await sql<FeeIncome[]>`
    with fee_lines as (
      select coalesce(o.business_type, e.business_type) as kind, l.amount_fen
      from ledger_accounts a
      join journal_lines l on l.account_id = a.id
      join journal_entries e on e.id = l.entry_id
      left join journal_entries o on o.id = e.reverses_entry_id
      where a.kind = 'platform_fee_income' and a.owner_user_id is null
    )
    select
      coalesce(sum(amount_fen) filter (where kind = 'service_fee'), 0)::bigint as "serviceFeeFen",
      coalesce(sum(amount_fen) filter (where kind = 'repayment'), 0)::bigint as "interestManagementFeeFen",
      coalesce(sum(amount_fen) filter (where kind = 'prepayment_fee'), 0)::bigint as "prepaymentFeeFen"
    from fee_lines
    where kind in ('service_fee', 'repayment', 'prepayment_fee')`;
  return row;
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
  const [loans, fees] = await Promise.all([loanFigures(sql), feeIncome(sql)]);
  return { ...users, ...loans, fees, hasLoans: loans.cumulativeCount > 0n };
}

/** A share in millionths as a percentage with two decimals: 123456 → `12.35%` (half-up). */
export function formatShareMicros(micros: number): string {
  if (!Number.isSafeInteger(micros) || micros < 0) {
    throw new RangeError(`share must be a non-negative integer`);
  }
  const hundredths = Math.floor((micros + 50) / 100); // micros / 1e6 * 1e4, half-up
  return `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, "0")}%`;
}
