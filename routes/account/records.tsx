/**
 * `/account/records` — 交易记录: my ledger lines, newest first, filtered by type and by Asia/Shanghai
 * days (inclusive), 20 a page; `?export=csv` downloads the same filter as CSV (a GET: the filter holds no
 * personal data; the answer is `no-store` like every account page). A bad filter → the messages next to
 * the fields (422), no rows. No records → what to do next (去充值).
 * @module
 */
import { page } from "../../framework/mod.ts";
import { SelectField } from "../../components/Field.tsx";
import { LocalTime } from "../../components/LocalTime.tsx";
import { Pager } from "../../components/Pager.tsx";
import {
  parseRecordsQuery,
  recordsCsv,
  type RecordsForm,
  type RecordsPage,
  recordsPage,
  signedYuan,
} from "../../domain/investor/account_overview.ts";
import { ACCOUNT_KIND_LABELS, BUSINESS_TYPE_LABELS, BUSINESS_TYPES } from "../../domain/ledger/ledger.ts";
import { formatFen } from "../../domain/money/format.ts";
import { formatCount } from "../../domain/shared/count.ts";
import { formatShanghaiDate } from "../../domain/shared/shanghai_time.ts";
import { define } from "../../utils.ts";

interface RecordsPageData {
  form: RecordsForm;
  errors: Record<string, string[]>;
  result: RecordsPage | null;
  filtered: boolean;
}

const TYPE_OPTIONS = BUSINESS_TYPES.map((t) => [t, BUSINESS_TYPE_LABELS[t]] as const);

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "交易记录";
    const userId = ctx.state.user!.id;
    const query = parseRecordsQuery(ctx.url.searchParams);
    if (!query.ok) {
      return page<RecordsPageData>({ form: query.form, errors: query.fields, result: null, filtered: true }, {
        status: 422,
      });
    }
    if (ctx.url.searchParams.get("export") === "csv") {
      const { csv } = await recordsCsv(ctx.state.sql, userId, query.filter);
      const name = `records-${formatShanghaiDate(new Date())}.csv`;
      return new Response(csv, {
        headers: {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="${name}"`,
          "cache-control": "no-store",
        },
      });
    }
    const result = await recordsPage(ctx.state.sql, userId, query.filter, query.page);
    const filtered = Boolean(query.form.type || query.form.from || query.form.to);
    return page<RecordsPageData>({ form: query.form, errors: {}, result, filtered });
  },
});

function csvHref(form: RecordsForm): string {
  const q = new URLSearchParams();
  if (form.type) q.set("type", form.type);
  if (form.from) q.set("from", form.from);
  if (form.to) q.set("to", form.to);
  q.set("export", "csv");
  return `/account/records?${q}`;
}

function DayField(props: { name: string; label: string; value: string; errors?: string[] }) {
  const id = `f-${props.name}`;
  const error = props.errors?.[0];
  return (
    <div class="form-field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type="date"
        value={props.value}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error && <p class="field-error" id={`${id}-error`} role="alert">{error}</p>}
    </div>
  );
}

/** The records page. */
export default define.page<typeof handler>(({ data, url }) => (
  <>
    <p>
      <a href="/account">‹ 我的账户</a>
    </p>
    <h1>交易记录</h1>
    <form method="get" class="card records-filter" aria-label="筛选交易记录">
      <SelectField
        name="type"
        label="交易类型"
        value={data.form.type}
        options={TYPE_OPTIONS}
        emptyLabel="全部"
        errors={data.errors.type}
      />
      <DayField name="from" label="开始日期" value={data.form.from} errors={data.errors.from} />
      <DayField name="to" label="结束日期" value={data.form.to} errors={data.errors.to} />
      <div class="btn-row">
        <button type="submit" class="btn">查询</button>
        {data.result && data.result.total > 0n && <a href={csvHref(data.form)}>导出 CSV</a>}
      </div>
    </form>
    {data.result && (
      data.result.total === 0n
        ? (
          <div class="card">
            <p class="empty">
              {data.filtered
                ? "没有符合条件的交易记录，请调整筛选条件。"
                : "暂无交易记录。充值后即可出借，资金变动都会记录在这里。"}
            </p>
            {!data.filtered && (
              <p>
                <a href="/account/top-up" class="btn">去充值</a>
              </p>
            )}
          </div>
        )
        : (
          <>
            <p class="muted">共 {formatCount(data.result.total)} 条</p>
            <div class="table-wrap" tabIndex={0} role="region" aria-label="交易记录（可左右滑动查看）">
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">时间</th>
                    <th scope="col">类型</th>
                    <th scope="col">账户</th>
                    <th scope="col">金额</th>
                    <th scope="col">余额</th>
                  </tr>
                </thead>
                <tbody>
                  {data.result.rows.map((r) => (
                    <tr data-line={r.lineId}>
                      <td>
                        <LocalTime at={r.createdAt} withTime />
                      </td>
                      <td>
                        {BUSINESS_TYPE_LABELS[r.businessType] ?? r.businessType}
                        {r.memo && <div class="muted">{r.memo}</div>}
                      </td>
                      <td>{ACCOUNT_KIND_LABELS[r.accountKind] ?? r.accountKind}</td>
                      <td class={r.amountFen < 0n ? "negative" : "positive"} data-field="amount">
                        {signedYuan(r.amountFen)}
                      </td>
                      <td>{formatFen(r.balanceAfterFen)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager url={url} page={data.result.page} pageCount={data.result.pageCount} />
          </>
        )
    )}
  </>
));
