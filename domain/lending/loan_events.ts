/**
 * The loan's history (`loan_events`): every decision and state change of an application or loan, shown to
 * staff on /admin/loans/[id].
 * @module
 */
import type { Queryable, Tx } from "../../db/tx.ts";

/** Chinese labels of the event kinds written by review, listing and disbursement. */
export const LOAN_EVENT_LABELS: Readonly<Record<string, string>> = {
  approval_pending: "初审通过，待复核",
  approved: "审核通过",
  rejected: "审核拒绝",
  more_info: "要求补充材料",
  published: "开始投标",
  failed: "流标",
  full: "满标",
  full_reviewed: "满标审核通过",
  disbursed: "放款",
};

/**
 * Write one event inside the caller's transaction, at `at` (the command's clock, e.g. a backdated demo
 * loan's) or the transaction's time.
 */
export async function recordLoanEvent(
  tx: Tx,
  event: {
    loanId?: string | null;
    applicationId?: string | null;
    kind: string;
    staffId?: string | null;
    detail?: Record<string, unknown>;
    at?: Date;
  },
): Promise<void> {
  await tx`
    insert into loan_events (loan_id, application_id, kind, staff_id, detail, created_at)
    values (${event.loanId ?? null}, ${event.applicationId ?? null}, ${event.kind}, ${event.staffId ?? null},
            ${tx.json(JSON.parse(JSON.stringify(event.detail ?? {})))},
            coalesce(${event.at ?? null}::timestamptz, now()))`;
}

/** One event as listed. */
export interface LoanEventRow {
  id: string;
  kind: string;
  staffName: string | null;
  detail: Record<string, unknown>;
  createdAt: Date;
}

/** The history of an application and the loan made from it, oldest first (at most 200 events). */
export async function loanHistory(
  db: Queryable,
  ids: { applicationId?: string | null; loanId?: string | null },
): Promise<LoanEventRow[]> {
  return await db<LoanEventRow[]>`
    select e.id::text as id, e.kind, s.display_name as "staffName", e.detail, e.created_at as "createdAt"
    from loan_events e left join staff s on s.id = e.staff_id
    where (e.application_id = ${ids.applicationId ?? null} or e.loan_id = ${ids.loanId ?? null})
    order by e.id limit 200`;
}
