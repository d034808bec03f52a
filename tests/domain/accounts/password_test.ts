import assert from "node:assert/strict";
import { hash as bcryptHash } from "@node-rs/bcrypt";
import {
  hashPassword,
  PASSWORD_MAX_CHARS,
  PASSWORD_MESSAGES,
  passwordProblems,
  validatePassword,
  verifyPassword,
} from "../../../domain/accounts/password.ts";

Deno.test("password policy: strong passwords pass, whatever their composition", () => {
  for (
    const pw of [
      "Demo@2026!",
      "Lend-2026-ok",
      "correct horse battery staple",
      "83920571640395", // all digits, but not guessable: no composition rule
      "我爱北京天安门广场的日出和晚霞", // a Chinese passphrase
      "今天的晚饭是红烧肉和青菜豆腐汤，明天早上去公园跑步锻炼身体", // a long one: 29 characters, 87 bytes
    ]
  ) {
    assert.deepEqual(validatePassword(pw), [], pw);
  }
});

Deno.test("password policy: common and guessable passwords are refused (zxcvbn score < 3)", () => {
  for (
    const pw of [
      "qq123456",
      "12345678",
      "20240101",
      "password",
      "PASSWORD1",
      "p@ssw0rd2024",
      "woaini1314",
      "5201314a",
      "1qaz2wsx",
      "aaaaaaaaaaaa",
      "abc12345",
    ]
  ) {
    const problems = passwordProblems(pw);
    assert.deepEqual(problems.map((p) => p.code), ["too_weak"], pw);
    const messages = validatePassword(pw);
    assert.equal(messages[0], PASSWORD_MESSAGES.too_weak, pw);
    for (const m of messages) assert.match(m, /[\u4e00-\u9fff]/, `Chinese feedback for ${pw}: ${m}`);
  }
  assert.equal(PASSWORD_MESSAGES.too_weak, "密码太常见或太容易猜到，请换一个更长、更独特的密码");
});

Deno.test("password policy: the user's own data makes a password weak", () => {
  assert.deepEqual(validatePassword("13812345678Ab"), [], "strong on its own");
  assert.equal(passwordProblems("13812345678Ab", ["13812345678"])[0]?.code, "too_weak");
});

Deno.test("password policy: length in characters, with a generous upper bound", () => {
  assert.deepEqual(passwordProblems("Ab3$xyz").map((p) => p.code), ["too_short"]);
  assert.match(PASSWORD_MESSAGES.too_short, /至少 8 位/);
  assert.ok(PASSWORD_MAX_CHARS >= 64);
  assert.deepEqual(passwordProblems("x".repeat(PASSWORD_MAX_CHARS + 1)).map((p) => p.code), ["too_long"]);
  // CJK characters count as characters, not bytes
  assert.ok(!passwordProblems("密码安全".repeat(10)).some((p) => p.code === "too_long"));
});

Deno.test("password hashing: versioned pre-hash; every character counts, beyond bcrypt's 72 bytes", async () => {
  const h = await hashPassword("Demo@2026!", { cost: 4 });
  assert.match(h, /^\$p2\$v1\$\$2[aby]\$04\$/, "versioned prefix before the bcrypt hash");
  assert.equal(await verifyPassword("Demo@2026!", h), true);
  assert.equal(await verifyPassword("Demo@2026?", h), false);
  assert.equal(await verifyPassword("Demo@2026!", "not-a-hash"), false);
  assert.equal(await verifyPassword("Demo@2026!", "$p2$v9$whatever"), false);

  // 24 CJK characters are 72 bytes: plain bcrypt would ignore everything after them
  const head = "我爱北京天安门广场的日出和晚霞还有远处的山峦起伏";
  assert.equal(new TextEncoder().encode(head).length, 72);
  const long = await hashPassword(head + "一二三", { cost: 4 });
  assert.equal(await verifyPassword(head + "一二三", long), true);
  assert.equal(await verifyPassword(head + "四五六", long), false, "the tail is not ignored");
  assert.equal(await verifyPassword(head, long), false);
});

Deno.test("password hashing: existing plain bcrypt hashes (seed, older users) still verify", async () => {
  const legacy = await bcryptHash("Demo@2026!", 4);
  assert.equal(await verifyPassword("Demo@2026!", legacy), true);
  assert.equal(await verifyPassword("Demo@2026?", legacy), false);
  // a 72-byte legacy password plus a tail is not a second password
  const seventyTwo = "Aa1!".repeat(18);
  const legacyLong = await bcryptHash(seventyTwo, 4);
  assert.equal(await verifyPassword(seventyTwo, legacyLong), true);
  assert.equal(await verifyPassword(seventyTwo + "x", legacyLong), false);
});
