import assert from "node:assert/strict";
import fc from "fast-check";
import {
  formatFen,
  formatRateMicros,
  formatWan,
  parsePercentToMicros,
  parseYuanToFen,
} from "../../../domain/money/format.ts";
import type { Fen } from "../../../domain/money/fen.ts";

Deno.test("parseYuanToFen accepts plain and grouped yuan with up to two decimals", () => {
  assert.equal(parseYuanToFen("1,234.56"), 123456n);
  assert.equal(parseYuanToFen("1234.5"), 123450n);
  assert.equal(parseYuanToFen("1234"), 123400n);
  assert.equal(parseYuanToFen("0.01"), 1n);
  assert.equal(parseYuanToFen("0"), 0n);
  assert.equal(parseYuanToFen(" 100 "), 10000n);
  assert.equal(parseYuanToFen("007.10"), 710n);
  assert.equal(parseYuanToFen("1,000,000"), 100_000_000n);
  assert.equal(parseYuanToFen("100000000"), 10_000_000_000n);
  // 0.1 + 0.2 style float error cannot happen: 19.99 is exactly 1999 fen.
  assert.equal(parseYuanToFen("19.99"), 1999n);
  assert.equal(parseYuanToFen("1111111111111.11"), 111111111111111n);
});

Deno.test("parseYuanToFen rejects anything that is not a plain amount", () => {
  for (
    const text of [
      "",
      " ",
      "1.234",
      "-1",
      "+1",
      "1e3",
      ".5",
      "5.",
      "1,23",
      "12,34.5",
      "1,2345",
      ",123",
      "1 000",
      "abc",
      "１２３", // full-width digits
      "NaN",
      "Infinity",
      "0x10",
      "¥100",
      "11111111111111", // 14 integer digits
    ]
  ) {
    assert.equal(parseYuanToFen(text), null, JSON.stringify(text));
  }
});

Deno.test("parsePercentToMicros reads percent with up to four decimals", () => {
  assert.equal(parsePercentToMicros("8.5"), 85000);
  assert.equal(parsePercentToMicros("8.5%"), 85000);
  assert.equal(parsePercentToMicros("8.50"), 85000);
  assert.equal(parsePercentToMicros("36"), 360000);
  assert.equal(parsePercentToMicros("0"), 0);
  assert.equal(parsePercentToMicros("0.0001"), 1);
  assert.equal(parsePercentToMicros("12.3456"), 123456);
  assert.equal(parsePercentToMicros(" 7 "), 70000);
  for (const text of ["", "8.12345", "-1", "8,5", "1e1", ".5", "8.", "abc", "%", "1234567"]) {
    assert.equal(parsePercentToMicros(text), null, JSON.stringify(text));
  }
});

Deno.test("formatFen prints exact yuan with grouping", () => {
  assert.equal(formatFen(1234567n), "¥12,345.67");
  assert.equal(formatFen(0n), "¥0.00");
  assert.equal(formatFen(5n), "¥0.05");
  assert.equal(formatFen(100n), "¥1.00");
  assert.equal(formatFen(-5n), "-¥0.05");
  assert.equal(formatFen(-123456n), "-¥1,234.56");
  assert.equal(formatFen(10_000_000_000n), "¥100,000,000.00");
  assert.equal(formatFen(BigInt(Number.MAX_SAFE_INTEGER)), "¥90,071,992,547,409.91");
  assert.equal(formatFen(123456789012345678901n), "¥1,234,567,890,123,456,789.01");
  assert.throws(() => formatFen(1.5 as unknown as Fen), RangeError);
  assert.throws(() => formatFen(Number.NaN as unknown as Fen), RangeError);
  // Amounts are Fen: even an integer number is refused.
  assert.throws(() => formatFen(100 as unknown as Fen), RangeError);
  assert.throws(() => formatWan(100 as unknown as Fen), RangeError);
});

Deno.test("property: formatFen and parseYuanToFen round-trip", () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10_000_000_000_000n }), (fen) => {
      const text = formatFen(fen);
      assert.match(text, /^¥\d{1,3}(,\d{3})*\.\d{2}$/);
      assert.equal(parseYuanToFen(text.slice(1)), fen);
    }),
  );
});

Deno.test("formatWan shows round figures in 万 and everything else exactly", () => {
  assert.equal(formatWan(20_000_000n), "20万元");
  assert.equal(formatWan(1_000_000n), "1万元");
  assert.equal(formatWan(10_000_000_000n), "10000万元");
  assert.equal(formatWan(12_340_000n), "12.34万元");
  assert.equal(formatWan(12_300_000n), "12.3万元");
  assert.equal(formatWan(12_050_000n), "12.05万元");
  assert.equal(formatWan(500_000n), "5,000元");
  assert.equal(formatWan(100n), "1元");
  assert.equal(formatWan(12_345_600n), "¥123,456.00"); // not a whole hundred yuan
  assert.equal(formatWan(123456n), "¥1,234.56");
  assert.equal(formatWan(-20_000_000n), "-20万元");
});

Deno.test("formatRateMicros shows at least two decimals and never rounds", () => {
  assert.equal(formatRateMicros(85000), "8.50%");
  assert.equal(formatRateMicros(0), "0.00%");
  assert.equal(formatRateMicros(360000), "36.00%");
  assert.equal(formatRateMicros(70000), "7.00%");
  assert.equal(formatRateMicros(123456), "12.3456%");
  assert.equal(formatRateMicros(123450), "12.345%");
  assert.equal(formatRateMicros(100), "0.01%");
  assert.equal(formatRateMicros(1), "0.0001%");
  assert.equal(formatRateMicros(-85000), "-8.50%");
  assert.throws(() => formatRateMicros(8.5), RangeError);
});

Deno.test("property: formatRateMicros and parsePercentToMicros round-trip", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10_000_000 }), (micros) => {
      assert.equal(parsePercentToMicros(formatRateMicros(micros)), micros);
    }),
  );
});

Deno.test("formatFen: thousands grouping agrees with Intl.NumberFormat zh-CN for random amounts", () => {
  const intl = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 0 });
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), (fen) => {
      const expected = `¥${intl.format(fen / 100n)}.${String(fen % 100n).padStart(2, "0")}`;
      assert.equal(formatFen(fen), expected);
    }),
    { numRuns: 2000 },
  );
});
