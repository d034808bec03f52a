/**
 * `/admin/audit` — 操作日志 (audit.view): the hash-chained staff action log, newest first, filtered by
 * staff member and action, paged by id (keyset, 50 per page), and on request (`?verify=1`) the chain
 * check: 「哈希链校验通过（N 条）」 or the first row where it broke.
 */
import { roleLabel } from "../../components/AdminShell.tsx";
import { page } from "../../framework/mod.ts";
import { type AuditVerifyResult, listAudit, verifyAuditChain } from "../../domain/audit_log.ts";
import { formatShanghaiDateTime } from "../../domain/shanghai_time.ts";
import { listStaff } from "../../domain/staff_admin.ts";
import { define } from "../../utils.ts";

/** Rows per page. */
const AUDIT_PAGE_SIZE = 50;
const ID_RE = /^[1-9]\d{0,18}$/;
const ACTION_RE = /^[a-z][a-z0-9_.]{0,63}$/;
/** Longest detail text shown in the table. */
const DETAIL_MAX_CHARS = 160;

const ACTION_LABELS: Record<string, string> = {
  "staff.login": "员工登录",
  "staff.login_failed": "员工登录失败",
  "staff.logout": "员工退出",
  "staff.create": "新增员工",
  "staff.disable": "停用员工",
  "staff.enable": "启用员工",
  "users.export": "导出用户",
};

const VERIFY_REASONS: Record<string, string> = {
  prev_hash_mismatch: "前序哈希不一致（记录被删除、插入或重排）",
  hash_mismatch: "记录内容与哈希不符（记录被篡改）",
};

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "操作日志";
    const q = ctx.url.searchParams;
    const staffFilter = (q.get("staff") ?? "").trim();
    const actionFilter = (q.get("action") ?? "").trim().slice(0, 64);
    const before = (q.get("before") ?? "").trim();
    const errors: { action?: string } = {};
    if (actionFilter && !ACTION_RE.test(actionFilter)) errors.action = "操作名称格式不正确，例如 staff.login";
    const { sql } = ctx.state;
    const [rows, staffList, verify] = await Promise.all([
      listAudit(sql, {
        limit: AUDIT_PAGE_SIZE,
        beforeId: ID_RE.test(before) ? before : undefined,
        staffId: ID_RE.test(staffFilter) ? staffFilter : undefined,
        action: actionFilter && !errors.action ? actionFilter : undefined,
      }),
      listStaff(sql),
      q.get("verify") === "1" ? verifyAuditChain(sql) : Promise.resolve(null as AuditVerifyResult | null),
    ]);
    return page({ rows, staffList, verify, form: { staff: staffFilter, action: actionFilter }, errors });
  },
});

export default define.page<typeof handler>(({ data, url }) => {
  const names = new Map(data.staffList.map((s) => [s.id, `${s.displayName}（${s.username}）`]));
  const roles = new Map(data.staffList.map((s) => [s.id, roleLabel(s.role)]));
  const last = data.rows.at(-1);
  const older = new URLSearchParams(url.searchParams);
  older.delete("verify");
  if (last) older.set("before", last.id);
  return (
    <>
      <h1>操作日志</h1>
      <section class="card audit-verify">
        <h2>哈希链校验</h2>
        <p class="muted">
          每条记录保存上一条记录的哈希，任何删除、插入或修改都会使校验失败。
        </p>
        {data.verify === null
          ? (
            <form method="get" action="/admin/audit">
              {[...url.searchParams].filter(([k]) => k !== "verify").map(([k, v]) => (
                <input type="hidden" name={k} value={v} />
              ))}
              <input type="hidden" name="verify" value="1" />
              <button class="btn" type="submit">校验哈希链</button>
            </form>
          )
          : data.verify.ok
          ? <p class="form-ok" role="status">哈希链校验通过（{data.verify.rows} 条）</p>
          : (
            <p class="form-error" role="alert">
              哈希链校验失败：第 {data.verify.brokenAtId} 号记录，{VERIFY_REASONS[data.verify.reason]}
            </p>
          )}
      </section>

      <form method="get" action="/admin/audit" class="admin-filters" role="search" aria-label="筛选操作日志">
        <div class="form-field">
          <label for="f-staff">员工</label>
          <select id="f-staff" name="staff">
            <option value="">全部</option>
            {data.staffList.map((s) => (
              <option value={s.id} selected={s.id === data.form.staff}>
                {s.displayName}（{s.username}）
              </option>
            ))}
          </select>
        </div>
        <div class="form-field">
          <label for="f-action">操作</label>
          <input
            id="f-action"
            name="action"
            list="audit-actions"
            value={data.form.action}
            maxLength={64}
            placeholder="例如 staff.login"
            aria-invalid={data.errors.action ? "true" : undefined}
            aria-describedby={data.errors.action ? "f-action-error" : undefined}
          />
          <datalist id="audit-actions">
            {Object.entries(ACTION_LABELS).map(([value, label]) => (
              <option key={value} value={value}>{label}</option>
            ))}
          </datalist>
          {data.errors.action && (
            <p class="field-error" id="f-action-error" role="alert">{data.errors.action}</p>
          )}
        </div>
        <div class="btn-row">
          <button class="btn" type="submit">筛选</button>
          <a class="btn btn-secondary" href="/admin/audit">重置</a>
        </div>
      </form>

      <div class="table-wrap" tabIndex={0} role="region" aria-label="数据表格（可左右滑动查看）">
        <table class="data admin-table">
          <thead>
            <tr>
              <th scope="col">ID</th>
              <th scope="col" class="text">操作人</th>
              <th scope="col" class="text">操作</th>
              <th scope="col" class="text">对象</th>
              <th scope="col" class="text">详情</th>
              <th scope="col" class="text">IP</th>
              <th scope="col">时间</th>
              <th scope="col" class="text">哈希</th>
            </tr>
          </thead>
          <tbody>
            {data.rows.map((r) => {
              const detail = JSON.stringify(r.detail);
              return (
                <tr>
                  <td>{r.id}</td>
                  <td class="text">
                    {r.staffId ? names.get(r.staffId) ?? `员工 ${r.staffId}` : "系统 / 未知"}
                    {r.staffId && roles.get(r.staffId) && <span class="muted">・{roles.get(r.staffId)}</span>}
                  </td>
                  <td class="text">
                    {ACTION_LABELS[r.action] ?? r.action}
                    <div class="muted mono">{r.action}</div>
                  </td>
                  <td class="text mono">{r.target ?? "—"}</td>
                  <td class="text mono audit-detail" title={detail}>
                    {detail.length > DETAIL_MAX_CHARS ? `${detail.slice(0, DETAIL_MAX_CHARS)}…` : detail}
                  </td>
                  <td class="text mono">{r.ip ?? "—"}</td>
                  <td>{formatShanghaiDateTime(r.createdAt, { withSeconds: true })}</td>
                  <td class="text mono" title={r.hash}>{r.hash.slice(0, 12)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {data.rows.length === 0 && <p class="empty">没有符合条件的操作记录。请更换员工或操作后再试。</p>}
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
