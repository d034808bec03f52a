/**
 * `/login` and `/logout` through the whole app: cookie attributes, a new session id at every log-in,
 * wrong-password and lockout messages, safe `next=`, and log-out killing the session server-side.
 */
import assert from "node:assert/strict";
import { hashSessionId } from "../../domain/accounts/session.ts";
import { safeNextPath } from "../../utils.ts";
import { appTest, BASE, Client, createUser, TEST_PASSWORD } from "../helpers/forms.ts";

appTest(
  "login: success sets an HttpOnly SameSite=Lax cookie and a NEW session id every time",
  async (app) => {
    const user = await createUser(app.sql);
    const c = new Client(app);
    const form = await c.get("/login");
    assert.equal(form.res.status, 200);
    assert.match(form.html, /name="phone"/);

    const first = await c.post("/login", { phone: user.phone, password: TEST_PASSWORD });
    assert.equal(first.res.status, 303);
    assert.equal(first.res.headers.get("location"), "/account");
    const cookie = first.res.headers.getSetCookie().find((l) => l.startsWith("sid="));
    assert.ok(cookie);
    assert.match(cookie, /; Path=\//);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
    const sid1 = c.jar.get("sid")!;
    assert.match(sid1, /^[A-Za-z0-9_-]{43}$/);

    const account = await c.get("/account");
    assert.equal(account.res.status, 200);
    assert.ok(account.html.includes(`${user.phone.slice(0, 3)}****${user.phone.slice(-4)}`));

    // already signed in: the log-in page sends to the account
    const again = await c.get("/login");
    assert.equal(again.res.status, 303);
    assert.equal(again.res.headers.get("location"), "/account");

    // logging in again (e.g. another tab) rotates: new id, the old one is dead server-side
    const second = await c.post("/login", { phone: user.phone, password: TEST_PASSWORD });
    assert.equal(second.res.status, 303);
    const sid2 = c.jar.get("sid")!;
    assert.notEqual(sid2, sid1);
    const [{ n }] = await app.sql<{ n: bigint }[]>`
    select count(*) as n from sessions where id_hash = ${await hashSessionId(sid1)}`;
    assert.equal(n, 0n);
    const stale = await app.handle(new Request(`${BASE}/account`, { headers: { cookie: `sid=${sid1}` } }));
    assert.equal(stale.status, 303);

    // a fresh browser gets yet another id
    const other = new Client(app);
    await other.login(user.phone, TEST_PASSWORD);
    assert.ok(other.jar.get("sid"));
    assert.notEqual(other.jar.get("sid"), sid2);
  },
);

appTest("login: wrong password says how many attempts are left; the 5th locks the account", async (app) => {
  const user = await createUser(app.sql);
  const c = new Client(app);
  const wrong = await c.login(user.phone, "not-the-password");
  assert.equal(wrong.res.status, 422);
  assert.match(wrong.html, /手机号或密码错误，还可尝试 4 次/);
  assert.match(wrong.html, new RegExp(`name="phone" type="tel" value="${user.phone}"`), "phone kept");
  assert.ok(!wrong.html.includes("not-the-password"), "password not echoed");
  assert.equal(c.jar.get("sid"), undefined);

  for (const left of [3, 2, 1]) {
    const r = await c.post("/login", { phone: user.phone, password: "not-the-password" });
    assert.match(r.html, new RegExp(`还可尝试 ${left} 次`));
  }
  const locked = await c.post("/login", { phone: user.phone, password: "not-the-password" });
  assert.equal(locked.res.status, 429);
  assert.match(locked.html, /账户已锁定，请 15 分钟后再试/);
  // even the right password is refused while locked
  const right = await c.post("/login", { phone: user.phone, password: TEST_PASSWORD });
  assert.equal(right.res.status, 429);
  assert.match(right.html, /账户已锁定/);
  assert.equal(c.jar.get("sid"), undefined);
});

appTest("login: empty or malformed fields are field errors and count no failure", async (app) => {
  const c = new Client(app);
  const empty = await c.login("", "");
  assert.equal(empty.res.status, 422);
  assert.match(empty.html, /id="f-phone-error"[^>]*>请输入手机号码</);
  assert.match(empty.html, /id="f-password-error"[^>]*>请输入密码</);
  const bad = await c.post("/login", { phone: "12345", password: "x" });
  assert.equal(bad.res.status, 422);
  assert.match(bad.html, /id="f-phone-error"[^>]*>请输入正确的 11 位手机号码</);
  assert.match(bad.html, /name="phone" type="tel" value="12345"/);
});

appTest("login: next= goes only to same-site paths", async (app) => {
  const user = await createUser(app.sql);
  const ok = new Client(app);
  const form = await ok.get("/login?next=%2Faccount%2Fmessages");
  assert.match(form.html, /name="next" value="\/account\/messages"/);
  const r = await ok.post("/login", {
    phone: user.phone,
    password: TEST_PASSWORD,
    next: "/account/messages",
  });
  assert.equal(r.res.headers.get("location"), "/account/messages");

  for (
    const evil of [
      "//evil.example/x",
      "https://evil.example/",
      "/\\evil.example",
      "javascript:alert(1)",
      "account",
    ]
  ) {
    const c = new Client(app);
    const page = await c.get(`/login?next=${encodeURIComponent(evil)}`);
    assert.ok(!page.html.includes('name="next"'), `no hidden next for ${evil}`);
    const res = await c.post("/login", { phone: user.phone, password: TEST_PASSWORD, next: evil });
    assert.equal(res.res.status, 303);
    assert.equal(res.res.headers.get("location"), "/account", `refused ${evil}`);
  }
});

Deno.test("safeNextPath accepts site paths and refuses everything else", () => {
  assert.equal(safeNextPath("/account"), "/account");
  assert.equal(safeNextPath("/loans?page=2#x"), "/loans?page=2#x");
  for (
    const bad of [
      null,
      "",
      "//evil.example",
      "/\\evil",
      "http://evil",
      "evil",
      "/a\nb",
      "/" + "a".repeat(600),
    ]
  ) {
    assert.equal(safeNextPath(bad), null, String(bad));
  }
});

appTest("logout: POST kills the session server-side and clears the cookie; GET is 405", async (app) => {
  const user = await createUser(app.sql);
  const c = new Client(app);
  await c.login(user.phone, TEST_PASSWORD);
  const sid = c.jar.get("sid")!;
  assert.ok(sid);
  const account = await c.get("/account");
  assert.equal(account.res.status, 200);

  const get = await c.get("/logout");
  assert.equal(get.res.status, 405);

  const noToken = await c.send("/logout", {
    method: "POST",
    headers: { origin: BASE },
    body: new URLSearchParams(),
  });
  assert.equal(noToken.res.status, 403, "CSRF-protected");

  const out = await c.post("/logout", {});
  assert.equal(out.res.status, 303);
  assert.equal(out.res.headers.get("location"), "/");
  assert.ok(out.res.headers.getSetCookie().some((l) => /^sid=;.*Max-Age=0/.test(l)), "cookie cleared");
  assert.equal(c.jar.get("sid"), undefined);
  const [{ n }] = await app.sql<{ n: bigint }[]>`
    select count(*) as n from sessions where id_hash = ${await hashSessionId(sid)}`;
  assert.equal(n, 0n, "session row deleted");

  // replaying the old cookie does not work
  const replay = await app.handle(new Request(`${BASE}/account`, { headers: { cookie: `sid=${sid}` } }));
  assert.equal(replay.status, 303);
  assert.equal(replay.headers.get("location"), "/login?next=%2Faccount");
});
