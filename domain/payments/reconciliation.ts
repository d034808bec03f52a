/**
 * Daily reconciliation (资金对账): the custody bank's statement of a day against our ledger.
 *
 * 1. **Balances** — for every sub-account in the statement that belongs to a user, the bank's balance at
 *    the end of the day (frozen part included) against the user's ledger balance at the same instant
 *    (available + frozen: the sum of their journal lines before the end of the day). Money moved on one
 *    side only by then is *in transit* and explains a difference, which is then not reported: top-ups and
 *    withdrawals the bank executed whose callback we applied later (the ledger follows the bank), and
 *    transfers booked in the ledger that the bank had not yet executed (the bank follows the ledger). A user with
 *    money in the ledger but no sub-account at the bank is a difference too.
 * 2. **Movements** — every movement of the day at the bank must be one of our instructions with the same
 *    amount (`unknown_at_bank`, `amount`), and every instruction we created that day and saw confirmed
 *    must appear at the bank (`missing_at_bank`).
 *
 * Each run is recorded (`reconciliation_runs`) with its differences (`reconciliation_differences`); a run
 * with differences raises the alert on the admin home. The daily cron runs once per day under the cron
 * lock (jobs/reconciliation.ts); staff may run it again at any time (audit-logged) — a run only writes its
 * own report, so repeating one is harmless.
 * @module
 */
import { type Db, type Queryable, transaction } from "../../db/tx.ts";
import type { CustodyGateway, CustodyStatement } from "../gateways/custody.ts";
import type { Fen } from "../money/fen.ts";
import { appendAudit } from "../staff/audit_log.ts";
import { can } from "../staff/permissions.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import { isIsoDay } from "../shared/shanghai_time.ts";

/** Kinds of difference. */
export type DifferenceKind = "balance" | "missing_at_bank" | "unknown_at_bank" | "amount" | "no_account";

/** Chinese names of the difference kinds. */
export const DIFFERENCE_KIND_LABELS: Record<DifferenceKind, string> = {
  balance: "余额不符",
  missing_at_bank: "银行无此流水",
  unknown_at_bank: "银行多出流水",
  amount: "金额不符",
  no_account: "无存管账户",
};

/** One difference found. */
export interface ReconciliationDifference {
  kind: DifferenceKind;
  accountNo: string | null;
  userId: string | null;
  bankFen: Fen | null;
  ledgerFen: Fen | null;
  differenceFen: Fen | null;
  inTransitFen: Fen;
  detail: string;
}

/** When Asia/Shanghai's day `date` starts and ends. */
function dayBounds(date: string): { from: Date; to: Date } {
  const from = new Date(`${date}T00:00:00+08:00`);
  return { from, to: new Date(from.getTime() + 86_400_000) };
}

/**
 * Compare `statement` with the ledger (read-only; pure apart from the reads). The differences, in the
 * order balances, then movements.
 */
