import assert from "node:assert/strict";
import fc from "fast-check";
import {
  absFen,
  assertFen,
  compareFen,
  type Fen,
  fenFromJson,
  fenToJson,
  isFen,
  isNegative,
  isPositive,
  isZeroFen,
  maxFen,
  minFen,
  sumFen,
  toFen,
  ZERO_FEN,
} from "../../../domain/money/fen.ts";

Deno.test("toFen accepts integer fen as bigint, safe-integer number or integer text", () => {
  assert.equal(toFen(12n), 12n);
  assert.equal(toFen(-5n), -5n);
  assert.equal(toFen(0), 0n);
  assert.equal(toFen(123456), 123456n);
  assert.equal(toFen(-1), -1n);
  assert.equal(toFen(Number.MAX_SAFE_INTEGER), 9007199254740991n);
  assert.equal(toFen("9007199254740993"), 9007199254740993n); // beyond 2^53: text keeps it exact
  assert.equal(toFen("-42"), -42n);
  assert.equal(ZERO_FEN, 0n);
});

Deno.test("toFen refuses non-integers, unsafe numbers, malformed text and other types", () => {
  for (
    const bad of [
      1.5,
      0.1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.MAX_SAFE_INTEGER + 1,
      -(2 ** 60),
      "1.5",
      "1e3",
      " 12",
      "12 ",
      "+1",
      "",
      "0x10",
      "１２",
      null,
      undefined,
      {},
    ]
  ) {
    assert.throws(() => toFen(bad as unknown as number), RangeError, String(bad));
  }
});

Deno.test("isFen / assertFen: only a bigint is a Fen", () => {
  assert.equal(isFen(1n), true);
  assert.equal(isFen(1), false);
  assert.equal(isFen("1"), false);
  assert.equal(isFen(null), false);
  assertFen(0n);
  assert.throws(() => assertFen(100), RangeError);
  assert.throws(
    () => assertFen(1.5, "principalFen"),
    /principalFen must be integer fen as a bigint, got 1\.5/,
  );
});

Deno.test("fenToJson writes a JSON integer and refuses what a double cannot hold", () => {
  assert.equal(fenToJson(0n), 0);
  assert.equal(fenToJson(123456n), 123456);
  assert.equal(fenToJson(-5n), -5);
  assert.equal(fenToJson(9007199254740991n), Number.MAX_SAFE_INTEGER);
  assert.equal(fenToJson(-9007199254740991n), -Number.MAX_SAFE_INTEGER);
  assert.throws(() => fenToJson(9007199254740992n), RangeError);
  assert.throws(() => fenToJson(-9007199254740992n), RangeError);
  assert.throws(() => fenToJson(10n ** 30n), RangeError);
  assert.throws(() => fenToJson(12 as unknown as Fen), RangeError);
  assert.equal(JSON.stringify({ amountFen: fenToJson(1999n) }), '{"amountFen":1999}');
});

Deno.test("fenFromJson reads back what fenToJson wrote, and nothing else", () => {
  assert.equal(fenFromJson(1999), 1999n);
  for (const bad of [1.5, "1999", null, Number.MAX_SAFE_INTEGER + 1, true]) {
    assert.throws(() => fenFromJson(bad), RangeError, String(bad));
  }
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 53n) + 1n, max: 2n ** 53n - 1n }), (fen) => {
      assert.equal(fenFromJson(JSON.parse(JSON.stringify(fenToJson(fen)))), fen);
    }),
  );
});

Deno.test("comparison helpers", () => {
  assert.equal(compareFen(1n, 2n), -1);
  assert.equal(compareFen(2n, 2n), 0);
  assert.equal(compareFen(3n, 2n), 1);
  assert.deepEqual([5n, -1n, 3n, 10n ** 20n, 0n].sort(compareFen), [-1n, 0n, 3n, 5n, 10n ** 20n]);
  assert.equal(minFen(3n), 3n);
  assert.equal(minFen(3n, -2n, 7n), -2n);
  assert.equal(maxFen(3n, -2n, 7n), 7n);
  assert.equal(sumFen([]), 0n);
  assert.equal(sumFen([1n, 2n, 3n]), 6n);
  assert.equal(sumFen(new Set([10n ** 20n, 1n])), 10n ** 20n + 1n);
  assert.equal(absFen(-5n), 5n);
  assert.equal(absFen(5n), 5n);
  assert.deepEqual([isPositive(1n), isPositive(0n), isPositive(-1n)], [true, false, false]);
  assert.deepEqual([isNegative(1n), isNegative(0n), isNegative(-1n)], [false, false, true]);
  assert.deepEqual([isZeroFen(1n), isZeroFen(0n)], [false, true]);
});

Deno.test("property: minFen / maxFen / sumFen agree with sorting and adding", () => {
  fc.assert(
    fc.property(fc.array(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), { minLength: 1 }), (values) => {
      const sorted = [...values].sort(compareFen);
      assert.equal(minFen(values[0], ...values.slice(1)), sorted[0]);
      assert.equal(maxFen(values[0], ...values.slice(1)), sorted.at(-1));
      assert.equal(sumFen(values), values.reduce((a, b) => a + b, 0n));
    }),
  );
});
