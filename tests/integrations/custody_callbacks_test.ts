/**
 * The sandbox bank and channels against the app over real HTTP: a top-up paid through the sandbox channel
 * and confirmed by the sandbox bank, each callback a signed POST to the served app; callbacks delivered 1–5
 * times and in a random order credit once; forged, tampered and stale callbacks change nothing and are
 * logged; a stopped database answers 503.
 */
import assert from "node:assert/strict";
import { userBalances } from "../../domain/ledger/ledger.ts";
import {
  CALLBACK_SIGNATURE_HEADER,
  CALLBACK_TIMESTAMP_HEADER,
  signCallback,
} from "../../domain/payments/callback_signature.ts";
import {
  createTopUpOrder,
  getTopUpOrder,
  topUpCheckoutUrl,
  type TopUpOrder,
} from "../../domain/payments/top_up.ts";
import { DEMO_CALLBACK_SECRETS } from "../../config.ts";
import { serveTestApp, type TestApp, testApp } from "../helpers/app.ts";
import { dbTest, testDbKind } from "../helpers/db.ts";
import { createApp, createServices } from "../../main.ts";
import { loadConfig } from "../../config.ts";
import type { Db } from "../../db/tx.ts";
import { queuedCallbacks, topUpUser } from "../domain/payments/custody_fixtures.ts";

type Served = { baseUrl: string; server: Deno.HttpServer; app: TestApp };

let served: Promise<Served> | null = null;
/** The app served on loopback, with the sandboxes calling it back (delivery driven by the tests). */
function serve(): Promise<Served> {
  served ??= (async () => {
    const s = await serveTestApp();
    const { custody, payments } = s.app.services.gateways;
    custody.sandbox!.setCallbackOrigin(s.baseUrl);
    payments.sandbox!.setCallbackOrigin(s.baseUrl);
    custody.sandbox!.configureDelivery({ auto: false, delayMs: 0 });
    payments.sandbox!.configureDelivery({ auto: false, delayMs: 0 });
    return s;
  })();
  return served;
}

async function orderFor(app: TestApp, userId: string, amountFen: bigint): Promise<TopUpOrder> {
  const r = await createTopUpOrder(app.sql, {
    userId,
    amountFen,
    channel: "alipay",
    idempotencyKey: crypto.randomUUID(),
    tradePasswordVerified: true,
  });
  assert.ok(r.ok, r.ok ? "" : r.code);
  return r.order;
}

/** The user pays `order` on the sandbox cashier page (opened from the checkout URL). */
async function pay(app: TestApp, order: TopUpOrder, decision: "paid" | "cancelled" = "paid") {
  const payments = app.services.gateways.payments;
  const url = await topUpCheckoutUrl(payments, order);
  const payment = await payments.sandbox!.open(url.slice("/sandbox-pay/".length));
  assert.ok(payment, "the checkout token opens");
  const decided = await payments.sandbox!.decide(payment.id, decision);
  assert.ok(decided.ok);
}

/**
 * Wait until the outbox relay has submitted the order's instruction to the sandbox bank and recorded the
 * acceptance (by then the bank has queued its callbacks).
 */
