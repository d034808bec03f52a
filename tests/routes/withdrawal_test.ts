/**
 * Withdrawals and fees through the whole app: the public fee page, the two-step withdrawal form (preview,
 * trade password, idempotent confirm), the result page and list, the staff queue (approve, reject, four
 * eyes, settings) and the fee settings page.
 */
import assert from "node:assert/strict";
import { userBalances } from "../../domain/ledger/ledger.ts";
import { getWithdrawalSettings } from "../../domain/payments/withdrawal.ts";
import { testApp } from "../helpers/app.ts";
import { appTest, Client, hiddenField, mainOf, type Page, userBrowser } from "../helpers/forms.ts";
import { staffBrowser } from "../helpers/staff_fixtures.ts";
import {
  assertBalances,
  TEST_TRADE_PASSWORD,
  withdrawalUser,
} from "../domain/payments/withdrawal_fixtures.ts";

/** POSTs the confirm step of the withdrawal form `form` (with its idempotency key). */
function confirmWithdrawal(
  c: Client,
  form: Page,
  fields: { cardId: string; amountYuan: string; tradePassword: string },
): Promise<Page> {
  return c.post("/account/withdraw", {
    intent: "confirm",
    idempotencyKey: hiddenField(form.html, "idempotencyKey"),
    ...fields,
  });
}

appTest("fees page: public, lists every fee in force; linked from the footer", async (app) => {
  const c = new Client(app);
  const page = await c.get("/fees");
  assert.equal(page.status, 200);
  const main = mainOf(page.html);
  for (const label of ["充值手续费", "提现手续费", "借款服务费", "利息管理费", "债权转让手续费"]) {
    assert.ok(main.includes(label), label);
  }
  assert.match(page.html, /href="\/fees"[^>]*>收费标准</);
});

appTest(
  "withdraw: preview shows the fee and what arrives; confirm moves money once; list says T+1",
  async (app) => {
    const u = await withdrawalUser(app.sql, 100_000n);
    const c = await userBrowser(app, u.userId);
    const form = await c.get("/account/withdraw");
    assert.equal(form.status, 200);
    const key = hiddenField(form.html, "idempotencyKey");
    assert.match(key, /^[0-9a-f-]{36}$/);

    /** One step of the form with this page's key. */
    const step = (
      intent: "preview" | "edit" | "confirm",
      amountYuan: string,
      extra: Record<string, string> = {},
    ) => c.post("/account/withdraw", { intent, cardId: u.cardId, amountYuan, idempotencyKey: key, ...extra });

    // bad amount: message next to the field, 422, key kept
    const bad = await step("preview", "1.234");
    assert.equal(bad.status, 422);
    assert.match(bad.html, /最多两位小数/);
    assert.equal(hiddenField(bad.html, "idempotencyKey"), key);
    const tooMuch = await step("preview", "2000");
    assert.equal(tooMuch.status, 422);
    assert.match(tooMuch.html, /可用余额不足/);

    const preview = await step("preview", "100");
    assert.equal(preview.status, 200);
    assert.match(preview.html, /预计到账/);
    assert.match(preview.html, /¥98\.00/);
    assert.match(preview.html, /交易密码/);
    // 返回修改: back to step 1 with what was typed and the same key
    const edit = await step("edit", "100");
    assert.equal(edit.status, 200);
    assert.match(edit.html, /name="amountYuan"[^>]*value="100"|value="100"[^>]*name="amountYuan"/);
    assert.equal(hiddenField(edit.html, "idempotencyKey"), key);

    const wrong = await step("confirm", "100", { tradePassword: "000001" });
    assert.equal(wrong.status, 422);
    assert.match(wrong.html, /交易密码错误/);
    await assertBalances(app.sql, u.userId, 100_000n); // nothing moved

    const ok = await step("confirm", "100", { tradePassword: TEST_TRADE_PASSWORD });
    assert.equal(ok.status, 303);
    const location = ok.headers.get("location")!;
    assert.match(location, /^\/account\/withdrawals\?submitted=\d+$/);
    // the same form again (double click, back + resubmit): the first result, nothing moves
    const again = await step("confirm", "100", { tradePassword: TEST_TRADE_PASSWORD });
    assert.equal(again.status, 303);
    assert.equal(again.headers.get("location"), location);
    // (the app's relay may already have sent it to the sandbox bank, whose answer settles the frozen part)
    assert.equal((await userBalances(app.sql, u.userId)).availableFen, 90_000n);
    const [{ n }] = await app.sql<{ n: bigint }[]>`
      select count(*) as n from withdrawals where user_id = ${u.userId}`;
    assert.equal(BigInt(n), 1n);

    const result = await c.get(location);
    assert.equal(result.status, 200);
    assert.match(result.html, /提现申请已提交，预计 T\+1 到账/);
    assert.match(result.html, /处理中|已到账/);
  },
);

