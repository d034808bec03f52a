/**
 * `/borrow/repay` through the app: the borrower sees the loan, what is due and the prepayment quote; a
 * short balance answers 422 with the shortfall and a top-up link, nothing paid; paying now and early
 * repayment work without JavaScript (plain forms, post/redirect/get); no guarantee wording.
 */
import assert from "node:assert/strict";
import { appTest, BANNED_PROMISES, mainOf, userBrowser } from "../helpers/forms.ts";
import { repayingLoan, topUp } from "../helpers/repaying_loan.ts";
import { formatFen } from "../../domain/money/format.ts";

appTest(
  "borrow/repay: short balance → 422 with the shortfall; pay now; prepay settles the loan",
  async (app) => {
    const loan = await repayingLoan(app.sql, { borrowerBalanceFen: 0n, termCount: 3 });
    const [first] = await app.sql<{ due: bigint }[]>`
    select principal_fen + interest_fen as due from loan_installments where loan_id = ${loan.loanId} and period = 1`;
    const c = await userBrowser(app, loan.borrowerId);
    const page = await c.get("/borrow/repay");
    assert.equal(page.status, 200);
    const main = mainOf(page.html);
    assert.match(main, /测试借款项目/);
    assert.ok(main.includes(formatFen(first.due)));
    assert.match(main, /提前还款/);
    for (const word of BANNED_PROMISES) assert.ok(!main.includes(word), word);
    const key = /name="idempotencyKey" value="([^"]+)"/.exec(page.html)![1];

    const short = await c.post("/borrow/repay", {
      intent: "repay",
      loanId: loan.loanId,
      idempotencyKey: key,
      amountYuan: "",
    });
    assert.equal(short.status, 422);
    assert.match(short.html, /可用余额不足/);
    assert.match(short.html, /href="\/account\/top-up"/);
    const bad = await c.post("/borrow/repay", {
      intent: "repay",
      loanId: loan.loanId,
      idempotencyKey: key,
      amountYuan: "-3",
    });
    assert.equal(bad.status, 422);
    assert.match(bad.html, /请输入正确的还款金额/);

    await topUp(app.sql, loan.borrowerId, 5_000_000n);
    const paid = await c.post("/borrow/repay", {
      intent: "repay",
      loanId: loan.loanId,
      idempotencyKey: key,
      amountYuan: "",
    });
    assert.equal(paid.status, 303);
    assert.equal(paid.headers.get("location"), "/borrow/repay?done=repaid");
    const [p1] = await app.sql<
      { status: string }[]
    >`select status from loan_installments where loan_id = ${loan.loanId} and period = 1`;
    assert.equal(p1.status, "paid");
    // the same form again pays nothing more
    const again = await c.post("/borrow/repay", {
      intent: "repay",
      loanId: loan.loanId,
      idempotencyKey: key,
      amountYuan: "",
    });
    assert.equal(again.status, 303);
    const [{ n }] = await app.sql<
      { n: number }[]
    >`select count(*) as n from loan_repayments where loan_id = ${loan.loanId}`;
    assert.equal(Number(n), 1);

    // another user cannot pay this loan
    const stranger = await userBrowser(app, loan.investorIds[0]);
    await stranger.get("/borrow/repay");
    const refused = await stranger.post("/borrow/repay", {
      intent: "repay",
      loanId: loan.loanId,
      idempotencyKey: crypto.randomUUID(),
      amountYuan: "",
    });
    assert.equal(refused.status, 422);
    assert.match(refused.html, /借款不存在/);

    const view = await c.get("/borrow/repay?done=repaid");
    assert.match(view.html, /还款成功/);
    const prepayKey = [...view.html.matchAll(/name="idempotencyKey" value="([^"]+)"/g)][1][1];
    const prepaid = await c.post("/borrow/repay", {
      intent: "prepay",
      loanId: loan.loanId,
      idempotencyKey: prepayKey,
    });
    assert.equal(prepaid.status, 303);
    const [l] = await app.sql<{ status: string }[]>`select status from loans where id = ${loan.loanId}`;
    assert.equal(l.status, "settled");
    const after = await c.get("/borrow/repay?done=prepaid");
    assert.match(after.html, /提前还款成功/);
    assert.match(after.html, /没有待还的借款/);
  },
);

appTest("borrow/repay needs a signed-in user", async (app) => {
  const res = await app.handle(new Request("http://localhost/borrow/repay"));
  assert.equal(res.status, 303);
  assert.match(res.headers.get("location") ?? "", /^\/login\?next=/);
  await res.body?.cancel();
});
