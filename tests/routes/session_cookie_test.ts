/**
 * Session cookies through the whole app: a log-in (user or staff) or a registration posted while the
 * browser still carries an unknown session id ends logged in — the new session cookie is never followed by
 * a clearing one — and no response sets one cookie twice. The CSRF token is rotated with the session
 * (log-in, registration, log-out), and a token from before the log-in no longer works after it.
 */
import assert from "node:assert/strict";
import type { Db } from "../../db/tx.ts";
import { hashPassword } from "../../domain/accounts/password.ts";
import { createSession, hashSessionId, newSessionId } from "../../domain/accounts/session.ts";
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

/** The names of the cookies a response sets, failing when one name is set twice. */
function assertCookiesSetOnce(page: Page, where: string): string[] {
  const names = page.headers.getSetCookie().map((line) => line.slice(0, line.indexOf("=")).trim());
  assert.deepEqual(names, [...new Set(names)], `${where}: a cookie set twice: ${names.join(", ")}`);
  return names;
}

/** Put a cookie in the client's jar, as if an earlier response had set it. */
function plantCookie(c: Client, name: string, value: string): void {
  c.jar.take(new Response(null, { headers: { "set-cookie": `${name}=${value}; Path=/` } }));
}

async function createStaffMember(sql: Db): Promise<string> {
  const username = `s${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await sql`
    insert into staff (username, display_name, role, password_hash)
    values (${username}, ${"会话测试"}, ${"tech"}, ${await hashPassword(TEST_PASSWORD, { cost: 4 })})`;
  return username;
}

appTest("stale sid: a valid user log-in with an unknown sid cookie ends logged in", async (app) => {
  const user = await createUser(app.sql);
  const c = new Client(app);
  await c.get("/login");
  // the session ended elsewhere (another tab, expiry) after the form was shown; the browser still sends it
  plantCookie(c, "sid", newSessionId());
  const r = await c.post("/login", { phone: user.phone, password: TEST_PASSWORD });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get("location"), "/account");
  assertCookiesSetOnce(r, "POST /login");
  assert.ok(!r.headers.getSetCookie().some((l) => /^sid=;/.test(l)), "no clearing sid cookie");
  const account = await c.get("/account");
  assert.equal(account.status, 200, "logged in, not sent back to the log-in page");
});

appTest(
  "stale staff_sid: a valid staff log-in with an unknown staff_sid cookie ends logged in",
  async (app) => {
    const username = await createStaffMember(app.sql);
    const c = new Client(app);
    await c.get("/admin/login");
    plantCookie(c, "staff_sid", newSessionId());
    const first = await c.post("/admin/login", { username, password: TEST_PASSWORD });
    assertCookiesSetOnce(first, "POST /admin/login");
    // the second step (TOTP enrolment or code) creates the session
    const r = await c.completeStaffSecondFactor(first, username);
    assert.equal(r.status, 303);
    assert.equal(r.headers.get("location"), "/admin");
    assertCookiesSetOnce(r, "POST /admin/login/enrol");
    assert.ok(!r.headers.getSetCookie().some((l) => /^staff_sid=;/.test(l)), "no clearing staff_sid cookie");
    const admin = await c.get("/admin");
    assert.equal(admin.status, 200, "logged in to the back office");
  },
);

appTest("stale sid: registering with an unknown sid cookie ends logged in", async (app) => {
  const c = new Client(app);
  await c.get("/register");
  const phone = randomPhone();
  assert.equal((await c.api("/api/sms_code", { phone, purpose: "register" })).status, 200);
  plantCookie(c, "sid", newSessionId());
  const r = await c.post("/register", {
    kind: "investor",
    phone,
    smsCode: await latestSmsCode(app.sql, phone),
    password: TEST_PASSWORD,
    passwordConfirm: TEST_PASSWORD,
    acceptAgreements: "on",
  });
  assert.equal(r.status, 303);
  assertCookiesSetOnce(r, "POST /register");
  assert.equal((await c.get("/account")).status, 200);
});

appTest("a stale sid is still cleared on an ordinary page, once", async (app) => {
  const c = new Client(app);
  plantCookie(c, "sid", newSessionId());
  const page = await c.get("/");
  assert.equal(page.status, 200);
  const names = assertCookiesSetOnce(page, "GET / with a stale sid");
  assert.ok(names.includes("sid"), "the stale cookie is cleared");
  assert.equal(c.jar.get("sid"), undefined);
  // and the page's CSRF token works for the next form
  const user = await createUser(app.sql);
  await c.get("/login");
  assert.equal((await c.post("/login", { phone: user.phone, password: TEST_PASSWORD })).status, 303);
});

appTest(
  "CSRF token: rotated at log-in and log-out; a pre-log-in token is refused afterwards",
  async (app) => {
    const user = await createUser(app.sql);
    const c = new Client(app);
    await c.get("/login");
    const before = c.jar.get("csrf");
    const formToken = c.csrf;
    assert.ok(before);
    const login = await c.post("/login", { phone: user.phone, password: TEST_PASSWORD });
    assert.equal(login.status, 303);
    assertCookiesSetOnce(login, "POST /login");
    const after = c.jar.get("csrf");
    assert.ok(after && after !== before, "a new CSRF cookie at log-in");

    // an attacker who learnt the pre-log-in pair (cookie and form token) cannot use it in the session
    const replay = await app.handle(
      new Request(`${BASE}/logout`, {
        method: "POST",
        headers: {
          origin: BASE,
          cookie: `sid=${c.jar.get("sid")}; csrf=${before}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ _csrf: formToken }),
      }),
    );
    assert.equal(replay.status, 403, "the token from before the log-in is bound to no session");

    const account = await c.get("/account");
    assert.equal(account.status, 200);
    const out = await c.post("/logout", {});
    assert.equal(out.status, 303);
    assertCookiesSetOnce(out, "POST /logout");
    const afterLogout = c.jar.get("csrf");
    assert.ok(afterLogout && afterLogout !== after, "a new CSRF cookie at log-out");
    // the next page works with the rotated token
    await c.get("/login");
    assert.equal((await c.post("/login", { phone: user.phone, password: TEST_PASSWORD })).status, 303);
  },
);

