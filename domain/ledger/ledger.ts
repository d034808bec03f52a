/**
 * The double-entry ledger (DESIGN.md §4): posting, reversal and reading balances. Posting runs inside the
 * caller's transaction — the command that moves money opens it, and its business change and its journal
 * entry commit or roll back together.
 *
 * Concurrency: a posting locks only the user accounts it touches (`select … for update`, in id order, so
 * two postings never deadlock), checks that none goes below zero, then writes the entry, the balance rows
 * and the lines in one statement. System accounts have no balance row and take no lock, so postings for
 * different users run in parallel. The balance check and the write happen under the lock, and
 * `ledger_accounts.balance_fen >= 0` is also a constraint.
 *
 * Idempotency: every entry carries a key, unique across the ledger. Posting a key that exists writes
 * nothing and returns the first entry (`replayed: true`) — also when two postings race with one key: the
 * second waits on the first's unique-index entry and then finds it.
 * @module
 */
import type { Queryable, Tx } from "../../db/tx.ts";
import type { Fen } from "../money/fen.ts";
import {
  accountKey,
  type AccountRef,
  type BusinessType,
  isBusinessType,
  isUserAccountKind,
  type LedgerAccountKind,
  type UserAccountKind,
} from "./accounts.ts";

export {
  ACCOUNT_KIND_LABELS,
  type AccountRef,
  BUSINESS_TYPE_LABELS,
  BUSINESS_TYPES,
  type BusinessType,
  type LedgerAccountKind,
} from "./accounts.ts";

/** Most lines in one entry. */
export const MAX_LINES_PER_ENTRY = 64;
/** Longest reference, idempotency key (characters). */
export const MAX_REFERENCE_CHARS = 200;
/** Longest memo (characters). */
export const MAX_MEMO_CHARS = 500;

/** One line: `amountFen` is added to the account's balance (negative takes money out of it). */
export interface PostingLine {
  account: AccountRef;
  amountFen: Fen;
}

/** One balanced movement. */
export interface JournalEntryInput {
  businessType: BusinessType;
  /** The cause, e.g. `top_up_order:123`, `withdrawal:45`. */
  reference: string;
  /** Unique across the ledger: a repeat writes nothing and returns the first entry. */
  idempotencyKey: string;
  memo?: string;
  /** At least two, no zero amounts, summing exactly to `0n`. */
  lines: readonly PostingLine[];
}

/**
 * Outcome of {@link postEntry}:
 * - `ok: true` — posted (`replayed: false`) or found posted under the same key before (`replayed: true`);
 * - `insufficient_funds` — a user account would go below zero; `shortFen` is by how much. Nothing written.
 */
export type PostResult =
  | { ok: true; entryId: string; replayed: boolean }
  | { ok: false; code: "insufficient_funds"; account: AccountRef; shortFen: Fen };

/** Outcome of {@link reverseEntry}: as {@link PostResult}, or the entry is unknown or reversed already. */
export type ReverseResult = PostResult | { ok: false; code: "not_found" | "already_reversed" };

/** Chinese messages for the ledger's failure codes. */
export const LEDGER_MESSAGES = {
  insufficient_funds: "余额不足",
  not_found: "记账凭证不存在",
  already_reversed: "该笔记账已冲正",
} as const;

interface AccountRow {
  id: string;
  kind: LedgerAccountKind;
  ownerId: string | null;
  balance: Fen | null;
}

