/**
 * Security events (ASVS 16.3.1, 16.3.2): log-ins, failures, lockouts, registrations, refused admin requests
 * and CSRF refusals each write one structured event — name, account reference, client IP, request id,
 * time — and never a phone number, password, SMS code, session id or CSRF token.
 */
import assert from "node:assert/strict";
import type { Db } from "../../db/tx.ts";
import { ACCOUNT_LOCKOUT } from "../../domain/accounts/login.ts";
import { hashPassword } from "../../domain/accounts/password.ts";
import type { TestApp } from "../helpers/app.ts";
import { randomPhone } from "../helpers/db.ts";
import {
  appTest,
  BASE,
  Client,
  createUser,
  latestSmsCode,
  type Page,
  TEST_PASSWORD,
} from "../helpers/forms.ts";

type Event = Record<string, unknown>;

/** The security events the app logged for one client IP. */
function eventsOf(app: TestApp, ip: string): Event[] {
  return app.logs.filter((l) => l.msg === "security" && l.ip === ip);
}

function only(events: Event[], name: string): Event[] {
  return events.filter((e) => e.event === name);
}

/** Every event carries its name, time, IP and the request id of the answer it belongs to. */
function assertShape(event: Event, page: Page, ip: string): void {
  assert.equal(typeof event.event, "string");
  assert.equal(event.ip, ip);
  assert.equal(event.requestId, page.headers.get("x-request-id"), `request id of ${event.event}`);
  assert.ok(typeof event.time === "string" && !Number.isNaN(Date.parse(event.time)), "ISO time");
  assert.ok(JSON.stringify(event).length < 1000, "one short line");
}

function assertNoSecrets(events: Event[], secrets: string[]): void {
  const text = JSON.stringify(events);
  for (const s of secrets.filter((s) => s && s.length >= 6)) {
    assert.ok(!text.includes(s), `a secret leaked into the security log: ${s.slice(0, 4)}…`);
  }
}

