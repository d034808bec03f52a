/**
 * The daily settlement on the real database (both backends): auto-debit and distribution, run twice
 * changes nothing, overdue → penalty (day 31 switch) → acceleration → write-off (four eyes), and a run
 * killed after random chunks, rerun, pays each installment exactly once; a period paid in part before its
 * due day is completed. Days lie in the past (1990s) so that no other test's loan is due on them; each test
 * uses its own year (a run settles every loan due on or before its day: the tests' own years go up).
 */
import assert from "node:assert/strict";
import { dbTest } from "../../helpers/db.ts";
import { testOutbox } from "../../helpers/outbox.ts";
import { repayingLoan, topUp } from "../../helpers/repaying_loan.ts";
import { staffActor } from "../payments/withdrawal_fixtures.ts";
import type { Db } from "../../../db/tx.ts";
import { auditLedger } from "../../../domain/ledger/audit.ts";
import { userBalances } from "../../../domain/ledger/ledger.ts";
import { addDays, penaltyForDays } from "../../../domain/lending/repayment.ts";
import { settleDay, settlementRun } from "../../../domain/lending/settlement.ts";
import { notificationSchema } from "../../../domain/messaging/notifications.ts";
import { formatFen } from "../../../domain/money/format.ts";
import { custodyBatchLines } from "../../../domain/payments/custody_batch.ts";
import { repayNow } from "../../../domain/lending/repay.ts";
import { rowFeeFen } from "../../../domain/lending/repayment.ts";
import { decideWriteOff, listCollectionQueue, proposeWriteOff } from "../../../domain/lending/collections.ts";

const deps = { outbox: testOutbox };

async function installments(sql: Db, loanId: string) {
  return await sql<
    {
      period: number;
      dueDate: string;
      principalFen: bigint;
      interestFen: bigint;
      penaltyFen: bigint;
      paidFen: bigint;
      status: string;
    }[]
  >`
    select period, to_char(due_date, 'YYYY-MM-DD') as "dueDate", principal_fen as "principalFen",
      interest_fen as "interestFen", penalty_fen as "penaltyFen",
      paid_principal_fen + paid_interest_fen + paid_penalty_fen as "paidFen", status
    from loan_installments where loan_id = ${loanId} order by period`;
}

async function loanStatus(sql: Db, loanId: string) {
  const [row] = await sql<{ status: string }[]>`select status from loans where id = ${loanId}`;
  return row.status;
}

/** The day's settlement entries, custody batches and investor summaries (each written once). */
async function dayRecords(sql: Db, day: string) {
  const [row] = await sql<{ entries: bigint; batches: bigint; summaries: bigint }[]>`
    select (select count(*) from journal_entries where reference = ${"settlement:" + day}) as entries,
      (select count(*) from custody_instructions where reference = ${"settlement:" + day}) as batches,
      (select count(*) from outbox_events where dedupe_key like ${"notification:generic:%:settlement:" + day})
        as summaries`;
  return { ...row };
}

