/**
 * placeBid: a bid freezes the amount, raises the loan's funded amount, writes the contract, custody
 * instruction and notification in one transaction; every refusal changes nothing; the idempotency key
 * returns the first bid; newbie-only loans; a bid that no longer fits at commit (the deferred funding
 * trigger of 0017, and of 0019 for a bid inserted signed) leaves nothing; a balance spent meanwhile is
 * refused under the lock; the loan fills exactly, also under 90 concurrent bidders; the durability fence
 * returns only once the WAL is flushed past it.
 */
import assert from "node:assert/strict";
import type { Db } from "../../../db/tx.ts";
import { auditLedger } from "../../../domain/ledger/audit.ts";
import { userBalances } from "../../../domain/ledger/ledger.ts";
import type { Fen } from "../../../domain/money/fen.ts";
import { contractSha256 } from "../../../domain/lending/contract.ts";
import { durabilityFence, placeBid, type PlaceBidInput } from "../../../domain/lending/place_bid.ts";
import { dbTest, testDbKind } from "../../helpers/db.ts";
import { insertLoan } from "../../helpers/lending.ts";
import { testOutbox } from "../../helpers/outbox.ts";
import {
  bidReadyInvestor,
  sessionWithBidAuthorisation,
  TEST_TRADE_PASSWORD,
} from "../../helpers/investor_fixtures.ts";

const deps = { outbox: testOutbox };

function bid(
  investorId: string,
  loanId: string,
  amountFen: Fen,
  extra: Partial<PlaceBidInput> = {},
): PlaceBidInput {
  return {
    investorId,
    loanId,
    amountFen,
    idempotencyKey: crypto.randomUUID(),
    sessionId: null,
    tradePassword: TEST_TRADE_PASSWORD,
    ...extra,
  };
}

/** Everything a bid would change, for "nothing changed" checks. */
async function snapshot(sql: Db, investorId: string, loanId: string) {
  const [loan] = await sql`
    select funded_fen::text, bid_count, status from loans where id = ${loanId}`;
  const [bids] = await sql`select count(*)::text as n from bids where investor_id = ${investorId}`;
  const [custody] = await sql`
    select count(*)::text as n from custody_instructions where user_id = ${investorId} and kind = 'freeze'`;
  return { loan, bids, custody, balances: await userBalances(sql, investorId) };
}

dbTest(
  "placeBid: freezes, funds, writes contract, custody freeze and notification; replays by key",
  async (sql) => {
    const inv = await bidReadyInvestor(sql, { balanceFen: 1_000_000n });
    const { loanId } = await insertLoan(sql, { amountFen: 500_000n });
    const input = bid(inv.userId, loanId, 200_000n);
    const r = await placeBid(sql, deps, input);
    assert.ok(r.ok, JSON.stringify(r, (_, v) => typeof v === "bigint" ? String(v) : v));
    assert.equal(r.replayed, false);
    assert.equal(r.loanFull, false);
    assert.deepEqual(await userBalances(sql, inv.userId), {
      availableFen: 800_000n,
      frozenFen: 200_000n,
      rewardFen: 0n,
    });
    const [loan] = await sql<{ fundedFen: bigint; bidCount: number; status: string }[]>`
    select funded_fen as "fundedFen", bid_count as "bidCount", status from loans where id = ${loanId}`;
    assert.deepEqual(loan, { fundedFen: 200_000n, bidCount: 1, status: "open" });
    const [row] = await sql<{ html: string; sha: string; status: string; entry: string | null }[]>`
    select contract_html as html, contract_sha256 as sha, status, freeze_entry_id as entry
    from bids where id = ${r.bidId}`;
    assert.equal(row.status, "frozen");
    assert.ok(row.entry);
    assert.equal(row.sha, await contractSha256(row.html));
    assert.equal(r.contractSha256, row.sha);
    assert.match(row.html, /出借协议/);
    assert.match(row.html, /¥2,000\.00/);
    const custody = await sql`
    select amount_fen::text as amount from custody_instructions where reference = ${
      "bid:" + r.bidId
    } and kind = 'freeze'`;
    assert.deepEqual(custody.map((c) => c.amount), ["200000"]);
    const notes = await sql`
    select 1 from outbox_events where topic = 'notification' and dedupe_key like ${"%:bid:" + r.bidId}`;
    assert.equal(notes.length, 1);

    // the same key again: the first bid, nothing moved
    const again = await placeBid(sql, deps, input);
    assert.ok(again.ok);
    assert.equal(again.bidId, r.bidId);
    assert.equal(again.replayed, true);
    assert.equal((await userBalances(sql, inv.userId)).frozenFen, 200_000n);
    assert.deepEqual(await auditLedger(sql, { userIds: [inv.userId] }), []);
  },
);

