/**
 * `/admin/products` — 借款产品 (risk.rules): the four loan products with their main terms; each links to
 * its edit form.
 * @module
 */
import { DataTable } from "../../../components/DataTable.tsx";
import { LocalTime } from "../../../components/LocalTime.tsx";
import { page } from "../../../framework/mod.ts";
import { BORROWER_KIND_LABELS, listProducts, type LoanProduct } from "../../../domain/lending/products.ts";
import { REPAYMENT_METHOD_LABELS } from "../../../domain/lending/schedule.ts";
import { formatRateMicros, formatWan } from "../../../domain/money/format.ts";
import { define, doneNotice } from "../../../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "借款产品";
    return page({
      products: await listProducts(ctx.state.sql),
      notice: doneNotice(ctx.url, { saved: "产品设置已保存，已记入操作日志。" }),
    });
  },
});

function rates(p: LoanProduct): string {
  return (["A", "E"] as const).map((g) =>
    `${g} ${formatRateMicros(p.gradeRates[g].minRateMicros)}–${
      formatRateMicros(p.gradeRates[g].maxRateMicros)
    }`
  ).join("；");
}

export default define.page<typeof handler>(({ data }) => (
  <>
    <h1>借款产品</h1>
    {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
    <section class="card">
      <DataTable
        rows={data.products}
        columns={[
          { header: "产品", text: true, cell: (p) => <a href={`/admin/products/${p.id}`}>{p.name}</a> },
          { header: "借款人", text: true, cell: (p) => BORROWER_KIND_LABELS[p.borrowerKind] },
          {
            header: "金额",
            text: true,
            cell: (p) => `${formatWan(p.minAmountFen)}–${formatWan(p.maxAmountFen)}`,
          },
          {
            header: "期限",
            text: true,
            cell: (p) => `${p.terms.join("/")} ${p.termUnit === "month" ? "个月" : "天"}`,
          },
          {
            header: "还款方式",
            text: true,
            cell: (p) => p.methods.map((m) => REPAYMENT_METHOD_LABELS[m]).join("、"),
          },
          { header: "年利率（A / E 级）", text: true, cell: rates },
          { header: "新手标", text: true, cell: (p) => (p.newbieOnly ? "是" : "否") },
          { header: "状态", text: true, cell: (p) => (p.active ? "在售" : "已停用") },
          { header: "更新时间", cell: (p) => <LocalTime at={p.updatedAt} withTime /> },
        ]}
      />
    </section>
  </>
));