async function staffMember(sql: Db, role: string): Promise<{ username: string; id: string }> {
  const username = `e${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const [{ id }] = await sql<{ id: string }[]>`
    insert into staff (username, display_name, role, password_hash)
    values (${username}, ${"事件测试"}, ${role}, ${await hashPassword(TEST_PASSWORD, { cost: 4 })})
    returning id`;
  return { username, id };
}

appTest(
  "security events: user log-in, failures, lockout — with account, IP, request id; no secrets",
  async (app) => {
    const user = await createUser(app.sql);
    const c = new Client(app);
    await c.get("/login");
    const wrong = await c.post("/login", { phone: user.phone, password: "wrong-password-1" });
    const [failed] = only(eventsOf(app, c.ip), "login.failed");
    assert.ok(failed, "login.failed logged");
    assertShape(failed, wrong, c.ip);
    assert.equal(failed.subject, "user");
    assert.equal(failed.userId, user.userId);
    assert.equal(failed.reason, "invalid_credentials");

    let last = wrong;
    for (let i = 1; i < ACCOUNT_LOCKOUT.maxFailures; i++) {
      last = await c.post("/login", { phone: user.phone, password: "wrong-password-1" });
    }
    const [lockout] = only(eventsOf(app, c.ip), "login.locked_out");
    assert.ok(lockout, "the failure that locks is logged as a lockout");
    assertShape(lockout, last, c.ip);
    assert.equal(lockout.scope, "account");
    assert.equal(lockout.userId, user.userId);
    const refused = await c.post("/login", { phone: user.phone, password: TEST_PASSWORD });
    assert.equal(refused.status, 429);
    assert.ok(only(eventsOf(app, c.ip), "login.refused_locked").length >= 1);

    // an unknown phone is referenced by its keyed hash, never by the number
    const unknownPhone = randomPhone();
    const other = new Client(app);
    await other.get("/login");
    await other.post("/login", { phone: unknownPhone, password: "wrong-password-2" });
    const [unknown] = only(eventsOf(app, other.ip), "login.failed");
    assert.ok(unknown);
    assert.equal(unknown.userId, undefined);
    assert.match(String(unknown.phoneHash), /^[0-9a-f]{16}$/);

    // (the first account is locked now) a second user logs in
    const second = await createUser(app.sql);
    const good = new Client(app);
    const done = await good.login(second.phone, TEST_PASSWORD);
    assert.equal(done.status, 303);
    const [succeeded] = only(eventsOf(app, good.ip), "login.succeeded");
    assert.ok(succeeded);
    assertShape(succeeded, done, good.ip);
    assert.equal(succeeded.userId, second.userId);

    const all = [...eventsOf(app, c.ip), ...eventsOf(app, other.ip), ...eventsOf(app, good.ip)];
    assertNoSecrets(all, [
      user.phone,
      second.phone,
      unknownPhone,
      "wrong-password-1",
      "wrong-password-2",
      TEST_PASSWORD,
      good.jar.get("sid")!,
      good.jar.get("csrf")!,
      c.jar.get("csrf")!,
    ]);
  },
);

appTest("security events: registration, staff log-in, admin 403 and CSRF refusals", async (app) => {
  // registration
  const r = new Client(app);
  await r.get("/register");
  const phone = randomPhone();
  await r.api("/api/sms_code", { phone, purpose: "register" });
  const code = await latestSmsCode(app.sql, phone);
  const registered = await r.post("/register", {
    kind: "investor",
    phone,
    smsCode: code,
    password: TEST_PASSWORD,
    passwordConfirm: TEST_PASSWORD,
    acceptAgreements: "on",
  });
  assert.equal(registered.status, 303);
  const [reg] = only(eventsOf(app, r.ip), "register.succeeded");
  assert.ok(reg, "register.succeeded logged");
  assertShape(reg, registered, r.ip);
  assert.match(String(reg.userId), /^\d+$/);

  // staff: a failed and a successful log-in, then a page the role may not see
  const staff = await staffMember(app.sql, "tech");
  const s = new Client(app);
  await s.get("/admin/login");
  const bad = await s.post("/admin/login", { username: staff.username, password: "wrong-password-3" });
  const [staffFailed] = only(eventsOf(app, s.ip), "login.failed");
  assert.ok(staffFailed);
  assertShape(staffFailed, bad, s.ip);
  assert.equal(staffFailed.subject, "staff");
  assert.equal(staffFailed.staffId, staff.id);
  const good = await s.completeStaffSecondFactor(
    await s.post("/admin/login", { username: staff.username, password: TEST_PASSWORD }),
    staff.username,
  );
  assert.equal(good.status, 303);
  assert.equal(only(eventsOf(app, s.ip), "login.succeeded")[0]?.staffId, staff.id);
  const forbidden = await s.get("/admin/users");
  assert.equal(forbidden.status, 403);
  const [denied] = only(eventsOf(app, s.ip), "admin.forbidden");
  assert.ok(denied, "admin.forbidden logged");
  assertShape(denied, forbidden, s.ip);
  assert.equal(denied.staffId, staff.id);
  assert.equal(denied.path, "/admin/users");

  // CSRF refusal
  const x = new Client(app);
  await x.get("/login");
  const forged = await x.send("/login", {
    method: "POST",
    headers: { origin: BASE },
    body: new URLSearchParams({ _csrf: "forged.token", phone: phone, password: "p" }),
  });
  assert.equal(forged.status, 403);
  const [csrfEvent] = only(eventsOf(app, x.ip), "csrf.refused");
  assert.ok(csrfEvent, "csrf.refused logged");
  assertShape(csrfEvent, forged, x.ip);
  assert.equal(csrfEvent.path, "/login");

  assertNoSecrets([...eventsOf(app, r.ip), ...eventsOf(app, s.ip), ...eventsOf(app, x.ip)], [
    phone,
    code,
    TEST_PASSWORD,
    "wrong-password-3",
    r.jar.get("sid")!,
    s.jar.get("staff_sid")!,
    x.jar.get("csrf")!,
    "forged.token",
  ]);
});
