/**
 * Display of instants in Asia/Shanghai (UTC+8, no daylight saving), as staff and users read them:
 * `2026-11-27 14:05`, days `2026-11-27`.
 */

const dateTimeParts = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Asia/Shanghai",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

function parts(at: Date): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of dateTimeParts.formatToParts(at)) out[p.type] = p.value;
  return out;
}

/** `2026-11-27 14:05` in Asia/Shanghai (`withSeconds`: `2026-11-27 14:05:09`). */
export function formatShanghaiDateTime(at: Date, options: { withSeconds?: boolean } = {}): string {
  const p = parts(at);
  const base = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
  return options.withSeconds ? `${base}:${p.second}` : base;
}

/** The calendar day of `at` in Asia/Shanghai, `YYYY-MM-DD`. */
export function formatShanghaiDate(at: Date): string {
  const p = parts(at);
  return `${p.year}-${p.month}-${p.day}`;
}

/** Whether `value` is a real calendar day written `YYYY-MM-DD` (e.g. from an `<input type="date">`). */
export function isIsoDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}
