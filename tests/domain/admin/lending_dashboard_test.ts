/**
 * The admin overview's lending figures and 30-day chart: today's bids, listings, disbursements and
 * repayments, receivables and overdue move by exactly what the test writes into the books; the page shows
 * them with the SVG chart.
 */
import assert from "node:assert/strict";
import { dbTest } from "../../helpers/db.ts";
import { testApp } from "../../helpers/app.ts";
import { staffBrowser } from "../../helpers/staff_fixtures.ts";
import { lendingPerDay, lendingToday } from "../../../domain/admin/dashboard.ts";
import { formatFen } from "../../../domain/money/format.ts";
import { formatCount } from "../../../domain/shared/count.ts";
import { bookLoan } from "../disclosure/books_fixture.ts";

dbTest("admin dashboard: today's lending figures and the chart follow the books exactly", async (sql) => {
  const before = await lendingToday(sql);
  const daysBefore = await lendingPerDay(sql, 30);
  // an open loan with one frozen bid of 2,000.00
  await bookLoan(sql, {
    status: "open",
    amountFen: 1_000_000n,
    fundedFen: 200_000n,
    claims: [{ principalFen: 200_000n }],
  });
  // a loan disbursed today (two bids of 3,000.00 and 2,000.00), one installment 10 days late:
  // principal 1,000.00 of which 400.00 paid, interest 50.00 unpaid; the investors' second period pending
  const late = await bookLoan(sql, {
    status: "repaying",
    amountFen: 500_000n,
    installments: [
      { dueInDays: -10, principalFen: 100_000n, interestFen: 5_000n, paidPrincipalFen: 40_000n },
      { dueInDays: 20, principalFen: 400_000n, interestFen: 4_000n },
    ],
    claims: [{ principalFen: 300_000n }, { principalFen: 200_000n }],
  });
  await sql`
    insert into loan_repayments (loan_id, kind, amount_fen, breakdown, idempotency_key)
    values (${late.loanId}, 'manual', 40000, '{"principalFen": 40000}'::jsonb, ${crypto.randomUUID()})`;

  const after = await lendingToday(sql);
  assert.equal(after.bidsToday - before.bidsToday, 3n);
  assert.equal(after.bidAmountTodayFen - before.bidAmountTodayFen, 700_000n);
  assert.equal(after.loansPublishedToday - before.loansPublishedToday, 2n);
  assert.equal(after.disbursedToday - before.disbursedToday, 1n);
  assert.equal(after.disbursedAmountTodayFen - before.disbursedAmountTodayFen, 500_000n);
  assert.equal(after.repaidTodayFen - before.repaidTodayFen, 40_000n);
  assert.equal(after.openLoans - before.openLoans, 1n);
  // the fixture writes each claim's share as one pending period: principal = the claim, interest 0
  assert.equal(after.receivablePrincipalFen - before.receivablePrincipalFen, 500_000n);
  assert.equal(after.receivableInterestFen - before.receivableInterestFen, 0n);
  assert.equal(after.overdueLoans - before.overdueLoans, 1n);
  assert.equal(after.overdueDueFen - before.overdueDueFen, 65_000n);

  const days = await lendingPerDay(sql, 30);
  assert.equal(days.length, 30);
  const today = days[29];
  assert.equal(today.bidFen - daysBefore[29].bidFen, 700_000n);
  assert.equal(today.repaidFen - daysBefore[29].repaidFen, 40_000n);
  assert.ok(days.every((d, i) => i === 0 || d.day > days[i - 1].day), "oldest first, one row a day");
  assert.equal((await lendingPerDay(sql, 1000)).length, 90, "clamped");

  const { client } = await staffBrowser(testApp(), sql, "finance");
  const page = await client.get("/admin");
  assert.equal(page.status, 200);
  const shown = await lendingToday(sql);
  const stat = (key: string) => new RegExp(`data-stat="${key}">([^<]*)<`).exec(page.html)?.[1];
  assert.equal(
    stat("bids-today"),
    `${formatCount(shown.bidsToday)} 笔 · ${formatFen(shown.bidAmountTodayFen)}`,
  );
  assert.equal(stat("receivable-principal"), formatFen(shown.receivablePrincipalFen));
  assert.equal(stat("overdue-due"), formatFen(shown.overdueDueFen));
  assert.equal(stat("overdue-loans"), `${formatCount(shown.overdueLoans)} 笔`);
  assert.match(page.html, /data-testid="lending-chart"/);
  assert.match(page.html, /<svg[^>]*aria-label="近 30 天投标额 ¥/);
  assert.ok(page.html.includes(`投标 ${formatFen(days.reduce((s, d) => s + d.bidFen, 0n))}`));
});
