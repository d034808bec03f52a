import type { AdminUserRow, UserTotals } from "../../domain/admin/users.ts";
import { formatCount } from "../../domain/shared/count.ts";
import { formatShanghaiDateTime } from "../../domain/shared/shanghai_time.ts";
import { type Column, DataTable } from "../DataTable.tsx";
import { StatusBadge } from "./StatusBadge.tsx";

const COLUMNS: Column<AdminUserRow>[] = [
  { header: "用户ID", cell: (u) => <a href={`/admin/users/${u.id}`}>{u.id}</a> },
  { header: "手机号", text: true, cell: (u) => u.phoneMasked },
  { header: "类型", text: true, cell: (u) => u.kindLabel },
  { header: "昵称", text: true, cell: (u) => u.displayName },
  {
    header: "状态",
    text: true,
    cell: (u) => <StatusBadge ok={u.status === "active"}>{u.statusLabel}</StatusBadge>,
  },
  { header: "注册时间", cell: (u) => formatShanghaiDateTime(u.createdAt) },
];

/** One page of the user list (masked phones) with the totals of the whole filtered list. */
export function UserTable(props: { rows: AdminUserRow[]; totals: UserTotals }) {
  const { totals } = props;
  return (
    <DataTable
      columns={COLUMNS}
      rows={props.rows}
      footer={
        <>
          合计 {formatCount(totals.total)} 人 · 出借人 {formatCount(totals.investors)} · 借款人{" "}
          {formatCount(totals.borrowers)}
        </>
      }
      empty="没有符合条件的用户。请放宽筛选条件，或点「重置」查看全部。"
    />
  );
}
