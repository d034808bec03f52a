/**
 * Applying borrower payments inside a transaction — shared by the borrower's commands (`repayNow`,
 * `prepayLoan` in repay.ts) and the daily settlement (settlement.ts), for one loan or a chunk of hundreds:
 * the loan's installments and every claim's rows change, the ledger is posted with set-based batch posting
 * (domain/ledger/batch.ts), one `loan_repayments` row per payment records the breakdown, one custody batch
 * per payment moves the money at the bank, and a loan repaid in full is settled with its claims.
 *
 * Ledger: per payment, `repayment` entries of at most 62 investors each (the borrower's line, one line per
 * investor, the fee line: ≤ 64 = MAX_LINES_PER_ENTRY), keys `<prefix>:<n>`; borrower available −gross,
 * investors available +net, platform_fee_income +interest management fee. A prepayment fee is a separate
 * `prepayment_fee` entry `<prefix>:fee`. Custody: one `batch_transfer` instruction per payment (borrower →
 * each investor net, borrower → platform fees), key `custody:<prefix>`. (The settlement's chunk mode:
 * {@link ApplyOptions.chunk}.)
 *
 * A period paid in full: its claim rows that have received nothing yet take their whole principal and
 * interest in one set-based update (no read of their amounts needed); rows that received a part before
 * are split like any partial payment (repayment.ts `distributeToClaims`) — both give every row exactly
 * what it is still owed.
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import type { Queryable, Tx } from "../../db/tx.ts";
import { postEntryBatch } from "../ledger/batch.ts";
import { type JournalEntryInput, MAX_LINES_PER_ENTRY, type PostingLine } from "../ledger/ledger.ts";
import { notify } from "../messaging/notifications.ts";
import type { Fen } from "../money/fen.ts";
import { formatFen } from "../money/format.ts";
import {
  appendCustodyBatchLines,
  closeCustodyBatch,
  createCustodyBatch,
  type CustodyBatchLineInput,
  openCustodyBatch,
} from "../payments/custody_batch.ts";
import {
  type ClaimRowState,
  distributeToClaims,
  type OwedInstallment,
  type PaymentBreakdown,
  type PaymentPlan,
  type PenaltyRule,
} from "./repayment.ts";

/** Investors per repayment entry: with the borrower's and the fee line, 64 lines at most. */
export const INVESTORS_PER_ENTRY = 62;

/** A loan as the repayment code needs it (loan row + product rules). */
export interface LoanTerms {
  loanId: string;
  borrowerId: string;
  title: string;
  status: string;
  feeMicros: number;
  penaltyRule: PenaltyRule;
  accelerationDays: number;
  prepaymentAllowed: boolean;
  prepaymentFeeMicros: number;
}

/** One installment of the borrower's schedule, as stored. */
export interface InstallmentRow {
  loanId: string;
  period: number;
  dueDate: string;
  principalFen: Fen;
  interestFen: Fen;
  penaltyFen: Fen;
  paidPrincipalFen: Fen;
  paidInterestFen: Fen;
  paidPenaltyFen: Fen;
  status: "pending" | "overdue" | "paid" | "written_off";
}

/** Load the terms of `loanIds`; `lock` takes their rows `for update` (id order). */
export async function loadLoanTerms(
  tx: Queryable,
  loanIds: readonly string[],
  lock = false,
): Promise<LoanTerms[]> {
  if (loanIds.length === 0) return [];
  const rows = await tx<
    {
      loanId: string;
      borrowerId: string;
      title: string;
      status: string;
      feeMicros: number;
      dayMicros: number;
      after30: number;
      accelerationDays: number;
      prepaymentAllowed: boolean;
      prepaymentFeeMicros: number;
    }[]
  >`
    select l.id::text as "loanId", l.borrower_id::text as "borrowerId", l.title, l.status,
      l.interest_management_fee_micros as "feeMicros", p.penalty_day_micros as "dayMicros",
      p.penalty_day_micros_after_30 as after30, p.acceleration_days as "accelerationDays",
      p.prepayment_allowed as "prepaymentAllowed", p.prepayment_fee_micros as "prepaymentFeeMicros"
    from loans l join loan_products p on p.id = l.product_id
    where l.id = any(${loanIds}::bigint[])
    order by l.id ${lock ? tx`for update of l` : tx``}`;
  return rows.map((r) => ({
    loanId: r.loanId,
    borrowerId: r.borrowerId,
    title: r.title,
    status: r.status,
    feeMicros: Number(r.feeMicros),
    penaltyRule: { dayMicros: Number(r.dayMicros), dayMicrosAfter30: Number(r.after30) },
    accelerationDays: Number(r.accelerationDays),
    prepaymentAllowed: r.prepaymentAllowed,
    prepaymentFeeMicros: Number(r.prepaymentFeeMicros),
  }));
}

