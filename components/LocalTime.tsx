/**
 * Dates and times as the UI shows them: Asia/Shanghai, `2026-11-27` and `2026-11-27 14:05` (formatted by
 * `domain/shared/shanghai_time.ts`, the one place dates are formatted).
 * @module
 */
import { formatShanghaiDate, formatShanghaiDateTime } from "../domain/shared/shanghai_time.ts";

/** A `<time>` element showing a date (or date and time) in Asia/Shanghai. */
export function LocalTime({ at, withTime = false }: { at: Date; withTime?: boolean }) {
  return (
    <time dateTime={at.toISOString()}>{withTime ? formatShanghaiDateTime(at) : formatShanghaiDate(at)}</time>
  );
}
