/** `/disclosure` computes the operating figures live; `/risk` carries the full risk disclosure. */
import assert from "node:assert/strict";
import { formatShareMicros, operatingFigures } from "../../domain/disclosure/figures.ts";
import { createPiiCipher } from "../../domain/accounts/pii.ts";
import { formatCount } from "../../domain/shared/count.ts";
import { loadConfig } from "../../config.ts";
import { testApp } from "../helpers/app.ts";
import { dbTest, randomPhone } from "../helpers/db.ts";

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
  assert.equal(after.cumulativeAmountFen, 0n);
  assert.equal(after.hasLoans, false);
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
  assert.match(html, /累计借贷金额<\/th><td>¥0\.00<\/td>/);
  assert.match(html, /逾期 90 天以上金额<\/th><td>¥0\.00<\/td>/);
  assert.match(html, /平台尚未撮合借款，数据将随业务开展实时更新/);
  assert.match(html, /数据截至 \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  assert.match(html, /存管/);
  assert.match(html, /占位名称/);
});

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
