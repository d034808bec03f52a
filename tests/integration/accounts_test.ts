import assert from "node:assert/strict";
import { loadConfig } from "../../config.ts";
import { seed } from "../../db/seed.ts";
import { CURRENT_AGREEMENTS } from "../../domain/accounts/agreements.ts";
import { verifyAuditChain } from "../../domain/staff/audit_log.ts";
import { createPiiCipher } from "../../domain/accounts/pii.ts";
import {
  createSession,
  destroySession,
  hashSessionId,
  loadSession,
  loadUserForSession,
  purgeExpiredSessions,
  SESSION_TIMEOUTS,
} from "../../domain/accounts/session.ts";
import { requestSmsCode, type SmsPurpose, verifySmsCode } from "../../domain/accounts/sms_code.ts";
import { createStaff, loginStaff } from "../../domain/staff/staff.ts";
import { completeStaffLogin, prepareTotpEnrolment, totpCode } from "../../domain/staff/totp.ts";
import { registerUser } from "../../domain/accounts/user.ts";
import { loginUser } from "../../domain/accounts/login.ts";
import { loadStaffForSession } from "../../domain/accounts/session.ts";
import { hashPassword } from "../../domain/accounts/password.ts";
import type { Outbox } from "../../db/outbox.ts";
import { deliverOutbox, testOutbox } from "../helpers/outbox.ts";
import type { Db } from "../../db/tx.ts";
import { dbTest, randomPhone } from "../helpers/db.ts";

const config = loadConfig({ APP_ENV: "test" });
const cipher = createPiiCipher(config);
const COST = 4;
const PASSWORD = "Str0ng-pass";

