/**
 * The loan lifecycle end to end, through the real commands only (both backends):
 * apply with documents → automatic review → manual approval (four eyes above the threshold) → publish →
 * several investors bid until full → full review → disbursement by a different staff member → every
 * installment repaid → loan and claims settled, each investor credited exactly their rows, ledger whole.
 * Then the other endings: a failed listing (流标, bids released exactly once), early repayment, and overdue
 * → acceleration → write-off through the daily settlement over successive days (a day run twice changes
 * nothing).
 *
 * Not repeated here: a settlement killed at random points and rerun (tests/domain/lending/settlement_test.ts
 * "killed after random chunks" and tests/domain/lending/settlement_kill_test.ts, a real `kill -9`).
 *
 * Dates: the happy path and the early repayment run on today's calendar (a repayment's `now` is the due
 * day). The overdue path is disbursed on a day of 1986 and settled on 1986 days, a year no other test
 * settles (the settlement is global per day; the settlement tests use the 1990s).
 * @module
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../config.ts";
import { type Db, transaction } from "../../db/tx.ts";
import { submitApplication } from "../../domain/borrowing/submit.ts";
import { auditLedger } from "../../domain/ledger/audit.ts";
import { postEntry, userBalances } from "../../domain/ledger/ledger.ts";
import { decideWriteOff, proposeWriteOff } from "../../domain/lending/collections.ts";
import { disburseLoan, reviewFullLoan } from "../../domain/lending/disbursement.ts";
import { failExpiredLoans, publishDueLoans } from "../../domain/lending/listing.ts";
import { placeBid } from "../../domain/lending/place_bid.ts";
import { prepayLoan, prepaymentQuote, repayNow } from "../../domain/lending/repay.ts";
import { addDays } from "../../domain/lending/repayment.ts";
import { approveApplication, confirmApproval, fourEyesThreshold } from "../../domain/lending/review.ts";
import { settleDay } from "../../domain/lending/settlement.ts";
import type { Fen } from "../../domain/money/fen.ts";
import { createGateways } from "../../integrations/gateways.ts";
import { borrower, BORROWER_TRADE_PASSWORD, completeDraft } from "../domain/borrowing/fixtures.ts";
import { dbTest } from "../helpers/db.ts";
import { testCipher } from "../helpers/forms.ts";
import { bidReadyInvestor, TEST_TRADE_PASSWORD } from "../helpers/investor_fixtures.ts";
import { fundUser, lendingStaff } from "../helpers/lending_lifecycle.ts";
import { testOutbox } from "../helpers/outbox.ts";

const config = loadConfig({ APP_ENV: "test" });
const deps = { outbox: testOutbox };

/** A result as text for assertion messages (bigints as strings). */
function show(value: unknown): string {
  return JSON.stringify(value, (_k, v) => typeof v === "bigint" ? v.toString() : v);
}

/** Noon in Shanghai on `day` (04:00 UTC): the Asia/Shanghai day of this instant is `day`. */
function noon(day: string): Date {
  return new Date(`${day}T04:00:00Z`);
}

/** A borrower applies (documents, signed authorisation) and the automatic review sends it to a human. */
async function applyForLoan(
  sql: Db,
  amountYuan: string,
): Promise<{ borrowerId: string; applicationId: string }> {
  const gateways = createGateways(config, sql);
  const { userId } = await borrower(sql, gateways);
  const applicationId = await completeDraft(sql, userId, { dataDir: config.dataDir, amountYuan });
  const submitted = await submitApplication(sql, { gateways, pii: testCipher, outbox: testOutbox }, {
    userId,
    applicationId,
    tradePassword: BORROWER_TRADE_PASSWORD,
    authorise: true,
    ip: "10.9.8.7",
    deviceId: null,
  });
  assert.deepEqual(submitted, { ok: true, status: "manual_review" });
  const [decision] = await sql<{ n: bigint }[]>`
    select count(*) as n from risk_decisions where application_id = ${applicationId}`;
  assert.equal(Number(decision.n), 1, "the automatic decision is stored");
  return { borrowerId: userId, applicationId };
}

