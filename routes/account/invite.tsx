/**
 * `/account/invite` — 邀请好友: my invite link (from the configured public origin, never the request's
 * Host) and its QR code (SVG rendered on the server), the reward rules in force, and my invitees with
 * masked phones, status (已注册 / 已实名 / 已出借) and the reward each earned me.
 * @module
 */
import { HttpError, page } from "../../framework/mod.ts";
import { LocalTime } from "../../components/LocalTime.tsx";
import { getAccountProfile } from "../../domain/accounts/user.ts";
import { qrDataUrl } from "../../domain/investor/invite_qr.ts";
import {
  INVITEE_STATUS_LABELS,
  inviteSummary,
  listInvitees,
  listReferralRules,
  MILESTONE_LABELS,
} from "../../domain/investor/referral.ts";
import { formatFen } from "../../domain/money/format.ts";
import { formatCount } from "../../domain/shared/count.ts";
import { define, publicUrl } from "../../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    const user = ctx.state.user!;
    const sql = ctx.state.sql;
    ctx.state.title = "邀请好友";
    const profile = await getAccountProfile(sql, user.id);
    if (!profile) throw new HttpError(404);
    const link = profile.inviteCode
      ? publicUrl(ctx.state.config, `/register?invite=${profile.inviteCode}`)
      : null;
    const [qr, invitees, summary, rules] = await Promise.all([
      link ? qrDataUrl(link) : Promise.resolve(null),
      listInvitees(sql, ctx.state.pii, user.id),
      inviteSummary(sql, user.id),
      listReferralRules(sql),
    ]);
    return page({ inviteCode: profile.inviteCode, link, qr, invitees, summary, rules });
  },
});

/** The invite page. */
export default define.page<typeof handler>(({ data }) => {
  const active = data.rules.filter((r) => r.active);
  return (
    <>
      <p>
        <a href="/account">‹ 我的账户</a>
      </p>
      <h1>邀请好友</h1>
      {!data.link
        ? <p class="empty">您的账户暂无邀请码。</p>
        : (
          <section class="card" aria-labelledby="link-title">
            <h2 id="link-title">我的邀请链接</h2>
            <dl class="kv-list">
              <dt>邀请码</dt>
              <dd>
                <strong class="invite-code">{data.inviteCode}</strong>
              </dd>
              <dt>邀请链接</dt>
              <dd class="break-all" data-field="invite-link">{data.link}</dd>
            </dl>
            {data.qr && (
              <p>
                <img src={data.qr} alt="邀请链接二维码" width={200} height={200} data-field="invite-qr" />
              </p>
            )}
            <p class="muted">好友扫码或打开链接注册时会自动填写您的邀请码。</p>
          </section>
        )}

      <section class="card" aria-labelledby="rules-title">
        <h2 id="rules-title">奖励规则</h2>
        {active.length === 0 ? <p class="empty">当前暂无邀请奖励活动。</p> : (
          <ul class="plain-list">
            {active.map((r) => (
              <li key={r.milestone}>好友{MILESTONE_LABELS[r.milestone]}：奖励 {formatFen(r.amountFen)}</li>
            ))}
          </ul>
        )}
        <p class="muted">每位好友每项奖励只发放一次，计入您的奖励金。</p>
      </section>

      <section class="card" aria-labelledby="invitees-title">
        <h2 id="invitees-title">
          我邀请的好友（{formatCount(data.summary.invitees)} 人，累计奖励{" "}
          {formatFen(data.summary.rewardFen)}）
        </h2>
        {data.invitees.length === 0
          ? <p class="empty">还没有好友通过您的链接注册，快把邀请链接分享给好友吧。</p>
          : (
            <div class="table-wrap" tabIndex={0} role="region" aria-label="好友列表（可左右滑动查看）">
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">好友</th>
                    <th scope="col">注册日期</th>
                    <th scope="col">状态</th>
                    <th scope="col">奖励</th>
                  </tr>
                </thead>
                <tbody>
                  {data.invitees.map((i) => (
                    <tr>
                      <td data-field="invitee-phone">{i.phoneMasked}</td>
                      <td>
                        <LocalTime at={i.registeredAt} />
                      </td>
                      <td data-field="invitee-status">{INVITEE_STATUS_LABELS[i.status]}</td>
                      <td>{formatFen(i.rewardFen)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
      </section>
    </>
  );
});
