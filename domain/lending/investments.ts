/**
 * The investor's side of lending (我的出借): investments by tab (投标中, 回款中, 已结清, 逾期), one
 * investment with its plan (claim_installments: received and pending rows), the receivables calendar by
 * month, and the receivables totals of the asset overview. Reads only; one query per list page.
 * @module
 */
import type { Queryable } from "../../db/tx.ts";
import type { Fen } from "../money/fen.ts";
import { isId } from "../shared/ids.ts";
import type { RepaymentMethod } from "./schedule.ts";

/** The tabs of 我的出借. */
export const INVESTMENT_TABS = {
  bidding: "投标中",
  repaying: "回款中",
  settled: "已结清",
  overdue: "逾期",
} as const;
/** A tab. */
export type InvestmentTab = keyof typeof INVESTMENT_TABS;

/** Whether a string is a tab. */
export function isInvestmentTab(v: unknown): v is InvestmentTab {
  return typeof v === "string" && Object.hasOwn(INVESTMENT_TABS, v);
}

/** Investments per page. */
export const INVESTMENTS_PAGE_SIZE = 20;

/** One investment (a bid, and its claim once disbursed). */
export interface InvestmentRow {
  bidId: string;
  loanId: string;
  title: string;
  amountFen: Fen;
  annualRateMicros: number;
  termCount: number;
  termUnit: "month" | "day";
  method: RepaymentMethod;
  bidStatus: "frozen" | "disbursed" | "released";
  loanStatus: string;
  claimStatus: string | null;
  /** Principal + interest still to come. */
  pendingFen: Fen;
  /** Principal + interest + penalty received, after the interest management fee. */
  receivedFen: Fen;
  nextDueDate: string | null;
  createdAt: Date;
}

/** The state an investment is in, as its row says it. */
export function investmentStateLabel(
  r: Pick<InvestmentRow, "bidStatus" | "loanStatus" | "claimStatus">,
): string {
  if (r.bidStatus === "released") return "流标已解冻";
  if (r.bidStatus === "frozen") return r.loanStatus === "open" ? "投标中" : "满标待放款";
  if (r.claimStatus === "settled") return "已结清";
  if (r.claimStatus === "written_off") return "已核销";
  if (r.loanStatus === "overdue" || r.loanStatus === "accelerated") return "逾期";
  return "回款中";
}

const TAB_CONDITION: Record<InvestmentTab, string> = {
  bidding: "frozen",
  repaying: "repaying",
  settled: "settled",
  overdue: "overdue",
};

/** One page of the investor's investments in a tab (ONE query; `total` with the rows). */
export async function listInvestments(
  db: Queryable,
  investorId: string,
  tab: InvestmentTab,
  page = 1,
): Promise<{ rows: InvestmentRow[]; total: number }> {
  if (!isId(investorId)) return { rows: [], total: 0 };
  const p = Math.min(Math.max(1, Math.floor(page)), 500);
  const t = TAB_CONDITION[tab];
  const rows = await db<(InvestmentRow & { total: bigint })[]>`
    select b.id as "bidId", b.loan_id as "loanId", l.title, b.amount_fen as "amountFen",
      l.annual_rate_micros as "annualRateMicros", l.term_count as "termCount", l.term_unit as "termUnit",
      l.method, b.status as "bidStatus", l.status as "loanStatus", c.status as "claimStatus",
      coalesce(s.pending, 0)::bigint as "pendingFen", coalesce(s.received, 0)::bigint as "receivedFen",
      s.next_due::text as "nextDueDate", b.created_at as "createdAt", count(*) over () as total
    from bids b
      join loans l on l.id = b.loan_id
      left join claims c on c.bid_id = b.id
      left join lateral (
        select sum(ci.principal_fen + ci.interest_fen - ci.received_principal_fen - ci.received_interest_fen)
            filter (where ci.status = 'pending') as pending,
          sum(ci.received_principal_fen + ci.received_interest_fen + ci.received_penalty_fen - ci.fee_fen)
            as received,
          min(ci.due_date) filter (where ci.status = 'pending') as next_due
        from claim_installments ci where ci.claim_id = c.id
      ) s on c.id is not null
    where b.investor_id = ${investorId}
      and case ${t}::text
        when 'frozen' then b.status = 'frozen'
        when 'settled' then b.status = 'released' or c.status in ('settled', 'written_off')
        when 'overdue' then c.status = 'holding' and l.status in ('overdue', 'accelerated')
        else c.status = 'holding' and l.status not in ('overdue', 'accelerated')
      end
    order by b.id desc
    limit ${INVESTMENTS_PAGE_SIZE} offset ${(p - 1) * INVESTMENTS_PAGE_SIZE}`;
  return {
    rows: rows.map(({ total: _t, ...r }) => ({ ...r, bidId: String(r.bidId), loanId: String(r.loanId) })),
    total: rows.length > 0 ? Number(rows[0].total) : 0,
  };
}

/** One row of an investment's plan. */
export interface ClaimInstallmentRow {
  period: number;
  dueDate: string;
  principalFen: Fen;
  interestFen: Fen;
  receivedPrincipalFen: Fen;
  receivedInterestFen: Fen;
  receivedPenaltyFen: Fen;
  feeFen: Fen;
  status: "pending" | "received" | "written_off";
  receivedAt: Date | null;
}

/** One investment with its plan. */
export interface InvestmentDetail extends InvestmentRow {
  contractSha256: string | null;
  interestManagementFeeMicros: number;
  plan: ClaimInstallmentRow[];
}

