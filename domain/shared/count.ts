/**
 * Counts (how many users, messages, loans …): `bigint`, as Postgres returns `count(*)` (int8) through
 * postgres.js — never cast to `int` in SQL (DESIGN.md §4). One way to show them and one way to page
 * through them.
 *
 * Pure and dependency-free, so islands can bundle it.
 * @module
 */

/**
 * Groups the digits of a non-negative integer in threes with commas, as zh-CN writes numbers
 * (`1234567n` → `1,234,567`; the same as `Intl.NumberFormat("zh-CN")`).
 */
export function groupDigits(n: bigint): string {
  const digits = n.toString();
  let out = "";
  for (let end = digits.length; end > 0; end -= 3) {
    const start = Math.max(0, end - 3);
    out = end === digits.length ? digits.slice(start, end) : `${digits.slice(start, end)},${out}`;
  }
  return out;
}

/**
 * A count for people: `1234n` → `1,234`, `0n` → `0` (zh-CN digit grouping, no unit — the caller adds
 * 人 / 条 / 笔).
 *
 * @throws {RangeError} for a negative count or a value that is not a `bigint`.
 */
export function formatCount(n: bigint): string {
  if (typeof n !== "bigint") throw new RangeError(`a count must be a bigint, got ${typeof n}`);
  if (n < 0n) throw new RangeError(`a count must not be negative, got ${n}`);
  return groupDigits(n);
}

/**
 * How many pages `total` items fill at `pageSize` a page: at least 1 (an empty list still has its one,
 * empty, page). Exact for any `total`.
 *
 * @throws {RangeError} when `pageSize` is not a positive safe integer or `total` is negative.
 */
export function pageCount(total: bigint, pageSize: number): number {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`page size must be a positive integer, got ${pageSize}`);
  }
  if (total < 0n) throw new RangeError(`a count must not be negative, got ${total}`);
  const size = BigInt(pageSize);
  const pages = (total + size - 1n) / size;
  return pages < 1n ? 1 : Number(pages);
}
