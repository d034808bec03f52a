/**
 * Driving the app like a browser in route tests: a {@link Client} that keeps cookies (via `CookieJar`) and
 * the CSRF token of the last page, a client signed in through a session made in the domain, a hidden
 * field's value, users made through the domain, the SMS code read from the sandbox gateway's record, a
 * bounded app test, what UX.md forbids pages to say, the demo-seeded app, and an app whose database fails
 * (500 pages).
 * @module
 */
import postgres from "postgres";
import assert from "node:assert/strict";
import { loadConfig } from "../../config.ts";
import type { Db } from "../../db/tx.ts";
import { seed } from "../../db/seed.ts";
import { createPiiCipher, type PiiCipher } from "../../domain/accounts/pii.ts";
import { type CreatedSession, createSession } from "../../domain/accounts/session.ts";
import { requestSmsCode } from "../../domain/accounts/sms_code.ts";
import { registerUser, type UserKind } from "../../domain/accounts/user.ts";
import { createApp, createServices } from "../../main.ts";
import { totpCode } from "../../domain/staff/totp.ts";
import { CookieJar, type TestApp, testApp } from "./app.ts";
import { randomPhone, testDbKind } from "./db.ts";
import { deliverOutbox, testOutbox } from "./outbox.ts";

/** The origin test requests are made to (and send as `Origin` with forms). */
export const BASE = "http://localhost";
/**
 * The device id every {@link Client} carries (cookie `did`) and every {@link createUser} registers with: like
 * one browser that registered the account, so a password log-in needs no new-device SMS step. Tests of
 * that step use a client with another device (`new Client(app, { device: null })`).
 */
export const TEST_DEVICE_ID = "test-device-".padEnd(43, "0");

/** The password of users made by {@link createUser}. */
export const TEST_PASSWORD = "Lend-2026-ok";
/** The PII cipher of the test configuration (the app under test uses the same keys). */
export const testCipher: PiiCipher = createPiiCipher(loadConfig({ APP_ENV: "test" }));

/** UX.md's banned promises: no page may say them, not even negated. */
export const BANNED_PROMISES: readonly string[] = ["保本", "保息", "稳赚", "无风险", "理财产品", "预期收益"];

/** The `<main>` element of a page (its content without the header and footer). */
export function mainOf(html: string): string {
  return html.slice(html.indexOf("<main"), html.indexOf("</main>"));
}