/** The unpaid installments (pending or overdue) of `loanIds`, by loan, in period order. */
export async function loadOpenInstallments(
  tx: Queryable,
  loanIds: readonly string[],
): Promise<Map<string, InstallmentRow[]>> {
  const out = new Map<string, InstallmentRow[]>();
  if (loanIds.length === 0) return out;
  const rows = await tx<InstallmentRow[]>`
    select loan_id::text as "loanId", period, to_char(due_date, 'YYYY-MM-DD') as "dueDate",
      principal_fen as "principalFen", interest_fen as "interestFen", penalty_fen as "penaltyFen",
      paid_principal_fen as "paidPrincipalFen", paid_interest_fen as "paidInterestFen",
      paid_penalty_fen as "paidPenaltyFen", status
    from loan_installments
    where loan_id = any(${loanIds}::bigint[]) and status in ('pending', 'overdue')
    order by loan_id, period`;
  for (const r of rows) {
    const list = out.get(r.loanId) ?? [];
    list.push(r);
    out.set(r.loanId, list);
  }
  return out;
}

/** What an installment still owes. */
export function owedOf(row: InstallmentRow): OwedInstallment {
  return {
    period: row.period,
    principalFen: row.principalFen - row.paidPrincipalFen,
    interestFen: row.interestFen - row.paidInterestFen,
    penaltyFen: row.penaltyFen - row.paidPenaltyFen,
  };
}

/** One payment to apply. */
export interface PaymentToApply {
  loan: LoanTerms;
  kind: "manual" | "auto" | "prepayment";
  plan: PaymentPlan;
  /** The `loan_repayments` key (unique). */
  idempotencyKey: string;
  /** Prefix of the ledger keys of this payment. */
  entryKeyPrefix: string;
  /** Prepayment fee (to platform fee income), 0 otherwise. */
  prepaymentFeeFen?: Fen;
}

/** Outcome of one applied payment. */
export interface AppliedPayment {
  loanId: string;
  repaymentId: string;
  amountFen: Fen;
  feeFen: Fen;
  breakdown: PaymentBreakdown;
  settled: boolean;
}

/** Outcome of {@link applyPayments}. */
export type ApplyPaymentsResult =
  | { ok: true; applied: AppliedPayment[]; claimRows: number }
  | { ok: false; code: "insufficient_funds"; loanId: string; shortFen: Fen }
  | { ok: false; code: "no_custody_account"; loanId: string; userId: string };

/** Options of {@link applyPayments}. */
export interface ApplyOptions {
  notifyInvestors: boolean;
  now?: Date;
  /**
   * The settlement's mode for a chunk that commits or rolls back as a whole: ONE custody batch for all
   * payments (instead of one per payment), and the ledger posted per chunk — each account's total
   * (borrowers −, investors + net, fee income +) in balanced `repayment` entries of ≤ 64 lines keyed
   * `<keyPrefix>:<n>` — instead of per loan. Investors then see one repayment line per settlement chunk;
   * the per-claim detail stays in `claim_installments` and `loan_repayments`.
   *
   * Set-based for throughput (a chunk pays tens of thousands of claim rows): the batch is opened first
   * with its total (what the borrowers pay); the claim rows paid in full that had received nothing yet
   * are updated by one statement that also writes their custody lines, one per (loan, investor), straight
   * from the rows, and returns only sums (per loan and period, per investor); the other rows are split
   * here and their lines, and each payment's fee line, appended; the batch is then checked against its
   * total (custody_batch.ts `closeCustodyBatch`). Each payment's rows must add up to what it pays.
   */
  chunk?: { keyPrefix: string; reference: string };
}

/**
 * Split balanced `lines` (summing to zero, each account either paying or receiving) into balanced entries
 * of at most `maxLines` lines each (pure): debits and credits are matched in order two pointers at a time,
 * each match (payer −m, payee +m) going into the current entry — merged into the account's line when it is
 * there already — and a new entry starts when a match would need more lines than allowed. So every entry
 * balances, and an account's amount may be split over two entries.
 */
