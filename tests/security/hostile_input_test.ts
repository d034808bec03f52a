/**
 * Hostile input through the whole app: oversized bodies (413 before buffering), overlong fields, broken
 * percent-encoding and UTF-8, NUL bytes, header injection and open redirects through `next=`, reflected
 * XSS, static-file path traversal, method confusion, HEAD, and bodies of the wrong type. Then, on real
 * Postgres only, races: one SMS code used by two registrations, and a burst of wrong passwords.
 */
import assert from "node:assert/strict";
import { DEFAULT_MAX_BODY_BYTES } from "../../framework/mod.ts";
import { hashPassword, PASSWORD_MAX_BYTES, verifyPassword } from "../../domain/accounts/password.ts";
import { requestSmsCode } from "../../domain/accounts/sms_code.ts";
import { registerUser } from "../../domain/accounts/user.ts";
import { ACCOUNT_LOCKOUT, loginUser } from "../../domain/accounts/login.ts";
import { loginStaff, STAFF_LOCKOUT } from "../../domain/staff/staff.ts";
import { testOutbox } from "../helpers/outbox.ts";
import type { TestApp } from "../helpers/app.ts";
import { dbTest, randomPhone } from "../helpers/db.ts";
import { appTest, BASE, Client, createUser, randomIp, TEST_PASSWORD, testCipher } from "../helpers/forms.ts";

const MiB = 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;

/** A body of `totalBytes` produced on demand, recording how much of it the server pulled. */
function meteredBody(
  totalBytes: number,
  byte = 0x61,
): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let sent = 0;
  const chunk = new Uint8Array(CHUNK_BYTES).fill(byte);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= totalBytes) return controller.close();
      const n = Math.min(CHUNK_BYTES, totalBytes - sent);
      sent += n;
      controller.enqueue(n === CHUNK_BYTES ? chunk : chunk.subarray(0, n));
    },
  }, { highWaterMark: 0 });
  return { stream, pulled: () => sent };
}

/** A client that has loaded `path` (so it holds the CSRF cookie and token). */
async function clientOn(path = "/login"): Promise<Client> {
  const c = new Client();
  await c.get(path);
  assert.ok(c.csrf, "the page has a CSRF token");
  return c;
}

// ---------------------------------------------------------------------------------------------------
// Oversized bodies

appTest(
  "body limit: a 10 MB form POST to /login with Content-Length is refused with 413, unread",
  async () => {
    const c = await clientOn();
    const body = meteredBody(10 * MiB);
    const r = await c.send("/login", {
      method: "POST",
      headers: {
        origin: BASE,
        "content-type": "application/x-www-form-urlencoded",
        "content-length": String(10 * MiB),
        "x-csrf-token": c.csrf,
      },
      body: body.stream,
    });
    assert.equal(r.status, 413);
    assert.match(r.html, /内容过大/);
    assert.ok(body.pulled() <= CHUNK_BYTES, `pulled ${body.pulled()} bytes of a refused body`);
  },
);

appTest(
  "body limit: a 10 MB chunked form (no Content-Length) stops being read past 64 KiB → 413",
  async () => {
    const c = await clientOn();
    const body = meteredBody(10 * MiB);
    const r = await c.send("/login", {
      method: "POST",
      headers: { origin: BASE, "content-type": "application/x-www-form-urlencoded" },
      body: body.stream,
    });
    assert.equal(r.status, 413);
    assert.match(r.html, /内容过大/);
    assert.ok(body.pulled() <= DEFAULT_MAX_BODY_BYTES + 2 * CHUNK_BYTES, `pulled ${body.pulled()} bytes`);
  },
);