appTest("withdraw: a frozen account is refused with a message", async (app) => {
  const u = await withdrawalUser(app.sql, 100_000n);
  const c = await userBrowser(app, u.userId);
  const form = await c.get("/account/withdraw");
  await app.sql`update users set status = 'frozen' where id = ${u.userId}`;
  const r = await confirmWithdrawal(c, form, {
    cardId: u.cardId,
    amountYuan: "100",
    tradePassword: TEST_TRADE_PASSWORD,
  });
  // a frozen user may be signed out by the session layer (303 to /login) or refused by the command (422)
  assert.ok(r.status === 422 || r.status === 303, String(r.status));
  if (r.status === 422) assert.match(r.html, /不能提现/);
  await assertBalances(app.sql, u.userId, 100_000n); // nothing moved
});

appTest(
  "admin withdrawals: two approvals by two staff above the second threshold; reject returns money",
  async (app) => {
    const s = await getWithdrawalSettings(app.sql);
    const u = await withdrawalUser(app.sql, s.secondApprovalThresholdFen * 3n);
    const user = await userBrowser(app, u.userId);
    const bigYuan = String((s.secondApprovalThresholdFen + 100n) / 100n);
    for (const amountYuan of [bigYuan, bigYuan]) {
      const form = await user.get("/account/withdraw");
      const r = await confirmWithdrawal(user, form, {
        cardId: u.cardId,
        amountYuan,
        tradePassword: TEST_TRADE_PASSWORD,
      });
      assert.equal(r.status, 303, r.html.slice(0, 500));
    }
    const [first, second] = await app.sql<{ id: string }[]>`
    select id from withdrawals where user_id = ${u.userId} order by id`;

    const a = await staffBrowser(app, app.sql, "finance");
    const b = await staffBrowser(app, app.sql, "finance");
    const queue = await a.client.get("/admin/finance/withdrawals");
    assert.equal(queue.status, 200);
    assert.ok(queue.html.includes(`data-withdrawal="${first.id}"`));

    let r = await a.client.post("/admin/finance/withdrawals", { intent: "approve", withdrawalId: first.id });
    assert.equal(r.status, 303);
    assert.match(r.headers.get("location")!, /approved_first/);
    r = await a.client.post("/admin/finance/withdrawals", { intent: "approve", withdrawalId: first.id });
    assert.equal(r.status, 409);
    assert.match(r.html, /另一位员工/);
    await b.client.get("/admin/finance/withdrawals");
    r = await b.client.post("/admin/finance/withdrawals", { intent: "approve", withdrawalId: first.id });
    assert.equal(r.status, 303);
    assert.match(r.headers.get("location")!, /done=approved$/);

    // reject: a reason is required
    r = await b.client.post("/admin/finance/withdrawals", {
      intent: "reject",
      withdrawalId: second.id,
      reason: "",
    });
    assert.equal(r.status, 422);
    assert.match(r.html, /拒绝原因/);
    r = await b.client.post("/admin/finance/withdrawals", {
      intent: "reject",
      withdrawalId: second.id,
      reason: "需核实资金来源",
    });
    assert.equal(r.status, 303);
    const amount = s.secondApprovalThresholdFen + 100n;
    assert.equal(
      (await userBalances(app.sql, u.userId)).availableFen,
      s.secondApprovalThresholdFen * 3n - amount,
    );
    const list = await user.get("/account/withdrawals");
    assert.match(list.html, /需核实资金来源/);
    const after = await a.client.get("/admin/finance/withdrawals");
    assert.ok(!after.html.includes(`data-withdrawal="${first.id}"`));
    assert.match(after.html, /第1审：/);

    // settings: bad input is shown next to the field
    r = await a.client.post("/admin/finance/withdrawals", {
      intent: "settings",
      reviewThresholdYuan: "abc",
      secondApprovalThresholdYuan: "1",
      minAmountYuan: "1",
      dailyCountLimit: "5",
      dailyAmountLimitYuan: "1000",
    });
    assert.equal(r.status, 422);
    assert.match(r.html, /请输入金额/);
  },
);