function checkEntry(entry: JournalEntryInput): void {
  if (!isBusinessType(entry.businessType)) {
    throw new RangeError(`unknown business type ${entry.businessType}`);
  }
  for (
    const [name, value, max] of [
      ["reference", entry.reference, MAX_REFERENCE_CHARS],
      ["idempotencyKey", entry.idempotencyKey, MAX_REFERENCE_CHARS],
    ] as const
  ) {
    if (typeof value !== "string" || value.length < 1 || value.length > max) {
      throw new RangeError(`${name} must be 1–${max} characters`);
    }
  }
  if (entry.memo !== undefined && entry.memo.length > MAX_MEMO_CHARS) throw new RangeError("memo too long");
  if (entry.lines.length < 2 || entry.lines.length > MAX_LINES_PER_ENTRY) {
    throw new RangeError(`an entry needs 2–${MAX_LINES_PER_ENTRY} lines`);
  }
  let sum = 0n;
  for (const line of entry.lines) {
    if (typeof line.amountFen !== "bigint" || line.amountFen === 0n) {
      throw new RangeError("every line needs a non-zero bigint amount");
    }
    const ref = line.account;
    if (isUserAccountKind(ref.kind) !== ("userId" in ref)) {
      throw new RangeError(`account ${ref.kind} ${"userId" in ref ? "has no" : "needs an"} owner`);
    }
    if ("userId" in ref && !/^[1-9]\d{0,18}$/.test(ref.userId)) throw new RangeError("bad userId");
    sum += line.amountFen;
  }
  if (sum !== 0n) throw new RangeError(`entry does not balance: lines sum to ${sum}`);
}

async function findEntryByKey(tx: Queryable, key: string): Promise<string | null> {
  const [row] = await tx<{ id: string }[]>`select id from journal_entries where idempotency_key = ${key}`;
  return row?.id ?? null;
}

/** The accounts of `refs`, creating missing ones; user accounts locked (id order). */
async function lockAccounts(tx: Tx, refs: readonly AccountRef[]): Promise<Map<string, AccountRow>> {
  const users = refs.filter((r): r is { kind: UserAccountKind; userId: string } => "userId" in r);
  const systems = refs.filter((r) => !("userId" in r)).map((r) => r.kind);
  const load = async () => {
    const found = new Map<string, AccountRow>();
    if (users.length > 0) {
      const rows = await tx<AccountRow[]>`
        select id, kind, owner_user_id as "ownerId", balance_fen as balance from ledger_accounts
        where (kind, owner_user_id) in (
          select * from unnest(${users.map((u) => u.kind)}::text[], ${users.map((u) => u.userId)}::bigint[]))
        order by id for update`;
      for (const r of rows) found.set(`${r.kind}:${r.ownerId}`, r);
    }
    if (systems.length > 0) {
      const rows = await tx<AccountRow[]>`
        select id, kind, owner_user_id as "ownerId", balance_fen as balance from ledger_accounts
        where owner_user_id is null and kind = any(${systems}::text[])`;
      for (const r of rows) found.set(`${r.kind}:`, r);
    }
    return found;
  };
  let found = await load();
  const missing = refs.filter((r) => !found.has(accountKey(r)));
  if (missing.length === 0) return found;
  await tx`
    insert into ledger_accounts (kind, owner_user_id, balance_fen)
    select k, o, case when o is null then null else 0 end
    from unnest(${missing.map((r) => r.kind)}::text[], ${
    missing.map((r) => "userId" in r ? r.userId : null)
  }::bigint[]) as m(k, o)
    on conflict (kind, owner_user_id) do nothing`;
  found = await load();
  for (const r of refs) {
    if (!found.has(accountKey(r))) throw new Error(`ledger account ${accountKey(r)} could not be created`);
  }
  return found;
}

