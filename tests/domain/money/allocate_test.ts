import assert from "node:assert/strict";
import fc from "fast-check";
import { Decimal } from "decimal.js";
import { allocate, MAX_ALLOCATION_WEIGHTS } from "../../../domain/money/allocate.ts";
import type { Fen } from "../../../domain/money/fen.ts";

Deno.test("allocate: worked examples", () => {
  // Shares 1.11, 1.11, 7.78: the leftover fen goes to the largest remainder (dinero.js would give [2, 1, 7]).
  assert.deepEqual(allocate(10n, [1n, 1n, 7n]), [1n, 1n, 8n]);
  // All remainders equal: the lower indices go first.
  assert.deepEqual(allocate(10n, [1n, 1n, 1n]), [4n, 3n, 3n]);
  assert.deepEqual(allocate(1n, [1n, 1n]), [1n, 0n]);
  assert.deepEqual(allocate(2n, [1n, 3n]), [1n, 1n]); // 0.5 and 1.5: a tie, index 0 goes up
  assert.deepEqual(allocate(2n, [3n, 1n]), [2n, 0n]); // the same tie, reversed
  // A zero weight gets nothing.
  assert.deepEqual(allocate(100n, [1n, 0n, 1n]), [50n, 0n, 50n]);
  assert.deepEqual(allocate(7n, [0n, 0n, 5n]), [0n, 0n, 7n]);
  // Exact shares need no rounding; a zero total gives zeros.
  assert.deepEqual(allocate(600n, [100n, 200n, 300n]), [100n, 200n, 300n]);
  assert.deepEqual(allocate(0n, [3n, 4n]), [0n, 0n]);
  assert.deepEqual(allocate(5n, [9n]), [5n]);
  // A typical installment split by claims: 1,701 fen over claims of 5,000, 3,000 and 2,000 fen.
  assert.deepEqual(allocate(1701n, [5000n, 3000n, 2000n]), [851n, 510n, 340n]); // 850.5, 510.3, 340.2
  // No precision limit.
  assert.deepEqual(allocate(10n ** 30n + 1n, [1n, 1n]), [5n * 10n ** 29n + 1n, 5n * 10n ** 29n]);
});

Deno.test("allocate refuses bad input with RangeError", () => {
  const bad: [Fen, bigint[]][] = [
    [-1n, [1n]],
    [10n, []],
    [10n, [0n, 0n]],
    [10n, [1n, -1n, 5n]],
    [10n, [1, 2] as unknown as bigint[]],
    [10 as unknown as Fen, [1n]],
    [10n, new Array(MAX_ALLOCATION_WEIGHTS + 1).fill(1n)],
  ];
  for (const [total, weights] of bad) {
    assert.throws(() => allocate(total, weights), RangeError, `${total} over ${weights.length} weights`);
  }
});

Deno.test("allocate handles the largest number of weights it accepts", () => {
  const weights = Array.from({ length: MAX_ALLOCATION_WEIGHTS }, (_, i) => BigInt((i * 7919) % 1000 + 1));
  const parts = allocate(123_456_789n, weights);
  assert.equal(parts.length, MAX_ALLOCATION_WEIGHTS);
  assert.equal(parts.reduce((a, b) => a + b, 0n), 123_456_789n);
});

// ---------------------------------------------------------------------------------------------------------
// Properties, and an independent reference in decimal.js.

const Dec = Decimal.clone({ precision: 160, rounding: Decimal.ROUND_DOWN });
/** Decimal places the reference keeps: all shares are cut at the same place, so equal ones compare equal. */
const PLACES = 100;

/**
 * The largest remainder method written independently: exact shares as decimals cut at {@link PLACES}
 * places (total × weight has at most ~30 digits here and Σw fewer than 15, so two different fractional
 * parts differ long before the cut, and equal ones are cut identically), floors, then the leftover to the
 * largest fractional parts, lower index first on ties.
 */
function referenceAllocate(total: bigint, weights: readonly bigint[]): bigint[] {
  const sum = weights.reduce((a, b) => a.plus(b.toString()), new Dec(0));
  const shares = weights.map((w) =>
    new Dec(total.toString()).times(w.toString()).div(sum).toDecimalPlaces(PLACES, Decimal.ROUND_DOWN)
  );
  const floors = shares.map((s) => s.floor());
  const fractions = shares.map((s, i) => s.minus(floors[i]));
  let left = new Dec(total.toString()).minus(floors.reduce((a, b) => a.plus(b), new Dec(0))).toNumber();
  const byFraction = fractions.map((f, i) => ({ f, i }))
    .sort((a, b) => b.f.comparedTo(a.f) || a.i - b.i);
  const parts = floors.map((f) => BigInt(f.toFixed(0)));
  for (const { i } of byFraction) {
    if (left === 0) break;
    parts[i] += 1n;
    left--;
  }
  return parts;
}

/** Exact share of weight i as floor and remainder: total × wᵢ = floor × Σw + remainder. */
function exactShares(total: bigint, weights: readonly bigint[]) {
  const sum = weights.reduce((a, b) => a + b, 0n);
  return weights.map((w) => ({ floor: total * w / sum, remainder: total * w % sum }));
}

