/**
 * A loan in repayment inserted directly (no application, no bidding, no disbursement): the loan row
 * (tests/helpers/lending.ts `insertLoan`, then status `repaying`), one bid and one claim per investor, the
 * borrower's installments from `computeSchedule`, and every claim's rows split with `allocate` so each
 * column sums exactly to its installment. Borrower and investors are users with an open custody account
 * (and the sandbox bank's side of it); the borrower gets `borrowerBalanceFen` in available.
 * @module
 */
import { type Db, transaction } from "../../db/tx.ts";
import { postEntry } from "../../domain/ledger/ledger.ts";
import { allocate } from "../../domain/money/allocate.ts";
import type { Fen } from "../../domain/money/fen.ts";
import { addDays } from "../../domain/lending/repayment.ts";
import { computeSchedule, type RepaymentMethod } from "../../domain/lending/schedule.ts";
import { formatShanghaiDate } from "../../domain/shared/shanghai_time.ts";
import { insertUser } from "../jobs/fixtures.ts";
import { insertLoan } from "./lending.ts";

/** A user with an open custody account and `balanceFen` available (a test top-up). */
export async function custodyUser(sql: Db, balanceFen: Fen = 0n): Promise<string> {
  const { id } = await insertUser(sql);
  const userId = String(id);
  const accountNo = `T${userId.padStart(12, "0")}`;
  await sql`insert into custody_accounts (user_id, account_no, status, opened_at) values (${userId}, ${accountNo}, 'open', now())`;
  await sql`insert into sandbox_bank_accounts (account_no, user_id, balance_fen) values (${accountNo}, ${userId}, ${balanceFen})`;
  if (balanceFen > 0n) await topUp(sql, userId, balanceFen);
  return userId;
}

/** Credit `amountFen` to the user's available balance (custody clearing on the other side). */
export async function topUp(sql: Db, userId: string, amountFen: Fen): Promise<void> {
  await transaction(sql, async (tx) => {
    const r = await postEntry(tx, {
      businessType: "top_up",
      reference: `test_top_up:${userId}`,
      idempotencyKey: `test_top_up:${userId}:${crypto.randomUUID()}`,
      lines: [
        { account: { kind: "custody_clearing" }, amountFen: -amountFen },
        { account: { kind: "user_available", userId }, amountFen },
      ],
    });
    if (!r.ok) throw new Error("top-up failed");
  });
}

/** The day `months` calendar months after `day` (clamped to the month's last day). */
export function addMonths(day: string, months: number): string {
  const [y, m, d] = day.split("-").map(Number);
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, last));
  return target.toISOString().slice(0, 10);
}

/** Options of {@link repayingLoan}. */
export interface RepayingLoanOptions {
  /** Investors' weights (each claim's principal in proportion); default three equal investors. */
  weights?: bigint[];
  amountFen?: Fen;
  termCount?: number;
  method?: RepaymentMethod;
  annualRateMicros?: number;
  productCode?: string;
  /** Due date of period 1; later periods one month apart. Default: one month after today (Shanghai). */
  firstDueDate?: string;
  borrowerBalanceFen?: Fen;
}

/** What {@link repayingLoan} made. */
export interface RepayingLoan {
  loanId: string;
  borrowerId: string;
  investorIds: string[];
  claimIds: string[];
  dueDates: string[];
}

/** Insert a loan in repayment (see the module doc). */
export async function repayingLoan(sql: Db, options: RepayingLoanOptions = {}): Promise<RepayingLoan> {
  const weights = options.weights ?? [1n, 1n, 1n];
  const amountFen = options.amountFen ?? 1_200_000n;
  const termCount = options.termCount ?? 3;
  const method = options.method ?? "equal_installment";
  const rate = options.annualRateMicros ?? 120_000;
  const borrowerId = await custodyUser(sql, options.borrowerBalanceFen ?? 0n);
  const { loanId } = await insertLoan(sql, {
    borrowerId,
    productCode: options.productCode,
    status: "full_reviewed",
    amountFen,
    fundedFen: amountFen,
    annualRateMicros: rate,
    termCount,
    method,
  });
  const today = formatShanghaiDate(new Date());
  const first = options.firstDueDate ?? addMonths(today, 1);
  const dueDates = Array.from({ length: termCount }, (_, k) => addMonths(first, k));
  await sql`update loans set status = 'repaying', disbursed_at = now(), interest_start_date = ${
    addDays(first, -30)
  },
    maturity_date = ${dueDates[dueDates.length - 1]} where id = ${loanId}`;
  const schedule = computeSchedule({
    method,
    principalFen: amountFen,
    annualRateMicros: rate,
    months: termCount,
  });
  await sql`
    insert into loan_installments (loan_id, period, due_date, principal_fen, interest_fen)
    select ${loanId}, p, d::date, pr, i
    from unnest(${schedule.periods.map((p) => p.period)}::int[], ${dueDates}::text[],
      ${schedule.periods.map((p) => p.principalFen.toString())}::bigint[],
      ${schedule.periods.map((p) => p.interestFen.toString())}::bigint[]) as x(p, d, pr, i)`;
  const shares = allocate(amountFen, weights);
  const investorIds: string[] = [];
  const claimIds: string[] = [];
  for (const share of shares) {
    const investorId = await custodyUser(sql);
    investorIds.push(investorId);
    const [bid] = await sql<{ id: string }[]>`
      insert into bids (loan_id, investor_id, amount_fen, status, idempotency_key)
      values (${loanId}, ${investorId}, ${share}, 'disbursed', ${crypto.randomUUID()}) returning id::text as id`;
    const [claim] = await sql<{ id: string }[]>`
      insert into claims (loan_id, bid_id, investor_id, principal_fen)
      values (${loanId}, ${bid.id}, ${investorId}, ${share}) returning id::text as id`;
    claimIds.push(claim.id);
  }
  const rows = {
    c: [] as string[],
    inv: [] as string[],
    p: [] as number[],
    d: [] as string[],
    pr: [] as string[],
    i: [] as string[],
  };
  for (const [k, period] of schedule.periods.entries()) {
    const pr = allocate(period.principalFen, shares);
    const it = allocate(period.interestFen, shares);
    for (let j = 0; j < shares.length; j++) {
      rows.c.push(claimIds[j]);
      rows.inv.push(investorIds[j]);
      rows.p.push(period.period);
      rows.d.push(dueDates[k]);
      rows.pr.push(pr[j].toString());
      rows.i.push(it[j].toString());
    }
  }
  await sql`
    insert into claim_installments (claim_id, period, loan_id, investor_id, due_date, principal_fen, interest_fen)
    select c, p, ${loanId}, inv, d::date, pr, i
    from unnest(${rows.c}::bigint[], ${rows.p}::int[], ${rows.inv}::bigint[], ${rows.d}::text[],
      ${rows.pr}::bigint[], ${rows.i}::bigint[]) as x(c, p, inv, d, pr, i)`;
  return { loanId, borrowerId, investorIds, claimIds, dueDates };
}