export function splitBalanced(lines: readonly PostingLine[], maxLines: number): PostingLine[][] {
  if (maxLines < 2) throw new RangeError("maxLines must be ≥ 2");
  const debits = lines.filter((l) => l.amountFen < 0n).map((l) => ({ ...l }));
  const credits = lines.filter((l) => l.amountFen > 0n).map((l) => ({ ...l }));
  if (debits.reduce((s, l) => s + l.amountFen, 0n) + credits.reduce((s, l) => s + l.amountFen, 0n) !== 0n) {
    throw new RangeError("lines do not balance");
  }
  const key = (l: PostingLine) => "userId" in l.account ? `u:${l.account.userId}` : l.account.kind;
  const out: PostingLine[][] = [];
  let current = new Map<string, PostingLine>();
  const put = (l: PostingLine, amountFen: Fen) => {
    const k = key(l);
    const line = current.get(k);
    current.set(k, { account: l.account, amountFen: (line?.amountFen ?? 0n) + amountFen });
  };
  let di = 0;
  let ci = 0;
  while (di < debits.length && ci < credits.length) {
    const d = debits[di];
    const c = credits[ci];
    const m = -d.amountFen < c.amountFen ? -d.amountFen : c.amountFen;
    const added = (current.has(key(d)) ? 0 : 1) + (current.has(key(c)) ? 0 : 1);
    if (current.size + added > maxLines) {
      out.push([...current.values()]);
      current = new Map();
    }
    put(d, -m);
    put(c, m);
    d.amountFen += m;
    c.amountFen -= m;
    if (d.amountFen === 0n) di++;
    if (c.amountFen === 0n) ci++;
  }
  if (current.size > 0) out.push([...current.values()]);
  return out;
}

interface ClaimRow extends ClaimRowState {
  period: number;
  loanId: string;
  investorId: string;
}

/**
 * Apply `payments` (each plan already computed against the current rows, under the loan's lock or the
 * settlement's) in the caller's transaction. On `insufficient_funds` or `no_custody_account` the caller
 * must roll back (the ledger wrote nothing, but the custody batches of earlier payments may exist).
 */
