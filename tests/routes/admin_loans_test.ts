import assert from "node:assert/strict";
import { appTest, createUser, mainOf } from "../helpers/forms.ts";
import { fundedLoan } from "../helpers/lending_lifecycle.ts";
import { staffBrowser } from "../helpers/staff_fixtures.ts";
import { BANNED_PROMISES } from "../helpers/forms.ts";

appTest(
  "admin loans: queue, review page, approve; bidding; full review then disbursement by another staff",
  async (app) => {
    const cs = await staffBrowser(app, app.sql, "customer_service");
    assert.equal((await cs.client.get("/admin/loans")).status, 403);
    assert.equal((await cs.client.get("/admin/loans/full")).status, 403);
    const { userId } = await createUser(app.sql, "borrower");
    const [application] = await app.sql<{ id: string }[]>`
    insert into loan_applications (user_id, product_id, status, step, amount_fen, term_count, method, purpose,
      monthly_income_fen, monthly_debt_fen, submitted_at)
    select ${userId}, id, 'manual_review', 5, 5000000, 12, 'equal_installment', '装修', 1500000, 0, now()
    from loan_products where code = 'personal_credit' returning id::text as id`;
    const risk = await staffBrowser(app, app.sql, "risk");
    const queue = await risk.client.get("/admin/loans");
    assert.equal(queue.status, 200);
    assert.match(queue.html, new RegExp(`/admin/loans/${application.id}`));
    const detail = await risk.client.get(`/admin/loans/${application.id}`);
    assert.equal(detail.status, 200);
    assert.match(detail.html, /审核通过/);
    const bad = await risk.client.post(`/admin/loans/${application.id}`, {
      intent: "approve",
      grade: "B",
      annualRate: "20",
      title: "装修借款",
      publishAt: "2026-12-31T10:00",
    });
    assert.equal(bad.status, 409);
    assert.match(mainOf(bad.html), /年利率不在/);
    const ok = await risk.client.post(`/admin/loans/${application.id}`, {
      intent: "approve",
      grade: "B",
      annualRate: "9",
      title: "装修借款",
      publishAt: new Date(Date.now() + 3_600_000).toISOString().slice(0, 16),
    });
    assert.equal(ok.status, 303);
    const [loan] = await app.sql`select status from loans where application_id = ${application.id}`;
    assert.equal(loan.status, "scheduled");

    const funded = await fundedLoan(app.sql, { bids: 2 });
    const bidding = await risk.client.get(`/admin/loans/bidding?loan=${funded.loanId}`);
    assert.equal(bidding.status, 200);
    assert.match(bidding.html, /投标记录/);
    const full = await risk.client.get("/admin/loans/full");
    assert.equal(full.status, 200);
    assert.match(full.html, new RegExp(`data-loan="${funded.loanId}"`));
    assert.equal(
      (await risk.client.post("/admin/loans/full", { intent: "review", loanId: funded.loanId })).status,
      303,
    );
    // the reviewer has no finance.disburse; a finance staff member disburses
    assert.equal(
      (await risk.client.post("/admin/loans/full", { intent: "disburse", loanId: funded.loanId })).status,
      403,
    );
    const finance = await staffBrowser(app, app.sql, "finance");
    await finance.client.get("/admin/loans/full");
    assert.equal(
      (await finance.client.post("/admin/loans/full", { intent: "disburse", loanId: funded.loanId })).status,
      303,
    );
    const [after] = await app.sql`select status from loans where id = ${funded.loanId}`;
    assert.equal(after.status, "repaying");
    for (const word of BANNED_PROMISES) assert.ok(!full.html.includes(word));
  },
);
