/**
 * The disclosure's loan figures from the books: a set of loans in every state written straight into the
 * lending tables, each figure asserted exactly (narrowed to the test's own loans, as the database is shared),
 * the unscoped figures moving by exactly one loan, the 90-day boundary, and the fee income by kind.
 */
import assert from "node:assert/strict";
import { dbTest } from "../../helpers/db.ts";
import { createUser } from "../../helpers/forms.ts";
import { transaction } from "../../../db/tx.ts";
import { postEntry, reverseEntry } from "../../../domain/ledger/ledger.ts";
import { feeIncome, loanFigures, shareMicros } from "../../../domain/disclosure/figures.ts";
import { bookLoan } from "./books_fixture.ts";

dbTest("figures: every loan figure of the disclosure, exactly, from the books", async (sql) => {
  const [b1, b2, b3, b4, b5] = await Promise.all([1, 2, 3, 4, 5].map(() => createUser(sql, "borrower")));
  const [i1, i2, i3, i4, i5, i6] = await Promise.all(
    [1, 2, 3, 4, 5, 6].map(() => createUser(sql, "investor")),
  );
  const ids: string[] = [];
  // A: repaying, first installment paid, 500,000 principal left, not overdue
  ids.push(
    (await bookLoan(sql, {
      borrowerId: b1.userId,
      status: "repaying",
      amountFen: 1_000_000n,
      installments: [
        {
          dueInDays: -10,
          principalFen: 500_000n,
          interestFen: 10_000n,
          paidPrincipalFen: 500_000n,
          paidInterestFen: 10_000n,
          status: "paid",
        },
        { dueInDays: 20, principalFen: 500_000n, interestFen: 5_000n },
      ],
      claims: [{ investorId: i1.userId, principalFen: 600_000n }, {
        investorId: i2.userId,
        principalFen: 400_000n,
      }],
    })).loanId,
  );
  // B: overdue for 100 days, 1,800,000 left
  ids.push(
    (await bookLoan(sql, {
      borrowerId: b2.userId,
      status: "overdue",
      amountFen: 2_000_000n,
      installments: [
        {
          dueInDays: -100,
          principalFen: 1_000_000n,
          interestFen: 20_000n,
          paidPrincipalFen: 200_000n,
          status: "overdue",
        },
        { dueInDays: -70, principalFen: 1_000_000n, interestFen: 10_000n, status: "overdue" },
      ],
      claims: [{ investorId: i1.userId, principalFen: 2_000_000n }],
    })).loanId,
  );
  // C: still "repaying" but yesterday's interest unpaid (settlement not run yet): overdue 5 days, 300,000 left
  ids.push(
    (await bookLoan(sql, {
      borrowerId: b1.userId,
      status: "repaying",
      amountFen: 600_000n,
      installments: [
        { dueInDays: -5, principalFen: 300_000n, interestFen: 6_000n, paidPrincipalFen: 300_000n },
        { dueInDays: 25, principalFen: 300_000n, interestFen: 3_000n },
      ],
      claims: [{ investorId: i3.userId, principalFen: 600_000n }],
    })).loanId,
  );
  // D settled, E written off: lent, not outstanding
  ids.push(
    (await bookLoan(sql, {
      borrowerId: b3.userId,
      status: "settled",
      amountFen: 500_000n,
      installments: [{
        dueInDays: -30,
        principalFen: 500_000n,
        interestFen: 4_000n,
        paidPrincipalFen: 500_000n,
        paidInterestFen: 4_000n,
        status: "paid",
      }],
      claims: [{ investorId: i4.userId, principalFen: 500_000n, status: "settled" }],
    })).loanId,
  );
  ids.push(
    (await bookLoan(sql, {
      borrowerId: b4.userId,
      status: "written_off",
      amountFen: 400_000n,
      installments: [{ dueInDays: -200, principalFen: 400_000n, interestFen: 4_000n, status: "written_off" }],
      claims: [{ investorId: i5.userId, principalFen: 400_000n, status: "written_off" }],
    })).loanId,
  );
  // F: open, bids frozen — not lent
  ids.push(
    (await bookLoan(sql, {
      borrowerId: b5.userId,
      status: "open",
      amountFen: 300_000n,
      fundedFen: 100_000n,
      claims: [{ investorId: i6.userId, principalFen: 100_000n }],
    })).loanId,
  );
  // ten small loans of ten more borrowers, 10,000 × k outstanding each, all held by i2
  for (let k = 1n; k <= 10n; k++) {
    ids.push(
      (await bookLoan(sql, {
        status: "repaying",
        amountFen: 10_000n * k,
        installments: [{ dueInDays: 30, principalFen: 10_000n * k, interestFen: 100n }],
        claims: [{ investorId: i2.userId, principalFen: 10_000n * k }],
      })).loanId,
    );
  }

  const f = await loanFigures(sql, { loanIds: ids });
  assert.deepEqual(f, {
    cumulativeAmountFen: 5_050_000n,
    cumulativeCount: 15n,
    outstandingAmountFen: 3_150_000n,
    outstandingCount: 13n,
    cumulativeLenders: 5n,
    cumulativeBorrowers: 14n,
    currentLenders: 3n,
    currentBorrowers: 12n,
    // B2 1,800,000 + B1 800,000 + 100,000 … 30,000 = 3,120,000 of 3,150,000
    top10BorrowerShareMicros: 990_476,
    largestBorrowerShareMicros: 571_429,
    overdueAmountFen: 2_100_000n,
    overdueCount: 2n,
    overdue90AmountFen: 1_800_000n,
    overdue90Count: 1n,
    relatedPartyAmountFen: 0n,
    relatedPartyCount: 0n,
  });
  assert.equal(shareMicros(3_120_000n, 3_150_000n), 990_476);

  // no loan: every figure 0, shares 0 (no division by zero)
  const none = await loanFigures(sql, { loanIds: [] });
  assert.equal(none.cumulativeAmountFen, 0n);
  assert.equal(none.top10BorrowerShareMicros, 0);
  assert.equal(none.largestBorrowerShareMicros, 0);
});

