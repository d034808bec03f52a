/**
 * The loan's page (`/loans/[id]`): the loan and its per-loan disclosure (借款人信息披露, `loans.disclosure`
 * — filled at approval; missing fields fall back to 「未披露」), the bid list with investors masked, and the
 * repayment plan for an amount an investor is thinking of lending. Reads only.
 * @module
 */
import type { Queryable } from "../../db/tx.ts";
import type { Fen } from "../money/fen.ts";
import { parseYuanToFen } from "../money/format.ts";
import { isId } from "../shared/ids.ts";
import { maskedUserLabel } from "./contract.ts";
import { computeSchedule, type RepaymentMethod, type Schedule } from "./schedule.ts";

/** A loan as its page shows it. */
export interface LoanDetail {
  id: string;
  borrowerId: string;
  title: string;
  productName: string;
  productKind: string;
  borrowerKind: "person" | "business";
  amountFen: Fen;
  fundedFen: Fen;
  bidCount: number;
  annualRateMicros: number;
  termCount: number;
  termUnit: "month" | "day";
  method: RepaymentMethod;
  grade: string;
  riskLevel: string;
  newbieOnly: boolean;
  minBidFen: Fen;
  bidUnitFen: Fen;
  interestManagementFeeMicros: number;
  status: string;
  purpose: string;
  repaymentSource: string;
  disclosure: Record<string, unknown>;
  publishAt: Date;
  bidDeadline: Date;
  fullAt: Date | null;
  interestStartDate: Date | string | null;
}

/** The loan, or null (unknown, or scheduled more than a day ahead: not public yet). */
export async function getLoanDetail(
  db: Queryable,
  loanId: string,
  now: Date = new Date(),
): Promise<LoanDetail | null> {
  if (!isId(loanId)) return null;
  const [row] = await db<LoanDetail[]>`
    select l.id, l.borrower_id as "borrowerId", l.title, p.name as "productName", p.kind as "productKind",
      p.borrower_kind as "borrowerKind", l.amount_fen as "amountFen", l.funded_fen as "fundedFen",
      l.bid_count as "bidCount", l.annual_rate_micros as "annualRateMicros", l.term_count as "termCount",
      l.term_unit as "termUnit", l.method, l.grade, l.risk_level as "riskLevel", l.newbie_only as "newbieOnly",
      l.min_bid_fen as "minBidFen", l.bid_unit_fen as "bidUnitFen",
      l.interest_management_fee_micros as "interestManagementFeeMicros", l.status, l.purpose,
      l.repayment_source as "repaymentSource", l.disclosure, l.publish_at as "publishAt",
      l.bid_deadline as "bidDeadline", l.full_at as "fullAt", l.interest_start_date as "interestStartDate"
    from loans l join loan_products p on p.id = l.product_id
    where l.id = ${loanId}`;
  if (!row) return null;
  if (row.status === "scheduled" && row.publishAt.getTime() > now.getTime() + 86_400_000) return null;
  return { ...row, id: String(row.id), borrowerId: String(row.borrowerId), disclosure: row.disclosure ?? {} };
}

/** One disclosed fact: label and the value to show. */
export interface DisclosureItem {
  key: string;
  label: string;
  value: string;
}

const NOT_DISCLOSED = "未披露";

