/**
 * The daily settlement (日终结算, issue 7 §8), run after an Asia/Shanghai day has ended
 * (jobs/settlement.ts at 00:30 settles the day before; `deno task settle [--date]` by hand).
 *
 * For each loan with an unpaid installment due on or before `day`, in chunks of loans in id order, each
 * chunk one transaction:
 * 1. **auto-debit**: what is due (penalty, overdue interest and principal, the installment due that day) is
 *    taken from the borrower's available balance — in full, or as much as there is, in the payment order —
 *    and distributed to the claims (loan_payments.ts): a `loan_repayments` row per loan keyed
 *    `settle:<day>:<loanId>`; per chunk, balanced `repayment` entries keyed `settle:<day>:<first>-<last>:<n>`
 *    and one custody batch `custody:settle:<day>:<first>-<last>`, both with the reference `settlement:<day>`;
 * 2. **acceleration** (加速到期): a loan with an installment overdue for the product's `acceleration_days`
 *    becomes `accelerated` — every later installment falls due on `day` with its principal, its interest
 *    is cancelled (set to what was paid of it, for the loan and every claim row), so interest stops;
 *    from then on the whole remaining principal is overdue and accrues penalty;
 * 3. **overdue**: an installment still unpaid at the end of its due date becomes `overdue` (the loan too;
 *    a collection case opens; the borrower is notified once per installment);
 * 4. **penalty**: each overdue installment accrues the penalty of every day after its due date up to
 *    `day` not yet accrued (`penalty_accrued_through`; a missed day is caught up), on its unpaid
 *    principal + interest, by the product's rule (repayment.ts), in one set-based statement;
 * 5. when the last chunk is done, each investor the day paid gets one summary notification (回款到账: what
 *    they received in all, net of fees), in the run's finishing transaction.
 *
 * **Throughput** (the target: a million claim rows in a minute, tests/bench/settlement.ts): the payments of
 * a chunk are applied set-based (loan_payments.ts `applyPayments` in chunk mode): the claim rows the chunk
 * pays in full are updated by one statement that also writes the chunk's custody batch lines, one per
 * (loan, investor), straight from those rows; the application gets back only sums (per loan and period,
 * per investor). The ledger gets per chunk one balanced set of `repayment` entries (each account's total),
 * not one per loan; the per-claim detail is in `claim_installments`, the per-loan one in `loan_repayments`.
 *
 * **Exactly once**: the run record `settlement_runs` holds a cursor (the last loan of the last committed
 * chunk) updated in the chunk's own transaction, so a run killed at any point resumes after the last
 * committed chunk and the killed chunk is redone from scratch. Within a chunk the effects are keyed as
 * well (the `loan_repayments` key `settle:<day>:<loanId>`, the ledger keys, `penalty_accrued_through`), and
 * a day that is `done` is not run again: running a day twice changes nothing.
 *
 * **Lock**: every chunk transaction takes `pg_try_advisory_xact_lock(SETTLEMENT_LOCK_KEY)`; when another
 * run holds it, this one stops with `locked`. (A transaction-level lock rather than a session one: a session
 * lock needs a reserved connection outside `transaction()`, and the embedded database has one connection.
 * Between chunks nothing is half-done, so the lock only needs to cover each chunk.)
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import { type Db, transaction, type Tx } from "../../db/tx.ts";
import { notify } from "../messaging/notifications.ts";
import type { Fen } from "../money/fen.ts";
import { formatFen } from "../money/format.ts";
import {
  applyPayments,
  loadLoanTerms,
  loadOpenInstallments,
  owedOf,
  type PaymentToApply,
} from "./loan_payments.ts";
import { planPayment, totalOwed } from "./repayment.ts";

/** The advisory lock of the settlement (an arbitrary constant). */
export const SETTLEMENT_LOCK_KEY = 72_640_170;

/** `work_mem` of a chunk's transaction (set locally). */
const SETTLEMENT_WORK_MEM = "64MB";

/** Default loans per chunk. */
export const DEFAULT_SETTLEMENT_CHUNK = 500;

/** Counts of a run (stored in `settlement_runs.counts`). */
export interface SettlementCounts {
  chunks: number;
  loans: number;
  debited: number;
  paidFen: Fen;
  claimRows: number;
  newlyOverdue: number;
  penaltyFen: Fen;
  accelerated: number;
  settled: number;
  /** Investors sent the day's summary of what they received (once, when the run finishes). */
  investorsNotified: number;
}

