/**
 * Log-in lockouts through the whole app:
 * - the per-IP block says it is this network (「该网络登录尝试过多」), not the account;
 * - behind a trusted proxy the client IP is the right-most untrusted `X-Forwarded-For` hop, so one client's
 *   failures lock neither the proxy nor the other clients, and a spoofed header from elsewhere is ignored;
 * - the owner of a locked account gets past the lock by proving the phone (短信验证码登录 / 解锁).
 */
import assert from "node:assert/strict";
import { ACCOUNT_LOCKOUT } from "../../domain/accounts/login.ts";
import { IP_LOCKOUT } from "../../domain/accounts/login_core.ts";
import type { Db } from "../../db/tx.ts";
import { type TestApp, testAppWith } from "../helpers/app.ts";
import { randomPhone } from "../helpers/db.ts";
import { appTest, Client, createUser, randomIp, TEST_PASSWORD, testCipher } from "../helpers/forms.ts";
import { deliverOutbox } from "../helpers/outbox.ts";

/**
 * The latest 登录 code sent to `phone` (runs the relay first). Not `latestSmsCode`: the welcome SMS of a
 * user made just before may arrive after the code, and it has digits of its own.
 */
async function latestLoginCode(sql: Db, phone: string): Promise<string> {
  await deliverOutbox(sql);
  const [row] = await sql<{ body: string }[]>`
    select body from sandbox_messages
    where channel = 'sms' and recipient = ${phone} and body like ${"%登录验证码%"}
    order by id desc limit 1`;
  const code = row && /验证码为 (\d{6})/.exec(row.body)?.[1];
  assert.ok(code, `no log-in code for ${phone}`);
  return code;
}

/** A random address in 100.64.0.0/10 (never used by the other tests' random 10.x clients). */
function randomClientIp(): string {
  const b = crypto.getRandomValues(new Uint8Array(3));
  return `100.${64 + (b[0] % 64)}.${b[1]}.${b[2]}`;
}

/** A client whose requests come through the proxy `proxyIp`, for the browser at `forwardedFor`. */
class ProxiedClient extends Client {
  constructor(app: TestApp, proxyIp: string, readonly forwardedFor: string) {
    super(app, { ip: proxyIp });
  }
  override send(path: string, init: RequestInit = {}) {
    const headers = new Headers(init.headers);
    headers.set("x-forwarded-for", this.forwardedFor);
    return super.send(path, { ...init, headers });
  }
}

async function failFromOneIp(c: Client, times: number): Promise<void> {
  await c.get("/login");
  for (let i = 0; i < times; i++) {
    const r = await c.post("/login", { phone: randomPhone(), password: "wrong-password-1" });
    assert.ok(r.status === 422 || r.status === 429, String(r.status));
  }
}

appTest(
  "IP lock: the message says this network made too many attempts, not that the account is locked",
  async (app) => {
    const user = await createUser(app.sql);
    const c = new Client(app, { ip: randomIp() });
    await failFromOneIp(c, IP_LOCKOUT.maxFailures);
    const r = await c.post("/login", { phone: user.phone, password: TEST_PASSWORD });
    assert.equal(r.status, 429);
    assert.match(r.html, /该网络登录尝试过多，请 15 分钟后再试/);
    assert.doesNotMatch(r.html, /账户已锁定/);

    // staff log-in from the same network says the same
    const staff = new Client(app, { ip: c.ip });
    await staff.get("/admin/login");
    const s = await staff.post("/admin/login", { username: "nobody", password: "x" });
    assert.equal(s.status, 429);
    assert.match(s.html, /该网络登录尝试过多，请 15 分钟后再试/);
    assert.doesNotMatch(s.html, /账户已锁定/);
  },
);

appTest("account lock: the message names the account and offers 短信验证码登录 / 解锁", async (app) => {
  const user = await createUser(app.sql);
  const c = new Client(app);
  await c.get("/login");
  for (let i = 0; i < ACCOUNT_LOCKOUT.maxFailures; i++) {
    await c.post("/login", { phone: user.phone, password: "wrong-password-1" });
  }
  const locked = await c.post("/login", { phone: user.phone, password: TEST_PASSWORD });
  assert.equal(locked.status, 429);
  assert.match(locked.html, /账户已锁定，请 15 分钟后再试/);
  assert.match(locked.html, /短信验证码登录 \/ 解锁/);
  assert.match(locked.html, /href="\/login\/sms"/);
});

appTest("trusted proxy: clients behind it are told apart by X-Forwarded-For", async () => {
  const proxyNet = `10.${200 + Math.floor(Math.random() * 50)}`;
  const app = await testAppWith({ TRUSTED_PROXIES: `${proxyNet}.0.0/16` });
  const proxyIp = `${proxyNet}.0.1`;
  const attacker = new ProxiedClient(app, proxyIp, randomClientIp());
  await failFromOneIp(attacker, IP_LOCKOUT.maxFailures);
  const blocked = await attacker.post("/login", { phone: randomPhone(), password: "wrong-password-1" });
  assert.equal(blocked.status, 429, "the attacking client is blocked");
  assert.match(blocked.html, /该网络登录尝试过多/);

  // another client through the same proxy logs in: the proxy's own address was never the key
  const user = await createUser(app.sql);
  const other = new ProxiedClient(app, proxyIp, randomClientIp());
  const ok = await other.login(user.phone, TEST_PASSWORD);
  assert.equal(ok.status, 303, ok.html.slice(0, 200));

  // the blocked client cannot escape by prepending a forged hop: the right-most untrusted hop counts
  const forged = new ProxiedClient(app, proxyIp, `${randomClientIp()}, ${attacker.forwardedFor}`);
  await forged.get("/login");
  const still = await forged.post("/login", { phone: user.phone, password: TEST_PASSWORD });
  assert.equal(still.status, 429);

  // a peer that is not a trusted proxy cannot pick its address with the header (the header is ignored)
  const untrustedPeer = `192.0.2.${1 + Math.floor(Math.random() * 250)}`; // outside the trusted range
  const direct = new ProxiedClient(app, untrustedPeer, attacker.forwardedFor);
  const own = await direct.login(user.phone, TEST_PASSWORD);
  assert.equal(own.status, 303, "judged by its own address, not the forged one");
});

