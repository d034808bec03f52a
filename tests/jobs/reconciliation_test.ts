/**
 * Daily reconciliation: a settled top-up reconciles; one the bank executed but we have not yet confirmed
 * is in transit (no difference); a movement booked at the bank only is found (balance and movement); the
 * cron job runs once per day under its lock; the admin alert shows the latest run with differences.
 */
import assert from "node:assert/strict";
import { type Db, transaction } from "../../db/tx.ts";
import type { CustodyCallbackBody } from "../../domain/gateways/custody.ts";
import type { Gateways } from "../../domain/gateways/mod.ts";
import {
  applyCustodyCallback,
  createCustodyInstruction,
  submitCustodyInstruction,
} from "../../domain/payments/custody_instruction.ts";
import {
  compareWithLedger,
  reconciliationAlert,
  runReconciliation,
} from "../../domain/payments/reconciliation.ts";
import { applyPaymentCallback, createTopUpOrder } from "../../domain/payments/top_up.ts";
import { formatShanghaiDate } from "../../domain/shared/shanghai_time.ts";
import { runCronJob } from "../../jobs/cron.ts";
import { previousDay, reconciliationJob } from "../../jobs/reconciliation.ts";
import { dbTest } from "../helpers/db.ts";
import { postEntry, userBalances } from "../../domain/ledger/ledger.ts";
import { seedTopUp } from "../../integrations/sandbox_seed.ts";
import { DEMO_BORROWER_TOP_UP_FEN, DEMO_INVESTOR_TOP_UP_FEN, DEMO_USERS, seed } from "../../db/seed.ts";
import { loadConfig } from "../../config.ts";
import { seededTestApp } from "../helpers/forms.ts";
import { testOutbox } from "../helpers/outbox.ts";
import { queuedCallbacks, topUpUser } from "../domain/payments/custody_fixtures.ts";
import { withDeps } from "./fixtures.ts";

const deps = { outbox: testOutbox };

/** A top-up paid and executed at the bank; the bank's callback applied unless `confirm` is false. */
async function topUp(sql: Db, gateways: Gateways, userId: string, amountFen: bigint, confirm = true) {
  const r = await createTopUpOrder(sql, {
    userId,
    amountFen,
    channel: "wechat",
    idempotencyKey: crypto.randomUUID(),
    tradePasswordVerified: true,
  });
  assert.ok(r.ok);
  const o = r.order;
  await applyPaymentCallback(sql, {
    callbackId: `pcb-${o.orderNo}`,
    merchantOrderNo: o.orderNo,
    channel: o.channel,
    paymentId: `P${o.id}`,
    status: "paid",
    amountFen: o.amountFen.toString(),
    decidedAt: new Date().toISOString(),
  }, deps);
  const [row] = await sql<{ id: string }[]>`
    select custody_instruction_id::text as id from top_up_orders where id = ${o.id}`;
  await submitCustodyInstruction(sql, { custody: gateways.custody, outbox: testOutbox }, row.id);
  if (confirm) {
    const [queued] = await queuedCallbacks<CustodyCallbackBody>(sql, row.id);
    assert.equal((await applyCustodyCallback(sql, queued.body, deps)).ok, true);
  }
  return row.id;
}

function mine<T extends { accountNo: string | null }>(list: T[], accountNo: string): T[] {
  return list.filter((d) => d.accountNo === accountNo);
}