/** Progress after each committed chunk. */
export interface SettlementProgress {
  day: string;
  chunk: number;
  loansDone: number;
  loansTotal: number;
}

/** Outcome of {@link settleDay}. */
export type SettleDayResult =
  | { ok: true; day: string; alreadyDone: boolean; counts: SettlementCounts }
  | { ok: false; code: "locked" | "invalid_day" };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function zeroCounts(): SettlementCounts {
  return {
    chunks: 0,
    loans: 0,
    debited: 0,
    paidFen: 0n,
    claimRows: 0,
    newlyOverdue: 0,
    penaltyFen: 0n,
    accelerated: 0,
    settled: 0,
    investorsNotified: 0,
  };
}

function countsJson(c: SettlementCounts): Record<string, number> {
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Number(v)]));
}

function countsFrom(json: Record<string, number> | null): SettlementCounts {
  const c = zeroCounts();
  if (!json) return c;
  for (const k of Object.keys(c) as (keyof SettlementCounts)[]) {
    const v = json[k];
    if (typeof v === "number") {
      (c as unknown as Record<string, Fen | number>)[k] = k.endsWith("Fen") ? BigInt(v) : v;
    }
  }
  return c;
}

/**
 * Settle `day` (see the module doc). `onProgress` is called after each committed chunk (the CLI's progress
 * bar; tests throw from it to simulate a crash between chunks).
 */
export async function settleDay(
  db: Db,
  deps: { outbox: Outbox },
  input: {
    day: string;
    chunkSize?: number;
    onProgress?: (p: SettlementProgress) => void | Promise<void>;
    now?: Date;
  },
): Promise<SettleDayResult> {
  const day = input.day;
  if (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
    return { ok: false, code: "invalid_day" };
  }
  const chunkSize = Math.min(Math.max(Math.trunc(input.chunkSize ?? DEFAULT_SETTLEMENT_CHUNK), 1), 5000);
  const now = input.now ?? new Date();

  const start = await transaction(db, async (tx) => {
    if (!await tryLock(tx)) return { code: "locked" as const };
    const [row] = await tx<{ status: string; cursor: string; counts: Record<string, number> }[]>`
      insert into settlement_runs (day) values (${day})
      on conflict (day) do update set attempts = settlement_runs.attempts + 1
        where settlement_runs.status = 'running'
      returning status, cursor_loan_id::text as cursor, counts`;
    if (!row) {
      const [done] = await tx<
        { counts: Record<string, number> }[]
      >`select counts from settlement_runs where day = ${day}`;
      return { code: "done" as const, counts: countsFrom(done.counts) };
    }
    const [{ total }] = await tx<{ total: bigint }[]>`
      select count(distinct loan_id) as total from loan_installments
      where status in ('pending', 'overdue') and due_date <= ${day}::date and loan_id > ${row.cursor}::bigint`;
    return { code: "run" as const, cursor: row.cursor, counts: countsFrom(row.counts), total: Number(total) };
  });
  if (start.code === "locked") return { ok: false, code: "locked" };
  if (start.code === "done") return { ok: true, day, alreadyDone: true, counts: start.counts };

  const loansTotal = start.total;
  let loansDone = 0;
  let chunk = 0;
  for (;;) {
    const step = await transaction(db, async (tx) => {
      if (!await tryLock(tx)) return { code: "locked" as const };
      const [run] = await tx<{ cursor: string; status: string; counts: Record<string, number> }[]>`
        select cursor_loan_id::text as cursor, status, counts from settlement_runs where day = ${day} for update`;
      if (run.status === "done") return { code: "finished" as const, counts: countsFrom(run.counts) };
      const ids = await tx<{ id: string }[]>`
        select distinct li.loan_id::text as id, li.loan_id from loan_installments li
        join loans l on l.id = li.loan_id and l.status in ('repaying', 'overdue', 'accelerated')
        where li.status in ('pending', 'overdue') and li.due_date <= ${day}::date and li.loan_id > ${run.cursor}::bigint
        order by li.loan_id limit ${chunkSize}`;
      const counts = countsFrom(run.counts);
      if (ids.length === 0) {
        counts.investorsNotified += await notifyInvestors(tx, deps, day);
        await tx`update settlement_runs set status = 'done', finished_at = ${now}, counts = ${
          tx.json(countsJson(counts))
        }
          where day = ${day}`;
        return { code: "finished" as const, counts };
      }
      const loanIds = ids.map((r) => r.id);
      // a chunk aggregates tens of thousands of claim rows in memory (hash aggregates of its one statement
      // that pays them): room for that, for this transaction only
      await tx`select set_config('work_mem', ${SETTLEMENT_WORK_MEM}, true)`;
      await settleChunk(tx, deps, day, loanIds, counts, now);
      counts.chunks += 1;
      counts.loans += loanIds.length;
      await tx`update settlement_runs set cursor_loan_id = ${loanIds[loanIds.length - 1]}::bigint,
        counts = ${tx.json(countsJson(counts))} where day = ${day}`;
      return { code: "chunk" as const, loans: loanIds.length };
    });
    if (step.code === "locked") return { ok: false, code: "locked" };
    if (step.code === "finished") return { ok: true, day, alreadyDone: false, counts: step.counts };
    chunk += 1;
    loansDone += step.loans;
    await input.onProgress?.({ day, chunk, loansDone, loansTotal: Math.max(loansTotal, loansDone) });
  }
}