dbTest("figures: 90 days overdue is not 90+; 91 days is; an accelerated loan is overdue", async (sql) => {
  const ninety = await bookLoan(sql, {
    status: "overdue",
    amountFen: 100_000n,
    installments: [{ dueInDays: -90, principalFen: 100_000n, interestFen: 1_000n, status: "overdue" }],
  });
  const ninetyOne = await bookLoan(sql, {
    status: "overdue",
    amountFen: 200_000n,
    installments: [{ dueInDays: -91, principalFen: 200_000n, interestFen: 1_000n, status: "overdue" }],
  });
  const accelerated = await bookLoan(sql, {
    status: "accelerated",
    amountFen: 400_000n,
    installments: [{ dueInDays: 10, principalFen: 400_000n, interestFen: 1_000n }],
  });
  const f = await loanFigures(sql, { loanIds: [ninety.loanId, ninetyOne.loanId, accelerated.loanId] });
  assert.equal(f.overdueCount, 3n);
  assert.equal(f.overdueAmountFen, 700_000n);
  assert.equal(f.overdue90Count, 1n);
  assert.equal(f.overdue90AmountFen, 200_000n);
});

dbTest("figures: the published (unscoped) figures move by exactly one new loan", async (sql) => {
  const before = await loanFigures(sql);
  const borrower = await createUser(sql, "borrower");
  await bookLoan(sql, {
    borrowerId: borrower.userId,
    status: "repaying",
    amountFen: 777_700n,
    installments: [{ dueInDays: 30, principalFen: 777_700n, interestFen: 7_000n }],
    claims: [{ principalFen: 777_700n }],
  });
  const after = await loanFigures(sql);
  assert.equal(after.cumulativeAmountFen - before.cumulativeAmountFen, 777_700n);
  assert.equal(after.cumulativeCount - before.cumulativeCount, 1n);
  assert.equal(after.outstandingAmountFen - before.outstandingAmountFen, 777_700n);
  assert.equal(after.outstandingCount - before.outstandingCount, 1n);
  assert.equal(after.cumulativeBorrowers - before.cumulativeBorrowers, 1n);
  assert.equal(after.currentBorrowers - before.currentBorrowers, 1n);
  assert.equal(after.cumulativeLenders - before.cumulativeLenders, 1n);
  assert.equal(after.currentLenders - before.currentLenders, 1n);
  assert.equal(after.overdueAmountFen, before.overdueAmountFen);
});

dbTest("figures: fee income by kind from the fee-income account, reversals netted", async (sql) => {
  const before = await feeIncome(sql);
  const borrower = await createUser(sql, "borrower");
  const key = crypto.randomUUID();
  const fee = (businessType: "service_fee" | "repayment" | "prepayment_fee", amountFen: bigint) => ({
    businessType,
    reference: `figures-test:${key}`,
    idempotencyKey: `figures-test:${businessType}:${key}`,
    lines: [
      { account: { kind: "user_available" as const, userId: borrower.userId }, amountFen: -amountFen },
      { account: { kind: "platform_fee_income" as const }, amountFen },
    ],
  });
  await transaction(sql, async (tx) => {
    assert.ok(
      (await postEntry(tx, {
        businessType: "top_up",
        reference: `figures-test:${key}`,
        idempotencyKey: `figures-test:top_up:${key}`,
        lines: [
          { account: { kind: "custody_clearing" }, amountFen: -10_000n },
          { account: { kind: "user_available", userId: borrower.userId }, amountFen: 10_000n },
        ],
      })).ok,
    );
    assert.ok((await postEntry(tx, fee("service_fee", 2_000n))).ok);
    assert.ok((await postEntry(tx, fee("repayment", 300n))).ok);
    assert.ok((await postEntry(tx, fee("prepayment_fee", 45n))).ok);
    // a service fee taken and reversed counts for nothing
    const wrong = await postEntry(tx, {
      ...fee("service_fee", 500n),
      idempotencyKey: `figures-test:wrong:${key}`,
    });
    assert.ok(wrong.ok);
    assert.ok(
      (await reverseEntry(tx, { entryId: wrong.entryId, idempotencyKey: `figures-test:rev:${key}` })).ok,
    );
  });
  const after = await feeIncome(sql);
  assert.equal(after.serviceFeeFen - before.serviceFeeFen, 2_000n);
  assert.equal(after.interestManagementFeeFen - before.interestManagementFeeFen, 300n);
  assert.equal(after.prepaymentFeeFen - before.prepaymentFeeFen, 45n);
});