dbTest(
  "settlement debits the installment due and distributes it; a second run changes nothing",
  async (sql) => {
    const day = "1991-03-15";
    const loan = await repayingLoan(sql, {
      firstDueDate: day,
      borrowerBalanceFen: 10_000_000n,
      weights: [5n, 3n, 2n],
    });
    const r = await settleDay(sql, deps, { day });
    assert.ok(r.ok && !r.alreadyDone);
    const rows = await installments(sql, loan.loanId);
    assert.equal(rows[0].status, "paid");
    assert.equal(rows[1].status, "pending");
    const paid = rows[0].principalFen + rows[0].interestFen;
    assert.equal((await userBalances(sql, loan.borrowerId)).availableFen, 10_000_000n - paid);
    const [{ received }] = await sql<{ received: bigint }[]>`
    select sum(received_principal_fen + received_interest_fen - fee_fen)::bigint as received
    from claim_installments where loan_id = ${loan.loanId} and period = 1`;
    let investors = 0n;
    const credited = new Map<string, bigint>();
    for (const id of loan.investorIds) {
      credited.set(id, (await userBalances(sql, id)).availableFen);
      investors += credited.get(id)!;
    }
    assert.equal(investors, received);
    // the day's custody batch: the borrower pays each investor what their balance received and the
    // platform the fees, from and to their sub-accounts; it sums to what the borrower paid
    const [batch] = await sql<{ id: string; amountFen: bigint }[]>`
      select id::text as id, amount_fen as "amountFen" from custody_instructions
      where reference = ${"settlement:" + day}`;
    assert.equal(batch.amountFen, paid);
    const account = (userId: string) => `T${userId.padStart(12, "0")}`;
    const lines = await custodyBatchLines(sql, batch.id);
    assert.deepEqual(
      lines.filter((l) => l.toAccountNo !== null).map((l) => [l.fromAccountNo, l.toAccountNo, l.amountFen])
        .sort(),
      loan.investorIds.map((id) => [account(loan.borrowerId), account(id), credited.get(id)!]).sort(),
    );
    assert.deepEqual(lines.filter((l) => l.toAccountNo === null).map((l) => l.amountFen), [paid - received]);
    // each investor's summary of the day: what they received, once
    for (const id of loan.investorIds) {
      const events = await sql<{ payload: unknown }[]>`
        select payload from outbox_events where dedupe_key = ${`notification:generic:${id}:settlement:${day}`}`;
      assert.equal(events.length, 1);
      const n = notificationSchema.parse(events[0].payload);
      assert.ok(
        n.kind === "generic" && n.userId === id && n.payload.body.includes(formatFen(credited.get(id)!)),
      );
    }
    const records = await dayRecords(sql, day);
    assert.deepEqual(records, { entries: records.entries, batches: 1n, summaries: 3n });
    assert.ok(records.entries > 0n);
    const again = await settleDay(sql, deps, { day });
    assert.ok(again.ok && again.alreadyDone);
    assert.deepEqual(await dayRecords(sql, day), records);
    assert.deepEqual(await installments(sql, loan.loanId), rows);
    assert.equal((await settlementRun(sql, day))?.status, "done");
    assert.deepEqual(await auditLedger(sql, { userIds: [loan.borrowerId, ...loan.investorIds] }), []);
  },
);