appTest(
  "body limit: a 5 MB JSON body to /api/sms_code is 413 payload_too_large (declared or streamed)",
  async () => {
    const c = await clientOn("/register");
    const json = `{"phone":"13800000000","purpose":"register","pad":"${"x".repeat(5 * MiB)}"}`;
    const declared = await c.send("/api/sms_code", {
      method: "POST",
      headers: { origin: BASE, "content-type": "application/json", "x-csrf-token": c.csrf },
      body: json,
    });
    assert.equal(declared.status, 413);
    assert.equal((JSON.parse(declared.html) as { error: { code: string } }).error.code, "payload_too_large");

    // Streamed without a length: the handler's own `catch` must not turn it into a 400.
    const body = meteredBody(5 * MiB, 0x20);
    const streamed = await c.send("/api/sms_code", {
      method: "POST",
      headers: { origin: BASE, "content-type": "application/json", "x-csrf-token": c.csrf },
      body: body.stream,
    });
    assert.equal(streamed.status, 413);
    assert.equal((JSON.parse(streamed.html) as { error: { code: string } }).error.code, "payload_too_large");
    assert.ok(body.pulled() <= DEFAULT_MAX_BODY_BYTES + 2 * CHUNK_BYTES, `pulled ${body.pulled()} bytes`);
  },
);

appTest("body limit: a lying Content-Length or a huge multipart upload is refused as well", async () => {
  const c = await clientOn("/register");
  const bogus = await c.send("/register", {
    method: "POST",
    headers: { origin: BASE, "content-type": "application/x-www-form-urlencoded", "content-length": "-1" },
    body: "phone=1",
  });
  assert.equal(bogus.status, 413);
  const form = new FormData();
  form.set("_csrf", c.csrf);
  form.set("phone", new Blob([new Uint8Array(MiB)]), "big.bin");
  const upload = await c.send("/register", { method: "POST", headers: { origin: BASE }, body: form });
  assert.equal(upload.status, 413);
});

// ---------------------------------------------------------------------------------------------------
// Overlong fields

appTest(
  "overlong fields: 60 KB phone/password on /login are Chinese errors; 100 KB is 413, never 500",
  async () => {
    const c = await clientOn();
    const longPhone = await c.post("/login", { phone: "1".repeat(60_000), password: "whatever-1" });
    assert.equal(longPhone.status, 422);
    assert.match(longPhone.html, /手机号码/);
    assert.ok(!longPhone.html.includes("1".repeat(100)), "the page does not echo the whole field");

    const longPassword = await c.post("/login", { phone: randomPhone(), password: "p".repeat(60_000) });
    assert.equal(longPassword.status, 422);
    assert.match(longPassword.html, /手机号或密码错误/);

    const huge = await c.post("/login", { phone: "1".repeat(100_000), password: "p".repeat(100_000) });
    assert.equal(huge.status, 413);
    assert.match(huge.html, /内容过大/);
  },
);

appTest("overlong fields: /register with 60 KB in every field answers Chinese field errors", async () => {
  const c = await clientOn("/register");
  const long = "9".repeat(8_000);
  const r = await c.post("/register", {
    kind: long,
    phone: long,
    smsCode: long,
    password: "a1".repeat(6_000),
    passwordConfirm: "b2".repeat(6_000), // 56 KB in all: under the 64 KiB body limit
    inviteCode: long,
    intent: "register",
  });
  assert.equal(r.status, 422);
  for (
    const message of ["请选择注册身份", "手机号码", "6 位数字短信验证码", "密码过长", "两次输入的密码不一致"]
  ) {
    assert.ok(r.html.includes(message), `missing error: ${message}`);
  }
  assert.ok(!r.html.includes("9".repeat(40)), "overlong values are not echoed in full");
});

appTest("overlong fields: /api/sms_code with a 60 KB phone is 400 invalid_input in Chinese", async () => {
  const c = await clientOn("/register");
  const r = await c.api("/api/sms_code", { phone: "1".repeat(60_000), purpose: "register" });
  assert.equal(r.status, 400);
  const error = (r.json as { error: { code: string; fields: { phone: string[] } } }).error;
  assert.equal(error.code, "invalid_input");
  assert.match(error.fields.phone[0], /手机号/);
});

Deno.test("overlong password: bcrypt's 72-byte cut is not a second password", async () => {
  const password = "Aa1!".repeat(PASSWORD_MAX_BYTES / 4);
  const hash = await hashPassword(password, { cost: 4 });
  assert.equal(await verifyPassword(password, hash), true);
  assert.equal(await verifyPassword(password + "anything", hash), false);
  assert.equal(await verifyPassword("x".repeat(100_000), hash), false);
});

