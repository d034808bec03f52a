/**
 * `/admin/audit` — 操作日志 (audit.view): the hash-chained staff action log, newest first, filtered by
 * staff member and action, paged by id (keyset, 50 per page), and on request (`?verify=1`) the chain
 * check against the anchors published in `DATA_DIR/audit_anchors/`: 「哈希链校验通过（N 条）」 or the first
 * row where it broke. A staff id or page position out of range is an error next to the field / a notice.
 */
import { AuditFilters } from "../../components/admin/AuditFilters.tsx";
import { AuditTable } from "../../components/admin/AuditTable.tsx";
import { AuditVerify } from "../../components/admin/AuditVerify.tsx";
import { page } from "../../framework/mod.ts";
import { type AuditVerifyResult, listAudit, verifyAuditChain } from "../../domain/staff/audit_log.ts";
import { listStaff } from "../../domain/staff/staff_admin.ts";
import { parseId } from "../../domain/shared/ids.ts";
import { auditAnchorsDir, readAuditAnchors } from "../../domain/staff/audit_anchors.ts";
import type { Db } from "../../db/tx.ts";
import { define } from "../../utils.ts";

/** Rows per page. */
const AUDIT_PAGE_SIZE = 50;
const ACTION_RE = /^[a-z][a-z0-9_.]{0,63}$/;

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "操作日志";
    const q = ctx.url.searchParams;
    const staffFilter = (q.get("staff") ?? "").trim().slice(0, 40);
    const actionFilter = (q.get("action") ?? "").trim().slice(0, 64);
    const before = (q.get("before") ?? "").trim().slice(0, 40);
    const errors: { staff?: string; action?: string } = {};
    const staffId = staffFilter ? parseId(staffFilter) : null;
    if (staffFilter && !staffId) errors.staff = "请选择正确的员工";
    if (actionFilter && !ACTION_RE.test(actionFilter)) errors.action = "操作名称格式不正确，例如 staff.login";
    const beforeId = before ? parseId(before) : null;
    const notice = before && !beforeId ? "分页位置无效，已显示最新的记录。" : null;
    const { sql } = ctx.state;
    const [rows, staffList, verify] = await Promise.all([
      listAudit(sql, {
        limit: AUDIT_PAGE_SIZE,
        beforeId: beforeId ?? undefined,
        staffId: staffId ?? undefined,
        action: actionFilter && !errors.action ? actionFilter : undefined,
      }),
      listStaff(sql),
      q.get("verify") === "1"
        ? verifyWithAnchors(sql, ctx.state.config.dataDir)
        : Promise.resolve(null as AuditVerifyResult | null),
    ]);
    return page({
      rows,
      staffList,
      verify,
      form: { staff: staffFilter, action: actionFilter },
      errors,
      notice,
    });
  },
});

/** The chain check against the anchors published in `DATA_DIR/audit_anchors/` (unreadable lines ignored). */
async function verifyWithAnchors(sql: Db, dataDir: string): Promise<AuditVerifyResult> {
  const { anchors } = await readAuditAnchors([auditAnchorsDir(dataDir)]);
  return await verifyAuditChain(sql, { anchors });
}

export default define.page<typeof handler>(({ data, url }) => {
  const last = data.rows.at(-1);
  const older = new URLSearchParams(url.searchParams);
  older.delete("verify");
  if (last) older.set("before", last.id);
  return (
    <>
      <h1>操作日志</h1>
      <AuditVerify verify={data.verify} url={url} />
      {data.notice && <p class="form-error" role="status">{data.notice}</p>}
      <AuditFilters staffList={data.staffList} form={data.form} errors={data.errors} />
      <AuditTable rows={data.rows} staffList={data.staffList} />
      <nav class="pager" aria-label="分页">
        {url.searchParams.has("before") && <a href={`/admin/audit?${dropBefore(url)}`}>最新</a>}
        {data.rows.length === AUDIT_PAGE_SIZE && <a href={`/admin/audit?${older}`} rel="next">更早的记录</a>}
      </nav>
    </>
  );
});

function dropBefore(url: URL): string {
  const q = new URLSearchParams(url.searchParams);
  q.delete("before");
  q.delete("verify");
  return q.toString();
}
