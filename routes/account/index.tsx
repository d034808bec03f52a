/**
 * `/account` — 我的账户: who I am (masked phone, kind, registration date), my invite code and link, the
 * agreements I accepted, and a summary of my messages. Only what exists; no placeholder features.
 * @module
 */
import { HttpError, page } from "../../framework/mod.ts";
import { LocalTime } from "../../components/LocalTime.tsx";
import { MessageItem } from "../../components/MessageList.tsx";
import { CURRENT_AGREEMENTS, listAcceptedAgreements } from "../../domain/accounts/agreements.ts";
import { PLATFORM_NAME } from "../../domain/shared/brand.ts";
import { countUnreadMessages, listMessages } from "../../domain/messaging/message.ts";
import { formatCount } from "../../domain/shared/count.ts";
import { getAccountProfile, USER_KIND_LABELS } from "../../domain/accounts/user.ts";
import { define, publicUrl } from "../../utils.ts";
import { assetOverview, monthMovements } from "../../domain/investor/account_overview.ts";
import { AssetOverviewSection } from "../../components/AssetOverviewSection.tsx";

/** Messages shown on the account page. */
const LATEST_MESSAGES = 5;

export const handler = define.handlers({
  async GET(ctx) {
    const user = ctx.state.user!; // guaranteed by _middleware.ts
    const sql = ctx.state.sql;
    ctx.state.title = "我的账户";
    const row = await getAccountProfile(sql, user.id);
    if (!row) throw new HttpError(404);
    const [agreements, unread, latest, assets, movements] = await Promise.all([
      listAcceptedAgreements(sql, user.id),
      countUnreadMessages(sql, user.id),
      listMessages(sql, user.id, { limit: LATEST_MESSAGES }),
      assetOverview(sql, user.id),
      monthMovements(sql, user.id),
    ]);
    // from the configured public origin, never the request's Host header (the client chooses that)
    const inviteLink = row.inviteCode
      ? publicUrl(ctx.state.config, `/register?invite=${row.inviteCode}`)
      : null;
    return page({
      createdAt: row.createdAt,
      inviteCode: row.inviteCode,
      inviteLink,
      agreements,
      unread,
      latest,
      assets,
      movements,
      welcome: ctx.url.searchParams.get("welcome") === "1",
    });
  },
});

/** The account page. */
/** The links of 账户功能, in order; some only for investors. */
const ACCOUNT_FEATURES: readonly { href: string; label: string; investorOnly?: boolean }[] = [
  { href: "/account/security", label: "安全中心" },
  { href: "/account/trade-password", label: "交易密码" },
  { href: "/account/identity", label: "实名认证" },
  { href: "/account/cards", label: "银行卡" },
  { href: "/account/video", label: "视频认证" },
  { href: "/account/investments", label: "我的出借", investorOnly: true },
  { href: "/account/receivables", label: "回款日历", investorOnly: true },
  { href: "/account/records", label: "交易记录" },
  { href: "/account/top-up", label: "充值" },
  { href: "/account/withdraw", label: "提现" },
  { href: "/account/withdrawals", label: "提现记录" },
  { href: "/account/profile", label: "个人资料" },
  { href: "/account/risk-assessment", label: "风险测评", investorOnly: true },
  { href: "/account/risk-disclosure", label: "风险揭示书", investorOnly: true },
  { href: "/account/invite", label: "邀请好友" },
];

export default define.page<typeof handler>(({ data, state }) => {
  const user = state.user!;
  return (
    <>
      {data.welcome && (
        <p class="form-ok" role="status">
          注册成功，欢迎加入{PLATFORM_NAME}！出借或借款前，还需完成实名认证、绑定银行卡并开通银行存管账户。
        </p>
      )}
      <h1>我的账户</h1>
      <AssetOverviewSection assets={data.assets} movements={data.movements} />

      <section class="card" aria-labelledby="features-title">
        <h2 id="features-title">账户功能</h2>
        <ul class="plain-list account-features">
          {ACCOUNT_FEATURES.filter((f) => !f.investorOnly || user.kind === "investor").map((f) => (
            <li>
              <a href={f.href}>{f.label}</a>
            </li>
          ))}
        </ul>
      </section>

      <section class="card" aria-labelledby="profile-title">
        <h2 id="profile-title">账户信息</h2>
        <dl class="kv-list">
          <dt>手机号码</dt>
          <dd data-field="phone">{user.phoneMasked}</dd>
          <dt>账户类型</dt>
          <dd>{USER_KIND_LABELS[user.kind]}</dd>
          <dt>注册日期</dt>
          <dd>
            <LocalTime at={data.createdAt} />
          </dd>
        </dl>
      </section>

      {data.inviteCode && (
        <section class="card" aria-labelledby="invite-title">
          <h2 id="invite-title">邀请好友</h2>
          <dl class="kv-list">
            <dt>我的邀请码</dt>
            <dd>
              <strong class="invite-code">{data.inviteCode}</strong>
            </dd>
            <dt>邀请链接</dt>
            <dd class="break-all">{data.inviteLink}</dd>
          </dl>
          <p class="muted">好友通过邀请链接注册时会自动填写您的邀请码。</p>
          <p>
            <a href="/account/invite">邀请二维码与好友列表</a>
          </p>
        </section>
      )}

      <section class="card" aria-labelledby="messages-title">
        <h2 id="messages-title">
          消息中心{" "}
          {data.unread > 0n && <span class="badge badge-warn">{formatCount(data.unread)} 条未读</span>}
        </h2>
        {data.latest.length === 0 ? <p class="empty">暂无消息</p> : (
          <ul class="message-list">
            {data.latest.map((m) => <MessageItem key={m.id} message={m} compact />)}
          </ul>
        )}
        <p>
          <a href="/account/messages">查看全部消息</a>
        </p>
      </section>

      <section class="card" aria-labelledby="agreements-title">
        <h2 id="agreements-title">已同意的协议</h2>
        {data.agreements.length === 0 ? <p class="empty">暂无记录</p> : (
          <ul class="plain-list">
            {data.agreements.map((a) => {
              const doc = CURRENT_AGREEMENTS[a.document];
              return (
                <li>
                  <a href={doc.href}>{doc.title}</a> 版本 {a.version}，同意于{" "}
                  <LocalTime at={a.acceptedAt} withTime />
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </>
  );
});
