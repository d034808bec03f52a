/**
 * The ledger's own audit (`deno task ledger:audit`): set-based checks that the books are whole.
 *
 * - `unbalanced_entry` — an entry whose lines do not sum to zero, or that has fewer than two lines;
 * - `balance_mismatch` — a user account whose balance row differs from the sum of its lines;
 * - `negative_balance` — a user account below zero (by its row or by its lines);
 * - `total_not_zero` — the sum over every line of every account is not zero.
 * @module
 */
import type { Queryable } from "../../db/tx.ts";
import type { Fen } from "../money/fen.ts";

/** One thing wrong with the books. */
export type LedgerViolation =
  | { code: "unbalanced_entry"; entryId: string; sumFen: Fen; lines: bigint }
  | {
    code: "balance_mismatch";
    accountId: string;
    kind: string;
    userId: string;
    balanceFen: Fen;
    linesFen: Fen;
  }
  | { code: "negative_balance"; accountId: string; kind: string; userId: string; balanceFen: Fen }
  | { code: "total_not_zero"; totalFen: Fen };

/** Most violations of one kind reported (the count of the rest is not needed to fail). */
export const LEDGER_AUDIT_MAX_PER_KIND = 1000;

/** Options of {@link auditLedger}. */
export interface LedgerAuditOptions {
  /** Only the accounts of these users (and the entries touching them); the total is then skipped. */
  userIds?: readonly string[];
  /** Only entries after this one (a check after each step of a long test); default: every entry. */
  sinceEntryId?: string;
}

/** Run every check; an empty list means the books are whole. */
export async function auditLedger(
  db: Queryable,
  options: LedgerAuditOptions = {},
): Promise<LedgerViolation[]> {
  const users = options.userIds ? [...options.userIds] : null;
  const since = options.sinceEntryId ?? "0";
  const violations: LedgerViolation[] = [];
  const unbalanced = await db<{ entryId: string; sumFen: Fen; lines: bigint }[]>`
    select e.id as "entryId", coalesce(sum(l.amount_fen), 0)::bigint as "sumFen", count(l.id) as lines
    from journal_entries e left join journal_lines l on l.entry_id = e.id
    where e.id > ${since}::bigint and (${users}::bigint[] is null or e.id in (
      select l2.entry_id from journal_lines l2 join ledger_accounts a2 on a2.id = l2.account_id
      where a2.owner_user_id = any(${users}::bigint[]) and l2.entry_id > ${since}::bigint))
    group by e.id
    having coalesce(sum(l.amount_fen), 0) <> 0 or count(l.id) < 2
    order by e.id limit ${LEDGER_AUDIT_MAX_PER_KIND}`;
  for (const r of unbalanced) violations.push({ code: "unbalanced_entry", ...r });

  const accounts = await db<
    { accountId: string; kind: string; userId: string; balanceFen: Fen; linesFen: Fen }[]
  >`
    select a.id as "accountId", a.kind, a.owner_user_id as "userId", a.balance_fen as "balanceFen",
      coalesce((select sum(l.amount_fen) from journal_lines l where l.account_id = a.id), 0)::bigint
        as "linesFen"
    from ledger_accounts a
    where a.owner_user_id is not null
      and (${users}::bigint[] is null or a.owner_user_id = any(${users}::bigint[]))
      and (a.balance_fen < 0 or a.balance_fen <> coalesce(
        (select sum(l.amount_fen) from journal_lines l where l.account_id = a.id), 0))
    order by a.id limit ${LEDGER_AUDIT_MAX_PER_KIND}`;
  for (const a of accounts) {
    if (a.balanceFen !== a.linesFen) violations.push({ code: "balance_mismatch", ...a });
    const lowest = a.balanceFen < a.linesFen ? a.balanceFen : a.linesFen;
    if (lowest < 0n) {
      violations.push({
        code: "negative_balance",
        accountId: a.accountId,
        kind: a.kind,
        userId: a.userId,
        balanceFen: lowest,
      });
    }
  }

  if (users === null) {
    const [total] = await db<{ totalFen: Fen }[]>`
      select coalesce(sum(amount_fen), 0)::bigint as "totalFen" from journal_lines`;
    if (total.totalFen !== 0n) violations.push({ code: "total_not_zero", totalFen: total.totalFen });
  }
  return violations;
}

/** One line of the report for a violation (Chinese, with the figures). */
export function describeLedgerViolation(v: LedgerViolation): string {
  switch (v.code) {
    case "unbalanced_entry":
      return `记账凭证 ${v.entryId} 不平：分录合计 ${v.sumFen} 分，共 ${v.lines} 条分录`;
    case "balance_mismatch":
      return `账户 ${v.accountId}（${v.kind}，用户 ${v.userId}）余额 ${v.balanceFen} 分，分录合计 ${v.linesFen} 分`;
    case "negative_balance":
      return `账户 ${v.accountId}（${v.kind}，用户 ${v.userId}）余额为负：${v.balanceFen} 分`;
    case "total_not_zero":
      return `全部账户合计不为零：${v.totalFen} 分`;
  }
}
