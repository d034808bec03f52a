/**
 * The pure repayment rules: penalty accrual (day 31 switch, half-up per day), the payment order, and the
 * split among claims against a reference model with random splits that must sum exactly.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { allocate } from "../../../domain/money/allocate.ts";
import {
  dailyPenaltyFen,
  distributeToClaims,
  type OwedInstallment,
  penaltyForDays,
  planPayment,
  rowFeeFen,
} from "../../../domain/lending/repayment.ts";
import { splitBalanced } from "../../../domain/lending/loan_payments.ts";

Deno.test("penalty: 0.05% a day for days 1–30, 0.07% from day 31, half-up per day", () => {
  assert.equal(dailyPenaltyFen(100_000n, 1), 50n);
  assert.equal(dailyPenaltyFen(100_000n, 30), 50n);
  assert.equal(dailyPenaltyFen(100_000n, 31), 70n);
  // 1001 fen × 0.0005 = 0.5005 → 1; 999 × 0.0005 = 0.4995 → 0; 1000 × 0.0005 = 0.5 → 1 (half-up)
  assert.equal(dailyPenaltyFen(1001n, 1), 1n);
  assert.equal(dailyPenaltyFen(999n, 1), 0n);
  assert.equal(dailyPenaltyFen(1000n, 1), 1n);
  assert.equal(dailyPenaltyFen(0n, 5), 0n);
  assert.equal(penaltyForDays(100_000n, 1, 30), 1500n);
  assert.equal(penaltyForDays(100_000n, 29, 32), 50n * 2n + 70n * 2n);
  assert.equal(penaltyForDays(100_000n, 31, 31), 70n);
  assert.equal(penaltyForDays(100_000n, 5, 4), 0n);
  assert.equal(dailyPenaltyFen(100_000n, 1, { dayMicros: 1000, dayMicrosAfter30: 2000 }), 100n);
});

Deno.test("penalty over a range equals the sum of single days", () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 10_000_000n }),
      fc.integer({ min: 1, max: 90 }),
      fc.integer({ min: 0, max: 60 }),
      (base, from, len) => {
        let sum = 0n;
        for (let d = from; d <= from + len; d++) sum += dailyPenaltyFen(base, d);
        assert.equal(penaltyForDays(base, from, from + len), sum);
      },
    ),
  );
});

const inst = (
  period: number,
  principalFen: bigint,
  interestFen: bigint,
  penaltyFen = 0n,
): OwedInstallment => ({
  period,
  principalFen,
  interestFen,
  penaltyFen,
});

Deno.test("payment order: penalty → overdue interest → overdue principal → current interest → current principal", () => {
  const overdue = [inst(2, 1000n, 100n, 7n), inst(1, 1000n, 120n, 30n)];
  const current = [inst(3, 1000n, 80n)];
  assert.deepEqual(planPayment(20n, overdue, current).periods, [
    { period: 1, penaltyFen: 20n, interestFen: 0n, principalFen: 0n, completes: false },
  ]);
  const p = planPayment(37n + 220n + 1500n, overdue, current);
  assert.deepEqual(p.breakdown, {
    penaltyFen: 37n,
    overdueInterestFen: 220n,
    overduePrincipalFen: 1500n,
    interestFen: 0n,
    principalFen: 0n,
  });
  assert.deepEqual(p.periods.find((x) => x.period === 1)?.principalFen, 1000n);
  assert.deepEqual(p.periods.find((x) => x.period === 2)?.principalFen, 500n);
  const all = planPayment(10_000n, overdue, current);
  assert.equal(all.appliedFen, 37n + 220n + 2000n + 1080n);
  assert.equal(all.leftoverFen, 10_000n - all.appliedFen);
  assert.equal(all.breakdown.interestFen, 80n);
  assert.equal(all.breakdown.principalFen, 1000n);
  assert.ok(all.periods.every((x) => x.completes));
});

Deno.test("payment order matches a reference model on random installments", () => {
  const arbInst = fc.record({
    principalFen: fc.bigInt({ min: 0n, max: 50_000n }),
    interestFen: fc.bigInt({ min: 0n, max: 5_000n }),
    penaltyFen: fc.bigInt({ min: 0n, max: 2_000n }),
  });
  fc.assert(
    fc.property(
      fc.array(arbInst, { maxLength: 5 }),
      fc.array(arbInst, { maxLength: 2 }),
      fc.bigInt({ min: 0n, max: 200_000n }),
      (o, c, amount) => {
        const overdue = o.map((x, k) => inst(k + 1, x.principalFen, x.interestFen, x.penaltyFen));
        const current = c.map((x, k) => inst(o.length + k + 1, x.principalFen, x.interestFen, x.penaltyFen));
        const plan = planPayment(amount, overdue, current);
        // reference: a flat list of buckets in order
        const buckets: [number, "penaltyFen" | "interestFen" | "principalFen", bigint][] = [];
        for (const i of [...overdue, ...current]) {
          buckets.push([i.period, "penaltyFen", i.penaltyFen]);
        }
        for (const i of overdue) buckets.push([i.period, "interestFen", i.interestFen]);
        for (const i of overdue) buckets.push([i.period, "principalFen", i.principalFen]);
        for (const i of current) buckets.push([i.period, "interestFen", i.interestFen]);
        for (const i of current) buckets.push([i.period, "principalFen", i.principalFen]);
        let left = amount;
        const expected = new Map<string, bigint>();
        for (const [period, field, owed] of buckets) {
          const pay = owed < left ? owed : left;
          left -= pay;
          expected.set(`${period}:${field}`, (expected.get(`${period}:${field}`) ?? 0n) + pay);
        }
        for (const p of plan.periods) {
          for (const f of ["penaltyFen", "interestFen", "principalFen"] as const) {
            assert.equal(p[f], expected.get(`${p.period}:${f}`) ?? 0n);
          }
        }
        const paid = plan.periods.reduce((s, p) => s + p.penaltyFen + p.interestFen + p.principalFen, 0n);
        assert.equal(paid, plan.appliedFen);
        assert.equal(plan.leftoverFen, left);
      },
    ),
  );
});

Deno.test("distribution: random partial payments sum exactly and a full payment gives each claim its row", () => {
  fc.assert(fc.property(
    fc.array(fc.bigInt({ min: 1n, max: 1_000_000n }), { minLength: 1, maxLength: 30 }),
    fc.bigInt({ min: 0n, max: 500_000n }),
    fc.bigInt({ min: 0n, max: 50_000n }),
    fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 5 }),
    fc.integer({ min: 0, max: 500_000 }),
    (weights, principal, interest, cuts, feeMicros) => {
      const pr = allocate(principal, weights);
      const it = allocate(interest, weights);
      const rows = weights.map((_, k) => ({
        claimId: String(k + 1),
        principalFen: pr[k],
        interestFen: it[k],
        receivedPrincipalFen: 0n,
        receivedInterestFen: 0n,
        feeFen: 0n,
      }));
      // pay principal and interest in random parts, then the rest
      const total = cuts.reduce((s, c) => s + c, 0);
      let paidP = 0n;
      let paidI = 0n;
      let feeSum = 0n;
      for (const [n, cut] of cuts.entries()) {
        const last = n === cuts.length - 1;
        const p = last ? principal - paidP : principal * BigInt(cut) / BigInt(total * 2);
        const i = last ? interest - paidI : interest * BigInt(cut) / BigInt(total * 2);
        const penalty = principal + interest > 0n ? 7n : 0n;
        const shares = distributeToClaims(
          { principalFen: p, interestFen: i, penaltyFen: penalty },
          rows,
          feeMicros,
        );
        assert.equal(shares.reduce((s, x) => s + x.principalFen, 0n), p);
        assert.equal(shares.reduce((s, x) => s + x.interestFen, 0n), i);
        assert.equal(shares.reduce((s, x) => s + x.penaltyFen, 0n), penalty);
        for (const [k, s] of shares.entries()) {
          assert.equal(s.netFen, s.principalFen + s.interestFen + s.penaltyFen - s.feeFen);
          rows[k].receivedPrincipalFen += s.principalFen;
          rows[k].receivedInterestFen += s.interestFen;
          rows[k].feeFen += s.feeFen;
          feeSum += s.feeFen;
          assert.ok(rows[k].receivedPrincipalFen <= rows[k].principalFen);
          assert.ok(rows[k].receivedInterestFen <= rows[k].interestFen);
        }
        paidP += p;
        paidI += i;
      }
      for (const r of rows) {
        assert.equal(r.receivedPrincipalFen, r.principalFen);
        assert.equal(r.receivedInterestFen, r.interestFen);
        // the fee of a row is its rounded share of its whole interest, however it arrived
        assert.equal(r.feeFen, rowFeeFen(r.interestFen, feeMicros));
      }
      assert.equal(feeSum, rows.reduce((s, r) => s + rowFeeFen(r.interestFen, feeMicros), 0n));
    },
  ));
});

Deno.test("fee: 10% of interest, half-up per claim; penalty carries no fee", () => {
  const rows = [
    {
      claimId: "1",
      principalFen: 500n,
      interestFen: 15n,
      receivedPrincipalFen: 0n,
      receivedInterestFen: 0n,
      feeFen: 0n,
    },
    {
      claimId: "2",
      principalFen: 500n,
      interestFen: 14n,
      receivedPrincipalFen: 0n,
      receivedInterestFen: 0n,
      feeFen: 0n,
    },
  ];
  const shares = distributeToClaims(
    { principalFen: 1000n, interestFen: 29n, penaltyFen: 100n },
    rows,
    100_000,
  );
  assert.deepEqual(shares.map((s) => s.feeFen), [2n, 1n]); // 1.5 → 2, 1.4 → 1
  assert.deepEqual(shares.map((s) => s.penaltyFen), [50n, 50n]);
  assert.deepEqual(shares.map((s) => s.netFen), [500n + 15n + 50n - 2n, 500n + 14n + 50n - 1n]);
  assert.throws(() => distributeToClaims({ principalFen: 1001n, interestFen: 0n, penaltyFen: 0n }, rows, 0));
});

Deno.test("splitBalanced: every entry balances, ≤ max lines, and the accounts' totals are kept", () => {
  fc.assert(fc.property(
    fc.array(fc.bigInt({ min: 1n, max: 100_000n }), { minLength: 1, maxLength: 150 }),
    fc.array(fc.bigInt({ min: 1n, max: 100_000n }), { minLength: 1, maxLength: 20 }),
    fc.integer({ min: 2, max: 64 }),
    (credits, debitWeights, maxLines) => {
      const total = credits.reduce((s, x) => s + x, 0n);
      const debits = allocate(total, debitWeights).filter((x) => x > 0n);
      const lines = [
        ...debits.map((x, k) => ({
          account: { kind: "user_available" as const, userId: String(k + 1) },
          amountFen: -x,
        })),
        ...credits.map((x, k) => ({
          account: { kind: "user_available" as const, userId: String(1000 + k) },
          amountFen: x,
        })),
      ];
      const entries = splitBalanced(lines, maxLines);
      const sums = new Map<string, bigint>();
      for (const e of entries) {
        assert.ok(e.length >= 2 && e.length <= maxLines);
        assert.equal(e.reduce((s, l) => s + l.amountFen, 0n), 0n);
        for (const l of e) {
          assert.notEqual(l.amountFen, 0n);
          const id = (l.account as { userId: string }).userId;
          sums.set(id, (sums.get(id) ?? 0n) + l.amountFen);
        }
      }
      for (const l of lines) assert.equal(sums.get(l.account.userId), l.amountFen);
    },
  ));
});
