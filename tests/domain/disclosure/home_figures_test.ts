/** The home page's shared figures: which loans the cards show, and the short-lived cache. */
import assert from "node:assert/strict";
import { dbTest } from "../../helpers/db.ts";
import {
  clearHomeFiguresCache,
  HOME_FIGURES_TTL_MS,
  homeFigures,
  readHomeFigures,
} from "../../../domain/disclosure/home_figures.ts";
import { bookLoan } from "./books_fixture.ts";

dbTest("home figures: cards show open loans only, newbie loans apart, most funded first", async (sql) => {
  const high = await bookLoan(sql, { status: "open", amountFen: 1_000_000n, fundedFen: 999_900n });
  const full = await bookLoan(sql, { status: "open", amountFen: 1_000_000n, fundedFen: 1_000_000n });
  const closed = await bookLoan(sql, { status: "full", amountFen: 1_000_000n, fundedFen: 1_000_000n });
  const expired = await bookLoan(sql, { status: "open", amountFen: 1_000_000n, fundedFen: 999_950n });
  await sql`update loans set publish_at = now() - interval '9 days', bid_deadline = now() - interval '1 hour'
    where id = ${expired.loanId}`;
  const newbie = await bookLoan(sql, { status: "open", amountFen: 500_000n, newbieOnly: true });
  await sql`update loans set publish_at = now() - interval '1 second' where id = ${newbie.loanId}`;

  const f = await readHomeFigures(sql);
  const recommended = f.recommended.map((l) => l.id);
  assert.equal(recommended[0], high.loanId, "the most funded open loan first");
  for (const id of [full.loanId, closed.loanId, expired.loanId, newbie.loanId]) {
    assert.ok(!recommended.includes(id), `${id} not recommended`);
  }
  assert.equal(f.newbie[0].id, newbie.loanId);
  assert.ok(f.newbie.every((l) => l.newbieOnly));
  assert.equal(f.recommended[0].fundedFen, 999_900n);
  assert.equal(f.recommended[0].amountFen, 1_000_000n);
  assert.ok(f.recommended[0].bidDeadline instanceof Date && f.recommended[0].bidDeadline > new Date());
});

dbTest("home figures: one read is shared for the TTL, then read again", async (sql) => {
  clearHomeFiguresCache(sql);
  const t0 = Date.now();
  const first = await homeFigures(sql, t0);
  await bookLoan(sql, { status: "open", amountFen: 300_000n });
  assert.equal(await homeFigures(sql, t0 + HOME_FIGURES_TTL_MS - 1), first, "the same read within the TTL");
  const second = await homeFigures(sql, t0 + HOME_FIGURES_TTL_MS);
  assert.notEqual(second, first);
  assert.equal(second.openLoans, first.openLoans + 1n);
});