dbTest("placeBid: every refusal has its code and message and changes nothing", async (sql) => {
  const inv = await bidReadyInvestor(sql, { balanceFen: 300_000n });
  const { loanId } = await insertLoan(sql, { amountFen: 500_000n, fundedFen: 100_000n });
  const before = await snapshot(sql, inv.userId, loanId);
  const expect = async (p: Promise<unknown>, code: string, message?: RegExp) => {
    const r = await p as { ok: boolean; code?: string; message?: string };
    assert.equal(r.ok, false, code);
    assert.equal(r.code, code);
    if (message) assert.match(r.message!, message);
    assert.deepEqual(await snapshot(sql, inv.userId, loanId), before, code);
  };
  await expect(placeBid(sql, deps, bid(inv.userId, loanId, 5_000n)), "below_minimum", /起投 ¥100\.00/);
  await expect(placeBid(sql, deps, bid(inv.userId, loanId, 15_000n)), "not_multiple", /¥100\.00 的整数倍/);
  await expect(
    placeBid(sql, deps, bid(inv.userId, loanId, 410_000n)),
    "over_remaining",
    /剩余可投 ¥4,000\.00/,
  );
  await expect(
    placeBid(sql, deps, bid(inv.userId, loanId, 310_000n)),
    "insufficient_funds",
    /可用 ¥3,000\.00/,
  );
  await expect(
    placeBid(sql, deps, bid(inv.userId, loanId, 10_000n, { tradePassword: "000001" })),
    "wrong_trade_password",
    /交易密码错误/,
  );
  await expect(
    placeBid(sql, deps, bid(inv.userId, loanId, 10_000n, { tradePassword: undefined })),
    "needs_trade_password",
  );
  await expect(
    placeBid(sql, deps, bid(inv.userId, loanId, 10_000n, { idempotencyKey: "x" })),
    "invalid_input",
  );

  // own loan
  const own = await insertLoan(sql, { borrowerId: inv.userId });
  await expect(placeBid(sql, deps, bid(inv.userId, own.loanId, 10_000n)), "own_loan");
  // not open, closed, full
  const scheduled = await insertLoan(sql, {
    status: "scheduled",
    publishAt: new Date(Date.now() + 3_600_000),
  });
  await expect(placeBid(sql, deps, bid(inv.userId, scheduled.loanId, 10_000n)), "loan_not_open");
  const closed = await insertLoan(sql, {
    publishAt: new Date(Date.now() - 10 * 86_400_000),
    bidDeadline: new Date(Date.now() - 60_000),
  });
  await expect(placeBid(sql, deps, bid(inv.userId, closed.loanId, 10_000n)), "bidding_closed");
  const full = await insertLoan(sql, { status: "full", amountFen: 100_000n, fundedFen: 100_000n });
  await expect(placeBid(sql, deps, bid(inv.userId, full.loanId, 10_000n)), "loan_full", /已满标/);

  // risk level: C1 may lend R1 only; the default loan is grade B (R2)
  const cautious = await bidReadyInvestor(sql, { level: "C1" });
  const c = bid(cautious.userId, loanId, 10_000n);
  const r1 = await placeBid(sql, deps, c);
  assert.equal(r1.ok ? "ok" : r1.code, "grade_not_allowed");
  const big = await insertLoan(sql, { grade: "A", amountFen: 5_000_000n });
  const r2 = await placeBid(sql, deps, bid(cautious.userId, big.loanId, 1_010_000n));
  assert.equal(r2.ok ? "ok" : r2.code, "per_bid_limit");
  const none = await bidReadyInvestor(sql, { level: null });
  const r3 = await placeBid(sql, deps, bid(none.userId, loanId, 10_000n));
  assert.equal(r3.ok ? "ok" : r3.code, "no_assessment");
  const expired = await bidReadyInvestor(sql, { expired: true });
  const r4 = await placeBid(sql, deps, bid(expired.userId, loanId, 10_000n));
  assert.equal(r4.ok ? "ok" : r4.code, "assessment_expired");
  const undisclosed = await bidReadyInvestor(sql, { disclosure: false });
  const r5 = await placeBid(sql, deps, bid(undisclosed.userId, loanId, 10_000n));
  assert.equal(r5.ok ? "ok" : r5.code, "no_disclosure");
  for (const u of [cautious, none, expired, undisclosed]) {
    const s = await snapshot(sql, u.userId, loanId);
    assert.deepEqual(s.loan, before.loan);
    assert.equal(s.bids.n, "0");
    assert.equal(s.custody.n, "0");
    assert.equal(s.balances.frozenFen, 0n);
  }
});