async function instructionSubmitted(app: TestApp, orderId: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [row] = await app.sql<{ id: string | null; queued: boolean }[]>`
      select o.custody_instruction_id::text as id,
             exists (select 1 from custody_instructions i
                     where i.id = o.custody_instruction_id and i.status <> 'pending') as queued
      from top_up_orders o where o.id = ${orderId}`;
    if (row?.id && row.queued) return row.id;
    assert.ok(Date.now() < deadline, "the custody instruction was not submitted");
    await app.relay.deliver();
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function creditedEntries(app: TestApp, orderId: string): Promise<number> {
  const rows = await app.sql`select 1 from journal_entries where reference = ${"top_up_order:" + orderId}`;
  return rows.length;
}

dbTest(
  "custody HTTP: a top-up paid at the sandbox channel and confirmed by the sandbox bank credits once",
  async () => {
    const { app } = await serve();
    const { custody, payments } = app.services.gateways;
    const user = await topUpUser(app.sql, app.services.gateways);
    const order = await orderFor(app, user.userId, 12_345n);
    await pay(app, order);
    // the payment callback: the order is paid, nothing credited yet (the bank has not confirmed)
    assert.equal(await payments.sandbox!.deliverDue({ all: true, keys: [order.orderNo] }), 1);
    let now = await getTopUpOrder(app.sql, user.userId, order.id);
    assert.equal(now?.status, "paid");
    assert.equal((await userBalances(app.sql, user.userId)).availableFen, 0n);
    const instructionId = await instructionSubmitted(app, order.id);
    assert.deepEqual(await custody.sandbox!.account(user.accountNo), {
      balanceFen: 12_345n,
      frozenFen: 0n,
      userId: user.userId,
    });
    // the bank's callback: the ledger is credited, the order succeeds
    assert.equal(await custody.sandbox!.deliverDue({ all: true, keys: [instructionId] }), 1);
    now = await getTopUpOrder(app.sql, user.userId, order.id);
    assert.equal(now?.status, "succeeded");
    assert.equal((await userBalances(app.sql, user.userId)).availableFen, 12_345n);
    assert.equal(await creditedEntries(app, order.id), 1);
    const [instr] = await app.sql<{ status: string; bankReference: string }[]>`
    select status, bank_reference as "bankReference" from custody_instructions where id = ${instructionId}`;
    assert.equal(instr.status, "succeeded");
    assert.match(instr.bankReference, /^SBXB/);
  },
);

for (const copies of [1, 2, 3, 4, 5]) {
  dbTest(
    `custody HTTP: every callback delivered ${copies} time(s), shuffled, credits exactly once`,
    async () => {
      const { app } = await serve();
      const { custody, payments } = app.services.gateways;
      const user = await topUpUser(app.sql, app.services.gateways);
      payments.sandbox!.configureDelivery({ copies, shuffle: true });
      custody.sandbox!.configureDelivery({ copies, shuffle: true });
      try {
        const orders = [await orderFor(app, user.userId, 100n), await orderFor(app, user.userId, 250n)];
        for (const o of orders) await pay(app, o);
        await payments.sandbox!.deliverDue({ all: true, keys: orders.map((o) => o.orderNo) });
        const ids = [];
        for (const o of orders) ids.push(await instructionSubmitted(app, o.id));
        // each bank callback queued `copies` times; delivered in a random order, twice over for good measure
        for (const id of ids) assert.equal((await queuedCallbacks(app.sql, id)).length, copies);
        await custody.sandbox!.deliverDue({ all: true, keys: ids });
        await app.sql`update sandbox_callbacks set delivered_at = null
                    where coalesce(body::jsonb ->> 'instructionId', '') = any(${ids}::text[])`;
        await custody.sandbox!.deliverDue({ all: true, keys: ids });
        for (const o of orders) {
          assert.equal((await getTopUpOrder(app.sql, user.userId, o.id))?.status, "succeeded");
          assert.equal(await creditedEntries(app, o.id), 1);
        }
        assert.equal((await userBalances(app.sql, user.userId)).availableFen, 350n);
        assert.equal((await custody.sandbox!.account(user.accountNo))?.balanceFen, 350n);
        const [{ n }] = await app.sql<{ n: bigint }[]>`
        select count(*) as n from custody_callbacks where source = 'custody'
          and subject = any(${ids.map((id) => "custody_instruction:" + id)}::text[])`;
        assert.equal(BigInt(n), 2n, "one applied callback per instruction");
      } finally {
        payments.sandbox!.configureDelivery({ copies: 1, shuffle: false });
        custody.sandbox!.configureDelivery({ copies: 1, shuffle: false });
      }
    },
  );
}

dbTest(
  "custody HTTP: a cancel arriving after the payment (reordered) changes nothing",
  async () => {
    const { app } = await serve();
    const { custody, payments } = app.services.gateways;
    const user = await topUpUser(app.sql, app.services.gateways);
    const order = await orderFor(app, user.userId, 700n);
    await pay(app, order);
    // a cancel arriving after the payment (reordered) changes nothing
    await payments.sandbox!.deliverDue({ all: true, keys: [order.orderNo] });
    const instructionId = await instructionSubmitted(app, order.id);
    const cancel = JSON.stringify({
      callbackId: "pcb-late-cancel-" + order.id,
      merchantOrderNo: order.orderNo,
      channel: "alipay",
      paymentId: "X",
      status: "cancelled",
      amountFen: "700",
      decidedAt: new Date().toISOString(),
    });
    const { baseUrl } = await serve();
    const res = await fetch(`${baseUrl}/api/callbacks/payment`, {
      method: "POST",
      headers: { ...await signCallback(DEMO_CALLBACK_SECRETS.PAYMENT_CALLBACK_SECRET, cancel) },
      body: cancel,
    });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).outcome, "already_final");
    await custody.sandbox!.deliverDue({ all: true, keys: [instructionId] });
    assert.equal((await getTopUpOrder(app.sql, user.userId, order.id))?.status, "succeeded");
    assert.equal((await userBalances(app.sql, user.userId)).availableFen, 700n);
  },
);

