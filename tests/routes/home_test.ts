/** 首页 through the whole app: the platform's description, real counts, calls to action, the risk line. */
import assert from "node:assert/strict";
import { RISK_LINE } from "../../domain/shared/brand.ts";
import { appTest, BANNED_PROMISES, Client, createUser, mainOf, TEST_PASSWORD } from "../helpers/forms.ts";

function stat(html: string, name: string): bigint {
  const m = new RegExp(`data-stat="${name}">([\\d,]+)<`).exec(html);
  assert.ok(m, `stat ${name} shown`);
  return BigInt(m[1].replaceAll(",", ""));
}

appTest(
  "home: describes the platform without promises, links register/login, calculator and /risk",
  async (app) => {
    const c = new Client(app);
    const { res, html } = await c.get("/");
    assert.equal(res.status, 200);
    const body = mainOf(html);
    assert.match(body, /网络借贷信息中介/);
    assert.match(body, /银行存管/);
    assert.match(body, /不提供担保/);
    for (const word of BANNED_PROMISES) assert.ok(!body.includes(word), `no 「${word}」 on the home page`);
    assert.match(body, /href="\/register"/);
    assert.match(body, /href="\/login"/);
    assert.match(body, /href="\/calculator"/);
    assert.ok(body.includes(RISK_LINE));
    assert.match(body, /href="\/risk"/);
    assert.ok(!html.includes("<script"), "the home page ships no JavaScript");
  },
);

appTest("home: counts come from the database and grow with a registration", async (app) => {
  const c = new Client(app);
  const before = (await c.get("/")).html;
  const [db] = await app.sql<{ total: bigint; investors: bigint; borrowers: bigint }[]>`
    select count(*) as total, count(*) filter (where kind = 'investor') as investors,
           count(*) filter (where kind = 'borrower') as borrowers from users`;
  assert.equal(stat(before, "users"), db.total);
  assert.equal(stat(before, "investors"), db.investors);
  assert.equal(stat(before, "borrowers"), db.borrowers);

  await createUser(app.sql, "borrower");
  const after = (await c.get("/")).html;
  assert.equal(stat(after, "users"), db.total + 1n);
  assert.equal(stat(after, "borrowers"), db.borrowers + 1n);
  assert.equal(stat(after, "investors"), db.investors);
});

appTest("home: a signed-in user gets 我的账户 instead of 注册/登录", async (app) => {
  const user = await createUser(app.sql);
  const c = new Client(app);
  await c.login(user.phone, TEST_PASSWORD);
  const body = mainOf((await c.get("/")).html);
  assert.match(body, /href="\/account"[^>]*>我的账户</);
  assert.ok(!body.includes('href="/register"'));
});
