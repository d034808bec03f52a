/**
 * `/dev/outbox` — 开发沙箱发件箱: the SMS and e-mails the sandbox gateways "sent", newest first (at most
 * 100), filterable by channel, so a developer can read a verification code. Only in demo mode; in
 * production it does not exist (404). Full phone numbers are shown on purpose: nothing here is real.
 */
import { HttpError, page } from "../../framework/mod.ts";
import { listOutbox, type OutboxChannel } from "../../integrations/outbox.ts";
import { formatShanghaiDateTime } from "../../domain/shanghai_time.ts";
import { define } from "../../utils.ts";

/** Rows shown. */
const OUTBOX_PAGE_LIMIT = 100;
const CHANNEL_LABELS: Record<OutboxChannel, string> = { sms: "短信", email: "邮件" };

export const handler = define.handlers({
  async GET(ctx) {
    if (!ctx.state.config.demo) throw new HttpError(404);
    ctx.state.title = "开发沙箱 · 发件箱";
    const raw = ctx.url.searchParams.get("channel");
    const channel: OutboxChannel | undefined = raw === "sms" || raw === "email" ? raw : undefined;
    const entries = await listOutbox(ctx.state.sql, { limit: OUTBOX_PAGE_LIMIT, channel });
    return page({ entries, channel: channel ?? "" }, { headers: { "cache-control": "no-store" } });
  },
});

export default define.page<typeof handler>(({ data }) => (
  <>
    <p class="risk-note dev-sandbox-note" role="note">
      开发沙箱：此页面仅在演示 / 开发环境存在，生产环境不提供。短信与邮件并未真实发送，内容仅供开发调试。
    </p>
    <h1>开发沙箱 · 发件箱</h1>
    <nav class="btn-row" aria-label="按渠道筛选">
      {([["", "全部"], ["sms", "短信"], ["email", "邮件"]] as const).map(([value, label]) => (
        <a
          class={value === data.channel ? "btn" : "btn btn-secondary"}
          href={value ? `/dev/outbox?channel=${value}` : "/dev/outbox"}
          aria-current={value === data.channel ? "page" : undefined}
        >
          {label}
        </a>
      ))}
    </nav>
    <p class="muted">最新的 {OUTBOX_PAGE_LIMIT} 条，按发送时间倒序。</p>
    {data.entries.length === 0
      ? <p class="empty">发件箱是空的。注册时获取短信验证码后，验证码会出现在这里。</p>
      : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="数据表格（可左右滑动查看）">
          <table class="data outbox-table">
            <thead>
              <tr>
                <th scope="col">时间</th>
                <th scope="col" class="text">渠道</th>
                <th scope="col" class="text">收件人</th>
                <th scope="col" class="text">内容</th>
              </tr>
            </thead>
            <tbody>
              {data.entries.map((e) => (
                <tr>
                  <td>{formatShanghaiDateTime(e.createdAt, { withSeconds: true })}</td>
                  <td class="text">{CHANNEL_LABELS[e.channel] ?? e.channel}</td>
                  <td class="text mono">{e.recipient}</td>
                  <td class="text">
                    {e.subject && <strong>{e.subject}</strong>}
                    <div class="outbox-body">{e.body}</div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
  </>
));
