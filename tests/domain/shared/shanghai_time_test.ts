/** `domain/shanghai_time.ts`: the one Asia/Shanghai formatter — days, times, both, around midnight. */
import assert from "node:assert/strict";
import {
  formatShanghaiDate,
  formatShanghaiDateTime,
  formatShanghaiTime,
  isIsoDay,
} from "../../../domain/shared/shanghai_time.ts";

Deno.test("shanghai time: dates, times and both in UTC+8, 00–23 hours", () => {
  const at = new Date("2026-11-27T06:05:09Z");
  assert.equal(formatShanghaiDate(at), "2026-11-27");
  assert.equal(formatShanghaiTime(at), "14:05");
  assert.equal(formatShanghaiTime(at, { withSeconds: true }), "14:05:09");
  assert.equal(formatShanghaiDateTime(at), "2026-11-27 14:05");
  assert.equal(formatShanghaiDateTime(at, { withSeconds: true }), "2026-11-27 14:05:09");

  // 16:00 UTC is midnight the next day in Shanghai: hour 00, never 24
  const midnight = new Date("2026-11-26T16:00:00Z");
  assert.equal(formatShanghaiDate(midnight), "2026-11-27");
  assert.equal(formatShanghaiTime(midnight), "00:00");
  assert.equal(formatShanghaiDateTime(midnight), "2026-11-27 00:00");
  const lastSecond = new Date("2026-11-26T15:59:59Z");
  assert.equal(formatShanghaiDateTime(lastSecond, { withSeconds: true }), "2026-11-26 23:59:59");
  assert.equal(formatShanghaiDate(new Date("2026-12-31T20:00:00Z")), "2027-01-01");
});

Deno.test("shanghai time: isIsoDay accepts only real YYYY-MM-DD days", () => {
  assert.equal(isIsoDay("2026-11-27"), true);
  assert.equal(isIsoDay("2028-02-29"), true);
  for (const bad of ["2026-02-30", "2026-13-01", "2026-1-1", "20261127", "", "2026-11-27T00:00"]) {
    assert.equal(isIsoDay(bad), false, bad);
  }
});
