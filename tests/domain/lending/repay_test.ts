/**
 * Repayment commands on the real database (both backends): one installment paid gives each investor
 * exactly their row minus the fee; partial payments; refusals change nothing; early repayment settles the
 * loan; the ledger audit of everyone involved stays clean.
 */
import assert from "node:assert/strict";
import { dbTest } from "../../helpers/db.ts";
import { testOutbox } from "../../helpers/outbox.ts";
import { repayingLoan, topUp } from "../../helpers/repaying_loan.ts";
import type { Db } from "../../../db/tx.ts";
import { auditLedger } from "../../../domain/ledger/audit.ts";
import { userBalances } from "../../../domain/ledger/ledger.ts";
import { prepayLoan, prepaymentQuote, repayNow } from "../../../domain/lending/repay.ts";
import { rowFeeFen } from "../../../domain/lending/repayment.ts";

const deps = { outbox: testOutbox };
const key = () => crypto.randomUUID().replaceAll("-", "");

async function claimRows(sql: Db, loanId: string, period: number) {
  return await sql<
    {
      investorId: string;
      principalFen: bigint;
      interestFen: bigint;
      receivedPrincipalFen: bigint;
      receivedInterestFen: bigint;
      feeFen: bigint;
      status: string;
    }[]
  >`
    select investor_id::text as "investorId", principal_fen as "principalFen", interest_fen as "interestFen",
      received_principal_fen as "receivedPrincipalFen", received_interest_fen as "receivedInterestFen",
      fee_fen as "feeFen", status
    from claim_installments where loan_id = ${loanId} and period = ${period} order by claim_id`;
}

async function installment(sql: Db, loanId: string, period: number) {
  const [row] = await sql<{ principalFen: bigint; interestFen: bigint; paidFen: bigint; status: string }[]>`
    select principal_fen as "principalFen", interest_fen as "interestFen",
      paid_principal_fen + paid_interest_fen + paid_penalty_fen as "paidFen", status
    from loan_installments where loan_id = ${loanId} and period = ${period}`;
  return row;
}

dbTest(
  "repayNow pays the current installment: investors receive exactly their rows minus the fee",
  async (sql) => {
    const loan = await repayingLoan(sql, { weights: [1n, 2n, 7n], borrowerBalanceFen: 0n });
    const first = await installment(sql, loan.loanId, 1);
    const due = first.principalFen + first.interestFen;
    // not enough money: refused with the shortfall, nothing changes
    await topUp(sql, loan.borrowerId, due - 100n);
    const short = await repayNow(sql, deps, {
      borrowerId: loan.borrowerId,
      loanId: loan.loanId,
      idempotencyKey: key(),
    });
    assert.deepEqual(short, { ok: false, code: "insufficient_funds", shortFen: 100n, neededFen: due });
    assert.equal((await installment(sql, loan.loanId, 1)).paidFen, 0n);
    // someone else's loan
    const other = await repayNow(sql, deps, {
      borrowerId: loan.investorIds[0],
      loanId: loan.loanId,
      idempotencyKey: key(),
    });
    assert.deepEqual(other, { ok: false, code: "not_found" });
    await topUp(sql, loan.borrowerId, 100n);
    const tooMuch = await repayNow(sql, deps, {
      borrowerId: loan.borrowerId,
      loanId: loan.loanId,
      amountFen: due + 1n,
      idempotencyKey: key(),
    });
    assert.deepEqual(tooMuch, { ok: false, code: "amount_too_large", maxFen: due });

    const k = key();
    const r = await repayNow(sql, deps, {
      borrowerId: loan.borrowerId,
      loanId: loan.loanId,
      idempotencyKey: k,
    });
    assert.ok(r.ok, String(r.ok ? "" : r.code));
    assert.equal(r.amountFen, due);
    assert.equal((await installment(sql, loan.loanId, 1)).status, "paid");
    const rows = await claimRows(sql, loan.loanId, 1);
    for (const row of rows) {
      assert.equal(row.status, "received");
      assert.equal(row.receivedPrincipalFen, row.principalFen);
      assert.equal(row.receivedInterestFen, row.interestFen);
      assert.equal(row.feeFen, rowFeeFen(row.interestFen, 100_000));
      const b = await userBalances(sql, row.investorId);
      assert.equal(b.availableFen, row.principalFen + row.interestFen - row.feeFen);
    }
    assert.equal((await userBalances(sql, loan.borrowerId)).availableFen, 0n);
    // a repeat of the same form pays nothing more
    const again = await repayNow(sql, deps, {
      borrowerId: loan.borrowerId,
      loanId: loan.loanId,
      idempotencyKey: k,
    });
    assert.ok(again.ok && again.replayed);
    const [{ n }] = await sql<
      { n: number }[]
    >`select count(*) as n from journal_entries where reference = ${"loan:" + loan.loanId}`;
    assert.equal(Number(n), 1);
    assert.deepEqual(await auditLedger(sql, { userIds: [loan.borrowerId, ...loan.investorIds] }), []);
  },
);

