/**
 * Top-up through the whole app: the form (Chinese messages next to the field, 422, nothing created), the
 * trade password, the idempotency key (a resubmitted form or 50 concurrent copies make one order), the
 * sandbox cashier page, the callbacks (signed POSTs through the app) and the result page; the staff's
 * reconciliation page and its alert on the admin home.
 */
import assert from "node:assert/strict";
import { userBalances } from "../../domain/ledger/ledger.ts";
import { signCallback } from "../../domain/payments/callback_signature.ts";
import { DEMO_CALLBACK_SECRETS } from "../../config.ts";
import { type TestApp, testAppWith } from "../helpers/app.ts";
import { testDbKind } from "../helpers/db.ts";
import { appTest, Client, createUser, hiddenField, mainOf, userBrowser } from "../helpers/forms.ts";
import { auditRows, staffBrowser } from "../helpers/staff_fixtures.ts";
import { queuedCallbacks, TOP_UP_TRADE_PASSWORD, topUpUser } from "../domain/payments/custody_fixtures.ts";

/** Deliver the sandbox's queued callbacks for `key` as signed POSTs through the app (no server needed). */
async function deliverThroughApp(
  app: TestApp,
  target: "custody" | "payment",
  key: string,
): Promise<number[]> {
  const secret = target === "custody"
    ? DEMO_CALLBACK_SECRETS.CUSTODY_CALLBACK_SECRET
    : DEMO_CALLBACK_SECRETS.PAYMENT_CALLBACK_SECRET;
  const statuses: number[] = [];
  for (const q of await queuedCallbacks(app.sql, key)) {
    const body = JSON.stringify(q.body);
    const res = await app.handle(
      new Request(`http://localhost/api/callbacks/${target}`, {
        method: "POST",
        headers: { ...await signCallback(secret, body), "content-type": "application/json" },
        body,
      }),
    );
    await res.body?.cancel();
    statuses.push(res.status);
  }
  return statuses;
}

async function instructionOf(app: TestApp, orderId: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const [row] = await app.sql<{ id: string | null }[]>`
      select custody_instruction_id::text as id from top_up_orders o where o.id = ${orderId}
        and exists (select 1 from custody_instructions i
                    where i.id = o.custody_instruction_id and i.status <> 'pending')`;
    if (row?.id) return row.id;
    await app.relay.deliver();
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("instruction not submitted");
}

appTest(
  "top-up form: bad amounts and a wrong trade password answer 422 next to the field; nothing is created",
  async (app) => {
    const u = await topUpUser(app.sql, app.services.gateways);
    const c = await userBrowser(app, u.userId);
    const form = await c.get("/account/top-up");
    assert.equal(form.status, 200);
    const key = hiddenField(form.html, "idempotencyKey");
    assert.match(key, /^[0-9a-f-]{36}$/);
    for (
      const [amount, message] of [
        ["1.001", "金额格式不正确，最多两位小数"],
        ["0", "充值金额必须大于 0"],
        ["-5", "充值金额必须大于 0"],
        ["0.50", "单笔充值金额不能低于 ¥1.00"],
        ["600000", "每日充值总额不能超过 ¥500,000.00"],
        ["", "请输入充值金额"],
      ]
    ) {
      const page = await c.post("/account/top-up", {
        amountYuan: amount,
        channel: "alipay",
        tradePassword: TOP_UP_TRADE_PASSWORD,
        idempotencyKey: key,
      });
      assert.equal(page.status, 422, amount);
      assert.ok(mainOf(page.html).includes(message), `${amount}: ${message}`);
      assert.match(page.html, /id="f-amountYuan-error"/);
      assert.equal(hiddenField(page.html, "idempotencyKey"), key, "the key is kept");
    }
    const wrong = await c.post("/account/top-up", {
      amountYuan: "100",
      channel: "alipay",
      tradePassword: "000000",
      idempotencyKey: key,
    });
    assert.equal(wrong.status, 422);
    assert.match(wrong.html, /id="f-tradePassword-error"/);
    const noChannel = await c.post("/account/top-up", {
      amountYuan: "100",
      channel: "paypal",
      tradePassword: TOP_UP_TRADE_PASSWORD,
      idempotencyKey: key,
    });
    assert.equal(noChannel.status, 422);
    assert.ok(noChannel.html.includes("请选择支付方式"));
    const none = await app.sql`select 1 from top_up_orders where user_id = ${u.userId}`;
    assert.equal(none.length, 0);
  },
);

