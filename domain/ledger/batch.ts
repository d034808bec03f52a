/**
 * Posting many entries at once (the daily settlement posts tens of thousands): the same books as
 * {@link postEntry} in `ledger.ts` — every entry balanced, no user account below zero, one idempotency key
 * per entry — written with a handful of set-based statements instead of three per entry.
 *
 * 1. Missing accounts are created (one statement), then every user account involved is locked in id order
 *    in one `select … for update` (the same order as `postEntry`, so the two never deadlock).
 * 2. Keys already posted are found (after the lock, so a concurrent posting of a key on the same accounts
 *    has committed and is seen): those entries are replayed, written nothing.
 * 3. The running balances are computed in entry and line order; if any user account would go below zero
 *    the whole batch is refused (`insufficient_funds`, nothing written) — the caller decides what to drop.
 * 4. Entries, lines (with each line's balance after it) and the changed balance rows: three statements.
 *
 * Semantics per entry are those of `postEntry`, tested against it in tests/domain/ledger/batch_test.ts.
 * @module
 */
import type { Tx } from "../../db/tx.ts";
import type { Fen } from "../money/fen.ts";
import { accountKey, type AccountRef, isBusinessType, isUserAccountKind } from "./accounts.ts";
import {
  type JournalEntryInput,
  MAX_LINES_PER_ENTRY,
  MAX_MEMO_CHARS,
  MAX_REFERENCE_CHARS,
} from "./ledger.ts";

/** Most entries in one batch. */
export const MAX_ENTRIES_PER_BATCH = 50_000;

/** Outcome of {@link postEntryBatch}: each entry's id in input order, and whether it was a replay. */
export type BatchPostResult =
  | { ok: true; entries: { entryId: string; replayed: boolean }[] }
  | { ok: false; code: "insufficient_funds"; index: number; account: AccountRef; shortFen: Fen };

