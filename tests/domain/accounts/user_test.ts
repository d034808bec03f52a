import assert from "node:assert/strict";
import { generateInviteCode, parseRegisterInput, REGISTER_FIELDS } from "../../../domain/accounts/user.ts";
import { loginErrorMessage } from "../../../domain/accounts/login.ts";

const good = {
  kind: "investor",
  phone: "+86 138 1234 5678",
  smsCode: "123456",
  password: "Demo@2026!",
  passwordConfirm: "Demo@2026!",
  inviteCode: "",
  acceptAgreements: "on",
};

Deno.test("register form: a good form parses and normalises", () => {
  const r = parseRegisterInput(good);
  assert.ok(r.ok);
  assert.equal(r.data.phone, "13812345678");
  assert.equal(r.data.inviteCode, undefined);
  assert.equal(r.data.acceptAgreements, true);
  const r2 = parseRegisterInput({ ...good, inviteCode: " abcd2345 ", acceptAgreements: true });
  assert.ok(r2.ok);
  assert.equal(r2.data.inviteCode, "ABCD2345");
});

Deno.test("register form: every field reports Chinese errors", () => {
  const r = parseRegisterInput({
    kind: "lender",
    phone: "12345",
    smsCode: "12ab",
    password: "1234567",
    passwordConfirm: "123456",
    inviteCode: "!!",
  });
  assert.ok(!r.ok);
  assert.deepEqual(Object.keys(r.fields).sort(), [...REGISTER_FIELDS].sort());
  for (const messages of Object.values(r.fields)) {
    for (const m of messages!) assert.match(m, /[\u4e00-\u9fff]/);
  }
  assert.deepEqual(r.fields.passwordConfirm, ["两次输入的密码不一致"]);
  assert.deepEqual(r.fields.password, ["密码至少 8 位"]);
});

Deno.test("register form: only the password's length is judged here (strength after the SMS code)", () => {
  const r = parseRegisterInput({ ...good, password: "12345678", passwordConfirm: "12345678" });
  assert.ok(r.ok, "a common password passes the form; registerUser refuses it once the code is proven");
});

Deno.test("register form: missing fields", () => {
  const r = parseRegisterInput({});
  assert.ok(!r.ok);
  for (const f of ["kind", "phone", "smsCode", "password", "acceptAgreements"] as const) {
    assert.ok(r.fields[f], f);
  }
});

Deno.test("invite codes and login messages", () => {
  assert.match(generateInviteCode(), /^[A-HJKMNP-Z2-9]{8}$/);
  assert.equal(
    loginErrorMessage({ ok: false, code: "locked", retryAfterSeconds: 900, scope: "account" }),
    "账户已锁定，请 15 分钟后再试",
  );
  assert.equal(
    loginErrorMessage({ ok: false, code: "locked", retryAfterSeconds: 840, scope: "ip" }),
    "该网络登录尝试过多，请 14 分钟后再试",
  );
  assert.equal(
    loginErrorMessage({ ok: false, code: "invalid_credentials", remainingAttempts: 2 }),
    "手机号或密码错误，还可尝试 2 次",
  );
});
