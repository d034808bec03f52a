/** 首页 through the whole app: the platform's description, real counts, calls to action, the risk line. */
import assert from "node:assert/strict";
import { RISK_LINE } from "../../domain/shared/brand.ts";
import { appTest, BANNED_PROMISES, Client, createUser, mainOf, TEST_PASSWORD } from "../helpers/forms.ts";
import { clearHomeFiguresCache, readHomeFigures } from "../../domain/disclosure/home_figures.ts";
import { formatFen } from "../../domain/money/format.ts";
import { bookLoan } from "../domain/disclosure/books_fixture.ts";

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
  clearHomeFiguresCache(app.sql);
  const before = (await c.get("/")).html;
  const [db] = await app.sql<{ total: bigint; investors: bigint; borrowers: bigint }[]>`
    select count(*) as total, count(*) filter (where kind = 'investor') as investors,
           count(*) filter (where kind = 'borrower') as borrowers from users`;
  assert.equal(stat(before, "users"), db.total);
  assert.equal(stat(before, "investors"), db.investors);
  assert.equal(stat(before, "borrowers"), db.borrowers);

  await createUser(app.sql, "borrower");
  clearHomeFiguresCache(app.sql);
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

function money(html: string, name: string): bigint {
  const m = new RegExp(`data-stat="${name}">¥([\\d,]+)\\.(\\d\\d)<`).exec(html);
  assert.ok(m, `stat ${name} shown`);
  return BigInt(m[1].replaceAll(",", "") + m[2]);
}

appTest(
  "home: amount lent, interest received, open loans and loan cards come from the books",
  async (app) => {
    const c = new Client(app);
    clearHomeFiguresCache(app.sql);
    const before = await readHomeFigures(app.sql);
    await c.get("/"); // the shared read, kept for a few seconds
    // a repaying loan whose two investors received 1,000.00 and 500.00 of interest, 100.00 and 50.00 fee withheld
    await bookLoan(app.sql, {
      status: "repaying",
      amountFen: 5_000_000n,
      installments: [{ dueInDays: 30, principalFen: 5_000_000n, interestFen: 200_000n }],
      claims: [
        { principalFen: 3_000_000n, receivedInterestFen: 100_000n, feeFen: 10_000n },
        { principalFen: 2_000_000n, receivedInterestFen: 50_000n, feeFen: 5_000n },
      ],
    });
    const open = await bookLoan(app.sql, {
      status: "open",
      amountFen: 1_000_000n,
      fundedFen: 990_000n,
      title: "首页推荐测试标",
    });
    const newbie = await bookLoan(app.sql, {
      status: "open",
      amountFen: 500_000n,
      fundedFen: 100_000n,
      newbieOnly: true,
      title: "首页新手测试标",
    });
    await app.sql`update loans set publish_at = now() - interval '1 second' where id = ${newbie.loanId}`;
    const { html } = await c.get("/");
    // still the cached read: the page is shared and kept for a few seconds
    assert.equal(money(html, "lent"), before.cumulativeLentFen);

    clearHomeFiguresCache(app.sql);
    const body = mainOf((await c.get("/")).html);
    const now = await readHomeFigures(app.sql);
    assert.equal(now.cumulativeLentFen - before.cumulativeLentFen, 5_000_000n);
    assert.equal(now.investorInterestNetFen - before.investorInterestNetFen, 135_000n);
    assert.equal(now.openLoans - before.openLoans, 2n);
    assert.equal(money(body, "lent"), now.cumulativeLentFen);
    assert.equal(money(body, "interest"), now.investorInterestNetFen);
    assert.ok(body.includes(formatFen(now.investorInterestNetFen)));
    assert.equal(stat(body, "open"), now.openLoans);
    assert.match(body, /已扣除利息管理费/);
    assert.match(body, new RegExp(`href="/loans/${open.loanId}">首页推荐测试标<`));
    assert.match(body, new RegExp(`href="/loans/${newbie.loanId}">首页新手测试标<`));
    assert.match(body, /新手专享/);
    assert.match(body, /已投 99%/);
    assert.match(body, /已投 20%/);
    assert.match(body, /href="\/loans"/);
    for (const word of BANNED_PROMISES) assert.ok(!body.includes(word), `no 「${word}」 on the home page`);
    assert.ok(body.includes(RISK_LINE));
    assert.ok(!html.includes("<script"), "the home page ships no JavaScript");
  },
);