function checkEntry(entry: JournalEntryInput): void {
  if (!isBusinessType(entry.businessType)) {
    throw new RangeError(`unknown business type ${entry.businessType}`);
  }
  for (const value of [entry.reference, entry.idempotencyKey]) {
    if (typeof value !== "string" || value.length < 1 || value.length > MAX_REFERENCE_CHARS) {
      throw new RangeError(`reference and idempotencyKey must be 1–${MAX_REFERENCE_CHARS} characters`);
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
    if (isUserAccountKind(ref.kind) !== ("userId" in ref)) throw new RangeError(`account ${ref.kind} owner`);
    if ("userId" in ref && !/^[1-9]\d{0,18}$/.test(ref.userId)) throw new RangeError("bad userId");
    sum += line.amountFen;
  }
  if (sum !== 0n) throw new RangeError(`entry does not balance: lines sum to ${sum}`);
}

interface AccountRow {
  id: string;
  kind: string;
  ownerId: string | null;
  balance: Fen | null;
}

/**
 * Post `entries` inside the caller's transaction, all or nothing (see the module doc). An entry whose key
 * was posted before is returned as `replayed` and not written again; two entries of one batch must not share
 * a key.
 *
 * @throws {RangeError} for a malformed entry or duplicate keys in the batch (programming errors).
 */
export async function postEntryBatch(
  tx: Tx,
  entries: readonly JournalEntryInput[],
): Promise<BatchPostResult> {
  if (entries.length === 0) return { ok: true, entries: [] };
  if (entries.length > MAX_ENTRIES_PER_BATCH) throw new RangeError("too many entries in one batch");
  const keys = new Set<string>();
  for (const e of entries) {
    checkEntry(e);
    if (keys.has(e.idempotencyKey)) throw new RangeError(`duplicate key in batch: ${e.idempotencyKey}`);
    keys.add(e.idempotencyKey);
  }

  // 1. accounts: create the missing ones, lock the users' in id order
  const refs = new Map<string, AccountRef>();
  for (const e of entries) for (const l of e.lines) refs.set(accountKey(l.account), l.account);
  const all = [...refs.values()];
  await tx`
    insert into ledger_accounts (kind, owner_user_id, balance_fen)
    select k, o, case when o is null then null else 0 end
    from unnest(${all.map((r) => r.kind)}::text[], ${
    all.map((r) => "userId" in r ? r.userId : null)
  }::bigint[]) as m(k, o)
    where case when m.o is null
      then not exists (select 1 from ledger_accounts a where a.kind = m.k and a.owner_user_id is null)
      else not exists (select 1 from ledger_accounts a where a.kind = m.k and a.owner_user_id = m.o) end
    on conflict (kind, owner_user_id) do nothing`;
  const users = all.filter((r): r is Extract<AccountRef, { userId: string }> => "userId" in r);
  const systems = all.filter((r) => !("userId" in r)).map((r) => r.kind);
  const accounts = new Map<string, AccountRow>();
  if (users.length > 0) {
    const rows = await tx<AccountRow[]>`
      select id, kind, owner_user_id as "ownerId", balance_fen as balance from ledger_accounts
      where (kind, owner_user_id) in (
        select * from unnest(${users.map((u) => u.kind)}::text[], ${users.map((u) => u.userId)}::bigint[]))
      order by id for update`;
    for (const r of rows) accounts.set(`${r.kind}:${r.ownerId}`, r);
  }
  if (systems.length > 0) {
    const rows = await tx<AccountRow[]>`
      select id, kind, owner_user_id as "ownerId", balance_fen as balance from ledger_accounts
      where owner_user_id is null and kind = any(${systems}::text[])`;
    for (const r of rows) accounts.set(`${r.kind}:`, r);
  }
  for (const key of refs.keys()) if (!accounts.has(key)) throw new Error(`ledger account ${key} missing`);

  // 2. replays
  const prior = new Map<string, string>();
  const found = await tx<{ id: string; key: string }[]>`
    select id, idempotency_key as key from journal_entries where idempotency_key = any(${[...keys]}::text[])`;
  for (const r of found) prior.set(r.key, String(r.id));

  // 3. running balances, in entry and line order
  const running = new Map<string, Fen>();
  for (const [key, row] of accounts) if (row.balance !== null) running.set(key, BigInt(row.balance));
  const fresh: number[] = [];
  const lineEntry: number[] = [];
  const lineAccount: string[] = [];
  const lineAmount: string[] = [];
  const lineAfter: (string | null)[] = [];
  for (const [index, e] of entries.entries()) {
    if (prior.has(e.idempotencyKey)) continue;
    fresh.push(index);
    for (const line of e.lines) {
      const key = accountKey(line.account);
      const current = running.get(key);
      lineEntry.push(fresh.length);
      lineAccount.push(accounts.get(key)!.id);
      lineAmount.push(line.amountFen.toString());
      if (current === undefined) {
        lineAfter.push(null);
        continue;
      }
      const next = current + line.amountFen;
      if (next < 0n) {
        return { ok: false, code: "insufficient_funds", index, account: line.account, shortFen: -next };
      }
      running.set(key, next);
      lineAfter.push(next.toString());
    }
  }
  if (fresh.length === 0) {
    return {
      ok: true,
      entries: entries.map((e) => ({ entryId: prior.get(e.idempotencyKey)!, replayed: true })),
    };
  }

  // 4. entries, lines, balances
  const written = await tx<{ id: string; n: string }[]>`
    insert into journal_entries (business_type, reference, idempotency_key, memo)
    select t, r, k, m
    from unnest(${fresh.map((i) => entries[i].businessType)}::text[], ${
    fresh.map((i) => entries[i].reference)
  }::text[], ${fresh.map((i) => entries[i].idempotencyKey)}::text[], ${
    fresh.map((i) => entries[i].memo ?? null)
  }::text[]) with ordinality as x(t, r, k, m, n)
    order by x.n
    on conflict (idempotency_key) do nothing
    returning id, idempotency_key as n`;
  if (written.length !== fresh.length) {
    // a concurrent posting of one of the keys committed between the lock and here (only possible for
    // entries without user accounts): fail the whole transaction rather than post unchecked balances
    throw new Error("postEntryBatch: a key was posted concurrently; retry the transaction");
  }
  const idByKey = new Map(written.map((w) => [w.n, String(w.id)]));
  const entryIds = fresh.map((i) => idByKey.get(entries[i].idempotencyKey)!);
  await tx`
    insert into journal_lines (entry_id, account_id, amount_fen, balance_after_fen)
    select (${entryIds}::bigint[])[x.e], x.a, x.m, x.b
    from unnest(${lineEntry}::int[], ${lineAccount}::bigint[], ${lineAmount}::bigint[], ${lineAfter}::bigint[])
      with ordinality as x(e, a, m, b, n)
    order by x.n`;
  const changed = [...running.entries()].filter(([key, v]) => BigInt(accounts.get(key)!.balance!) !== v);
  if (changed.length > 0) {
    await tx`
      update ledger_accounts a set balance_fen = v.balance
      from unnest(${changed.map(([key]) => accounts.get(key)!.id)}::bigint[], ${
      changed.map(([, v]) => v.toString())
    }::bigint[]) as v(id, balance)
      where a.id = v.id`;
  }
  const freshId = new Map(fresh.map((i, k) => [i, entryIds[k]]));
  return {
    ok: true,
    entries: entries.map((e, i) =>
      prior.has(e.idempotencyKey)
        ? { entryId: prior.get(e.idempotencyKey)!, replayed: true }
        : { entryId: freshId.get(i)!, replayed: false }
    ),
  };
}
