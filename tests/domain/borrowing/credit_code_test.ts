import assert from "node:assert/strict";
import {
  creditCodeCheckChar,
  isValidCreditCode,
  normalizeCreditCode,
} from "../../../domain/borrowing/credit_code.ts";

Deno.test("credit code: real codes pass (GB 32100 check character)", () => {
  for (
    const code of [
      "91350100M000100Y43",
      "91440300708461136T", // 深圳市腾讯计算机系统有限公司
      "91110108551385082Q", // 小米科技有限责任公司
      "91330100716105852F",
    ]
  ) {
    assert.equal(isValidCreditCode(code), true, code);
  }
});

Deno.test("credit code: the check character is computed from the first 17", () => {
  assert.equal(creditCodeCheckChar("91350100M000100Y4"), "3");
  assert.equal(creditCodeCheckChar("91440300708461136"), "T");
  // a check value of 0 (31 − 0 → 0) gives the digit 0
  for (let i = 0; i < 200; i++) {
    const body = `9135010${String(i).padStart(3, "0")}M000100`.slice(0, 17);
    const code = body + creditCodeCheckChar(body);
    assert.equal(isValidCreditCode(code), true, code);
  }
});

Deno.test("credit code: a changed character, a bad shape or a forbidden letter fail", () => {
  assert.equal(isValidCreditCode("91350100M000100Y44"), false, "wrong check character");
  assert.equal(isValidCreditCode("91350100M000100Y4"), false, "17 characters");
  assert.equal(isValidCreditCode("913501O0M000100Y43"), false, "letter O in the region");
  assert.equal(isValidCreditCode("91350100I000100Y43"), false, "letter I is not in the alphabet");
  assert.equal(isValidCreditCode("91350100m000100y43"), false, "not normalised");
  assert.equal(isValidCreditCode(""), false);
  assert.throws(() => creditCodeCheckChar("123"), RangeError);
});

Deno.test("credit code: normalising spaces, lower case and full-width characters", () => {
  assert.equal(normalizeCreditCode(" 9135 0100 m000 100y43 "), "91350100M000100Y43");
  assert.equal(normalizeCreditCode("９１３５０１００Ｍ０００１００Ｙ４３"), "91350100M000100Y43");
  assert.equal(isValidCreditCode(normalizeCreditCode("91350100m000100y43")), true);
});
