/** 首页 through the whole app: the platform's description, real counts, calls to action, the risk line. */
import assert from "node:assert/strict";
import { loadConfig } from "../../config.ts";
import type { Sql } from "../../db/connection.ts";
import { RISK_LINE } from "../../domain/brand.ts";
import { createPiiCipher } from "../../domain/pii.ts";
import { requestSmsCode } from "../../domain/sms_code.ts";
import { registerUser } from "../../domain/user.ts";
import { sandboxSms } from "../../integrations/sms.ts";
import { CookieJar, type TestApp, testApp } from "../helpers/app.ts";
import { randomPhone } from "../helpers/db.ts";

const BASE = "http://localhost";
const PASSWORD = "Lend-2026-ok";
const cipher = createPiiCipher(loadConfig({ APP_ENV: "test" }));

/** A test with sanitizers off (shared DB) and a bounded run time. */
function t(name: string, fn: (app: TestApp) => Promise<void>, timeoutMs = 60_000): void {
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

/** A browser-like client: keeps cookies and the page's CSRF token. */
class Client {
  jar = new CookieJar();
  csrf = "";
  constructor(readonly app: TestApp) {}
  async send(path: string, init: RequestInit = {}): Promise<{ res: Response; html: string }> {
    const headers = new Headers(init.headers);
    headers.set("cookie", this.jar.header());
    const res = await this.app.handle(new Request(BASE + path, { ...init, headers }));
    this.jar.take(res);
    const html = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (m) this.csrf = m[1];
    return { res, html };
  }
  get(path: string) {
    return this.send(path);
  }
  post(path: string, fields: Record<string, string>) {
    return this.send(path, {
      method: "POST",
      headers: { origin: BASE },
      body: new URLSearchParams({ _csrf: this.csrf, ...fields }),
    });
  }
  /** GET /login, then POST it. */
  async login(phone: string, password: string, extra: Record<string, string> = {}) {
    await this.get("/login");
    return await this.post("/login", { phone, password, ...extra });
  }
}

/** Register a user through the domain (fast, bcrypt cost 4). */
async function createUser(
  sql: Sql,
  kind: "investor" | "borrower" = "investor",
): Promise<{ phone: string; userId: string }> {
  const phone = randomPhone();
  await requestSmsCode(sql, { phone, purpose: "register", ip: null }, {
    sms: sandboxSms,
    cipher,
    generateCode: () => "135790",
  });
  const r = await registerUser(sql, {
    kind,
    phone,
    smsCode: "135790",
    password: PASSWORD,
    passwordConfirm: PASSWORD,
    acceptAgreements: true,
    ip: null,
  }, { cipher, bcryptCost: 4 });
  assert.ok(r.ok, JSON.stringify(r));
  return { phone, userId: r.userId };
}

/** The words UX.md bans as promises. */
const BANNED = ["保本", "保息", "稳赚", "无风险", "理财产品", "预期收益"];

function main(html: string): string {
  return html.slice(html.indexOf("<main"), html.indexOf("</main>"));
}

function stat(html: string, name: string): number {
  const m = new RegExp(`data-stat="${name}">([\\d,]+)<`).exec(html);
  assert.ok(m, `stat ${name} shown`);
  return Number(m[1].replaceAll(",", ""));
}

t(
  "home: describes the platform without promises, links register/login, calculator and /risk",
  async (app) => {
    const c = new Client(app);
    const { res, html } = await c.get("/");
    assert.equal(res.status, 200);
    const body = main(html);
    assert.match(body, /网络借贷信息中介/);
    assert.match(body, /银行存管/);
    assert.match(body, /不提供担保/);
    for (const word of BANNED) assert.ok(!body.includes(word), `no 「${word}」 on the home page`);
    assert.match(body, /href="\/register"/);
    assert.match(body, /href="\/login"/);
    assert.match(body, /href="\/calculator"/);
    assert.ok(body.includes(RISK_LINE));
    assert.match(body, /href="\/risk"/);
    assert.ok(!html.includes("<script"), "the home page ships no JavaScript");
  },
);

t("home: counts come from the database and grow with a registration", async (app) => {
  const c = new Client(app);
  const before = (await c.get("/")).html;
  const [db] = await app.sql<{ total: number; investors: number; borrowers: number }[]>`
    select count(*)::int as total, count(*) filter (where kind = 'investor')::int as investors,
           count(*) filter (where kind = 'borrower')::int as borrowers from users`;
  assert.equal(stat(before, "users"), db.total);
  assert.equal(stat(before, "investors"), db.investors);
  assert.equal(stat(before, "borrowers"), db.borrowers);

  await createUser(app.sql, "borrower");
  const after = (await c.get("/")).html;
  assert.equal(stat(after, "users"), db.total + 1);
  assert.equal(stat(after, "borrowers"), db.borrowers + 1);
  assert.equal(stat(after, "investors"), db.investors);
});

t("home: a signed-in user gets 我的账户 instead of 注册/登录", async (app) => {
  const user = await createUser(app.sql);
  const c = new Client(app);
  await c.login(user.phone, PASSWORD);
  const body = main((await c.get("/")).html);
  assert.match(body, /href="\/account"[^>]*>我的账户</);
  assert.ok(!body.includes('href="/register"'));
});
