import assert from "node:assert/strict";
import { dbTest, randomPhone } from "../../helpers/db.ts";
import { createUser, sessionFor, TEST_DEVICE_ID, TEST_PASSWORD, testCipher } from "../../helpers/forms.ts";
import { testOutbox } from "../../helpers/outbox.ts";
import { loginUserOnDevice, loginUserWithSmsCode } from "../../../domain/accounts/login.ts";
import { confirmDeviceLogin, newDeviceId, resendDeviceCode } from "../../../domain/accounts/device.ts";
import { changePassword, resetPassword, sendResetSmsCode } from "../../../domain/accounts/password_change.ts";
import { changePhone, sendPhoneChangeCode } from "../../../domain/accounts/phone_change.ts";
import {
  boundEmail,
  confirmEmailBinding,
  maskEmail,
  requestEmailBinding,
  unbindEmail,
} from "../../../domain/accounts/email.ts";
import { securityItems } from "../../../domain/accounts/security_centre.ts";
import { loadSession } from "../../../domain/accounts/session.ts";
import { requestSmsCode, type SmsPurpose } from "../../../domain/accounts/sms_code.ts";
import { setTradePassword } from "../../../domain/accounts/trade_password.ts";
import type { Db } from "../../../db/tx.ts";

const cipher = testCipher;
const outbox = testOutbox;
const STRONG = "Lend-2027-new!";

/** The latest code of a purpose for a phone, read from the outbox (SMS not delivered in domain tests). */
async function codeSentTo(sql: Db, phone: string): Promise<string> {
  const rows = await sql<{ secret: Uint8Array }[]>`
    select secret from outbox_events where topic = 'sms.send' and secret is not null order by id desc limit 50`;
  for (const r of rows) {
    const m = JSON.parse(await cipher.decrypt(r.secret)) as { to: string; text: string };
    const code = /(\d{6})/.exec(m.text)?.[1];
    if (m.to === phone && code) return code;
  }
  throw new Error(`no code for ${phone}`);
}

async function fixedCode(sql: Db, phone: string, purpose: SmsPurpose, code = "246810") {
  const r = await requestSmsCode(sql, { phone, purpose, ip: null }, {
    outbox,
    cipher,
    generateCode: () => code,
  });
  assert.ok(r.ok, JSON.stringify(r));
  return code;
}

/** A password log-in from `deviceId` (by default the device the user registered on). */
function passwordLogin(sql: Db, phone: string, password: string, deviceId = TEST_DEVICE_ID) {
  return loginUserOnDevice(sql, { phone, password, ip: null, userAgent: null, deviceId }, { cipher, outbox });
}

/** The new-device step of a pending log-in, answered with `code` from `deviceId`. */
function confirmDevice(sql: Db, pendingId: string, code: string, deviceId: string) {
  return confirmDeviceLogin(sql, { pendingId, code, deviceId, ip: null, userAgent: null }, { cipher });
}

/** A forgotten-password reset to `newPassword` (typed twice) with the SMS code `smsCode`. */
function reset(sql: Db, phone: string, smsCode: string, newPassword: string) {
  return resetPassword(sql, { phone, smsCode, newPassword, confirm: newPassword, ip: null }, {
    cipher,
    outbox,
    bcryptCost: 4,
  });
}

// ------------------------------------------------------------------ new-device confirmation

