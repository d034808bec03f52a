/**
 * Loans written straight into the lending tables (loan, bids, claims, installments, each investor's share)
 * for the figure tests of the disclosure, home and admin pages: any state, no commands run, no ledger.
 * @module
 */
import type { Db } from "../../../db/tx.ts";
import type { Fen } from "../../../domain/money/fen.ts";
import { insertLoan } from "../../helpers/lending.ts";
import { createUser } from "../../helpers/forms.ts";

/** One borrower installment: due `dueInDays` days from today (Asia/Shanghai; negative: in the past). */
export interface BookInstallment {
  dueInDays: number;
  principalFen: Fen;
  interestFen: Fen;
  paidPrincipalFen?: Fen;
  paidInterestFen?: Fen;
  status?: "pending" | "overdue" | "paid" | "written_off";
}

/** One claim (an investor's bid that became a claim), with what it has received so far (period 1). */
export interface BookClaim {
  investorId?: string;
  principalFen: Fen;
  receivedInterestFen?: Fen;
  feeFen?: Fen;
  status?: "holding" | "settled" | "written_off";
}

/** A loan in the books. */
export interface BookLoan {
  borrowerId?: string;
  status: "open" | "full" | "repaying" | "overdue" | "accelerated" | "settled" | "written_off" | "failed";
  amountFen: Fen;
  fundedFen?: Fen;
  newbieOnly?: boolean;
  title?: string;
  installments?: BookInstallment[];
  claims?: BookClaim[];
}

/** Insert a loan with its installments, bids, claims and claim installments; returns the ids. */
export async function bookLoan(
  sql: Db,
  loan: BookLoan,
): Promise<{ loanId: string; borrowerId: string; investorIds: string[] }> {
  const pre = loan.status === "open" || loan.status === "full" || loan.status === "failed";
  const { loanId, borrowerId } = await insertLoan(sql, {
    borrowerId: loan.borrowerId,
    amountFen: loan.amountFen,
    fundedFen: loan.fundedFen ?? (pre ? 0n : loan.amountFen),
    status: pre ? loan.status as "open" | "full" | "failed" : "full_reviewed",
    newbieOnly: loan.newbieOnly,
    title: loan.title,
  });
  if (!pre) {
    await sql`update loans set status = ${loan.status}, disbursed_at = now(),
      interest_start_date = (now() at time zone 'Asia/Shanghai')::date where id = ${loanId}`;
  }
  for (const [i, inst] of (loan.installments ?? []).entries()) {
    await sql`
      insert into loan_installments (loan_id, period, due_date, principal_fen, interest_fen, paid_principal_fen,
        paid_interest_fen, status)
      values (${loanId}, ${i + 1}, (now() at time zone 'Asia/Shanghai')::date + ${inst.dueInDays}::integer,
        ${inst.principalFen}, ${inst.interestFen}, ${inst.paidPrincipalFen ?? 0n}, ${
      inst.paidInterestFen ?? 0n
    },
        ${inst.status ?? "pending"})`;
  }
  const investorIds: string[] = [];
  for (const claim of loan.claims ?? []) {
    const investorId = claim.investorId ?? (await createUser(sql, "investor")).userId;
    investorIds.push(investorId);
    const [bid] = await sql<{ id: string }[]>`
      insert into bids (loan_id, investor_id, amount_fen, status, idempotency_key)
      values (${loanId}, ${investorId}, ${claim.principalFen}, ${pre ? "frozen" : "disbursed"},
        ${crypto.randomUUID()})
      returning id`;
    if (pre) continue;
    const [c] = await sql<{ id: string }[]>`
      insert into claims (loan_id, bid_id, investor_id, principal_fen, status)
      values (${loanId}, ${bid.id}, ${investorId}, ${claim.principalFen}, ${claim.status ?? "holding"})
      returning id`;
    await sql`
      insert into claim_installments (claim_id, period, loan_id, investor_id, due_date, principal_fen, interest_fen,
        received_interest_fen, fee_fen, status)
      values (${c.id}, 1, ${loanId}, ${investorId}, (now() at time zone 'Asia/Shanghai')::date,
        ${claim.principalFen}, ${claim.receivedInterestFen ?? 0n}, ${claim.receivedInterestFen ?? 0n},
        ${claim.feeFen ?? 0n}, ${claim.receivedInterestFen ? "received" : "pending"})`;
  }
  return { loanId, borrowerId, investorIds };
}
