/**
 * `/admin/collections` through the app: permission (risk has collections.manage, finance does not), the
 * queue by days overdue, assignment, contact records with field errors, and write-off with four eyes.
 */
import assert from "node:assert/strict";
import { appTest, mainOf } from "../helpers/forms.ts";
import { auditRows, staffBrowser } from "../helpers/staff_fixtures.ts";
import { repayingLoan } from "../helpers/repaying_loan.ts";
import { addDays } from "../../domain/lending/repayment.ts";
import { formatShanghaiDate } from "../../domain/shared/shanghai_time.ts";

appTest(
  "admin/collections: queue, assignment, contact record, write-off by a second staff member",
  async (app) => {
    // a loan overdue since 40 days before today (settled through yesterday)
    const today = formatShanghaiDate(new Date());
    const due = addDays(today, -40);
    const loan = await repayingLoan(app.sql, { firstDueDate: due, termCount: 3 });
    await app.sql`update loans set status = 'overdue' where id = ${loan.loanId}`;
    await app
      .sql`update loan_installments set status = 'overdue' where loan_id = ${loan.loanId} and period = 1`;
    await app.sql`insert into collection_cases (loan_id) values (${loan.loanId}) on conflict do nothing`;

    const finance = await staffBrowser(app, app.sql, "finance");
    const denied = await finance.client.get("/admin/collections");
    assert.equal(denied.status, 403);

    const a = await staffBrowser(app, app.sql, "risk");
    const queue = await a.client.get("/admin/collections?bucket=31-60");
    assert.equal(queue.status, 200);
    assert.match(mainOf(queue.html), new RegExp(`/admin/collections/${loan.loanId}`));
    assert.match(queue.html, /逾期催收/);
    const other = await a.client.get("/admin/collections?bucket=1-30");
    assert.ok(!mainOf(other.html).includes(`/admin/collections/${loan.loanId}"`));

    const path = `/admin/collections/${loan.loanId}`;
    const detail = await a.client.get(path);
    assert.equal(detail.status, 200);
    assert.match(detail.html, /平台不对出借本金和收益提供任何担保/);
    const assigned = await a.client.post(path, { intent: "assign", staffId: a.staffId });
    assert.equal(assigned.status, 303);
    const mine = await a.client.get("/admin/collections?mine=1");
    assert.ok(mainOf(mine.html).includes(`/admin/collections/${loan.loanId}`));

    await a.client.get(path);
    const missing = await a.client.post(path, {
      intent: "note",
      contactedAt: "",
      channel: "phone",
      result: "promised",
      promiseDate: "",
      note: "",
    });
    assert.equal(missing.status, 422);
    assert.match(missing.html, /请填写联系时间/);
    const noted = await a.client.post(path, {
      intent: "note",
      contactedAt: `${addDays(today, -1)}T10:30`,
      channel: "phone",
      result: "promised",
      promiseDate: addDays(today, 3),
      note: "借款人称下周发工资后还款",
    });
    assert.equal(noted.status, 303);
    const withNote = await a.client.get(path);
    assert.match(withNote.html, /借款人称下周发工资后还款/);

    const proposed = await a.client.post(path, { intent: "propose", reason: "借款人失联，催收无果" });
    assert.equal(proposed.status, 303);
    const [proposal] = await app.sql<{ id: string }[]>`
    select id::text as id from write_off_proposals where loan_id = ${loan.loanId} and status = 'pending'`;
    const own = await a.client.get(path);
    assert.match(own.html, /须由另一位员工审批/);
    const self = await a.client.post(path, { intent: "approve", proposalId: proposal.id });
    assert.equal(self.status, 409);

    const b = await staffBrowser(app, app.sql, "risk");
    await b.client.get(path);
    const approved = await b.client.post(path, { intent: "approve", proposalId: proposal.id });
    assert.equal(approved.status, 303);
    const [l] = await app.sql<{ status: string }[]>`select status from loans where id = ${loan.loanId}`;
    assert.equal(l.status, "written_off");
    assert.equal(
      (await auditRows(app.sql, "collections.write_off_approve", `loan:${loan.loanId}`)).length,
      1,
    );
    assert.equal((await auditRows(app.sql, "collections.note", `loan:${loan.loanId}`)).length, 1);
    // written-off loans leave the queue
    const after = await b.client.get("/admin/collections");
    assert.ok(!mainOf(after.html).includes(`/admin/collections/${loan.loanId}"`));
  },
);