appTest("CSRF token: rotated at registration", async (app) => {
  const c = new Client(app);
  await c.get("/register");
  const before = c.jar.get("csrf");
  const phone = randomPhone();
  assert.equal((await c.api("/api/sms_code", { phone, purpose: "register" })).status, 200);
  const r = await c.post("/register", {
    kind: "borrower",
    phone,
    smsCode: await latestSmsCode(app.sql, phone),
    password: TEST_PASSWORD,
    passwordConfirm: TEST_PASSWORD,
    acceptAgreements: "on",
  });
  assert.equal(r.status, 303);
  assert.ok(c.jar.get("csrf") && c.jar.get("csrf") !== before, "a new CSRF cookie at registration");
  assert.equal((await c.get("/account")).status, 200);
});

appTest(
  "a staff session is checked on public pages but only back-office requests keep it alive",
  async (app) => {
    const username = await createStaffMember(app.sql);
    const [{ id }] = await app.sql<{ id: string }[]>`select id from staff where username = ${username}`;
    const fiveMinutesAgo = new Date(Date.now() - 5 * 60_000);
    const session = await createSession(app.sql, {
      subjectType: "staff",
      subjectId: id,
      ip: null,
      userAgent: null,
      now: fiveMinutesAgo,
    });
    const lastSeen = async () => {
      const [row] = await app.sql<{ t: Date }[]>`
      select last_seen_at as t from sessions where id_hash = ${await hashSessionId(session.sessionId)}`;
      return row.t.getTime();
    };
    const c = new Client(app);
    plantCookie(c, "staff_sid", session.sessionId);
    assert.equal((await c.get("/")).status, 200);
    assert.equal(await lastSeen(), fiveMinutesAgo.getTime(), "a public page is not back-office activity");
    assert.equal(c.jar.get("staff_sid"), session.sessionId, "a live staff cookie is kept");
    assert.equal((await c.get("/admin")).status, 200);
    assert.ok(await lastSeen() > fiveMinutesAgo.getTime(), "an admin page slides the idle timeout");
  },
);
