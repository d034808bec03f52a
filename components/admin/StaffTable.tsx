import type { StaffListRow } from "../../domain/staff/staff_admin.ts";
import { formatShanghaiDateTime } from "../../domain/shared/shanghai_time.ts";
import { roleLabel } from "../AdminShell.tsx";
import { type Column, DataTable } from "../DataTable.tsx";
import { StatusBadge } from "./StatusBadge.tsx";

/** The staff list (员工管理): id, user name (「（我）」 for the viewer), name, role, state, created; totals. */
export function StaffTable(props: { staffList: StaffListRow[]; me: string | undefined }) {
  const columns: Column<StaffListRow>[] = [
    { header: "ID", cell: (s) => s.id },
    {
      header: "用户名",
      text: true,
      cell: (s) => <>{s.username}{s.id === props.me && <span class="muted">（我）</span>}</>,
    },
    { header: "姓名", text: true, cell: (s) => s.displayName },
    { header: "角色", text: true, cell: (s) => roleLabel(s.role) },
    {
      header: "状态",
      text: true,
      cell: (s) => (
        <StatusBadge ok={s.status === "active"}>{s.status === "active" ? "在职" : "已停用"}</StatusBadge>
      ),
    },
    { header: "创建时间", cell: (s) => formatShanghaiDateTime(s.createdAt) },
  ];
  const active = props.staffList.filter((s) => s.status === "active").length;
  return (
    <DataTable
      columns={columns}
      rows={props.staffList}
      footer={<>共 {props.staffList.length} 人，在职 {active} 人</>}
    />
  );
}
