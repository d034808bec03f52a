import assert from "node:assert/strict";
import { dbTest, testDbKind } from "../../helpers/db.ts";
import { insertUser, uniq } from "../../jobs/fixtures.ts";
import { type Db, transaction, type Tx } from "../../../db/tx.ts";
import {
  listUserLines,
  postEntry,
  type PostResult,
  reverseEntry,
  systemAccountBalance,
  userBalances,
} from "../../../domain/ledger/ledger.ts";
import { auditLedger, type LedgerViolation } from "../../../domain/ledger/audit.ts";
import { ledgerAuditReport } from "../../../db/ledger_audit_cli.ts";
import type { Fen } from "../../../domain/money/fen.ts";

function topUp(tx: Tx, userId: string, amountFen: Fen, key = uniq()): Promise<PostResult> {
  return postEntry(tx, {
    businessType: "top_up",
    reference: `test:${key}`,
    idempotencyKey: `test-top-up:${key}`,
    lines: [
      { account: { kind: "custody_clearing" }, amountFen: -amountFen },
      { account: { kind: "user_available", userId }, amountFen },
    ],
  });
}

function freeze(tx: Tx, userId: string, amountFen: Fen, key = uniq()): Promise<PostResult> {
  return postEntry(tx, {
    businessType: "freeze",
    reference: `test:${key}`,
    idempotencyKey: `test-freeze:${key}`,
    lines: [
      { account: { kind: "user_available", userId }, amountFen: -amountFen },
      { account: { kind: "user_frozen", userId }, amountFen },
    ],
  });
}

const inTx = <R>(sql: Db, fn: (tx: Tx) => Promise<R>) => transaction(sql, (tx) => fn(tx));

dbTest("ledger: a top-up and a freeze move balances and write balanced lines", async (sql) => {
  const user = await insertUser(sql);
  const clearingBefore = await systemAccountBalance(sql, "custody_clearing");
  const first = await inTx(sql, (tx) => topUp(tx, user.id, 10_000n));
  assert(first.ok && !first.replayed);
  const second = await inTx(sql, (tx) => freeze(tx, user.id, 2_500n));
  assert(second.ok);
  assert.deepEqual(await userBalances(sql, user.id), {
    availableFen: 7_500n,
    frozenFen: 2_500n,
    rewardFen: 0n,
  });
  assert.deepEqual(await systemAccountBalance(sql, "custody_clearing") - clearingBefore, -10_000n);
  const { rows, total } = await listUserLines(sql, user.id);
  assert.deepEqual(total, 3n);
  assert.deepEqual(rows.map((r) => [r.businessType, r.accountKind, r.amountFen, r.balanceAfterFen]), [
    ["freeze", "user_frozen", 2_500n, 2_500n],
    ["freeze", "user_available", -2_500n, 7_500n],
    ["top_up", "user_available", 10_000n, 10_000n],
  ]);
  const filtered = await listUserLines(sql, user.id, { businessTypes: ["top_up"] });
  assert.deepEqual(filtered.total, 1n);
  assert.deepEqual(await auditLedger(sql, { userIds: [user.id] }), []);
});

dbTest("ledger: insufficient funds writes nothing and says by how much", async (sql) => {
  const user = await insertUser(sql);
  await inTx(sql, (tx) => topUp(tx, user.id, 1_000n));
  const key = uniq();
  const result = await inTx(sql, (tx) => freeze(tx, user.id, 1_001n, key));
  assert.deepEqual(result, {
    ok: false,
    code: "insufficient_funds",
    account: { kind: "user_available", userId: user.id },
    shortFen: 1n,
  });
  const [entry] = await sql`select id from journal_entries where idempotency_key = ${`test-freeze:${key}`}`;
  assert.deepEqual(entry, undefined);
  assert.deepEqual((await userBalances(sql, user.id)).availableFen, 1_000n);
});

dbTest("ledger: the same idempotency key posts once and returns the first entry", async (sql) => {
  const user = await insertUser(sql);
  const key = uniq();
  const first = await inTx(sql, (tx) => topUp(tx, user.id, 500n, key));
  const again = await inTx(sql, (tx) => topUp(tx, user.id, 500n, key));
  assert(first.ok && again.ok);
  assert.deepEqual(again, { ok: true, entryId: first.entryId, replayed: true });
  assert.deepEqual((await userBalances(sql, user.id)).availableFen, 500n);
});

dbTest("ledger: a malformed entry is a programming error (RangeError), never posted", async (sql) => {
  const user = await insertUser(sql);
  const bad = [
    [{ account: { kind: "user_available", userId: user.id }, amountFen: 5n }],
    [
      { account: { kind: "custody_clearing" }, amountFen: -5n },
      { account: { kind: "user_available", userId: user.id }, amountFen: 4n },
    ],
    [
      { account: { kind: "custody_clearing" }, amountFen: 0n },
      { account: { kind: "user_available", userId: user.id }, amountFen: 0n },
    ],
    [
      { account: { kind: "custody_clearing" }, amountFen: -5 as unknown as bigint },
      { account: { kind: "user_available", userId: user.id }, amountFen: 5 as unknown as bigint },
    ],
  ] as const;
  for (const lines of bad) {
    await assert.rejects(
      () =>
        inTx(sql, (tx) =>
          postEntry(tx, {
            businessType: "adjustment",
            reference: "test",
            idempotencyKey: uniq(),
            lines: lines as never,
          })),
      RangeError,
    );
  }
  assert.deepEqual(await userBalances(sql, user.id), { availableFen: 0n, frozenFen: 0n, rewardFen: 0n });
});