async function post(
  tx: Tx,
  entry: JournalEntryInput,
  reversesEntryId: string | null,
): Promise<PostResult> {
  checkEntry(entry);
  const distinct = new Map<string, AccountRef>();
  for (const line of entry.lines) distinct.set(accountKey(line.account), line.account);
  const accounts = await lockAccounts(tx, [...distinct.values()]);

  // balances after each line (user accounts), and the first account that would go below zero
  const running = new Map<string, Fen>();
  for (const [key, row] of accounts) if (row.balance !== null) running.set(key, row.balance);
  const after: (Fen | null)[] = [];
  let lowest: { ref: AccountRef; balance: Fen } | null = null;
  for (const line of entry.lines) {
    const key = accountKey(line.account);
    const current = running.get(key);
    if (current === undefined) {
      after.push(null);
      continue;
    }
    const next = current + line.amountFen;
    running.set(key, next);
    after.push(next);
    if (next < 0n && (lowest === null || next < lowest.balance)) {
      lowest = { ref: line.account, balance: next };
    }
  }
  if (lowest) {
    // a repeat of a request that was posted before (the money may have moved on since) is its first result
    const prior = await findEntryByKey(tx, entry.idempotencyKey);
    if (prior) return { ok: true, entryId: prior, replayed: true };
    return { ok: false, code: "insufficient_funds", account: lowest.ref, shortFen: -lowest.balance };
  }

  // the entry, the balance rows and the lines in one statement; nothing of it when the key exists already
  const changed = [...running.entries()].filter(([key]) => accounts.get(key)!.balance !== running.get(key));
  const [written] = await tx<{ id: string | null }[]>`
    with e as (
      insert into journal_entries (business_type, reference, idempotency_key, reverses_entry_id, memo)
      values (${entry.businessType}, ${entry.reference}, ${entry.idempotencyKey}, ${reversesEntryId},
        ${entry.memo ?? null})
      on conflict (idempotency_key) do nothing
      returning id
    ), u as (
      update ledger_accounts a set balance_fen = v.balance
      from unnest(${changed.map(([key]) => accounts.get(key)!.id)}::bigint[], ${
    changed.map(([, balance]) => balance.toString())
  }::bigint[]) as v(id, balance)
      where a.id = v.id and exists (select 1 from e)
      returning a.id
    ), l as (
      insert into journal_lines (entry_id, account_id, amount_fen, balance_after_fen)
      select e.id, x.a, x.m, x.b
      from e, unnest(${entry.lines.map((l) => accounts.get(accountKey(l.account))!.id)}::bigint[], ${
    entry.lines.map((l) => l.amountFen.toString())
  }::bigint[], ${
    after.map((b) => b === null ? null : b.toString())
  }::bigint[]) with ordinality as x(a, m, b, n)
      order by x.n
      returning id
    )
    select (select id from e) as id, (select count(*) from u) as updated, (select count(*) from l) as lines`;
  if (!written.id) {
    // the key was posted before (or by a concurrent posting that committed first): its first result
    const id = await findEntryByKey(tx, entry.idempotencyKey);
    if (!id) throw new Error("journal entry key conflicted but the entry is not visible");
    return { ok: true, entryId: id, replayed: true };
  }
  return { ok: true, entryId: written.id, replayed: false };
}

/**
 * Post one balanced entry inside the caller's transaction.
 *
 * Returns `insufficient_funds` (nothing written; the caller usually rolls back its whole command) when a
 * user account would go below zero.
 *
 * @throws {RangeError} for an entry that is malformed (unbalanced, fewer than 2 lines, a zero or non-bigint
 *   amount, an unknown business type, a user account without owner): a programming error, never input.
 */
export async function postEntry(tx: Tx, entry: JournalEntryInput): Promise<PostResult> {
  return await post(tx, entry, null);
}

/**
 * Reverse an entry: post its lines negated, as business type `reversal`, linked to it. An entry is
 * reversed at most once (a unique constraint). Returns `insufficient_funds` when the money has been used
 * since (e.g. a top-up reversed after the user withdrew it).
 */
export async function reverseEntry(
  tx: Tx,
  input: { entryId: string; idempotencyKey: string; memo?: string },
): Promise<ReverseResult> {
  const prior = await findEntryByKey(tx, input.idempotencyKey);
  if (prior) return { ok: true, entryId: prior, replayed: true };
  const [original] = await tx<{ id: string; reference: string; reversed: boolean }[]>`
    select e.id, e.reference,
      exists (select 1 from journal_entries r where r.reverses_entry_id = e.id) as reversed
    from journal_entries e where e.id = ${input.entryId}`;
  if (!original) return { ok: false, code: "not_found" };
  if (original.reversed) return { ok: false, code: "already_reversed" };
  const lines = await tx<{ kind: LedgerAccountKind; ownerId: string | null; amount: Fen }[]>`
    select a.kind, a.owner_user_id as "ownerId", l.amount_fen as amount
    from journal_lines l join ledger_accounts a on a.id = l.account_id
    where l.entry_id = ${original.id} order by l.id`;
  return await post(tx, {
    businessType: "reversal",
    reference: `journal_entry:${original.id}`,
    idempotencyKey: input.idempotencyKey,
    memo: input.memo,
    lines: lines.map((l) => ({
      account: (l.ownerId === null ? { kind: l.kind } : { kind: l.kind, userId: l.ownerId }) as AccountRef,
      amountFen: -l.amount,
    })),
  }, original.id);
}