appTest("top-up: a frozen user is told so and refused", async (app) => {
  const u = await topUpUser(app.sql, app.services.gateways);
  await app.sql`update users set status = 'frozen' where id = ${u.userId}`;
  const c = await userBrowser(app, u.userId);
  const form = await c.get("/account/top-up");
  assert.ok(form.html.includes("您的账户已被冻结"));
  const page = await c.post("/account/top-up", {
    amountYuan: "100",
    channel: "wechat",
    tradePassword: TOP_UP_TRADE_PASSWORD,
    idempotencyKey: hiddenField(form.html, "idempotencyKey"),
  });
  assert.equal(page.status, 422);
  assert.ok(page.html.includes("您的账户已被冻结"));
  assert.equal((await app.sql`select 1 from top_up_orders where user_id = ${u.userId}`).length, 0);
});

appTest(
  "top-up: pay at the sandbox cashier, callbacks through the app, result page shows success once",
  async (app) => {
    const u = await topUpUser(app.sql, app.services.gateways);
    const c = await userBrowser(app, u.userId);
    const form = await c.get("/account/top-up");
    const key = hiddenField(form.html, "idempotencyKey");
    const fields = {
      amountYuan: "250.50",
      channel: "quick_pay",
      tradePassword: TOP_UP_TRADE_PASSWORD,
      idempotencyKey: key,
    };
    const sent = await c.post("/account/top-up", fields);
    assert.equal(sent.status, 303);
    const cashier = sent.headers.get("location")!;
    assert.match(cashier, /^\/sandbox-pay\//);
    // the same form again (double click, resubmission): the same payment page, one order
    const again = await c.post("/account/top-up", fields);
    assert.equal(again.headers.get("location"), cashier);
    const [order] = await app.sql<{ id: string; orderNo: string }[]>`
    select id::text as id, order_no as "orderNo" from top_up_orders where user_id = ${u.userId}`;
    assert.equal((await app.sql`select 1 from top_up_orders where user_id = ${u.userId}`).length, 1);

    const pending = await c.get(`/account/top-up/${order.id}`);
    assert.ok(mainOf(pending.html).includes("待支付"));
    const payPage = await c.get(cashier);
    assert.equal(payPage.status, 200);
    assert.ok(payPage.html.includes("沙箱"));
    assert.ok(payPage.html.includes("¥250.50"));
    const paid = await c.post(cashier, { decision: "paid" });
    assert.equal(paid.status, 303);
    assert.equal(paid.headers.get("location"), `/account/top-up/${order.id}`);
    // a forged token is not a cashier page
    assert.equal((await c.get(cashier.slice(0, -2) + "xx")).status, 404);

    assert.deepEqual(await deliverThroughApp(app, "payment", order.orderNo), [200]);
    const waiting = await c.get(`/account/top-up/${order.id}`);
    assert.ok(mainOf(waiting.html).includes("银行入账中"));
    const instructionId = await instructionOf(app, order.id);
    assert.deepEqual(await deliverThroughApp(app, "custody", instructionId), [200]);
    assert.deepEqual(
      await deliverThroughApp(app, "custody", instructionId),
      [200],
      "a redelivery answers 200",
    );
    const done = await c.get(`/account/top-up/${order.id}`);
    assert.ok(mainOf(done.html).includes("充值成功"));
    assert.equal((await userBalances(app.sql, u.userId)).availableFen, 25_050n);
    const list = await c.get("/account/top-up");
    assert.match(list.html, /data-status="succeeded"/);
    // another user cannot see the order
    const other = await topUpUser(app.sql, app.services.gateways);
    assert.equal(
      (await (await userBrowser(app, other.userId)).get(`/account/top-up/${order.id}`)).status,
      404,
    );
  },
);

appTest(
  "top-up (postgres): 50 concurrent submissions of one form make one order and credit once",
  async (app) => {
    if (testDbKind !== "postgres") return;
    const u = await topUpUser(app.sql, app.services.gateways);
    const c = await userBrowser(app, u.userId);
    const form = await c.get("/account/top-up");
    const fields = {
      amountYuan: "88",
      channel: "alipay",
      tradePassword: TOP_UP_TRADE_PASSWORD,
      idempotencyKey: hiddenField(form.html, "idempotencyKey"),
    };
    const pages = await Promise.all(Array.from({ length: 50 }, () => c.post("/account/top-up", fields)));
    assert.ok(pages.every((p) => p.status === 303), pages.map((p) => p.status).join(","));
    assert.equal(new Set(pages.map((p) => p.headers.get("location"))).size, 1);
    const orders = await app.sql<{ id: string; orderNo: string }[]>`
    select id::text as id, order_no as "orderNo" from top_up_orders where user_id = ${u.userId}`;
    assert.equal(orders.length, 1);
    await c.post(pages[0].headers.get("location")!, { decision: "paid" });
    await deliverThroughApp(app, "payment", orders[0].orderNo);
    const instructionId = await instructionOf(app, orders[0].id);
    await Promise.all(Array.from({ length: 5 }, () => deliverThroughApp(app, "custody", instructionId)));
    assert.equal((await userBalances(app.sql, u.userId)).availableFen, 8_800n);
  },
  120_000,
);

appTest(
  "reconciliation page: finance staff run it now (audited); a difference shows and alerts the admin home",
  async (app) => {
    const u = await topUpUser(app.sql, app.services.gateways);
    const { client, staffId } = await staffBrowser(app, app.sql, "finance");
    const page = await client.get("/admin/finance/reconciliation");
    assert.equal(page.status, 200);
    assert.ok(page.html.includes("资金对账"));
    const bad = await client.post("/admin/finance/reconciliation", { date: "2026-13-45" });
    assert.equal(bad.status, 422);
    assert.ok(bad.html.includes("请选择有效的对账日期"));
    // the bank books 3.00 that the ledger does not know
    await app.services.gateways.custody.sandbox!.injectAdjustment(u.accountNo, 300n);
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
    const run = await client.post("/admin/finance/reconciliation", { date: today });
    assert.equal(run.status, 303);
    const location = run.headers.get("location")!;
    const runId = /run=(\d+)/.exec(location)![1];
    const report = await client.get(location);
    assert.ok(mainOf(report.html).includes(u.accountNo), "the account with the difference is listed");
    assert.ok(mainOf(report.html).includes("余额不符"));
    const audit = await auditRows(app.sql, "finance.reconcile.run", `reconciliation_run:${runId}`);
    assert.equal(audit.length, 1);
    assert.equal(String(audit[0].staff_id), staffId);
    const home = await client.get("/admin");
    assert.match(home.html, /data-testid="reconciliation-alert"/);
    // customer service may not open it
    const { client: cs } = await staffBrowser(app, app.sql, "customer_service");
    assert.equal((await cs.get("/admin/finance/reconciliation")).status, 403);
    // undo the injected difference for the other tests sharing the database
    await app.services.gateways.custody.sandbox!.injectAdjustment(u.accountNo, -300n);
  },
);

appTest("/dev/bank: the sandbox bank's own books in demo mode; 404 otherwise", async (app) => {
  const u = await topUpUser(app.sql, app.services.gateways);
  await app.services.gateways.custody.sandbox!.injectAdjustment(u.accountNo, 100n);
  await app.services.gateways.custody.sandbox!.injectAdjustment(u.accountNo, -100n);
  const page = await new Client(app).get("/dev/bank");
  assert.equal(page.status, 200);
  const main = mainOf(page.html);
  assert.ok(main.includes(u.accountNo));
  assert.ok(main.includes("银行调账"));
  const live = await testAppWith({}, { demo: false });
  assert.equal((await new Client(live).get("/dev/bank")).status, 404);
});

appTest("top-up: a user without verified identity is told to verify first and cannot order", async (app) => {
  const { userId } = await createUser(app.sql);
  const c = await userBrowser(app, userId);
  const form = await c.get("/account/top-up");
  assert.ok(mainOf(form.html).includes("请先完成实名认证"));
  assert.match(form.html, /href="\/account\/identity"/);
  const page = await c.post("/account/top-up", {
    amountYuan: "100",
    channel: "alipay",
    tradePassword: "123456",
    idempotencyKey: hiddenField(form.html, "idempotencyKey"),
  });
  assert.equal(page.status, 422);
  assert.ok(mainOf(page.html).includes("请先完成实名认证"));
  assert.equal((await app.sql`select 1 from top_up_orders where user_id = ${userId}`).length, 0);
});