dbTest(
  "reconciliation: settled and in-transit top-ups reconcile; a bank-only movement is a difference",
  (sql) =>
    withDeps(sql, async (jobDeps) => {
      const { gateways } = jobDeps;
      const u = await topUpUser(sql, gateways);
      await topUp(sql, gateways, u.userId, 10_000n);
      const today = formatShanghaiDate(new Date());
      let statement = await gateways.custody.dailyStatement(today);
      let found = await compareWithLedger(sql, statement);
      assert.deepEqual(mine(found.differences, u.accountNo), []);
      assert.ok(statement.movements.some((m) => m.accountNo === u.accountNo && m.amountFen === 10_000n));

      // executed at the bank, callback not applied yet: in transit, not a difference
      const transitId = await topUp(sql, gateways, u.userId, 2_500n, false);
      statement = await gateways.custody.dailyStatement(today);
      found = await compareWithLedger(sql, statement);
      assert.deepEqual(mine(found.differences, u.accountNo), []);
      const [queued] = await queuedCallbacks<CustodyCallbackBody>(sql, transitId);
      await applyCustodyCallback(sql, queued.body, deps);

      // the bank books 1.23 the ledger does not know
      await gateways.custody.sandbox!.injectAdjustment(u.accountNo, 123n);
      const run = await runReconciliation(sql, { custody: gateways.custody }, { date: today });
      assert.ok(run.ok);
      const [stored] = await sql<{ trigger: string; differenceCount: number }[]>`
      select trigger, difference_count as "differenceCount" from reconciliation_runs where id = ${run.runId}`;
      assert.equal(stored.trigger, "cron");
      const diffs = await sql<{ kind: string; differenceFen: bigint; bankFen: bigint; ledgerFen: bigint }[]>`
      select kind, difference_fen as "differenceFen", bank_fen as "bankFen", ledger_fen as "ledgerFen"
      from reconciliation_differences where run_id = ${run.runId} and account_no = ${u.accountNo} order by id`;
      assert.deepEqual(diffs.map((d) => d.kind), ["balance", "unknown_at_bank"]);
      assert.equal(BigInt(diffs[0].differenceFen), 123n);
      assert.equal(BigInt(diffs[0].bankFen), 12_623n);
      assert.equal(BigInt(diffs[0].ledgerFen), 12_500n);
      assert.deepEqual(await reconciliationAlert(sql), {
        runId: run.runId,
        businessDate: today,
        differenceCount: stored.differenceCount,
      });
      await gateways.custody.sandbox!.injectAdjustment(u.accountNo, -123n);
    }),
);

dbTest(
  "reconciliation: a confirmed instruction missing at the bank and a wrong amount are differences",
  (sql) =>
    withDeps(sql, async (jobDeps) => {
      const { gateways } = jobDeps;
      const u = await topUpUser(sql, gateways);
      const id = await topUp(sql, gateways, u.userId, 4_000n);
      const today = formatShanghaiDate(new Date());
      const statement = await gateways.custody.dailyStatement(today);
      // the statement as a bank that lost the movement, or booked another amount, would send it
      const lost = { ...statement, movements: statement.movements.filter((m) => m.instructionId !== id) };
      const missing = (await compareWithLedger(sql, lost)).differences.filter((d) =>
        d.detail.includes(`存管指令 ${id}`)
      );
      assert.equal(missing.length, 1);
      assert.equal(missing[0].kind, "missing_at_bank");
      const changed = {
        ...statement,
        movements: statement.movements.map((m) => (m.instructionId === id ? { ...m, amountFen: 4_001n } : m)),
      };
      const amount = mine((await compareWithLedger(sql, changed)).differences, u.accountNo);
      assert.deepEqual(amount.map((d) => d.kind), ["amount"]);
    }),
);

dbTest(
  "reconciliation cron: reconciles the previous day once per run key, under the cron lock",
  (sql) =>
    withDeps(sql, async (jobDeps) => {
      assert.equal(previousDay("2026-12-01"), "2026-11-30");
      assert.equal(previousDay("2026-01-01"), "2025-12-31");
      const runKey = `2099-01-0${1 + Math.floor(Math.random() * 9)}-${crypto.randomUUID().slice(0, 6)}`.slice(
        0,
        10,
      );
      await sql`delete from job_runs where job = ${reconciliationJob.name} and run_key = ${runKey}`;
      const first = await runCronJob(jobDeps, reconciliationJob, runKey);
      assert.ok(first.ok, JSON.stringify(first));
      assert.equal(first.detail.date, previousDay(runKey));
      const again = await runCronJob(jobDeps, reconciliationJob, runKey);
      assert.deepEqual(again, { ok: false, code: "already_done", runKey });
      const runs = await sql`select 1 from reconciliation_runs where business_date = ${previousDay(runKey)}`;
      assert.equal(runs.length, 1);
    }),
);

dbTest(
  "seedTopUp: the demo seed tops up through order, channel and bank, once per key, and reconciles",
  (sql) =>
    withDeps(sql, async (jobDeps) => {
      const { gateways } = jobDeps;
      const u = await topUpUser(sql, gateways);
      const key = `demo-${u.userId}`;
      const first = await seedTopUp(sql, { gateways, outbox: testOutbox }, {
        userId: u.userId,
        amountFen: 50_000n,
        key,
      });
      const again = await seedTopUp(sql, { gateways, outbox: testOutbox }, {
        userId: u.userId,
        amountFen: 50_000n,
        key,
      });
      assert.equal(again, first);
      assert.equal((await userBalances(sql, u.userId)).availableFen, 50_000n);
      assert.equal((await gateways.custody.sandbox!.account(u.accountNo))?.balanceFen, 50_000n);
      const statement = await gateways.custody.dailyStatement(formatShanghaiDate(new Date()));
      assert.deepEqual(mine((await compareWithLedger(sql, statement)).differences, u.accountNo), []);
    }),
);