dbTest(
  "placeBid: newbie-only loans only for a first bid; the last piece fills the loan; then full",
  async (sql) => {
    const inv = await bidReadyInvestor(sql);
    const newbie = await insertLoan(sql, { newbieOnly: true, amountFen: 100_000n });
    const other = await insertLoan(sql, { amountFen: 100_000n });
    const first = await placeBid(sql, deps, bid(inv.userId, newbie.loanId, 10_000n));
    assert.ok(first.ok);
    const second = await placeBid(sql, deps, bid(inv.userId, newbie.loanId, 10_000n));
    assert.equal(second.ok ? "ok" : second.code, "newbie_only");

    const fill = await placeBid(sql, deps, bid(inv.userId, other.loanId, 100_000n));
    assert.ok(fill.ok && fill.loanFull);
    const [loan] =
      await sql`select status, full_at is not null as "hasFullAt" from loans where id = ${other.loanId}`;
    assert.deepEqual({ ...loan }, { status: "full", hasFullAt: true });
    const late = await bidReadyInvestor(sql);
    const r = await placeBid(sql, deps, bid(late.userId, other.loanId, 10_000n));
    assert.equal(r.ok ? "ok" : r.code, "loan_full");
    assert.equal((await userBalances(sql, late.userId)).frozenFen, 0n);
  },
);

dbTest("placeBid: an open bid authorisation instead of the trade password, within its cap", async (sql) => {
  const inv = await bidReadyInvestor(sql);
  const { loanId } = await insertLoan(sql, { amountFen: 1_000_000n });
  const sessionId = await sessionWithBidAuthorisation(sql, inv.userId, 30_000n);
  const ok = await placeBid(
    sql,
    deps,
    bid(inv.userId, loanId, 20_000n, { tradePassword: undefined, sessionId }),
  );
  assert.ok(ok.ok);
  const over = await placeBid(
    sql,
    deps,
    bid(inv.userId, loanId, 20_000n, { tradePassword: undefined, sessionId }),
  );
  assert.equal(over.ok ? "ok" : over.code, "exceeds_authorisation");
  assert.equal((await userBalances(sql, inv.userId)).frozenFen, 20_000n);
});

dbTest("placeBid: first bid of an invited investor rewards the inviter once", async (sql) => {
  const inviter = await bidReadyInvestor(sql);
  const inv = await bidReadyInvestor(sql);
  await sql`update users set invited_by = ${inviter.userId} where id = ${inv.userId}`;
  const { loanId } = await insertLoan(sql, { amountFen: 1_000_000n });
  assert.ok((await placeBid(sql, deps, bid(inv.userId, loanId, 10_000n))).ok);
  assert.ok((await placeBid(sql, deps, bid(inv.userId, loanId, 10_000n))).ok);
  const rewards = await sql`select milestone from referral_rewards where invitee_id = ${inv.userId}`;
  assert.deepEqual(rewards.map((r) => r.milestone), ["first_bid"]);
});

