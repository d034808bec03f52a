import assert from "node:assert/strict";
import { userBalances } from "../../../domain/ledger/ledger.ts";
import { failExpiredLoans, publishDueLoans } from "../../../domain/lending/listing.ts";
import { dbTest } from "../../helpers/db.ts";
import { insertLoan } from "../../helpers/lending.ts";
import { fundedLoan } from "../../helpers/lending_lifecycle.ts";
import { testOutbox } from "../../helpers/outbox.ts";

const deps = { outbox: testOutbox };

dbTest("publishDueLoans opens scheduled loans whose time has come, once", async (sql) => {
  const now = new Date();
  const due = await insertLoan(sql, { status: "scheduled", publishAt: new Date(now.getTime() - 60_000) });
  const later = await insertLoan(sql, {
    status: "scheduled",
    publishAt: new Date(now.getTime() + 3_600_000),
  });
  const read = () =>
    sql<{ status: string; version: bigint }[]>`
      select status, version from loans where id in (${due.loanId}, ${later.loanId}) order by publish_at`;
  const before = await read();
  assert.ok(await publishDueLoans(sql, now) >= 1);
  const after = await read();
  assert.deepEqual(after.map((r) => r.status), ["open", "scheduled"]);
  assert.ok(BigInt(after[0].version) > BigInt(before[0].version), "version bumped");
  assert.equal(BigInt(after[1].version), BigInt(before[1].version));
  await publishDueLoans(sql, now);
  assert.deepEqual(await read(), after);
});

dbTest("failExpiredLoans: 流标 releases every frozen bid exactly once, even when run twice", async (sql) => {
  // a loan with three bids, then un-full it: 70% funded, the deadline passed
  const loan = await fundedLoan(sql, { amountFen: 300_000n, bids: 3 });
  await sql`update loans set status = 'open', amount_fen = 400000, bid_deadline = now() - interval '1 minute',
              publish_at = now() - interval '8 days' where id = ${loan.loanId}`;
  const now = new Date();
  const first = await failExpiredLoans(sql, deps, now);
  assert.ok(first.failed >= 1 && first.released >= 3);
  const second = await failExpiredLoans(sql, deps, now);
  const [state] =
    await sql`select status, failed_at is not null as failed from loans where id = ${loan.loanId}`;
  assert.deepEqual({ ...state }, { status: "failed", failed: true });
  // second run touched nothing of ours
  const releases = await sql<{ n: bigint }[]>`
    select count(*)::bigint as n from journal_entries where business_type = 'bid_release'
      and reference = any(${loan.bids.map((b) => "bid:" + b.bidId)}::text[])`;
  assert.equal(Number(releases[0].n), 3);
  assert.ok(second.released === 0 || second.failed >= 1);
  for (const bid of loan.bids) {
    assert.deepEqual(await userBalances(sql, bid.investorId), {
      availableFen: bid.amountFen,
      frozenFen: 0n,
      rewardFen: 0n,
    });
  }
  const bids = await sql`select status from bids where loan_id = ${loan.loanId}`;
  assert.deepEqual(bids.map((b) => b.status), ["released", "released", "released"]);
  const unfreezes = await sql`
    select count(*) as n from custody_instructions where kind = 'unfreeze'
      and reference = any(${loan.bids.map((b) => "bid:" + b.bidId)}::text[])`;
  assert.equal(Number(unfreezes[0].n), 3);
  const notes = await sql`
    select count(*) as n from outbox_events where topic = 'notification'
      and dedupe_key like ${"%loan_failed:" + loan.loanId}`;
  assert.equal(Number(notes[0].n), 4); // three investors and the borrower
});

dbTest("failExpiredLoans leaves open loans before their deadline alone", async (sql) => {
  const { loanId } = await insertLoan(sql, { status: "open" });
  await failExpiredLoans(sql, deps, new Date());
  const [row] = await sql`select status from loans where id = ${loanId}`;
  assert.equal(row.status, "open");
});