// ---------------------------------------------------------------------------------------------------
// Encoding, NUL bytes

appTest("broken percent-encoding and UTF-8 in paths and queries: 400/404/redirect, never 500", async () => {
  const c = new Client();
  const expected: [string, number][] = [
    ["/%E0%A4%A", 404],
    ["/%ff", 404],
    ["/help/%ff%fe", 404],
    ["/%00", 404],
    ["/calculator%00", 404],
    ["/styles.css%00.txt", 404],
    ["/calculator?principal=%ZZ&annualRate=7&months=6&method=equal_installment", 400],
    ["/calculator?principal=%E0%A4%A&annualRate=%ff&months=6&method=bullet", 400],
    ["/calculator?principal=1%00&annualRate=7&months=6&method=equal_installment", 400],
    ["/api/calculator?principal=%ZZ&annualRate=7&months=6&method=equal_installment", 400],
    ["/api/calculator?principal=100&annualRate=7&months=6&method=%00", 400],
    ["/login?next=%ff%fe", 200],
    ["/admin/%ff", 303],
    ["/account/%E0", 303],
  ];
  for (const [path, status] of expected) {
    const r = await c.get(path);
    assert.equal(r.status, status, path);
  }
  const api = await c.get("/api/calculator?principal=%ZZ&annualRate=7&months=6&method=equal_installment");
  assert.equal((JSON.parse(api.html) as { error: { code: string } }).error.code, "invalid_input");
});

appTest("NUL bytes in form fields and JSON are field errors, never 500", async () => {
  const c = await clientOn();
  const login = await c.post("/login", { phone: "138\u00000000000", password: "pass\u0000word" });
  assert.equal(login.status, 422);
  assert.match(login.html, /手机号码/);
  await c.get("/register");
  const register = await c.post("/register", {
    kind: "investor\u0000",
    phone: "\u0000",
    smsCode: "12345\u0000",
    password: "\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000x",
    inviteCode: "AB\u0000CD",
    acceptAgreements: "on",
  });
  assert.equal(register.status, 422);
  const api = await c.api("/api/sms_code", { phone: "1380000\u00000000", purpose: "register\u0000" });
  assert.equal(api.status, 400);
  assert.equal((api.json as { error: { code: string } }).error.code, "invalid_input");
});

// ---------------------------------------------------------------------------------------------------
// next=: header injection, open redirects

appTest("next=: CR/LF cannot inject a header, on the form or after log-in", async (app) => {
  const c = new Client(app);
  const form = await c.get("/login?next=%0d%0aSet-Cookie:x=1");
  assert.equal(form.status, 200);
  assert.ok(!form.html.includes('name="next"'), "an unsafe next is dropped from the form");
  assert.ok(!form.headers.getSetCookie().some((l) => l.startsWith("x=")));

  const user = await createUser(app.sql);
  const r = await c.post("/login", {
    phone: user.phone,
    password: TEST_PASSWORD,
    next: "/account\r\nSet-Cookie: x=1",
  });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get("location"), "/account");
  assert.ok(!r.headers.getSetCookie().some((l) => l.startsWith("x=")));
});

appTest(
  "next=: open redirects (//host, /\\host, https:host, absolute) all land on this site",
  async (app) => {
    const user = await createUser(app.sql);
    const hostile = [
      "//evil.example",
      "///evil.example",
      "/\\evil.example",
      "\\\\evil.example",
      "https:evil.example",
      "https://evil.example/",
      "http:/evil.example",
      "javascript:alert(1)",
      "/\t/evil.example",
      " //evil.example",
      "/%2F%2Fevil.example",
      "/.//evil.example",
    ];
    for (const next of hostile) {
      const c = new Client(app);
      const r = await c.login(user.phone, TEST_PASSWORD, { next });
      assert.equal(r.status, 303, next);
      const location = r.headers.get("location")!;
      assert.ok(location.startsWith("/") && !location.startsWith("//") && !location.includes("\\"), location);
      assert.equal(new URL(location, BASE).origin, BASE, `${next} → ${location}`);
      // already logged in: GET /login?next= redirects too
      const again = await c.get(`/login?next=${encodeURIComponent(next)}`);
      assert.equal(new URL(again.headers.get("location")!, BASE).origin, BASE, next);
    }
    const staff = new Client(app);
    const admin = await staff.get(`/admin/login?next=${encodeURIComponent("//evil.example/admin")}`);
    assert.ok(!admin.html.includes("evil.example"), "the admin form drops a foreign next");
  },
);