dbTest("custody HTTP: a cancelled payment fails the order and credits nothing", async () => {
  const { app } = await serve();
  const user = await topUpUser(app.sql, app.services.gateways);
  const order = await orderFor(app, user.userId, 900n);
  await pay(app, order, "cancelled");
  await app.services.gateways.payments.sandbox!.deliverDue({ all: true, keys: [order.orderNo] });
  const now = await getTopUpOrder(app.sql, user.userId, order.id);
  assert.equal(now?.status, "failed");
  assert.equal(now?.failureReason, "cancelled");
  assert.equal(await creditedEntries(app, order.id), 0);
});

dbTest(
  "custody HTTP: forged, tampered and stale callbacks change nothing, answer a JSON error and are logged",
  async () => {
    const { app, baseUrl } = await serve();
    const { custody, payments } = app.services.gateways;
    const user = await topUpUser(app.sql, app.services.gateways);
    const order = await orderFor(app, user.userId, 5_000n);
    await pay(app, order);
    await payments.sandbox!.deliverDue({ all: true, keys: [order.orderNo] });
    const instructionId = await instructionSubmitted(app, order.id);
    const [queued] = await queuedCallbacks<Record<string, string>>(app.sql, instructionId);
    const genuine = JSON.stringify(queued.body);
    const secret = DEMO_CALLBACK_SECRETS.CUSTODY_CALLBACK_SECRET;
    const post = async (body: string, headers: Record<string, string>) => {
      const res = await fetch(`${baseUrl}/api/callbacks/custody`, { method: "POST", headers, body });
      return { status: res.status, json: await res.json() };
    };
    const logsBefore = app.logs.length;
    const cases: [string, string, Record<string, string>, number, string][] = [
      ["unsigned", genuine, {}, 401, "missing_signature"],
      [
        "forged (wrong secret)",
        genuine,
        await signCallback("forger-secret-0123456789abcdefghij", genuine),
        401,
        "bad_signature",
      ],
      [
        "tampered (amount raised after signing)",
        genuine.replace(`"amountFen":"5000"`, `"amountFen":"500000"`),
        await signCallback(secret, genuine),
        401,
        "bad_signature",
      ],
      [
        "stale (signed 10 minutes ago)",
        genuine,
        await signCallback(secret, genuine, new Date(Date.now() - 600_000)),
        401,
        "stale",
      ],
      [
        "signed but for an amount we never instructed",
        genuine.replace(`"amountFen":"5000"`, `"amountFen":"5001"`),
        await signCallback(secret, genuine.replace(`"amountFen":"5000"`, `"amountFen":"5001"`)),
        409,
        "mismatch",
      ],
      [
        "signed but for an unknown instruction",
        genuine.replace(`"instructionId":"${instructionId}"`, `"instructionId":"999999999"`),
        await signCallback(
          secret,
          genuine.replace(`"instructionId":"${instructionId}"`, `"instructionId":"999999999"`),
        ),
        404,
        "unknown_instruction",
      ],
      ["signed but not JSON", "not json", await signCallback(secret, "not json"), 400, "invalid_body"],
    ];
    for (const [label, body, headers, status, code] of cases) {
      const answer = await post(body, headers);
      assert.equal(answer.status, status, label);
      assert.equal(answer.json.error.code, code, label);
      assert.equal(typeof answer.json.error.message, "string", label);
    }
    // nothing changed: no credit, the order still waits for the bank, no callback recorded
    assert.equal((await getTopUpOrder(app.sql, user.userId, order.id))?.status, "paid");
    assert.equal((await userBalances(app.sql, user.userId)).availableFen, 0n);
    const recorded = await app.sql`select 1 from custody_callbacks where subject = ${
      "custody_instruction:" + instructionId
    }`;
    assert.equal(recorded.length, 0);
    const refused = app.logs.slice(logsBefore).filter((l) => l.event === "callback.refused");
    assert.equal(refused.length, cases.length, "each refusal is in the security log");
    assert.ok(refused.some((l) => l.reason === "stale" && l.path === "/api/callbacks/custody"));
    // the genuine callback still works afterwards, once
    assert.equal((await post(genuine, await signCallback(secret, genuine))).json.outcome, "applied");
    assert.equal((await post(genuine, await signCallback(secret, genuine))).json.outcome, "duplicate");
    assert.equal((await userBalances(app.sql, user.userId)).availableFen, 5_000n);
    void custody;
  },
);

