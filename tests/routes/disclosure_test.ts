/** `/disclosure` computes the operating figures live; `/risk` carries the full risk disclosure. */
import assert from "node:assert/strict";
import { formatShareMicros, operatingFigures } from "../../domain/disclosure/figures.ts";
import { createPiiCipher } from "../../domain/accounts/pii.ts";
import { formatCount } from "../../domain/shared/count.ts";
import { loadConfig } from "../../config.ts";
import { testApp } from "../helpers/app.ts";
import { dbTest, randomPhone } from "../helpers/db.ts";
import { formatFen } from "../../domain/money/format.ts";
import { bookLoan } from "../domain/disclosure/books_fixture.ts";

const cipher = createPiiCipher(loadConfig({ APP_ENV: "test" }));

dbTest("disclosure: figures come from the database and follow new registrations", async (sql) => {
  const before = await operatingFigures(sql);
  const phone = randomPhone();
  await sql`
    insert into users (kind, phone_enc, phone_hash, display_name)
    values ('borrower', ${await cipher.encrypt(phone)}, ${await cipher.hash(phone)}, '披露测试')`;
  const after = await operatingFigures(sql);
  assert.equal(after.registeredUsers, before.registeredUsers + 1n);
  assert.equal(after.registeredBorrowers, before.registeredBorrowers + 1n);
  assert.equal(after.registeredInvestors, before.registeredInvestors);
  assert.equal(after.hasLoans, after.cumulativeCount > 0n);
  assert.ok(after.asOf instanceof Date);

  const app = await testApp();
  const res = await app.handle(new Request("http://localhost/disclosure"));
  assert.equal(res.status, 200);
  const html = await res.text();
  const [{ users, investors, borrowers }] = await sql<
    { users: bigint; investors: bigint; borrowers: bigint }[]
  >`
    select count(*) as users, count(*) filter (where kind = 'investor') as investors,
           count(*) filter (where kind = 'borrower') as borrowers from users`;
  assert.match(html, new RegExp(`注册用户</div><div class="value">${formatCount(users)}<`));
  assert.match(html, new RegExp(`注册出借人</div><div class="value">${formatCount(investors)}<`));
  assert.match(html, new RegExp(`注册借款人</div><div class="value">${formatCount(borrowers)}<`));
  // no loan yet in this database: the zeros are explained (other suites may have lent before this one)
  if (!after.hasLoans) {
    assert.match(html, /累计借贷金额<\/th><td>¥0\.00<\/td>/);
    assert.match(html, /逾期 90 天以上金额<\/th><td>¥0\.00<\/td>/);
    assert.match(html, /平台尚未撮合借款，数据将随业务开展实时更新/);
  }
  assert.match(html, /数据截至 \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  assert.match(html, /存管/);
  assert.match(html, /占位名称/);
});

dbTest(
  "disclosure: the page shows every loan figure and the fee income as the books give them",
  async (sql) => {
    await bookLoan(sql, {
      status: "overdue",
      amountFen: 1_234_500n,
      installments: [{ dueInDays: -120, principalFen: 1_234_500n, interestFen: 10_000n, status: "overdue" }],
      claims: [{ principalFen: 1_234_500n }],
    });
    const app = await testApp();
    const html = await (await app.handle(new Request("http://localhost/disclosure"))).text();
    const f = await operatingFigures(sql);
    assert.ok(f.hasLoans);
    const row = (label: string, value: string) =>
      assert.ok(html.includes(`${label}</th><td>${value}</td>`), `${label}: ${value}`);
    row("累计借贷金额", formatFen(f.cumulativeAmountFen));
    row("累计借贷笔数", `${formatCount(f.cumulativeCount)} 笔`);
    row("借贷余额", formatFen(f.outstandingAmountFen));
    row("借贷余额笔数", `${formatCount(f.outstandingCount)} 笔`);
    row("累计出借人数量", `${formatCount(f.cumulativeLenders)} 人`);
    row("当期借款人数量", `${formatCount(f.currentBorrowers)} 人`);
    row("前十大借款人待还金额占比", formatShareMicros(f.top10BorrowerShareMicros));
    row("最大单一借款人待还金额占比", formatShareMicros(f.largestBorrowerShareMicros));
    row("逾期金额", formatFen(f.overdueAmountFen));
    row("逾期 90 天以上金额", formatFen(f.overdue90AmountFen));
    row("逾期 90 天以上笔数", `${formatCount(f.overdue90Count)} 笔`);
    row("关联关系借款余额", "¥0.00");
    row("借款服务费（放款时向借款人收取）", formatFen(f.fees.serviceFeeFen));
    row("利息管理费（从出借人所收利息中扣除）", formatFen(f.fees.interestManagementFeeFen));
    assert.ok(f.overdue90AmountFen >= 1_234_500n);
    assert.ok(!html.includes("平台尚未撮合借款"));
    for (const banned of ["稳赚", "无风险", "理财产品", "预期收益"]) {
      assert.ok(
        !html.includes(banned),
        banned,
      );
    }
  },
);

Deno.test("disclosure: shares print as percentages with two decimals, half-up", () => {
  assert.equal(formatShareMicros(0), "0.00%");
  assert.equal(formatShareMicros(123456), "12.35%");
  assert.equal(formatShareMicros(123449), "12.34%");
  assert.equal(formatShareMicros(1_000_000), "100.00%");
});

dbTest("risk: the risk disclosure names every risk and promises nothing", async () => {
  const app = await testApp();
  const res = await app.handle(new Request("http://localhost/risk"));
  assert.equal(res.status, 200);
  const html = await res.text();
  for (
    const word of [
      "市场风险",
      "信用风险",
      "流动性风险",
      "政策与法律风险",
      "信息技术风险",
      "市场有风险，出借需谨慎",
    ]
  ) {
    assert.ok(html.includes(word), word);
  }
  assert.match(html, /出借人应自行承担/);
  assert.match(html, /<title>风险提示 - /);
  for (const banned of ["保本保息", "稳赚", "无风险", "理财产品"]) {
    // 「不承诺保本保息」 is the only allowed context for 保本保息
    const hits = html.split(banned).length - 1;
    const negated = html.split(`不承诺${banned}`).length - 1;
    assert.equal(hits, negated, `${banned} appears only negated`);
  }
});