/** Weights: mostly small (ties are common) or large (claims in fen), some zeros; never all zero. */
const weightsArb = fc.oneof(
  fc.array(fc.bigInt({ min: 0n, max: 5n }), { minLength: 1, maxLength: 12 }),
  fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { minLength: 1, maxLength: 40 }),
  fc.array(fc.constantFrom(0n, 100n, 250n, 100n, 5000n), { minLength: 1, maxLength: 20 }),
).filter((ws) => ws.some((w) => w > 0n));

const totalArb = fc.oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: 10n ** 15n }));

Deno.test("property: equals the decimal.js reference exactly", () => {
  fc.assert(
    fc.property(totalArb, weightsArb, (total, weights) => {
      assert.deepEqual(allocate(total, weights), referenceAllocate(total, weights));
    }),
    { numRuns: 1000 },
  );
});

Deno.test("property: parts sum exactly; each is the floor or the ceiling of its exact share", () => {
  fc.assert(
    fc.property(totalArb, weightsArb, (total, weights) => {
      const parts = allocate(total, weights);
      assert.equal(parts.length, weights.length);
      assert.equal(parts.reduce((a, b) => a + b, 0n), total);
      for (const [i, { floor, remainder }] of exactShares(total, weights).entries()) {
        const ceil = remainder > 0n ? floor + 1n : floor;
        assert.ok(
          parts[i] === floor || parts[i] === ceil,
          `part ${i}: ${parts[i]} not in [${floor}, ${ceil}]`,
        );
        if (weights[i] === 0n) assert.equal(parts[i], 0n);
      }
    }),
    { numRuns: 1000 },
  );
});

Deno.test("property: the leftover goes to the largest remainders, lower index first on ties", () => {
  fc.assert(
    fc.property(totalArb, weightsArb, (total, weights) => {
      const parts = allocate(total, weights);
      const shares = exactShares(total, weights);
      const up = shares.map((s, i) => parts[i] > s.floor);
      for (let i = 0; i < shares.length; i++) {
        for (let j = 0; j < shares.length; j++) {
          if (!up[i] || up[j]) continue; // i rounded up, j rounded down
          assert.ok(shares[i].remainder >= shares[j].remainder, `remainder ${i} < remainder ${j}`);
          if (shares[i].remainder === shares[j].remainder) assert.ok(i < j, `tie: ${i} went up before ${j}`);
        }
      }
    }),
    { numRuns: 500 },
  );
});

Deno.test("property: deterministic, and the weights are not changed", () => {
  fc.assert(
    fc.property(totalArb, weightsArb, (total, weights) => {
      const copy = [...weights];
      assert.deepEqual(allocate(total, weights), allocate(total, weights));
      assert.deepEqual(weights, copy);
    }),
  );
});

Deno.test("property: scaling every weight by the same factor changes nothing", () => {
  fc.assert(
    fc.property(totalArb, weightsArb, fc.bigInt({ min: 1n, max: 10n ** 6n }), (total, weights, k) => {
      assert.deepEqual(allocate(total, weights.map((w) => w * k)), allocate(total, weights));
    }),
  );
});

Deno.test("property: permuting the weights permutes the parts, except how ties are broken", () => {
  const withPermutation = weightsArb.chain((weights) =>
    fc.tuple(
      fc.constant(weights),
      fc.shuffledSubarray(weights.map((_, i) => i), { minLength: weights.length }),
    )
  );
  fc.assert(
    fc.property(totalArb, withPermutation, (total, [weights, perm]) => {
      const parts = allocate(total, weights);
      const permuted = allocate(total, perm.map((i) => weights[i]));
      const shares = exactShares(total, weights);
      const tied = (i: number) =>
        shares.some((s, j) => j !== i && s.remainder === shares[i].remainder && weights[j] > 0n);
      // Where no other part has the same remainder, the part follows its weight to its new place.
      for (const [k, i] of perm.entries()) if (!tied(i)) assert.equal(permuted[k], parts[i]);
      // Within a class of equal remainders the number of parts rounded up is the same, and after the
      // permutation they are again the lowest indices of the class.
      const classes = new Map<bigint, number[]>();
      for (const [k, i] of perm.entries()) {
        const r = shares[i].remainder;
        classes.set(r, [...classes.get(r) ?? [], k]);
      }
      for (const [r, positions] of classes) {
        const upBefore = shares.filter((s, i) => s.remainder === r && parts[i] > s.floor).length;
        const upAfter = positions.map((k) => permuted[k] > shares[perm[k]].floor);
        assert.equal(upAfter.filter(Boolean).length, upBefore);
        assert.deepEqual(upAfter, upAfter.map((_, n) => n < upBefore), "the rounded-up ones come first");
      }
    }),
    { numRuns: 500 },
  );
});

Deno.test("property: equal weights give the first total mod n parts one fen more", () => {
  fc.assert(
    fc.property(
      totalArb,
      fc.integer({ min: 1, max: 50 }),
      fc.bigInt({ min: 1n, max: 10n ** 9n }),
      (total, n, w) => {
        const parts = allocate(total, new Array(n).fill(w));
        const base = total / BigInt(n);
        const extra = Number(total % BigInt(n));
        assert.deepEqual(parts, Array.from({ length: n }, (_, i) => i < extra ? base + 1n : base));
      },
    ),
  );
});