dbTest(
  "custody HTTP: with the database stopped, a genuine callback answers 503 unavailable (the bank retries)",
  async () => {
    const body = JSON.stringify({
      callbackId: "cb-db-down",
      instructionId: "1",
      bankReference: "SBXB-DOWN",
      kind: "top_up",
      status: "succeeded",
      failureCode: null,
      amountFen: "100",
      executedAt: new Date().toISOString(),
    });
    const headers = await signCallback(DEMO_CALLBACK_SECRETS.CUSTODY_CALLBACK_SECRET, body);
    // every query and every transaction fails, as with a stopped server
    const base = await testApp();
    const down = () => Promise.reject(new Error("connection refused"));
    const sql = new Proxy(base.sql, {
      apply: down,
      get: (target, key, receiver) => (key === "begin" ? down : Reflect.get(target, key, receiver)),
    }) as Db;
    const config = { ...loadConfig({ APP_ENV: "test" }), demo: true };
    const services = createServices({ sql, kv: base.kv, config, dbKind: testDbKind });
    const handler = createApp({ ...services, log: () => {} }).handler();
    const originalError = console.error;
    console.error = () => {};
    let res: Response;
    try {
      res = await handler(
        new Request("http://localhost/api/callbacks/custody", {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body,
        }),
        { remoteAddr: { transport: "tcp", hostname: "10.0.0.1", port: 1 } } as Deno.ServeHandlerInfo,
      );
    } finally {
      console.error = originalError;
    }
    assert.equal(res.status, 503);
    const json = await res.json();
    assert.equal(json.error.code, "unavailable");
    assert.ok(headers[CALLBACK_TIMESTAMP_HEADER] && headers[CALLBACK_SIGNATURE_HEADER]);
  },
);

Deno.test({
  name: "custody HTTP: stop the served app",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    if (served) await (await served).server.shutdown();
  },
});
