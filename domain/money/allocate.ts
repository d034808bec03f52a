/**
 * Splitting an amount in proportion to weights, exactly (DESIGN.md §4: a borrower's installment is split
 * among the loan's investors in proportion to their claims, the rounding remainder allocated
 * deterministically so that the parts sum exactly).
 *
 * Pure and dependency-free.
 * @module
 */
import type { Fen } from "./fen.ts";

/** Most weights {@link allocate} accepts (a loan has far fewer investors; this bounds the work). */
export const MAX_ALLOCATION_WEIGHTS = 100_000;

/**
 * Splits `total` fen into parts proportional to `weights` by the **largest remainder method**
 * (Hamilton's method):
 *
 * 1. each part starts as the floor of its exact share `total × wᵢ ÷ Σw`;
 * 2. the fen left over (`total − Σ floors`, fewer than the number of weights) go one each to the parts
 *    with the largest remainders `total × wᵢ mod Σw`;
 * 3. **tie-break**: among equal remainders the lower index goes first. So the result depends only on
 *    `total` and the order of `weights` (e.g. `allocate(10n, [1n, 1n, 1n])` is `[4n, 3n, 3n]`), and the same
 *    input always gives the same output.
 *
 * Hence the parts sum exactly to `total`; every part is the floor or the ceiling of its exact share; a
 * zero weight gets 0; and no part that was rounded down had a larger remainder than a part that was
 * rounded up. All arithmetic is in `bigint`: there is no precision limit on `total` or the weights.
 *
 * Why not dinero.js's `allocate` (DESIGN.md mentions it): dinero hands the leftover units out in index
 * order — one each to the first non-zero ratios — whatever their remainders are. For 10 fen over weights
 * [1, 1, 7] (exact shares 1.11, 1.11, 7.78) it gives [2, 1, 7], where the largest remainder method gives
 * [1, 1, 8]. Its parts are still within a unit of the exact shares, but who receives the leftover depends
 * on the order of the list rather than on how close each share was to the next fen; we want the fairest
 * rounding with an explicit, documented tie-break, and no dependency for twenty lines of bigint code.
 *
 * @param total the amount to split, ≥ 0.
 * @param weights the proportions (e.g. each investor's claim in fen), each ≥ 0, not all 0, at most
 *   {@link MAX_ALLOCATION_WEIGHTS} of them.
 * @returns one part per weight, in the order of `weights`.
 * @throws {RangeError} for a negative or non-bigint `total`, a negative or non-bigint weight, no weights,
 *   all weights zero, or more than {@link MAX_ALLOCATION_WEIGHTS} weights.
 */
export function allocate(total: Fen, weights: readonly bigint[]): Fen[] {
  if (typeof total !== "bigint") throw new RangeError("allocate: total must be a bigint");
  if (total < 0n) throw new RangeError(`allocate: total must not be negative, got ${total}`);
  if (weights.length > MAX_ALLOCATION_WEIGHTS) {
    throw new RangeError(`allocate: at most ${MAX_ALLOCATION_WEIGHTS} weights, got ${weights.length}`);
  }
  let sum = 0n;
  for (const [i, w] of weights.entries()) {
    if (typeof w !== "bigint") throw new RangeError(`allocate: weight ${i} must be a bigint`);
    if (w < 0n) throw new RangeError(`allocate: weight ${i} must not be negative, got ${w}`);
    sum += w;
  }
  if (sum === 0n) throw new RangeError("allocate: at least one weight must be positive");

  const parts: Fen[] = new Array(weights.length);
  const remainders: bigint[] = new Array(weights.length);
  let left = total;
  for (const [i, w] of weights.entries()) {
    const scaled = total * w;
    parts[i] = scaled / sum; // floor: both operands are non-negative
    remainders[i] = scaled % sum;
    left -= parts[i];
  }
  if (left === 0n) return parts;

  // left < number of non-zero remainders (Σ remainders = left × Σw and each remainder < Σw), so only
  // parts with a positive remainder — hence a positive weight — are rounded up.
  const order = weights.map((_, i) => i);
  order.sort((a, b) => {
    const ra = remainders[a];
    const rb = remainders[b];
    return ra > rb ? -1 : ra < rb ? 1 : a - b;
  });
  for (let k = 0; k < Number(left); k++) parts[order[k]] += 1n;
  return parts;
}
