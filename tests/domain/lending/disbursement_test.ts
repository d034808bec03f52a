import assert from "node:assert/strict";
import { loadConfig } from "../../../config.ts";
import { userBalances } from "../../../domain/ledger/ledger.ts";
import { disburseLoan, reviewFullLoan } from "../../../domain/lending/disbursement.ts";
import { applyCustodyCallback } from "../../../domain/payments/custody_instruction.ts";
import { compareWithLedger } from "../../../domain/payments/reconciliation.ts";
import { formatShanghaiDate } from "../../../domain/shared/shanghai_time.ts";
import { createGateways } from "../../../integrations/gateways.ts";
import { dbTest } from "../../helpers/db.ts";
import { disbursedLoan, fundedLoan, lendingStaff } from "../../helpers/lending_lifecycle.ts";
import { deliverOutbox, testOutbox } from "../../helpers/outbox.ts";
import { queuedCallbacks } from "../payments/custody_fixtures.ts";
import type { CustodyCallbackBody } from "../../../domain/gateways/custody.ts";

const deps = { outbox: testOutbox };

dbTest("full review and disbursement: four eyes, permissions, state", async (sql) => {
  const funded = await fundedLoan(sql, { bids: 2 });
  const risk = await lendingStaff(sql, "risk");
  const finance = await lendingStaff(sql, "finance");
  const admin = await lendingStaff(sql, "super_admin");
  // finance cannot review; risk cannot disburse
  assert.deepEqual(await reviewFullLoan(sql, finance, { loanId: funded.loanId }), {
    ok: false,
    code: "forbidden",
  });
  assert.deepEqual(await disburseLoan(sql, deps, risk, { loanId: funded.loanId }), {
    ok: false,
    code: "forbidden",
  });
  // not reviewed yet
  assert.deepEqual(await disburseLoan(sql, deps, finance, { loanId: funded.loanId }), {
    ok: false,
    code: "not_reviewed",
  });
  assert.ok((await reviewFullLoan(sql, admin, { loanId: funded.loanId })).ok);
  assert.deepEqual(await reviewFullLoan(sql, admin, { loanId: funded.loanId }), {
    ok: false,
    code: "not_full",
  });
  // the reviewer (who holds every permission) cannot disburse
  assert.deepEqual(await disburseLoan(sql, deps, admin, { loanId: funded.loanId }), {
    ok: false,
    code: "same_staff",
  });
  const done = await disburseLoan(sql, deps, finance, { loanId: funded.loanId });
  assert.ok(done.ok);
  assert.deepEqual(await disburseLoan(sql, deps, finance, { loanId: funded.loanId }), {
    ok: false,
    code: "not_reviewed",
  });
  const [loan] = await sql<{ status: string; disbursedBy: string; fee: bigint }[]>`
    select status, disbursed_by::text as "disbursedBy", service_fee_fen as fee from loans where id = ${funded.loanId}`;
  assert.equal(loan.status, "repaying");
  assert.equal(loan.disbursedBy, finance.staff.id);
  const audits = await sql`select action from audit_log where target = ${
    "loan:" + funded.loanId
  } order by id`;
  assert.deepEqual(audits.map((a) => a.action), ["loan.full_review", "loan.disburse"]);
});

dbTest(
  "disbursement: ledger, claims rows and columns exact, custody batch executed, reconciliation clean",
  async (sql) => {
    const splits = [10_000n, 30_000n, 70_000n, 130_000n, 260_000n, 500_000n]; // 1,000,000
    const now = new Date("2026-01-31T02:00:00Z"); // Shanghai day 2026-01-31: due dates clamp to month ends
    const loan = await disbursedLoan(sql, { amountFen: 1_000_000n, splits, termCount: 12, now });
    // ledger: the borrower got the amount minus the fee; investors' frozen money is gone
    assert.equal(loan.serviceFeeFen, 20_000n); // personal_credit 2%
    assert.deepEqual(await userBalances(sql, loan.borrowerId), {
      availableFen: 980_000n,
      frozenFen: 0n,
      rewardFen: 0n,
    });
    for (const investorId of loan.investorIds) {
      assert.equal((await userBalances(sql, investorId)).frozenFen, 0n);
    }
    // installments
    const installments = await sql<{ period: number; due: string; p: bigint; i: bigint }[]>`
    select period, to_char(due_date, 'YYYY-MM-DD') as due, principal_fen as p, interest_fen as i
    from loan_installments where loan_id = ${loan.loanId} order by period`;
    assert.equal(installments.length, 12);
    assert.equal(installments[0].due, "2026-02-28");
    assert.equal(installments[1].due, "2026-03-31");
    assert.equal(installments.reduce((s, r) => s + BigInt(r.p), 0n), 1_000_000n);
    // columns
    const columns = await sql<{ period: number; p: bigint; i: bigint }[]>`
    select period, sum(principal_fen)::bigint as p, sum(interest_fen)::bigint as i
    from claim_installments where loan_id = ${loan.loanId} group by period order by period`;
    for (const [k, c] of columns.entries()) {
      assert.equal(BigInt(c.p), BigInt(installments[k].p));
      assert.equal(BigInt(c.i), BigInt(installments[k].i));
    }
    // rows
    const rows = await sql<{ claimId: string; p: bigint; principal: bigint }[]>`
    select c.id::text as "claimId", sum(ci.principal_fen)::bigint as p, c.principal_fen as principal
    from claims c join claim_installments ci on ci.claim_id = c.id where c.loan_id = ${loan.loanId}
    group by c.id`;
    assert.equal(rows.length, splits.length);
    for (const r of rows) assert.equal(BigInt(r.p), BigInt(r.principal));
    // custody: deliver the batch to the sandbox bank and apply its callback
    await deliverOutbox(sql);
    const callbacks = await queuedCallbacks<CustodyCallbackBody>(sql, loan.instructionId);
    assert.equal(callbacks.length, 1);
    assert.equal(callbacks[0].body.status, "succeeded");
    const applied = await applyCustodyCallback(sql, callbacks[0].body, deps);
    assert.deepEqual(applied, { ok: true, outcome: "applied" });
    const [instruction] =
      await sql`select status, kind from custody_instructions where id = ${loan.instructionId}`;
    assert.deepEqual({ ...instruction }, { status: "succeeded", kind: "batch_transfer" });
    // the bank agrees with the ledger for every account of this loan
    const gateways = createGateways(loadConfig({ APP_ENV: "test" }), sql);
    const statement = await gateways.custody.dailyStatement(formatShanghaiDate(new Date()));
    const found = await compareWithLedger(sql, statement);
    const ours = new Set([loan.borrowerId, ...loan.investorIds]);
    assert.deepEqual(found.differences.filter((d) => d.userId && ours.has(d.userId)), []);
    assert.deepEqual(
      found.differences.filter((d) => d.detail.includes(`指令 ${loan.instructionId}`)),
      [],
    );
    // the borrower's bank account holds the amount minus the fee
    const bank = await gateways.custody.sandbox!.account(`L${loan.borrowerId.padStart(12, "0")}`);
    assert.deepEqual(bank, { balanceFen: 980_000n, frozenFen: 0n, userId: loan.borrowerId });
    // reminders are scheduled through the outbox
    const [{ count }] = await sql<{ count: bigint }[]>`
    select count(*)::bigint as count from outbox_events where topic = 'loan.reminder'
      and payload ->> 'loanId' = ${loan.loanId}`;
    assert.ok(Number(count) >= 12);
  },
);
