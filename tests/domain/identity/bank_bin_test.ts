import assert from "node:assert/strict";
import {
  bankOfCard,
  BANKS,
  checkCardNumber,
  luhnCheckDigit,
  luhnValid,
  makeCardNumber,
} from "../../../domain/identity/bank_bin.ts";

Deno.test("luhn: known numbers pass, one changed digit fails", () => {
  assert.ok(luhnValid("4111111111111111"));
  assert.ok(luhnValid("79927398713"));
  assert.ok(!luhnValid("79927398710"));
  assert.ok(!luhnValid("4111111111111112"));
  assert.ok(!luhnValid(""));
  assert.ok(!luhnValid("4111 1111"));
  assert.equal(luhnCheckDigit("7992739871"), "3");
  for (let i = 0; i < 200; i++) {
    const middle = String(Math.floor(Math.random() * 1e12)).padStart(12, "0");
    const card = makeCardNumber("622202", middle);
    assert.ok(luhnValid(card));
    const wrong = card.slice(0, -1) + String((Number(card.at(-1)) + 1) % 10);
    assert.ok(!luhnValid(wrong));
  }
});

Deno.test("bin table: every main bank, unique prefixes of six digits", () => {
  const codes = BANKS.map((b) => b.code);
  for (
    const code of [
      "ICBC",
      "CCB",
      "ABC",
      "BOC",
      "COMM",
      "CMB",
      "PSBC",
      "CITIC",
      "CEB",
      "CMBC",
      "SPDB",
      "CIB",
      "PAB",
      "HXB",
      "GDB",
    ]
  ) {
    assert.ok(codes.includes(code), code);
  }
  const all = BANKS.flatMap((b) => b.prefixes);
  assert.equal(new Set(all).size, all.length, "a prefix belongs to one bank");
  for (const p of all) assert.match(p, /^\d{6}$/);
  assert.equal(bankOfCard("6222021234567890123")?.code, "ICBC");
  assert.equal(bankOfCard("6228481234567890123")?.name, "中国农业银行");
  assert.equal(bankOfCard("6214831234567890")?.code, "CMB");
  assert.equal(bankOfCard("1234561234567890"), null);
});

Deno.test("card number: normalised, then each problem in order", () => {
  const good = makeCardNumber("622202", "123456789012");
  const r = checkCardNumber(` ${good.slice(0, 4)} ${good.slice(4, 8)}-${good.slice(8)} `);
  assert.ok(r.ok);
  assert.equal(r.cardNumber, good);
  assert.equal(r.bank.code, "ICBC");
  const problem = (s: string) => {
    const c = checkCardNumber(s);
    return c.ok ? "ok" : c.problem;
  };
  assert.equal(problem(""), "empty");
  assert.equal(problem("62220212345"), "format");
  assert.equal(problem("6222abcd12345678"), "format");
  assert.equal(problem(good.slice(0, -1) + String((Number(good.at(-1)) + 1) % 10)), "luhn");
  assert.equal(problem(makeCardNumber("123456", "1234567890")), "unsupported_bank");
});