export async function compareWithLedger(
  db: Queryable,
  statement: CustodyStatement,
): Promise<{ differences: ReconciliationDifference[]; accountsChecked: number; movementsChecked: number }> {
  const { from, to } = dayBounds(statement.date);
  const differences: ReconciliationDifference[] = [];
  // our users' sub-accounts
  const owners = await db<{ accountNo: string; userId: string }[]>`
    select account_no as "accountNo", user_id::text as "userId" from custody_accounts where account_no is not null`;
  const ownerOf = new Map(owners.map((o) => [o.accountNo, o.userId]));
  // each user's ledger balance (available + frozen) at the end of the day
  const ledgerRows = await db<{ userId: string; balance: bigint }[]>`
    select a.owner_user_id::text as "userId", coalesce(sum(l.amount_fen), 0)::bigint as balance
    from ledger_accounts a join journal_lines l on l.account_id = a.id
    where a.kind in ('user_available', 'user_frozen') and l.created_at < ${to}
    group by a.owner_user_id`;
  const ledger = new Map(ledgerRows.map((r) => [r.userId, BigInt(r.balance)]));
  // bank movements up to the end of the day whose instruction we had not confirmed by then: in transit
  const executedBeforeEnd = new Set(
    statement.movements.filter((m) => m.executedAt < to).map((m) => m.instructionId),
  );
  const transit = new Map<string, bigint>();
  const transitDetail = await db<
    { id: string; accountNo: string; counterparty: string | null; kind: string; amount: bigint }[]
  >`
    select id::text as id, account_no as "accountNo", counterparty_account_no as counterparty, kind,
           amount_fen as amount
    from custody_instructions
    where kind in ('top_up', 'withdrawal', 'transfer') and status <> 'failed' and created_at < ${to}
      and (confirmed_at is null or confirmed_at >= ${to})`;
  for (const t of transitDetail) {
    if (t.kind === "transfer") {
      // a transfer is booked in the ledger when it is sent; until the bank has executed it, the payer's
      // bank balance is still higher (and the payee's lower) than the ledger
      const executed = executedBeforeEnd.has(t.id) || await executedEarlier(db, t.id, from);
      if (executed || !t.counterparty) continue;
      const amount = BigInt(t.amount);
      transit.set(t.accountNo, (transit.get(t.accountNo) ?? 0n) + amount);
      transit.set(t.counterparty, (transit.get(t.counterparty) ?? 0n) - amount);
      continue;
    }
    // only what the bank executed before the end of the day is in its balance; earlier days' statements
    // do not list it, so an instruction not in today's movements counts when it was executed before today
    const executed = executedBeforeEnd.has(t.id) || await executedEarlier(db, t.id, from);
    if (!executed) continue;
    const signed = t.kind === "withdrawal" ? -BigInt(t.amount) : BigInt(t.amount);
    transit.set(t.accountNo, (transit.get(t.accountNo) ?? 0n) + signed);
  }
  // batches (domain/payments/custody_batch.ts) booked in the ledger that the bank had not executed by the
  // end of the day: in transit line by line, like a transfer (payer's bank balance higher, payee's lower)
  const batchLines = await db<{ id: string; from: string | null; to: string | null; amount: bigint }[]>`
    select i.id::text as id, l.from_account_no as from, l.to_account_no as to, l.amount_fen as amount
    from custody_instructions i join custody_instruction_lines l on l.instruction_id = i.id
    where i.kind = 'batch_transfer' and i.status <> 'failed' and i.created_at < ${to}
      and (i.confirmed_at is null or i.confirmed_at >= ${to})
      and not (i.id::text = any(${[...executedBeforeEnd].filter((id) => /^[0-9]{1,19}$/.test(id))}::text[]))
      and not (i.submitted_at is not null and i.submitted_at < ${from})`;
  for (const l of batchLines) {
    const amount = BigInt(l.amount);
    if (l.from) transit.set(l.from, (transit.get(l.from) ?? 0n) + amount);
    if (l.to) transit.set(l.to, (transit.get(l.to) ?? 0n) - amount);
  }
  const seenUsers = new Set<string>();
  let accountsChecked = 0;
  for (const account of statement.accounts) {
    const userId = ownerOf.get(account.accountNo);
    if (!userId) continue; // the platform's own account, or one not (yet) linked on our side
    accountsChecked++;
    seenUsers.add(userId);
    const ledgerFen = ledger.get(userId) ?? 0n;
    const inTransit = transit.get(account.accountNo) ?? 0n;
    const diff = account.balanceFen - ledgerFen - inTransit;
    if (diff !== 0n) {
      differences.push({
        kind: "balance",
        accountNo: account.accountNo,
        userId,
        bankFen: account.balanceFen,
        ledgerFen,
        differenceFen: diff,
        inTransitFen: inTransit,
        detail: `银行余额 ${account.balanceFen} 分，账本（可用+冻结）${ledgerFen} 分，在途 ${inTransit} 分`,
      });
    }
  }
  for (const [userId, balance] of ledger) {
    if (seenUsers.has(userId) || balance === 0n) continue;
    differences.push({
      kind: "no_account",
      accountNo: owners.find((o) => o.userId === userId)?.accountNo ?? null,
      userId,
      bankFen: null,
      ledgerFen: balance,
      differenceFen: -balance,
      inTransitFen: 0n,
      detail: `账本有余额 ${balance} 分，银行对账单中无该用户的存管账户`,
    });
  }
  // movements of the day
  const movementIds = unique(
    statement.movements.map((m) => m.instructionId).filter((id) => /^[0-9]{1,19}$/.test(id)),
  )
    .concat(["0"]);
  const instructions = await db<
    { id: string; kind: string; amount: bigint; status: string; createdAt: Date }[]
  >`
    select id::text as id, kind, amount_fen as amount, status, created_at as "createdAt"
    from custody_instructions
    where id::text in ${db(movementIds)} or (created_at >= ${from} and created_at < ${to})`;
  const byId = new Map(instructions.map((i) => [i.id, i]));
  const atBank = new Set<string>();
  // a batch moves many amounts: what it credited in all must be its amount
  const batchCredits = new Map<
    string,
    { credited: bigint; movement: CustodyStatement["movements"][number] }
  >();
  for (const m of statement.movements) {
    const ours = m.instructionId ? byId.get(m.instructionId) : undefined;
    if (!ours) {
      differences.push({
        kind: "unknown_at_bank",
        accountNo: m.accountNo,
        userId: ownerOf.get(m.accountNo) ?? null,
        bankFen: m.amountFen,
        ledgerFen: null,
        differenceFen: m.amountFen,
        inTransitFen: 0n,
        detail: `银行流水 ${m.bankReference}（${m.kind}）无对应的存管指令`,
      });
      continue;
    }
    atBank.add(ours.id);
    if (ours.kind === "batch_transfer") {
      const seen = batchCredits.get(ours.id) ?? { credited: 0n, movement: m };
      if (m.amountFen > 0n) seen.credited += m.amountFen;
      batchCredits.set(ours.id, seen);
      continue;
    }
    const moves = m.kind === "top_up" || m.kind === "withdrawal" || m.kind === "transfer";
    const abs = m.amountFen < 0n ? -m.amountFen : m.amountFen;
    if (moves && abs !== BigInt(ours.amount)) {
      differences.push({
        kind: "amount",
        accountNo: m.accountNo,
        userId: ownerOf.get(m.accountNo) ?? null,
        bankFen: abs,
        ledgerFen: BigInt(ours.amount),
        differenceFen: abs - BigInt(ours.amount),
        inTransitFen: 0n,
        detail: `银行流水 ${m.bankReference} 金额与指令 ${ours.id} 不符`,
      });
    }
  }
  for (const [id, { credited, movement }] of batchCredits) {
    const ours = byId.get(id)!;
    if (credited === BigInt(ours.amount)) continue;
    differences.push({
      kind: "amount",
      accountNo: movement.accountNo,
      userId: ownerOf.get(movement.accountNo) ?? null,
      bankFen: credited,
      ledgerFen: BigInt(ours.amount),
      differenceFen: credited - BigInt(ours.amount),
      inTransitFen: 0n,
      detail: `银行批量流水 ${movement.bankReference} 合计金额与批量指令 ${id} 不符`,
    });
  }
  for (const i of instructions) {
    const created = new Date(i.createdAt);
    if (i.status !== "succeeded" || created < from || created >= to || atBank.has(i.id)) continue;
    differences.push({
      kind: "missing_at_bank",
      accountNo: null,
      userId: null,
      bankFen: null,
      ledgerFen: BigInt(i.amount),
      differenceFen: -BigInt(i.amount),
      inTransitFen: 0n,
      detail: `存管指令 ${i.id}（${i.kind}）已确认，但银行当日对账单中无此流水`,
    });
  }
  return { differences, accountsChecked, movementsChecked: statement.movements.length };
}

