import assert from "node:assert/strict";
import { appTest, createUser, mainOf } from "../helpers/forms.ts";
import { fundedLoan } from "../helpers/lending_lifecycle.ts";
import { staffBrowser } from "../helpers/staff_fixtures.ts";
import { BANNED_PROMISES } from "../helpers/forms.ts";
import { getProduct } from "../../domain/lending/products.ts";
import { formatRateMicros } from "../../domain/money/format.ts";

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

appTest(
  "admin loans: the approval form labels its fields, shows each grade's rate range, keeps input",
  async (app) => {
    const { userId } = await createUser(app.sql, "borrower");
    const [application] = await app.sql<{ id: string; productId: string }[]>`
    insert into loan_applications (user_id, product_id, status, step, amount_fen, term_count, method, purpose,
      submitted_at)
    select ${userId}, id, 'manual_review', 5, 5000000, 12, 'equal_installment', '装修', now()
    from loan_products where code = 'personal_credit' returning id::text as id, product_id::text as "productId"`;
    const rates = (await getProduct(app.sql, application.productId))!.gradeRates;
    const range = (g: "A" | "B") =>
      `${formatRateMicros(rates[g].minRateMicros)}–${formatRateMicros(rates[g].maxRateMicros)}`;
    const risk = await staffBrowser(app, app.sql, "risk");
    const path = `/admin/loans/${application.id}`;
    const form = (html: string) =>
      /<form[^>]*aria-labelledby="approve-title"[\s\S]*?<\/form>/.exec(html)?.[0] ?? "";

    const page = form((await risk.client.get(path)).html);
    // every field has its label; each grade's option shows its range; no scorecard grade yet → none chosen
    for (const name of ["grade", "annualRate", "title", "publishAt", "repaymentSource"]) {
      assert.match(page, new RegExp(`<label for="f-${name}">`), name);
      assert.match(page, new RegExp(`id="f-${name}"`), name);
    }
    const option = (g: "A" | "B", selected = "") =>
      new RegExp(`<option value="${g}"\\s*${selected}>${g}（年利率 ${range(g)}）</option>`);
    assert.match(page, option("A"));
    assert.match(page, option("B"));
    assert.doesNotMatch(/<select id="f-grade"[\s\S]*?<\/select>/.exec(page)![0], /selected/);
    assert.match(page, /id="f-annualRate-hint">各评级允许的年利率范围见评级选项/);

    // bad input: each message beside its field (aria-invalid, described by), what was typed kept
    const bad = await risk.client.post(path, {
      intent: "approve",
      grade: "B",
      annualRate: "八",
      title: "装",
      publishAt: "",
      repaymentSource: "工资收入",
    });
    assert.equal(bad.status, 422);
    const badForm = form(bad.html);
    for (const name of ["annualRate", "title", "publishAt"]) {
      assert.match(badForm, new RegExp(`id="f-${name}"[^>]*aria-invalid="true"`), name);
      assert.match(badForm, new RegExp(`<p class="field-error" id="f-${name}-error" role="alert">`), name);
    }
    assert.match(badForm, /id="f-annualRate-error" role="alert">请填写百分数/);
    assert.match(badForm, /id="f-title-error" role="alert">项目名称至少 2 个字/);
    assert.match(badForm, /value="八"/);
    assert.match(badForm, /value="工资收入"/);
    assert.match(badForm, option("B", "selected"));
    assert.match(badForm, new RegExp(`id="f-annualRate-hint">评级 B 允许 ${range("B")}`));

    // a rate outside the grade's range: refused at the rate field with the range
    const high = await risk.client.post(path, {
      intent: "approve",
      grade: "A",
      annualRate: "35",
      title: "装修借款",
      publishAt: new Date(Date.now() + 3_600_000 + 8 * 3_600_000).toISOString().slice(0, 16),
    });
    assert.equal(high.status, 409);
    assert.match(
      form(high.html),
      new RegExp(`id="f-annualRate-error" role="alert">年利率不在[^<]*（${range("A")}）`),
    );
    assert.match(form(high.html), /value="35"/);
    const [still] = await app.sql`select status from loan_applications where id = ${application.id}`;
    assert.equal(still.status, "manual_review", "nothing approved");
  },
);