/** Risk staff approve (grade C, 10%); above the four-eyes threshold a second reviewer confirms. */
async function approve(
  sql: Db,
  applicationId: string,
  amountFen: Fen,
  publishAt = new Date(),
): Promise<string> {
  const first = await lendingStaff(sql, "risk");
  const terms = {
    applicationId,
    grade: "C" as const,
    annualRateMicros: 100_000,
    title: "装修周转借款",
    publishAt,
    repaymentSource: "工资收入",
  };
  const r = await approveApplication(sql, deps, first, terms);
  assert.ok(r.ok, show(r));
  if (amountFen <= await fourEyesThreshold(sql)) {
    assert.equal(r.outcome, "approved");
    return (r as { loanId: string }).loanId;
  }
  assert.equal(r.outcome, "pending_second", "above the threshold one approval is not enough");
  assert.deepEqual(await confirmApproval(sql, deps, first, { applicationId }), {
    ok: false,
    code: "same_reviewer",
  });
  const second = await lendingStaff(sql, "risk");
  const confirmed = await confirmApproval(sql, deps, second, { applicationId });
  assert.ok(confirmed.ok && confirmed.outcome === "approved", show(confirmed));
  return confirmed.loanId;
}

async function loanRow(sql: Db, loanId: string) {
  const [row] = await sql<{ status: string; fundedFen: bigint; amountFen: bigint; bidCount: number }[]>`
    select status, funded_fen as "fundedFen", amount_fen as "amountFen", bid_count as "bidCount"
    from loans where id = ${loanId}`;
  return { ...row, fundedFen: BigInt(row.fundedFen), amountFen: BigInt(row.amountFen) };
}

/** Publish (the listing job's command) and check the loan is open. */
async function publish(sql: Db, loanId: string): Promise<void> {
  await publishDueLoans(sql, new Date());
  assert.equal((await loanRow(sql, loanId)).status, "open");
}

/** Investors, each ready to bid with `amountFen + spare`, bidding in turn with their trade password. */
async function bidAll(
  sql: Db,
  loanId: string,
  amounts: Fen[],
  spareFen: Fen = 0n,
): Promise<{ investorId: string; bidId: string; amountFen: Fen }[]> {
  const out: { investorId: string; bidId: string; amountFen: Fen }[] = [];
  for (const amountFen of amounts) {
    const { userId } = await bidReadyInvestor(sql, { balanceFen: amountFen + spareFen });
    const r = await placeBid(sql, deps, {
      investorId: userId,
      loanId,
      amountFen,
      idempotencyKey: `lc-${crypto.randomUUID()}`,
      sessionId: null,
      tradePassword: TEST_TRADE_PASSWORD,
    });
    assert.ok(r.ok, show(r));
    out.push({ investorId: userId, bidId: r.bidId, amountFen });
  }
  return out;
}

/** Full review by one staff member, disbursement by another (the reviewer is refused). */
async function reviewAndDisburse(sql: Db, loanId: string, now?: Date): Promise<void> {
  const reviewer = await lendingStaff(sql, "super_admin");
  assert.ok((await reviewFullLoan(sql, reviewer, { loanId })).ok);
  assert.deepEqual(await disburseLoan(sql, deps, reviewer, { loanId, now }), {
    ok: false,
    code: "same_staff",
  });
  const finance = await lendingStaff(sql, "finance");
  const done = await disburseLoan(sql, deps, finance, { loanId, now });
  assert.ok(done.ok, show(done));
  assert.equal((await loanRow(sql, loanId)).status, "repaying");
}

async function installments(sql: Db, loanId: string) {
  return (await sql<
    {
      period: number;
      dueDate: string;
      principalFen: bigint;
      interestFen: bigint;
      penaltyFen: bigint;
      status: string;
    }[]
  >`
    select period, to_char(due_date, 'YYYY-MM-DD') as "dueDate", principal_fen as "principalFen",
      interest_fen as "interestFen", penalty_fen as "penaltyFen", status
    from loan_installments where loan_id = ${loanId} order by period`)
    .map((r) => ({
      ...r,
      principalFen: BigInt(r.principalFen),
      interestFen: BigInt(r.interestFen),
      penaltyFen: BigInt(r.penaltyFen),
    }));
}

/** Per investor: what their claim rows say they received, net of the interest management fee. */
async function receivedByInvestor(sql: Db, loanId: string): Promise<Map<string, Fen>> {
  const rows = await sql<{ investorId: string; net: bigint }[]>`
    select investor_id::text as "investorId",
      sum(received_principal_fen + received_interest_fen - fee_fen)::bigint as net
    from claim_installments where loan_id = ${loanId} group by investor_id`;
  return new Map(rows.map((r) => [r.investorId, BigInt(r.net)]));
}

