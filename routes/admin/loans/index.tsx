/**
 * `/admin/loans` — 借款审核 (loans.review): the manual review queue by status (counts on the tabs),
 * optionally by product, oldest first; each row links to /admin/loans/[id]. Risk staff with `risk.rules`
 * also set the four-eyes threshold here (`intent=threshold`, audited).
 */
import { page, readForm } from "../../../framework/mod.ts";
import { CsrfField } from "../../../components/Field.tsx";
import { LocalTime } from "../../../components/LocalTime.tsx";
import {
  APPLICATION_STATUS_TEXT,
  listReviewQueue,
  QUEUE_STATUSES,
  type QueueRow,
  type QueueStatus,
} from "../../../domain/lending/admin_loans.ts";
import { fourEyesThreshold, updateFourEyesThreshold } from "../../../domain/lending/review.ts";
import { formatFen, parseYuanToFen } from "../../../domain/money/format.ts";
import { can } from "../../../domain/staff/permissions.ts";
import { define, doneNotice, formText, type State } from "../../../utils.ts";

interface Data {
  status: QueueStatus;
  rows: QueueRow[];
  counts: Record<string, number>;
  thresholdFen: bigint;
  error: string | null;
  notice: string | null;
}

async function render(state: State, url: URL, error: string | null = null, status = 200) {
  const raw = url.searchParams.get("status") ?? "manual_review";
  const s = (QUEUE_STATUSES as readonly string[]).includes(raw) ? raw as QueueStatus : "manual_review";
  const product = url.searchParams.get("product");
  const pageNo = Number(url.searchParams.get("page") ?? "1") || 1;
  const [{ rows, counts }, thresholdFen] = await Promise.all([
    listReviewQueue(state.sql, {
      status: s,
      productCode: product && /^[a-z_]{2,40}$/.test(product) ? product : null,
      page: pageNo,
    }),
    fourEyesThreshold(state.sql),
  ]);
  return page<Data>({
    status: s,
    rows,
    counts,
    thresholdFen,
    error,
    notice: doneNotice(url, { threshold: "四眼审批金额已保存。" }),
  }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "借款审核";
    return await render(ctx.state, ctx.url);
  },
  async POST(ctx) {
    ctx.state.title = "借款审核";
    const text = formText(await readForm(ctx.req));
    const fen = parseYuanToFen(text("thresholdYuan", 20));
    const r = await updateFourEyesThreshold(ctx.state.sql, {
      staff: ctx.state.staff!,
      ip: ctx.state.clientIp,
    }, {
      thresholdFen: fen ?? 0n,
    });
    if (r.ok) return ctx.redirect("/admin/loans?done=threshold", 303);
    return await render(
      ctx.state,
      ctx.url,
      r.code === "forbidden" ? "没有修改风控设置的权限" : "请输入有效金额",
      r.code === "forbidden" ? 403 : 422,
    );
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <>
    <h1>借款审核</h1>
    {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
    <nav class="tabs" aria-label="审核状态">
      {QUEUE_STATUSES.map((s) => (
        <a href={`/admin/loans?status=${s}`} aria-current={s === data.status ? "page" : undefined}>
          {APPLICATION_STATUS_TEXT[s]}（{data.counts[s] ?? 0}）
        </a>
      ))}
    </nav>
    {data.rows.length === 0 ? <p class="empty">暂无申请</p> : (
      <table class="data-table">
        <thead>
          <tr>
            <th>申请</th>
            <th>产品</th>
            <th>金额</th>
            <th>期限</th>
            <th>提交时间</th>
            <th>状态</th>
          </tr>
        </thead>
        <tbody>
          {data.rows.map((r) => (
            <tr data-application={r.id}>
              <td>
                <a href={`/admin/loans/${r.id}`}>#{r.id}</a>
              </td>
              <td>{r.productName}</td>
              <td>{formatFen(r.amountFen)} 元</td>
              <td>{r.termCount ?? "—"}{r.termUnit === "day" ? "天" : "个月"}</td>
              <td>{r.submittedAt ? <LocalTime at={r.submittedAt} /> : "—"}</td>
              <td>{APPLICATION_STATUS_TEXT[r.status]}{r.pendingApproval ? "（待复核）" : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
    {can(state.staff, "risk.rules") && (
      <form method="post" class="card" aria-label="四眼审批金额">
        <CsrfField token={state.csrfToken} />
        {data.error && <p class="form-error" role="alert">{data.error}</p>}
        <label>
          超过此金额的借款需两位审核员审批（元）
          <input
            name="thresholdYuan"
            inputMode="decimal"
            value={(Number(data.thresholdFen) / 100).toFixed(2)}
            required
          />
        </label>
        <button type="submit">保存</button>
      </form>
    )}
  </>
));
