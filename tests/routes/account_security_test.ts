/**
 * Account security through the whole app: the trade password page, the security centre with the bid
 * authorisation, the new-device SMS step of the log-in, the forgotten password, the login password, phone
 * and e-mail changes, and the staff second factor (enrolment, code, super-admin reset).
 */
import assert from "node:assert/strict";
import type { Db } from "../../db/tx.ts";
import { deliverOutbox } from "../helpers/outbox.ts";
import { randomPhone } from "../helpers/db.ts";
import {
  appTest,
  Client,
  createUser,
  latestSmsCode,
  mainOf,
  seededTestApp,
  TEST_PASSWORD,
} from "../helpers/forms.ts";
import { DEMO_PASSWORD } from "../../db/seed.ts";
import { hashPassword } from "../../domain/accounts/password.ts";
import { totpCode } from "../../domain/staff/totp.ts";

/** Deliver every due outbox event, also those that delivering makes (a notification's SMS). */
async function settle(sql: Db): Promise<void> {
  for (let i = 0; i < 5; i++) if ((await deliverOutbox(sql)).claimed === 0) return;
}

async function loggedIn(app: Parameters<Parameters<typeof appTest>[1]>[0]) {
  const user = await createUser(app.sql);
  await settle(app.sql); // the welcome SMS goes out first, so the next SMS read is the code
  const c = new Client(app);
  const r = await c.login(user.phone, TEST_PASSWORD);
  assert.equal(r.status, 303, r.html.slice(0, 300));
  return { c, user };
}

/** The login password as the proof for {@link postTradePassword}. */
const BY_LOGIN_PASSWORD = { method: "login_password", loginPassword: TEST_PASSWORD };

/** POSTs `newPassword` (typed twice) as the trade password; `proof`: the login password or an SMS code. */
function postTradePassword(
  c: Client,
  newPassword: string,
  proof: Record<string, string> = BY_LOGIN_PASSWORD,
) {
  return c.post("/account/trade-password", { newPassword, confirm: newPassword, ...proof });
}

/** POSTs the opening of the bid authorisation on the security centre. */
function openBidAuth(c: Client, fields: { cap: string; minutes: string; tradePassword: string }) {
  return c.post("/account/security", { intent: "open_bid_auth", ...fields });
}