/** The investor's own investment (null for someone else's or unknown). */
export async function getInvestment(
  db: Queryable,
  investorId: string,
  bidId: string,
): Promise<InvestmentDetail | null> {
  if (!isId(investorId) || !isId(bidId)) return null;
  const [row] = await db<(InvestmentDetail & { claimId: string | null })[]>`
    select b.id as "bidId", b.loan_id as "loanId", l.title, b.amount_fen as "amountFen",
      l.annual_rate_micros as "annualRateMicros", l.term_count as "termCount", l.term_unit as "termUnit",
      l.method, b.status as "bidStatus", l.status as "loanStatus", c.status as "claimStatus", c.id as "claimId",
      b.contract_sha256 as "contractSha256", l.interest_management_fee_micros as "interestManagementFeeMicros",
      b.created_at as "createdAt"
    from bids b join loans l on l.id = b.loan_id left join claims c on c.bid_id = b.id
    where b.id = ${bidId} and b.investor_id = ${investorId}`;
  if (!row) return null;
  const plan = row.claimId
    ? await db<ClaimInstallmentRow[]>`
      select period, due_date::text as "dueDate", principal_fen as "principalFen", interest_fen as "interestFen",
        received_principal_fen as "receivedPrincipalFen", received_interest_fen as "receivedInterestFen",
        received_penalty_fen as "receivedPenaltyFen", fee_fen as "feeFen", status, received_at as "receivedAt"
      from claim_installments where claim_id = ${row.claimId} order by period`
    : [];
  let pendingFen = 0n;
  let receivedFen = 0n;
  for (const p of plan) {
    if (p.status === "pending") {
      pendingFen += p.principalFen + p.interestFen - p.receivedPrincipalFen - p.receivedInterestFen;
    }
    receivedFen += p.receivedPrincipalFen + p.receivedInterestFen + p.receivedPenaltyFen - p.feeFen;
  }
  const { claimId: _c, ...rest } = row;
  return {
    ...rest,
    bidId: String(row.bidId),
    loanId: String(row.loanId),
    plan,
    pendingFen,
    receivedFen,
    nextDueDate: plan.find((p) => p.status === "pending")?.dueDate ?? null,
  };
}

/** The signed contract of the investor's own bid. */
export async function getInvestmentContract(
  db: Queryable,
  investorId: string,
  bidId: string,
): Promise<{ html: string; sha256: string } | null> {
  if (!isId(investorId) || !isId(bidId)) return null;
  const [row] = await db<{ html: string | null; sha256: string | null }[]>`
    select contract_html as html, contract_sha256 as sha256 from bids
    where id = ${bidId} and investor_id = ${investorId}`;
  return row?.html && row.sha256 ? { html: row.html, sha256: row.sha256 } : null;
}

/** One day of the receivables calendar. */
export interface ReceivableDay {
  day: string;
  /** Due that day (principal + interest), received or not. */
  dueFen: Fen;
  /** Received (after the fee). */
  receivedFen: Fen;
  /** Still pending. */
  pendingFen: Fen;
  count: number;
}

/** The receivables of one month (`YYYY-MM`), per day, and the month's totals (one query). */
export async function receivablesCalendar(
  db: Queryable,
  investorId: string,
  month: string,
): Promise<{ days: ReceivableDay[]; dueFen: Fen; receivedFen: Fen; pendingFen: Fen }> {
  if (!isId(investorId) || !/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) {
    return { days: [], dueFen: 0n, receivedFen: 0n, pendingFen: 0n };
  }
  const start = `${month}-01`;
  const rows = await db<ReceivableDay[]>`
    select due_date::text as day, sum(principal_fen + interest_fen)::bigint as "dueFen",
      sum(received_principal_fen + received_interest_fen + received_penalty_fen - fee_fen)::bigint as "receivedFen",
      coalesce(sum(principal_fen + interest_fen - received_principal_fen - received_interest_fen)
        filter (where status = 'pending'), 0)::bigint as "pendingFen",
      count(*) as count
    from claim_installments
    where investor_id = ${investorId} and due_date >= ${start}::date
      and due_date < (${start}::date + interval '1 month')
    group by due_date order by due_date`;
  const days = rows.map((r) => ({
    ...r,
    dueFen: BigInt(r.dueFen),
    receivedFen: BigInt(r.receivedFen),
    pendingFen: BigInt(r.pendingFen),
    count: Number(r.count),
  }));
  const sum = (f: (d: ReceivableDay) => Fen) => days.reduce((a, d) => a + f(d), 0n);
  return {
    days,
    dueFen: sum((d) => d.dueFen),
    receivedFen: sum((d) => d.receivedFen),
    pendingFen: sum((d) => d.pendingFen),
  };
}

/** The asset overview's receivables: 待收本息 (pending) and 累计已收 (received, after fees). */
export async function receivablesTotals(
  db: Queryable,
  investorId: string,
): Promise<{ pendingFen: Fen; receivedFen: Fen }> {
  if (!isId(investorId)) return { pendingFen: 0n, receivedFen: 0n };
  const [row] = await db<{ pending: bigint; received: bigint }[]>`
    select coalesce(sum(principal_fen + interest_fen - received_principal_fen - received_interest_fen)
        filter (where status = 'pending'), 0)::bigint as pending,
      coalesce(sum(received_principal_fen + received_interest_fen + received_penalty_fen - fee_fen), 0)::bigint
        as received
    from claim_installments where investor_id = ${investorId}`;
  return { pendingFen: BigInt(row.pending), receivedFen: BigInt(row.received) };
}