function randomIp(): string {
  const b = crypto.getRandomValues(new Uint8Array(3));
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

/**
 * An outbox that publishes for real (the test outbox: events wait, nothing is delivered) and remembers each
 * SMS published, so a test can read the code; with `"fail"`, publishing throws (a database failure).
 */
function fakeSms(result: "ok" | "fail" = "ok") {
  const sent: { to: string; text: string }[] = [];
  const outbox: Outbox & { sent: typeof sent; lastCode(phone: string): string } = {
    sent,
    async publish(tx, event) {
      if (result === "fail") throw new Error("outbox unavailable");
      const id = await testOutbox.publish(tx, event);
      if (event.topic === "sms.send" && event.secret) {
        sent.push({ to: String(event.secret.to), text: String(event.secret.text) });
      }
      return id;
    },
    lastCode(phone) {
      const m = [...sent].reverse().find((s) => s.to === phone);
      const code = m && /验证码为 (\d{6})/.exec(m.text)?.[1];
      if (!code) throw new Error(`no code sent to ${phone}`);
      return code;
    },
  };
  return outbox;
}

async function codeFor(sql: Db, phone: string, purpose: SmsPurpose = "register", now?: Date) {
  const sms = fakeSms();
  const r = await requestSmsCode(sql, { phone, purpose, ip: randomIp() }, { outbox: sms, cipher, now });
  assert.ok(r.ok, JSON.stringify(r));
  return sms.lastCode(phone);
}

function form(phone: string, smsCode: string, extra: Record<string, unknown> = {}) {
  return {
    kind: "investor",
    phone,
    smsCode,
    password: PASSWORD,
    passwordConfirm: PASSWORD,
    acceptAgreements: true,
    ip: randomIp(), // registration attempts are limited per IP
    ...extra,
  };
}

async function registered(sql: Db, kind: "investor" | "borrower" = "investor") {
  const phone = randomPhone();
  const r = await registerUser(sql, form(phone, await codeFor(sql, phone), { kind }), {
    cipher,
    outbox: testOutbox,
    bcryptCost: COST,
  });
  assert.ok(r.ok, JSON.stringify(r));
  return { phone, userId: r.userId };
}

// ---------------------------------------------------------------- SMS codes

dbTest("sms: a code is sent through the gateway and stored only as a hash", async (sql) => {
  const phone = randomPhone();
  const sms = fakeSms();
  const now = new Date();
  const r = await requestSmsCode(sql, { phone: `+86 ${phone}`, purpose: "register", ip: randomIp() }, {
    outbox: sms,
    cipher,
    now,
  });
  assert.ok(r.ok);
  assert.equal(r.resendAfterSeconds, 60);
  assert.equal(r.expiresAt.getTime(), now.getTime() + 300_000);
  assert.equal(sms.sent.length, 1);
  assert.equal(sms.sent[0].to, phone);
  const code = sms.lastCode(phone);
  assert.match(sms.sent[0].text, /^【.+】您的注册验证码为 \d{6}，5分钟内有效。如非本人操作请忽略。$/);
  const rows = await sql`select code_hash from sms_codes where phone_hash = ${await cipher.hash(phone)}`;
  assert.equal(rows.length, 1);
  assert.notEqual(rows[0].code_hash, code);
  assert.ok(!String(rows[0].code_hash).includes(code));
});

dbTest(
  "sms: the text leaves through the outbox, encrypted until the relay hands it to the gateway",
  async (sql) => {
    const phone = randomPhone();
    const r = await requestSmsCode(sql, { phone, purpose: "login", ip: randomIp() }, {
      outbox: testOutbox,
      cipher,
    });
    assert.ok(r.ok);
    const [event] = await sql<{ status: string; secret: Uint8Array; expires_at: Date; dedupe_key: string }[]>`
    select status, secret, expires_at, dedupe_key from outbox_events
    where topic = 'sms.send' order by id desc limit 1`;
    assert.equal(event.status, "pending");
    assert.ok(
      !new TextDecoder().decode(event.secret).includes(phone),
      "the number is not stored in the clear",
    );
    assert.equal(event.expires_at.getTime(), r.expiresAt.getTime(), "never sent after the code expires");
    assert.match(event.dedupe_key, /^sms_code:\d+$/);
    assert.equal((await sql`select 1 from sandbox_messages where recipient = ${phone}`).length, 0);
    await deliverOutbox(sql);
    const [row] = await sql<{ body: string }[]>`
    select body from sandbox_messages where recipient = ${phone} and channel = 'sms'`;
    assert.match(row.body, /登录验证码为 \d{6}/);
  },
);

dbTest(
  "sms: an invalid phone, or a request that fails midway, stores nothing and consumes no quota",
  async (sql) => {
    assert.deepEqual(
      await requestSmsCode(sql, { phone: "12345", purpose: "register", ip: null }, {
        outbox: fakeSms(),
        cipher,
      }),
      { ok: false, code: "invalid_phone" },
    );
    const phone = randomPhone();
    await assert.rejects(
      () =>
        requestSmsCode(sql, { phone, purpose: "register", ip: randomIp() }, {
          outbox: fakeSms("fail"),
          cipher,
        }),
      /outbox unavailable/,
    );
    assert.equal(
      (await sql`select 1 from sms_codes where phone_hash = ${await cipher.hash(phone)}`).length,
      0,
    );
    // not throttled: the failed attempt's quota was rolled back
    const again = await requestSmsCode(sql, { phone, purpose: "register", ip: randomIp() }, {
      outbox: fakeSms(),
      cipher,
    });
    assert.ok(again.ok);
  },
);

dbTest("sms: single use", async (sql) => {
  const phone = randomPhone();
  const code = await codeFor(sql, phone);
  assert.deepEqual(await verifySmsCode(sql, { phone, purpose: "register", code }, { cipher }), { ok: true });
  assert.deepEqual(await verifySmsCode(sql, { phone, purpose: "register", code }, { cipher }), {
    ok: false,
    code: "invalid_code",
  });
});

dbTest("sms: a code is bound to its purpose", async (sql) => {
  const phone = randomPhone();
  const code = await codeFor(sql, phone, "login");
  assert.deepEqual(await verifySmsCode(sql, { phone, purpose: "register", code }, { cipher }), {
    ok: false,
    code: "invalid_code",
  });
  assert.deepEqual(await verifySmsCode(sql, { phone, purpose: "login", code }, { cipher }), { ok: true });
});

dbTest("sms: expires after 5 minutes", async (sql) => {
  const phone = randomPhone();
  const t0 = new Date(Date.now() - 1000);
  const code = await codeFor(sql, phone, "register", t0);
  const late = new Date(t0.getTime() + 300_000);
  assert.deepEqual(await verifySmsCode(sql, { phone, purpose: "register", code }, { cipher, now: late }), {
    ok: false,
    code: "expired_code",
  });
  const inTime = new Date(t0.getTime() + 299_000);
  assert.deepEqual(await verifySmsCode(sql, { phone, purpose: "register", code }, { cipher, now: inTime }), {
    ok: true,
  });
});

dbTest("sms: 5 wrong guesses burn the code", async (sql) => {
  const phone = randomPhone();
  const code = await codeFor(sql, phone);
  const wrong = code === "000000" ? "111111" : "000000";
  const results = [];
  for (let i = 0; i < 5; i++) {
    results.push(await verifySmsCode(sql, { phone, purpose: "register", code: wrong }, { cipher }));
  }
  assert.deepEqual(results.map((r) => !r.ok && r.code), [
    "invalid_code",
    "invalid_code",
    "invalid_code",
    "invalid_code",
    "too_many_attempts",
  ]);
  assert.deepEqual(await verifySmsCode(sql, { phone, purpose: "register", code }, { cipher }), {
    ok: false,
    code: "too_many_attempts",
  });
});

dbTest("sms: a new code supersedes the old one", async (sql) => {
  const phone = randomPhone();
  const t0 = new Date(Date.now() - 120_000);
  const first = await codeFor(sql, phone, "register", t0);
  const second = await codeFor(sql, phone, "register", new Date(t0.getTime() + 61_000));
  if (first !== second) {
    assert.deepEqual(await verifySmsCode(sql, { phone, purpose: "register", code: first }, { cipher }), {
      ok: false,
      code: "invalid_code",
    });
  }
  assert.deepEqual(await verifySmsCode(sql, { phone, purpose: "register", code: second }, { cipher }), {
    ok: true,
  });
});

dbTest("sms: resend throttled to once per 60 s per phone and purpose", async (sql) => {
  const phone = randomPhone();
  const sms = fakeSms();
  const t0 = new Date();
  const ip = randomIp();
  assert.ok(
    (await requestSmsCode(sql, { phone, purpose: "register", ip }, { outbox: sms, cipher, now: t0 })).ok,
  );
  const early = await requestSmsCode(sql, { phone, purpose: "register", ip }, {
    outbox: sms,
    cipher,
    now: new Date(t0.getTime() + 20_000),
  });
  assert.deepEqual(early, { ok: false, code: "throttled", retryAfterSeconds: 40 });
  // another purpose is not affected
  assert.ok(
    (await requestSmsCode(sql, { phone, purpose: "login", ip }, { outbox: sms, cipher, now: t0 })).ok,
  );
  const later = await requestSmsCode(sql, { phone, purpose: "register", ip }, {
    outbox: sms,
    cipher,
    now: new Date(t0.getTime() + 60_000),
  });
  assert.ok(later.ok);
  assert.equal(sms.sent.length, 3);
});

dbTest("sms: at most 10 per phone per day", async (sql) => {
  const phone = randomPhone();
  const sms = fakeSms();
  const t0 = new Date();
  for (let i = 0; i < 10; i++) {
    const r = await requestSmsCode(sql, { phone, purpose: "register", ip: randomIp() }, {
      outbox: sms,
      cipher,
      now: new Date(t0.getTime() + i * 61_000),
    });
    assert.ok(r.ok, `request ${i}`);
  }
  const r = await requestSmsCode(sql, { phone, purpose: "register", ip: randomIp() }, {
    outbox: sms,
    cipher,
    now: new Date(t0.getTime() + 10 * 61_000),
  });
  assert.ok(!r.ok && r.code === "throttled");
  assert.ok(r.retryAfterSeconds > 80_000 && r.retryAfterSeconds <= 86_400);
  const nextDay = await requestSmsCode(sql, { phone, purpose: "register", ip: randomIp() }, {
    outbox: sms,
    cipher,
    now: new Date(t0.getTime() + 86_400_000),
  });
  assert.ok(nextDay.ok);
});

dbTest("sms: at most 20 per IP per hour", async (sql) => {
  const ip = randomIp();
  const sms = fakeSms();
  const t0 = new Date();
  for (let i = 0; i < 20; i++) {
    assert.ok(
      (await requestSmsCode(sql, { phone: randomPhone(), purpose: "register", ip }, {
        outbox: sms,
        cipher,
        now: t0,
      }))
        .ok,
    );
  }
  const r = await requestSmsCode(sql, { phone: randomPhone(), purpose: "register", ip }, {
    outbox: sms,
    cipher,
    now: t0,
  });
  assert.deepEqual(r, { ok: false, code: "throttled", retryAfterSeconds: 3600 });
  assert.equal(sms.sent.length, 20);
});

// ---------------------------------------------------------------- registration

dbTest("register: happy path stores encrypted phone, agreements, own invite code", async (sql) => {
  const phone = randomPhone();
  const code = await codeFor(sql, phone);
  const r = await registerUser(
    sql,
    form(phone, code, { kind: "borrower", acceptAgreements: "on", ip: "127.0.0.1" }),
    {
      cipher,
      outbox: testOutbox,
      bcryptCost: COST,
    },
  );
  assert.ok(r.ok, JSON.stringify(r));
  const [u] = await sql<
    { kind: string; phone_enc: Uint8Array; password_hash: string; invite_code: string; status: string }[]
  >`
    select kind, phone_enc, password_hash, invite_code, status from users where id = ${r.userId}`;
  assert.equal(u.kind, "borrower");
  assert.equal(u.status, "active");
  assert.equal(await cipher.decrypt(u.phone_enc), phone);
  assert.match(u.password_hash, /^\$p2\$v1\$\$2[aby]\$/, "versioned pre-hash + bcrypt");
  assert.match(u.invite_code, /^[A-Z2-9]{8}$/);
  const agreements = await sql<{ document: string; version: string; ip: string }[]>`
    select document, version, ip from user_agreements where user_id = ${r.userId} order by document`;
  assert.deepEqual(agreements.map((a) => ({ ...a })), [
    { document: "privacy_policy", version: CURRENT_AGREEMENTS.privacy_policy.version, ip: "127.0.0.1" },
    { document: "user_agreement", version: CURRENT_AGREEMENTS.user_agreement.version, ip: "127.0.0.1" },
  ]);
  // the code was consumed
  assert.deepEqual(await verifySmsCode(sql, { phone, purpose: "register", code }, { cipher }), {
    ok: false,
    code: "invalid_code",
  });
});

dbTest("register: invite code links the inviter; an unknown one is a field error", async (sql) => {
  const inviter = await registered(sql);
  const [{ invite_code }] = await sql<
    { invite_code: string }[]
  >`select invite_code from users where id = ${inviter.userId}`;
  const phone = randomPhone();
  const code = await codeFor(sql, phone);
  const bad = await registerUser(sql, form(phone, code, { inviteCode: "ZZZZ9999" }), {
    cipher,
    outbox: testOutbox,
    bcryptCost: COST,
  });
  assert.deepEqual(bad, {
    ok: false,
    code: "invalid_input",
    fields: { inviteCode: ["邀请码不存在，请核对或不填"] },
  });
  // the code was not consumed by the failed attempt
  const ok = await registerUser(sql, form(phone, code, { inviteCode: invite_code.toLowerCase() }), {
    cipher,
    outbox: testOutbox,
    bcryptCost: COST,
  });
  assert.ok(ok.ok);
  const [u] = await sql`select invited_by as "invitedById" from users where id = ${ok.userId}`;
  assert.equal(u.invitedById, inviter.userId); // an int8 named as an id comes back as a string
});

dbTest("register: invalid input reports fields and touches nothing", async (sql) => {
  const phone = randomPhone();
  const r = await registerUser(sql, form(phone, "12345", { password: "1234567", acceptAgreements: false }), {
    cipher,
    outbox: testOutbox,
    bcryptCost: COST,
  });
  assert.ok(!r.ok && r.code === "invalid_input");
  assert.deepEqual(Object.keys(r.fields).sort(), [
    "acceptAgreements",
    "password",
    "passwordConfirm",
    "smsCode",
  ]);
  assert.equal((await sql`select 1 from users where phone_hash = ${await cipher.hash(phone)}`).length, 0);
});

dbTest("register: wrong, expired and exhausted codes", async (sql) => {
  const phone = randomPhone();
  const t0 = new Date(Date.now() - 1000);
  const code = await codeFor(sql, phone, "register", t0);
  const wrong = code === "999999" ? "888888" : "999999";
  const deps = { cipher, outbox: testOutbox, bcryptCost: COST };
  assert.deepEqual(await registerUser(sql, form(phone, wrong), deps), { ok: false, code: "invalid_code" });
  assert.deepEqual(
    await registerUser(sql, form(phone, code), { ...deps, now: new Date(t0.getTime() + 301_000) }),
    {
      ok: false,
      code: "expired_code",
    },
  );
  for (let i = 0; i < 4; i++) await registerUser(sql, form(phone, wrong), deps);
  assert.deepEqual(await registerUser(sql, form(phone, code), deps), {
    ok: false,
    code: "too_many_attempts",
  });
  assert.equal((await sql`select 1 from users where phone_hash = ${await cipher.hash(phone)}`).length, 0);
});

dbTest("register: a registered phone is phone_taken — said only once the SMS code is proven", async (sql) => {
  const { phone } = await registered(sql);
  const deps = { cipher, outbox: testOutbox, bcryptCost: COST };
  // without a code for it, a registered phone is just a wrong code
  assert.deepEqual(await registerUser(sql, form(phone, "135790"), deps), { ok: false, code: "invalid_code" });
  // a register code issued to the phone (a minute later: the resend throttle) proves it
  const code = await codeFor(sql, phone, "register", new Date(Date.now() + 61_000));
  assert.deepEqual(await registerUser(sql, form(phone, code), deps), { ok: false, code: "phone_taken" });
});

dbTest(
  "register: a guessable password is refused after the code is proven; the code stays good",
  async (sql) => {
    const phone = randomPhone();
    const code = await codeFor(sql, phone);
    const deps = { cipher, outbox: testOutbox, bcryptCost: COST };
    const weak = await registerUser(
      sql,
      form(phone, code, { password: "qq123456", passwordConfirm: "qq123456" }),
      deps,
    );
    assert.ok(!weak.ok && weak.code === "invalid_input", JSON.stringify(weak));
    assert.match(weak.fields.password![0], /^密码太常见或太容易猜到/);
    // the phone itself in the password is weak too
    const mine = await registerUser(
      sql,
      form(phone, code, { password: `${phone}Ab`, passwordConfirm: `${phone}Ab` }),
      deps,
    );
    assert.ok(!mine.ok && mine.code === "invalid_input", JSON.stringify(mine));
    assert.ok((await registerUser(sql, form(phone, code), deps)).ok);
  },
);

// ---------------------------------------------------------------- log-in and sessions

dbTest("login: success creates a session that loads the masked user", async (sql) => {
  const { phone, userId } = await registered(sql);
  const r = await loginUser(sql, { phone, password: PASSWORD, ip: randomIp(), userAgent: "test" }, {
    cipher,
  });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.user.id, userId);
  assert.equal(r.user.phoneMasked, `${phone.slice(0, 3)}****${phone.slice(7)}`);
  assert.match(r.sessionId, /^[A-Za-z0-9_-]{43}$/);
  const user = await loadUserForSession(sql, r.sessionId, cipher);
  assert.deepEqual(user, r.user);
  // stored hashed, never raw
  assert.equal((await sql`select 1 from sessions where id_hash = ${r.sessionId}`).length, 0);
  assert.equal(
    (await sql`select 1 from sessions where id_hash = ${await hashSessionId(r.sessionId)}`).length,
    1,
  );
  // log-out kills it server-side
  assert.equal(await destroySession(sql, r.sessionId), true);
  assert.equal(await loadUserForSession(sql, r.sessionId, cipher), null);
});