dbTest("repayNow with a partial amount pays interest before principal and splits it exactly", async (sql) => {
  const loan = await repayingLoan(sql, { weights: [3n, 3n, 3n, 1n], borrowerBalanceFen: 1_000_000n });
  const first = await installment(sql, loan.loanId, 1);
  const part = first.interestFen + 333n;
  const r = await repayNow(sql, deps, {
    borrowerId: loan.borrowerId,
    loanId: loan.loanId,
    amountFen: part,
    idempotencyKey: key(),
  });
  assert.ok(r.ok);
  const rows = await claimRows(sql, loan.loanId, 1);
  assert.equal(rows.reduce((s, x) => s + x.receivedInterestFen, 0n), first.interestFen);
  assert.equal(rows.reduce((s, x) => s + x.receivedPrincipalFen, 0n), 333n);
  assert.equal((await installment(sql, loan.loanId, 1)).status, "pending");
  // the rest completes every row exactly
  const rest = await repayNow(sql, deps, {
    borrowerId: loan.borrowerId,
    loanId: loan.loanId,
    idempotencyKey: key(),
  });
  assert.ok(rest.ok);
  assert.equal(rest.amountFen, first.principalFen - 333n);
  for (const row of await claimRows(sql, loan.loanId, 1)) {
    assert.equal(row.receivedPrincipalFen, row.principalFen);
    assert.equal(row.status, "received");
  }
  assert.deepEqual(await auditLedger(sql, { userIds: [loan.borrowerId, ...loan.investorIds] }), []);
});

dbTest("prepayLoan repays everything early with the fee and settles the loan and its claims", async (sql) => {
  const loan = await repayingLoan(sql, { termCount: 6, borrowerBalanceFen: 5_000_000n });
  const quote = await prepaymentQuote(sql, loan.borrowerId, loan.loanId);
  assert.ok(quote);
  assert.equal(quote.remainingPrincipalFen, 1_200_000n);
  assert.equal(quote.feeFen, 12_000n); // 1% of 12,000 yuan
  assert.ok(quote.waivedInterestFen > 0n);
  const before = (await userBalances(sql, loan.borrowerId)).availableFen;
  const r = await prepayLoan(sql, deps, {
    borrowerId: loan.borrowerId,
    loanId: loan.loanId,
    idempotencyKey: key(),
  });
  assert.ok(r.ok, String(r.ok ? "" : r.code));
  assert.equal(r.amountFen, quote.totalFen);
  assert.ok(r.settled);
  assert.equal((await userBalances(sql, loan.borrowerId)).availableFen, before - quote.totalFen);
  const [l] = await sql<{ status: string }[]>`select status from loans where id = ${loan.loanId}`;
  assert.equal(l.status, "settled");
  const claims = await sql<{ status: string }[]>`select status from claims where loan_id = ${loan.loanId}`;
  assert.ok(claims.every((c) => c.status === "settled"));
  const [{ pending }] = await sql<{ pending: number }[]>`
    select count(*) as pending from claim_installments where loan_id = ${loan.loanId} and status <> 'received'`;
  assert.equal(Number(pending), 0);
  // the investors together received all principal
  let received = 0n;
  for (const id of loan.investorIds) received += (await userBalances(sql, id)).availableFen;
  assert.ok(received > 1_200_000n);
  const again = await prepayLoan(sql, deps, {
    borrowerId: loan.borrowerId,
    loanId: loan.loanId,
    idempotencyKey: key(),
  });
  assert.deepEqual(again, { ok: false, code: "not_repayable" });
  assert.deepEqual(await auditLedger(sql, { userIds: [loan.borrowerId, ...loan.investorIds] }), []);
});

dbTest("prepayLoan is refused when the product does not allow it", async (sql) => {
  const loan = await repayingLoan(sql, { borrowerBalanceFen: 5_000_000n });
  await sql`update loan_products set prepayment_allowed = false
    where id = (select product_id from loans where id = ${loan.loanId})`;
  try {
    const r = await prepayLoan(sql, deps, {
      borrowerId: loan.borrowerId,
      loanId: loan.loanId,
      idempotencyKey: key(),
    });
    assert.deepEqual(r, { ok: false, code: "prepayment_not_allowed" });
  } finally {
    await sql`update loan_products set prepayment_allowed = true
      where id = (select product_id from loans where id = ${loan.loanId})`;
  }
});

dbTest(
  "a loan disbursed by the real commands (disbursedLoan) is repaid in full: prepay settles it",
  async (sql) => {
    const { disbursedLoan } = await import("../../helpers/lending_lifecycle.ts");
    const loan = await disbursedLoan(sql, { termCount: 3 });
    await topUp(sql, loan.borrowerId, 5_000_000n);
    const first = await repayNow(sql, deps, {
      borrowerId: loan.borrowerId,
      loanId: loan.loanId,
      idempotencyKey: key(),
    });
    assert.ok(first.ok, first.ok ? "" : first.code);
    const r = await prepayLoan(sql, deps, {
      borrowerId: loan.borrowerId,
      loanId: loan.loanId,
      idempotencyKey: key(),
    });
    assert.ok(r.ok && r.settled, r.ok ? "" : r.code);
    assert.deepEqual(await auditLedger(sql, { userIds: [loan.borrowerId, ...loan.investorIds] }), []);
  },
);