/** Investors per page of the day's summary (one query and one pipelined batch of notifications each). */
const SUMMARY_PAGE = 2000;

/**
 * The day's summary to each investor paid by the settlement (回款到账, message centre only): what they
 * received in all, net of the interest management fee — the sum of the transfers to them in the day's
 * custody batches (reference `settlement:<day>`), exactly what their available balance was credited.
 * Written in the run's finishing transaction; the key `settlement:<day>` makes it once per investor and day
 * even if that transaction is redone. Returns how many investors were notified.
 */
async function notifyInvestors(tx: Tx, deps: { outbox: Outbox }, day: string): Promise<number> {
  let after = "0";
  let count = 0;
  for (;;) {
    const page = await tx<{ investorId: string; netFen: Fen }[]>`
      select l.to_user_id::text as "investorId", sum(l.amount_fen)::bigint as "netFen"
      from custody_instructions i join custody_instruction_lines l on l.instruction_id = i.id
      where i.reference = ${`settlement:${day}`} and i.kind = 'batch_transfer'
        and l.to_user_id is not null and l.to_user_id > ${after}::bigint
      group by l.to_user_id order by l.to_user_id limit ${SUMMARY_PAGE}`;
    if (page.length === 0) return count;
    await Promise.all(page.map((r) =>
      notify(tx, deps.outbox, {
        userId: r.investorId,
        kind: "generic",
        key: `settlement:${day}`,
        payload: {
          title: "回款到账",
          body: `您出借的项目在 ${day} 的日终结算中共回款 ${
            formatFen(BigInt(r.netFen))
          }（已扣除利息管理费），已转入您的可用余额。各笔明细请见「我的出借」回款计划。`,
        },
      })
    ));
    count += page.length;
    if (page.length < SUMMARY_PAGE) return count;
    after = page[page.length - 1].investorId;
  }
}

async function tryLock(tx: Tx): Promise<boolean> {
  const [{ locked }] = await tx<
    { locked: boolean }[]
  >`select pg_try_advisory_xact_lock(${SETTLEMENT_LOCK_KEY}) as locked`;
  return locked;
}

