/**
 * Set-based deletes in bounded batches, for clean-up jobs: each batch is one statement (its own implicit
 * transaction), so a large purge never holds locks on many rows at once, and a run stops after a bounded
 * number of batches.
 * @module
 */
import type postgres from "postgres";

/** Rows deleted per statement by default. */
export const DEFAULT_BATCH_SIZE = 5_000;
/** Most batches per call by default (so one call deletes at most 1,000,000 rows). */
export const DEFAULT_MAX_BATCHES = 200;

/** Limits of {@link deleteInBatches}. */
export interface BatchLimits {
  batchSize?: number;
  maxBatches?: number;
}

/**
 * Run `deleteBatch(limit)` — a `delete … where key in (select key … limit ${limit})` — until a batch
 * deletes fewer than `limit` rows or `maxBatches` have run. Returns the rows deleted.
 */
export async function deleteInBatches(
  // deno-lint-ignore no-explicit-any
  deleteBatch: (limit: number) => postgres.PendingQuery<any>,
  limits: BatchLimits = {},
): Promise<number> {
  const batchSize = limits.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxBatches = limits.maxBatches ?? DEFAULT_MAX_BATCHES;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError("batchSize must be ≥ 1");
  let deleted = 0;
  for (let i = 0; i < maxBatches; i++) {
    const result = await deleteBatch(batchSize);
    deleted += result.count;
    if (result.count < batchSize) break;
  }
  return deleted;
}