appTest("Host header: no page, link or redirect takes a forged Host or X-Forwarded-Host", async (app) => {
  const user = await createUser(app.sql);
  const c = new Client(app);
  assert.equal((await c.login(user.phone, TEST_PASSWORD)).status, 303);
  const paths = [
    "/",
    "/login",
    "/login/sms",
    "/register",
    "/help",
    "/risk",
    "/disclosure",
    "/calculator",
    "/account",
  ];
  for (const path of paths) {
    const res = await app.handle(
      new Request(`http://evil.example${path}`, {
        headers: { host: "evil.example", "x-forwarded-host": "evil2.example", cookie: c.jar.header() },
      }),
      { ip: c.ip },
    );
    const body = await res.text();
    assert.ok(!/evil2?\.example/.test(body), `${path}: forged host in the page`);
    assert.ok(!/evil2?\.example/.test(res.headers.get("location") ?? ""), `${path}: forged host in Location`);
  }
});

appTest(
  "X-Forwarded-For from an untrusted peer does not pick the client IP (no trusted proxies set)",
  async (app) => {
    // 20 failures from one address with a different forged header each: still one address, so it locks
    const ip = randomIp();
    const c = new Client(app, { ip });
    await c.get("/login");
    let last = null;
    for (let i = 0; i < 21; i++) {
      last = await c.send("/login", {
        method: "POST",
        headers: { origin: BASE, "x-forwarded-for": randomIp() },
        body: new URLSearchParams({ _csrf: c.csrf, phone: randomPhone(), password: "wrong-password-1" }),
      });
    }
    assert.equal(last!.status, 429);
    assert.match(last!.html, /该网络登录尝试过多/);
  },
);

// ---------------------------------------------------------------------------------------------------
// Reflected XSS

const XSS = ["<script>xss1</script>", '"><img src=x onerror=xss2>', "'><svg onload=xss3>"];

function assertNoRawPayload(html: string, where: string): void {
  for (const needle of ["<script>xss1", "<img src=x onerror=xss2", "<svg onload=xss3"]) {
    assert.ok(!html.includes(needle), `${where}: raw ${needle}`);
  }
}

appTest("XSS: the register form escapes every reflected field (and island props)", async () => {
  for (const payload of XSS) {
    const c = await clientOn("/register");
    const r = await c.post("/register", {
      kind: payload,
      phone: payload,
      smsCode: payload,
      password: payload,
      inviteCode: payload,
      acceptAgreements: "on",
    });
    assert.equal(r.status, 422);
    assertNoRawPayload(r.html, "register");
    assert.ok(r.html.includes("&lt;") || r.html.includes("&quot;") || r.html.includes("&#39;"), "escaped");
    const sent = await c.post("/register", { intent: "send_code", phone: payload });
    assert.equal(sent.status, 422);
    assertNoRawPayload(sent.html, "register send_code");
    const invite = await c.get(`/register?invite=${encodeURIComponent(payload)}`);
    assertNoRawPayload(invite.html, "register ?invite");
  }
});

appTest("XSS: login phone, calculator params and the 404 page escape payloads", async () => {
  for (const payload of XSS) {
    const c = await clientOn();
    const login = await c.post("/login", { phone: payload, password: "x" });
    assert.equal(login.status, 422);
    assertNoRawPayload(login.html, "login");
    assert.ok(login.html.includes("&lt;") || login.html.includes("&quot;") || login.html.includes("&#39;"));

    const q = encodeURIComponent(payload);
    const calc = await c.get(`/calculator?principal=${q}&annualRate=${q}&months=${q}&method=${q}&days=${q}`);
    assert.equal(calc.status, 400);
    assertNoRawPayload(calc.html, "calculator");
    const api = await c.get(`/api/calculator?principal=${q}&annualRate=7&months=6&method=${q}`);
    assert.equal(api.status, 400);
    assert.match(api.headers.get("content-type")!, /^application\/json/);
    const missing = await c.get(`/${q}`);
    assert.equal(missing.status, 404);
    assertNoRawPayload(missing.html, "404");
  }
});

