/**
 * The ledger against a reference model: LEDGER_PROPERTY_RUNS (default 10,000) short random sequences of
 * top-up, freeze, unfreeze, withdrawal, reward and reversal on the real database. After each step the
 * outcome (posted / insufficient funds / already reversed) must be the model's; after each sequence the
 * balances must be the model's and the audit (scoped to the sequence's users and entries) must be clean.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { dbTest, testDbKind } from "../../helpers/db.ts";
import { insertUser } from "../../jobs/fixtures.ts";
import { type Db, transaction } from "../../../db/tx.ts";
import { type AccountRef, postEntry, reverseEntry, userBalances } from "../../../domain/ledger/ledger.ts";
import { accountKey } from "../../../domain/ledger/accounts.ts";
import { auditLedger } from "../../../domain/ledger/audit.ts";

/**
 * Sequences per run: LEDGER_PROPERTY_RUNS, default 10,000 on Postgres (8 lanes in parallel) and 1,000 on
 * the embedded database (one connection, so one lane: 10,000 there take about 7 minutes).
 */
const RUNS = Number(Deno.env.get("LEDGER_PROPERTY_RUNS") ?? (testDbKind === "postgres" ? "10000" : "1000"));
/** Concurrent lanes on Postgres (each with its own users and model). */
const POSTGRES_LANES = 8;
/** Users the sequences share (two per sequence): enough that no account collects a huge history. */
const POOL_SIZE = 64;

type Op =
  | { t: "top_up" | "freeze" | "unfreeze" | "withdrawal" | "reward"; u: number; amountFen: bigint }
  | { t: "reversal"; pick: number };

const amount = fc.bigInt({ min: 1n, max: 50_000n });
const userIdx = fc.integer({ min: 0, max: 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant("top_up" as const), u: userIdx, amountFen: amount }),
  fc.record({ t: fc.constant("freeze" as const), u: userIdx, amountFen: amount }),
  fc.record({ t: fc.constant("unfreeze" as const), u: userIdx, amountFen: amount }),
  fc.record({ t: fc.constant("withdrawal" as const), u: userIdx, amountFen: amount }),
  fc.record({ t: fc.constant("reward" as const), u: userIdx, amountFen: amount }),
  fc.record({ t: fc.constant("reversal" as const), pick: fc.nat(1000) }),
);

/** The lines of a business op for user `userId` (same shapes the payment commands post). */
function linesOf(
  op: Exclude<Op, { t: "reversal" }>,
  userId: string,
): { account: AccountRef; amountFen: bigint }[] {
  const x = op.amountFen;
  const available: AccountRef = { kind: "user_available", userId };
  const frozen: AccountRef = { kind: "user_frozen", userId };
  switch (op.t) {
    case "top_up":
      return [{ account: { kind: "custody_clearing" }, amountFen: -x }, { account: available, amountFen: x }];
    case "freeze":
      return [{ account: available, amountFen: -x }, { account: frozen, amountFen: x }];
    case "unfreeze":
      return [{ account: frozen, amountFen: -x }, { account: available, amountFen: x }];
    case "withdrawal":
      return [{ account: frozen, amountFen: -x }, { account: { kind: "custody_clearing" }, amountFen: x }];
    case "reward":
      return [
        { account: { kind: "platform_marketing_expense" }, amountFen: -x },
        { account: { kind: "user_reward", userId }, amountFen: x },
      ];
  }
}

const BUSINESS = {
  top_up: "top_up",
  freeze: "freeze",
  unfreeze: "unfreeze",
  withdrawal: "withdrawal_settle",
  reward: "referral_reward",
} as const;

interface ModelEntry {
  id: string;
  lines: { account: AccountRef; amountFen: bigint }[];
  reversed: boolean;
}

/** The reference model: balances of user accounts and the entries posted so far. */
class Model {
  balances = new Map<string, bigint>();
  entries: ModelEntry[] = [];
  /** Whether posting `lines` keeps every user account at or above zero. */
  fits(lines: { account: AccountRef; amountFen: bigint }[]): boolean {
    const next = new Map<string, bigint>();
    for (const l of lines) {
      if (!("userId" in l.account)) continue;
      const key = accountKey(l.account);
      const v = (next.get(key) ?? this.balances.get(key) ?? 0n) + l.amountFen;
      next.set(key, v);
      if (v < 0n) return false;
    }
    return true;
  }
  apply(lines: { account: AccountRef; amountFen: bigint }[]): void {
    for (const l of lines) {
      if (!("userId" in l.account)) continue;
      const key = accountKey(l.account);
      this.balances.set(key, (this.balances.get(key) ?? 0n) + l.amountFen);
    }
  }
  balanceOf(userId: string, kind: "user_available" | "user_frozen" | "user_reward"): bigint {
    return this.balances.get(accountKey({ kind, userId })) ?? 0n;
  }
}