dbTest("login: rotation deletes the previous session id", async (sql) => {
  const { phone } = await registered(sql);
  const first = await loginUser(sql, { phone, password: PASSWORD, ip: randomIp(), userAgent: null }, {
    cipher,
  });
  assert.ok(first.ok);
  const second = await loginUser(sql, {
    phone,
    password: PASSWORD,
    ip: randomIp(),
    userAgent: null,
    previousSessionId: first.sessionId,
  }, { cipher });
  assert.ok(second.ok);
  assert.notEqual(second.sessionId, first.sessionId);
  assert.equal(await loadSession(sql, first.sessionId), null);
  assert.ok(await loadSession(sql, second.sessionId));
});

dbTest("login: 5 failures lock the account for 15 minutes, even with the right password", async (sql) => {
  const { phone } = await registered(sql);
  const t0 = new Date();
  const attempt = (password: string, now: Date) =>
    loginUser(sql, { phone, password, ip: randomIp(), userAgent: null }, { cipher, now });
  const remaining = [];
  for (let i = 0; i < 4; i++) {
    const r = await attempt("wrong-password", t0);
    assert.ok(!r.ok && r.code === "invalid_credentials");
    remaining.push(r.remainingAttempts);
  }
  assert.deepEqual(remaining, [4, 3, 2, 1]);
  assert.deepEqual(await attempt("wrong-password", t0), {
    ok: false,
    code: "locked",
    retryAfterSeconds: 900,
    scope: "account",
  });
  assert.deepEqual(await attempt(PASSWORD, new Date(t0.getTime() + 60_000)), {
    ok: false,
    code: "locked",
    retryAfterSeconds: 840,
    scope: "account",
  });
  const after = await attempt(PASSWORD, new Date(t0.getTime() + 900_000));
  assert.ok(after.ok);
  // success reset the counter: a new failure starts again at 4 remaining
  const again = await attempt("wrong-password", new Date(t0.getTime() + 901_000));
  assert.ok(!again.ok && again.code === "invalid_credentials" && again.remainingAttempts === 4);
});

