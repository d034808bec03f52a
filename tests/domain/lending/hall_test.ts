/**
 * The investment hall: filters, sorts and pages (one query per page), and the cache of the rendered
 * fragment, reused until a bid (or any loan change) moves the hall's version. The database is shared with
 * other tests: checks look at this test's own loans, or at properties every row must have.
 */
import assert from "node:assert/strict";
import { type Db, type Queryable, transaction } from "../../../db/tx.ts";
import {
  currentHallVersion,
  HALL_PAGE_SIZE,
  HALL_VERSION_MAX_AGE_MS,
  HALL_VERSION_STALE_MAX_MS,
  HallCache,
  hallPage,
  hallQueryKey,
  hallVersion,
  knownHallVersion,
  parseHallQuery,
} from "../../../domain/lending/hall.ts";
import { placeBid } from "../../../domain/lending/place_bid.ts";
import { dbTest } from "../../helpers/db.ts";
import { insertLoan } from "../../helpers/lending.ts";
import { testOutbox } from "../../helpers/outbox.ts";
import { bidReadyInvestor, TEST_TRADE_PASSWORD } from "../../helpers/investor_fixtures.ts";

const q = (s: string) => parseHallQuery(new URLSearchParams(s));

/** `sql` that counts the statements it is asked to run. */
function counting(sql: Db): { db: Db; count: () => number } {
  let n = 0;
  const db = ((...args: unknown[]) => {
    n++;
    return (sql as unknown as (...a: unknown[]) => unknown)(...args);
  }) as unknown as Db;
  return { db, count: () => n };
}

Deno.test("parseHallQuery: unknown values fall back; key is canonical", () => {
  const a = q("term=7-12&rate=bogus&grade=Z&sort=rate&page=999&status=open");
  assert.equal(a.term, "7-12");
  assert.equal(a.rate, undefined);
  assert.equal(a.grade, undefined);
  assert.equal(a.sort, "rate");
  assert.equal(a.page, 1);
  assert.equal(hallQueryKey(a), hallQueryKey(q("status=open&sort=rate&term=7-12")));
});

dbTest("hall: filters by term, rate, type, grade, status; one query per page", async (sql) => {
  const mine = [
    await insertLoan(sql, { grade: "E", termCount: 3, annualRateMicros: 125_000 }),
    await insertLoan(sql, { grade: "E", termCount: 12, annualRateMicros: 90_000, productCode: "car_loan" }),
    await insertLoan(sql, { grade: "E", status: "full", amountFen: 100_000n, fundedFen: 100_000n }),
    await insertLoan(sql, { grade: "E", termUnit: "day", termCount: 30, method: "bullet" }),
  ].map((l) => l.loanId);
  const ids = async (s: string) => {
    const { db, count } = counting(sql);
    const page = await hallPage(db, q(s));
    assert.equal(count(), 1, `one query for ${s}`);
    return page;
  };
  const e = await ids("grade=E&status=open");
  assert.ok(e.loans.every((l) => l.grade === "E" && (l.status === "open" || l.status === "scheduled")));
  const t = await ids("grade=E&term=1-3");
  assert.ok(t.loans.some((l) => l.id === mine[0]));
  assert.ok(t.loans.every((l) => l.termUnit === "month" && l.termCount <= 3));
  const r = await ids("grade=E&rate=12%2B");
  assert.ok(r.loans.some((l) => l.id === mine[0]));
  assert.ok(r.loans.every((l) => l.annualRateMicros >= 120_000));
  const car = await ids("grade=E&type=car_loan");
  assert.ok(car.loans.some((l) => l.id === mine[1]));
  assert.ok(car.loans.every((l) => l.productKind === "car_loan"));
  const full = await ids("grade=E&status=full");
  assert.ok(full.loans.some((l) => l.id === mine[2]));
  assert.ok(full.loans.every((l) => l.status === "full" || l.status === "full_reviewed"));
  const short = await ids("grade=E&term=short");
  assert.ok(short.loans.some((l) => l.id === mine[3]));
  assert.ok(short.loans.every((l) => l.termUnit === "day"));
});