async function runSequence(sql: Db, model: Model, users: [string, string], ops: Op[], seq: number) {
  const [mark] = await sql<{ id: string }[]>`select coalesce(max(id), 0) as id from journal_entries`;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const key = `prop:${crypto.randomUUID()}`;
    if (op.t === "reversal") {
      const target = model.entries.length ? model.entries[op.pick % model.entries.length] : null;
      if (!target) continue;
      const negated = target.lines.map((l) => ({ account: l.account, amountFen: -l.amountFen }));
      const expected = target.reversed
        ? "already_reversed"
        : model.fits(negated)
        ? "ok"
        : "insufficient_funds";
      const result = await transaction(
        sql,
        (tx) => reverseEntry(tx, { entryId: target.id, idempotencyKey: key }),
      );
      assert.equal(result.ok ? "ok" : result.code, expected, `sequence ${seq} step ${i}: reversal`);
      if (result.ok) {
        target.reversed = true;
        model.apply(negated);
        model.entries.push({ id: result.entryId, lines: negated, reversed: false });
      }
      continue;
    }
    const lines = linesOf(op, users[op.u]);
    const expected = model.fits(lines) ? "ok" : "insufficient_funds";
    const result = await transaction(
      sql,
      (tx) =>
        postEntry(tx, { businessType: BUSINESS[op.t], reference: `prop:${seq}`, idempotencyKey: key, lines }),
    );
    assert.equal(result.ok ? "ok" : result.code, expected, `sequence ${seq} step ${i}: ${op.t}`);
    if (result.ok) {
      model.apply(lines);
      model.entries.push({ id: result.entryId, lines, reversed: false });
    }
  }
  for (const userId of users) {
    const actual = await userBalances(sql, userId);
    assert.deepEqual(actual, {
      availableFen: model.balanceOf(userId, "user_available"),
      frozenFen: model.balanceOf(userId, "user_frozen"),
      rewardFen: model.balanceOf(userId, "user_reward"),
    }, `sequence ${seq}: balances of user ${userId}`);
  }
  assert.deepEqual(
    await auditLedger(sql, { userIds: users, sinceEntryId: mark.id }),
    [],
    `sequence ${seq}: audit`,
  );
}

/** Sequences per test (each test has its own watchdog; the pool and the models carry over). */
const CHUNK = 1000;
const LANES = testDbKind === "postgres" ? POSTGRES_LANES : 1;
const SEED = Number(Deno.env.get("LEDGER_PROPERTY_SEED") ?? Date.now() % 2_147_483_647);
const SEQUENCES = fc.sample(
  fc.tuple(fc.nat(), fc.nat(), fc.array(opArb, { minLength: 1, maxLength: 6 })),
  { numRuns: RUNS, seed: SEED },
);
let shared: Promise<{ pool: string[]; models: Model[] }> | null = null;

for (let chunk = 0; chunk * CHUNK < RUNS; chunk++) {
  const first = chunk * CHUNK;
  const last = Math.min(RUNS, first + CHUNK);
  dbTest(
    `ledger property: sequences ${first + 1}–${last} of ${RUNS} agree with the model and the audit`,
    async (sql) => {
      shared ??= (async () => {
        const pool: string[] = [];
        for (let i = 0; i < POOL_SIZE; i++) pool.push((await insertUser(sql)).id);
        return { pool, models: Array.from({ length: LANES }, () => new Model()) };
      })();
      const { pool, models } = await shared;
      const perLane = POOL_SIZE / LANES;
      let done = 0;
      // Each lane owns its users and its model, so lanes run concurrently on a multi-connection database.
      await Promise.all(models.map(async (model, lane) => {
        const users = pool.slice(lane * perLane, (lane + 1) * perLane);
        for (let seq = first + lane; seq < last; seq += LANES) {
          const [a, offset, ops] = SEQUENCES[seq];
          const one = a % perLane;
          const two = (one + 1 + (offset % (perLane - 1))) % perLane;
          try {
            await runSequence(sql, model, [users[one], users[two]], ops, seq);
          } catch (error) {
            throw new Error(
              `ledger property failed (LEDGER_PROPERTY_SEED=${SEED}, sequence ${seq}): ${
                JSON.stringify(ops, (_k, v) => typeof v === "bigint" ? `${v}n` : v)
              }`,
              { cause: error },
            );
          }
          done++;
        }
      }));
      assert.equal(done, last - first);
      assert.deepEqual(await auditLedger(sql, { userIds: pool }), []);
    },
  );
}