dbTest("login: 20 failures from one IP lock that IP (any account)", async (sql) => {
  const ip = randomIp();
  const { phone } = await registered(sql);
  const t0 = new Date();
  for (let i = 0; i < 19; i++) {
    const r = await loginUser(sql, { phone: randomPhone(), password: "whatever-1", ip, userAgent: null }, {
      cipher,
      now: t0,
    });
    assert.ok(!r.ok && r.code === "invalid_credentials", JSON.stringify(r));
  }
  const twentieth = await loginUser(sql, {
    phone: randomPhone(),
    password: "whatever-1",
    ip,
    userAgent: null,
  }, {
    cipher,
    now: t0,
  });
  assert.deepEqual(twentieth, { ok: false, code: "locked", retryAfterSeconds: 900, scope: "ip" });
  const right = await loginUser(sql, { phone, password: PASSWORD, ip, userAgent: null }, { cipher, now: t0 });
  assert.ok(!right.ok && right.code === "locked" && right.scope === "ip", JSON.stringify(right));
  // another IP is fine
  assert.ok(
    (await loginUser(sql, { phone, password: PASSWORD, ip: randomIp(), userAgent: null }, {
      cipher,
      now: t0,
    })).ok,
  );
});

dbTest("login: unknown phone and disabled account", async (sql) => {
  const r = await loginUser(sql, {
    phone: randomPhone(),
    password: PASSWORD,
    ip: randomIp(),
    userAgent: null,
  }, { cipher });
  assert.ok(!r.ok && r.code === "invalid_credentials");
  const bad = await loginUser(
    sql,
    { phone: "nonsense", password: PASSWORD, ip: randomIp(), userAgent: null },
    { cipher },
  );
  assert.ok(!bad.ok && bad.code === "invalid_credentials");
  const { phone, userId } = await registered(sql);
  await sql`update users set status = 'disabled' where id = ${userId}`;
  assert.deepEqual(
    await loginUser(sql, { phone, password: PASSWORD, ip: randomIp(), userAgent: null }, { cipher }),
    {
      ok: false,
      code: "account_disabled",
    },
  );
});

