/**
 * postEntryBatch against postEntry: random batches of transfers among a few users, posted once with the
 * batch and once entry by entry (with the same keys' outcomes) on twin users, must give the same balances,
 * the same lines' balances after, the same refusals and the same replays; the audit stays clean.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { dbTest } from "../../helpers/db.ts";
import { insertUser } from "../../jobs/fixtures.ts";
import { type Db, transaction } from "../../../db/tx.ts";
import { type JournalEntryInput, postEntry, userBalances } from "../../../domain/ledger/ledger.ts";
import { postEntryBatch } from "../../../domain/ledger/batch.ts";
import { auditLedger } from "../../../domain/ledger/audit.ts";

async function users(sql: Db, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(String((await insertUser(sql)).id));
  return out;
}

type Op = { from: number; to: number; amount: bigint; fee: bigint };

function entriesFor(ids: string[], ops: Op[], tag: string): JournalEntryInput[] {
  const out: JournalEntryInput[] = [
    {
      businessType: "top_up",
      reference: "t",
      idempotencyKey: `${tag}:seed`,
      lines: [
        { account: { kind: "custody_clearing" }, amountFen: -3000n },
        ...ids.map((userId) => ({ account: { kind: "user_available" as const, userId }, amountFen: 1000n })),
      ],
    },
  ];
  for (const [k, op] of ops.entries()) {
    if (op.from === op.to) continue;
    const lines: JournalEntryInput["lines"][number][] = [
      { account: { kind: "user_available", userId: ids[op.from] }, amountFen: -(op.amount + op.fee) },
      { account: { kind: "user_available", userId: ids[op.to] }, amountFen: op.amount },
    ];
    if (op.fee > 0n) lines.push({ account: { kind: "platform_fee_income" }, amountFen: op.fee });
    out.push({ businessType: "repayment", reference: "t", idempotencyKey: `${tag}:${k}`, lines });
  }
  return out;
}

dbTest(
  "postEntryBatch posts what postEntry posts, refuses what it refuses, replays what it replays",
  async (sql) => {
    const op = fc.record({
      from: fc.integer({ min: 0, max: 2 }),
      to: fc.integer({ min: 0, max: 2 }),
      amount: fc.bigInt({ min: 1n, max: 600n }),
      fee: fc.bigInt({ min: 0n, max: 50n }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const a = await users(sql, 3);
        const b = await users(sql, 3);
        const tagA = crypto.randomUUID();
        const tagB = crypto.randomUUID();
        // the reference: entry by entry; the model refuses the whole batch when any entry is refused
        const single = await transaction(sql, async (tx, rollback) => {
          for (const e of entriesFor(a, ops, tagA)) {
            const r = await postEntry(tx, e);
            if (!r.ok) return rollback(false);
          }
          return true;
        });
        const batch = await transaction(sql, async (tx, rollback) => {
          const r = await postEntryBatch(tx, entriesFor(b, ops, tagB));
          return r.ok ? true : rollback(false);
        });
        assert.equal(batch, single);
        for (let i = 0; i < 3; i++) {
          assert.deepEqual(await userBalances(sql, b[i]), await userBalances(sql, a[i]));
        }
        if (batch) {
          // a repeat is a replay of every entry and writes nothing
          const again = await transaction(sql, (tx) => postEntryBatch(tx, entriesFor(b, ops, tagB)));
          assert.ok(again.ok && again.entries.every((e) => e.replayed));
          const after = async (ids: string[]) =>
            (await sql<{ b: bigint | null }[]>`
            select l.balance_after_fen as b from journal_lines l join ledger_accounts x on x.id = l.account_id
            where x.owner_user_id = any(${ids}::bigint[]) order by l.id`).map((r) => r.b);
          assert.deepEqual(await after(b), await after(a));
        }
        assert.deepEqual(await auditLedger(sql, { userIds: [...a, ...b] }), []);
      }),
      { numRuns: 25 },
    );
  },
);
