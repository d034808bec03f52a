/**
 * `Fen` (分): the one type for amounts of money (DESIGN.md §4, GLOSSARY.md).
 *
 * An amount is an integer number of fen held in a `bigint` — in the domain, in islands and in Postgres
 * `bigint` columns, which postgres.js returns as `BigInt` (db/connection.ts). Never a float, never a
 * `number` on a money path. At the edges:
 * - from user input: `parseYuanToFen` (format.ts) or {@link toFen} for integer fen given as text or number;
 * - to JSON: {@link fenToJson} writes an integer (refusing anything JSON readers could not hold exactly);
 * - to people: `formatFen` / `formatWan` (format.ts).
 *
 * Pure and dependency-free, so islands can bundle it.
 * @module
 */

/** An amount in integer fen (1 yuan = 100 fen). Plain `bigint`: `123n` is 1.23 yuan. */
export type Fen = bigint;

/** Zero fen. */
export const ZERO_FEN: Fen = 0n;

const INTEGER_TEXT = /^-?\d+$/;

/** Whether `value` is a `Fen` (a `bigint`). */
export function isFen(value: unknown): value is Fen {
  return typeof value === "bigint";
}

/**
 * Asserts that `value` is a `Fen`.
 *
 * @throws {RangeError} for anything but a `bigint` (a `number` too, even an integer one: amounts are
 *   never numbers in the domain — convert at the edge with {@link toFen}).
 */
export function assertFen(value: unknown, name = "amount"): asserts value is Fen {
  if (typeof value !== "bigint") {
    throw new RangeError(`${name} must be integer fen as a bigint, got ${describe(value)}`);
  }
}

/**
 * Makes a `Fen` from integer fen given as a `bigint`, a safe-integer `number` or a decimal integer string
 * (`"-12"`, `"12345"`; no spaces, signs other than `-`, decimals or exponents). For amounts in yuan typed by
 * a person use `parseYuanToFen`.
 *
 * @throws {RangeError} for a non-integer, an unsafe integer `number`, malformed text or another type.
 */
export function toFen(value: bigint | number | string): Fen {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new RangeError(`fen must be a safe integer, got ${value}`);
    return BigInt(value);
  }
  if (typeof value === "string" && INTEGER_TEXT.test(value)) return BigInt(value);
  throw new RangeError(`fen must be an integer, got ${describe(value)}`);
}

/**
 * Writes fen for JSON as an integer `number` (JSON has no bigint; `JSON.stringify` throws on one, which
 * keeps an unconverted amount from slipping out).
 *
 * @throws {RangeError} when the amount is not a `bigint` or lies outside ±(2^53 − 1), where a JSON reader's
 *   double would no longer hold it exactly.
 */
export function fenToJson(fen: Fen): number {
  assertFen(fen);
  const n = Number(fen);
  if (!Number.isSafeInteger(n)) throw new RangeError(`fen ${fen} is too large to write as a JSON number`);
  return n;
}

/**
 * Reads fen written by {@link fenToJson}: a safe-integer JSON `number`.
 *
 * @throws {RangeError} for anything else.
 */
export function fenFromJson(value: unknown): Fen {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new RangeError(`fen in JSON must be a safe integer, got ${describe(value)}`);
  }
  return BigInt(value);
}

/** Orders two amounts: -1 when `a < b`, 0 when equal, 1 when `a > b` (for `Array.prototype.sort`). */
export function compareFen(a: Fen, b: Fen): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The smallest of one or more amounts. */
export function minFen(first: Fen, ...rest: readonly Fen[]): Fen {
  let min = first;
  for (const f of rest) if (f < min) min = f;
  return min;
}

/** The largest of one or more amounts. */
export function maxFen(first: Fen, ...rest: readonly Fen[]): Fen {
  let max = first;
  for (const f of rest) if (f > max) max = f;
  return max;
}

/** The exact sum of the amounts (0 for none). */
export function sumFen(values: Iterable<Fen>): Fen {
  let sum = 0n;
  for (const f of values) sum += f;
  return sum;
}

/** The absolute value of an amount. */
export function absFen(fen: Fen): Fen {
  return fen < 0n ? -fen : fen;
}

/** Whether the amount is above zero. */
export function isPositive(fen: Fen): boolean {
  return fen > 0n;
}

/** Whether the amount is below zero. */
export function isNegative(fen: Fen): boolean {
  return fen < 0n;
}

/** Whether the amount is zero. */
export function isZeroFen(fen: Fen): boolean {
  return fen === 0n;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number") return String(value);
  return value === null ? "null" : typeof value;
}
