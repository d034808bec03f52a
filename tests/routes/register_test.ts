/**
 * `/register` and `/api/sms_code` through the whole app: the form with and without script, field errors,
 * duplicate phone, wrong code, throttling, and the happy path that ends logged in on 我的账户.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../config.ts";
import type { Sql } from "../../db/connection.ts";
import { createPiiCipher } from "../../domain/pii.ts";
import { requestSmsCode } from "../../domain/sms_code.ts";
import { registerUser } from "../../domain/user.ts";
import { sandboxSms } from "../../integrations/sms.ts";
import { CookieJar, type TestApp, testApp } from "../helpers/app.ts";
import { randomPhone } from "../helpers/db.ts";

const BASE = "http://localhost";
const PASSWORD = "Lend-2026-ok";
const cipher = createPiiCipher(loadConfig({ APP_ENV: "test" }));

/** A test with sanitizers off (shared DB) and a bounded run time. */
function t(name: string, fn: (app: TestApp) => Promise<void>, timeoutMs = 60_000): void {
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const app = await testApp();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name}: timed out after ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([fn(app), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  });
}

/** A browser-like client: keeps cookies and the page's CSRF token. */
class Client {
  jar = new CookieJar();
  csrf = "";
  constructor(readonly app: TestApp) {}
  async send(path: string, init: RequestInit = {}): Promise<{ res: Response; html: string }> {
    const headers = new Headers(init.headers);
    headers.set("cookie", this.jar.header());
    const res = await this.app.handle(new Request(BASE + path, { ...init, headers }));
    this.jar.take(res);
    const html = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (m) this.csrf = m[1];
    return { res, html };
  }
  get(path: string) {
    return this.send(path);
  }
  post(path: string, fields: Record<string, string>) {
    return this.send(path, {
      method: "POST",
      headers: { origin: BASE },
      body: new URLSearchParams({ _csrf: this.csrf, ...fields }),
    });
  }
  async api(path: string, body: unknown, csrf = this.csrf): Promise<{ status: number; json: unknown }> {
    const { res, html } = await this.send(path, {
      method: "POST",
      headers: { origin: BASE, "content-type": "application/json", "x-csrf-token": csrf },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, json: JSON.parse(html) };
  }
}

/** All requests in tests come from 127.0.0.1: reset its SMS quota so other tests' sends don't count. */
async function resetIpQuota(sql: Sql): Promise<void> {
  await sql`delete from rate_limits where key = 'smsip:127.0.0.1'`;
}

/** The code of the latest SMS sent to `phone`, read from the sandbox outbox. */
async function latestCode(sql: Sql, phone: string): Promise<string> {
  const [row] = await sql<{ body: string }[]>`
    select body from outbox where channel = 'sms' and recipient = ${phone} order by id desc limit 1`;
  const code = row && /(\d{6})/.exec(row.body)?.[1];
  assert.ok(code, `no code in the outbox for ${phone}`);
  return code;
}

/** Register a user through the domain (fast, bcrypt cost 4). */
async function createUser(sql: Sql, kind: "investor" | "borrower" = "investor") {
  const phone = randomPhone();
  await requestSmsCode(sql, { phone, purpose: "register", ip: null }, {
    sms: sandboxSms,
    cipher,
    generateCode: () => "135790",
  });
  const r = await registerUser(sql, {
    kind,
    phone,
    smsCode: "135790",
    password: PASSWORD,
    passwordConfirm: PASSWORD,
    acceptAgreements: true,
    ip: null,
  }, { cipher, bcryptCost: 4 });
  assert.ok(r.ok, JSON.stringify(r));
  return { phone, userId: r.userId };
}

function fieldError(html: string, field: string): string | null {
  return new RegExp(`id="f-${field}-error"[^>]*>([^<]*)<`).exec(html)?.[1] ?? null;
}

t("register: send the code by API, submit, land logged in on 我的账户 with a session cookie", async (app) => {
  const inviter = await createUser(app.sql);
  const [{ invite_code: invite }] = await app.sql<{ invite_code: string }[]>`
    select invite_code from users where id = ${inviter.userId}`;
  const c = new Client(app);
  const form = await c.get(`/register?invite=${invite}`);
  assert.equal(form.res.status, 200);
  assert.match(form.html, new RegExp(`name="inviteCode" type="text" value="${invite}"`));
  assert.match(form.html, /href="\/help\/user-agreement"/);
  assert.match(form.html, /href="\/help\/privacy-policy"/);
  assert.match(form.html, /\/dev\/outbox/, "demo mode says where codes can be read");
  assert.ok(c.csrf.length > 10);

  const phone = randomPhone();
  await resetIpQuota(app.sql);
  const sent = await c.api("/api/sms_code", { phone, purpose: "register" });
  assert.equal(sent.status, 200);
  assert.deepEqual(sent.json, { ok: true, resendAfterSeconds: 60 });
  const code = await latestCode(app.sql, phone);

  const res = await c.post("/register", {
    kind: "borrower",
    phone,
    smsCode: code,
    password: PASSWORD,
    passwordConfirm: PASSWORD,
    inviteCode: invite,
    acceptAgreements: "on",
  });
  assert.equal(res.res.status, 303);
  assert.equal(res.res.headers.get("location"), "/account?welcome=1");
  const cookie = res.res.headers.getSetCookie().find((l) => l.startsWith("sid="));
  assert.ok(cookie, "session cookie set");
  assert.match(cookie, /; HttpOnly/);
  assert.match(cookie, /; SameSite=Lax/);

  const account = await c.get("/account?welcome=1");
  assert.equal(account.res.status, 200);
  assert.ok(account.html.includes(`${phone.slice(0, 3)}****${phone.slice(-4)}`), "masked phone");
  assert.ok(!account.html.includes(phone), "never the full phone");
  assert.match(account.html, /借款人/);
  assert.match(account.html, /注册成功/);

  const [user] = await app.sql<{ kind: string; invited_by: string | null; id: string }[]>`
    select id, kind, invited_by from users where phone_hash = ${await cipher.hash(phone)}`;
  assert.equal(user.kind, "borrower");
  assert.equal(user.invited_by, inviter.userId);
  const agreements = await app.sql`select document from user_agreements where user_id = ${user.id}`;
  assert.equal(agreements.length, 2);
  // the code was consumed: it cannot register anyone again
  const [used] = await app.sql<{ used: boolean }[]>`
    select used_at is not null as used from sms_codes where phone_hash = ${await cipher.hash(phone)}
    order by id desc limit 1`;
  assert.equal(used.used, true);
});

t(
  "register: every invalid field re-renders 422 with its message, values kept, passwords not",
  async (app) => {
    const c = new Client(app);
    await c.get("/register");
    const { res, html } = await c.post("/register", {
      phone: "12345",
      smsCode: "12",
      password: "abc",
      passwordConfirm: "abd",
      inviteCode: "??",
    });
    assert.equal(res.status, 422);
    assert.match(fieldError(html, "kind") ?? "", /请选择注册身份/);
    assert.equal(fieldError(html, "phone"), "请输入正确的 11 位手机号码");
    assert.equal(fieldError(html, "smsCode"), "请输入 6 位数字短信验证码");
    assert.match(fieldError(html, "password") ?? "", /密码至少 8 位/);
    assert.equal(fieldError(html, "passwordConfirm"), "两次输入的密码不一致");
    assert.match(fieldError(html, "inviteCode") ?? "", /邀请码格式不正确/);
    assert.match(fieldError(html, "acceptAgreements") ?? "", /请阅读并同意/);
    assert.match(html, /name="phone" type="tel" value="12345"/);
    assert.match(html, /name="smsCode" type="text" value="12"/);
    assert.match(html, /name="inviteCode" type="text" value="\?\?"/);
    assert.ok(!html.includes('value="abc"') && !html.includes('value="abd"'), "passwords are not echoed");

    const weak = await c.post("/register", {
      kind: "investor",
      phone: randomPhone(),
      smsCode: "123456",
      password: "12345678",
      passwordConfirm: "12345678",
      acceptAgreements: "on",
    });
    assert.equal(weak.res.status, 422);
    assert.match(fieldError(weak.html, "password") ?? "", /不能全是数字/);
    assert.match(weak.html, /name="kind" value="investor" checked/);
    assert.match(weak.html, /name="acceptAgreements" checked/);
  },
);

t("register: unknown invite code, wrong SMS code and a taken phone are refused", async (app) => {
  const c = new Client(app);
  await c.get("/register");
  const phone = randomPhone();
  await requestSmsCode(app.sql, { phone, purpose: "register", ip: null }, { sms: sandboxSms, cipher });
  const code = await latestCode(app.sql, phone);
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
  const base = {
    kind: "investor",
    phone,
    password: PASSWORD,
    passwordConfirm: PASSWORD,
    acceptAgreements: "on",
  };

  const badInvite = await c.post("/register", { ...base, smsCode: code, inviteCode: "ZZZZ9999" });
  assert.equal(badInvite.res.status, 422);
  assert.match(fieldError(badInvite.html, "inviteCode") ?? "", /邀请码不存在/);

  const badCode = await c.post("/register", { ...base, smsCode: wrong });
  assert.equal(badCode.res.status, 422);
  assert.equal(fieldError(badCode.html, "smsCode"), "验证码错误，请重新输入");
  assert.match(badCode.html, new RegExp(`value="${wrong}"`), "the typed code stays");
  const [{ n }] = await app.sql<{ n: number }[]>`
    select count(*)::int as n from users where phone_hash = ${await cipher.hash(phone)}`;
  assert.equal(n, 0, "no user for a wrong code");

  const taken = await createUser(app.sql);
  const dup = await c.post("/register", { ...base, phone: taken.phone, smsCode: "123456" });
  assert.equal(dup.res.status, 409);
  assert.match(fieldError(dup.html, "phone") ?? "", /该手机号已注册/);
  const api = await c.api("/api/sms_code", { phone: taken.phone, purpose: "register" });
  assert.equal(api.status, 400);
  assert.deepEqual(api.json, {
    error: { code: "invalid_input", fields: { phone: ["该手机号已注册，请直接登录"] } },
  });
});

t("register without script: 获取验证码 submits the form, sends the code, keeps the values", async (app) => {
  const c = new Client(app);
  await c.get("/register");
  await resetIpQuota(app.sql);
  const phone = randomPhone();
  const fields = { kind: "investor", phone, smsCode: "", inviteCode: "", acceptAgreements: "on" };
  const sent = await c.post("/register", { ...fields, intent: "send_code", password: "secret-pass-1" });
  assert.equal(sent.res.status, 200);
  assert.match(sent.html, /验证码已发送/);
  assert.match(sent.html, new RegExp(`name="phone" type="tel" value="${phone}"`));
  assert.match(sent.html, /name="kind" value="investor" checked/);
  assert.ok(!sent.html.includes("secret-pass-1"));
  assert.equal(fieldError(sent.html, "phone"), null);
  const code = await latestCode(app.sql, phone);

  const again = await c.post("/register", { ...fields, intent: "send_code" });
  assert.equal(again.res.status, 429);
  assert.match(fieldError(again.html, "phone") ?? "", /^验证码发送过于频繁，请 \d+ 秒后再试$/);
  assert.equal(await latestCode(app.sql, phone), code, "no second SMS within 60 s");

  const invalid = await c.post("/register", { ...fields, phone: "1381234", intent: "send_code" });
  assert.equal(invalid.res.status, 422);
  assert.equal(fieldError(invalid.html, "phone"), "请输入正确的 11 位手机号码");

  const done = await c.post("/register", {
    ...fields,
    smsCode: code,
    password: PASSWORD,
    passwordConfirm: PASSWORD,
    intent: "register",
  });
  assert.equal(done.res.status, 303);
  assert.equal(done.res.headers.get("location"), "/account?welcome=1");
});

t("POST /api/sms_code: 200, 400 field errors, 429 throttled, 403 without the CSRF token", async (app) => {
  const c = new Client(app);
  await c.get("/register");
  await resetIpQuota(app.sql);
  const phone = randomPhone();
  const ok = await c.api("/api/sms_code", {
    phone: ` ${phone.slice(0, 3)} ${phone.slice(3)} `,
    purpose: "register",
  });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json, { ok: true, resendAfterSeconds: 60 });
  assert.match(await latestCode(app.sql, phone), /^\d{6}$/);

  const again = await c.api("/api/sms_code", { phone, purpose: "register" });
  assert.equal(again.status, 429);
  const err = (again.json as { error: { code: string; retryAfterSeconds: number; message: string } }).error;
  assert.equal(err.code, "throttled");
  assert.ok(err.retryAfterSeconds > 0 && err.retryAfterSeconds <= 60, String(err.retryAfterSeconds));
  assert.match(err.message, /请 \d+ 秒后再试/);

  const badPhone = await c.api("/api/sms_code", { phone: "12345", purpose: "register" });
  assert.equal(badPhone.status, 400);
  assert.deepEqual(badPhone.json, {
    error: { code: "invalid_input", fields: { phone: ["请输入正确的 11 位手机号码"] } },
  });
  const badPurpose = await c.api("/api/sms_code", { phone: randomPhone(), purpose: "withdraw" });
  assert.equal(badPurpose.status, 400);
  assert.ok((badPurpose.json as { error: { fields: Record<string, string[]> } }).error.fields.purpose);
  const notJson = await c.api("/api/sms_code", "phone=1");
  assert.equal(notJson.status, 400);

  const forged = await c.api("/api/sms_code", { phone: randomPhone(), purpose: "register" }, "forged.token");
  assert.equal(forged.status, 403);
});

t("register: a signed-in user is sent to 我的账户", async (app) => {
  const c = new Client(app);
  await c.get("/register");
  await resetIpQuota(app.sql);
  const phone = randomPhone();
  await c.api("/api/sms_code", { phone, purpose: "register" });
  const code = await latestCode(app.sql, phone);
  await c.post("/register", {
    kind: "investor",
    phone,
    smsCode: code,
    password: PASSWORD,
    passwordConfirm: PASSWORD,
    acceptAgreements: "on",
  });
  const again = await c.get("/register");
  assert.equal(again.res.status, 303);
  assert.equal(again.res.headers.get("location"), "/account");
});