async function executedEarlier(db: Queryable, instructionId: string, before: Date): Promise<boolean> {
  const [row] = await db<{ yes: boolean }[]>`
    select exists (select 1 from custody_instructions where id = ${instructionId} and submitted_at < ${before}) as yes`;
  return row.yes;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Outcome of {@link runReconciliation}. */
export type ReconciliationRunResult =
  | { ok: true; runId: string; differenceCount: number }
  | { ok: false; code: "forbidden" | "invalid_date" | "busy" };

/** Chinese messages of {@link runReconciliation}'s refusals. */
export const RECONCILIATION_MESSAGES = {
  forbidden: "没有资金对账权限",
  invalid_date: "请选择有效的对账日期",
  busy: "另一个对账正在进行，请稍后再试",
} as const;

/**
 * Reconcile `date` (`YYYY-MM-DD`, Asia/Shanghai): fetch the bank's statement (outside any transaction),
 * then record the run and its differences in one transaction under an advisory lock (`busy` when another
 * run holds it). `by`: the staff member who pressed 立即对账 (checked for `finance.reconcile`, audited as
 * `finance.reconcile.run`), or omitted for the cron.
 */
export async function runReconciliation(
  db: Db,
  deps: { custody: CustodyGateway },
  input: { date: string; by?: { staff: Pick<SessionStaff, "id" | "permissions">; ip: string | null } },
): Promise<ReconciliationRunResult> {
  if (input.by && !can(input.by.staff, "finance.reconcile")) return { ok: false, code: "forbidden" };
  if (!isIsoDay(input.date)) return { ok: false, code: "invalid_date" };
  const statement = await deps.custody.dailyStatement(input.date);
  return await transaction(db, async (tx, rollback) => {
    const [{ locked }] = await tx<{ locked: boolean }[]>`
      select pg_try_advisory_xact_lock(hashtext('reconciliation')) as locked`;
    if (!locked) return rollback({ ok: false, code: "busy" });
    const found = await compareWithLedger(tx, statement);
    const [run] = await tx<{ id: string }[]>`
      insert into reconciliation_runs
        (business_date, trigger, staff_id, status, accounts_checked, movements_checked, difference_count, finished_at)
      values (${input.date}, ${input.by ? "staff" : "cron"}, ${input.by?.staff.id ?? null}, 'done',
              ${found.accountsChecked}, ${found.movementsChecked}, ${found.differences.length}, now())
      returning id::text as id`;
    for (const d of found.differences) {
      await tx`insert into reconciliation_differences
                 (run_id, kind, account_no, user_id, bank_fen, ledger_fen, difference_fen, in_transit_fen, detail)
               values (${run.id}, ${d.kind}, ${d.accountNo}, ${d.userId}, ${d.bankFen}, ${d.ledgerFen},
                       ${d.differenceFen}, ${d.inTransitFen}, ${d.detail})`;
    }
    if (input.by) {
      await appendAudit(tx, {
        staffId: input.by.staff.id,
        action: "finance.reconcile.run",
        target: `reconciliation_run:${run.id}`,
        detail: { date: input.date, differences: found.differences.length },
        ip: input.by.ip,
      });
    }
    return { ok: true, runId: run.id, differenceCount: found.differences.length } as const;
  });
}

/** One run as listed. */
export interface ReconciliationRunRow {
  id: string;
  businessDate: string;
  trigger: "cron" | "staff";
  staffId: string | null;
  accountsChecked: number;
  movementsChecked: number;
  differenceCount: number;
  finishedAt: Date | null;
}

/** The latest runs, newest first. */
export async function listReconciliationRuns(db: Queryable, limit = 30): Promise<ReconciliationRunRow[]> {
  return await db<ReconciliationRunRow[]>`
    select id::text as id, to_char(business_date, 'YYYY-MM-DD') as "businessDate", trigger,
           staff_id::text as "staffId", accounts_checked as "accountsChecked",
           movements_checked as "movementsChecked", difference_count as "differenceCount",
           finished_at as "finishedAt"
    from reconciliation_runs order by id desc limit ${Math.min(200, Math.max(1, limit))}`;
}

/** The differences of one run. */
export async function listReconciliationDifferences(
  db: Queryable,
  runId: string,
): Promise<(ReconciliationDifference & { id: string })[]> {
  const rows = await db<(ReconciliationDifference & { id: string })[]>`
    select id::text as id, kind, account_no as "accountNo", user_id::text as "userId", bank_fen as "bankFen",
           ledger_fen as "ledgerFen", difference_fen as "differenceFen", in_transit_fen as "inTransitFen", detail
    from reconciliation_differences where run_id = ${runId} order by id limit 1000`;
  return rows.map((r) => ({
    ...r,
    bankFen: r.bankFen === null ? null : BigInt(r.bankFen),
    ledgerFen: r.ledgerFen === null ? null : BigInt(r.ledgerFen),
    differenceFen: r.differenceFen === null ? null : BigInt(r.differenceFen),
    inTransitFen: BigInt(r.inTransitFen),
  }));
}

/** The alert for the admin home: the latest run, when it found differences (else null). */
export async function reconciliationAlert(
  db: Queryable,
): Promise<{ runId: string; businessDate: string; differenceCount: number } | null> {
  const [latest] = await db<{ runId: string; businessDate: string; differenceCount: number }[]>`
    select id::text as "runId", to_char(business_date, 'YYYY-MM-DD') as "businessDate",
           difference_count as "differenceCount"
    from reconciliation_runs where status = 'done' order by id desc limit 1`;
  return latest && latest.differenceCount > 0 ? latest : null;
}
