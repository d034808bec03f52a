/**
 * Top-up orders: amount parsing, the refusals (identity, custody account, frozen user, daily limit), the
 * idempotency key, expiry, the payment and bank confirmations applied once in the documented order, and
 * 50 concurrent identical requests and callbacks on real Postgres.
 */
import assert from "node:assert/strict";
import { type Db, transaction } from "../../../db/tx.ts";
import { userBalances } from "../../../domain/ledger/ledger.ts";
import {
  applyCustodyCallback,
  submitCustodyInstruction,
} from "../../../domain/payments/custody_instruction.ts";
import {
  applyPaymentCallback,
  createTopUpOrder,
  expireTopUpOrders,
  getTopUpOrder,
  parseTopUpAmount,
  TOP_UP_DAILY_MAX_FEN,
  type TopUpOrder,
} from "../../../domain/payments/top_up.ts";
import type { CustodyCallbackBody } from "../../../domain/gateways/custody.ts";
import { testApp } from "../../helpers/app.ts";
import { dbTest, testDbKind } from "../../helpers/db.ts";
import { createUser } from "../../helpers/forms.ts";
import { testOutbox } from "../../helpers/outbox.ts";
import { queuedCallbacks, topUpUser } from "./custody_fixtures.ts";

const deps = { outbox: testOutbox };

Deno.test("top-up amount: two decimals at most, positive, at least 1.00, at most the daily maximum", () => {
  assert.deepEqual(parseTopUpAmount("100"), { ok: true, amountFen: 10_000n });
  assert.deepEqual(parseTopUpAmount(" 1.5 "), { ok: true, amountFen: 150n });
  assert.deepEqual(parseTopUpAmount("1.00"), { ok: true, amountFen: 100n });
  assert.deepEqual(parseTopUpAmount(""), { ok: false, code: "amount_required" });
  assert.deepEqual(parseTopUpAmount("1.001"), { ok: false, code: "amount_invalid" });
  assert.deepEqual(parseTopUpAmount("abc"), { ok: false, code: "amount_invalid" });
  assert.deepEqual(parseTopUpAmount("0"), { ok: false, code: "amount_not_positive" });
  assert.deepEqual(parseTopUpAmount("0.00"), { ok: false, code: "amount_not_positive" });
  assert.deepEqual(parseTopUpAmount("-5"), { ok: false, code: "amount_not_positive" });
  assert.deepEqual(parseTopUpAmount("0.99"), { ok: false, code: "amount_too_small" });
  assert.deepEqual(parseTopUpAmount("500000.01"), { ok: false, code: "daily_limit" });
});

async function order(sql: Db, userId: string, amountFen: bigint, key = crypto.randomUUID(), now?: Date) {
  return await createTopUpOrder(sql, {
    userId,
    amountFen,
    channel: "quick_pay",
    idempotencyKey: key,
    tradePasswordVerified: true,
  }, { now });
}

function paidBody(o: TopUpOrder, callbackId = `pcb-${o.orderNo}`) {
  return {
    callbackId,
    merchantOrderNo: o.orderNo,
    channel: o.channel,
    paymentId: `P${o.id}`,
    status: "paid" as const,
    amountFen: o.amountFen.toString(),
    decidedAt: new Date().toISOString(),
  };
}

/** The order's instruction submitted to the sandbox bank; answers the bank's queued callback body. */
async function bankConfirms(sql: Db, orderId: string): Promise<CustodyCallbackBody> {
  const app = await testApp();
  const [row] = await sql<{ id: string }[]>`
    select custody_instruction_id::text as id from top_up_orders where id = ${orderId}`;
  const submitted = await submitCustodyInstruction(sql, {
    custody: app.services.gateways.custody,
    outbox: testOutbox,
  }, row.id);
  assert.deepEqual(submitted, { ok: true });
  const [queued] = await queuedCallbacks<CustodyCallbackBody>(sql, row.id);
  return queued.body;
}

dbTest(
  "top-up: refused without verified identity, without an open custody account, or for a frozen user",
  async (sql) => {
    const plain = await createUser(sql);
    assert.deepEqual(await order(sql, plain.userId, 1000n), { ok: false, code: "identity_required" });
    const app = await testApp();
    const ready = await topUpUser(sql, app.services.gateways);
    await sql`update custody_accounts set status = 'opening', account_no = null, opened_at = null where user_id = ${ready.userId}`;
    assert.deepEqual(await order(sql, ready.userId, 1000n), { ok: false, code: "no_custody_account" });
    await sql`update custody_accounts set status = 'open', account_no = ${ready.accountNo}, opened_at = now() where user_id = ${ready.userId}`;
    await sql`update users set status = 'frozen' where id = ${ready.userId}`;
    assert.deepEqual(await order(sql, ready.userId, 1000n), { ok: false, code: "account_frozen" });
    await sql`update users set status = 'active' where id = ${ready.userId}`;
    assert.equal((await order(sql, ready.userId, 1000n)).ok, true);
    const unverified = await createTopUpOrder(sql, {
      userId: ready.userId,
      amountFen: 1000n,
      channel: "alipay",
      idempotencyKey: crypto.randomUUID(),
      tradePasswordVerified: false,
    });
    assert.deepEqual(unverified, { ok: false, code: "trade_password_required" });
    const none = await sql`select 1 from top_up_orders where user_id = ${plain.userId}`;
    assert.equal(none.length, 0);
  },
);

