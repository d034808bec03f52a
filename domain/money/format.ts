/**
 * Money and rate parsing and formatting for the UI: yuan strings ↔ integer fen, percent strings ↔ rate
 * micros (millionths), and the zh-CN display forms of UX.md (`¥12,345.67`, `20万元`, `8.50%`).
 *
 * Amounts are {@link Fen} (`bigint`) both ways. No floats: parsing is string arithmetic, formatting splits
 * integer fen into a bigint yuan part and two fen digits. Pure (imports only pure domain modules), so the
 * calculator island can bundle it.
 *
 * @module
 */
import { assertFen, type Fen } from "./fen.ts";
import { groupDigits } from "../shared/count.ts";

/** Fen per yuan. */
const FEN_PER_YUAN = 100n;
/** Fen per 万元 (10 000 yuan). */
const FEN_PER_WAN = 1_000_000n;
/** Rate micros per percentage point: 1% = 10 000 micros. */
const MICROS_PER_PERCENT = 10_000;
/**
 * Longest digit string the yuan parser accepts before the decimal point: bounds what a person can type
 * (and keeps every parsed amount within JSON's safe integers, see `fenToJson`).
 */
const MAX_INTEGER_DIGITS = 13;

/** Plain digits, or digits grouped by commas in threes, then up to two decimals. */
const YUAN_PATTERN = /^(\d+|\d{1,3}(?:,\d{3})+)(?:\.(\d{1,2}))?$/;
/** Digits, then up to four decimals, an optional `%`. */
const PERCENT_PATTERN = /^(\d+)(?:\.(\d{1,4}))?%?$/;

/**
 * Parses a yuan amount typed by a person into fen: `"1,234.56"` → 123456n, `"1234.5"` → 123450n,
 * `"0.01"` → 1n. Strict: digits with an optional thousands grouping by commas, at most two decimals, no
 * sign, no exponent; surrounding spaces are ignored. Returns `null` for anything else (including an
 * empty string or more than 13 integer digits).
 */
export function parseYuanToFen(text: string): Fen | null {
  const match = YUAN_PATTERN.exec(text.trim());
  if (!match) return null;
  const integerDigits = match[1].replaceAll(",", "").replace(/^0+(?=\d)/, "");
  if (integerDigits.length > MAX_INTEGER_DIGITS) return null;
  const fenDigits = (match[2] ?? "").padEnd(2, "0");
  return BigInt(integerDigits) * FEN_PER_YUAN + BigInt(fenDigits);
}

/**
 * Parses a percentage typed by a person into rate micros (millionths): `"8.5"` → 85000, `"8.5%"` →
 * 85000, `"0.0001"` → 1. At most four decimals, no sign; surrounding spaces are ignored. Returns `null`
 * for anything else.
 */
export function parsePercentToMicros(text: string): number | null {
  const match = PERCENT_PATTERN.exec(text.trim());
  if (!match) return null;
  const integerDigits = match[1].replace(/^0+(?=\d)/, "");
  if (integerDigits.length > 6) return null;
  const fractionDigits = (match[2] ?? "").padEnd(4, "0");
  return Number(integerDigits) * MICROS_PER_PERCENT + Number(fractionDigits);
}

/**
 * Formats fen as an exact amount: 1234567n → `¥12,345.67`, -5n → `-¥0.05`. Any size.
 *
 * @throws {RangeError} for anything but a `bigint` (amounts are never numbers).
 */
export function formatFen(fen: Fen): string {
  assertFen(fen);
  const value = fen;
  const sign = value < 0n ? "-" : "";
  const abs = value < 0n ? -value : value;
  const yuan = abs / FEN_PER_YUAN;
  const cents = String(abs % FEN_PER_YUAN).padStart(2, "0");
  return `${sign}¥${groupDigits(yuan)}.${cents}`;
}

/**
 * Formats fen for reading at a glance (caps, loan amounts in lists):
 * - whole 万: 20 000 000 fen → `20万元`;
 * - ≥ 1万 and a whole number of hundreds of yuan: 12 340 000 fen → `12.34万元`;
 * - whole yuan below 1万: 500 000 fen → `5,000元`;
 * - anything else exactly, as `formatFen` does: 123 456 fen → `¥1,234.56`.
 *
 * @throws {RangeError} for anything but a `bigint`.
 */
export function formatWan(fen: Fen): string {
  assertFen(fen);
  const value = fen;
  const sign = value < 0n ? "-" : "";
  const abs = value < 0n ? -value : value;
  if (abs >= FEN_PER_WAN && abs % 10_000n === 0n) {
    const wan = abs / FEN_PER_WAN;
    const hundredths = abs % FEN_PER_WAN / 10_000n;
    const decimals = hundredths === 0n ? "" : `.${String(hundredths).padStart(2, "0").replace(/0$/, "")}`;
    return `${sign}${wan}${decimals}万元`;
  }
  if (abs < FEN_PER_WAN && abs % FEN_PER_YUAN === 0n) {
    return `${sign}${groupDigits(abs / FEN_PER_YUAN)}元`;
  }
  return formatFen(value);
}

/**
 * Formats a rate in micros as a percentage with at least two decimals: 85000 → `8.50%`, 0 → `0.00%`,
 * 123456 → `12.3456%` (a contract rate is never rounded for display; micros give at most four decimals).
 */
export function formatRateMicros(micros: number): string {
  if (!Number.isSafeInteger(micros)) throw new RangeError(`rate micros must be an integer, got ${micros}`);
  const sign = micros < 0 ? "-" : "";
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / MICROS_PER_PERCENT);
  const fraction = String(abs % MICROS_PER_PERCENT).padStart(4, "0").replace(/0{1,2}$/, "");
  return `${sign}${whole}.${fraction.length >= 2 ? fraction : fraction.padEnd(2, "0")}%`;
}