dbTest(
  "demo seed: each demo user has topped up through the sandbox bank; seeding again adds nothing",
  async (sql) => {
    const app = await seededTestApp({ lending: true });
    await seed(app.sql, { ...loadConfig({ APP_ENV: "test" }), demo: true });
    const cipher = app.services.pii;
    const gateways = app.services.gateways;
    const statement = await gateways.custody.dailyStatement(formatShanghaiDate(new Date()));
    const differences = (await compareWithLedger(sql, statement)).differences;
    for (const u of DEMO_USERS) {
      const phoneHash = await cipher.hash(u.phone);
      const [row] = await sql<{ id: string; accountNo: string }[]>`
        select u.id::text as id, c.account_no as "accountNo"
        from users u join custody_accounts c on c.user_id = u.id where u.phone_hash = ${phoneHash}`;
      assert.ok(row, u.phone);
      const expected = u.kind === "investor" ? DEMO_INVESTOR_TOP_UP_FEN : DEMO_BORROWER_TOP_UP_FEN;
      const orders = await sql<{ amountFen: bigint }[]>`
        select amount_fen as "amountFen" from top_up_orders where user_id = ${row.id} and status = 'succeeded'`;
      assert.deepEqual(orders.map((o) => BigInt(o.amountFen)), [expected], u.phone);
      // the bank holds what the ledger says the user has
      assert.deepEqual(mine(differences, row.accountNo), [], u.phone);
      // (the lending demo moved money between them: the bank holds exactly their available + frozen)
      const booked = await userBalances(sql, row.id);
      assert.equal(
        (await gateways.custody.sandbox!.account(row.accountNo))?.balanceFen,
        booked.availableFen + booked.frozenFen,
        u.phone,
      );
    }
  },
);

dbTest(
  "reconciliation: a transfer booked in the ledger is in transit until the bank executes it",
  (sql) =>
    withDeps(sql, async (jobDeps) => {
      const { gateways } = jobDeps;
      const a = await topUpUser(sql, gateways);
      const b = await topUpUser(sql, gateways);
      await seedTopUp(sql, { gateways, outbox: testOutbox }, {
        userId: a.userId,
        amountFen: 10_000n,
        key: `t-${a.userId}`,
      });
      // a command moving 30.00 from a to b: the ledger entry and the bank instruction in one transaction
      const instructionId = await transaction(sql, async (tx) => {
        const posted = await postEntry(tx, {
          businessType: "transfer",
          reference: `test_transfer:${a.userId}`,
          idempotencyKey: `test_transfer:${a.userId}`,
          lines: [
            { account: { kind: "user_available", userId: a.userId }, amountFen: -3_000n },
            { account: { kind: "user_available", userId: b.userId }, amountFen: 3_000n },
          ],
        });
        assert.ok(posted.ok);
        const created = await createCustodyInstruction(tx, {
          kind: "transfer",
          userId: a.userId,
          counterpartyUserId: b.userId,
          amountFen: 3_000n,
          reference: `test_transfer:${a.userId}`,
        }, { outbox: testOutbox });
        assert.ok(created.ok);
        return created.instructionId;
      });
      const today = formatShanghaiDate(new Date());
      const differencesOf = async () => {
        const found = await compareWithLedger(sql, await gateways.custody.dailyStatement(today));
        return [...mine(found.differences, a.accountNo), ...mine(found.differences, b.accountNo)];
      };
      assert.deepEqual(await differencesOf(), [], "sent, not yet at the bank: in transit");
      await submitCustodyInstruction(sql, { custody: gateways.custody, outbox: testOutbox }, instructionId);
      assert.equal((await gateways.custody.sandbox!.account(b.accountNo))?.balanceFen, 3_000n);
      assert.deepEqual(await differencesOf(), [], "executed at the bank");
      const [queued] = await queuedCallbacks<CustodyCallbackBody>(sql, instructionId);
      assert.deepEqual(await applyCustodyCallback(sql, queued.body, deps), { ok: true, outcome: "applied" });
      assert.deepEqual(await differencesOf(), [], "confirmed");
    }),
);