dbTest(
  "hall: sorts by rate and progress; pages do not overlap and stay within the page size",
  async (sql) => {
    for (let i = 0; i < HALL_PAGE_SIZE + 3; i++) {
      await insertLoan(sql, {
        grade: "D",
        annualRateMicros: 100_000 + i * 1000,
        amountFen: 1_000_000n,
        fundedFen: BigInt(i) * 10_000n,
      });
    }
    const byRate = await hallPage(sql, q("grade=D&status=open&sort=rate"));
    const rates = byRate.loans.map((l) => l.annualRateMicros);
    assert.deepEqual(rates, [...rates].sort((a, b) => b - a));
    const asc = await hallPage(sql, q("grade=D&status=open&sort=rate&dir=asc"));
    const ascRates = asc.loans.map((l) => l.annualRateMicros);
    assert.deepEqual(ascRates, [...ascRates].sort((a, b) => a - b));
    const byProgress = await hallPage(sql, q("grade=D&status=open&sort=progress"));
    const pct = byProgress.loans.map((l) => Number(l.fundedFen * 10_000n / l.amountFen));
    assert.deepEqual(pct, [...pct].sort((a, b) => b - a));

    const p1 = await hallPage(sql, q("grade=D&status=open"));
    const p2 = await hallPage(sql, q("grade=D&status=open&page=2"));
    assert.equal(p1.loans.length, HALL_PAGE_SIZE);
    assert.ok(p1.total >= HALL_PAGE_SIZE + 3);
    assert.ok(p1.pageCount >= 2);
    const first = new Set(p1.loans.map((l) => l.id));
    assert.ok(p2.loans.every((l) => !first.has(l.id)));
  },
);

dbTest("hall cache: rendered once, reused until a bid moves the version", async (sql) => {
  const { loanId } = await insertLoan(sql, { grade: "C", amountFen: 1_000_000n });
  const cache = new HallCache((page) => page.loans.map((l) => `${l.id}:${l.fundedFen}`).join(","));
  const query = q("grade=C&status=open&sort=publish");
  const a = await cache.get(sql, query);
  assert.equal(a.cached, false);
  const b = await cache.get(sql, query);
  assert.equal(b.cached, true);
  assert.equal(b.html, a.html);
  assert.equal(cache.renders, 1);

  const before = await hallVersion(sql);
  const inv = await bidReadyInvestor(sql);
  const bid = await placeBid(sql, { outbox: testOutbox }, {
    investorId: inv.userId,
    loanId,
    amountFen: 10_000n,
    idempotencyKey: crypto.randomUUID(),
    sessionId: null,
    tradePassword: TEST_TRADE_PASSWORD,
  });
  assert.ok(bid.ok);
  assert.notEqual(await hallVersion(sql), before);
  const c = await cache.get(sql, query);
  assert.equal(c.cached, false);
  assert.equal(cache.renders, 2);
  if (a.html.includes(`${loanId}:0`)) assert.ok(c.html.includes(`${loanId}:10000`));

  // entries expire with the TTL even at the same version
  const later = await cache.get(sql, query, new Date(Date.now() + 60_000));
  assert.equal(later.cached, false);
});

dbTest(
  "hall version clock: this process's commits seen at once, another's within the max age",
  async (sql) => {
    const { loanId } = await insertLoan(sql, { grade: "D", amountFen: 1_000_000n });
    const bump = (db: Queryable) => db`update loans set funded_fen = funded_fen + 100 where id = ${loanId}`;
    // a commit through transaction() forgets the known version: the next read starts after it
    await transaction(sql, (tx) => bump(tx));
    assert.equal(knownHallVersion(sql), null);
    const before = Date.now();
    const v1 = await currentHallVersion(sql);
    assert.equal(v1, await hallVersion(sql));
    assert.equal(knownHallVersion(sql, before), v1);

    // another process's change (not through this process's transaction()): not seen within the max age...
    await bump(sql);
    const v2 = await hallVersion(sql);
    assert.notEqual(v2, v1);
    assert.equal(knownHallVersion(sql, before), v1);
    // ...past it, the old version still answers while a read runs in the background, which then answers
    assert.equal(knownHallVersion(sql, Date.now() + HALL_VERSION_MAX_AGE_MS), v1);
    for (let i = 0; i < 100 && knownHallVersion(sql, Date.now()) !== v2; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(knownHallVersion(sql, Date.now()), v2);
    // far past the max age nothing is known without a read
    assert.equal(knownHallVersion(sql, Date.now() + HALL_VERSION_STALE_MAX_MS), null);

    await transaction(sql, (tx) => bump(tx));
    assert.equal(knownHallVersion(sql), null);
    const v3 = await currentHallVersion(sql);
    assert.notEqual(v3, v2);
    assert.equal(v3, await hallVersion(sql));
  },
);
