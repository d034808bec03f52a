/**
 * `/admin/finance/flows` — 资金流水 (finance.view): every journal entry with its lines, 50 per page, with
 * totals, filtered by business type, days and reference (in the URL: GET) and by a user's phone (personal
 * data: only in a posted form, never in a URL). 导出 CSV is a POST (`intent=export`), audited as
 * `finance.flows_export`. Mistyped filters answer 422 with the message next to the field.
 */
import { Field, SelectField } from "../../../components/Field.tsx";
import { fieldErrors, FilterBar } from "../../../components/admin/FilterBar.tsx";
import { PostPager } from "../../../components/admin/PostPager.tsx";
import { type Column, DataTable } from "../../../components/DataTable.tsx";
import { Pager } from "../../../components/Pager.tsx";
import { HttpError, page, readForm } from "../../../framework/mod.ts";
import {
  exportFundFlowsCsv,
  type FlowEntry,
  flowFiltersQuery,
  FLOWS_EXPORT_MAX_LINES,
  listFundFlows,
  type ParsedFlowQuery,
  parseFlowFilters,
} from "../../../domain/admin/fund_flows.ts";
import { BUSINESS_TYPE_LABELS, BUSINESS_TYPES } from "../../../domain/ledger/accounts.ts";
import { formatFen } from "../../../domain/money/format.ts";
import { formatCount } from "../../../domain/shared/count.ts";
import { formatShanghaiDate, formatShanghaiDateTime } from "../../../domain/shared/shanghai_time.ts";
import { define, type State } from "../../../utils.ts";

async function listPage(state: State, query: ParsedFlowQuery, options: { posted: boolean; status?: number }) {
  const list = await listFundFlows(state.sql, state.pii, query.filters, query.page);
  const status = options.status ?? (Object.keys(query.errors).length > 0 ? 422 : 200);
  return page({ query, list, posted: options.posted }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "资金流水";
    return await listPage(ctx.state, parseFlowFilters(ctx.url.searchParams, "url"), { posted: false });
  },
  async POST(ctx) {
    ctx.state.title = "资金流水";
    const form = await readForm(ctx.req);
    const query = parseFlowFilters(form, "form");
    if (form.get("intent") === "export") {
      if (Object.keys(query.errors).length > 0) return await listPage(ctx.state, query, { posted: true });
      const result = await exportFundFlowsCsv(ctx.state.sql, {
        cipher: ctx.state.pii,
        filters: query.filters,
      }, {
        staff: ctx.state.staff!,
        ip: ctx.state.clientIp,
      });
      if (!result.ok) throw new HttpError(403);
      return new Response(result.csv, {
        headers: {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="fund-flows-${formatShanghaiDate(new Date())}.csv"`,
          "cache-control": "no-store",
        },
      });
    }
    if (!query.form.phone && Object.keys(query.errors).length === 0) {
      const q = flowFiltersQuery(query.form, query.page).toString();
      return ctx.redirect(q ? `/admin/finance/flows?${q}` : "/admin/finance/flows", 303);
    }
    return await listPage(ctx.state, query, { posted: true });
  },
});

const COLUMNS: Column<FlowEntry>[] = [
  { header: "分录ID", cell: (e) => e.id },
  { header: "时间", cell: (e) => formatShanghaiDateTime(e.createdAt, { withSeconds: true }) },
  { header: "业务类型", text: true, cell: (e) => e.businessTypeLabel },
  {
    header: "关联单号",
    text: true,
    cell: (e) => (
      <>
        {e.reference}
        {e.reversesEntryId && <span class="muted">（冲正 #{e.reversesEntryId}）</span>}
      </>
    ),
  },
  { header: "金额", cell: (e) => formatFen(e.amountFen) },
  {
    header: "分录明细",
    text: true,
    cell: (e) => (
      <ul class="plain-list">
        {e.lines.map((l) => (
          <li>
            {l.accountLabel}
            {l.userId && (
              <>
                （<a href={`/admin/users/${l.userId}`}>用户 {l.userId}</a>）
              </>
            )} {l.amountFen > 0n ? "+" : ""}
            {formatFen(l.amountFen)}
          </li>
        ))}
      </ul>
    ),
  },
  { header: "备注", text: true, cell: (e) => e.memo ?? "" },
];

export default define.page<typeof handler>(({ data, url, state }) => {
  const { query, list, posted } = data;
  const { form, errors } = query;
  return (
    <>
      <h1>资金流水</h1>
      <FilterBar
        action="/admin/finance/flows"
        label="筛选资金流水"
        csrfToken={state.csrfToken}
        actions={
          <button class="btn btn-secondary" type="submit" name="intent" value="export">导出 CSV</button>
        }
      >
        <SelectField
          name="type"
          label="业务类型"
          value={form.type}
          emptyLabel="全部"
          options={BUSINESS_TYPES.map((t) => [t, BUSINESS_TYPE_LABELS[t]] as const)}
          errors={fieldErrors(errors.type)}
        />
        <Field name="from" label="日期从" type="date" value={form.from} errors={fieldErrors(errors.from)} />
        <Field name="to" label="至" type="date" value={form.to} errors={fieldErrors(errors.to)} />
        <Field
          name="reference"
          label="关联单号（前缀）"
          maxLength={200}
          value={form.reference}
          placeholder="例如 withdrawal:12"
          errors={fieldErrors(errors.reference)}
        />
        <Field
          name="phone"
          label="用户手机号（精确）"
          type="tel"
          inputMode="tel"
          autocomplete="off"
          maxLength={20}
          value={form.phone}
          errors={fieldErrors(errors.phone)}
        />
      </FilterBar>
      <p class="muted">
        共 {formatCount(list.totals.entries)} 笔分录，发生额 {formatFen(list.totals.amountFen)}。导出最多{" "}
        {FLOWS_EXPORT_MAX_LINES} 行明细，并记入操作日志。
      </p>
      {list.totals.byType.length > 0 && (
        <ul class="plain-list flow-totals">
          {list.totals.byType.map((t) => (
            <li>
              {t.label}：{formatCount(t.entries)} 笔，{formatFen(t.amountFen)}
            </li>
          ))}
        </ul>
      )}
      <DataTable columns={COLUMNS} rows={list.rows} empty="没有符合条件的资金流水。" />
      {posted
        ? (
          <PostPager
            action="/admin/finance/flows"
            page={list.page}
            pageCount={list.pageCount}
            fields={{ ...form }}
            csrfToken={state.csrfToken}
          />
        )
        : (
          <Pager
            url={new URL(`/admin/finance/flows?${flowFiltersQuery(form)}`, url)}
            page={list.page}
            pageCount={list.pageCount}
          />
        )}
    </>
  );
});
