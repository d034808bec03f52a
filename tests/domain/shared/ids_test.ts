import assert from "node:assert/strict";
import {
  DAY_FILTER_MAX,
  DAY_FILTER_MIN,
  idSchema,
  isId,
  MAX_ID,
  parseDayFilter,
  parseId,
} from "../../../domain/shared/ids.ts";

Deno.test("ids: 1 … 2^63−1 as plain decimal strings; nothing else", () => {
  for (const ok of ["1", "42", "1000000", MAX_ID, "999999999999999999", "9223372036854775806"]) {
    assert.equal(parseId(ok), ok, ok);
  }
  const bad = [
    "",
    "0",
    "-1",
    "007",
    "+1",
    " 1",
    "1 ",
    "1.0",
    "1e3",
    "0x10",
    "NaN",
    "9223372036854775808",
    "9999999999999999999",
    "10000000000000000000",
    "١٢٣", // Arabic-Indic digits
    1,
    null,
    undefined,
  ];
  for (const value of bad) assert.equal(isId(value), false, String(value));
  assert.equal(
    idSchema("请选择员工").safeParse("9223372036854775808").error?.issues[0].message,
    "请选择员工",
  );
  assert.equal(idSchema().parse("12"), "12");
});

Deno.test("day filters: a real calendar day from 2000-01-01 to 2099-12-31, with a Chinese reason", () => {
  assert.deepEqual(parseDayFilter(DAY_FILTER_MIN), { ok: true, day: DAY_FILTER_MIN });
  assert.deepEqual(parseDayFilter(DAY_FILTER_MAX), { ok: true, day: DAY_FILTER_MAX });
  assert.deepEqual(parseDayFilter("2024-02-29"), { ok: true, day: "2024-02-29" });
  const cases: [string, RegExp][] = [
    ["0000-01-01", /之间/],
    ["1999-12-31", /之间/],
    ["2100-01-01", /之间/],
    ["9999-12-31", /之间/],
    ["2026-02-30", /日期不存在/],
    ["2025-02-29", /日期不存在/],
    ["2026-13-01", /日期不存在/],
    ["+275760-09-13", /YYYY-MM-DD/],
    ["2026-1-1", /YYYY-MM-DD/],
    ["2026-01-01T00:00", /YYYY-MM-DD/],
  ];
  for (const [value, reason] of cases) {
    const r = parseDayFilter(value);
    assert.ok(!r.ok, value);
    assert.match(r.message, reason, value);
  }
});
