import assert from "node:assert/strict";
import {
  COMMON_PASSWORDS,
  hashPassword,
  PASSWORD_MESSAGES,
  passwordProblems,
  validatePassword,
  verifyPassword,
} from "../../../domain/accounts/password.ts";

Deno.test("password policy: good passwords pass", () => {
  for (const pw of ["Demo@2026!", "correct horse", "abcdefg9", "密码安全好用的一二三"]) {
    assert.deepEqual(validatePassword(pw), [], pw);
  }
});

Deno.test("password policy: each rule refuses with a Chinese message", () => {
  assert.deepEqual(passwordProblems("abc123"), ["too_short"]);
  assert.deepEqual(passwordProblems("1234567"), ["too_short", "all_digits"]);
  assert.deepEqual(passwordProblems("20240101"), ["all_digits"]);
  assert.deepEqual(passwordProblems("12345678"), ["all_digits", "too_common"]);
  for (const pw of ["password", "PASSWORD", "qwertyui", "abc12345", "a1234567", "Abc12345"]) {
    assert.deepEqual(passwordProblems(pw), ["too_common"], pw);
  }
  assert.ok(passwordProblems("a".repeat(73)).includes("too_long"));
  assert.deepEqual(passwordProblems("a".repeat(72)), []);
  // 25 CJK characters are 75 bytes: too long for bcrypt although only 25 characters
  assert.ok(passwordProblems("密".repeat(25)).includes("too_long"));
  assert.deepEqual(validatePassword("1234567"), [PASSWORD_MESSAGES.too_short, PASSWORD_MESSAGES.all_digits]);
  assert.match(PASSWORD_MESSAGES.too_short, /至少 8 位/);
});

Deno.test("password policy: the common list has ~50 lower-case entries", () => {
  assert.ok(COMMON_PASSWORDS.size >= 50);
  for (const pw of COMMON_PASSWORDS) assert.equal(pw, pw.toLowerCase());
  for (const pw of ["12345678", "password", "qwertyui", "11111111", "abc12345", "a1234567"]) {
    assert.ok(COMMON_PASSWORDS.has(pw), pw);
  }
});

Deno.test("password hashing: bcrypt verify accepts the password and nothing else", async () => {
  const h = await hashPassword("Demo@2026!", { cost: 4 });
  assert.match(h, /^\$2[aby]\$04\$/);
  assert.equal(await verifyPassword("Demo@2026!", h), true);
  assert.equal(await verifyPassword("Demo@2026?", h), false);
  assert.equal(await verifyPassword("Demo@2026!", "not-a-hash"), false);
});