/** What a refused bid must have left behind for its investor: nothing at all. */
async function assertLeftNothing(sql: Db, investorId: string, balanceFen: Fen, label: string): Promise<void> {
  const [row] = await sql<{ bids: string; custody: string; entries: string; outbox: string; used: string }[]>`
    select (select count(*) from bids where investor_id = ${investorId})::text as bids,
      (select count(*) from custody_instructions where user_id = ${investorId})::text as custody,
      (select count(*) from journal_lines jl join ledger_accounts a on a.id = jl.account_id
        where a.owner_user_id = ${investorId} and a.kind = 'user_frozen')::text as entries,
      (select count(*) from outbox_events where dedupe_key like ${
    "%:" + investorId + ":bid:%"
  })::text as outbox,
      coalesce((select sum(used_fen) from bid_authorisations where user_id = ${investorId}), 0)::text as used`;
  assert.deepEqual({ ...row }, { bids: "0", custody: "0", entries: "0", outbox: "0", used: "0" }, label);
  assert.deepEqual(await userBalances(sql, investorId), {
    availableFen: balanceFen,
    frozenFen: 0n,
    rewardFen: 0n,
  });
}

dbTest(
  "placeBid: a bid that passed the checks but no longer fits at commit is refused and leaves nothing",
  async (sql) => {
    // both read the loan with ¥1,000 remaining; the second to commit no longer fits (its commit fails)
    const { loanId } = await insertLoan(sql, { amountFen: 100_000n });
    const a = await bidReadyInvestor(sql, { balanceFen: 80_000n });
    const b = await bidReadyInvestor(sql, { balanceFen: 80_000n });
    const sa = await sessionWithBidAuthorisation(sql, a.userId);
    const sb = await sessionWithBidAuthorisation(sql, b.userId);
    const [ra, rb] = await Promise.all([
      placeBid(sql, deps, bid(a.userId, loanId, 60_000n, { tradePassword: undefined, sessionId: sa })),
      placeBid(sql, deps, bid(b.userId, loanId, 60_000n, { tradePassword: undefined, sessionId: sb })),
    ]);
    const [won, lost, loser] = ra.ok ? [ra, rb, b] : [rb, ra, a];
    assert.ok(won.ok && !won.loanFull);
    assert.ok(!lost.ok);
    assert.equal(lost.code, "over_remaining");
    assert.equal(lost.remainingFen, 40_000n);
    assert.match(lost.message, /剩余可投 ¥400\.00/);
    await assertLeftNothing(sql, loser.userId, 80_000n, "late bidder");
    const [loan] =
      await sql`select funded_fen::text as funded, bid_count as n, status from loans where id = ${loanId}`;
    assert.deepEqual({ ...loan }, { funded: "60000", n: 1, status: "open" });
  },
);