appTest("XSS: the staff user filters escape payloads", async (app) => {
  const username = `x${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await app.sql`
    insert into staff (username, display_name, role, password_hash)
    values (${username}, ${"安全测试"}, ${"super_admin"}, ${await hashPassword(TEST_PASSWORD, { cost: 4 })})`;
  const c = new Client(app);
  const login = await c.staffLogin(username, TEST_PASSWORD);
  assert.equal(login.status, 303);
  for (const payload of XSS) {
    const q = encodeURIComponent(payload);
    const r = await c.get(`/admin/users?kind=${q}&status=${q}&from=${q}&to=${q}&phone=${q}&page=${q}`);
    assert.equal(r.status, 200);
    assertNoRawPayload(r.html, "admin users");
    assert.match(r.html, /请选择正确的用户类型/);
  }
});

// ---------------------------------------------------------------------------------------------------
// Ids past bigint, days outside Postgres's range: field errors or ignored filters, never 500

/** Ids and days that Postgres refuses (out of `bigint`, year 0, past year 9999, not a calendar day). */
const HOSTILE_VALUES = [
  "9223372036854775808",
  "99999999999999999999",
  "18446744073709551616",
  "-9223372036854775809",
  "0",
  "-1",
  "007",
  "1e400",
  "0x10",
  "1.5",
  " 1",
  "NaN",
  "Infinity",
  "0000-01-01",
  "9999-12-31",
  "+275760-09-13",
  "-000001-01-01",
  "2026-02-30",
  "2026-13-01",
  "1970-01-01T00:00:00Z",
];

/** Every query parameter any route reads (and some it does not). */
const PROBED_PARAMS = [
  "id",
  "page",
  "before",
  "staff",
  "staffId",
  "userId",
  "from",
  "to",
  "kind",
  "status",
  "action",
  "channel",
  "done",
  "verify",
  "format",
  "read",
  "welcome",
  "invite",
  "principal",
  "annualRate",
  "months",
  "method",
  "days",
];

/** A signed-in super admin (a fresh one, so lock-outs of other tests cannot interfere). */
async function superAdmin(app: TestApp, c: Client): Promise<void> {
  const username = `h${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await app.sql`
    insert into staff (username, display_name, role, password_hash)
    values (${username}, ${"越界测试"}, ${"super_admin"}, ${await hashPassword(TEST_PASSWORD, { cost: 4 })})`;
  const login = await c.staffLogin(username, TEST_PASSWORD);
  assert.equal(login.status, 303, login.html.slice(0, 300));
}

/** The URL patterns of every page and API route, from the build's route manifest. */
async function routePatterns(): Promise<string[]> {
  const manifest = JSON.parse(
    await Deno.readTextFile(new URL("../../_build/manifest.json", import.meta.url)),
  );
  return (manifest.routes as { kind: string; pattern: string }[])
    .filter((r) => r.kind === "route")
    .map((r) => r.pattern);
}

appTest(
  "out-of-range ids and days: every route, signed in as user and super admin, answers < 500",
  async (app) => {
    const c = new Client(app);
    const user = await createUser(app.sql);
    assert.equal((await c.login(user.phone, TEST_PASSWORD)).status, 303);
    await superAdmin(app, c);
    const patterns = await routePatterns();
    assert.ok(patterns.includes("/admin/audit") && patterns.includes("/admin/users"), patterns.join(" "));
    const failures: string[] = [];
    for (const pattern of patterns) {
      for (const value of HOSTILE_VALUES) {
        const path = pattern.replace(/:[A-Za-z_]+|\*/g, encodeURIComponent(value));
        const query = new URLSearchParams(PROBED_PARAMS.map((p) => [p, value]));
        const r = await c.get(`${path}?${query}`);
        if (r.status >= 500) failures.push(`GET ${path}?…=${value} → ${r.status}`);
      }
    }
    assert.deepEqual(failures, []);
  },
  120_000,
);

appTest("out-of-range ids and days: admin forms answer field errors, never 500", async (app) => {
  const c = new Client(app);
  await superAdmin(app, c);
  const failures: string[] = [];
  for (const path of ["/admin/staff", "/admin/users", "/admin/audit", "/admin"]) {
    for (const value of HOSTILE_VALUES) {
      await c.get("/admin/staff"); // a page with a CSRF token
      for (const intent of ["status", "create", "search", "export", value]) {
        const fields: Record<string, string> = { intent };
        for (const p of PROBED_PARAMS) fields[p] = value;
        Object.assign(fields, { reason: "越界测试", username: value, role: value, phone: value });
        if (intent === "status") fields.status = "disabled"; // a valid action: only the id is hostile
        const r = await c.post(path, fields);
        if (r.status >= 500) failures.push(`POST ${path} intent=${intent} …=${value} → ${r.status}`);
      }
    }
  }
  assert.deepEqual(failures, []);
}, 120_000);

appTest(
  "out-of-range ids: /admin/staff and /admin/audit say so in Chinese next to the field",
  async (app) => {
    const c = new Client(app);
    await superAdmin(app, c);
    await c.get("/admin/staff");
    const status = await c.post("/admin/staff", {
      intent: "status",
      staffId: "9223372036854775808",
      status: "disabled",
      reason: "越界测试",
    });
    assert.equal(status.status, 400);
    assert.match(status.html, /id="f-staffId-error"[^>]*>请选择员工</);

    const audit = await c.get("/admin/audit?before=9223372036854775808&staff=9223372036854775808");
    assert.equal(audit.status, 200);
    assert.match(audit.html, /id="f-staff-error"[^>]*>请选择正确的员工</);
    assert.match(audit.html, /分页位置无效，已显示最新的记录/);
    const top = await c.get("/admin/audit?before=9223372036854775807&staff=9223372036854775807");
    assert.equal(top.status, 200, "the largest bigint is a valid (if unknown) id");
    assert.doesNotMatch(top.html, /分页位置无效/);
  },
);

appTest("out-of-range days: /admin/users explains each bad date next to its field", async (app) => {
  const c = new Client(app);
  await superAdmin(app, c);
  const cases: [string, RegExp][] = [
    ["0000-01-01", /日期应在 2000-01-01 至 2099-12-31 之间/],
    ["9999-12-31", /日期应在 2000-01-01 至 2099-12-31 之间/],
    ["+275760-09-13", /日期格式应为 YYYY-MM-DD/],
    ["2026-02-30", /日期不存在，请检查年月日/],
  ];
  for (const [day, message] of cases) {
    for (const field of ["from", "to"]) {
      const r = await c.get(`/admin/users?${field}=${encodeURIComponent(day)}`);
      assert.equal(r.status, 200, `${field}=${day}`);
      const error = new RegExp(`id="f-${field}-error"[^>]*>([^<]*)<`).exec(r.html);
      assert.ok(error, `${field}=${day}: an error next to the field`);
      assert.match(error[1], message, `${field}=${day}`);
    }
  }
  const both = await c.get("/admin/users?from=2000-01-01&to=2099-12-31");
  assert.equal(both.status, 200);
  assert.doesNotMatch(both.html, /class="field-error"/, "the edges of the range are accepted");
});

// ---------------------------------------------------------------------------------------------------
// Static files: path traversal

appTest("static files: traversal in any encoding is 404 and never serves a project file", async () => {
  const c = new Client();
  const ok = await c.get("/styles.css");
  assert.equal(ok.status, 200, "the real static file is served (so the 404s below mean something)");
  const paths = [
    "/_frsh/../../deno.json",
    "/_frsh/%2e%2e/%2e%2e/deno.json",
    "/styles.css/..%2f..%2fdeno.json",
    "/styles.css/%2e%2e%2f%2e%2e%2fdeno.json",
    "/_frsh/..%2f..%2fdeno.json",
    "/_frsh/..%5c..%5cdeno.json",
    "/%2e%2e%2fdeno.json",
    "/..%252f..%252fdeno.json",
    "/_frsh/%252e%252e/deno.json",
    "/..%c0%af..%c0%afdeno.json",
    "/deno.json",
    "/main.ts",
    "/_build/manifest.json",
    "/_frsh/../manifest.json",
    "/static/styles.css",
    "/.env",
  ];
  for (const path of paths) {
    const r = await c.get(path);
    assert.equal(r.status, 404, path);
    assert.ok(!r.html.includes('"imports"') && !r.html.includes("createApp"), `${path} leaked a file`);
  }
});

// ---------------------------------------------------------------------------------------------------
// Methods, HEAD, content types

appTest("method confusion: unsupported methods are 405 with Allow (after the CSRF check)", async () => {
  const c = await clientOn(); // the CSRF cookie is site-wide; /calculator has no POST form
  const headers = { origin: BASE, "x-csrf-token": c.csrf };
  const post = await c.send("/calculator", {
    method: "POST",
    headers,
    body: new URLSearchParams({ a: "1" }),
  });
  assert.equal(post.status, 405);
  assert.match(post.headers.get("allow")!, /\bGET\b/);
  assert.doesNotMatch(post.headers.get("allow")!, /\bPOST\b/);
  const put = await c.send("/api/health", { method: "PUT", headers });
  assert.equal(put.status, 405);
  assert.match(put.headers.get("allow")!, /\bGET\b/);
  const del = await c.send("/login", { method: "DELETE", headers });
  assert.equal(del.status, 405);
  assert.match(del.headers.get("allow")!, /\bPOST\b/);
  // without the token, the CSRF check answers first
  const bare = new Client();
  assert.equal((await bare.send("/api/health", { method: "PUT" })).status, 403);
});

appTest("HEAD: same status and headers as GET, no body", async () => {
  const c = new Client();
  for (
    const [path, status] of [["/", 200], ["/calculator", 200], ["/api/health", 200], ["/styles.css", 200], [
      "/no-such-page",
      404,
    ]] as const
  ) {
    const r = await c.send(path, { method: "HEAD" });
    assert.equal(r.status, status, path);
    assert.equal(r.html, "", `${path}: HEAD has no body`);
    assert.ok(r.headers.get("content-type"), path);
  }
});

appTest(
  "content types: JSON to a form route is 415, a broken form 400, a form to the JSON API 400",
  async () => {
    const c = await clientOn();
    const headers = { origin: BASE, "x-csrf-token": c.csrf };
    for (const path of ["/login", "/register", "/admin/login"]) {
      const json = await c.send(path, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({ phone: "13800000001", password: "x" }),
      });
      assert.equal(json.status, 415, path);
      assert.match(json.html, /内容格式不支持/, path);
      const text = await c.send(path, {
        method: "POST",
        headers: { ...headers, "content-type": "text/plain" },
        body: "phone=13800000001",
      });
      assert.equal(text.status, 415, path);
      const multipart = await c.send(path, {
        method: "POST",
        headers: { ...headers, "content-type": "multipart/form-data; boundary=zz" },
        body: "garbage without a boundary",
      });
      assert.equal(multipart.status, 400, path);
      assert.match(multipart.html, /请求有误/, path);
    }
    const form = await c.send("/api/sms_code", {
      method: "POST",
      headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
      body: "phone=13800000001&purpose=register",
    });
    assert.equal(form.status, 400);
    assert.equal((JSON.parse(form.html) as { error: { code: string } }).error.code, "invalid_input");
    const notJson = await c.api("/api/sms_code", "{not json");
    assert.equal(notJson.status, 400);
    assert.equal((notJson.json as { error: { code: string } }).error.code, "invalid_input");
  },
);

// ---------------------------------------------------------------------------------------------------
// Races (real Postgres only: PGlite has one connection, so nothing truly runs at once)

const onPostgres = !!Deno.env.get("DATABASE_URL");

dbTest(
  "race (postgres only): two registrations with the same SMS code for one phone create exactly one user",
  async (sql) => {
    for (let round = 0; round < 5; round++) {
      const phone = randomPhone();
      const code = "246810";
      const sent = await requestSmsCode(sql, { phone, purpose: "register", ip: null }, {
        outbox: testOutbox,
        cipher: testCipher,
        generateCode: () => code,
      });
      assert.ok(sent.ok, JSON.stringify(sent));
      const attempt = (kind: "investor" | "borrower") =>
        registerUser(sql, {
          kind,
          phone,
          smsCode: code,
          password: TEST_PASSWORD,
          passwordConfirm: TEST_PASSWORD,
          acceptAgreements: true,
          ip: randomIp(),
        }, { cipher: testCipher, outbox: testOutbox, bcryptCost: 4 });
      const results = await Promise.all([attempt("investor"), attempt("borrower")]);
      const ok = results.filter((r) => r.ok);
      assert.equal(ok.length, 1, JSON.stringify(results));
      const failed = results.find((r) => !r.ok)!;
      assert.ok(
        !failed.ok && (failed.code === "invalid_code" || failed.code === "phone_taken"),
        JSON.stringify(failed),
      );
      const phoneHash = await testCipher.hash(phone);
      const [{ n }] = await sql<{ n: bigint }[]>`
        select count(*) as n from users where phone_hash = ${phoneHash}`;
      assert.equal(n, 1n);
      const [{ used }] = await sql<{ used: bigint }[]>`
        select count(*) as used from sms_codes where phone_hash = ${phoneHash} and used_at is not null`;
      assert.equal(used, 1n, "the code was consumed once");
    }
  },
  { ignore: !onPostgres },
);

dbTest(
  "race (postgres only): 10 parallel wrong passwords lock the account after exactly 5 password checks",
  async (sql) => {
    const user = await createUser(sql);
    const results = await Promise.all(
      Array.from(
        { length: 10 },
        () =>
          loginUser(sql, { phone: user.phone, password: "wrong-password", ip: randomIp(), userAgent: null }, {
            cipher: testCipher,
          }),
      ),
    );
    const codes = results.map((r) => r.ok ? "ok" : r.code);
    assert.equal(codes.filter((c) => c === "invalid_credentials").length, ACCOUNT_LOCKOUT.maxFailures - 1);
    assert.equal(codes.filter((c) => c === "locked").length, 10 - (ACCOUNT_LOCKOUT.maxFailures - 1));
    const phoneHash = await testCipher.hash(user.phone);
    const [row] = await sql<{ count: number; locked: boolean }[]>`
      select count, locked_until > now() as locked from rate_limits where key = ${`acct:${phoneHash}`}`;
    // not lost (every checked guess counted) and not exceeded (no guess checked past the limit)
    assert.deepEqual({ ...row }, { count: ACCOUNT_LOCKOUT.maxFailures, locked: true });
    const right = await loginUser(sql, {
      phone: user.phone,
      password: TEST_PASSWORD,
      ip: randomIp(),
      userAgent: null,
    }, { cipher: testCipher });
    assert.ok(!right.ok && right.code === "locked", JSON.stringify(right));
  },
  { ignore: !onPostgres },
);

dbTest(
  "race (postgres only): 10 parallel wrong staff passwords: 5 checks, 5 audited failures, locked",
  async (sql) => {
    const username = `r${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    const [{ id }] = await sql<{ id: string }[]>`
      insert into staff (username, display_name, role, password_hash)
      values (${username}, ${"并发测试"}, ${"tech"}, ${await hashPassword(TEST_PASSWORD, { cost: 4 })})
      returning id`;
    const results = await Promise.all(
      Array.from(
        { length: 10 },
        () => loginStaff(sql, { username, password: "wrong-password", ip: randomIp(), userAgent: null }),
      ),
    );
    assert.equal(results.filter((r) => !r.ok && r.code === "locked").length, 6);
    const [{ n }] = await sql<{ n: bigint }[]>`
      select count(*) as n from audit_log where staff_id = ${id} and action = 'staff.login_failed'`;
    assert.equal(n, BigInt(STAFF_LOCKOUT.maxFailures));
    const [{ count }] = await sql<{ count: number }[]>`
      select count from rate_limits where key = ${`staff:${username}`}`;
    assert.equal(count, STAFF_LOCKOUT.maxFailures);
  },
  { ignore: !onPostgres },
);