dbTest("session: idle timeout slides (throttled), absolute timeout holds", async (sql) => {
  const { userId } = await registered(sql);
  const t0 = new Date();
  const min = 60_000;
  const s = await createSession(sql, {
    subjectType: "user",
    subjectId: userId,
    ip: null,
    userAgent: null,
    now: t0,
  });
  assert.equal(s.expiresAt.getTime(), t0.getTime() + 30 * min);
  assert.equal(s.absoluteExpiresAt.getTime(), t0.getTime() + 12 * 60 * min);
  // within a minute: no write
  const early = await loadSession(sql, s.sessionId, { now: new Date(t0.getTime() + 30_000) });
  assert.equal(early?.expiresAt.getTime(), t0.getTime() + 30 * min);
  // used at +20 min: idle slides to +50 min
  const used = await loadSession(sql, s.sessionId, { now: new Date(t0.getTime() + 20 * min) });
  assert.equal(used?.expiresAt.getTime(), t0.getTime() + 50 * min);
  assert.ok(await loadSession(sql, s.sessionId, { now: new Date(t0.getTime() + 49 * min) }));
  // keep using it every 25 minutes: still capped by the absolute 12 h
  let t = t0.getTime() + 49 * min;
  while (t + 25 * min < t0.getTime() + 12 * 60 * min) {
    t += 25 * min;
    assert.ok(
      await loadSession(sql, s.sessionId, { now: new Date(t) }),
      `alive at ${(t - t0.getTime()) / min} min`,
    );
  }
  const [row] = await sql<{ expires_at: Date }[]>`
    select expires_at from sessions where id_hash = ${await hashSessionId(s.sessionId)}`;
  assert.equal(row.expires_at.getTime(), t0.getTime() + 12 * 60 * min);
  assert.equal(await loadSession(sql, s.sessionId, { now: new Date(t0.getTime() + 12 * 60 * min) }), null);
  // the expired row was removed
  assert.equal(
    (await sql`select 1 from sessions where id_hash = ${await hashSessionId(s.sessionId)}`).length,
    0,
  );
});

