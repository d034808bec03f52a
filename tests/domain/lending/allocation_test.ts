import assert from "node:assert/strict";
import { splitInstallments } from "../../../domain/lending/claim_allocation.ts";
import { computeSchedule, REPAYMENT_METHODS } from "../../../domain/lending/schedule.ts";

/** A small deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("splitInstallments: rows and columns sum exactly for random splits", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const r = rng(seed);
    const count = 1 + Math.floor(r() * 40);
    const claims = Array.from(
      { length: count },
      () => BigInt(1 + Math.floor(r() * (r() < 0.2 ? 5 : 500_000))),
    );
    const total = claims.reduce((s, c) => s + c, 0n);
    const method = REPAYMENT_METHODS[Math.floor(r() * REPAYMENT_METHODS.length)];
    const schedule = method === "bullet" && r() < 0.5
      ? computeSchedule({
        method,
        principalFen: total,
        annualRateMicros: 90_000,
        days: 1 + Math.floor(r() * 90),
      })
      : computeSchedule({
        method,
        principalFen: total,
        annualRateMicros: Math.floor(r() * 240_000),
        months: 1 + Math.floor(r() * 36),
      });
    const split = splitInstallments(claims, schedule.periods);
    schedule.periods.forEach((p, k) => {
      assert.equal(
        split.principal.reduce((s, row) => s + row[k], 0n),
        p.principalFen,
        `seed ${seed} col ${k}`,
      );
      assert.equal(split.interest.reduce((s, row) => s + row[k], 0n), p.interestFen, `seed ${seed} col ${k}`);
    });
    claims.forEach((c, j) => {
      assert.equal(split.principal[j].reduce((s, x) => s + x, 0n), c, `seed ${seed} row ${j}`);
      for (const x of [...split.principal[j], ...split.interest[j]]) {
        assert.ok(x >= 0n, `seed ${seed} negative`);
      }
    });
  }
});

Deno.test("splitInstallments: each part within a fen of its proportional share of the period", () => {
  const claims = [1n, 2n, 3n, 994n];
  const schedule = computeSchedule({
    method: "equal_principal",
    principalFen: 1000n,
    annualRateMicros: 120_000,
    months: 7,
  });
  const split = splitInstallments(claims, schedule.periods);
  // period 1: everyone holds the whole claim, so the split is the plain proportional one
  const p = schedule.periods[0].principalFen;
  claims.forEach((c, j) => {
    const exact = Number(p * c) / 1000;
    assert.ok(Math.abs(Number(split.principal[j][0]) - exact) < 1);
  });
});

Deno.test("splitInstallments: refuses claims that do not match the schedule", () => {
  const schedule = computeSchedule({ method: "bullet", principalFen: 100n, annualRateMicros: 0, months: 1 });
  assert.throws(() => splitInstallments([50n, 49n], schedule.periods), RangeError);
  assert.throws(() => splitInstallments([0n, 100n], schedule.periods), RangeError);
});