/** A staff member with `TEST_PASSWORD` (no second factor yet): user name `prefix` + random. */
async function insertStaffWithPassword(
  sql: Db,
  prefix: string,
  displayName: string,
): Promise<{ id: string; username: string }> {
  const username = `${prefix}${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const [{ id }] = await sql<{ id: string }[]>`
    insert into staff (username, display_name, role, password_hash)
    values (${username}, ${displayName}, ${"tech"}, ${await hashPassword(TEST_PASSWORD, { cost: 4 })})
    returning id`;
  return { id, username };
}

appTest(
  "trade password page: bad input next to the field (422), then set with the login password",
  async (app) => {
    const { c, user } = await loggedIn(app);
    const form = await c.get("/account/trade-password");
    assert.equal(form.status, 200);
    assert.match(form.html, /设置交易密码/);
    const trivial = await postTradePassword(c, "123456");
    assert.equal(trivial.status, 422);
    assert.match(trivial.html, /交易密码过于简单/);
    const tail = await postTradePassword(c, user.phone.slice(-6));
    assert.equal(tail.status, 422);
    assert.match(tail.html, /手机号后 6 位/);
    const wrong = await postTradePassword(c, "258014", {
      method: "login_password",
      loginPassword: "not-my-password",
    });
    assert.equal(wrong.status, 422);
    assert.match(wrong.html, /登录密码错误，还可尝试 4 次/);
    const ok = await postTradePassword(c, "258014");
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get("location"), "/account/trade-password?done=set");
    const security = await c.get("/account/security");
    assert.match(mainOf(security.html), /data-item="trade_password"[\s\S]*?已设置/);
    await settle(app.sql); // the 「交易密码已设置」 SMS first

    // reset by SMS code (no verified identity: the code alone)
    const sent = await c.post("/account/trade-password", { intent: "send_code", method: "sms" });
    assert.equal(sent.status, 200);
    assert.match(sent.html, /验证码已发送至/);
    const code = await latestSmsCode(app.sql, user.phone);
    const reset = await postTradePassword(c, "730519", { method: "sms", smsCode: code });
    assert.equal(reset.status, 303);
    assert.equal(reset.headers.get("location"), "/account/trade-password?done=changed");
  },
);

appTest(
  "security centre: items with their next action; the bid authorisation opens and closes",
  async (app) => {
    const { c } = await loggedIn(app);
    const page = await c.get("/account/security");
    assert.equal(page.status, 200);
    for (const href of ["/account/phone", "/account/email", "/account/password", "/account/trade-password"]) {
      assert.ok(page.html.includes(`href="${href}"`), href);
    }
    for (
      const href of ["/account/identity", "/account/cards", "/account/video", "/account/risk-assessment"]
    ) {
      assert.ok(page.html.includes(`href="${href}"`), href);
    }
    const notSet = await openBidAuth(c, { cap: "1000", minutes: "10", tradePassword: "258014" });
    assert.equal(notSet.status, 422);
    assert.match(notSet.html, /尚未设置交易密码/);
    await c.get("/account/trade-password");
    await postTradePassword(c, "258014");
    await c.get("/account/security");
    const badCap = await openBidAuth(c, { cap: "1.234", minutes: "10", tradePassword: "258014" });
    assert.equal(badCap.status, 422);
    assert.match(badCap.html, /最多两位小数/);
    const tooBig = await openBidAuth(c, { cap: "2000000", minutes: "10", tradePassword: "258014" });
    assert.equal(tooBig.status, 422);
    assert.match(tooBig.html, /100 元至 100 万元/);
    const wrong = await openBidAuth(c, { cap: "1000", minutes: "10", tradePassword: "000001" });
    assert.equal(wrong.status, 422);
    assert.match(wrong.html, /交易密码错误，还可尝试 4 次/);
    const ok = await openBidAuth(c, { cap: "1,000.50", minutes: "15", tradePassword: "258014" });
    assert.equal(ok.status, 303);
    const open = await c.get("/account/security?done=opened");
    assert.match(open.html, /data-bid-auth="open"/);
    assert.match(open.html, /¥1,000\.50/);
    const closed = await c.post("/account/security", { intent: "close_bid_auth" });
    assert.equal(closed.status, 303);
    assert.doesNotMatch((await c.get("/account/security")).html, /data-bid-auth="open"/);
  },
);

appTest("log-in from a new device: the SMS code to the account's phone confirms it", async (app) => {
  const user = await createUser(app.sql);
  await settle(app.sql);
  const c = new Client(app, { device: null });
  const first = await c.login(user.phone, TEST_PASSWORD, { next: "/account/security" });
  assert.equal(first.status, 303);
  assert.equal(first.headers.get("location"), "/login/device");
  assert.ok(c.jar.get("did"), "a device cookie was set");
  assert.equal(c.jar.get("sid"), undefined, "no session yet");
  const page = await c.get("/login/device");
  assert.equal(page.status, 200);
  assert.ok(page.html.includes(`${user.phone.slice(0, 3)}****${user.phone.slice(7)}`));
  const empty = await c.post("/login/device", { smsCode: "" });
  assert.equal(empty.status, 422);
  const code = await latestSmsCode(app.sql, user.phone);
  const wrong = await c.post("/login/device", { smsCode: code === "000000" ? "111111" : "000000" });
  assert.equal(wrong.status, 422);
  assert.match(wrong.html, /验证码错误/);
  const ok = await c.post("/login/device", { smsCode: code });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get("location"), "/account/security");
  assert.equal((await c.get("/account")).status, 200);
  // the same browser next time: no step
  await c.post("/logout", {});
  const again = await c.login(user.phone, TEST_PASSWORD);
  assert.equal(again.headers.get("location"), "/account");
  // no pending cookie: the step page sends back to the log-in
  const stranger = new Client(app, { device: null });
  assert.equal((await stranger.get("/login/device")).headers.get("location"), "/login");
});

appTest("forgotten password: uniform answer, then reset with the code; all sessions end", async (app) => {
  const login = await app.handle(new Request("http://localhost/login"));
  assert.match(await login.text(), /href="\/reset-password"/);
  const { c, user } = await loggedIn(app);
  const other = new Client(app);
  await other.get("/reset-password");
  const stranger = await other.post("/reset-password", { intent: "send_code", phone: randomPhone() });
  const owner = await other.post("/reset-password", { intent: "send_code", phone: user.phone });
  assert.equal(stranger.status, 200);
  assert.equal(owner.status, 200);
  assert.match(stranger.html, /验证码已发送/);
  assert.match(owner.html, /验证码已发送/);
  /** POSTs the reset with `newPassword` typed twice. */
  const reset = (phone: string, smsCode: string, newPassword: string) =>
    other.post("/reset-password", { phone, smsCode, newPassword, confirm: newPassword });
  const bad = await reset("123", "x", "");
  assert.equal(bad.status, 422);
  assert.match(bad.html, /请输入正确的 11 位手机号码/);
  const code = await latestSmsCode(app.sql, user.phone);
  const weak = await reset(user.phone, code, "password");
  assert.equal(weak.status, 422);
  const ok = await reset(user.phone, code, "Reset-2027-ok!");
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get("location"), "/reset-password?done=1");
  const account = await c.get("/account");
  assert.equal(account.status, 303, "the signed-in browser was logged out");
  assert.equal((await new Client(app).login(user.phone, "Reset-2027-ok!")).status, 303);
});

appTest("login password change: other sessions end, this one continues", async (app) => {
  const { c, user } = await loggedIn(app);
  const other = new Client(app);
  await other.login(user.phone, TEST_PASSWORD);
  await c.get("/account/password");
  /** POSTs the change from TEST_PASSWORD to `newPassword` typed twice. */
  const change = (newPassword: string) =>
    c.post("/account/password", { oldPassword: TEST_PASSWORD, newPassword, confirm: newPassword });
  const weak = await change("12345678");
  assert.equal(weak.status, 422);
  const ok = await change("Change-2027-ok!");
  assert.equal(ok.status, 303);
  assert.equal((await c.get("/account")).status, 200, "this browser continues");
  assert.equal((await other.get("/account")).status, 303, "the other browser is logged out");
});

appTest("phone change through the page: codes to both phones", async (app) => {
  const { c, user } = await loggedIn(app);
  const newPhone = randomPhone();
  await c.get("/account/phone");
  const sentOld = await c.post("/account/phone", { intent: "send_old", newPhone });
  assert.equal(sentOld.status, 200);
  const sentNew = await c.post("/account/phone", { intent: "send_new", newPhone });
  assert.equal(sentNew.status, 200);
  const oldCode = await latestSmsCode(app.sql, user.phone);
  const newCode = await latestSmsCode(app.sql, newPhone);
  const same = await c.post("/account/phone", {
    loginPassword: TEST_PASSWORD,
    oldCode,
    newPhone: user.phone,
    newCode,
  });
  assert.equal(same.status, 422);
  assert.match(same.html, /不能与当前手机号相同/);
  const ok = await c.post("/account/phone", { loginPassword: TEST_PASSWORD, oldCode, newPhone, newCode });
  assert.equal(ok.status, 303, ok.html.slice(0, 500));
  const done = await c.get("/account/phone?done=1");
  assert.ok(done.html.includes(`${newPhone.slice(0, 3)}****${newPhone.slice(7)}`));
  assert.equal(
    (await new Client(app).login(newPhone, TEST_PASSWORD)).status,
    303,
    "log in with the new phone",
  );
});

async function latestEmailLink(sql: Db, to: string): Promise<string> {
  await deliverOutbox(sql);
  const [row] = await sql<{ body: string }[]>`
    select body from sandbox_messages where channel = 'email' and recipient = ${to} order by id desc limit 1`;
  const m = row && /(\/email\/confirm\?token=[A-Za-z0-9_-]{43})/.exec(row.body);
  assert.ok(m, `no confirmation link for ${to}`);
  return m[1];
}

appTest("email binding: the link from the e-mail binds the address once", async (app) => {
  const { c } = await loggedIn(app);
  const email = `b${crypto.randomUUID().slice(0, 8)}@example.com`;
  await c.get("/account/email");
  const bad = await c.post("/account/email", { email: "nope", loginPassword: TEST_PASSWORD });
  assert.equal(bad.status, 422);
  assert.match(bad.html, /请输入正确的电子邮箱地址/);
  const sent = await c.post("/account/email", { email, loginPassword: TEST_PASSWORD });
  assert.equal(sent.status, 303);
  const link = await latestEmailLink(app.sql, email);
  const anon = new Client(app);
  const confirmPage = await anon.get(link);
  assert.equal(confirmPage.status, 200);
  assert.match(confirmPage.html, /确认绑定/);
  const token = new URL(`http://x${link}`).searchParams.get("token")!;
  const ok = await anon.post("/email/confirm", { token });
  assert.equal(ok.status, 200);
  assert.match(ok.html, /已绑定成功/);
  const again = await anon.post("/email/confirm", { token });
  assert.equal(again.status, 422);
  assert.match(again.html, /链接无效或已使用/);
  assert.match((await c.get("/account/security")).html, /data-item="email"[\s\S]*?已绑定/);
});