/** A random private client address (`10.x.y.z`). */
export function randomIp(): string {
  const b = crypto.getRandomValues(new Uint8Array(3));
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

/** An answer as a test reads it: the response (body consumed) and its body text. */
export interface Page {
  res: Response;
  status: number;
  headers: Headers;
  /** The body as text (HTML, JSON or CSV). */
  html: string;
}

/**
 * A browser-like client of the test app: keeps cookies and the page's CSRF token (`name="_csrf"`), and
 * sends every request from one client IP (random unless given), as one browser would.
 */
export class Client {
  readonly jar = new CookieJar();
  /** The CSRF token of the last page that had one; sent with {@link post} and {@link api}. */
  csrf = "";
  /** The client IP of every request of this client. */
  readonly ip: string;
  readonly #app: Promise<TestApp>;

  /**
   * `app` defaults to the shared {@link testApp}. `device`: the device id cookie it starts with (default
   * {@link TEST_DEVICE_ID}; `null`: none, a new browser).
   */
  constructor(
    app: TestApp | Promise<TestApp> = testApp(),
    options: { ip?: string; device?: string | null } = {},
  ) {
    this.#app = Promise.resolve(app);
    this.ip = options.ip ?? randomIp();
    const device = options.device === undefined ? TEST_DEVICE_ID : options.device;
    if (device) {
      const headers = new Headers();
      headers.append("set-cookie", `did=${device}; Path=/`);
      headers.append("set-cookie", `__Host-did=${device}; Path=/`);
      this.jar.take(new Response(null, { headers }));
    }
  }

  /** Send a request with the jar's cookies; store the answer's cookies and CSRF token. */
  async send(path: string, init: RequestInit = {}): Promise<Page> {
    const app = await this.#app;
    const headers = new Headers(init.headers);
    headers.set("cookie", this.jar.header());
    const res = await app.handle(new Request(BASE + path, { ...init, headers }), { ip: this.ip });
    this.jar.take(res);
    const html = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (m) this.csrf = m[1];
    return { res, status: res.status, headers: res.headers, html };
  }

  /** GET a page. */
  get(path: string): Promise<Page> {
    return this.send(path);
  }

  /** POST a form (urlencoded) with the CSRF token and a same-site `Origin`. */
  post(path: string, fields: Record<string, string>): Promise<Page> {
    return this.send(path, {
      method: "POST",
      headers: { origin: BASE },
      body: new URLSearchParams({ _csrf: this.csrf, ...fields }),
    });
  }

  /** POST JSON with the token in `X-CSRF-Token`; a string `body` is sent as is. */
  async api(path: string, body: unknown, csrf = this.csrf): Promise<{ status: number; json: unknown }> {
    const { status, html } = await this.send(path, {
      method: "POST",
      headers: { origin: BASE, "content-type": "application/json", "x-csrf-token": csrf },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status, json: JSON.parse(html) };
  }

  /** GET /login, then POST it (user log-in with phone and password). */
  async login(phone: string, password: string, extra: Record<string, string> = {}): Promise<Page> {
    await this.get("/login");
    return await this.post("/login", { phone, password, ...extra });
  }

  /**
   * GET /admin/login (with `next`), then POST it (staff log-in), then pass the second step like the member
   * would (see {@link completeStaffSecondFactor}). Answers the last response: a failed password's page, or
   * the 303 of the second step to `next`.
   */
  async staffLogin(username: string, password: string, next?: string): Promise<Page> {
    await this.get(next ? `/admin/login?next=${encodeURIComponent(next)}` : "/admin/login");
    const first = await this.post("/admin/login", { username, password, ...(next ? { next } : {}) });
    return await this.completeStaffSecondFactor(first, username);
  }

  /**
   * After a POST /admin/login answered `first`: when it went on to the second step, pass it — enrolment
   * (read the secret off the page, type its code) or the TOTP code of the member's stored secret (the
   * last used time step is forgotten first, as if 30 seconds had passed). Any other answer is returned as is.
   */
  async completeStaffSecondFactor(first: Page, username: string): Promise<Page> {
    const location = first.headers.get("location");
    if (first.status !== 303 || (location !== "/admin/login/totp" && location !== "/admin/login/enrol")) {
      return first;
    }
    const app = await this.#app;
    if (location === "/admin/login/enrol") {
      const page = await this.get(location);
      const secret = /data-totp-secret="([A-Z2-7]+)"/.exec(page.html)?.[1];
      assert.ok(secret, "the enrolment page shows the secret");
      return await this.post(location, { code: totpCode(secret) });
    }
    const [row] = await app.sql<{ staffId: string; secretEnc: Uint8Array }[]>`
      select t.staff_id as "staffId", t.secret_enc as "secretEnc"
      from staff_totp t join staff s on s.id = t.staff_id where s.username = ${username.trim().toLowerCase()}`;
    assert.ok(row, `${username} has TOTP`);
    await app.sql`update staff_totp set last_used_step = null where staff_id = ${row.staffId}`;
    await this.get(location);
    return await this.post(location, { code: totpCode(await app.services.pii.decrypt(row.secretEnc)) });
  }
}

/** Who a test session is for: a user or a staff member, by id. */
export interface SessionSubject {
  type: "user" | "staff";
  id: string;
}

/** A session made through the domain for `subject` (no log-in flow, no IP or user agent). */
export function sessionFor(sql: Db, subject: SessionSubject): Promise<CreatedSession> {
  return createSession(sql, { subjectType: subject.type, subjectId: subject.id, ip: null, userAgent: null });
}

/**
 * A {@link Client} signed in through a session made in the domain (no log-in flow): cookie `sid` for a
 * user, `staff_sid` for a staff member. Call `get` first for a CSRF token.
 */
export async function sessionClient(
  app: TestApp | Promise<TestApp>,
  sql: Db,
  subject: SessionSubject,
): Promise<Client> {
  const session = await sessionFor(sql, subject);
  const client = new Client(app);
  const cookie = subject.type === "staff" ? "staff_sid" : "sid";
  client.jar.take(
    new Response(null, { headers: { "set-cookie": `${cookie}=${session.sessionId}; Path=/` } }),
  );
  return client;
}

/** A {@link sessionClient} signed in as the user `userId`, on the app's own database. */
export function userBrowser(app: TestApp, userId: string): Promise<Client> {
  return sessionClient(app, app.sql, { type: "user", id: userId });
}

/** The value of the hidden field `name` of a page (`name="…" value="…"`); asserts it is there. */
export function hiddenField(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  assert.ok(m, `hidden field ${name}`);
  return m[1];
}

/**
 * Register a user through the domain (fast: bcrypt cost 4, fixed SMS code, no IP), with a random phone
 * and {@link TEST_PASSWORD}.
 */
export async function createUser(
  sql: Db,
  kind: UserKind = "investor",
): Promise<{ phone: string; userId: string }> {
  const phone = randomPhone();
  const code = "135790";
  await requestSmsCode(sql, { phone, purpose: "register", ip: null }, {
    outbox: testOutbox,
    cipher: testCipher,
    generateCode: () => code,
  });
  const r = await registerUser(sql, {
    kind,
    phone,
    smsCode: code,
    password: TEST_PASSWORD,
    passwordConfirm: TEST_PASSWORD,
    acceptAgreements: true,
    ip: null,
    deviceId: TEST_DEVICE_ID,
  }, { cipher: testCipher, outbox: testOutbox, bcryptCost: 4 });
  assert.ok(r.ok, JSON.stringify(r));
  return { phone, userId: r.userId };
}

/** How long {@link latestSmsCode} waits for SMS that the app's own relay may be delivering. */
const SMS_WAIT_MS = 5_000;

/**
 * The code of the latest SMS sent to `phone`: delivers the due SMS events until none is due any more (the
 * app's relay, woken through KV, may hold one under its lease for a moment), then reads the sandbox
 * record. Fails when there is none, or when SMS nobody holds stay due for {@link SMS_WAIT_MS}.
 */
export async function latestSmsCode(sql: Db, phone: string): Promise<string> {
  const deadline = Date.now() + SMS_WAIT_MS;
  for (;;) {
    const due = await sql<{ id: string; held: boolean }[]>`
      select id::text as id, coalesce(claimed_until > now(), false) as held from outbox_events
      where topic = 'sms.send' and status = 'pending' and available_at <= now() order by id limit 200`;
    if (due.length === 0) break;
    const free = due.filter((r) => !r.held).map((r) => r.id);
    if (Date.now() >= deadline) {
      // one still held after the wait is under the lease of a relay that is gone (another test file's app,
      // in the shared Postgres database): not this test's to wait for; one nobody holds is
      assert.equal(free.length, 0, "SMS still waiting in the outbox");
      break;
    }
    if (free.length > 0) await deliverOutbox(sql, free);
    await new Promise((r) => setTimeout(r, 25));
  }
  const [row] = await sql<{ body: string }[]>`
    select body from sandbox_messages where channel = 'sms' and recipient = ${phone} order by id desc limit 1`;
  const code = row && /(\d{6})/.exec(row.body)?.[1];
  assert.ok(code, `no SMS code in the sandbox for ${phone}`);
  return code;
}

/** A test against the shared test app: sanitizers off (shared DB and KV), run time bounded. */
export function appTest(name: string, fn: (app: TestApp) => Promise<void>, timeoutMs = 60_000): void {
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

let demoSeeded: Promise<TestApp> | null = null;
let lendingSeeded: Promise<TestApp> | null = null;

/**
 * The shared {@link testApp} with the demo data seeded (the demo staff accounts, password
 * `DEMO_PASSWORD`); seeded once per test process (seeding is idempotent). The demo loans only with
 * `lending: true` (they cost seconds, and most tests never look at them).
 */
export function seededTestApp(options: { lending?: boolean } = {}): Promise<TestApp> {
  const config = { ...loadConfig({ APP_ENV: "test" }), demo: true };
  // cheap hashes: the lending demo checks the demo trade password a dozen times (bcrypt cost 10 ≈ 250 ms each)
  demoSeeded ??= testApp().then(async (app) => {
    await seed(app.sql, config, { bcryptCost: 4, lending: false });
    return app;
  });
  if (!options.lending) return demoSeeded;
  lendingSeeded ??= demoSeeded.then(async (app) => {
    await seed(app.sql, config, { bcryptCost: 4 });
    return app;
  });
  return lendingSeeded;
}

/**
 * Send `request` to an app (demo configuration) whose database rejects every query with `Error(message)`:
 * the 500 path. The app's error log is silenced while it runs.
 */
export async function handleWithBrokenDatabase(request: Request, message: string): Promise<Response> {
  return await handleWithFailingQueries(request, () => true, message);
}

/**
 * Send `request` to an app (demo configuration) on the shared test database whose top-level queries fail
 * with `Error(message)` when `fails(query text)` says so — e.g. only the query of one admin page, so the
 * error happens inside that route. The app's error log is silenced while it runs.
 */
export async function handleWithFailingQueries(
  request: Request,
  fails: (text: string) => boolean,
  message: string,
): Promise<Response> {
  const base = await testApp();
  const sql = new Proxy(base.sql, {
    apply(target, self, args: unknown[]) {
      const strings = args[0] as TemplateStringsArray | undefined;
      if (Array.isArray(strings) && "raw" in strings && fails(strings.join("?"))) {
        return Promise.reject(new Error(message));
      }
      return Reflect.apply(target, self, args);
    },
  }) as Db;
  const config = { ...loadConfig({ APP_ENV: "test" }), demo: true };
  const services = createServices({ sql, kv: base.kv, config, dbKind: testDbKind });
  const app = createApp({ ...services, log: () => {} });
  const originalError = console.error;
  console.error = () => {}; // the app logs the error; keep the test output clean
  try {
    return await app.handler()(request);
  } finally {
    console.error = originalError;
  }
}

/**
 * Send `request` to an app (demo configuration) whose database is not there at all: postgres.js pointed at
 * a closed port, so every query fails as against a stopped server (ECONNREFUSED). The app's error log is
 * silenced while it runs.
 */
export async function handleWithStoppedDatabase(request: Request): Promise<Response> {
  const base = await testApp();
  const sql = postgres("postgres://nobody@127.0.0.1:1/none", {
    max: 1,
    connect_timeout: 2,
    onnotice: () => {},
  });
  const config = { ...loadConfig({ APP_ENV: "test" }), demo: true };
  const services = createServices({ sql, kv: base.kv, config, dbKind: testDbKind });
  const app = createApp({ ...services, log: () => {} });
  const originalError = console.error;
  console.error = () => {};
  try {
    return await app.handler()(request);
  } finally {
    console.error = originalError;
    await sql.end({ timeout: 1 });
  }
}
