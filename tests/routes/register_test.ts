/**
 * `/register` and `/api/sms_code` through the whole app: the form with and without script, field errors,
 * duplicate phone, wrong code, throttling, the happy path that ends logged in on 我的账户, and the welcome
 * notification delivered by the queue consumer.
 */
import assert from "node:assert/strict";
import { PLATFORM_NAME } from "../../domain/shared/brand.ts";
import { listMessages } from "../../domain/messaging/message.ts";
import { requestSmsCode } from "../../domain/accounts/sms_code.ts";
import { type JobsHandle, startJobs } from "../../jobs/mod.ts";
import { testAppWith } from "../helpers/app.ts";
import { randomPhone } from "../helpers/db.ts";
import { appTest, Client, createUser, latestSmsCode, TEST_PASSWORD, testCipher } from "../helpers/forms.ts";
import { testOutbox } from "../helpers/outbox.ts";
import { waitFor } from "../jobs/fixtures.ts";

function fieldError(html: string, field: string): string | null {
  return new RegExp(`id="f-${field}-error"[^>]*>([^<]*)<`).exec(html)?.[1] ?? null;
}

appTest(
  "register: send the code by API, submit, land logged in on 我的账户 with a session cookie",
  async (app) => {
    const inviter = await createUser(app.sql);
    const [{ invite_code: invite }] = await app.sql<{ invite_code: string }[]>`
    select invite_code from users where id = ${inviter.userId}`;
    const c = new Client(app);
    const form = await c.get(`/register?invite=${invite}`);
    assert.equal(form.res.status, 200);
    assert.match(form.html, new RegExp(`name="inviteCode" type="text" value="${invite}"`));
    assert.match(form.html, /href="\/help\/user-agreement"/);
    assert.match(form.html, /href="\/help\/privacy-policy"/);
    assert.match(form.html, /\/dev\/sandbox/, "demo mode says where codes can be read");
    assert.ok(c.csrf.length > 10);

    const phone = randomPhone();
    const sent = await c.api("/api/sms_code", { phone, purpose: "register" });
    assert.equal(sent.status, 200);
    assert.deepEqual(sent.json, { ok: true, resendAfterSeconds: 60 });
    const code = await latestSmsCode(app.sql, phone);

    const res = await c.post("/register", {
      kind: "borrower",
      phone,
      smsCode: code,
      password: TEST_PASSWORD,
      passwordConfirm: TEST_PASSWORD,
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

    const [user] = await app.sql<{ kind: string; invitedById: string | null; id: string }[]>`
    select id, kind, invited_by as "invitedById" from users
    where phone_hash = ${await testCipher.hash(phone)}`;
    assert.equal(user.kind, "borrower");
    assert.equal(user.invitedById, inviter.userId);
    const agreements = await app.sql`select document from user_agreements where user_id = ${user.id}`;
    assert.equal(agreements.length, 2);
    // the code was consumed: it cannot register anyone again
    const [used] = await app.sql<{ used: boolean }[]>`
    select used_at is not null as used from sms_codes where phone_hash = ${await testCipher.hash(phone)}
    order by id desc limit 1`;
    assert.equal(used.used, true);
  },
);

appTest(
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

    // a guessable password is refused once the SMS code is proven (and the code stays good)
    const phone = randomPhone();
    assert.equal((await c.api("/api/sms_code", { phone, purpose: "register" })).status, 200);
    const code = await latestSmsCode(app.sql, phone);
    const weak = await c.post("/register", {
      kind: "investor",
      phone,
      smsCode: code,
      password: "qq123456",
      passwordConfirm: "qq123456",
      acceptAgreements: "on",
    });
    assert.equal(weak.res.status, 422);
    assert.match(
      fieldError(weak.html, "password") ?? "",
      /^密码太常见或太容易猜到，请换一个更长、更独特的密码/,
    );
    assert.match(weak.html, /name="kind" value="investor" checked/);
    assert.match(weak.html, /name="acceptAgreements" checked/);
    const strong = await c.post("/register", {
      kind: "investor",
      phone,
      smsCode: code,
      password: "我的密码是一句很长的话2026",
      passwordConfirm: "我的密码是一句很长的话2026",
      acceptAgreements: "on",
    });
    assert.equal(strong.res.status, 303, "a Chinese passphrase is welcome; the code was still good");
  },
);

appTest("register: unknown invite code, wrong SMS code and a taken phone are refused alike", async (app) => {
  const c = new Client(app);
  await c.get("/register");
  const phone = randomPhone();
  await requestSmsCode(app.sql, { phone, purpose: "register", ip: null }, {
    outbox: testOutbox,
    cipher: testCipher,
  });
  const code = await latestSmsCode(app.sql, phone);
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
  const base = {
    kind: "investor",
    phone,
    password: TEST_PASSWORD,
    passwordConfirm: TEST_PASSWORD,
    acceptAgreements: "on",
  };

  const badInvite = await c.post("/register", { ...base, smsCode: code, inviteCode: "ZZZZ9999" });
  assert.equal(badInvite.res.status, 422);
  assert.match(fieldError(badInvite.html, "inviteCode") ?? "", /邀请码不存在/);

  const badCode = await c.post("/register", { ...base, smsCode: wrong });
  assert.equal(badCode.res.status, 422);
  assert.equal(fieldError(badCode.html, "smsCode"), "验证码错误，请重新输入");
  assert.match(badCode.html, new RegExp(`value="${wrong}"`), "the typed code stays");
  const [{ n }] = await app.sql<{ n: bigint }[]>`
    select count(*) as n from users where phone_hash = ${await testCipher.hash(phone)}`;
  assert.equal(n, 0n, "no user for a wrong code");

  // a taken phone is not revealed: a guessed code is just a wrong code (see register_enumeration_test.ts)
  const taken = await createUser(app.sql);
  const dup = await c.post("/register", { ...base, phone: taken.phone, smsCode: "123456" });
  assert.equal(dup.res.status, 422);
  assert.equal(fieldError(dup.html, "smsCode"), "验证码错误，请重新输入");
  assert.equal(fieldError(dup.html, "phone"), null);
});

appTest(
  "register without script: 获取验证码 submits the form, sends the code, keeps the values",
  async (app) => {
    const c = new Client(app);
    await c.get("/register");
    const phone = randomPhone();
    const fields = { kind: "investor", phone, smsCode: "", inviteCode: "", acceptAgreements: "on" };
    const sent = await c.post("/register", { ...fields, intent: "send_code", password: "secret-pass-1" });
    assert.equal(sent.res.status, 200);
    assert.match(sent.html, /验证码已发送/);
    assert.match(sent.html, new RegExp(`name="phone" type="tel" value="${phone}"`));
    assert.match(sent.html, /name="kind" value="investor" checked/);
    assert.ok(!sent.html.includes("secret-pass-1"));
    assert.equal(fieldError(sent.html, "phone"), null);
    const code = await latestSmsCode(app.sql, phone);

    const again = await c.post("/register", { ...fields, intent: "send_code" });
    assert.equal(again.res.status, 429);
    assert.match(fieldError(again.html, "phone") ?? "", /^验证码发送过于频繁，请 \d+ 秒后再试$/);
    assert.equal(await latestSmsCode(app.sql, phone), code, "no second SMS within 60 s");

    const invalid = await c.post("/register", { ...fields, phone: "1381234", intent: "send_code" });
    assert.equal(invalid.res.status, 422);
    assert.equal(fieldError(invalid.html, "phone"), "请输入正确的 11 位手机号码");

    const done = await c.post("/register", {
      ...fields,
      smsCode: code,
      password: TEST_PASSWORD,
      passwordConfirm: TEST_PASSWORD,
      intent: "register",
    });
    assert.equal(done.res.status, 303);
    assert.equal(done.res.headers.get("location"), "/account?welcome=1");
  },
);

appTest(
  "POST /api/sms_code: 200, 400 field errors, 429 throttled, 403 without the CSRF token",
  async (app) => {
    const c = new Client(app);
    await c.get("/register");
    const phone = randomPhone();
    const ok = await c.api("/api/sms_code", {
      phone: ` ${phone.slice(0, 3)} ${phone.slice(3)} `,
      purpose: "register",
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { ok: true, resendAfterSeconds: 60 });
    assert.match(await latestSmsCode(app.sql, phone), /^\d{6}$/);

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

    const forged = await c.api(
      "/api/sms_code",
      { phone: randomPhone(), purpose: "register" },
      "forged.token",
    );
    assert.equal(forged.status, 403);
  },
);

appTest("register: a signed-in user is sent to 我的账户", async (app) => {
  const c = new Client(app);
  await c.get("/register");
  const phone = randomPhone();
  await c.api("/api/sms_code", { phone, purpose: "register" });
  const code = await latestSmsCode(app.sql, phone);
  await c.post("/register", {
    kind: "investor",
    phone,
    smsCode: code,
    password: TEST_PASSWORD,
    passwordConfirm: TEST_PASSWORD,
    acceptAgreements: "on",
  });
  const again = await c.get("/register");
  assert.equal(again.res.status, 303);
  assert.equal(again.res.headers.get("location"), "/account");
});

appTest(
  "register: the welcome leaves through the outbox and reaches 消息中心 and the SMS gateway via the queue",
  async (app) => {
    // The shared test app's KV cannot be closed, and closing is the only way to stop `listenQueue`: this
    // test runs the same app on its own in-memory KV and stops its consumer by closing that KV.
    const kv = await Deno.openKv(":memory:");
    const ownApp = await testAppWith({}, { kv });
    const { services } = ownApp;
    let jobs: JobsHandle | null = null;
    try {
      const c = new Client(ownApp);
      await c.get("/register");
      const phone = randomPhone();
      assert.equal((await c.api("/api/sms_code", { phone, purpose: "register" })).status, 200);
      const done = await c.post("/register", {
        kind: "investor",
        phone,
        smsCode: await latestSmsCode(app.sql, phone),
        password: TEST_PASSWORD,
        passwordConfirm: TEST_PASSWORD,
        acceptAgreements: "on",
      });
      assert.equal(done.status, 303);
      const [{ id: userId }] = await app.sql<{ id: string }[]>`
      select id from users where phone_hash = ${await testCipher.hash(phone)}`;
      const welcomeTitle = `欢迎加入${PLATFORM_NAME}`;

      // committed in the outbox, not yet delivered: nothing in the message centre
      const before = await c.get("/account/messages");
      assert.equal(before.status, 200);
      assert.ok(!before.html.includes(welcomeTitle), "no consumer yet, no message");
      const [event] = await app.sql`select status from outbox_events
        where dedupe_key = ${`notification:welcome:${userId}:once`}`;
      assert.equal(event.status, "pending");

      // the consumer takes the wake-up that was enqueued after the commit
      jobs = startJobs(services);
      await waitFor("the welcome message", async () => (await listMessages(app.sql, userId))[0], 15_000);

      const after = await c.get("/account/messages");
      assert.match(after.html, new RegExp(`class="message-title">${welcomeTitle}<`));
      assert.match(after.html, /您已成功注册/);
      assert.match(after.html, /共 1 条，未读 1 条/);
      assert.match((await c.get("/account")).html, /1 条未读/);

      const sms = await waitFor("the welcome SMS", async () => {
        const rows = await app.sql<{ body: string }[]>`
          select body from sandbox_messages where channel = 'sms' and recipient = ${phone}
            and body like ${`%您已成功注册%`}`;
        return rows.length > 0 ? rows : null;
      });
      assert.equal(sms.length, 1, "one welcome SMS");
      assert.match(sms[0].body, new RegExp(`^【${PLATFORM_NAME}】您已成功注册${PLATFORM_NAME}账户`));
      const [smsEvent] = await app.sql`select status from outbox_events
        where dedupe_key = ${`notification:welcome:${userId}:once:sms`}`;
      assert.equal(smsEvent.status, "done");
    } finally {
      kv.close();
      if (jobs) {
        await jobs.queueDone;
        jobs.stop();
      }
    }
  },
);
