/**
 * `/` — 首页: what the platform is (an information intermediary with bank custody, no guarantees), the
 * platform's figures from the books (amount lent, interest investors received, open loans, users), a few
 * recommended and newbie loans linking to their pages, and the ways in. The figures and cards are shared by
 * every visitor and read at most once per few seconds (domain/disclosure/home_figures.ts).
 * @module
 */
import { page } from "../framework/mod.ts";
import { PLATFORM_NAME, RISK_LINE } from "../domain/shared/brand.ts";
import { homeFigures } from "../domain/disclosure/home_figures.ts";
import { formatCount } from "../domain/shared/count.ts";
import { formatFen } from "../domain/money/format.ts";
import { LoanTeaserCard } from "../components/LoanTeaserCard.tsx";
import { define } from "../utils.ts";

const HERO_TEXT = "我们为出借人和借款人提供信息发布、信用评估和撮合服务。出借资金由银行存管，平台不归集、" +
  "不触碰用户资金，不提供担保，也不承诺本金或收益。";

export const handler = define.handlers({
  async GET(ctx) {
    const figures = await homeFigures(ctx.state.sql);
    return page({ figures, now: new Date() });
  },
});

/** The home page. */
export default define.page<typeof handler>(({ data, state }) => {
  const { figures, now } = data;
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
            <div class="label">累计出借金额</div>
            <div class="value" data-stat="lent">{formatFen(figures.cumulativeLentFen)}</div>
          </div>
          <div class="stat">
            <div class="label">出借人累计已收利息</div>
            <div class="value" data-stat="interest">{formatFen(figures.investorInterestNetFen)}</div>
          </div>
          <div class="stat">
            <div class="label">可出借项目</div>
            <div class="value" data-stat="open">{formatCount(figures.openLoans)}</div>
          </div>
          <div class="stat">
            <div class="label">注册用户</div>
            <div class="value" data-stat="users">{formatCount(figures.registeredUsers)}</div>
          </div>
          <div class="stat">
            <div class="label">出借人</div>
            <div class="value" data-stat="investors">{formatCount(figures.investors)}</div>
          </div>
          <div class="stat">
            <div class="label">借款人</div>
            <div class="value" data-stat="borrowers">{formatCount(figures.borrowers)}</div>
          </div>
        </div>
        <p class="muted">
          {figures.registeredUsers === 0n
            ? "平台刚刚开放注册，欢迎成为第一位用户。"
            : "累计出借金额为已放款借款的本金合计；已收利息为出借人实际收到的利息，已扣除利息管理费，不含罚息。数据来自平台账务，更多经营数据见信息披露。"}
          <a href="/disclosure">查看信息披露</a>
        </p>
      </section>

      {figures.newbie.length > 0 && (
        <section aria-labelledby="newbie-title">
          <h2 id="newbie-title">新手专享</h2>
          <p class="muted">仅限首次出借的用户。</p>
          <div class="loan-teasers">
            {figures.newbie.map((loan) => <LoanTeaserCard key={loan.id} loan={loan} now={now} />)}
          </div>
        </section>
      )}

      {figures.recommended.length > 0 && (
        <section aria-labelledby="recommended-title">
          <h2 id="recommended-title">推荐项目</h2>
          <div class="loan-teasers">
            {figures.recommended.map((loan) => <LoanTeaserCard key={loan.id} loan={loan} now={now} />)}
          </div>
          <p class="muted">
            {RISK_LINE}。<a href="/loans">查看全部借款项目</a>
          </p>
        </section>
      )}

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