appTest(
  "staff 2FA: enrolment page (QR, secret, recovery codes), wrong code, then the code logs in",
  async (app) => {
    const { username } = await insertStaffWithPassword(app.sql, "e", "绑定测试");
    const c = new Client(app);
    await c.get("/admin/login");
    const first = await c.post("/admin/login", { username, password: TEST_PASSWORD, next: "/admin/audit" });
    assert.equal(first.status, 303);
    assert.equal(first.headers.get("location"), "/admin/login/enrol");
    assert.equal(c.jar.get("staff_sid"), undefined, "the password alone opens no session");
    assert.equal((await c.get("/admin/audit")).status, 303, "no access before the second step");
    const enrol = await c.get("/admin/login/enrol");
    assert.equal(enrol.status, 200);
    assert.match(enrol.html, /<svg/);
    assert.doesNotMatch(enrol.html, /<script(?![^>]*src=)/);
    const secret = /data-totp-secret="([A-Z2-7]+)"/.exec(enrol.html)![1];
    assert.equal([...enrol.html.matchAll(/<li\s*>[a-z2-9]{4}-[a-z2-9]{4}<\/li>/g)].length, 10);
    const wrong = await c.post("/admin/login/enrol", { code: "000000" });
    assert.equal(wrong.status, 401);
    assert.match(wrong.html, /验证码错误，还可尝试 4 次/);
    const ok = await c.post("/admin/login/enrol", { code: totpCode(secret) });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get("location"), "/admin/audit");
    assert.ok(c.jar.get("staff_sid"), "signed in");
    assert.notEqual((await c.get("/admin/audit")).status, 303, "no longer sent to the log-in");
    // next time: the code page
    const d = new Client(app);
    await d.get("/admin/login");
    const again = await d.post("/admin/login", { username, password: TEST_PASSWORD });
    assert.equal(again.headers.get("location"), "/admin/login/totp");
    const totp = await d.get("/admin/login/totp");
    assert.match(totp.html, /动态验证码/);
    const empty = await d.post("/admin/login/totp", { code: "" });
    assert.equal(empty.status, 422);
    // no pending cookie: back to step 1
    assert.equal((await new Client(app).get("/admin/login/totp")).headers.get("location"), "/admin/login");
  },
);

