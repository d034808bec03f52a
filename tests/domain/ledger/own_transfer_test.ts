import assert from "node:assert/strict";
import { dbTest } from "../../helpers/db.ts";
import { insertUser, uniq } from "../../jobs/fixtures.ts";
import { type Db, transaction, type Tx } from "../../../db/tx.ts";
import { postEntry, userBalances } from "../../../domain/ledger/ledger.ts";
import { type OwnTransfer, ownTransferCtes } from "../../../domain/ledger/own_transfer.ts";
import type { Fen } from "../../../domain/money/fen.ts";

/** A user with `availableFen` topped up and an empty frozen account (as placeBid finds an investor). */
async function fundedUser(sql: Db, availableFen: Fen): Promise<string> {
  const user = await insertUser(sql);
  await transaction(sql, async (tx) => {
    const key = uniq();
    const posted = await postEntry(tx, {
      businessType: "top_up",
      reference: `test:${key}`,
      idempotencyKey: `test-top-up:${key}`,
      lines: [
        { account: { kind: "custody_clearing" }, amountFen: -availableFen },
        { account: { kind: "user_available", userId: user.id }, amountFen: availableFen },
      ],
    });
    assert.ok(posted.ok);
    await tx`insert into ledger_accounts (kind, owner_user_id, balance_fen) values ('user_frozen', ${user.id}, 0)`;
  });
  return user.id;
}

/** Run the fragment alone in a transaction; roll back (as its callers do) when fewer than 2 rows moved. */
function transfer(sql: Db, t: OwnTransfer): Promise<{ moved: number; entryId: string | null }> {
  return transaction(sql, async (tx: Tx, rollback) => {
    const [row] = await tx<{ moved: bigint; entryId: string | null }[]>`
      with ${ownTransferCtes(tx, t)}
      select (select count(*) from ledger_moved) as moved, (select id from ledger_entry) as "entryId"`;
    const out = { moved: Number(row.moved), entryId: row.entryId === null ? null : String(row.entryId) };
    return out.moved === 2 ? out : rollback(out);
  });
}

/** An entry as the ledger stores it: business type, reference, memo and its lines in order. */
async function entryAsStored(sql: Db, entryId: string) {
  const [entry] = await sql`select business_type, reference, memo from journal_entries where id = ${entryId}`;
  const lines = await sql<{ kind: string; amount: Fen; after: Fen | null }[]>`
    select a.kind, l.amount_fen as amount, l.balance_after_fen as after
    from journal_lines l join ledger_accounts a on a.id = l.account_id where l.entry_id = ${entryId} order by l.id`;
  return { ...entry, lines: lines.map((l) => [l.kind, l.amount, l.after]) };
}

/** A bid freeze of `amountFen` for `userId` (available → frozen), as placeBid moves it. */
function bidFreeze(userId: string, amountFen: Fen, key: string, memo: string | null): OwnTransfer {
  return {
    userId,
    fromKind: "user_available",
    toKind: "user_frozen",
    amountFen,
    businessType: "bid_freeze",
    reference: `test:${key}`,
    idempotencyKey: `test-own:${key}`,
    memo,
  };
}

dbTest("own transfer: posts what postEntry posts for the same two lines", async (sql) => {
  const a = await fundedUser(sql, 10_000n);
  const b = await fundedUser(sql, 10_000n);
  const key = uniq();
  const viaFragment = await transfer(sql, bidFreeze(a, 2_500n, key, "投标冻结"));
  assert.equal(viaFragment.moved, 2);
  const viaPostEntry = await transaction(sql, (tx) =>
    postEntry(tx, {
      businessType: "bid_freeze",
      reference: `test:${key}`,
      idempotencyKey: `test-own-b:${key}`,
      memo: "投标冻结",
      lines: [
        { account: { kind: "user_available", userId: b }, amountFen: -2_500n },
        { account: { kind: "user_frozen", userId: b }, amountFen: 2_500n },
      ],
    }));
  assert.ok(viaPostEntry.ok);
  assert.deepEqual(
    await entryAsStored(sql, viaFragment.entryId!),
    await entryAsStored(sql, viaPostEntry.entryId),
  );
  assert.deepEqual((await entryAsStored(sql, viaFragment.entryId!)).lines, [
    ["user_available", -2_500n, 7_500n],
    ["user_frozen", 2_500n, 2_500n],
  ]);
  assert.deepEqual(await userBalances(sql, a), await userBalances(sql, b));
});

dbTest("own transfer: a short balance moves nothing once the caller rolls back", async (sql) => {
  const a = await fundedUser(sql, 1_000n);
  const key = uniq();
  const out = await transfer(sql, bidFreeze(a, 1_001n, key, null));
  assert.equal(out.moved, 1, "only the frozen row could move: the caller must roll back");
  assert.equal(out.entryId, null, "no entry without both rows");
  assert.deepEqual(await userBalances(sql, a), { availableFen: 1_000n, frozenFen: 0n, rewardFen: 0n });
  const [{ n }] = await sql<{ n: bigint }[]>`
    select count(*) as n from journal_entries where idempotency_key = ${`test-own:${key}`}`;
  assert.equal(n, 0n);
});

Deno.test("own transfer: a non-positive amount or one account twice is a programming error", () => {
  const t = bidFreeze("1", 0n, "x", null);
  const tx = (() => {}) as unknown as Tx;
  assert.throws(() => ownTransferCtes(tx, t), RangeError);
  assert.throws(() => ownTransferCtes(tx, { ...t, amountFen: 1n, toKind: "user_available" }), RangeError);
});
