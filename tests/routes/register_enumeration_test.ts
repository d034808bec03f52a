/**
 * Registration tells nobody whether a phone is registered or an invite code exists:
 * - `/api/sms_code` and the no-script 获取验证码 answer a registered phone exactly as a new one (「验证码已发送」),
 *   within the same quotas; the owner gets an SMS saying someone tried to register with the number;
 * - `/register` with a registered phone and a guessed code answers as for any wrong code;
 * - the invite code is looked at only after the SMS code is proven (and a bad invite keeps the code);
 * - registration posts are rate-limited per IP and per phone, and the password is hashed (bcrypt) only
 *   after a valid code.
 */
import assert from "node:assert/strict";
import type { Db } from "../../db/tx.ts";
import { requestSmsCode } from "../../domain/accounts/sms_code.ts";
import { registerUser } from "../../domain/accounts/user.ts";
import { dbTest, randomPhone } from "../helpers/db.ts";
import {
  appTest,
  Client,
  createUser,
  latestSmsCode,
  randomIp,
  TEST_PASSWORD,
  testCipher,
} from "../helpers/forms.ts";
import { deliverOutbox, testOutbox } from "../helpers/outbox.ts";

function fieldError(html: string, field: string): string | null {
  return new RegExp(`id="f-${field}-error"[^>]*>([^<]*)<`).exec(html)?.[1] ?? null;
}

async function smsBodies(sql: Db, phone: string): Promise<string[]> {
  await deliverOutbox(sql);
  const rows = await sql<{ body: string }[]>`
    select body from sandbox_messages where channel = 'sms' and recipient = ${phone} order by id`;
  return rows.map((r) => r.body);
}

/** A registered user whose register code (made by createUser) no longer holds the 60 s resend wait. */
async function registeredUser(sql: Db) {
  const user = await createUser(sql);
  await sql`delete from rate_limits where key = ${`sms:register:${await testCipher.hash(user.phone)}`}`;
  return user;
}

const form = (phone: string, smsCode: string, extra: Record<string, string> = {}) => ({
  kind: "investor",
  phone,
  smsCode,
  password: TEST_PASSWORD,
  passwordConfirm: TEST_PASSWORD,
  acceptAgreements: "on",
  ...extra,
});

appTest(
  "enumeration: /api/sms_code answers a registered phone like a new one, and tells the owner",
  async (app) => {
    const taken = await registeredUser(app.sql);
    const fresh = randomPhone();
    const c = new Client(app);
    await c.get("/register");
    const notices = async () =>
      (await smsBodies(app.sql, taken.phone)).filter((b) => b.includes("有人正在用"));
    assert.equal((await notices()).length, 0);

    const forTaken = await c.api("/api/sms_code", { phone: taken.phone, purpose: "register" });
    const forFresh = await c.api("/api/sms_code", { phone: fresh, purpose: "register" });
    assert.equal(forTaken.status, 200);
    assert.deepEqual(forTaken, forFresh, "the same answer for a registered and a new phone");

    // the owner learns that someone tried; no code is sent to a registered phone
    const bodies = await notices();
    assert.equal(bodies.length, 1, "one notice to the owner");
    const codes = (await smsBodies(app.sql, taken.phone)).filter((b) => /验证码为 \d{6}/.test(b));
    assert.equal(codes.length, 1, "no new code for a registered phone (only the one createUser used)");
    assert.match(bodies[0], /注册/);
    assert.match(bodies[0], /已注册/);
    assert.doesNotMatch(bodies[0], /\d{6}/, "no code in the notice");

    // within the same quotas: the resend wait applies alike
    const againTaken = await c.api("/api/sms_code", { phone: taken.phone, purpose: "register" });
    const againFresh = await c.api("/api/sms_code", { phone: fresh, purpose: "register" });
    assert.equal(againTaken.status, 429);
    assert.equal(againFresh.status, 429);
    assert.equal((await notices()).length, 1, "no second notice within 60 s");
  },
);

appTest("enumeration: the no-script 获取验证码 says 验证码已发送 for a registered phone too", async (app) => {
  const taken = await registeredUser(app.sql);
  const c = new Client(app);
  await c.get("/register");
  const sent = await c.post("/register", { kind: "investor", phone: taken.phone, intent: "send_code" });
  assert.equal(sent.status, 200);
  assert.match(sent.html, /验证码已发送/);
  assert.doesNotMatch(sent.html, /已注册/);
  assert.equal(fieldError(sent.html, "phone"), null);
});