export async function applyPayments(
  tx: Tx,
  payments: readonly PaymentToApply[],
  deps: { outbox: Outbox },
  options: ApplyOptions = { notifyInvestors: true },
): Promise<ApplyPaymentsResult> {
  const live = payments.filter((p) => p.plan.appliedFen > 0n);
  if (live.length === 0) return { ok: true, applied: [], claimRows: 0 };

  // Periods this payment completes without penalty: every claim row receives exactly what it is still
  // owed. The rows that have received nothing yet (the usual case) are paid by one set-based update that
  // needs no read of their previous amounts (what they receive is their principal + interest, the fee is
  // their whole fee); rows of such a period that had received a part before go through the split below.
  const loanIds = live.map((p) => p.loan.loanId);
  const fastLoans: string[] = [];
  const fastPeriods: number[] = [];
  const fastMicros: number[] = [];
  const fastBorrowers: string[] = [];
  const isFast = (pp: PaymentPlan["periods"][number]) => pp.completes === true && pp.penaltyFen === 0n;
  for (const p of live) {
    for (const pp of p.plan.periods) {
      if (!isFast(pp)) continue;
      fastLoans.push(p.loan.loanId);
      fastPeriods.push(pp.period);
      fastMicros.push(p.loan.feeMicros);
      fastBorrowers.push(p.loan.borrowerId);
    }
  }
  const now = options.now ?? new Date();
  // per (loan, period): what the set-based update paid (principal, interest, fee)
  const fastPaid = new Map<string, { principalFen: Fen; interestFen: Fen; feeFen: Fen }>();
  const addFastPaid = (loanId: string, period: number, principalFen: Fen, interestFen: Fen, feeFen: Fen) => {
    const key = `${loanId}:${period}`;
    const paid = fastPaid.get(key) ?? { principalFen: 0n, interestFen: 0n, feeFen: 0n };
    paid.principalFen += principalFen;
    paid.interestFen += interestFen;
    paid.feeFen += feeFen;
    fastPaid.set(key, paid);
  };
  // per payment: each investor's rows of the update (per-payment mode)
  const fastByLoan = new Map<string, { investorId: string; netFen: Fen; feeFen: Fen }[]>();
  // the chunk's custody batch (chunk mode): opened first, its lines for the updated rows written by the
  // update's own statement; and each investor's total of those rows (for the chunk's ledger lines)
  let batch: { instructionId: string; lines: number } | null = null;
  const chunkInvestors = new Map<string, { net: Fen; fee: Fen }>();
  let fastRowCount = 0;
  if (options.chunk) {
    const totalFen = live.reduce((sum, p) => sum + p.plan.appliedFen + (p.prepaymentFeeFen ?? 0n), 0n);
    const opened = await openCustodyBatch(tx, {
      reference: options.chunk.reference,
      idempotencyKey: `custody:${options.chunk.keyPrefix}`,
      totalFen,
    });
    if (opened.replayed) throw new Error(`custody batch custody:${options.chunk.keyPrefix} exists already`);
    batch = { instructionId: opened.instructionId, lines: 0 };
  }
  if (fastLoans.length > 0 && batch) {
    // one statement: the rows, then one custody line per (loan, investor) straight from them — borrower →
    // investor, what the investor receives net of the fee, both sub-account numbers — numbered from 1 in
    // (loan, investor) order; back come only sums: per (loan, period), per investor, and the lines' count
    type Sum = {
      kind: "p" | "i" | "l";
      id: string | null;
      /** int, or int8 in the union (the "l" row's line count): read with Number() / BigInt() */
      period: number | bigint | null;
      a: Fen;
      b: Fen;
      c: Fen;
      n: bigint;
    };
    const sums = await tx<Sum[]>`
      with u as (
        update claim_installments ci set received_principal_fen = ci.principal_fen,
          received_interest_fen = ci.interest_fen, fee_fen = (ci.interest_fen * x.m + 500000) / 1000000,
          status = 'received', received_at = ${now}
        from unnest(${fastLoans}::bigint[], ${fastPeriods}::int[], ${fastMicros}::bigint[],
          ${fastBorrowers}::bigint[]) as x(l, p, m, b)
        where ci.loan_id = any(${loanIds}::bigint[]) and ci.loan_id = x.l and ci.period = x.p
          and ci.status = 'pending' and ci.received_principal_fen = 0 and ci.received_interest_fen = 0
          and ci.fee_fen = 0
        returning ci.loan_id, ci.period, ci.investor_id, x.b as borrower_id, ci.principal_fen as p,
          ci.interest_fen as i, ci.fee_fen as f
      ), li as (
        select loan_id, investor_id, borrower_id, sum(p + i - f) as net, sum(f) as fee
        from u group by loan_id, investor_id, borrower_id
      ), acc as materialized (
        -- the open sub-accounts of the chunk's users as one map, built once (a join of the chunk's rows
        -- with custody_accounts would be planned from the CTEs' guessed sizes, badly)
        select coalesce(jsonb_object_agg(c.user_id::text, c.account_no), '{}'::jsonb) as m from custody_accounts c
        where c.status = 'open' and c.user_id in (select investor_id from li union select borrower_id from li)
      ), la as materialized (
        -- each line with its sub-accounts (looked up before the lines are ordered: the map stays here)
        select li.loan_id, li.investor_id, li.borrower_id, li.net, acc.m ->> li.borrower_id::text as fa,
          acc.m ->> li.investor_id::text as ta
        from li cross join acc where li.net > 0
      ), lines as (
        insert into custody_instruction_lines
          (instruction_id, line_no, from_user_id, to_user_id, from_account_no, to_account_no, from_frozen, amount_fen)
        select ${batch.instructionId}, row_number() over (order by la.loan_id, la.investor_id), la.borrower_id,
          la.investor_id, la.fa, la.ta, false, la.net
        from la where la.fa is not null and la.ta is not null
        returning amount_fen
      )
      select 'p' as kind, loan_id::text as id, period, sum(p)::bigint as a, sum(i)::bigint as b,
        sum(f)::bigint as c, count(*) as n
      from u group by loan_id, period
      union all
      select 'i', investor_id::text, null, sum(net)::bigint, sum(fee)::bigint, 0, 0 from li group by investor_id
      union all
      select 'l', null, (select count(*) from la), coalesce(sum(amount_fen), 0)::bigint, 0, 0, count(*)
      from lines`;
    for (const r of sums) {
      if (r.kind === "p") {
        addFastPaid(r.id!, Number(r.period), BigInt(r.a), BigInt(r.b), BigInt(r.c));
        fastRowCount += Number(r.n);
      } else if (r.kind === "i") chunkInvestors.set(r.id!, { net: BigInt(r.a), fee: BigInt(r.b) });
      else if (BigInt(r.period!) === BigInt(r.n)) batch.lines = Number(r.n); // kind "l": `period` is how many lines there should be
      else {
        // a line is missing: a user without an open sub-account — which one (the caller rolls back)
        const [missing] = await tx<{ userId: string }[]>`
          select u.id::text as "userId" from (
            select distinct investor_id as id from claim_installments
            where loan_id = any(${fastLoans}::bigint[]) and period = any(${fastPeriods}::int[])
            union select unnest(${fastBorrowers}::bigint[])
          ) u
          where not exists (select 1 from custody_accounts c where c.user_id = u.id and c.status = 'open')
          order by 1 limit 1`;
        const userId = missing?.userId ?? live[0].loan.borrowerId;
        const loanId = (live.find((p) => p.loan.borrowerId === userId) ?? live[0]).loan.loanId;
        return { ok: false, code: "no_custody_account", loanId, userId };
      }
    }
  } else if (fastLoans.length > 0) {
    type FastRow = {
      loanId: string;
      period: number;
      investorId: string;
      principalFen: Fen;
      interestFen: Fen;
      feeFen: Fen;
    };
    const fastRows = await tx<FastRow[]>`
      update claim_installments ci set received_principal_fen = ci.principal_fen,
        received_interest_fen = ci.interest_fen, fee_fen = (ci.interest_fen * x.m + 500000) / 1000000,
        status = 'received', received_at = ${now}
      from unnest(${fastLoans}::bigint[], ${fastPeriods}::int[], ${fastMicros}::bigint[]) as x(l, p, m)
      where ci.loan_id = any(${loanIds}::bigint[]) and ci.loan_id = x.l and ci.period = x.p
        and ci.status = 'pending' and ci.received_principal_fen = 0 and ci.received_interest_fen = 0
        and ci.fee_fen = 0
      returning ci.loan_id::text as "loanId", ci.period, ci.investor_id::text as "investorId",
        ci.principal_fen as "principalFen", ci.interest_fen as "interestFen", ci.fee_fen as "feeFen"`;
    fastRowCount = fastRows.length;
    for (const r of fastRows) {
      const principalFen = BigInt(r.principalFen);
      const interestFen = BigInt(r.interestFen);
      const feeFen = BigInt(r.feeFen);
      addFastPaid(r.loanId, r.period, principalFen, interestFen, feeFen);
      const list = fastByLoan.get(r.loanId) ?? [];
      list.push({ investorId: r.investorId, netFen: principalFen + interestFen - feeFen, feeFen });
      fastByLoan.set(r.loanId, list);
    }
  }
  // what is left of each period's payment after the set-based update (zero for a completed period)
  const leftOf = (loanId: string, pp: PaymentPlan["periods"][number]) => {
    const paid = isFast(pp) ? fastPaid.get(`${loanId}:${pp.period}`) : undefined;
    return {
      principalFen: pp.principalFen - (paid?.principalFen ?? 0n),
      interestFen: pp.interestFen - (paid?.interestFen ?? 0n),
      penaltyFen: pp.penaltyFen,
    };
  };
  const hasLeft = (l: { principalFen: Fen; interestFen: Fen; penaltyFen: Fen }) =>
    l.principalFen !== 0n || l.interestFen !== 0n || l.penaltyFen !== 0n;

  // the claim rows of every other (loan, period) paid
  const pairLoans: string[] = [];
  const pairPeriods: number[] = [];
  for (const p of live) {
    for (const pp of p.plan.periods) {
      const left = leftOf(p.loan.loanId, pp);
      if (left.principalFen < 0n || left.interestFen < 0n) {
        throw new Error(
          `loan ${p.loan.loanId} period ${pp.period}: claim rows received more than the payment`,
        );
      }
      if (!hasLeft(left)) continue;
      pairLoans.push(p.loan.loanId);
      pairPeriods.push(pp.period);
    }
  }
  const claimRows: ClaimRow[] = pairLoans.length === 0 ? [] : await tx<ClaimRow[]>`
    select ci.claim_id::text as "claimId", ci.period, ci.loan_id::text as "loanId",
      ci.investor_id::text as "investorId", ci.principal_fen as "principalFen", ci.interest_fen as "interestFen",
      ci.received_principal_fen as "receivedPrincipalFen", ci.received_interest_fen as "receivedInterestFen",
      ci.fee_fen as "feeFen"
    from claim_installments ci
    join unnest(${pairLoans}::bigint[], ${pairPeriods}::int[]) as x(l, p) on ci.loan_id = x.l and ci.period = x.p
    where ci.loan_id = any(${pairLoans}::bigint[]) and ci.status = 'pending'
    order by ci.loan_id, ci.period, ci.claim_id`;
  const rowsOf = new Map<string, ClaimRow[]>();
  for (const r of claimRows) {
    const key = `${r.loanId}:${r.period}`;
    const list = rowsOf.get(key) ?? [];
    list.push(r);
    rowsOf.set(key, list);
  }

  const cu = {
    claim: [] as string[],
    period: [] as number[],
    p: [] as string[],
    i: [] as string[],
    n: [] as string[],
    f: [] as string[],
  };
  const iu = {
    loan: [] as string[],
    period: [] as number[],
    p: [] as string[],
    i: [] as string[],
    n: [] as string[],
  };
  const entries: JournalEntryInput[] = [];
  const perPayment: {
    investors: Map<string, { net: Fen; fee: Fen }>;
    feeFen: Fen;
    /** Chunk mode: what the rows paid by the set-based update received (principal + interest). */
    fastGrossFen: Fen;
  }[] = [];

  for (const payment of live) {
    const loan = payment.loan;
    // the investors' shares of the payment (in chunk mode only those of the rows split here: the rest is
    // in chunkInvestors), and the fee withheld from all of them
    const investors = new Map<string, { net: Fen; fee: Fen }>();
    let feeTotal = 0n;
    let fastGross = 0n;
    for (const r of fastByLoan.get(loan.loanId) ?? []) {
      const acc = investors.get(r.investorId) ?? { net: 0n, fee: 0n };
      acc.net += r.netFen;
      acc.fee += r.feeFen;
      investors.set(r.investorId, acc);
    }
    for (const pp of payment.plan.periods) {
      const paid = isFast(pp) ? fastPaid.get(`${loan.loanId}:${pp.period}`) : undefined;
      if (paid) {
        feeTotal += paid.feeFen;
        fastGross += paid.principalFen + paid.interestFen;
      }
    }
    for (const pp of payment.plan.periods) {
      iu.loan.push(loan.loanId);
      iu.period.push(pp.period);
      iu.p.push(pp.principalFen.toString());
      iu.i.push(pp.interestFen.toString());
      iu.n.push(pp.penaltyFen.toString());
      const left = leftOf(loan.loanId, pp);
      if (!hasLeft(left)) continue;
      const rows = rowsOf.get(`${loan.loanId}:${pp.period}`) ?? [];
      if (rows.length === 0) throw new Error(`loan ${loan.loanId} period ${pp.period} has no claim rows`);
      const shares = distributeToClaims(left, rows, loan.feeMicros);
      for (const [k, s] of shares.entries()) {
        const row = rows[k];
        if (s.principalFen + s.interestFen + s.penaltyFen === 0n) continue;
        cu.claim.push(s.claimId);
        cu.period.push(pp.period);
        cu.p.push(s.principalFen.toString());
        cu.i.push(s.interestFen.toString());
        cu.n.push(s.penaltyFen.toString());
        cu.f.push(s.feeFen.toString());
        const acc = investors.get(row.investorId) ?? { net: 0n, fee: 0n };
        acc.net += s.netFen;
        acc.fee += s.feeFen;
        investors.set(row.investorId, acc);
        feeTotal += s.feeFen;
      }
    }
    perPayment.push({ investors, feeFen: feeTotal, fastGrossFen: fastGross });
    if (options.chunk) continue;
    const list = [...investors.entries()];
    for (let start = 0, n = 1; start < list.length; start += INVESTORS_PER_ENTRY, n++) {
      const chunk = list.slice(start, start + INVESTORS_PER_ENTRY);
      const lines: PostingLine[] = [];
      let gross = 0n;
      let fees = 0n;
      for (const [investorId, v] of chunk) {
        gross += v.net + v.fee;
        fees += v.fee;
        if (v.net > 0n) {
          lines.push({ account: { kind: "user_available", userId: investorId }, amountFen: v.net });
        }
      }
      if (gross === 0n) continue;
      if (fees > 0n) lines.push({ account: { kind: "platform_fee_income" }, amountFen: fees });
      lines.unshift({ account: { kind: "user_available", userId: loan.borrowerId }, amountFen: -gross });
      entries.push({
        businessType: "repayment",
        reference: `loan:${loan.loanId}`,
        idempotencyKey: `${payment.entryKeyPrefix}:${n}`,
        memo: `还款 ${loan.title}`.slice(0, 200),
        lines,
      });
    }
    const fee = payment.prepaymentFeeFen ?? 0n;
    if (fee > 0n) {
      entries.push({
        businessType: "prepayment_fee",
        reference: `loan:${loan.loanId}`,
        idempotencyKey: `${payment.entryKeyPrefix}:fee`,
        memo: "提前还款手续费",
        lines: [
          { account: { kind: "user_available", userId: loan.borrowerId }, amountFen: -fee },
          { account: { kind: "platform_fee_income" }, amountFen: fee },
        ],
      });
    }
  }

  if (options.chunk) {
    // one total per account over the chunk, split into balanced entries
    const totals = new Map<string, PostingLine>();
    const add = (account: PostingLine["account"], amountFen: Fen) => {
      if (amountFen === 0n) return;
      const key = "userId" in account ? `u:${account.userId}` : account.kind;
      const line = totals.get(key) ?? { account, amountFen: 0n };
      totals.set(key, { account, amountFen: line.amountFen + amountFen });
    };
    for (const [investorId, v] of chunkInvestors) add({ kind: "user_available", userId: investorId }, v.net);
    for (const [k, payment] of live.entries()) {
      let gross = (payment.prepaymentFeeFen ?? 0n) + perPayment[k].fastGrossFen;
      for (const [investorId, v] of perPayment[k].investors) {
        gross += v.net + v.fee;
        add({ kind: "user_available", userId: investorId }, v.net);
      }
      if (gross !== payment.plan.appliedFen + (payment.prepaymentFeeFen ?? 0n)) {
        throw new Error(`loan ${payment.loan.loanId}: the claims received ${gross}, not the payment`);
      }
      add({ kind: "platform_fee_income" }, perPayment[k].feeFen + (payment.prepaymentFeeFen ?? 0n));
      add({ kind: "user_available", userId: payment.loan.borrowerId }, -gross);
    }
    const lines = [...totals.values()].filter((l) => l.amountFen !== 0n);
    for (const [n, part] of splitBalanced(lines, MAX_LINES_PER_ENTRY).entries()) {
      entries.push({
        businessType: "repayment",
        reference: options.chunk.reference,
        idempotencyKey: `${options.chunk.keyPrefix}:${n + 1}`,
        memo: "日终结算自动还款/回款",
        lines: part,
      });
    }
  }
  const posted = await postEntryBatch(tx, entries);
  if (!posted.ok) {
    const entry = entries[posted.index];
    const loanId = entry.reference.startsWith("loan:")
      ? entry.reference.slice("loan:".length)
      : live[0].loan.loanId;
    return { ok: false, code: "insufficient_funds", loanId, shortFen: posted.shortFen };
  }
  const firstEntry = new Map<string, string>();
  for (const [k, e] of entries.entries()) {
    const loanId = e.reference.slice("loan:".length);
    if (!firstEntry.has(loanId)) firstEntry.set(loanId, posted.entries[k].entryId);
  }
  if (options.chunk && posted.entries.length > 0) {
    for (const p of live) firstEntry.set(p.loan.loanId, posted.entries[0].entryId);
  }

  // custody: one batch per payment (or one for the chunk)
  const custodyLines = (k: number): CustodyBatchLineInput[] => {
    const payment = live[k];
    const lines: CustodyBatchLineInput[] = [];
    for (const [investorId, v] of perPayment[k].investors) {
      if (v.net > 0n) {
        lines.push({ fromUserId: payment.loan.borrowerId, toUserId: investorId, amountFen: v.net });
      }
    }
    const platform = perPayment[k].feeFen + (payment.prepaymentFeeFen ?? 0n);
    if (platform > 0n) {
      lines.push({ fromUserId: payment.loan.borrowerId, toUserId: null, amountFen: platform });
    }
    return lines;
  };
  if (batch) {
    // the chunk's batch: after the lines of the set-based update, those of the rows split here and each
    // payment's fee line; then its lines are checked against its total
    const lines = live.flatMap((_, k) => custodyLines(k));
    const added = await appendCustodyBatchLines(tx, batch.instructionId, batch.lines + 1, lines);
    if (!added.ok) {
      const loanId = (live.find((p) => p.loan.borrowerId === added.userId) ?? live[0]).loan.loanId;
      return { ok: false, code: "no_custody_account", loanId, userId: added.userId };
    }
    await closeCustodyBatch(tx, batch.instructionId, deps);
  } else {
    for (const [k, payment] of live.entries()) {
      const lines = custodyLines(k);
      if (lines.length === 0) continue;
      const batch = await createCustodyBatch(tx, {
        reference: `loan_repayment:${payment.loan.loanId}`,
        idempotencyKey: `custody:${payment.entryKeyPrefix}`,
        lines,
      }, deps);
      if (!batch.ok) {
        return { ok: false, code: "no_custody_account", loanId: payment.loan.loanId, userId: batch.userId };
      }
    }
  }

  await tx`
    update loan_installments li set
      paid_principal_fen = li.paid_principal_fen + x.p, paid_interest_fen = li.paid_interest_fen + x.i,
      paid_penalty_fen = li.paid_penalty_fen + x.n,
      status = case when li.paid_principal_fen + x.p = li.principal_fen and li.paid_interest_fen + x.i = li.interest_fen
        and li.paid_penalty_fen + x.n = li.penalty_fen then 'paid' else li.status end,
      paid_at = case when li.paid_principal_fen + x.p = li.principal_fen and li.paid_interest_fen + x.i = li.interest_fen
        and li.paid_penalty_fen + x.n = li.penalty_fen then ${now} else li.paid_at end
    from unnest(${iu.loan}::bigint[], ${iu.period}::int[], ${iu.p}::bigint[], ${iu.i}::bigint[], ${iu.n}::bigint[])
      as x(l, per, p, i, n)
    where li.loan_id = x.l and li.period = x.per`;
  if (cu.claim.length > 0) {
    await tx`
      update claim_installments ci set
        received_principal_fen = ci.received_principal_fen + x.p,
        received_interest_fen = ci.received_interest_fen + x.i,
        received_penalty_fen = ci.received_penalty_fen + x.n, fee_fen = ci.fee_fen + x.f,
        status = case when ci.received_principal_fen + x.p = ci.principal_fen
          and ci.received_interest_fen + x.i = ci.interest_fen then 'received' else ci.status end,
        received_at = ${now}
      from unnest(${cu.claim}::bigint[], ${cu.period}::int[], ${cu.p}::bigint[], ${cu.i}::bigint[],
        ${cu.n}::bigint[], ${cu.f}::bigint[]) as x(c, per, p, i, n, f)
      where ci.claim_id = x.c and ci.period = x.per`;
  }

  const inserted = await tx<{ id: string; key: string }[]>`
    insert into loan_repayments (loan_id, kind, amount_fen, breakdown, entry_id, idempotency_key, created_at)
    select l, k, a, b, e, key, ${now}
    from unnest(${live.map((p) => p.loan.loanId)}::bigint[], ${live.map((p) => p.kind)}::text[], ${
    live.map((p) => (p.plan.appliedFen + (p.prepaymentFeeFen ?? 0n)).toString())
  }::bigint[], ${
    live.map((p, k) =>
      JSON.stringify({
        ...Object.fromEntries(Object.entries(p.plan.breakdown).map(([name, v]) => [name, Number(v)])),
        feeFen: Number(perPayment[k].feeFen),
        prepaymentFeeFen: Number(p.prepaymentFeeFen ?? 0n),
        periods: p.plan.periods.map((x) => x.period),
      })
    )
  }::jsonb[], ${live.map((p) => firstEntry.get(p.loan.loanId) ?? null)}::bigint[], ${
    live.map((p) => p.idempotencyKey)
  }::text[]) as x(l, k, a, b, e, key)
    returning id::text as id, idempotency_key as key`;
  const repaymentId = new Map(inserted.map((r) => [r.key, r.id]));

  // loans repaid in full are settled with their claims; overdue loans with nothing overdue are repaying
  const settled = await tx<{ id: string }[]>`
    update loans l set status = 'settled', settled_at = ${now}, updated_at = ${now}, version = l.version + 1
    where l.id = any(${loanIds}::bigint[]) and l.status in ('repaying', 'overdue', 'accelerated')
      and not exists (select 1 from loan_installments li where li.loan_id = l.id and li.status in ('pending', 'overdue'))
    returning l.id::text as id`;
  const settledIds = new Set(settled.map((r) => r.id));
  if (settled.length > 0) {
    const ids = [...settledIds];
    await tx`update claims set status = 'settled' where loan_id = any(${ids}::bigint[]) and status = 'holding'`;
    await tx`update collection_cases set closed_at = ${now} where loan_id = any(${ids}::bigint[]) and closed_at is null`;
  }
  const cured = await tx<{ id: string }[]>`
    update loans l set status = 'repaying', updated_at = ${now}, version = l.version + 1
    where l.id = any(${loanIds}::bigint[]) and l.status = 'overdue'
      and not exists (select 1 from loan_installments li where li.loan_id = l.id and li.status = 'overdue')
    returning l.id::text as id`;
  if (cured.length > 0) {
    await tx`update collection_cases set closed_at = ${now}
      where loan_id = any(${cured.map((r) => r.id)}::bigint[]) and closed_at is null`;
  }
  await tx`
    insert into loan_events (loan_id, kind, detail, created_at)
    select l, k, d, ${now}
    from unnest(${live.map((p) => p.loan.loanId)}::bigint[], ${
    live.map((p) => settledIds.has(p.loan.loanId) ? "repaid_settled" : "repayment")
  }::text[], ${
    live.map((p) =>
      JSON.stringify({
        repaymentId: repaymentId.get(p.idempotencyKey),
        kind: p.kind,
        amountFen: Number(p.plan.appliedFen + (p.prepaymentFeeFen ?? 0n)),
      })
    )
  }::jsonb[]) as x(l, k, d)`;

  // the notifications are sent in one go (pipelined on the transaction's connection: one round trip, not
  // one per payment — a settlement chunk has hundreds)
  const applied: AppliedPayment[] = [];
  const notices: Promise<unknown>[] = [];
  for (const [k, p] of live.entries()) {
    const id = repaymentId.get(p.idempotencyKey)!;
    const amountFen = p.plan.appliedFen + (p.prepaymentFeeFen ?? 0n);
    const isSettled = settledIds.has(p.loan.loanId);
    notices.push(notify(tx, deps.outbox, {
      userId: p.loan.borrowerId,
      kind: "generic",
      key: `repayment:${id}`,
      payload: {
        title: p.kind === "auto" ? "自动还款成功" : p.kind === "prepayment" ? "提前还款成功" : "还款成功",
        body: `您的借款「${p.loan.title}」已还款 ${formatFen(amountFen)}` +
          (isSettled ? "，该笔借款已全部结清。" : "。"),
      },
    }));
    if (options.notifyInvestors) {
      for (const [investorId, v] of perPayment[k].investors) {
        if (v.net <= 0n) continue;
        notices.push(notify(tx, deps.outbox, {
          userId: investorId,
          kind: "generic",
          key: `repayment:${id}`,
          payload: {
            title: "回款到账",
            body: `您出借的项目「${p.loan.title}」回款 ${formatFen(v.net)} 已到账（已扣除利息管理费 ${
              formatFen(v.fee)
            }）。`,
          },
        }));
      }
    }
    applied.push({
      loanId: p.loan.loanId,
      repaymentId: id,
      amountFen,
      feeFen: perPayment[k].feeFen,
      breakdown: p.plan.breakdown,
      settled: isSettled,
    });
  }
  await Promise.all(notices);
  return { ok: true, applied, claimRows: cu.claim.length + fastRowCount };
}