dbTest("ledger: reversal negates an entry once; a spent top-up cannot be reversed", async (sql) => {
  const user = await insertUser(sql);
  const top = await inTx(sql, (tx) => topUp(tx, user.id, 3_000n));
  assert(top.ok);
  const frozen = await inTx(sql, (tx) => freeze(tx, user.id, 1_000n));
  assert(frozen.ok);
  // reversing the top-up would take 3,000 from an available balance of 2,000
  const refused = await inTx(sql, (tx) => reverseEntry(tx, { entryId: top.entryId, idempotencyKey: uniq() }));
  assert.deepEqual(refused.ok ? null : refused.code, "insufficient_funds");
  const undone = await inTx(
    sql,
    (tx) => reverseEntry(tx, { entryId: frozen.entryId, idempotencyKey: uniq() }),
  );
  assert(undone.ok && !undone.replayed);
  assert.deepEqual(await userBalances(sql, user.id), { availableFen: 3_000n, frozenFen: 0n, rewardFen: 0n });
  const twice = await inTx(
    sql,
    (tx) => reverseEntry(tx, { entryId: frozen.entryId, idempotencyKey: uniq() }),
  );
  assert.deepEqual(twice, { ok: false, code: "already_reversed" });
  const missing = await inTx(
    sql,
    (tx) => reverseEntry(tx, { entryId: "999999999999", idempotencyKey: uniq() }),
  );
  assert.deepEqual(missing, { ok: false, code: "not_found" });
  assert.deepEqual(await auditLedger(sql, { userIds: [user.id] }), []);
});

dbTest("ledger: journal entries and lines cannot be updated or deleted", async (sql) => {
  const user = await insertUser(sql);
  const top = await inTx(sql, (tx) => topUp(tx, user.id, 100n));
  assert(top.ok);
  await assert.rejects(() => sql`update journal_lines set amount_fen = 1000 where entry_id = ${top.entryId}`);
  await assert.rejects(() => sql`delete from journal_lines where entry_id = ${top.entryId}`);
  await assert.rejects(() => sql`update journal_entries set memo = 'x' where id = ${top.entryId}`);
  await assert.rejects(() => sql`delete from journal_entries where id = ${top.entryId}`);
});

dbTest(
  "ledger: the audit finds a balance row that disagrees with its lines (and a negative one)",
  async (sql) => {
    const user = await insertUser(sql);
    await inTx(sql, (tx) => topUp(tx, user.id, 700n));
    const found = await transaction<LedgerViolation[]>(sql, async (tx, rollback) => {
      await tx`update ledger_accounts set balance_fen = 650 where owner_user_id = ${user.id}
      and kind = 'user_available'`;
      return rollback(await auditLedger(tx, { userIds: [user.id] }));
    });
    assert.deepEqual(found.map((v) => v.code), ["balance_mismatch"]);
    const report = await transaction<{ exitCode: number; lines: string[] }>(sql, async (tx, rollback) => {
      await tx`update ledger_accounts set balance_fen = 1 where owner_user_id = ${user.id}
      and kind = 'user_available'`;
      return rollback(await ledgerAuditReport(tx));
    });
    assert.deepEqual(report.exitCode, 1);
    assert(report.lines.some((l) => l.includes("余额 1 分，分录合计 700 分")), report.lines.join("\n"));
  },
);

dbTest(
  "ledger (postgres): 50 concurrent freezes of 100 from a balance of 1,000 — exactly 10 succeed",
  async (sql) => {
    const user = await insertUser(sql);
    await inTx(sql, (tx) => topUp(tx, user.id, 1_000n));
    const results = await Promise.all(
      Array.from({ length: 50 }, () => inTx(sql, (tx) => freeze(tx, user.id, 100n))),
    );
    assert.deepEqual(results.filter((r) => r.ok).length, 10);
    assert.deepEqual(results.filter((r) => !r.ok).length, 40);
    assert.deepEqual(await userBalances(sql, user.id), {
      availableFen: 0n,
      frozenFen: 1_000n,
      rewardFen: 0n,
    });
    assert.deepEqual(await auditLedger(sql, { userIds: [user.id] }), []);
  },
  { ignore: testDbKind !== "postgres" },
);

dbTest(
  "ledger (postgres): 50 concurrent posts with one idempotency key post once",
  async (sql) => {
    const user = await insertUser(sql);
    const key = uniq();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => inTx(sql, (tx) => topUp(tx, user.id, 250n, key))),
    );
    assert(results.every((r) => r.ok));
    const ids = new Set(results.map((r) => r.ok ? r.entryId : ""));
    assert.deepEqual(ids.size, 1);
    assert.deepEqual(results.filter((r) => r.ok && !r.replayed).length, 1);
    assert.deepEqual((await userBalances(sql, user.id)).availableFen, 250n);
  },
  { ignore: testDbKind !== "postgres" },
);

dbTest(
  "ledger (postgres): transfers in both directions between two users never deadlock",
  async (sql) => {
    const a = await insertUser(sql);
    const b = await insertUser(sql);
    await inTx(sql, (tx) => topUp(tx, a.id, 5_000n));
    await inTx(sql, (tx) => topUp(tx, b.id, 5_000n));
    const transfer = (from: string, to: string) =>
      inTx(sql, (tx) =>
        postEntry(tx, {
          businessType: "transfer",
          reference: "test",
          idempotencyKey: uniq(),
          lines: [
            { account: { kind: "user_available", userId: from }, amountFen: -10n },
            { account: { kind: "user_available", userId: to }, amountFen: 10n },
          ],
        }));
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => i % 2 ? transfer(a.id, b.id) : transfer(b.id, a.id)),
    );
    assert(results.every((r) => r.ok));
    assert.deepEqual((await userBalances(sql, a.id)).availableFen, 5_000n);
    assert.deepEqual((await userBalances(sql, b.id)).availableFen, 5_000n);
  },
  { ignore: testDbKind !== "postgres" },
);