/** One chunk of loans, in the caller's transaction. */
async function settleChunk(
  tx: Tx,
  deps: { outbox: Outbox },
  day: string,
  loanIds: string[],
  counts: SettlementCounts,
  now: Date,
): Promise<void> {
  const loans = await loadLoanTerms(tx, loanIds, true);
  const keyOf = (loanId: string) => `settle:${day}:${loanId}`;
  const debitedBefore = new Set(
    (await tx<{ id: string }[]>`
      select loan_id::text as id from loan_repayments where idempotency_key = any(${
      loanIds.map(keyOf)
    }::text[])`)
      .map((r) => r.id),
  );
  const open = await loadOpenInstallments(tx, loanIds);

  // 1. auto-debit from the borrowers' available balances (locked, id order)
  const borrowers = [...new Set(loans.map((l) => l.borrowerId))];
  const balances = new Map<string, Fen>();
  for (
    const r of await tx<{ userId: string; balance: Fen }[]>`
      select owner_user_id::text as "userId", balance_fen as balance from ledger_accounts
      where kind = 'user_available' and owner_user_id = any(${borrowers}::bigint[]) order by id for update`
  ) balances.set(r.userId, BigInt(r.balance));
  const payments: PaymentToApply[] = [];
  for (const loan of loans) {
    if (debitedBefore.has(loan.loanId)) continue;
    const rows = (open.get(loan.loanId) ?? []).filter((r) => r.dueDate <= day);
    const overdue = rows.filter((r) => r.dueDate < day).map(owedOf);
    const current = rows.filter((r) => r.dueDate === day).map(owedOf);
    const owed = totalOwed(overdue) + totalOwed(current);
    const available = balances.get(loan.borrowerId) ?? 0n;
    const amount = owed < available ? owed : available;
    if (amount <= 0n) continue;
    balances.set(loan.borrowerId, available - amount);
    payments.push({
      loan,
      kind: "auto",
      plan: planPayment(amount, overdue, current),
      idempotencyKey: keyOf(loan.loanId),
      entryKeyPrefix: keyOf(loan.loanId),
    });
  }
  const applied = await applyPayments(tx, payments, deps, {
    notifyInvestors: false,
    now,
    // one custody batch and one set of ledger entries per chunk: it commits or rolls back as a whole
    chunk: {
      keyPrefix: `settle:${day}:${loanIds[0]}-${loanIds[loanIds.length - 1]}`,
      reference: `settlement:${day}`,
    },
  });
  if (!applied.ok) throw new Error(`settlement ${day}: ${applied.code} on loan ${applied.loanId}`);
  counts.debited += applied.applied.length;
  counts.settled += applied.applied.filter((a) => a.settled).length;
  for (const a of applied.applied) counts.paidFen += a.amountFen;
  counts.claimRows += applied.claimRows;

  // 2. acceleration
  const accelerated = await tx<{ id: string; borrowerId: string; title: string }[]>`
    update loans l set status = 'accelerated', accelerated_at = ${now}, updated_at = ${now}, version = l.version + 1
    from loan_products p
    where p.id = l.product_id and l.id = any(${loanIds}::bigint[]) and l.status in ('repaying', 'overdue')
      and exists (select 1 from loan_installments li where li.loan_id = l.id and li.status in ('pending', 'overdue')
        and li.due_date <= ${day}::date - p.acceleration_days)
    returning l.id::text as id, l.borrower_id::text as "borrowerId", l.title`;
  if (accelerated.length > 0) {
    const acc = accelerated.map((r) => r.id);
    await tx`update loan_installments set interest_fen = paid_interest_fen, due_date = ${day}::date
      where loan_id = any(${acc}::bigint[]) and status = 'pending' and due_date > ${day}::date`;
    await tx`update claim_installments set interest_fen = received_interest_fen, due_date = ${day}::date
      where loan_id = any(${acc}::bigint[]) and status = 'pending' and due_date > ${day}::date`;
    await tx`insert into loan_events (loan_id, kind, detail, created_at)
      select id, 'accelerated', ${tx.json({ day })}, ${now} from unnest(${acc}::bigint[]) as id`;
    // notifications in one go (pipelined on the transaction's connection)
    await Promise.all(accelerated.map((r) =>
      notify(tx, deps.outbox, {
        userId: r.borrowerId,
        kind: "generic",
        key: `accelerated:${r.id}`,
        payload: {
          title: "借款已加速到期",
          body:
            `您的借款「${r.title}」逾期已超过约定天数，剩余全部本金已提前到期，请尽快还款，逾期将继续产生罚息。`,
          channels: ["sms"],
        },
      })
    ));
    counts.accelerated += accelerated.length;
  }

  // installments and claim rows left with nothing to pay are done
  await tx`update loan_installments set status = 'paid', paid_at = ${now}
    where loan_id = any(${loanIds}::bigint[]) and status in ('pending', 'overdue') and due_date <= ${day}::date
      and paid_principal_fen = principal_fen and paid_interest_fen = interest_fen and paid_penalty_fen = penalty_fen`;
  if (accelerated.length > 0) {
    await tx`update claim_installments set status = 'received', received_at = ${now}
      where loan_id = any(${accelerated.map((r) => r.id)}::bigint[]) and status = 'pending'
        and received_principal_fen = principal_fen and received_interest_fen = interest_fen`;
  }

  // 3. overdue
  const overdue = await tx<{ loanId: string; period: number; owedFen: Fen }[]>`
    update loan_installments set status = 'overdue'
    where loan_id = any(${loanIds}::bigint[]) and status = 'pending' and due_date <= ${day}::date
    returning loan_id::text as "loanId", period,
      (principal_fen - paid_principal_fen + interest_fen - paid_interest_fen) as "owedFen"`;
  counts.newlyOverdue += overdue.length;
  const byId = new Map(loans.map((l) => [l.loanId, l]));
  const notified = new Set<string>();
  const notices: Promise<unknown>[] = [];
  for (const o of overdue) {
    const loan = byId.get(o.loanId)!;
    if (notified.has(o.loanId)) continue;
    notified.add(o.loanId);
    notices.push(notify(tx, deps.outbox, {
      userId: loan.borrowerId,
      kind: "generic",
      key: `overdue:${o.loanId}:${day}`,
      payload: {
        title: "还款逾期提醒",
        body:
          `您的借款「${loan.title}」第 ${o.period} 期应还款未足额还清（尚欠 ${
            formatFen(BigInt(o.owedFen))
          }），` +
          `已逾期并将按日计收罚息。请尽快充值还款，以免影响您的信用记录。`,
        channels: ["sms"],
      },
    }));
  }
  await Promise.all(notices);
  if (overdue.length > 0) {
    await tx`insert into loan_events (loan_id, kind, detail, created_at)
      select l, 'overdue', jsonb_build_object('period', p, 'day', ${day}::text), ${now}
      from unnest(${overdue.map((o) => o.loanId)}::bigint[], ${
      overdue.map((o) => o.period)
    }::int[]) as x(l, p)`;
  }

  // 4. penalty for the days after each due date up to `day` not accrued yet
  const [pen] = await tx<{ total: Fen | null }[]>`
    with a as (
      select li.loan_id, li.period,
        (li.principal_fen - li.paid_principal_fen + li.interest_fen - li.paid_interest_fen) as base,
        greatest(coalesce(li.penalty_accrued_through, li.due_date), li.due_date) - li.due_date + 1 as from_day,
        ${day}::date - li.due_date as to_day,
        p.penalty_day_micros as m1, p.penalty_day_micros_after_30 as m2
      from loan_installments li join loans l on l.id = li.loan_id join loan_products p on p.id = l.product_id
      where li.loan_id = any(${loanIds}::bigint[]) and li.status = 'overdue' and li.due_date < ${day}::date
        and (li.penalty_accrued_through is null or li.penalty_accrued_through < ${day}::date)
    ), c as (
      select loan_id, period,
        greatest(0, least(to_day, 30) - from_day + 1)::bigint * ((base * m1 + 500000) / 1000000)
          + greatest(0, to_day - greatest(from_day, 31) + 1)::bigint * ((base * m2 + 500000) / 1000000) as add
      from a
    ), u as (
      update loan_installments li set penalty_fen = li.penalty_fen + c.add, penalty_accrued_through = ${day}::date
      from c where li.loan_id = c.loan_id and li.period = c.period
      returning c.add
    )
    select sum(add)::bigint as total from u`;
  counts.penaltyFen += BigInt(pen?.total ?? 0n);

  // loan states and collection cases
  await tx`update loans l set status = 'overdue', updated_at = ${now}, version = l.version + 1
    where l.id = any(${loanIds}::bigint[]) and l.status = 'repaying'
      and exists (select 1 from loan_installments li where li.loan_id = l.id and li.status = 'overdue')`;
  await tx`insert into collection_cases (loan_id, opened_at)
    select id, ${now} from loans where id = any(${loanIds}::bigint[]) and status in ('overdue', 'accelerated')
    on conflict (loan_id) do update set closed_at = null, opened_at = excluded.opened_at
      where collection_cases.closed_at is not null`;
}

/** The run record of a day, or null. */
export async function settlementRun(
  db: Db,
  day: string,
): Promise<{ status: string; attempts: number; cursor: string; counts: SettlementCounts } | null> {
  const [row] = await db<
    { status: string; attempts: number; cursor: string; counts: Record<string, number> }[]
  >`
    select status, attempts, cursor_loan_id::text as cursor, counts from settlement_runs where day = ${day}`;
  return row ? { ...row, counts: countsFrom(row.counts) } : null;
}
