/**
 * Splitting a loan's installments among its claims (回款计划), exactly. Pure.
 *
 * The borrower's schedule has, per period k, principal pₖ and interest iₖ; the claims have principals
 * P₁…Pₘ summing to the loan amount L = Σpₖ. We need a matrix of (principal, interest) per claim and period
 * such that
 * - every **column** sums to the installment: Σⱼ principal[j][k] = pₖ and Σⱼ interest[j][k] = iₖ;
 * - every claim's **principal row** sums to the claim: Σₖ principal[j][k] = Pⱼ;
 * - every amount is ≥ 0 and within a fen of the exact proportional share.
 *
 * Method — *allocate by outstanding principal*: before period k each claim j still holds Rⱼ (Rⱼ = Pⱼ
 * before period 1). The period's principal and interest are each split with {@link allocate} (largest
 * remainder, ties to the lower index) in proportion to R:
 *   principal[·][k] = allocate(pₖ, R),  interest[·][k] = allocate(iₖ, R),  then Rⱼ −= principal[j][k].
 * Why it satisfies both sums: columns sum exactly because `allocate` does. A part never exceeds what the
 * claim still holds — part ≤ ⌈pₖ·Rⱼ/ΣR⌉ ≤ Rⱼ, since pₖ ≤ ΣR (the schedule never repays more than is
 * owed) and Rⱼ is an integer — so R stays ≥ 0; and in the last period with principal pₖ = ΣR, where the
 * exact shares are the integers Rⱼ themselves, so `allocate` gives each claim exactly what it still holds:
 * every row ends at 0, i.e. sums to Pⱼ. Interest follows the principal each investor actually still has
 * outstanding (which is what the investor is owed interest on), and both amounts depend only on the inputs'
 * order (claims in bid order), so the split is deterministic.
 *
 * (Allocating the *cumulative* principal with largest remainder and taking differences also sums
 * correctly, but largest remainder is not monotone in the total — the Alabama paradox — so a difference
 * could come out −1 fen.)
 * @module
 */
import { allocate } from "../money/allocate.ts";
import type { Fen } from "../money/fen.ts";

/** One installment of the borrower's schedule, as split. */
export interface InstallmentAmounts {
  principalFen: Fen;
  interestFen: Fen;
}

/** The split: `principal[j][k]` and `interest[j][k]` for claim j (input order) and period k (0-based). */
export interface ClaimSplit {
  principal: Fen[][];
  interest: Fen[][];
}

/**
 * Split `installments` among claims of principal `claims` (see the module doc for the method).
 *
 * @throws {RangeError} when a claim is not positive or the installments' principal does not sum to the
 *   claims' total.
 */
export function splitInstallments(
  claims: readonly Fen[],
  installments: readonly InstallmentAmounts[],
): ClaimSplit {
  if (claims.length === 0) throw new RangeError("splitInstallments: no claims");
  let total = 0n;
  for (const c of claims) {
    if (typeof c !== "bigint" || c <= 0n) throw new RangeError("splitInstallments: claims must be positive");
    total += c;
  }
  const scheduled = installments.reduce((s, i) => s + i.principalFen, 0n);
  if (scheduled !== total) {
    throw new RangeError(`splitInstallments: installments repay ${scheduled}, claims hold ${total}`);
  }
  const outstanding = [...claims];
  let left = total;
  const principal: Fen[][] = claims.map(() => []);
  const interest: Fen[][] = claims.map(() => []);
  for (const installment of installments) {
    if (installment.principalFen < 0n || installment.interestFen < 0n) {
      throw new RangeError("splitInstallments: negative installment");
    }
    // after the principal is repaid no period should remain; weigh by the claims if one does
    const weights = left > 0n ? outstanding : claims;
    const p = installment.principalFen > 0n
      ? allocate(installment.principalFen, weights)
      : claims.map(() => 0n);
    const i = installment.interestFen > 0n
      ? allocate(installment.interestFen, weights)
      : claims.map(() => 0n);
    for (let j = 0; j < claims.length; j++) {
      principal[j].push(p[j]);
      interest[j].push(i[j]);
      outstanding[j] -= p[j];
    }
    left -= installment.principalFen;
  }
  return { principal, interest };
}