dbTest(
  "device: the registration device is known; a new device needs the SMS code, then is known",
  async (sql) => {
    const user = await createUser(sql);
    const base = { phone: user.phone, password: TEST_PASSWORD, ip: null, userAgent: null };
    const known = await loginUserOnDevice(sql, { ...base, deviceId: TEST_DEVICE_ID }, { cipher, outbox });
    assert.ok(known.ok, "the device used to register");

    const device = newDeviceId();
    const fresh = await loginUserOnDevice(sql, { ...base, deviceId: device, nextPath: "/account/security" }, {
      cipher,
      outbox,
    });
    assert.ok(!fresh.ok && fresh.code === "device_unconfirmed", JSON.stringify(fresh));
    const code = await codeSentTo(sql, user.phone);
    const wrong = await confirmDevice(sql, fresh.pendingId, code === "000000" ? "111111" : "000000", device);
    assert.ok(!wrong.ok && wrong.code === "invalid_code" && wrong.attemptsLeft === 4);
    const ok = await confirmDevice(sql, fresh.pendingId, code, device);
    assert.ok(ok.ok, JSON.stringify(ok));
    assert.equal(ok.nextPath, "/account/security");
    assert.ok(await loadSession(sql, ok.sessionId));
    const again = await loginUserOnDevice(sql, { ...base, deviceId: device }, { cipher, outbox });
    assert.ok(again.ok, "now a known device");
    assert.deepEqual(
      await confirmDevice(sql, fresh.pendingId, code, device),
      { ok: false, code: "expired" },
    );
    // a wrong password from a new device never gets a step (uniform failure)
    const bad = await loginUserOnDevice(sql, {
      ...base,
      password: "wrong-password-9",
      deviceId: newDeviceId(),
    }, {
      cipher,
      outbox,
    });
    assert.ok(!bad.ok && bad.code === "invalid_credentials");
  },
);

dbTest("device: 5 wrong codes end the step; resend is throttled like SMS", async (sql) => {
  const user = await createUser(sql);
  const device = newDeviceId();
  const r = await passwordLogin(sql, user.phone, TEST_PASSWORD, device);
  assert.ok(!r.ok && r.code === "device_unconfirmed");
  const resend = await resendDeviceCode(sql, { pendingId: r.pendingId, ip: null }, { cipher, outbox });
  assert.ok(!resend.ok && resend.code === "throttled", "within 60 s of the first code");
  const code = await codeSentTo(sql, user.phone);
  const bad = code === "000000" ? "111111" : "000000";
  for (let i = 0; i < 5; i++) {
    await confirmDevice(sql, r.pendingId, bad, device);
  }
  const late = await confirmDevice(sql, r.pendingId, code, device);
  assert.deepEqual(late, { ok: false, code: "expired" });
});

dbTest("device: an SMS log-in makes the device known", async (sql) => {
  const user = await createUser(sql);
  const device = newDeviceId();
  const code = await fixedCode(sql, user.phone, "login");
  const sms = await loginUserWithSmsCode(sql, {
    phone: user.phone,
    code,
    ip: null,
    userAgent: null,
    deviceId: device,
  }, {
    cipher,
  });
  assert.ok(sms.ok);
  const pw = await passwordLogin(sql, user.phone, TEST_PASSWORD, device);
  assert.ok(pw.ok);
});

// ------------------------------------------------------------------ login password change

dbTest("password change: wrong old, weak or unconfirmed new change nothing", async (sql) => {
  const user = await createUser(sql);
  const input = { userId: user.userId, ip: null, userAgent: null };
  const deps = { cipher, outbox, bcryptCost: 4 };
  /** A change from `oldPassword` to `newPassword`, confirmed as `confirm`. */
  const change = (oldPassword: string, newPassword: string, confirm = newPassword) =>
    changePassword(sql, { ...input, oldPassword, newPassword, confirm }, deps);
  const wrongOld = await change("nope-nope-1", STRONG);
  assert.ok(
    !wrongOld.ok && wrongOld.code === "invalid_input" &&
      /还可尝试 4 次/.test(wrongOld.fields.oldPassword![0]),
  );
  const weak = await change(TEST_PASSWORD, "12345678");
  assert.ok(!weak.ok && weak.code === "invalid_input" && weak.fields.newPassword);
  const phone = await change(TEST_PASSWORD, user.phone);
  assert.ok(
    !phone.ok && phone.code === "invalid_input" && phone.fields.newPassword,
    "the phone counts against it",
  );
  const mismatch = await change(TEST_PASSWORD, STRONG, "x");
  assert.ok(!mismatch.ok && mismatch.code === "invalid_input" && mismatch.fields.confirm);
  const same = await change(TEST_PASSWORD, TEST_PASSWORD);
  assert.ok(!same.ok && same.code === "invalid_input" && same.fields.newPassword);
  const empty = await change("", "");
  assert.ok(
    !empty.ok && empty.code === "invalid_input" && empty.fields.oldPassword && empty.fields.newPassword,
  );
});

