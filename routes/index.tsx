/**
 * `/` — 首页: what the platform is (an information intermediary with bank custody, no guarantees), the
 * real number of registered users, investors and borrowers (one set-based query), and the ways in.
 * @module
 */
import { page } from "../framework/mod.ts";
import { PLATFORM_NAME, RISK_LINE } from "../domain/shared/brand.ts";
import { countUsers } from "../domain/accounts/user.ts";
import { formatCount } from "../domain/shared/count.ts";
import { define } from "../utils.ts";

const HERO_TEXT = "我们为出借人和借款人提供信息发布、信用评估和撮合服务。出借资金由银行存管，平台不归集、" +
  "不触碰用户资金，不提供担保，也不承诺本金或收益。";

export const handler = define.handlers({
  async GET(ctx) {
    const counts = await countUsers(ctx.state.sql);
    return page({ counts });
  },
});

/** The home page. */
export default define.page<typeof handler>(({ data, state }) => {
  const { counts } = data;
  return (
    <>
      <section class="hero" aria-labelledby="hero-title">
        <h1 id="hero-title">{PLATFORM_NAME} · 网络借贷信息中介平台</h1>
        <p>{HERO_TEXT}</p>
        <div class="btn-row">
          {state.user ? <a class="btn" href="/account">我的账户</a> : (
            <>
              <a class="btn" href="/register">免费注册</a>
              <a class="btn btn-secondary" href="/login">登录</a>
            </>
          )}
          <a class="btn btn-secondary" href="/calculator">借款计算器</a>
        </div>
      </section>

      <section aria-labelledby="stats-title">
        <h2 id="stats-title">平台数据</h2>
        <div class="stats stats-3">
          <div class="stat">
            <div class="label">注册用户</div>
            <div class="value" data-stat="users">{formatCount(counts.total)}</div>
          </div>
          <div class="stat">
            <div class="label">出借人</div>
            <div class="value" data-stat="investors">{formatCount(counts.investors)}</div>
          </div>
          <div class="stat">
            <div class="label">借款人</div>
            <div class="value" data-stat="borrowers">{formatCount(counts.borrowers)}</div>
          </div>
        </div>
        <p class="muted">
          {counts.total === 0n
            ? "平台刚刚开放注册，欢迎成为第一位用户。"
            : "数据实时来自平台数据库，更多经营数据见信息披露。"}
          <a href="/disclosure">查看信息披露</a>
        </p>
      </section>

      <section class="card" aria-labelledby="how-title">
        <h2 id="how-title">如何开始</h2>
        <ol class="steps">
          <li>用手机号注册，选择「我要出借」或「我要借款」。</li>
          <li>完成实名认证、绑定银行卡并开通银行存管账户。</li>
          <li>出借人完成风险测评后，根据自身风险承受能力选择借款项目；借款人提交借款申请，等待审核。</li>
        </ol>
        <p class="muted">
          想先了解还款金额？用<a href="/calculator">借款计算器</a>按等额本息、等额本金等方式试算。
        </p>
      </section>

      <p class="risk-note" role="note">
        {RISK_LINE}。<a href="/risk">阅读风险提示</a>
      </p>
    </>
  );
});
