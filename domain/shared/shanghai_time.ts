/**
 * Display of instants in Asia/Shanghai (UTC+8, no daylight saving), as staff and users read them: days
 * `2026-11-27`, times `14:05`, both `2026-11-27 14:05`. The one place the app formats dates: pages
 * (`components/LocalTime.tsx`), notifications, admin pages, CSV exports and cron run keys all call it.
 * @module
 */

/** The time zone every date the UI shows is in. */
export const SHANGHAI_TIME_ZONE = "Asia/Shanghai";

// Intl formatters are costly to build: each one is made once, here, and reused. `en-CA` gives numeric
// parts in the order we want; `h23` gives 00–23 (never 24 at midnight).
const dateFormat = new Intl.DateTimeFormat("en-CA", {
  timeZone: SHANGHAI_TIME_ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

const timeFormat = new Intl.DateTimeFormat("en-CA", {
  timeZone: SHANGHAI_TIME_ZONE,
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

const dateTimeFormat = new Intl.DateTimeFormat("en-CA", {
  timeZone: SHANGHAI_TIME_ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

type Parts = Partial<Record<Intl.DateTimeFormatPartTypes, string>>;

function parts(format: Intl.DateTimeFormat, at: Date): Parts {
  const out: Parts = {};
  for (const p of format.formatToParts(at)) out[p.type] = p.value;
  return out;
}

function clock(p: Parts, withSeconds: boolean): string {
  return withSeconds ? `${p.hour}:${p.minute}:${p.second}` : `${p.hour}:${p.minute}`;
}

/** The calendar day of `at` in Asia/Shanghai, `YYYY-MM-DD` (e.g. `2026-11-27`). */
export function formatShanghaiDate(at: Date): string {
  const p = parts(dateFormat, at);
  return `${p.year}-${p.month}-${p.day}`;
}

/** The time of day of `at` in Asia/Shanghai, `14:05` (`withSeconds`: `14:05:09`). */
export function formatShanghaiTime(at: Date, options: { withSeconds?: boolean } = {}): string {
  return clock(parts(timeFormat, at), options.withSeconds ?? false);
}

/** `2026-11-27 14:05` in Asia/Shanghai (`withSeconds`: `2026-11-27 14:05:09`). */
export function formatShanghaiDateTime(at: Date, options: { withSeconds?: boolean } = {}): string {
  const p = parts(dateTimeFormat, at);
  return `${p.year}-${p.month}-${p.day} ${clock(p, options.withSeconds ?? false)}`;
}

/** Whether `value` is a real calendar day written `YYYY-MM-DD` (e.g. from an `<input type="date">`). */
export function isIsoDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}