appTest("admin withdrawals and fees: other roles get 403", async (app) => {
  const cs = await staffBrowser(app, app.sql, "customer_service");
  assert.equal((await cs.client.get("/admin/finance/withdrawals")).status, 403);
  assert.equal((await cs.client.get("/admin/finance/fees")).status, 403);
});

appTest(
  "admin fees: add a future rule (audited), refuse a past date; the public page announces it",
  async (_app) => {
    const app = await testApp();
    const f = await staffBrowser(app, app.sql, "finance");
    const page = await f.client.get("/admin/finance/fees");
    assert.equal(page.status, 200);
    assert.match(page.html, /历史记录/);
    const past = await f.client.post("/admin/finance/fees", {
      businessType: "top_up",
      kind: "fixed",
      fixedYuan: "1",
      effectiveDate: "2020-01-02",
    });
    assert.equal(past.status, 422);
    assert.match(past.html, /须晚于今天/);
    const day = `2088-0${1 + Math.floor(Math.random() * 9)}-1${Math.floor(Math.random() * 9)}`;
    const added = await f.client.post("/admin/finance/fees", {
      businessType: "top_up",
      kind: "rate",
      ratePercent: "0.05",
      minYuan: "0.5",
      maxYuan: "",
      effectiveDate: day,
      note: "测试",
    });
    assert.equal(added.status, 303, added.html.slice(0, 300));
    const after = await f.client.get("/admin/finance/fees");
    assert.match(after.html, /0\.05%，最低 ¥0\.50/);
    assert.match(after.html, /待生效/);
    const [audit] = await app
      .sql`select 1 from audit_log where action = 'fee.rule_add' and staff_id = ${f.staffId}`;
    assert.ok(audit);
    const pub = await new Client(app).get("/fees");
    assert.match(pub.html, /即将生效的调整/);
  },
);

appTest("withdraw: without a trade password the confirm step says to set one; nothing moves", async (app) => {
  const u = await withdrawalUser(app.sql, 100_000n);
  await app.sql`delete from trade_passwords where user_id = ${u.userId}`;
  const c = await userBrowser(app, u.userId);
  const form = await c.get("/account/withdraw");
  const r = await confirmWithdrawal(c, form, {
    cardId: u.cardId,
    amountYuan: "100",
    tradePassword: "580913",
  });
  assert.equal(r.status, 422);
  assert.match(r.html, /尚未设置交易密码/);
  assert.match(r.html, /href="\/account\/trade-password"/);
  await assertBalances(app.sql, u.userId, 100_000n); // nothing moved
  // signed out: sent to log in
  const anon = await new Client(app).get("/account/withdraw");
  assert.equal(anon.status, 303);
  assert.match(anon.headers.get("location") ?? "", /^\/login\?next=/);
});
