import type { AuditRow } from "../../domain/staff/audit_log.ts";
import { formatShanghaiDateTime } from "../../domain/shared/shanghai_time.ts";
import type { StaffListRow } from "../../domain/staff/staff_admin.ts";
import { roleLabel } from "../AdminShell.tsx";
import { type Column, DataTable } from "../DataTable.tsx";

/** Chinese names of the audited actions (others show as their dotted name). */
export const AUDIT_ACTION_LABELS: Readonly<Record<string, string>> = {
  "staff.login": "员工登录",
  "staff.login_failed": "员工登录失败",
  "staff.logout": "员工退出",
  "staff.create": "新增员工",
  "staff.disable": "停用员工",
  "staff.enable": "启用员工",
  "users.export": "导出用户",
  "users.pii_reveal": "查看用户完整信息",
  "users.status": "变更用户状态",
  "users.tag_add": "添加用户标签",
  "users.tag_remove": "移除用户标签",
  "staff.role": "变更员工角色",
  "role.permissions": "修改角色权限",
  "gateway.mode": "修改通道模式",
  "gateway.credential_set": "保存通道凭据",
  "gateway.credential_remove": "删除通道凭据",
  "gateway.test": "测试通道连接",
  "finance.flows_export": "导出资金流水",
};

/** Longest detail text shown in the table (the full text is the cell's title). */
const DETAIL_MAX_CHARS = 160;

/**
 * One page of the staff action log: who (name and role, from `staffList`), what, on what, the detail
 * (shortened), IP, when (with seconds) and the start of the row's hash.
 */
export function AuditTable(props: { rows: AuditRow[]; staffList: StaffListRow[] }) {
  const names = new Map(props.staffList.map((s) => [s.id, `${s.displayName}（${s.username}）`]));
  const roles = new Map(props.staffList.map((s) => [s.id, roleLabel(s.role)]));
  const detail = (r: AuditRow) => JSON.stringify(r.detail);
  const columns: Column<AuditRow>[] = [
    { header: "ID", cell: (r) => r.id },
    {
      header: "操作人",
      text: true,
      cell: (r) => (
        <>
          {r.staffId ? names.get(r.staffId) ?? `员工 ${r.staffId}` : "系统 / 未知"}
          {r.staffId && roles.get(r.staffId) && <span class="muted">・{roles.get(r.staffId)}</span>}
        </>
      ),
    },
    {
      header: "操作",
      text: true,
      cell: (r) => (
        <>
          {AUDIT_ACTION_LABELS[r.action] ?? r.action}
          <div class="muted mono">{r.action}</div>
        </>
      ),
    },
    { header: "对象", text: true, cellClass: "mono", cell: (r) => r.target ?? "—" },
    {
      header: "详情",
      text: true,
      cellClass: "mono audit-detail",
      title: detail,
      cell: (r) => {
        const text = detail(r);
        return text.length > DETAIL_MAX_CHARS ? `${text.slice(0, DETAIL_MAX_CHARS)}…` : text;
      },
    },
    { header: "IP", text: true, cellClass: "mono", cell: (r) => r.ip ?? "—" },
    { header: "时间", cell: (r) => formatShanghaiDateTime(r.createdAt, { withSeconds: true }) },
    { header: "哈希", text: true, cellClass: "mono", title: (r) => r.hash, cell: (r) => r.hash.slice(0, 12) },
  ];
  return (
    <DataTable columns={columns} rows={props.rows} empty="没有符合条件的操作记录。请更换员工或操作后再试。" />
  );
}