/** Move all but `keepFen` of the user's available money out (a test stand-in for spending / withdrawing). */
async function spend(sql: Db, userId: string, keepFen: Fen): Promise<void> {
  const { availableFen } = await userBalances(sql, userId);
  const amount = availableFen - keepFen;
  if (amount <= 0n) return;
  const sink = (await bidReadyInvestor(sql, { balanceFen: 0n })).userId;
  await transaction(sql, async (tx) => {
    const r = await postEntry(tx, {
      businessType: "transfer",
      reference: `test_spend:${userId}`,
      idempotencyKey: `test_spend:${userId}:${crypto.randomUUID()}`,
      lines: [
        { account: { kind: "user_available", userId }, amountFen: -amount },
        { account: { kind: "user_available", userId: sink }, amountFen: amount },
      ],
    });
    if (!r.ok) throw new Error("test spend failed");
  });
}

async function entriesOf(sql: Db, loanId: string): Promise<number> {
  const [{ n }] = await sql<{ n: bigint }[]>`
    select count(*) as n from journal_entries where reference = ${"loan:" + loanId}`;
  return Number(n);
}

dbTest(
  "lifecycle: apply → review (four eyes) → bids until full → disburse → every installment repaid",
  async (sql) => {
    const amountFen = 20_000_000n; // ¥200,000: above the default four-eyes threshold
    const { borrowerId, applicationId } = await applyForLoan(sql, "200000");
    const loanId = await approve(sql, applicationId, amountFen);
    assert.equal((await loanRow(sql, loanId)).status, "scheduled");
    await publish(sql, loanId);

    // four investors; the last one first asks for more than remains, and is told how much is left
    const bids = await bidAll(sql, loanId, [6_000_000n, 5_000_000n, 4_000_000n], 100_000n);
    const last = await bidReadyInvestor(sql, { balanceFen: 10_000_000n });
    const tooMuch = await placeBid(sql, deps, {
      investorId: last.userId,
      loanId,
      amountFen: 6_000_000n,
      idempotencyKey: `lc-${crypto.randomUUID()}`,
      sessionId: null,
      tradePassword: TEST_TRADE_PASSWORD,
    });
    assert.ok(!tooMuch.ok && tooMuch.code === "over_remaining" && tooMuch.remainingFen === 5_000_000n);
    const fill = await placeBid(sql, deps, {
      investorId: last.userId,
      loanId,
      amountFen: 5_000_000n,
      idempotencyKey: `lc-${crypto.randomUUID()}`,
      sessionId: null,
      tradePassword: TEST_TRADE_PASSWORD,
    });
    assert.ok(fill.ok && fill.loanFull, show(fill));
    bids.push({ investorId: last.userId, bidId: fill.bidId, amountFen: 5_000_000n });
    const full = await loanRow(sql, loanId);
    assert.deepEqual([full.status, full.fundedFen, full.bidCount], ["full", amountFen, 4]);
    // a late bidder is told the loan is full
    const late = await bidReadyInvestor(sql, { balanceFen: 1_000_000n });
    const lateBid = await placeBid(sql, deps, {
      investorId: late.userId,
      loanId,
      amountFen: 1_000_000n,
      idempotencyKey: `lc-${crypto.randomUUID()}`,
      sessionId: null,
      tradePassword: TEST_TRADE_PASSWORD,
    });
    assert.ok(!lateBid.ok && lateBid.code === "loan_full");
    for (const b of bids) {
      assert.equal((await userBalances(sql, b.investorId)).frozenFen, b.amountFen);
    }

    await reviewAndDisburse(sql, loanId);
    const [{ serviceFeeFen }] = await sql<{ serviceFeeFen: bigint }[]>`
    select service_fee_fen as "serviceFeeFen" from loans where id = ${loanId}`;
    assert.equal(BigInt(serviceFeeFen), 400_000n, "2% service fee");
    assert.equal((await userBalances(sql, borrowerId)).availableFen, amountFen - 400_000n);
    for (const b of bids) assert.equal((await userBalances(sql, b.investorId)).frozenFen, 0n);

    // the borrower repays every installment on its due day (topping up the interest first)
    const rows = await installments(sql, loanId);
    assert.equal(rows.length, 12);
    const totalDue = rows.reduce((s, r) => s + r.principalFen + r.interestFen, 0n);
    await fundUser(sql, borrowerId, totalDue - amountFen + 400_000n);
    for (const row of rows) {
      const r = await repayNow(
        sql,
        deps,
        { borrowerId, loanId, idempotencyKey: `lc-repay-${row.period}` },
        noon(row.dueDate),
      );
      assert.ok(r.ok, show(r));
      assert.equal(r.amountFen, row.principalFen + row.interestFen);
      assert.equal(r.settled, row.period === 12);
    }
    // a repeated form changes nothing
    const again = await repayNow(
      sql,
      deps,
      { borrowerId, loanId, idempotencyKey: "lc-repay-12" },
      noon(rows[11].dueDate),
    );
    assert.ok(again.ok && again.replayed);

    assert.equal((await loanRow(sql, loanId)).status, "settled");
    assert.ok((await installments(sql, loanId)).every((r) => r.status === "paid"));
    const claims = await sql<{ status: string }[]>`select status from claims where loan_id = ${loanId}`;
    assert.equal(claims.length, 4);
    assert.ok(claims.every((c) => c.status === "settled"), show(claims));
    const [open] = await sql<{ n: bigint }[]>`
    select count(*) as n from claim_installments where loan_id = ${loanId} and status <> 'received'`;
    assert.equal(Number(open.n), 0);
    assert.equal(
      (await userBalances(sql, borrowerId)).availableFen,
      0n,
      "the borrower paid exactly what was due",
    );

    // each investor got their rows: principal back, interest less the management fee, nothing more
    const received = await receivedByInvestor(sql, loanId);
    let paidToInvestors = 0n;
    for (const b of bids) {
      const net = received.get(b.investorId)!;
      const spare = b.investorId === last.userId ? 5_000_000n : 100_000n;
      assert.equal((await userBalances(sql, b.investorId)).availableFen, spare + net);
      assert.ok(net > b.amountFen, "the principal came back with interest");
      paidToInvestors += net;
    }
    const [fees] = await sql<{ fee: bigint; interest: bigint }[]>`
    select sum(fee_fen)::bigint as fee, sum(received_interest_fen)::bigint as interest
    from claim_installments where loan_id = ${loanId}`;
    assert.equal(paidToInvestors + BigInt(fees.fee), totalDue, "every fen paid is accounted for");
    assert.ok(
      BigInt(fees.fee) > 0n && BigInt(fees.fee) <= BigInt(fees.interest) / 10n + 48n,
      "10% of the interest",
    );

    const events = (await sql<{ kind: string }[]>`
    select kind from loan_events where loan_id = ${loanId} or application_id = ${applicationId} order by id`)
      .map((e) => e.kind);
    for (
      const kind of [
        "submitted",
        "approval_pending",
        "approved",
        "published",
        "full",
        "full_reviewed",
        "disbursed",
      ]
    ) {
      assert.ok(events.includes(kind), `history has ${kind}: ${events.join(",")}`);
    }
    assert.deepEqual(
      await auditLedger(sql, { userIds: [borrowerId, ...bids.map((b) => b.investorId), late.userId] }),
      [],
    );
  },
);