appTest("staff 2FA: a super administrator resets a member's second factor from /admin/staff", async () => {
  const app = await seededTestApp();
  const admin = new Client(app);
  assert.equal((await admin.staffLogin("admin", DEMO_PASSWORD)).status, 303);
  const { id, username } = await insertStaffWithPassword(app.sql, "r", "重置测试");
  const member = new Client(app);
  assert.equal((await member.staffLogin(username, TEST_PASSWORD)).status, 303);
  const page = await admin.get("/admin/staff");
  assert.match(page.html, /重置两步验证/);
  const noReason = await admin.post("/admin/staff", {
    intent: "reset_totp",
    totpStaffId: id,
    totpReason: "",
  });
  assert.equal(noReason.status, 400);
  assert.match(noReason.html, /请填写原因/);
  const ok = await admin.post("/admin/staff", {
    intent: "reset_totp",
    totpStaffId: id,
    totpReason: "手机丢失，已核实身份",
  });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get("location"), "/admin/staff?done=totp_reset");
  assert.equal((await member.get("/admin")).status, 303, "the member was logged out");
  const [audit] = await app
    .sql`select 1 from audit_log where action = 'staff.totp_reset' and target = ${`staff:${id}`}`;
  assert.ok(audit);
  const c = new Client(app);
  await c.get("/admin/login");
  const again = await c.post("/admin/login", { username, password: TEST_PASSWORD });
  assert.equal(again.headers.get("location"), "/admin/login/enrol");
});

appTest("staff 2FA: /admin/security shows the state and regenerates recovery codes", async (app) => {
  const { username } = await insertStaffWithPassword(app.sql, "g", "恢复码测试");
  const c = new Client(app);
  assert.equal((await c.staffLogin(username, TEST_PASSWORD)).status, 303);
  const page = await c.get("/admin/security");
  assert.equal(page.status, 200);
  assert.match(page.html, /已开启，剩余恢复码 10 个/);
  const bad = await c.post("/admin/security", { code: "12" });
  assert.equal(bad.status, 422);
  const [row] = await app.sql<{ staffId: string; secretEnc: Uint8Array }[]>`
    select t.staff_id as "staffId", t.secret_enc as "secretEnc" from staff_totp t join staff s on s.id = t.staff_id
    where s.username = ${username}`;
  await app.sql`update staff_totp set last_used_step = null where staff_id = ${row.staffId}`;
  const ok = await c.post("/admin/security", {
    code: totpCode(await app.services.pii.decrypt(row.secretEnc)),
  });
  assert.equal(ok.status, 200);
  assert.match(ok.html, /已生成新的恢复码/);
  assert.equal([...ok.html.matchAll(/<li\s*>[a-z2-9]{4}-[a-z2-9]{4}<\/li>/g)].length, 10);
});
