/**
 * Dates and times as the UI shows them: Asia/Shanghai, `2026-11-27` and `2026-11-27 14:05`.
 * @module
 */

const SHANGHAI = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Asia/Shanghai",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

function parts(at: Date): Record<string, string> {
  return Object.fromEntries(SHANGHAI.formatToParts(at).map((p) => [p.type, p.value]));
}

/** `2026-11-27` in Asia/Shanghai. */
export function formatShanghaiDate(at: Date): string {
  const p = parts(at);
  return `${p.year}-${p.month}-${p.day}`;
}

/** `2026-11-27 14:05` in Asia/Shanghai. */
export function formatShanghaiDateTime(at: Date): string {
  const p = parts(at);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** A `<time>` element showing a date (or date and time) in Asia/Shanghai. */
export function LocalTime({ at, withTime = false }: { at: Date; withTime?: boolean }) {
  return (
    <time dateTime={at.toISOString()}>{withTime ? formatShanghaiDateTime(at) : formatShanghaiDate(at)}</time>
  );
}
