/**
 * Reads for the staff loan pages (/admin/loans…): the manual review queue with counts, one application
 * with its documents and pending approval, open loans (投标管理) with their bids, and full loans awaiting
 * review or disbursement. Bounded, one query per list (no N+1).
 * @module
 */
import type { Queryable } from "../../db/tx.ts";
import type { Fen } from "../money/fen.ts";

/** Page size of the staff lists. */
export const ADMIN_LOANS_PAGE_SIZE = 50;

/** The application statuses the review queue filters by. */
export const QUEUE_STATUSES = [
  "manual_review",
  "more_info",
  "approved",
  "rejected",
  "auto_rejected",
] as const;
/** A queue filter. */
export type QueueStatus = typeof QUEUE_STATUSES[number];

/** Labels of the application statuses. */
export const APPLICATION_STATUS_TEXT: Readonly<Record<string, string>> = {
  draft: "草稿",
  submitted: "已提交",
  auto_rejected: "系统拒绝",
  manual_review: "待人工审核",
  more_info: "待补充材料",
  approved: "已通过",
  rejected: "已拒绝",
  cancelled: "已取消",
};

/** One row of the review queue. */
export interface QueueRow {
  id: string;
  userId: string;
  productName: string;
  amountFen: Fen;
  termCount: number | null;
  termUnit: string;
  status: string;
  submittedAt: Date | null;
  pendingApproval: boolean;
}

/** The review queue (oldest submitted first) and the count of every status. */
export async function listReviewQueue(
  db: Queryable,
  filter: { status: QueueStatus; productCode?: string | null; page?: number },
): Promise<{ rows: QueueRow[]; counts: Record<string, number> }> {
  const page = Math.max(1, Math.min(1000, Math.trunc(filter.page ?? 1)));
  const rows = await db<QueueRow[]>`
    select a.id::text as id, a.user_id::text as "userId", p.name as "productName", a.amount_fen as "amountFen",
           a.term_count as "termCount", p.term_unit as "termUnit", a.status, a.submitted_at as "submittedAt",
           exists (select 1 from loan_approvals x where x.application_id = a.id and x.status = 'pending')
             as "pendingApproval"
    from loan_applications a join loan_products p on p.id = a.product_id
    where a.status = ${filter.status} and (${filter.productCode ?? null}::text is null or p.code = ${
    filter.productCode ?? null
  })
    order by a.submitted_at nulls last, a.id
    limit ${ADMIN_LOANS_PAGE_SIZE} offset ${(page - 1) * ADMIN_LOANS_PAGE_SIZE}`;
  const counts = await db<{ status: string; n: bigint }[]>`
    select status, count(*) as n from loan_applications where status = any(${[
    ...QUEUE_STATUSES,
  ]}::text[])
    group by status`;
  return {
    rows: rows.map((r) => ({ ...r, amountFen: BigInt(r.amountFen ?? 0) })),
    counts: Object.fromEntries(counts.map((c) => [c.status, Number(c.n)])),
  };
}

/** One document of an application (the link goes to /admin/loans/documents/[id]). */
export interface DocumentRow {
  id: string;
  kind: string;
  contentType: string;
  sizeBytes: number;
  uploadedAt: Date;
}

/** The documents of an application still in place. */
export async function applicationDocuments(db: Queryable, applicationId: string): Promise<DocumentRow[]> {
  return await db<DocumentRow[]>`
    select id::text as id, kind, content_type as "contentType", size_bytes as "sizeBytes", uploaded_at as "uploadedAt"
    from application_documents where application_id = ${applicationId} and removed_at is null
    order by kind, id limit 50`;
}

/** A pending first approval, or null. */
export async function pendingApproval(
  db: Queryable,
  applicationId: string,
): Promise<
  { id: string; firstStaffId: string; firstStaffName: string; terms: Record<string, unknown> } | null
