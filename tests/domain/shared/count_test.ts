import assert from "node:assert/strict";
import fc from "fast-check";
import { formatCount, groupDigits, pageCount } from "../../../domain/shared/count.ts";

Deno.test("formatCount groups digits as zh-CN does", () => {
  assert.equal(formatCount(0n), "0");
  assert.equal(formatCount(7n), "7");
  assert.equal(formatCount(999n), "999");
  assert.equal(formatCount(1000n), "1,000");
  assert.equal(formatCount(1234567n), "1,234,567");
  assert.equal(formatCount(10n ** 21n), "1,000,000,000,000,000,000,000");
  assert.throws(() => formatCount(-1n), RangeError);
  assert.throws(() => formatCount(5 as unknown as bigint), RangeError);
});

Deno.test("property: groupDigits agrees with Intl.NumberFormat zh-CN", () => {
  const intl = new Intl.NumberFormat("zh-CN");
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10n ** 24n }), (n) => {
      assert.equal(groupDigits(n), intl.format(n));
      assert.equal(formatCount(n), intl.format(n));
    }),
    { numRuns: 1000 },
  );
});

Deno.test("pageCount: at least one page, exact for any total", () => {
  assert.equal(pageCount(0n, 20), 1);
  assert.equal(pageCount(1n, 20), 1);
  assert.equal(pageCount(20n, 20), 1);
  assert.equal(pageCount(21n, 20), 2);
  assert.equal(pageCount(1000n, 50), 20);
  assert.equal(pageCount(1001n, 50), 21);
  assert.throws(() => pageCount(1n, 0), RangeError);
  assert.throws(() => pageCount(1n, 1.5), RangeError);
  assert.throws(() => pageCount(-1n, 20), RangeError);
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 1, max: 1000 }), (total, size) => {
      const pages = pageCount(total, size);
      assert.ok(pages >= 1);
      assert.ok(BigInt(pages) * BigInt(size) >= total, "every item fits");
      if (total > 0n) assert.ok(BigInt(pages - 1) * BigInt(size) < total, "no empty page at the end");
    }),
  );
});
