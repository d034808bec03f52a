/**
 * The one parser for record ids (and calendar-day filters) that come from outside: query strings, form
 * fields, route parameters. Ids are Postgres `bigint` identity values, handled as decimal strings; a value
 * outside `bigint` (e.g. `9223372036854775808`) would make Postgres fail the query with a 500, so every
 * route and every domain function that takes an id from outside checks it here first.
 * @module
 */
import { z } from "zod";

/** The largest id Postgres can store (`bigint`, 2^63 − 1), as a decimal string. */
export const MAX_ID = "9223372036854775807";

/** The first and last day a `YYYY-MM-DD` filter accepts (everything the platform can have recorded). */
export const DAY_FILTER_MIN = "2000-01-01";
/** See {@link DAY_FILTER_MIN}. */
export const DAY_FILTER_MAX = "2099-12-31";

/**
 * Whether `value` is an id: a decimal string from 1 to {@link MAX_ID}, digits only, no sign, no spaces,
 * no leading zeros.
 */
export function isId(value: unknown): value is string {
  if (typeof value !== "string" || !/^[1-9][0-9]{0,18}$/.test(value)) return false;
  // same length: decimal strings compare like numbers
  return value.length < MAX_ID.length || value <= MAX_ID;
}

/** `value` as an id, or `null` when it is not one (see {@link isId}). */
export function parseId(value: unknown): string | null {
  return isId(value) ? value : null;
}

/** A zod schema of an id (see {@link isId}); `message` is the Chinese error shown next to the field. */
export function idSchema(message = "编号无效"): z.ZodType<string> {
  return z.string().refine(isId, message);
}

/** Outcome of {@link parseDayFilter}. */
export type DayFilterResult = { ok: true; day: string } | { ok: false; message: string };

/**
 * Check a `YYYY-MM-DD` filter value (an `<input type="date">`): a real calendar day (no 2026-02-30)
 * between {@link DAY_FILTER_MIN} and {@link DAY_FILTER_MAX}. The message is Chinese, for the field.
 */
export function parseDayFilter(value: string): DayFilterResult {
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(value)) return { ok: false, message: "日期格式应为 YYYY-MM-DD" };
  const d = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    return { ok: false, message: "日期不存在，请检查年月日" };
  }
  if (value < DAY_FILTER_MIN || value > DAY_FILTER_MAX) {
    return { ok: false, message: `日期应在 ${DAY_FILTER_MIN} 至 ${DAY_FILTER_MAX} 之间` };
  }
  return { ok: true, day: value };
}
