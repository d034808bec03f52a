import assert from "node:assert/strict";
import type { Db } from "../../../db/tx.ts";
import {
  approveApplication,
  confirmApproval,
  fourEyesThreshold,
  rejectApplication,
  requestMoreInfo,
  updateFourEyesThreshold,
} from "../../../domain/lending/review.ts";
import { dbTest } from "../../helpers/db.ts";
import { createUser } from "../../helpers/forms.ts";
import { lendingStaff } from "../../helpers/lending_lifecycle.ts";
import { testOutbox } from "../../helpers/outbox.ts";

const deps = { outbox: testOutbox };

/** An application of personal_credit waiting for manual review. */
async function reviewableApplication(
  sql: Db,
  amountFen = 5_000_000n,
): Promise<{ applicationId: string; userId: string }> {
  const { userId } = await createUser(sql, "borrower");
  const [row] = await sql<{ id: string }[]>`
    insert into loan_applications (user_id, product_id, status, step, amount_fen, term_count, method, purpose,
      details, monthly_income_fen, monthly_debt_fen, submitted_at)
    select ${userId}, id, 'manual_review', 5, ${amountFen}, 12, 'equal_installment', '装修',
      ${
    sql.json({ profile: { city: "杭州", employmentType: "employed", education: "bachelor", workYears: 5 } })
  },
      1500000, 200000, now()
    from loan_products where code = 'personal_credit'
    returning id::text as id`;
  return { applicationId: row.id, userId };
}

const terms = (applicationId: string) => ({
  applicationId,
  grade: "B" as const,
  annualRateMicros: 90_000,
  title: "个人装修借款",
  publishAt: new Date(Date.now() + 3_600_000),
  repaymentSource: "工资收入",
});

dbTest(
  "approve below the threshold creates a scheduled loan with terms, disclosure and history",
  async (sql) => {
    const { applicationId, userId } = await reviewableApplication(sql);
    const risk = await lendingStaff(sql, "risk");
    const finance = await lendingStaff(sql, "finance");
    assert.deepEqual(await approveApplication(sql, deps, finance, terms(applicationId)), {
      ok: false,
      code: "forbidden",
    });
    const out = await approveApplication(sql, deps, risk, {
      ...terms(applicationId),
      annualRateMicros: 200_000,
    });
    assert.equal(out.ok === false && out.code, "rate_out_of_range");
    const bad = await approveApplication(sql, deps, risk, { ...terms(applicationId), title: "" });
    assert.ok(!bad.ok && bad.code === "invalid" && bad.fieldErrors.title);
    const done = await approveApplication(sql, deps, risk, terms(applicationId));
    assert.ok(done.ok && done.outcome === "approved");
    const [loan] = await sql`
    select status, borrower_id::text as borrower, grade, risk_level, annual_rate_micros as rate,
           min_bid_fen::text as min_bid, service_fee_micros as fee, disclosure,
           extract(epoch from bid_deadline - publish_at)::int as window
    from loans where id = ${done.loanId}`;
    assert.equal(loan.status, "scheduled");
    assert.equal(loan.borrower, userId);
    assert.equal(loan.risk_level, "R2");
    assert.equal(loan.rate, 90_000);
    assert.equal(loan.window, 7 * 86_400);
    const disclosure = typeof loan.disclosure === "string" ? JSON.parse(loan.disclosure) : loan.disclosure;
    assert.equal(disclosure.borrowerType, "个人");
    assert.equal(disclosure.monthlyIncomeFen, 1_500_000);
    const [app] = await sql`select status from loan_applications where id = ${applicationId}`;
    assert.equal(app.status, "approved");
    const events = await sql`select kind from loan_events where application_id = ${applicationId}`;
    assert.deepEqual(events.map((e) => e.kind), ["approved"]);
    const audit = await sql`select action from audit_log where target = ${
      "loan_application:" + applicationId
    }`;
    assert.deepEqual(audit.map((a) => a.action), ["loan.approve"]);
    // approving again is refused
    const again = await approveApplication(sql, deps, risk, terms(applicationId));
    assert.equal(again.ok === false && again.code, "wrong_status");
  },
);

dbTest(
  "four eyes: above the threshold a different reviewer confirms; the same one is refused",
  async (sql) => {
    const { applicationId } = await reviewableApplication(sql, (await fourEyesThreshold(sql)) + 10_000n);
    const first = await lendingStaff(sql, "risk");
    const second = await lendingStaff(sql, "risk");
    const pending = await approveApplication(sql, deps, first, terms(applicationId));
    assert.ok(pending.ok && pending.outcome === "pending_second");
    assert.equal(
      Number((await sql`select count(*) as n from loans where application_id = ${applicationId}`)[0].n),
      0,
    );
    const dup = await approveApplication(sql, deps, second, terms(applicationId));
    assert.equal(dup.ok === false && dup.code, "pending_exists");
    const same = await confirmApproval(sql, deps, first, { applicationId });
    assert.equal(same.ok === false && same.code, "same_reviewer");
    const confirmed = await confirmApproval(sql, deps, second, { applicationId });
    assert.ok(confirmed.ok && confirmed.outcome === "approved");
    const audit = await sql`select action from audit_log where target = ${
      "loan_application:" + applicationId
    } order by id`;
    assert.deepEqual(audit.map((a) => a.action), ["loan.approve.first", "loan.approve.confirm"]);
  },
);

dbTest("reject and more info: reason required, status, audit, notification", async (sql) => {
  const risk = await lendingStaff(sql, "risk");
  const a = await reviewableApplication(sql);
  assert.equal(
    (await rejectApplication(sql, deps, risk, { applicationId: a.applicationId, reason: "" })).ok,
    false,
  );
  assert.deepEqual(
    await requestMoreInfo(sql, deps, risk, { applicationId: a.applicationId, needed: "近6个月银行流水" }),
    {
      ok: true,
    },
  );
  const [s1] = await sql`select status, review_note from loan_applications where id = ${a.applicationId}`;
  assert.deepEqual({ ...s1 }, { status: "more_info", review_note: "近6个月银行流水" });
  // more info again is refused; rejection from more_info is allowed
  assert.equal(
    (await requestMoreInfo(sql, deps, risk, { applicationId: a.applicationId, needed: "再补充" })).ok,
    false,
  );
  assert.deepEqual(
    await rejectApplication(sql, deps, risk, { applicationId: a.applicationId, reason: "收入证明不实" }),
    {
      ok: true,
    },
  );
  const notes = await sql`select count(*) as n from outbox_events where topic = 'notification'
    and payload ->> 'userId' = ${a.userId}`;
  assert.ok(BigInt(notes[0].n) >= 2n);
});

dbTest("the four-eyes threshold is edited by risk.rules staff only", async (sql) => {
  const ops = await lendingStaff(sql, "operations");
  const risk = await lendingStaff(sql, "risk");
  const before = await fourEyesThreshold(sql);
  assert.deepEqual(await updateFourEyesThreshold(sql, ops, { thresholdFen: 1n }), {
    ok: false,
    code: "forbidden",
  });
  assert.deepEqual(await updateFourEyesThreshold(sql, risk, { thresholdFen: 0n }), {
    ok: false,
    code: "invalid",
  });
  assert.deepEqual(await updateFourEyesThreshold(sql, risk, { thresholdFen: before }), { ok: true });
  assert.equal(await fourEyesThreshold(sql), before);
});