dbTest(
  "password change: ends the other sessions, keeps this browser under a new id, notifies",
  async (sql) => {
    const user = await createUser(sql);
    const other = await sessionFor(sql, { type: "user", id: user.userId });
    const r = await changePassword(sql, {
      userId: user.userId,
      oldPassword: TEST_PASSWORD,
      newPassword: STRONG,
      confirm: STRONG,
      ip: null,
      userAgent: null,
    }, { cipher, outbox, bcryptCost: 4 });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(await loadSession(sql, other.sessionId), null);
    assert.ok(await loadSession(sql, r.session.sessionId));
    const [n] = await sql`
    select 1 from outbox_events where topic = 'notification' and payload->>'userId' = ${user.userId}
      and payload->>'kind' = 'password_changed'`;
    assert.ok(n, "password_changed notification");
    const old = await passwordLogin(sql, user.phone, TEST_PASSWORD);
    assert.ok(!old.ok);
    const fresh = await passwordLogin(sql, user.phone, STRONG);
    assert.ok(fresh.ok);
  },
);

// ------------------------------------------------------------------ forgotten password

dbTest(
  "reset password: uniform for unregistered phones; code, policy; ends all sessions; lifts the lock",
  async (sql) => {
    const stranger = randomPhone();
    assert.deepEqual(await sendResetSmsCode(sql, { rawPhone: stranger, ip: null }, { outbox, cipher }), {
      ok: true,
      resendAfterSeconds: 60,
    });
    const none = await reset(sql, stranger, "123456", STRONG);
    assert.ok(!none.ok && none.code === "invalid_input" && Object.keys(none.fields).join() === "smsCode");

    const user = await createUser(sql);
    const session = await sessionFor(sql, { type: "user", id: user.userId });
    assert.deepEqual(
      await sendResetSmsCode(sql, { rawPhone: user.phone, ip: null }, {
        outbox,
        cipher,
        generateCode: () => "975310",
      }),
      {
        ok: true,
        resendAfterSeconds: 60,
      },
    );
    const bad = await reset(sql, "123", "1", "");
    assert.ok(!bad.ok && bad.code === "invalid_input");
    assert.deepEqual(Object.keys(bad.fields).sort(), ["newPassword", "phone", "smsCode"]);
    const weak = await reset(sql, user.phone, "975310", "password1");
    assert.ok(!weak.ok && weak.code === "invalid_input" && weak.fields.newPassword);
    // lock the account with wrong passwords, then reset
    for (let i = 0; i < 5; i++) {
      await passwordLogin(sql, user.phone, "wrong-password-1");
    }
    const ok = await reset(sql, user.phone, "975310", STRONG);
    assert.ok(ok.ok, JSON.stringify(ok));
    assert.ok(ok.sessionsEnded >= 1);
    assert.equal(await loadSession(sql, session.sessionId), null);
    const login = await passwordLogin(sql, user.phone, STRONG);
    assert.ok(login.ok, "the lock was lifted");
    const reused = await reset(sql, user.phone, "975310", STRONG);
    assert.ok(
      !reused.ok && reused.code === "invalid_input" && reused.fields.smsCode,
      "the code is single use",
    );
  },
);

// ------------------------------------------------------------------ phone change

