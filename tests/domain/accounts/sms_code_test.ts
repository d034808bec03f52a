import assert from "node:assert/strict";
import { PLATFORM_NAME } from "../../../domain/shared/brand.ts";
import { generateSmsCode, smsCodeText } from "../../../domain/accounts/sms_code.ts";

Deno.test("sms code: six digits, varied", () => {
  const codes = Array.from({ length: 200 }, generateSmsCode);
  for (const c of codes) assert.match(c, /^\d{6}$/);
  assert.ok(new Set(codes).size > 190);
});

Deno.test("sms code: text names the platform, purpose and lifetime", () => {
  assert.equal(
    smsCodeText("register", "123456"),
    `【${PLATFORM_NAME}】您的注册验证码为 123456，5分钟内有效。如非本人操作请忽略。`,
  );
  assert.match(smsCodeText("reset_password", "000001"), /重置密码验证码为 000001/);
});