dbTest(
  "lifecycle: a loan not funded by its deadline fails (流标) and every bid is released exactly once",
  async (sql) => {
    const { borrowerId, applicationId } = await applyForLoan(sql, "30000");
    const loanId = await approve(sql, applicationId, 3_000_000n);
    await publish(sql, loanId);
    const bids = await bidAll(sql, loanId, [1_000_000n, 500_000n], 20_000n);
    // the bidding window ends: time passes (the loan's listing window is moved into the past)
    await sql`update loans set publish_at = publish_at - interval '30 days', bid_deadline = now() - interval '1 second'
              where id = ${loanId}`;
    const first = await failExpiredLoans(sql, deps, new Date());
    assert.ok(first.failed >= 1 && first.released >= 2);
    await failExpiredLoans(sql, deps, new Date()); // the next minute's run: nothing more for this loan
    assert.equal((await loanRow(sql, loanId)).status, "failed");
    const [releases] = await sql<{ n: bigint }[]>`
    select count(*) as n from journal_entries
    where business_type = 'bid_release' and reference = any(${bids.map((b) => `bid:${b.bidId}`)})`;
    assert.equal(Number(releases.n), 2, "one release per bid, even when run twice");
    for (const b of bids) {
      assert.deepEqual(await userBalances(sql, b.investorId), {
        availableFen: b.amountFen + 20_000n,
        frozenFen: 0n,
        rewardFen: 0n,
      });
    }
    const statuses = await sql<{ status: string }[]>`select status from bids where loan_id = ${loanId}`;
    assert.ok(statuses.every((s) => s.status === "released"));
    // a bid after the failure is refused and moves nothing
    const more = await placeBid(sql, deps, {
      investorId: bids[0].investorId,
      loanId,
      amountFen: 10_000n,
      idempotencyKey: `lc-${crypto.randomUUID()}`,
      sessionId: null,
      tradePassword: TEST_TRADE_PASSWORD,
    });
    assert.ok(!more.ok && more.code === "loan_not_open", show(more));
    assert.deepEqual(await auditLedger(sql, { userIds: [borrowerId, ...bids.map((b) => b.investorId)] }), []);
  },
);