dbTest(
  "phone change: both codes and the password; the new number unique; other sessions end",
  async (sql) => {
    const user = await createUser(sql);
    const taken = await createUser(sql);
    const other = await sessionFor(sql, { type: "user", id: user.userId });
    const deps = { cipher, outbox };
    const base = { userId: user.userId, ip: null, userAgent: null };
    /** The change itself: the login password and both codes. */
    const change = (loginPassword: string, oldCode: string, newPhone: string, newCode: string) =>
      changePhone(sql, { ...base, loginPassword, oldCode, newPhone, newCode }, deps);
    const bad = await change("", "1", user.phone, "");
    assert.ok(!bad.ok && bad.code === "invalid_input");
    assert.deepEqual(Object.keys(bad.fields).sort(), ["loginPassword", "newCode", "newPhone", "oldCode"]);
    assert.deepEqual(
      await sendPhoneChangeCode(sql, { userId: user.userId, which: "new", newPhone: "12", ip: null }, deps),
      { ok: false, code: "invalid_phone", message: "请输入正确的 11 位手机号码" },
    );

    // a number registered to someone else: said only once its code is proven
    await fixedCode(sql, user.phone, "phone_change_old", "135791");
    await fixedCode(sql, taken.phone, "phone_change_new", "246802");
    const refused = await change(TEST_PASSWORD, "135791", taken.phone, "246802");
    assert.ok(
      !refused.ok && refused.code === "invalid_input" &&
        refused.fields.newPhone?.[0] === "该手机号已被其他账户使用",
    );

    const newPhone = randomPhone();
    const oldSent = await sendPhoneChangeCode(sql, { userId: user.userId, which: "old", ip: null }, {
      ...deps,
      generateCode: () => "112358",
    });
    assert.ok(!oldSent.ok && oldSent.code === "throttled", "60 s between two codes of one purpose");
    await sql`delete from rate_limits where key like ${"sms:phone_change_old:%"}`;
    await sendPhoneChangeCode(sql, { userId: user.userId, which: "old", ip: null }, {
      ...deps,
      generateCode: () => "112358",
    });
    await sendPhoneChangeCode(sql, { userId: user.userId, which: "new", newPhone, ip: null }, {
      ...deps,
      generateCode: () => "314159",
    });
    const wrongCode = await change(TEST_PASSWORD, "112358", newPhone, "000000");
    assert.ok(
      !wrongCode.ok && wrongCode.code === "invalid_input" && wrongCode.fields.newCode &&
        !wrongCode.fields.oldCode,
    );
    const ok = await change(TEST_PASSWORD, "112358", newPhone, "314159");
    assert.ok(ok.ok, JSON.stringify(ok));
    assert.equal(ok.phoneMasked, `${newPhone.slice(0, 3)}****${newPhone.slice(7)}`);
    assert.equal(await loadSession(sql, other.sessionId), null);
    const [u] = await sql<{ h: string }[]>`select phone_hash as h from users where id = ${user.userId}`;
    assert.equal(u.h, await cipher.hash(newPhone));
    // the old phone is told
    const oldSms = await codeFreeSmsTo(sql, user.phone);
    assert.ok(oldSms.some((t) => t.includes("已更换为")), oldSms.join("\n"));
  },
);

async function codeFreeSmsTo(sql: Db, phone: string): Promise<string[]> {
  const rows = await sql<{ secret: Uint8Array }[]>`
    select secret from outbox_events where topic = 'sms.send' and secret is not null order by id desc limit 50`;
  const out: string[] = [];
  for (const r of rows) {
    const m = JSON.parse(await cipher.decrypt(r.secret)) as { to: string; text: string };
    if (m.to === phone) out.push(m.text);
  }
  return out;
}

// ------------------------------------------------------------------ e-mail binding

