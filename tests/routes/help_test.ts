/** 帮助中心 and the agreements: the FAQ topics, real agreement text with version and effective date. */
import assert from "node:assert/strict";
import { CURRENT_AGREEMENTS } from "../../domain/accounts/agreements.ts";
import { appTest, BANNED_PROMISES, Client, mainOf } from "../helpers/forms.ts";

async function page(path: string): Promise<{ status: number; main: string; title: string }> {
  const { status, html } = await new Client().get(path);
  return { status, main: mainOf(html), title: /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? "" };
}

appTest("/help answers the common questions without script", async () => {
  const p = await page("/help");
  assert.equal(p.status, 200);
  assert.match(p.title, /^帮助中心 - /);
  for (const topic of ["注册与登录", "验证码收不到怎么办", "密码规则", "账户安全", "资金存管", "联系客服"]) {
    assert.ok(p.main.includes(`>${topic}</h2>`), topic);
  }
  assert.match(p.main, /<details>/);
  // the numbers are the enforced ones
  assert.match(p.main, /5 分钟内有效/);
  assert.match(p.main, /60 秒内只能获取一次/);
  assert.match(p.main, /至少 8 位/);
  assert.match(p.main, /连续输错 5 次，账户将锁定 15 分钟/);
  assert.match(p.main, /href="\/help\/user-agreement"/);
  assert.match(p.main, /href="\/help\/privacy-policy"/);
  for (const word of BANNED_PROMISES) assert.ok(!p.main.includes(word), word);
});

appTest("/help/user-agreement and /help/privacy-policy show the current text, version and date", async () => {
  for (
    const [path, doc] of [
      ["/help/user-agreement", CURRENT_AGREEMENTS.user_agreement],
      ["/help/privacy-policy", CURRENT_AGREEMENTS.privacy_policy],
    ] as const
  ) {
    const p = await page(path);
    assert.equal(p.status, 200, path);
    assert.ok(p.main.includes(doc.title), path);
    assert.ok(p.main.includes(`版本：${doc.version}`), path);
    assert.ok(p.main.includes(doc.effectiveDate), path);
    const sections = p.main.match(/<section id="s\d+">/g) ?? [];
    assert.ok(sections.length >= 6, `${path}: ${sections.length} sections`);
    assert.ok(p.main.length > 1500, `${path} has real text (${p.main.length} characters)`);
    for (const word of BANNED_PROMISES) assert.ok(!p.main.includes(word), `${path}: ${word}`);
  }
  assert.match((await page("/help/user-agreement")).main, /网络借贷信息中介平台/);
  assert.match((await page("/help/privacy-policy")).main, /138\*\*\*\*5678/);
});