appTest("enumeration: /register with a registered phone answers as any wrong code", async (app) => {
  const taken = await createUser(app.sql);
  const fresh = randomPhone();
  const c = new Client(app);
  await c.get("/register");
  const forTaken = await c.post("/register", form(taken.phone, "123456"));
  const forFresh = await c.post("/register", form(fresh, "123456"));
  assert.equal(forTaken.status, 422);
  assert.equal(forFresh.status, 422);
  assert.equal(fieldError(forTaken.html, "smsCode"), fieldError(forFresh.html, "smsCode"));
  assert.equal(fieldError(forTaken.html, "phone"), null, "nothing said about the phone");
  assert.doesNotMatch(forTaken.html, /已注册/);
});

appTest("enumeration: the invite code is judged only after the SMS code is proven", async (app) => {
  const c = new Client(app);
  await c.get("/register");
  const phone = randomPhone();
  assert.equal((await c.api("/api/sms_code", { phone, purpose: "register" })).status, 200);
  const code = await latestSmsCode(app.sql, phone);
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");

  const probe = await c.post("/register", form(phone, wrong, { inviteCode: "ZZZZ9999" }));
  assert.equal(probe.status, 422);
  assert.equal(fieldError(probe.html, "smsCode"), "验证码错误，请重新输入");
  assert.equal(fieldError(probe.html, "inviteCode"), null, "nothing said about the invite code");

  const badInvite = await c.post("/register", form(phone, code, { inviteCode: "ZZZZ9999" }));
  assert.equal(badInvite.status, 422);
  assert.match(fieldError(badInvite.html, "inviteCode") ?? "", /邀请码不存在/);
  // the proven code was not used up by the refused invite code
  const done = await c.post("/register", form(phone, code));
  assert.equal(done.status, 303);
});

appTest("anti-automation: registration posts are limited per IP", async (app) => {
  const c = new Client(app, { ip: randomIp() });
  await c.get("/register");
  let last = null;
  for (let i = 0; i < 40; i++) {
    last = await c.post("/register", form(randomPhone(), "123456"));
    if (last.status === 429) break;
    assert.equal(last.status, 422);
  }
  assert.equal(last!.status, 429, "refused after too many attempts from one IP");
  assert.match(last!.html, /注册尝试过于频繁/);
});

appTest("anti-automation: registration posts are limited per phone, whatever the IP", async (app) => {
  const phone = randomPhone();
  let last = null;
  for (let i = 0; i < 40; i++) {
    const c = new Client(app);
    await c.get("/register");
    last = await c.post("/register", form(phone, "123456"));
    if (last.status === 429) break;
  }
  assert.equal(last!.status, 429, "refused after too many attempts for one phone");
});

dbTest("anti-automation: the password is hashed only after a valid SMS code", async (sql) => {
  const phone = randomPhone();
  await requestSmsCode(sql, { phone, purpose: "register", ip: null }, {
    outbox: testOutbox,
    cipher: testCipher,
    generateCode: () => "864209",
  });
  const hashed: string[] = [];
  const deps = {
    cipher: testCipher,
    outbox: testOutbox,
    bcryptCost: 4,
    hashPassword: (password: string) => {
      hashed.push(password);
      return Promise.resolve(`$2b$04$${"x".repeat(53)}`);
    },
  };
  const input = {
    kind: "investor",
    phone,
    password: TEST_PASSWORD,
    passwordConfirm: TEST_PASSWORD,
    acceptAgreements: true,
    ip: null,
  };
  const wrong = await registerUser(sql, { ...input, smsCode: "864208" }, deps);
  assert.ok(!wrong.ok && wrong.code === "invalid_code", JSON.stringify(wrong));
  assert.equal(hashed.length, 0, "no bcrypt for a wrong code");
  const right = await registerUser(sql, { ...input, smsCode: "864209" }, deps);
  assert.ok(right.ok, JSON.stringify(right));
  assert.equal(hashed.length, 1, "one bcrypt once the code is proven");
});
