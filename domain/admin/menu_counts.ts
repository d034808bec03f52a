/**
 * The counts of the admin menu's work queues (UX.md: queues show their counts in the menu): how many
 * items wait in each queue a staff member may see. One statement per page render, whatever the number of
 * queues; a queue the member may not see is not counted at all (its subquery is never executed: Postgres
 * runs an uncorrelated subquery under `case` only when its branch is taken).
 *
 * Each count is the same set the queue's page lists:
 * - `kyc` — real-name exceptions and verification videos pending (/admin/kyc);
 * - `withdrawals` — withdrawals in `pending_review` (/admin/finance/withdrawals);
 * - `loan_review` — applications in `manual_review` (/admin/loans, the default tab);
 * - `full_review` / `disbursement` — loans `full` (满标审核) / `full_reviewed` (放款) (/admin/loans/full);
 * - `collections` — overdue or accelerated loans with unpaid installments (/admin/collections);
 * - `write_offs` — write-off proposals waiting for a second member's decision;
 * - `reconciliation` — the differences the latest finished reconciliation found (/admin/finance/reconciliation;
 *   the admin home's alert, `reconciliationAlert`), until a later run finds none.
 * @module
 */
import type { Queryable } from "../../db/tx.ts";
import { MENU_QUEUES, type MenuQueue } from "../staff/permissions.ts";

/** Waiting items per counted queue; a queue that was not asked for is absent. */
export type MenuCounts = Partial<Record<MenuQueue, bigint>>;

type Row = Record<MenuQueue, bigint | string | null>;

/**
 * The counts of `queues` (those of the staff member's menu, see `menuQueues`), in one statement; none
 * asked, no query.
 */
export async function menuQueueCounts(db: Queryable, queues: readonly MenuQueue[]): Promise<MenuCounts> {
  const wanted = MENU_QUEUES.filter((q) => queues.includes(q));
  if (wanted.length === 0) return {};
  const [row] = await db<Row[]>`
    select
      case when 'kyc' = any(${wanted}::text[]) then
        (select count(*) from identity_reviews where status = 'pending')
        + (select count(*) from video_verifications where status = 'pending') end as kyc,
      case when 'withdrawals' = any(${wanted}::text[]) then
        (select count(*) from withdrawals where status = 'pending_review') end as withdrawals,
      case when 'loan_review' = any(${wanted}::text[]) then
        (select count(*) from loan_applications where status = 'manual_review') end as loan_review,
      case when 'full_review' = any(${wanted}::text[]) then
        (select count(*) from loans where status = 'full') end as full_review,
      case when 'disbursement' = any(${wanted}::text[]) then
        (select count(*) from loans where status = 'full_reviewed') end as disbursement,
      case when 'collections' = any(${wanted}::text[]) then
        (select count(*) from loans l where l.status in ('overdue', 'accelerated')
           and exists (select 1 from loan_installments li
                       where li.loan_id = l.id and li.status in ('pending', 'overdue'))) end as collections,
      case when 'write_offs' = any(${wanted}::text[]) then
        (select count(*) from write_off_proposals where status = 'pending') end as write_offs,
      case when 'reconciliation' = any(${wanted}::text[]) then
        (select difference_count from reconciliation_runs where status = 'done' order by id desc limit 1)
      end as reconciliation`;
  const counts: MenuCounts = {};
  for (const q of wanted) counts[q] = BigInt(row[q] ?? 0);
  return counts;
}