dbTest(
  "top-up: one idempotency key makes one order; the daily maximum counts open and paid orders",
  async (sql) => {
    const app = await testApp();
    const u = await topUpUser(sql, app.services.gateways);
    const key = crypto.randomUUID();
    const first = await order(sql, u.userId, 20_000_000n, key);
    const again = await order(sql, u.userId, 20_000_000n, key);
    assert.ok(first.ok && again.ok);
    assert.equal(again.order.id, first.order.id);
    assert.equal(again.replayed, true);
    assert.equal((await order(sql, u.userId, 20_000_000n)).ok, true);
    // 40 万 open today: another 10 万 + 1 fen is above 50 万
    assert.deepEqual(await order(sql, u.userId, TOP_UP_DAILY_MAX_FEN - 40_000_000n + 1n), {
      ok: false,
      code: "daily_limit",
    });
    assert.equal((await order(sql, u.userId, TOP_UP_DAILY_MAX_FEN - 40_000_000n)).ok, true);
  },
);

dbTest("top-up: an unpaid order reads expired after 30 minutes and the sweep marks it", async (sql) => {
  const app = await testApp();
  const u = await topUpUser(sql, app.services.gateways);
  const past = new Date(Date.now() - 31 * 60_000);
  const r = await order(sql, u.userId, 500n, crypto.randomUUID(), past);
  assert.ok(r.ok);
  assert.equal((await getTopUpOrder(sql, u.userId, r.order.id))?.status, "expired");
  assert.ok(await expireTopUpOrders(sql) >= 1);
  const [row] = await sql<{ status: string }[]>`select status from top_up_orders where id = ${r.order.id}`;
  assert.equal(row.status, "expired");
  // a payment confirmed after the expiry is still honoured (the user paid)
  assert.deepEqual(await applyPaymentCallback(sql, paidBody(r.order), deps), {
    ok: true,
    outcome: "applied",
  });
  const body = await bankConfirms(sql, r.order.id);
  assert.deepEqual(await applyCustodyCallback(sql, body, deps), { ok: true, outcome: "applied" });
  assert.equal((await getTopUpOrder(sql, u.userId, r.order.id))?.status, "succeeded");
  assert.equal((await userBalances(sql, u.userId)).availableFen, 500n);
});

dbTest(
  "top-up: the ledger is credited only when the bank confirms; each callback applies once",
  async (sql) => {
    const app = await testApp();
    const u = await topUpUser(sql, app.services.gateways);
    const r = await order(sql, u.userId, 8_800n);
    assert.ok(r.ok);
    assert.deepEqual(await applyPaymentCallback(sql, paidBody(r.order), deps), {
      ok: true,
      outcome: "applied",
    });
    assert.deepEqual(await applyPaymentCallback(sql, paidBody(r.order), deps), {
      ok: true,
      outcome: "duplicate",
    });
    assert.deepEqual(await applyPaymentCallback(sql, paidBody(r.order, "pcb-other"), deps), {
      ok: true,
      outcome: "already_final",
    });
    assert.equal((await getTopUpOrder(sql, u.userId, r.order.id))?.status, "paid");
    assert.equal((await userBalances(sql, u.userId)).availableFen, 0n);
    const body = await bankConfirms(sql, r.order.id);
    assert.equal(body.status, "succeeded");
    assert.deepEqual(await applyCustodyCallback(sql, body, deps), { ok: true, outcome: "applied" });
    assert.deepEqual(await applyCustodyCallback(sql, body, deps), { ok: true, outcome: "duplicate" });
    assert.deepEqual(await applyCustodyCallback(sql, { ...body, callbackId: "cb-other" }, deps), {
      ok: true,
      outcome: "already_settled",
    });
    assert.deepEqual(await applyCustodyCallback(sql, { ...body, callbackId: "cb-x", amountFen: "1" }, deps), {
      ok: false,
      code: "mismatch",
    });
    assert.equal((await userBalances(sql, u.userId)).availableFen, 8_800n);
    const entries = await sql`select 1 from journal_entries where reference = ${
      "top_up_order:" + r.order.id
    }`;
    assert.equal(entries.length, 1);
    // submitting the instruction again executes nothing twice at the bank
    const [row] = await sql<
      { id: string }[]
    >`select custody_instruction_id::text as id from top_up_orders where id = ${r.order.id}`;
    await transaction(sql, async (tx) => {
      await tx`update custody_instructions set status = 'submitted' where id = ${row.id}`;
    });
    await submitCustodyInstruction(
      sql,
      { custody: app.services.gateways.custody, outbox: testOutbox },
      row.id,
    );
    assert.equal((await app.services.gateways.custody.sandbox!.account(u.accountNo))?.balanceFen, 8_800n);
  },
);