/** A user's balances in fen. */
export interface UserBalances {
  availableFen: Fen;
  frozenFen: Fen;
  rewardFen: Fen;
}

/** The balances of one user; accounts never posted to count as zero. */
export async function userBalances(db: Queryable, userId: string): Promise<UserBalances> {
  const rows = await db<{ kind: UserAccountKind; balance: Fen }[]>`
    select kind, balance_fen as balance from ledger_accounts where owner_user_id = ${userId}`;
  const out: UserBalances = { availableFen: 0n, frozenFen: 0n, rewardFen: 0n };
  for (const r of rows) {
    if (r.kind === "user_available") out.availableFen = r.balance;
    else if (r.kind === "user_frozen") out.frozenFen = r.balance;
    else if (r.kind === "user_reward") out.rewardFen = r.balance;
  }
  return out;
}

/** The balance of a system account: the sum of its lines. */
export async function systemAccountBalance(db: Queryable, kind: LedgerAccountKind): Promise<Fen> {
  const [row] = await db<{ balance: Fen }[]>`
    select coalesce(sum(l.amount_fen), 0)::bigint as balance
    from journal_lines l join ledger_accounts a on a.id = l.account_id
    where a.kind = ${kind} and a.owner_user_id is null`;
  return row.balance;
}

/** Most rows of one page of {@link listUserLines}. */
export const USER_LINES_MAX_LIMIT = 200;

/** One line of a user's records. */
export interface UserLineRow {
  lineId: string;
  entryId: string;
  createdAt: Date;
  businessType: BusinessType;
  reference: string;
  memo: string | null;
  accountKind: UserAccountKind;
  amountFen: Fen;
  balanceAfterFen: Fen;
}

/** Filters of {@link listUserLines}. */
export interface UserLinesFilter {
  businessTypes?: readonly BusinessType[];
  accountKinds?: readonly UserAccountKind[];
  /** Inclusive lower bound. */
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
  /** 1–{@link USER_LINES_MAX_LIMIT}; default 20. */
  limit?: number;
  offset?: number;
}

/** A user's journal lines, newest first, with the total count for paging. */
export async function listUserLines(
  db: Queryable,
  userId: string,
  filter: UserLinesFilter = {},
): Promise<{ rows: UserLineRow[]; total: bigint }> {
  const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 20), 1), USER_LINES_MAX_LIMIT);
  const offset = Math.max(Math.trunc(filter.offset ?? 0), 0);
  const types = filter.businessTypes?.length ? [...filter.businessTypes] : null;
  const kinds = filter.accountKinds?.length ? [...filter.accountKinds] : null;
  const from = filter.from ?? null;
  const to = filter.to ?? null;
  const where = db`
    a.owner_user_id = ${userId}
    and (${types}::text[] is null or e.business_type = any(${types}::text[]))
    and (${kinds}::text[] is null or a.kind = any(${kinds}::text[]))
    and (${from}::timestamptz is null or l.created_at >= ${from}::timestamptz)
    and (${to}::timestamptz is null or l.created_at < ${to}::timestamptz)`;
  const [rows, [count]] = await Promise.all([
    db<UserLineRow[]>`
      select l.id as "lineId", e.id as "entryId", l.created_at as "createdAt",
        e.business_type as "businessType", e.reference, e.memo, a.kind as "accountKind",
        l.amount_fen as "amountFen", l.balance_after_fen as "balanceAfterFen"
      from journal_lines l
      join ledger_accounts a on a.id = l.account_id
      join journal_entries e on e.id = l.entry_id
      where ${where}
      order by l.id desc limit ${limit} offset ${offset}`,
    db<{ total: bigint }[]>`
      select count(*) as total from journal_lines l
      join ledger_accounts a on a.id = l.account_id
      join journal_entries e on e.id = l.entry_id
      where ${where}`,
  ]);
  return { rows, total: count.total };
}
