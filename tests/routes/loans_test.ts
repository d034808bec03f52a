/**
 * The investment hall and a loan's page through the whole app: the hall (cards, filters, cache header,
 * banned wording), the detail (disclosure with fallbacks, plan for ?amount=, bid list, contract template),
 * and bidding through HTTP with CSRF (errors next to the field, what was typed kept; success redirects to
 * the investment; a repeated form moves money once).
 */
import assert from "node:assert/strict";
import { transaction } from "../../db/tx.ts";
import { userBalances } from "../../domain/ledger/ledger.ts";
import { appTest, BANNED_PROMISES, Client, hiddenField, mainOf, userBrowser } from "../helpers/forms.ts";
import { insertLoan } from "../helpers/lending.ts";
import { bidReadyInvestor, TEST_TRADE_PASSWORD } from "../helpers/investor_fixtures.ts";

appTest(
  "hall: cards with rate, progress and badges; filters in the URL; cached until a change",
  async (app) => {
    const { loanId } = await insertLoan(app.sql, {
      title: "大厅测试项目",
      grade: "A",
      newbieOnly: true,
      amountFen: 1_000_000n,
      fundedFen: 250_000n,
      annualRateMicros: 85_000,
    });
    const c = new Client(app);
    const page = await c.get("/loans?grade=A&status=open");
    assert.equal(page.status, 200);
    const main = mainOf(page.html);
    assert.match(main, /投资大厅/);
    assert.match(main, /市场有风险，出借需谨慎/);
    const card = new RegExp(`data-loan-id="${loanId}"[\\s\\S]*?</article>`).exec(main)?.[0] ?? "";
    assert.ok(card, "the loan's card");
    assert.match(card, /8\.50%/);
    assert.match(card, /新手专享/);
    assert.match(card, /<progress[^>]*value="25"/);
    assert.match(card, /剩余可投 ¥7,500\.00/);
    assert.match(card, new RegExp(`href="/loans/${loanId}#bid"[^>]*>出借<`));
    for (const w of BANNED_PROMISES) assert.ok(!main.includes(w), w);
    assert.match(main, /<select[^>]*name="grade"[\s\S]*?<option value="A" selected/);

    const again = await c.get("/loans?grade=A&status=open");
    assert.equal(again.headers.get("x-hall-cache"), "hit");
    // the third request is answered before the middleware chain (sharedPages), the same page
    const third = await c.get("/loans?grade=A&status=open");
    assert.equal(third.headers.get("x-hall-cache"), "hit");
    assert.equal(third.html, again.html);
    assert.match(third.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    // a change committed by this process shows at once, whatever the version clock's age
    await transaction(app.sql, (tx) => tx`update loans set funded_fen = 260000 where id = ${loanId}`);
    const changed = await c.get("/loans?grade=A&status=open");
    assert.equal(changed.headers.get("x-hall-cache"), "miss");
    assert.match(mainOf(changed.html), /剩余可投 ¥7,400\.00/);

    const empty = await c.get("/loans?grade=A&term=short&rate=0-8&type=small_business&status=settled");
    assert.match(mainOf(empty.html), /没有符合条件的借款项目/);
  },
);

appTest(
  "loan page: figures, disclosure with fallbacks, plan for an amount, contract template",
  async (app) => {
    const { loanId } = await insertLoan(app.sql, { title: "详情测试项目", amountFen: 1_200_000n });
    await app.sql`
    update loans set disclosure = ${
      app.sql.json({ industry: "零售业", overdue6m: "无逾期" })
    } where id = ${loanId}`;
    const c = new Client(app);
    const page = await c.get(`/loans/${loanId}?amount=1200`);
    assert.equal(page.status, 200);
    const main = mainOf(page.html);
    assert.match(main, /详情测试项目/);
    assert.match(main, /零售业/);
    assert.match(main, /无逾期/);
    assert.match(main, /未披露/);
    assert.match(main, /可能产生的风险结果/);
    assert.match(main, /data-testid="schedule-table"/);
    assert.match(main, /第12期/);
    assert.match(main, /登录后出借/);
    assert.match(main, new RegExp(`href="/loans/${loanId}/contract"`));
    for (const w of BANNED_PROMISES) assert.ok(!main.includes(w), w);
    const bad = await c.get(`/loans/${loanId}?amount=abc`);
    assert.match(bad.html, /请输入正确的金额/);

    const tpl = await c.get(`/loans/${loanId}/contract`);
    assert.equal(tpl.status, 200);
    assert.match(tpl.html, /出借协议（范本）/);
    assert.match(tpl.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    assert.equal((await c.get("/loans/999999999")).status, 404);
  },
);

appTest(
  "bid over HTTP: errors next to the field keep what was typed; success once; contract and list",
  async (app) => {
    const inv = await bidReadyInvestor(app.sql, { balanceFen: 500_000n });
    const { loanId } = await insertLoan(app.sql, { amountFen: 1_000_000n });
    const c = await userBrowser(app, inv.userId);
    const form = await c.get(`/loans/${loanId}`);
    assert.match(form.html, /data-testid="bid-form"/);
    const key = hiddenField(form.html, "idempotencyKey");
    const post = (fields: Record<string, string>) =>
      c.post(`/loans/${loanId}`, { idempotencyKey: key, tradePassword: TEST_TRADE_PASSWORD, ...fields });

    const below = await post({ amountYuan: "50" });
    assert.equal(below.status, 422);
    assert.match(below.html, /id="f-amountYuan-error"[^>]*>[^<]*起投 ¥100\.00/);
    assert.match(below.html, /name="amountYuan"[^>]*value="50"|value="50"[^>]*name="amountYuan"/);
    assert.equal(hiddenField(below.html, "idempotencyKey"), key);
    const over = await post({ amountYuan: "20000" });
    assert.match(over.html, /剩余可投 ¥10,000\.00/);
    const poor = await post({ amountYuan: "6000" });
    assert.match(poor.html, /可用余额不足/);
    const wrong = await post({ amountYuan: "1000", tradePassword: "000001" });
    assert.equal(wrong.status, 422);
    assert.match(wrong.html, /id="f-tradePassword-error"[^>]*>[^<]*交易密码错误/);
    assert.equal((await userBalances(app.sql, inv.userId)).frozenFen, 0n);

    const ok = await post({ amountYuan: "1000" });
    assert.equal(ok.status, 303);
    const location = ok.headers.get("location")!;
    assert.match(location, /^\/account\/investments\/\d+\?done=bid$/);
    const again = await post({ amountYuan: "1000" });
    assert.equal(again.status, 303);
    assert.equal(again.headers.get("location"), location);
    assert.equal((await userBalances(app.sql, inv.userId)).frozenFen, 100_000n);

    const detail = await c.get(location);
    assert.match(detail.html, /出借成功/);
    const sha = /data-testid="contract-sha">([0-9a-f]{64})</.exec(detail.html)?.[1];
    assert.ok(sha);
    const bidId = /investments\/(\d+)/.exec(location)![1];
    const contract = await c.get(`/account/investments/${bidId}/contract`);
    assert.equal(contract.status, 200);
    assert.ok(contract.html.includes(sha));
    assert.match(contract.html, /¥1,000\.00/);

    const list = await new Client(app).get(`/loans/${loanId}`);
    assert.match(list.html, /data-testid="bid-list"[\s\S]*用户 \d\*+[\s\S]*¥1,000\.00/);
    assert.ok(!list.html.includes(`用户 ${inv.userId}<`));
  },
);

appTest("bid over HTTP: no CSRF token, refused; signed out, sent to log in", async (app) => {
  const inv = await bidReadyInvestor(app.sql);
  const { loanId } = await insertLoan(app.sql);
  const c = await userBrowser(app, inv.userId);
  await c.get(`/loans/${loanId}`);
  c.csrf = "forged";
  const r = await c.post(`/loans/${loanId}`, { amountYuan: "100", idempotencyKey: crypto.randomUUID() });
  assert.equal(r.status, 403);
  const anon = new Client(app);
  await anon.get("/login"); // a page with a form, for a CSRF token
  const r2 = await anon.post(`/loans/${loanId}`, { amountYuan: "100", idempotencyKey: crypto.randomUUID() });
  assert.equal(r2.status, 303);
  assert.match(r2.headers.get("location") ?? "", /^\/login\?next=/);
  assert.equal((await userBalances(app.sql, inv.userId)).frozenFen, 0n);
});