dbTest("session: idle expiry after 30 min for users, 15 min for staff; purge", async (sql) => {
  const { userId } = await registered(sql);
  const t0 = new Date();
  const u = await createSession(sql, {
    subjectType: "user",
    subjectId: userId,
    ip: null,
    userAgent: null,
    now: t0,
  });
  assert.equal(await loadSession(sql, u.sessionId, { now: new Date(t0.getTime() + 30 * 60_000) }), null);
  const st = await createSession(sql, {
    subjectType: "staff",
    subjectId: "1",
    ip: null,
    userAgent: null,
    now: t0,
  });
  assert.equal(st.expiresAt.getTime() - t0.getTime(), SESSION_TIMEOUTS.staff.idleSeconds * 1000);
  assert.ok(await loadSession(sql, st.sessionId, { now: new Date(t0.getTime() + 14 * 60_000) }));
  const gone = await createSession(sql, {
    subjectType: "staff",
    subjectId: "1",
    ip: null,
    userAgent: null,
    now: t0,
  });
  assert.ok((await purgeExpiredSessions(sql, new Date(t0.getTime() + 15 * 60_000))) >= 1);
  assert.equal(await loadSession(sql, gone.sessionId, { now: t0 }), null);
  assert.equal(await loadSession(sql, "not-a-session-id", { now: t0 }), null);
  assert.equal(await loadSession(sql, null), null);
});