dbTest(
  "overdue → daily penalty (day 31 switch) → acceleration → write-off by a second staff member",
  async (sql) => {
    const due = "1993-01-10";
    const loan = await repayingLoan(sql, { firstDueDate: due, termCount: 6, borrowerBalanceFen: 0n });
    const r0 = await settleDay(sql, deps, { day: due });
    assert.ok(r0.ok);
    assert.equal(await loanStatus(sql, loan.loanId), "overdue");
    let rows = await installments(sql, loan.loanId);
    assert.equal(rows[0].status, "overdue");
    assert.equal(rows[0].penaltyFen, 0n);
    const base = rows[0].principalFen + rows[0].interestFen;
    await settleDay(sql, deps, { day: addDays(due, 1) });
    assert.equal((await installments(sql, loan.loanId))[0].penaltyFen, penaltyForDays(base, 1, 1));
    // days missed are caught up; day 29 stays below acceleration
    await settleDay(sql, deps, { day: addDays(due, 29) });
    rows = await installments(sql, loan.loanId);
    assert.equal(rows[0].penaltyFen, penaltyForDays(base, 1, 29));
    assert.equal(await loanStatus(sql, loan.loanId), "overdue");
    const queue = await listCollectionQueue(
      sql,
      { bucket: "1-30" },
      new Date(`${addDays(due, 29)}T12:00:00+08:00`),
    );
    assert.ok(queue.rows.some((q) => q.loanId === loan.loanId && q.daysOverdue === 29));
    // day 30: accelerated; every later installment falls due with its principal and no interest
    await settleDay(sql, deps, { day: addDays(due, 30) });
    assert.equal(await loanStatus(sql, loan.loanId), "accelerated");
    rows = await installments(sql, loan.loanId);
    for (const row of rows.slice(2)) {
      assert.equal(row.dueDate, addDays(due, 30));
      assert.equal(row.interestFen, 0n);
      assert.equal(row.status, "overdue");
    }
    const [{ ciInterest }] = await sql<{ ciInterest: bigint }[]>`
    select sum(interest_fen)::bigint as "ciInterest" from claim_installments where loan_id = ${loan.loanId} and period > 2`;
    assert.equal(ciInterest, 0n);
    // day 31 accrues the higher rate on period 1
    await settleDay(sql, deps, { day: addDays(due, 31) });
    rows = await installments(sql, loan.loanId);
    assert.equal(rows[0].penaltyFen, penaltyForDays(base, 1, 31));
    assert.equal(penaltyForDays(base, 31, 31) > penaltyForDays(base, 30, 30), true);

    // a partial top-up is debited in order: penalty first
    await topUp(sql, loan.borrowerId, 1000n);
    await settleDay(sql, deps, { day: addDays(due, 32) });
    rows = await installments(sql, loan.loanId);
    assert.equal(rows[0].paidFen, 1000n);
    assert.deepEqual(await auditLedger(sql, { userIds: [loan.borrowerId, ...loan.investorIds] }), []);

    // write-off: proposed by one, refused to the same, approved by another
    const a = await staffActor(sql, "risk");
    const b = await staffActor(sql, "risk");
    const finance = await staffActor(sql, "finance");
    assert.deepEqual(await proposeWriteOff(sql, finance, { loanId: loan.loanId, reason: "失联" }), {
      ok: false,
      code: "forbidden",
    });
    const p = await proposeWriteOff(sql, a, { loanId: loan.loanId, reason: "借款人失联超过 30 天" });
    assert.ok(p.ok && p.proposalId);
    assert.deepEqual(await proposeWriteOff(sql, b, { loanId: loan.loanId, reason: "重复" }), {
      ok: false,
      code: "proposal_pending",
    });
    assert.deepEqual(await decideWriteOff(sql, a, deps, { proposalId: p.proposalId!, approve: true }), {
      ok: false,
      code: "own_proposal",
    });
    assert.deepEqual(await decideWriteOff(sql, b, deps, { proposalId: p.proposalId!, approve: true }), {
      ok: true,
    });
    assert.equal(await loanStatus(sql, loan.loanId), "written_off");
    const claims = await sql<{ status: string }[]>`select status from claims where loan_id = ${loan.loanId}`;
    assert.ok(claims.every((c) => c.status === "written_off"));
    const [{ pending }] = await sql<{ pending: number }[]>`
    select count(*) as pending from claim_installments where loan_id = ${loan.loanId} and status = 'pending'`;
    assert.equal(Number(pending), 0);
    const [{ n }] = await sql<{ n: number }[]>`
    select count(*) as n from audit_log where target = ${
      "loan:" + loan.loanId
    } and action like 'collections.write_off%'`;
    assert.equal(Number(n), 2);
    // the settlement leaves a written-off loan alone
    await settleDay(sql, deps, { day: addDays(due, 33) });
    assert.deepEqual(
      (await installments(sql, loan.loanId)).map((r) => r.penaltyFen),
      rows.map((r) => r.penaltyFen),
    );
  },
);

dbTest("settlement killed after random chunks and rerun pays every installment exactly once", async (sql) => {
  for (const [round, year] of [[0, 1995], [1, 1996], [2, 1997]] as const) {
    const day = `${year}-06-20`;
    const loans = [];
    for (let i = 0; i < 7; i++) {
      // some borrowers can pay in full, some in part, some not at all
      const balance = i % 3 === 0 ? 10_000_000n : i % 3 === 1 ? 1234n : 0n;
      loans.push(
        await repayingLoan(sql, { firstDueDate: day, borrowerBalanceFen: balance, weights: [1n, 1n] }),
      );
    }
    const killAt = 1 + Math.floor(Math.random() * 3);
    let thrown = false;
    await assert.rejects(settleDay(sql, deps, {
      day,
      chunkSize: 2,
      onProgress: (p) => {
        if (p.chunk === killAt) {
          thrown = true;
          throw new Error("killed");
        }
      },
    }));
    assert.ok(thrown, `round ${round}`);
    const r = await settleDay(sql, deps, { day, chunkSize: 2 });
    assert.ok(r.ok && !r.alreadyDone);
    assert.equal((await settlementRun(sql, day))?.attempts, 2);
    for (const [i, loan] of loans.entries()) {
      const [first] = await installments(sql, loan.loanId);
      const owed = first.principalFen + first.interestFen;
      const expected = i % 3 === 0 ? owed : i % 3 === 1 ? 1234n : 0n;
      assert.equal(first.paidFen, expected, `loan ${i}`);
      const [{ n }] = await sql<{ n: number }[]>`
        select count(*) as n from loan_repayments where loan_id = ${loan.loanId}`;
      assert.equal(Number(n), expected > 0n ? 1 : 0);
      assert.equal(first.status, i % 3 === 0 ? "paid" : "overdue");
      assert.equal(
        (await userBalances(sql, loan.borrowerId)).availableFen,
        i % 3 === 0 ? 10_000_000n - owed : 0n,
      );
    }
    assert.deepEqual(
      await auditLedger(sql, { userIds: loans.flatMap((l) => [l.borrowerId, ...l.investorIds]) }),
      [],
    );
    const again = await settleDay(sql, deps, { day });
    assert.ok(again.ok && again.alreadyDone);
  }
});

