/**
 * The investor's pages: 我的出借 by tab, one investment with its plan (received and pending rows from
 * claim_installments), the receivables calendar, the asset overview's receivables, and nobody else's
 * investment or contract.
 */
import assert from "node:assert/strict";
import type { Db } from "../../db/tx.ts";
import { assetOverview } from "../../domain/investor/account_overview.ts";
import { placeBid } from "../../domain/lending/place_bid.ts";
import { appTest, mainOf, userBrowser } from "../helpers/forms.ts";
import { insertLoan } from "../helpers/lending.ts";
import { testOutbox } from "../helpers/outbox.ts";
import { bidReadyInvestor, TEST_TRADE_PASSWORD } from "../helpers/investor_fixtures.ts";

async function bidOn(sql: Db, investorId: string, loanId: string, amountFen: bigint): Promise<string> {
  const r = await placeBid(sql, { outbox: testOutbox }, {
    investorId,
    loanId,
    amountFen,
    idempotencyKey: crypto.randomUUID(),
    sessionId: null,
    tradePassword: TEST_TRADE_PASSWORD,
  });
  assert.ok(r.ok);
  return r.bidId;
}

/** Turn a bid into a repaying claim with a two-period plan, the first received (as disbursement would). */
async function makeRepaying(sql: Db, bidId: string, loanId: string, investorId: string, month: string) {
  await sql`update bids set status = 'disbursed' where id = ${bidId}`;
  await sql`update loans set status = 'repaying' where id = ${loanId}`;
  const [claim] = await sql<{ id: string }[]>`
    insert into claims (loan_id, bid_id, investor_id, principal_fen)
    values (${loanId}, ${bidId}, ${investorId}, 100000) returning id`;
  await sql`
    insert into claim_installments (claim_id, period, loan_id, investor_id, due_date, principal_fen, interest_fen,
      received_principal_fen, received_interest_fen, fee_fen, status, received_at)
    values (${claim.id}, 1, ${loanId}, ${investorId}, ${month + "-05"}::date, 50000, 800, 50000, 800, 80,
        'received', now()),
      (${claim.id}, 2, ${loanId}, ${investorId}, ${
    month + "-20"
  }::date, 50000, 400, 0, 0, 0, 'pending', null)`;
}

appTest(
  "my investments: tabs, plan with received and pending rows, calendar, overview, own only",
  async (app) => {
    const inv = await bidReadyInvestor(app.sql);
    const open = await insertLoan(app.sql, { title: "投标中项目", amountFen: 1_000_000n });
    const rep = await insertLoan(app.sql, { title: "回款中项目", amountFen: 1_000_000n });
    const bidding = await bidOn(app.sql, inv.userId, open.loanId, 20_000n);
    const repaying = await bidOn(app.sql, inv.userId, rep.loanId, 100_000n);
    await makeRepaying(app.sql, repaying, rep.loanId, inv.userId, "2027-03");

    const c = await userBrowser(app, inv.userId);
    const tab1 = mainOf((await c.get("/account/investments")).html);
    assert.match(tab1, new RegExp(`data-bid-id="${bidding}"`));
    assert.ok(!tab1.includes(`data-bid-id="${repaying}"`));
    const tab2 = mainOf((await c.get("/account/investments?tab=repaying")).html);
    assert.match(tab2, new RegExp(`data-bid-id="${repaying}"`));
    assert.match(tab2, /待收本息 ¥504\.00/);
    const none = mainOf((await c.get("/account/investments?tab=overdue")).html);
    assert.match(none, /暂无逾期的出借/);

    const detail = mainOf((await c.get(`/account/investments/${repaying}`)).html);
    assert.match(detail, /data-status="received"[\s\S]*已收/);
    assert.match(detail, /data-status="pending"[\s\S]*待收/);
    assert.match(detail, /¥507\.20/); // 500 + 8 − 0.80 received after the fee
    const cal = mainOf((await c.get("/account/receivables?month=2027-03")).html);
    assert.match(cal, /2027-03-05/);
    assert.match(cal, /2027-03-20/);
    assert.match(cal, /¥504\.00/);

    const overview = await assetOverview(app.sql, inv.userId);
    assert.equal(overview.pendingReceivablesFen, 50_400n);
    assert.equal(overview.receivedFen, 50_720n);

    const menu = mainOf((await c.get("/account")).html);
    assert.match(menu, /href="\/account\/investments"/);
    assert.match(menu, /href="\/account\/receivables"/);

    const other = await bidReadyInvestor(app.sql);
    const o = await userBrowser(app, other.userId);
    assert.equal((await o.get(`/account/investments/${bidding}`)).status, 404);
    assert.equal((await o.get(`/account/investments/${bidding}/contract`)).status, 404);
  },
);