/** The disclosure fields in the order of the rules (借款人信息 and 项目信息), with fallbacks. */
export function disclosureItems(loan: LoanDetail): { borrower: DisclosureItem[]; project: DisclosureItem[] } {
  const d = loan.disclosure;
  const text = (v: unknown): string | null => {
    if (typeof v === "string" && v.trim() !== "") return v;
    if (typeof v === "number" || typeof v === "bigint") return String(v);
    if (typeof v === "boolean") return v ? "是" : "否";
    return null;
  };
  const yuan = (v: unknown): string | null => {
    const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : null;
    return n === null ? text(v) : `¥${(n / 100).toLocaleString("en-US", { minimumFractionDigits: 2 })}`;
  };
  const pick = (keys: string[], format = text) => {
    for (const k of keys) {
      const v = format(d[k]);
      if (v !== null) return v;
    }
    return NOT_DISCLOSED;
  };
  const borrower: DisclosureItem[] = [
    {
      key: "borrowerName",
      label: "借款人",
      value: pick(["borrowerName"]) === NOT_DISCLOSED
        ? maskedUserLabel(loan.borrowerId)
        : pick(["borrowerName"]),
    },
    {
      key: "borrowerType",
      label: "借款人类型",
      value: pick(["borrowerType"]) === NOT_DISCLOSED
        ? (loan.borrowerKind === "business" ? "企业" : "自然人")
        : pick(["borrowerType"]),
    },
    { key: "industry", label: "所属行业", value: pick(["industry"]) },
    { key: "income", label: "收入情况", value: pick(["income", "monthlyIncomeFen"], yuan) },
    { key: "debts", label: "负债情况", value: pick(["debts", "monthlyDebtFen"], yuan) },
    { key: "overdue6m", label: "近6个月征信逾期", value: pick(["overdue6m", "creditOverdue6m"]) },
    {
      key: "otherPlatforms",
      label: "在其他网络借贷平台借款",
      value: pick(["otherPlatforms", "otherPlatformOutstandingFen"], yuan),
    },
  ];
  const project: DisclosureItem[] = [
    { key: "repaymentSource", label: "还款来源", value: loan.repaymentSource || pick(["repaymentSource"]) },
    {
      key: "riskAssessment",
      label: "风险评估",
      value: pick(["riskAssessment"]) === NOT_DISCLOSED
        ? `平台评级 ${loan.grade} 级（${loan.riskLevel}），适合风险承受能力相应的出借人`
        : pick(["riskAssessment"]),
    },
    {
      key: "possibleOutcomes",
      label: "可能产生的风险结果",
      value: pick(["possibleOutcomes"]) === NOT_DISCLOSED
        ? "借款人可能延迟还款或无法还款，出借人可能损失部分或全部本金及利息；平台不提供担保。"
        : pick(["possibleOutcomes"]),
    },
  ];
  return { borrower, project };
}

/** Bids shown per page of the bid list. */
export const BID_LIST_PAGE_SIZE = 20;

/** One row of the bid list. */
export interface BidListRow {
  investor: string;
  amountFen: Fen;
  channel: string;
  createdAt: Date;
}

/** The loan's bids, newest first, investors masked (one query; `total` with the rows). */
export async function listLoanBids(
  db: Queryable,
  loanId: string,
  page = 1,
): Promise<{ rows: BidListRow[]; total: number }> {
  const p = Math.min(Math.max(1, Math.floor(page)), 1000);
  const rows = await db<
    { investorId: string; amountFen: Fen; channel: string; createdAt: Date; total: bigint }[]
  >`
    select investor_id as "investorId", amount_fen as "amountFen", channel, created_at as "createdAt",
      count(*) over () as total
    from bids where loan_id = ${loanId}
    order by id desc limit ${BID_LIST_PAGE_SIZE} offset ${(p - 1) * BID_LIST_PAGE_SIZE}`;
  return {
    rows: rows.map((r) => ({
      investor: maskedUserLabel(String(r.investorId)),
      amountFen: r.amountFen,
      channel: r.channel,
      createdAt: r.createdAt,
    })),
    total: rows.length > 0 ? Number(rows[0].total) : 0,
  };
}

/** Outcome of {@link planFor}. */
export type PlanResult = { ok: true; amountFen: Fen; schedule: Schedule } | { ok: false; message: string };

/** The plan an investor would receive for lending `amountYuan` (as typed) on the loan. */
export function planFor(loan: LoanDetail, amountYuan: string): PlanResult {
  const text = amountYuan.trim().slice(0, 20);
  const amountFen = parseYuanToFen(text);
  if (amountFen === null || amountFen <= 0n) {
    return { ok: false, message: "请输入正确的金额（元，最多两位小数）" };
  }
  if (amountFen > loan.amountFen) return { ok: false, message: "金额不能超过借款金额" };
  const schedule = computeSchedule({
    method: loan.method,
    principalFen: amountFen,
    annualRateMicros: loan.annualRateMicros,
    ...(loan.termUnit === "month" ? { months: loan.termCount } : { days: loan.termCount }),
  });
  return { ok: true, amountFen, schedule };
}