dbTest(
  "settlement completes a period paid in part before: rows that received something are split, the rest paid whole",
  async (sql) => {
    // the earliest day of the file: the run sees no other test's loan
    const day = "1990-05-21";
    const loan = await repayingLoan(sql, {
      firstDueDate: day,
      borrowerBalanceFen: 10_000_000n,
      weights: [1n, 2n, 3n],
    });
    // one fen on the due day before the settlement: it goes to the interest of one claim row only
    const early = await repayNow(sql, deps, {
      borrowerId: loan.borrowerId,
      loanId: loan.loanId,
      amountFen: 1n,
      idempotencyKey: "part-" + crypto.randomUUID(),
    }, new Date(`${day}T10:00:00+08:00`));
    assert.ok(early.ok);
    const before = await sql<{ claimId: string; received: bigint }[]>`
      select claim_id::text as "claimId", received_principal_fen + received_interest_fen as received
      from claim_installments where loan_id = ${loan.loanId} and period = 1 order by claim_id`;
    assert.deepEqual(before.map((r) => r.received).sort(), [0n, 0n, 1n]);
    const r = await settleDay(sql, deps, { day });
    assert.ok(r.ok);
    assert.equal(r.counts.claimRows, 3);
    const [inst] = await installments(sql, loan.loanId);
    assert.equal(inst.status, "paid");
    assert.equal(inst.paidFen, inst.principalFen + inst.interestFen);
    const [{ feeMicros }] = await sql<{ feeMicros: number }[]>`
      select interest_management_fee_micros as "feeMicros" from loans where id = ${loan.loanId}`;
    const rows = await sql<
      { investorId: string; status: string; p: bigint; rp: bigint; i: bigint; ri: bigint; fee: bigint }[]
    >`
      select investor_id::text as "investorId", status, principal_fen as p, received_principal_fen as rp,
        interest_fen as i, received_interest_fen as ri, fee_fen as fee
      from claim_installments where loan_id = ${loan.loanId} and period = 1`;
    for (const row of rows) {
      assert.deepEqual([row.status, row.rp, row.ri], ["received", row.p, row.i]);
      assert.equal(row.fee, rowFeeFen(row.i, Number(feeMicros)));
      // each investor's balance is what their row received, net of its fee (one row each)
      assert.equal((await userBalances(sql, row.investorId)).availableFen, row.p + row.i - row.fee);
    }
    // the settlement's batch carries what the settlement paid (the early fen went in its own batch)
    const [batch] = await sql<{ amountFen: bigint; lines: bigint }[]>`
      select i.amount_fen as "amountFen", (select sum(amount_fen) from custody_instruction_lines
        where instruction_id = i.id)::bigint as lines
      from custody_instructions i where i.reference = ${"settlement:" + day}`;
    assert.equal(batch.amountFen, inst.principalFen + inst.interestFen - 1n);
    assert.equal(batch.lines, batch.amountFen);
    assert.deepEqual(await auditLedger(sql, { userIds: [loan.borrowerId, ...loan.investorIds] }), []);
  },
);