> {
  const [row] = await db<
    { id: string; firstStaffId: string; firstStaffName: string; terms: Record<string, unknown> | string }[]
  >`
    select x.id::text as id, x.first_staff_id::text as "firstStaffId", s.display_name as "firstStaffName", x.terms
    from loan_approvals x join staff s on s.id = x.first_staff_id
    where x.application_id = ${applicationId} and x.status = 'pending'`;
  if (!row) return null;
  return { ...row, terms: typeof row.terms === "string" ? JSON.parse(row.terms) : row.terms };
}

/** A loan as the staff lists show it. */
export interface StaffLoanRow {
  id: string;
  title: string;
  borrowerId: string;
  status: string;
  amountFen: Fen;
  fundedFen: Fen;
  bidCount: number;
  annualRateMicros: number;
  termCount: number;
  termUnit: string;
  grade: string;
  publishAt: Date;
  bidDeadline: Date;
  fullAt: Date | null;
  fullReviewedBy: string | null;
  fullReviewerName: string | null;
}

function loanRows(rows: StaffLoanRow[]): StaffLoanRow[] {
  return rows.map((r) => ({ ...r, amountFen: BigInt(r.amountFen), fundedFen: BigInt(r.fundedFen) }));
}

/** Loans in the given statuses, by publish time (newest first) — 投标管理 (`open`, `scheduled`) and 满标. */
export async function listStaffLoans(
  db: Queryable,
  statuses: readonly string[],
  page = 1,
): Promise<StaffLoanRow[]> {
  const p = Math.max(1, Math.min(1000, Math.trunc(page)));
  return loanRows(
    await db<StaffLoanRow[]>`
      select l.id::text as id, l.title, l.borrower_id::text as "borrowerId", l.status, l.amount_fen as "amountFen",
             l.funded_fen as "fundedFen", l.bid_count as "bidCount", l.annual_rate_micros as "annualRateMicros",
             l.term_count as "termCount", l.term_unit as "termUnit", l.grade, l.publish_at as "publishAt",
             l.bid_deadline as "bidDeadline", l.full_at as "fullAt", l.full_reviewed_by::text as "fullReviewedBy",
             s.display_name as "fullReviewerName"
      from loans l left join staff s on s.id = l.full_reviewed_by
      where l.status = any(${[...statuses]}::text[])
      order by l.publish_at desc, l.id desc
      limit ${ADMIN_LOANS_PAGE_SIZE} offset ${(p - 1) * ADMIN_LOANS_PAGE_SIZE}`,
  );
}

/** One bid as staff see it (investor id only: no personal data on this page). */
export interface StaffBidRow {
  id: string;
  investorId: string;
  amountFen: Fen;
  status: string;
  channel: string;
  createdAt: Date;
}

/** The bids of one loan, newest first (at most 500). */
export async function listLoanBids(db: Queryable, loanId: string): Promise<StaffBidRow[]> {
  if (!/^[1-9][0-9]{0,18}$/.test(loanId)) return [];
  const rows = await db<StaffBidRow[]>`
    select id::text as id, investor_id::text as "investorId", amount_fen as "amountFen", status, channel,
           created_at as "createdAt"
    from bids where loan_id = ${loanId} order by id desc limit 500`;
  return rows.map((r) => ({ ...r, amountFen: BigInt(r.amountFen) }));
}

/** The loan made from an application, if any. */
export async function loanOfApplication(db: Queryable, applicationId: string): Promise<StaffLoanRow | null> {
  const [row] = await db<StaffLoanRow[]>`
    select l.id::text as id, l.title, l.borrower_id::text as "borrowerId", l.status, l.amount_fen as "amountFen",
           l.funded_fen as "fundedFen", l.bid_count as "bidCount", l.annual_rate_micros as "annualRateMicros",
           l.term_count as "termCount", l.term_unit as "termUnit", l.grade, l.publish_at as "publishAt",
           l.bid_deadline as "bidDeadline", l.full_at as "fullAt", l.full_reviewed_by::text as "fullReviewedBy",
           null as "fullReviewerName"
    from loans l where l.application_id = ${applicationId}`;
  return row ? loanRows([row])[0] : null;
}