dbTest(
  "top-up (postgres): 50 concurrent identical requests and 50 copies of each callback credit once",
  async (sql) => {
    const app = await testApp();
    const u = await topUpUser(sql, app.services.gateways);
    const key = crypto.randomUUID();
    const results = await Promise.all(Array.from({ length: 50 }, () => order(sql, u.userId, 4_200n, key)));
    const ids = new Set(results.map((r) => (r.ok ? r.order.id : r.code)));
    assert.equal(ids.size, 1, "one order");
    assert.equal(results.filter((r) => r.ok && !r.replayed).length, 1);
    const first = results[0];
    assert.ok(first.ok);
    const paid = await Promise.all(
      Array.from({ length: 50 }, () => applyPaymentCallback(sql, paidBody(first.order), deps)),
    );
    assert.equal(paid.filter((p) => p.ok && p.outcome === "applied").length, 1);
    const [row] = await sql<{ id: string }[]>`
      select custody_instruction_id::text as id from top_up_orders where id = ${first.order.id}`;
    const submits = await Promise.all(
      Array.from(
        { length: 10 },
        () =>
          submitCustodyInstruction(
            sql,
            { custody: app.services.gateways.custody, outbox: testOutbox },
            row.id,
          ),
      ),
    );
    assert.ok(submits.every((s) => s.ok));
    assert.equal((await app.services.gateways.custody.sandbox!.account(u.accountNo))?.balanceFen, 4_200n);
    const [queued] = await queuedCallbacks<CustodyCallbackBody>(sql, row.id);
    const applied = await Promise.all(
      Array.from({ length: 50 }, () => applyCustodyCallback(sql, queued.body, deps)),
    );
    assert.equal(applied.filter((a) => a.ok && a.outcome === "applied").length, 1);
    assert.equal((await userBalances(sql, u.userId)).availableFen, 4_200n);
    const entries = await sql`select 1 from journal_entries where reference = ${
      "top_up_order:" + first.order.id
    }`;
    assert.equal(entries.length, 1);
  },
  { ignore: testDbKind !== "postgres" },
);

dbTest(
  "sandbox bank and channels: 测试连接 pings answer ok; the card check follows the documented test cards",
  async () => {
    const { custody, payments } = (await testApp()).services.gateways;
    assert.equal((await custody.ping!()).ok, true);
    assert.equal((await payments.ping!()).ok, true);
    const base = { realName: "张三", idNumber: "110105199003070113" };
    const check = (cardNumber: string, reservedPhone = "13912345678") =>
      custody.verifyCard({ ...base, cardNumber, reservedPhone });
    assert.deepEqual(await check("6222021000000000017"), { ok: true });
    assert.equal((await check("6222021000000000018")).ok, false); // Luhn
    const codes = async (card: string, phone?: string) => {
      const r = await check(card, phone);
      return r.ok ? "ok" : r.code;
    };
    assert.equal(await codes("6222021000000000017", "13912340000"), "mismatch");
    assert.equal(await codes("4111111111111111"), "unsupported_bank");
    assert.equal(await codes("6222020000000049999"), "unavailable");
  },
);

dbTest(
  "top-up fee: the rule in force when ordering is kept; amount − fee is credited and lands at the bank",
  async (sql) => {
    const app = await testApp();
    const u = await topUpUser(sql, app.services.gateways);
    // a rule far in the future, so no other test sees it; the order is made "then"
    const from = new Date(Date.UTC(2090, 0, 1, 0, Math.floor(Math.random() * 500_000)));
    await sql`insert into fee_rules (business_type, kind, fixed_fen, effective_from, note)
            values ('top_up', 'fixed', 150, ${from}, 'test')`;
    const at = new Date(from.getTime() + 60_000);
    const tooSmall = await order(sql, u.userId, 150n, crypto.randomUUID(), at);
    assert.deepEqual(tooSmall, { ok: false, code: "fee_exceeds_amount" });
    const r = await order(sql, u.userId, 10_000n, crypto.randomUUID(), at);
    assert.ok(r.ok);
    assert.equal(r.order.feeFen, 150n);
    await applyPaymentCallback(sql, paidBody(r.order), deps);
    const body = await bankConfirms(sql, r.order.id);
    assert.equal(body.amountFen, "9850", "the bank receives amount − fee");
    await applyCustodyCallback(sql, body, deps);
    assert.equal((await userBalances(sql, u.userId)).availableFen, 9_850n);
    assert.equal((await app.services.gateways.custody.sandbox!.account(u.accountNo))?.balanceFen, 9_850n);
    const lines = await sql<{ kind: string; amountFen: bigint }[]>`
    select a.kind, l.amount_fen as "amountFen" from journal_lines l
    join journal_entries e on e.id = l.entry_id join ledger_accounts a on a.id = l.account_id
    where e.reference = ${"top_up_order:" + r.order.id} order by a.kind`;
    assert.deepEqual(lines.map((l) => [l.kind, BigInt(l.amountFen)]), [
      ["custody_clearing", -10_000n],
      ["platform_fee_income", 150n],
      ["user_available", 9_850n],
    ]);
  },
);