dbTest("session: a user session does not load as staff and vice versa", async (sql) => {
  const { userId } = await registered(sql);
  const s = await createSession(sql, { subjectType: "user", subjectId: userId, ip: null, userAgent: null });
  assert.equal(await loadStaffForSession(sql, s.sessionId), null);
  assert.ok(await loadUserForSession(sql, s.sessionId, cipher));
});

// ---------------------------------------------------------------- staff

async function makeStaff(sql: Db, role: string) {
  const username = `t${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const [row] = await sql<{ id: string }[]>`
    insert into staff (username, display_name, role, password_hash)
    values (${username}, ${"测试" + role}, ${role}, ${await hashPassword(PASSWORD, {
    cost: COST,
  })}) returning id`;
  return { username, id: row.id };
}

dbTest("staff: login creates a staff session with permissions and audits it", async (sql) => {
  const { username, id } = await makeStaff(sql, "finance");
  const ip = randomIp();
  const r = await loginStaff(sql, {
    username: username.toUpperCase(),
    password: PASSWORD,
    ip,
    userAgent: "t",
  });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.staff.id, id);
  assert.ok(r.staff.permissions.has("finance.disburse"));
  assert.ok(!r.staff.permissions.has("loans.review"));
  // the password alone opens only the second step (enrolment: no TOTP yet), never a session
  assert.equal(r.step, "totp_enrol");
  assert.ok(!("sessionId" in r), "no session yet");
  const enrolment = await prepareTotpEnrolment(sql, { pendingId: r.pendingId }, { cipher });
  assert.ok(enrolment);
  const done = await completeStaffLogin(sql, {
    pendingId: r.pendingId,
    code: totpCode(enrolment.secret),
    ip,
    userAgent: "t",
  }, { cipher });
  assert.ok(done.ok, JSON.stringify(done));
  const loaded = await loadStaffForSession(sql, done.sessionId);
  assert.equal(loaded?.role, "finance");
  assert.ok(loaded?.permissions.has("finance.reconcile"));
  assert.equal(await loadUserForSession(sql, done.sessionId, cipher), null);
  const [audit] =
    await sql`select action, target, ip from audit_log where staff_id = ${id} order by id desc limit 1`;
  assert.deepEqual({ ...audit }, { action: "staff.login", target: `staff:${id}`, ip });
});

dbTest("staff: failed logins are audited and lock after 5", async (sql) => {
  const { username, id } = await makeStaff(sql, "tech");
  const t0 = new Date();
  for (let i = 0; i < 4; i++) {
    const r = await loginStaff(sql, { username, password: "nope-nope", ip: randomIp(), userAgent: null }, {
      now: t0,
    });
    assert.ok(!r.ok && r.code === "invalid_credentials");
  }
  const fifth = await loginStaff(sql, { username, password: "nope-nope", ip: randomIp(), userAgent: null }, {
    now: t0,
  });
  assert.deepEqual(fifth, { ok: false, code: "locked", retryAfterSeconds: 900, scope: "account" });
  const right = await loginStaff(sql, { username, password: PASSWORD, ip: randomIp(), userAgent: null }, {
    now: t0,
  });
  assert.ok(!right.ok && right.code === "locked");
  const [{ n }] = await sql<{ n: bigint }[]>`
    select count(*) as n from audit_log where staff_id = ${id} and action = 'staff.login_failed'`;
  assert.equal(n, 5n);
  const unknown = await loginStaff(sql, {
    username: "nobody-here",
    password: "x",
    ip: randomIp(),
    userAgent: null,
  });
  assert.ok(!unknown.ok && unknown.code === "invalid_credentials");
});

dbTest("staff: createStaff needs staff.manage, validates and is audited", async (sql) => {
  const admin = await makeStaff(sql, "super_admin");
  const adminSession = { id: admin.id, permissions: new Set(["staff.manage"]) as ReadonlySet<string> };
  const ops = { id: "0", permissions: new Set(["users.view"]) as ReadonlySet<string> };
  const username = `n${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  const input = { username, displayName: "新员工", role: "risk", password: PASSWORD };
  assert.deepEqual(await createStaff(sql, input, { staff: ops, ip: null }, { bcryptCost: COST }), {
    ok: false,
    code: "forbidden",
  });
  const invalid = await createStaff(sql, { ...input, role: "boss", password: "12345678" }, {
    staff: adminSession,
    ip: null,
  }, { bcryptCost: COST });
  assert.ok(!invalid.ok && invalid.code === "invalid_input");
  assert.deepEqual(Object.keys(invalid.fields).sort(), ["password", "role"]);
  // the member's own username counts against the password
  const own = await createStaff(sql, { ...input, password: `${username}2026` }, {
    staff: adminSession,
    ip: null,
  }, { bcryptCost: COST });
  assert.ok(!own.ok && own.code === "invalid_input", JSON.stringify(own));
  assert.deepEqual(Object.keys(own.fields), ["password"]);
  const ok = await createStaff(sql, input, { staff: adminSession, ip: "10.0.0.1" }, { bcryptCost: COST });
  assert.ok(ok.ok);
  const [audit] = await sql`select staff_id, action, target, detail from audit_log where target = ${
    "staff:" + ok.staffId
  }`;
  assert.equal(audit.staff_id, admin.id);
  assert.equal(audit.action, "staff.create");
  assert.deepEqual(audit.detail, { username, role: "risk" });
  assert.deepEqual(await createStaff(sql, input, { staff: adminSession, ip: null }, { bcryptCost: COST }), {
    ok: false,
    code: "username_taken",
  });
  const login = await loginStaff(sql, { username, password: PASSWORD, ip: randomIp(), userAgent: null });
  assert.ok(login.ok && login.staff.role === "risk");
  assert.deepEqual(await verifyAuditChain(sql), {
    ok: true,
    rows: (await sql`select id from audit_log`).length,
  });
});

