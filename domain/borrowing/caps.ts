/**
 * Borrowing caps (借款限额, the regulator's limits for online lending): what a borrower still owes in
 * principal plus what they ask for may not exceed
 * - on this platform: ¥200,000 for a natural person, ¥1,000,000 for a business;
 * - across platforms (this one plus what the credit bureau reports elsewhere): ¥1,000,000 / ¥5,000,000.
 *
 * {@link checkBorrowingCap} is pure; {@link outstandingPrincipalFen} is the database's figure for this
 * platform. A refusal says which cap and by how much the request exceeds it.
 * @module
 */
import type { Queryable } from "../../db/tx.ts";
import type { Fen } from "../money/fen.ts";
import { formatFen } from "../money/format.ts";

/** Who borrows: a natural person or a business. */
export type BorrowerKind = "person" | "business";

/** The caps per borrower kind, in fen. */
export const BORROWING_CAPS: Readonly<Record<BorrowerKind, { platformFen: Fen; allPlatformsFen: Fen }>> = {
  person: { platformFen: 20_000_000n, allPlatformsFen: 100_000_000n },
  business: { platformFen: 100_000_000n, allPlatformsFen: 500_000_000n },
};

/**
 * Loan statuses whose principal is still owed (or, while approved and bidding, about to be). `scheduled`
 * (approved, waiting to be listed) counts too, so an approved loan cannot be doubled by a new application.
 */
export const OUTSTANDING_LOAN_STATUSES = [
  "scheduled",
  "open",
  "full",
  "full_reviewed",
  "repaying",
  "overdue",
  "accelerated",
] as const;

/** Outcome of {@link checkBorrowingCap}. */
export type BorrowingCapCheck =
  | { ok: true }
  | { ok: false; code: "platform_cap" | "all_platforms_cap"; capFen: Fen; overByFen: Fen; message: string };

/**
 * Check a request against the caps (pure). `otherPlatformsFen` is the credit bureau's figure of principal
 * owed elsewhere; `null` checks the platform cap only (the amount step, before the bureau is asked).
 * The platform cap is checked first.
 */
export function checkBorrowingCap(input: {
  borrowerKind: BorrowerKind;
  outstandingFen: Fen;
  requestFen: Fen;
  otherPlatformsFen: Fen | null;
}): BorrowingCapCheck {
  const caps = BORROWING_CAPS[input.borrowerKind];
  const here = input.outstandingFen + input.requestFen;
  if (here > caps.platformFen) {
    const overByFen = here - caps.platformFen;
    return {
      ok: false,
      code: "platform_cap",
      capFen: caps.platformFen,
      overByFen,
      message: `超出本平台借款上限 ${formatFen(overByFen)}（${
        input.borrowerKind === "person" ? "个人" : "企业"
      }在本平台未还本金与本次申请合计不超过 ${formatFen(caps.platformFen)}，您目前未还本金 ${
        formatFen(input.outstandingFen)
      }）`,
    };
  }
  if (input.otherPlatformsFen !== null) {
    const all = here + input.otherPlatformsFen;
    if (all > caps.allPlatformsFen) {
      const overByFen = all - caps.allPlatformsFen;
      return {
        ok: false,
        code: "all_platforms_cap",
        capFen: caps.allPlatformsFen,
        overByFen,
        message: `超出全部网贷平台借款上限 ${formatFen(overByFen)}（${
          input.borrowerKind === "person" ? "个人" : "企业"
        }在各网贷平台未还本金合计不超过 ${
          formatFen(caps.allPlatformsFen)
        }；征信报告显示您在其他平台未还本金 ${formatFen(input.otherPlatformsFen)}）`,
      };
    }
  }
  return { ok: true };
}

/**
 * The principal the user owes (or is raising) on this platform: for loans not yet disbursed (`scheduled`,
 * `open`, `full`)
 * the whole amount; for loans being repaid the amount minus the principal repaid so far.
 */
export async function outstandingPrincipalFen(db: Queryable, userId: string): Promise<Fen> {
  const [row] = await db<{ fen: bigint | string | null }[]>`
    select coalesce(sum(l.amount_fen - case when l.status in ('scheduled', 'open', 'full') then 0 else coalesce((
      select sum(i.paid_principal_fen) from loan_installments i where i.loan_id = l.id), 0) end), 0) as fen
    from loans l
    where l.borrower_id = ${userId} and l.status = any(${OUTSTANDING_LOAN_STATUSES as unknown as string[]})`;
  return BigInt(row?.fen ?? 0);
}