appTest("trusted proxy: the SMS quota per IP is per client, not site-wide", async () => {
  const proxyNet = `10.${200 + Math.floor(Math.random() * 50)}`;
  const app = await testAppWith({ TRUSTED_PROXIES: `${proxyNet}.0.0/16` });
  const proxyIp = `${proxyNet}.0.1`;
  const first = new ProxiedClient(app, proxyIp, randomClientIp());
  await first.get("/register");
  let status = 200;
  for (let i = 0; i < 25 && status === 200; i++) {
    status = (await first.api("/api/sms_code", { phone: randomPhone(), purpose: "register" })).status;
  }
  assert.equal(status, 429, "one client hits its hourly quota");
  const second = new ProxiedClient(app, proxyIp, randomClientIp());
  await second.get("/register");
  assert.equal(
    (await second.api("/api/sms_code", { phone: randomPhone(), purpose: "register" })).status,
    200,
  );
});

appTest("SMS unlock: proving the phone logs the owner in and clears the account lock", async (app) => {
  const user = await createUser(app.sql);
  const attacker = new Client(app);
  await attacker.get("/login");
  for (let i = 0; i <= ACCOUNT_LOCKOUT.maxFailures; i++) {
    await attacker.post("/login", { phone: user.phone, password: "wrong-password-1" });
  }
  const phoneHash = await testCipher.hash(user.phone);
  const [lock] = await app
    .sql`select 1 from rate_limits where key = ${`acct:${phoneHash}`} and locked_until > now()`;
  assert.ok(lock, "the account is locked");

  const owner = new Client(app);
  const page = await owner.get("/login/sms");
  assert.equal(page.status, 200);
  assert.match(page.html, /短信验证码登录/);
  const sent = await owner.api("/api/sms_code", { phone: user.phone, purpose: "login" });
  assert.equal(sent.status, 200);
  const code = await latestLoginCode(app.sql, user.phone);

  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
  const bad = await owner.post("/login/sms", { phone: user.phone, smsCode: wrong });
  assert.equal(bad.status, 422);
  assert.match(bad.html, /验证码错误/);
  assert.equal(owner.jar.get("sid"), undefined);

  const ok = await owner.post("/login/sms", { phone: user.phone, smsCode: code });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get("location"), "/account");
  assert.equal((await owner.get("/account")).status, 200);
  const [still] = await app
    .sql`select 1 from rate_limits where key = ${`acct:${phoneHash}`} and locked_until > now()`;
  assert.equal(still, undefined, "the lock is cleared");
  // the password works again right away (e.g. on another device)
  const again = new Client(app);
  assert.equal((await again.login(user.phone, TEST_PASSWORD)).status, 303);
  // the code is single use
  const replay = new Client(app);
  await replay.get("/login/sms");
  assert.equal((await replay.post("/login/sms", { phone: user.phone, smsCode: code })).status, 422);
});

appTest("SMS log-in: an unregistered phone gets the same answer and no SMS", async (app) => {
  const phone = randomPhone();
  const c = new Client(app);
  await c.get("/login/sms");
  const sent = await c.api("/api/sms_code", { phone, purpose: "login" });
  assert.equal(sent.status, 200);
  assert.deepEqual(sent.json, { ok: true, resendAfterSeconds: 60 });
  await deliverOutbox(app.sql);
  const rows = await app.sql`select 1 from sandbox_messages where recipient = ${phone}`;
  assert.equal(rows.length, 0, "nothing is sent to a phone without an account");
  const r = await c.post("/login/sms", { phone, smsCode: "123456" });
  assert.equal(r.status, 422);
  assert.match(r.html, /验证码错误/);
});

appTest("SMS log-in: a disabled account is refused, and only after the code", async (app) => {
  const user = await createUser(app.sql);
  await app.sql`update users set status = 'disabled' where id = ${user.userId}`;
  const c = new Client(app);
  await c.get("/login/sms");
  assert.equal((await c.api("/api/sms_code", { phone: user.phone, purpose: "login" })).status, 200);
  const code = await latestLoginCode(app.sql, user.phone);
  const r = await c.post("/login/sms", { phone: user.phone, smsCode: code });
  assert.equal(r.status, 403);
  assert.match(r.html, /该账户已停用/);
  assert.equal(c.jar.get("sid"), undefined);
});

appTest("SMS log-in: someone else's attempts on the phone do not use up the owner's", async (app) => {
  const user = await createUser(app.sql);
  const attacker = new Client(app);
  await attacker.get("/login/sms");
  let last = null;
  for (let i = 0; i < 12; i++) {
    last = await attacker.post("/login/sms", { phone: user.phone, smsCode: "000000" });
  }
  assert.equal(last!.status, 429, "the attacker is slowed down");
  const owner = new Client(app);
  await owner.get("/login/sms");
  assert.equal((await owner.api("/api/sms_code", { phone: user.phone, purpose: "login" })).status, 200);
  const code = await latestLoginCode(app.sql, user.phone);
  assert.equal((await owner.post("/login/sms", { phone: user.phone, smsCode: code })).status, 303);
});