// ---------------------------------------------------------------- seed

dbTest("seed: idempotent, and the demo accounts can log in", async (sql) => {
  const count = async () => {
    const [r] = await sql<{ staff: bigint; users: bigint; agreements: bigint }[]>`
      select (select count(*) from staff) as staff, (select count(*) from users) as users,
             (select count(*) from user_agreements) as agreements`;
    return r;
  };
  const first = await seed(sql, config, { bcryptCost: COST });
  const afterFirst = await count();
  const second = await seed(sql, config, { bcryptCost: COST });
  assert.deepEqual(await count(), afterFirst);
  assert.equal(second.created, 0);
  assert.deepEqual(second.staff, first.staff);
  assert.deepEqual(first.staff.map((s) => s.username), ["admin", "ops", "risk", "finance", "cs", "tech"]);
  assert.equal(first.users.filter((u) => u.kind === "investor").length, 3);
  assert.equal(first.users.filter((u) => u.kind === "borrower").length, 2);
  const admin = await loginStaff(sql, {
    username: "admin",
    password: first.staff[0].password,
    ip: randomIp(),
    userAgent: null,
  });
  assert.ok(admin.ok && admin.staff.permissions.has("staff.manage"));
  const investor = first.users[0];
  const u = await loginUser(sql, {
    phone: investor.phone,
    password: investor.password,
    ip: randomIp(),
    userAgent: null,
  }, {
    cipher,
  });
  assert.ok(u.ok && u.user.kind === "investor");
  await assert.rejects(() => seed(sql, { ...config, demo: false }), /demo/);
});