dbTest("lifecycle: early repayment settles the loan by the prepayment rule", async (sql) => {
  const amountFen = 5_000_000n;
  const { borrowerId, applicationId } = await applyForLoan(sql, "50000");
  const loanId = await approve(sql, applicationId, amountFen);
  await publish(sql, loanId);
  const bids = await bidAll(sql, loanId, [3_000_000n, 2_000_000n]);
  await reviewAndDisburse(sql, loanId);
  const rows = await installments(sql, loanId);
  await fundUser(sql, borrowerId, 500_000n);
  const first = await repayNow(
    sql,
    deps,
    { borrowerId, loanId, idempotencyKey: "lc-early-1" },
    noon(rows[0].dueDate),
  );
  assert.ok(first.ok);
  // halfway through period 2: pay everything off
  const when = noon(addDays(rows[0].dueDate, 10));
  const quote = await prepaymentQuote(sql, borrowerId, loanId, when);
  assert.ok(quote);
  const principalLeft = rows.slice(1).reduce((s, r) => s + r.principalFen, 0n);
  assert.equal(quote.remainingPrincipalFen, principalLeft);
  assert.equal(quote.feeFen, (principalLeft * 10_000n + 500_000n) / 1_000_000n, "1% of the early principal");
  assert.equal(quote.currentInterestFen, rows[1].interestFen, "the current period's interest is due");
  assert.equal(quote.waivedInterestFen, rows.slice(2).reduce((s, r) => s + r.interestFen, 0n));
  const before = (await userBalances(sql, borrowerId)).availableFen;
  const r = await prepayLoan(sql, deps, { borrowerId, loanId, idempotencyKey: "lc-early-all" }, when);
  assert.ok(r.ok && r.settled, show(r));
  assert.equal((await userBalances(sql, borrowerId)).availableFen, before - quote.totalFen);
  assert.equal((await loanRow(sql, loanId)).status, "settled");
  const received = await receivedByInvestor(sql, loanId);
  let net = 0n;
  for (const b of bids) {
    assert.equal((await userBalances(sql, b.investorId)).availableFen, received.get(b.investorId));
    assert.ok(received.get(b.investorId)! > b.amountFen);
    net += received.get(b.investorId)!;
  }
  const [fees] = await sql<{ fee: bigint; principal: bigint }[]>`
    select sum(fee_fen)::bigint as fee, sum(received_principal_fen)::bigint as principal
    from claim_installments where loan_id = ${loanId}`;
  assert.equal(BigInt(fees.principal), amountFen);
  const paid = rows[0].principalFen + rows[0].interestFen + quote.totalFen;
  assert.equal(net + BigInt(fees.fee) + quote.feeFen, paid, "borrower's money = investors + fees");
  const claims = await sql<{ status: string }[]>`select status from claims where loan_id = ${loanId}`;
  assert.ok(claims.every((c) => c.status === "settled"));
  assert.deepEqual(await auditLedger(sql, { userIds: [borrowerId, ...bids.map((b) => b.investorId)] }), []);
});