dbTest(
  "placeBid: the funding trigger applies only signed bids, at commit, and refuses what does not fit",
  async (sql) => {
    const inv = await bidReadyInvestor(sql);
    const { loanId } = await insertLoan(sql, { amountFen: 100_000n, fundedFen: 90_000n });
    const [{ v0 }] = await sql`select version::text as v0 from loans where id = ${loanId}`;
    const sign = (amountFen: bigint, createdAt = new Date()) =>
      sql.begin(async (tx) => {
        const [{ before }] = await tx`select funded_fen::text as before from loans where id = ${loanId}`;
        const [b] = await tx<{ id: string }[]>`
        insert into bids (loan_id, investor_id, amount_fen, idempotency_key, created_at)
        values (${loanId}, ${inv.userId}, ${amountFen}, ${crypto.randomUUID()}, ${createdAt}) returning id::text`;
        await tx`update bids set contract_sha256 = ${"0".repeat(64)} where id = ${b.id}`;
        // deferred: inside the transaction the loan has not moved yet
        const [l] = await tx`select funded_fen::text as f from loans where id = ${loanId}`;
        assert.equal(l.f, before);
        return b.id;
      });
    const code = (p: Promise<unknown>) =>
      p.then(() => "committed", (e: { code?: string }) => e.code ?? String(e));
    // too much: the commit fails with the dedicated SQLSTATE, nothing stays
    assert.equal(await code(sign(20_000n)), "LB001");
    // past the deadline (the bid's own time)
    assert.equal(await code(sign(10_000n, new Date(Date.now() + 30 * 86_400_000))), "LB001");
    assert.equal((await sql`select 1 from bids where loan_id = ${loanId}`).length, 0);
    // fits exactly: full, full_at, bid_count, version bumped, one "full" event naming the bid
    const bidId = await sign(10_000n);
    const [loan] = await sql`
    select funded_fen::text as funded, status, bid_count as n, full_at is not null as "fullAt",
      version > ${v0}::bigint as bumped from loans where id = ${loanId}`;
    assert.deepEqual({ ...loan }, { funded: "100000", status: "full", n: 1, fullAt: true, bumped: true });
    const events =
      await sql`select detail ->> 'lastBidId' as bid from loan_events where loan_id = ${loanId} and kind = 'full'`;
    assert.deepEqual(events.map((e) => e.bid), [bidId]);
    // then full: refused; an unsigned row (fixtures, imports) leaves the loan alone
    assert.equal(await code(sign(10_000n)), "LB001");
    await sql`insert into bids (loan_id, investor_id, amount_fen, idempotency_key, status)
    values (${loanId}, ${inv.userId}, 10000, ${crypto.randomUUID()}, 'released')`;
    const [after] =
      await sql`select funded_fen::text as funded, bid_count as n from loans where id = ${loanId}`;
    assert.deepEqual({ ...after }, { funded: "100000", n: 1 });
  },
);

dbTest(
  "placeBid: two bids of one investor over the balance at once: the second is refused under the lock",
  async (sql) => {
    // both pass the check before the transaction (¥800 available, ¥600 each); the guarded ledger update of
    // the second, under the investor's lock, finds ¥200 and rolls everything back
    const inv = await bidReadyInvestor(sql, { balanceFen: 80_000n });
    const { loanId } = await insertLoan(sql, { amountFen: 1_000_000n });
    const session = await sessionWithBidAuthorisation(sql, inv.userId);
    const both = await Promise.all(
      [0, 1].map(() =>
        placeBid(
          sql,
          deps,
          bid(inv.userId, loanId, 60_000n, { tradePassword: undefined, sessionId: session }),
        )
      ),
    );
    assert.deepEqual(both.map((r) => r.ok ? "ok" : r.code).sort(), ["insufficient_funds", "ok"]);
    assert.deepEqual(await userBalances(sql, inv.userId), {
      availableFen: 20_000n,
      frozenFen: 60_000n,
      rewardFen: 0n,
    });
    const [row] = await sql<{ bids: string; custody: string; used: string }[]>`
      select (select count(*) from bids where investor_id = ${inv.userId})::text as bids,
        (select count(*) from custody_instructions where user_id = ${inv.userId})::text as custody,
        (select sum(used_fen) from bid_authorisations where user_id = ${inv.userId})::text as used`;
    assert.deepEqual({ ...row }, { bids: "1", custody: "1", used: "60000" });
    assert.deepEqual(await auditLedger(sql, { userIds: [inv.userId] }), []);
  },
);

dbTest("placeBid: a bid inserted already signed funds its loan at commit too (0019)", async (sql) => {
  const inv = await bidReadyInvestor(sql);
  const { loanId } = await insertLoan(sql, { amountFen: 100_000n, fundedFen: 80_000n });
  const insert = (amountFen: bigint, sha: string | null) =>
    sql.begin(async (tx) => {
      await tx`
        insert into bids (loan_id, investor_id, amount_fen, idempotency_key, contract_sha256)
        values (${loanId}, ${inv.userId}, ${amountFen}, ${crypto.randomUUID()}, ${sha})`;
      const [l] = await tx`select funded_fen::text as f from loans where id = ${loanId}`;
      assert.equal(l.f, "80000", "deferred: not inside the transaction");
    }).then(() => "committed", (e: { code?: string }) => e.code ?? String(e));
  const signed = "1".repeat(64);
  assert.equal(await insert(30_000n, signed), "LB001");
  assert.equal(await insert(10_000n, null), "committed");
  assert.equal(await insert(10_000n, signed), "committed");
  const [loan] = await sql`select funded_fen::text as funded, bid_count as n from loans where id = ${loanId}`;
  assert.deepEqual({ ...loan }, { funded: "90000", n: 1 });
});

