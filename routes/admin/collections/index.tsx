/**
 * `/admin/collections` — 逾期催收 (`collections.manage`): the queue of overdue and accelerated loans, most
 * days overdue first, filtered by bucket (1–30, 31–60, 61–90, 90+ days) or to the cases assigned to me;
 * each row links to the loan's collection file (/admin/collections/[loanId]). Read-only; paginated.
 * @module
 */
import { type Column, DataTable } from "../../../components/DataTable.tsx";
import { page } from "../../../framework/mod.ts";
import {
  COLLECTION_PAGE_SIZE,
  type CollectionQueueRow,
  listCollectionQueue,
  OVERDUE_BUCKETS,
} from "../../../domain/lending/collections.ts";
import { formatFen } from "../../../domain/money/format.ts";
import { formatShanghaiDateTime } from "../../../domain/shared/shanghai_time.ts";
import { define } from "../../../utils.ts";

interface QueueData {
  rows: CollectionQueueRow[];
  total: number;
  bucket: string;
  mine: boolean;
  page: number;
}

const STATUS = { overdue: "逾期", accelerated: "加速到期" } as Record<string, string>;

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "逾期催收";
    const bucket = ctx.url.searchParams.get("bucket") ?? "";
    const mine = ctx.url.searchParams.get("mine") === "1";
    const pageNo = Math.max(1, Math.min(Number(ctx.url.searchParams.get("page")) || 1, 1000));
    const { rows, total } = await listCollectionQueue(ctx.state.sql, {
      bucket: bucket in OVERDUE_BUCKETS ? bucket : undefined,
      assigneeId: mine ? ctx.state.staff!.id : undefined,
      page: pageNo,
    });
    return page<QueueData>({
      rows,
      total,
      bucket: bucket in OVERDUE_BUCKETS ? bucket : "",
      mine,
      page: pageNo,
    });
  },
});

export default define.page<typeof handler>(({ data }) => {
  const columns: Column<CollectionQueueRow>[] = [
    {
      header: "借款",
      text: true,
      cell: (r) => <a href={`/admin/collections/${r.loanId}`}>#{r.loanId} {r.title}</a>,
    },
    { header: "状态", text: true, cell: (r) => STATUS[r.status] ?? r.status },
    { header: "逾期天数", cell: (r) => r.daysOverdue },
    { header: "逾期应还", cell: (r) => formatFen(r.overdueFen) },
    { header: "剩余本金", cell: (r) => formatFen(r.remainingPrincipalFen) },
    { header: "催收员", text: true, cell: (r) => r.assignee ?? "未分配" },
    { header: "最近联系", cell: (r) => r.lastContactAt ? formatShanghaiDateTime(r.lastContactAt) : "—" },
    { header: "核销", text: true, cell: (r) => r.pendingWriteOff ? "待审批" : "" },
  ];
  const link = (bucket: string, mine: boolean) =>
    `/admin/collections?${new URLSearchParams({
      ...(bucket ? { bucket } : {}),
      ...(mine ? { mine: "1" } : {}),
    })}`;
  const pages = Math.max(1, Math.ceil(data.total / COLLECTION_PAGE_SIZE));
  return (
    <>
      <h1>逾期催收</h1>
      <nav aria-label="逾期天数" class="filters">
        <a href={link("", data.mine)} aria-current={data.bucket === "" ? "page" : undefined}>全部</a>
        {Object.keys(OVERDUE_BUCKETS).map((b) => (
          <>
            {" "}
            <a href={link(b, data.mine)} aria-current={data.bucket === b ? "page" : undefined}>{b} 天</a>
          </>
        ))}
        {" | "}
        <a href={link(data.bucket, !data.mine)}>{data.mine ? "全部催收员" : "只看分配给我的"}</a>
      </nav>
      <p class="muted">共 {data.total} 笔。出借人自行承担借款逾期和坏账的损失，平台不提供任何担保。</p>
      <DataTable columns={columns} rows={data.rows} empty="暂无逾期借款" />
      {pages > 1 && (
        <nav aria-label="分页">
          {data.page > 1 && <a href={`${link(data.bucket, data.mine)}&page=${data.page - 1}`}>上一页</a>} 第
          {" "}
          {data.page}/{pages} 页{" "}
          {data.page < pages && <a href={`${link(data.bucket, data.mine)}&page=${data.page + 1}`}>下一页</a>}
        </nav>
      )}
    </>
  );
});