dbTest(
  "lifecycle: overdue → penalty → acceleration → write-off through the daily settlement",
  async (sql) => {
    const amountFen = 3_000_000n;
    const { borrowerId, applicationId } = await applyForLoan(sql, "30000");
    const loanId = await approve(sql, applicationId, amountFen);
    await publish(sql, loanId);
    const bids = await bidAll(sql, loanId, [2_000_000n, 1_000_000n]);
    await reviewAndDisburse(sql, loanId, noon("1986-03-10"));
    const rows = await installments(sql, loanId);
    const due = rows[0].dueDate;
    assert.equal(due, "1986-04-10");
    // the borrower spends the money and keeps ¥100: the settlement debits that, the rest is overdue
    await spend(sql, borrowerId, 10_000n);

    const d0 = await settleDay(sql, deps, { day: due, now: noon(addDays(due, 1)) });
    assert.ok(d0.ok, show(d0));
    assert.equal((await userBalances(sql, borrowerId)).availableFen, 0n, "what there was was debited");
    assert.equal((await loanRow(sql, loanId)).status, "overdue");
    let now = await installments(sql, loanId);
    assert.equal(now[0].status, "overdue");
    assert.equal(now[0].penaltyFen, 0n);
    const [{ collecting }] = await sql<{ collecting: bigint }[]>`
    select count(*) as collecting from collection_cases where loan_id = ${loanId} and closed_at is null`;
    assert.equal(Number(collecting), 1, "a collection case is open");

    // penalties accrue day by day (missed days are caught up)
    await settleDay(sql, deps, { day: addDays(due, 1) });
    const p1 = (await installments(sql, loanId))[0].penaltyFen;
    assert.ok(p1 > 0n);
    await settleDay(sql, deps, { day: addDays(due, 10) });
    const p10 = (await installments(sql, loanId))[0].penaltyFen;
    assert.equal(p10, p1 * 10n, "the same daily penalty for each of the first ten days");
    assert.equal((await loanRow(sql, loanId)).status, "overdue");

    // day 30 overdue: the whole principal falls due (加速到期); later interest stops
    const accelerationDay = addDays(due, 30);
    await settleDay(sql, deps, { day: accelerationDay });
    assert.equal((await loanRow(sql, loanId)).status, "accelerated");
    now = await installments(sql, loanId);
    assert.equal(now[1].dueDate, accelerationDay, "period 2 fell due that day anyway, with its interest");
    assert.equal(now[1].interestFen, rows[1].interestFen);
    for (const r of now.slice(2)) {
      assert.equal(r.dueDate, accelerationDay);
      assert.equal(r.interestFen, 0n, "no interest after acceleration");
    }
    assert.ok(now.every((r) => r.status === "overdue"));
    assert.equal(now.reduce((s, r) => s + r.principalFen, 0n), amountFen);

    // a day run twice changes nothing
    const day31 = addDays(due, 31);
    const r31 = await settleDay(sql, deps, { day: day31 });
    assert.ok(r31.ok && !r31.alreadyDone);
    const snapshot = await installments(sql, loanId);
    const entries = await entriesOf(sql, loanId);
    const r31b = await settleDay(sql, deps, { day: day31 });
    assert.ok(r31b.ok && r31b.alreadyDone);
    assert.deepEqual(await installments(sql, loanId), snapshot);
    assert.equal(await entriesOf(sql, loanId), entries);
    assert.ok(snapshot.slice(1).every((r) => r.penaltyFen > 0n), "the accelerated principal accrues penalty");

    // write-off: proposed by one collector, approved by another (not by the proposer)
    const collector = await lendingStaff(sql, "risk");
    const proposed = await proposeWriteOff(sql, collector, {
      loanId,
      reason: "失联逾期超过 30 天，催收无果",
    });
    assert.ok(proposed.ok && proposed.proposalId, show(proposed));
    assert.deepEqual(
      await decideWriteOff(sql, collector, deps, { proposalId: proposed.proposalId!, approve: true }),
      { ok: false, code: "own_proposal" },
    );
    const approver = await lendingStaff(sql, "risk");
    assert.deepEqual(
      await decideWriteOff(sql, approver, deps, { proposalId: proposed.proposalId!, approve: true }),
      {
        ok: true,
      },
    );
    assert.equal((await loanRow(sql, loanId)).status, "written_off");
    const claims = await sql<{ status: string }[]>`select status from claims where loan_id = ${loanId}`;
    assert.ok(claims.every((c) => c.status === "written_off"));
    // the investors bear the loss: they got the ¥100 debited on day one (less fees), nothing more
    const received = await receivedByInvestor(sql, loanId);
    let net = 0n;
    for (const b of bids) {
      assert.equal((await userBalances(sql, b.investorId)).availableFen, received.get(b.investorId) ?? 0n);
      net += received.get(b.investorId) ?? 0n;
    }
    assert.ok(net > 0n && net <= 10_000n);
    // nothing more is settled on a written-off loan
    await settleDay(sql, deps, { day: addDays(due, 40) });
    assert.equal(await entriesOf(sql, loanId), entries);
    assert.deepEqual(await auditLedger(sql, { userIds: [borrowerId, ...bids.map((b) => b.investorId)] }), []);
  },
);
