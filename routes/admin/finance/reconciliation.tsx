/**
 * `/admin/finance/reconciliation` — 资金对账 (finance.reconcile): the daily reconciliation runs of the
 * custody bank's statement against the ledger (newest first), the differences of the chosen run
 * (`?run=<id>`, default the latest), and 立即对账 for a chosen day (audited `finance.reconcile.run`).
 * Post/redirect/get.
 */
import { DataTable } from "../../../components/DataTable.tsx";
import { CsrfField, Field } from "../../../components/Field.tsx";
import { LocalTime } from "../../../components/LocalTime.tsx";
import { page, readForm } from "../../../framework/mod.ts";
import { formatFen } from "../../../domain/money/format.ts";
import {
  DIFFERENCE_KIND_LABELS,
  listReconciliationDifferences,
  listReconciliationRuns,
  RECONCILIATION_MESSAGES,
  runReconciliation,
} from "../../../domain/payments/reconciliation.ts";
import { parseId } from "../../../domain/shared/ids.ts";
import { formatShanghaiDate } from "../../../domain/shared/shanghai_time.ts";
import { define, type State } from "../../../utils.ts";

async function render(
  state: State,
  options: {
    runId?: string | null;
    date?: string;
    errors?: Record<string, string[]>;
    notice?: string | null;
  },
  status = 200,
) {
  const runs = await listReconciliationRuns(state.sql, 30);
  const selected = runs.find((r) => r.id === options.runId) ?? runs[0] ?? null;
  const differences = selected ? await listReconciliationDifferences(state.sql, selected.id) : [];
  return page({
    runs,
    selected,
    differences,
    date: options.date ?? formatShanghaiDate(new Date()),
    errors: options.errors ?? {},
    notice: options.notice ?? null,
  }, { status });
}

const fen = (v: bigint | null) => (v === null ? "—" : formatFen(v));

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "资金对账";
    const runId = parseId(ctx.url.searchParams.get("run"));
    const done = ctx.url.searchParams.get("done") === "1";
    return await render(ctx.state, { runId, notice: done ? "对账已完成，已记入操作日志。" : null });
  },
  async POST(ctx) {
    ctx.state.title = "资金对账";
    const form = await readForm(ctx.req);
    const date = String(form.get("date") ?? "").trim().slice(0, 10);
    const result = await runReconciliation(ctx.state.sql, { custody: ctx.state.gateways.custody }, {
      date,
      by: { staff: ctx.state.staff!, ip: ctx.state.clientIp },
    });
    if (result.ok) return ctx.redirect(`/admin/finance/reconciliation?run=${result.runId}&done=1`, 303);
    const status = result.code === "forbidden" ? 403 : result.code === "busy" ? 409 : 422;
    const field = result.code === "invalid_date" ? "date" : "form";
    return await render(
      ctx.state,
      { date, errors: { [field]: [RECONCILIATION_MESSAGES[result.code]] } },
      status,
    );
  },
});

export default define.page<typeof handler>(({ data, state }) => {
  const { selected } = data;
  return (
    <>
      <h1>资金对账</h1>
      {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
      <section class="card" aria-labelledby="recon-run">
        <h2 id="recon-run">立即对账</h2>
        <p class="muted">
          以银行存管对账单为准，核对每个存管子账户的日终余额（可用+冻结）与账本、当日每笔银行流水与存管指令。每日
          02:00（北京时间）自动对账前一日。
        </p>
        {data.errors.form && <p class="form-error" role="alert">{data.errors.form[0]}</p>}
        <form method="post" action="/admin/finance/reconciliation" class="stack" novalidate>
          <CsrfField token={state.csrfToken} />
          <Field
            name="date"
            label="对账日期"
            type="date"
            value={data.date}
            required
            errors={data.errors.date}
          />
          <button type="submit" class="btn">立即对账</button>
        </form>
      </section>
      <section class="card" aria-labelledby="recon-runs">
        <h2 id="recon-runs">对账记录</h2>
        <DataTable
          rows={data.runs}
          empty="暂无对账记录"
          columns={[
            {
              header: "对账日期",
              text: true,
              cell: (r) => <a href={`/admin/finance/reconciliation?run=${r.id}`}>{r.businessDate}</a>,
            },
            {
              header: "方式",
              text: true,
              cell: (r) => (r.trigger === "cron" ? "自动" : `人工（员工 ${r.staffId}）`),
            },
            { header: "账户数", cell: (r) => String(r.accountsChecked) },
            { header: "流水数", cell: (r) => String(r.movementsChecked) },
            {
              header: "差异",
              cell: (r) =>
                r.differenceCount > 0 ? <strong class="text-danger">{r.differenceCount}</strong> : "0",
            },
            {
              header: "完成时间",
              cell: (r) => (r.finishedAt ? <LocalTime at={r.finishedAt} withTime /> : "—"),
            },
          ]}
        />
      </section>
      {selected && (
        <section class="card" aria-labelledby="recon-diffs" data-testid="recon-differences">
          <h2 id="recon-diffs">{selected.businessDate} 的差异（{data.differences.length}）</h2>
          <DataTable
            rows={data.differences}
            empty="账实相符，没有差异。"
            columns={[
              { header: "类型", text: true, cell: (d) => DIFFERENCE_KIND_LABELS[d.kind] },
              { header: "存管账户", text: true, cellClass: "mono", cell: (d) => d.accountNo ?? "—" },
              {
                header: "用户",
                text: true,
                cell: (d) => (d.userId ? <a href={`/admin/users/${d.userId}`}>{d.userId}</a> : "—"),
              },
              { header: "银行", cell: (d) => fen(d.bankFen) },
              { header: "账本", cell: (d) => fen(d.ledgerFen) },
              { header: "差额", cell: (d) => fen(d.differenceFen) },
              { header: "说明", text: true, cell: (d) => d.detail },
            ]}
          />
        </section>
      )}
    </>
  );
});