dbTest(
  "placeBid postgres: 90 concurrent bidders over 3× the demand fill the loan exactly; refused bids leave nothing",
  async (sql) => {
    const bidders = 90;
    const each = 50_000n;
    const amountFen = each * 30n;
    const { loanId } = await insertLoan(sql, { amountFen });
    const investors = [];
    for (let i = 0; i < bidders; i++) investors.push(await bidReadyInvestor(sql, { balanceFen: 80_000n }));
    const sessions = await Promise.all(
      investors.map((u) => sessionWithBidAuthorisation(sql, u.userId, 1_000_000n)),
    );
    const results = await Promise.all(
      investors.map((u, i) =>
        placeBid(sql, deps, bid(u.userId, loanId, each, { tradePassword: undefined, sessionId: sessions[i] }))
      ),
    );
    const accepted = results.filter((r) => r.ok);
    assert.equal(accepted.length, 30);
    for (const r of results) if (!r.ok) assert.match(r.code, /^(loan_full|over_remaining)$/);
    // exactly one accepted bid says it filled the loan, and the loan's "full" event names it
    const fillers = accepted.filter((r) => r.loanFull);
    assert.equal(fillers.length, 1);
    const events = await sql`
      select detail ->> 'lastBidId' as bid from loan_events where loan_id = ${loanId} and kind = 'full'`;
    assert.deepEqual(events.map((e) => e.bid), [fillers[0].bidId]);
    const [loan] = await sql<{ fundedFen: bigint; status: string; bidCount: number }[]>`
      select funded_fen as "fundedFen", status, bid_count as "bidCount" from loans where id = ${loanId}`;
    assert.deepEqual({ ...loan }, { fundedFen: amountFen, status: "full", bidCount: 30 });
    const [sum] = await sql<{ total: bigint; n: bigint }[]>`
      select sum(amount_fen)::bigint as total, count(*) as n from bids where loan_id = ${loanId}`;
    assert.equal(BigInt(sum.total), amountFen);
    assert.equal(BigInt(sum.n), 30n);
    for (const [i, u] of investors.entries()) {
      const r = results[i];
      if (r.ok) {
        assert.deepEqual(await userBalances(sql, u.userId), {
          availableFen: 30_000n,
          frozenFen: each,
          rewardFen: 0n,
        });
      } else {
        await assertLeftNothing(sql, u.userId, 80_000n, `${r.code} ${i}`);
      }
    }
    assert.deepEqual(await auditLedger(sql, { userIds: investors.map((u) => u.userId) }), []);
  },
  { ignore: testDbKind !== "postgres" },
);

dbTest(
  "placeBid postgres: the durability fence returns only once the WAL is flushed past it (also side by side)",
  async (sql) => {
    // test databases commit asynchronously (tests/run.ts); the fence runs as deployed: synchronous_commit on
    const conns = await Promise.all(Array.from({ length: 4 }, () => sql.reserve()));
    try {
      for (const c of conns) await c`set synchronous_commit = on`;
      const lsns = await Promise.all(
        Array.from({ length: 20 }, (_, i) => durabilityFence(conns[i % conns.length], `test-${i}`)),
      );
      const [{ flushed }] = await conns[0]<{ flushed: boolean }[]>`
        select pg_current_wal_flush_lsn() >= max(l::pg_lsn) as flushed from unnest(${lsns}::text[]) as l`;
      assert.equal(flushed, true, lsns.join(" "));
    } finally {
      for (const c of conns) c.release();
    }
  },
  { ignore: testDbKind !== "postgres" },
);