dbTest("email: a single-use 24 h link binds the address; taken, expired, reused; unbind", async (sql) => {
  const user = await createUser(sql);
  const links: string[] = [];
  const deps = {
    cipher,
    outbox,
    linkFor: (t: string) => (links.push(t), `http://localhost/email/confirm?token=${t}`),
  };
  const email = `u${crypto.randomUUID().slice(0, 8)}@example.com`;
  const bad = await requestEmailBinding(sql, {
    userId: user.userId,
    email: "not-an-email",
    loginPassword: "",
  }, deps);
  assert.ok(!bad.ok && bad.fields.email && bad.fields.loginPassword);
  const wrongPw = await requestEmailBinding(
    sql,
    { userId: user.userId, email, loginPassword: "nope-nope-2" },
    deps,
  );
  assert.ok(!wrongPw.ok && wrongPw.fields.loginPassword);
  const sent = await requestEmailBinding(sql, {
    userId: user.userId,
    email: ` ${email.toUpperCase()} `,
    loginPassword: TEST_PASSWORD,
  }, deps);
  assert.ok(sent.ok);
  const token = links.at(-1)!;
  const [row] = await sql`select token_hash from email_bindings where user_id = ${user.userId}`;
  assert.notEqual(row.token_hash, token, "only a hash of the token is stored");
  assert.equal(await boundEmail(sql, cipher, user.userId), null, "not bound before the link is used");
  assert.deepEqual(await confirmEmailBinding(sql, { token: "x".repeat(43) }, { cipher, outbox }), {
    ok: false,
    code: "invalid_token",
  });
  const expired = await confirmEmailBinding(sql, { token }, {
    cipher,
    outbox,
    now: new Date(Date.now() + 25 * 3600_000),
  });
  assert.deepEqual(expired, { ok: false, code: "expired_token" });
  const ok = await confirmEmailBinding(sql, { token }, { cipher, outbox });
  assert.deepEqual(ok, { ok: true, userId: user.userId, email });
  assert.equal((await boundEmail(sql, cipher, user.userId))?.email, email);
  assert.deepEqual(await confirmEmailBinding(sql, { token }, { cipher, outbox }), {
    ok: false,
    code: "invalid_token",
  });
  assert.equal(maskEmail(email).endsWith("@example.com") && maskEmail(email).includes("***"), true);

  // another user cannot bind the same address; nor this one again
  const second = await createUser(sql);
  const taken = await requestEmailBinding(
    sql,
    { userId: second.userId, email, loginPassword: TEST_PASSWORD },
    deps,
  );
  assert.ok(!taken.ok && taken.fields.email?.[0] === "该邮箱已被其他账户绑定");
  const same = await requestEmailBinding(
    sql,
    { userId: user.userId, email, loginPassword: TEST_PASSWORD },
    deps,
  );
  assert.ok(!same.ok && same.fields.email?.[0] === "该邮箱已是您绑定的邮箱");

  assert.deepEqual(await unbindEmail(sql, { userId: user.userId, loginPassword: "" }, { outbox }), {
    ok: false,
    code: "invalid_input",
    fields: { loginPassword: ["请输入登录密码"] },
  });
  assert.deepEqual(
    await unbindEmail(sql, { userId: user.userId, loginPassword: TEST_PASSWORD }, { outbox }),
    { ok: true },
  );
  assert.equal(await boundEmail(sql, cipher, user.userId), null);
  assert.deepEqual(
    await unbindEmail(sql, { userId: user.userId, loginPassword: TEST_PASSWORD }, { outbox }),
    {
      ok: false,
      code: "not_bound",
    },
  );
});

// ------------------------------------------------------------------ security centre

dbTest("security centre: every item with its state and next action", async (sql) => {
  const user = await createUser(sql);
  const before = await securityItems(sql, cipher, user.userId);
  assert.deepEqual(before.map((i) => i.key), [
    "phone",
    "email",
    "login_password",
    "trade_password",
    "identity",
    "cards",
    "video",
    "questionnaire",
  ]);
  const byKey = (items: typeof before) => Object.fromEntries(items.map((i) => [i.key, i]));
  const b = byKey(before);
  assert.equal(b.phone.state, `已绑定 ${user.phone.slice(0, 3)}****${user.phone.slice(7)}`);
  assert.equal(b.trade_password.done, false);
  assert.equal(b.trade_password.action.href, "/account/trade-password");
  assert.equal(b.identity.action.href, "/account/identity");
  assert.equal(b.cards.action.href, "/account/cards");
  assert.equal(b.video.action.href, "/account/video");
  assert.equal(b.questionnaire.action.href, "/account/risk-assessment");
  await setTradePassword(sql, {
    userId: user.userId,
    newPassword: "258014",
    confirm: "258014",
    proof: { method: "login_password", loginPassword: TEST_PASSWORD },
    ip: null,
  }, { cipher, outbox, bcryptCost: 4 });
  const after = byKey(await securityItems(sql, cipher, user.userId));
  assert.equal(after.trade_password.done, true);
  assert.equal(after.trade_password.state, "已设置");
});
