/**
 * `/dev/sandbox` — 开发沙箱 · 短信与邮件: what the sandbox gateways "sent", newest first (at most 100),
 * filterable by channel, so a developer can read a verification code. Only in demo mode and only while the
 * gateways are sandboxes; otherwise it does not exist (404). Full phone numbers are shown on purpose:
 * nothing here is real. (`/dev/outbox`, the old address, redirects here.)
 */
import { type Column, DataTable } from "../../components/DataTable.tsx";
import { HttpError, page } from "../../framework/mod.ts";
import type { SandboxMessage } from "../../domain/gateways/mod.ts";
import { formatShanghaiDateTime } from "../../domain/shared/shanghai_time.ts";
import { define } from "../../utils.ts";

/** Rows shown. */
const SANDBOX_PAGE_LIMIT = 100;
type Channel = SandboxMessage["channel"];
const CHANNEL_LABELS: Record<Channel, string> = { sms: "短信", email: "邮件" };

const COLUMNS: Column<SandboxMessage>[] = [
  { header: "时间", cell: (e) => formatShanghaiDateTime(e.createdAt, { withSeconds: true }) },
  { header: "渠道", text: true, cell: (e) => CHANNEL_LABELS[e.channel] ?? e.channel },
  { header: "收件人", text: true, cellClass: "mono", cell: (e) => e.recipient },
  {
    header: "内容",
    text: true,
    cell: (e) => (
      <>
        {e.subject && <strong>{e.subject}</strong>}
        <div class="sandbox-body">{e.body}</div>
      </>
    ),
  },
];

export const handler = define.handlers({
  async GET(ctx) {
    const log = ctx.state.gateways.sandboxLog;
    if (!ctx.state.config.demo || !log) throw new HttpError(404);
    ctx.state.title = "开发沙箱 · 短信与邮件";
    const raw = ctx.url.searchParams.get("channel");
    const channel: Channel | undefined = raw === "sms" || raw === "email" ? raw : undefined;
    const entries = await log.list({ limit: SANDBOX_PAGE_LIMIT, channel });
    return page({ entries, channel: channel ?? "" }, { headers: { "cache-control": "no-store" } });
  },
});

export default define.page<typeof handler>(({ data }) => (
  <>
    <p class="risk-note dev-sandbox-note" role="note">
      开发沙箱：此页面仅在演示 / 开发环境存在，生产环境不提供。短信与邮件并未真实发送，内容仅供开发调试。
    </p>
    <h1>开发沙箱 · 短信与邮件</h1>
    <nav class="btn-row" aria-label="按渠道筛选">
      {([["", "全部"], ["sms", "短信"], ["email", "邮件"]] as const).map(([value, label]) => (
        <a
          class={value === data.channel ? "btn" : "btn btn-secondary"}
          href={value ? `/dev/sandbox?channel=${value}` : "/dev/sandbox"}
          aria-current={value === data.channel ? "page" : undefined}
        >
          {label}
        </a>
      ))}
    </nav>
    <p class="muted">
      最新的 {SANDBOX_PAGE_LIMIT}{" "}
      条，按发送时间倒序。沙箱存管银行的账户与流水见<a href="/dev/bank">存管银行</a>。
    </p>
    <DataTable
      columns={COLUMNS}
      rows={data.entries}
      tableClass="data sandbox-table"
      empty="还没有沙箱短信或邮件。注册时获取短信验证码后，验证码会出现在这里（通常 1 秒内）。"
      hideEmptyTable
    />
  </>
));
