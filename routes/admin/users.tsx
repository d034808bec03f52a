/**
 * `/admin/users` — 用户管理 (users.view): the user list with filters in the URL (kind, status, registered
 * from/to, exact phone through its keyed hash), 50 per page, totals, and `?format=csv` export of the
 * filtered list with masked phones (audited as `users.export`; viewing is not audited).
 */
import { Pager } from "../../components/Pager.tsx";
import { page } from "../../framework/mod.ts";
import {
  exportUsersCsv,
  listUsersForStaff,
  parseUserFilters,
  USER_STATUS_LABELS,
  USER_STATUSES,
  USERS_EXPORT_MAX_ROWS,
} from "../../domain/admin_users.ts";
import { appendAudit } from "../../domain/audit_log.ts";
import { maskPhone } from "../../domain/pii.ts";
import { formatShanghaiDate, formatShanghaiDateTime } from "../../domain/shanghai_time.ts";
import { USER_KIND_LABELS, USER_KINDS } from "../../domain/user.ts";
import { clientIp, define } from "../../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "用户管理";
    const query = parseUserFilters(ctx.url.searchParams);
    const { sql, pii } = ctx.state;
    if (ctx.url.searchParams.get("format") === "csv") {
      const staff = ctx.state.staff!;
      const result = await exportUsersCsv(sql, pii, query.filters);
      await appendAudit(sql, {
        staffId: staff.id,
        action: "users.export",
        target: "users",
        detail: {
          filters: {
            kind: query.filters.kind,
            status: query.filters.status,
            from: query.filters.from,
            to: query.filters.to,
            phone: query.filters.phone ? maskPhone(query.filters.phone) : null,
          },
          rows: result.rows,
          truncated: result.truncated,
        },
        ip: clientIp(ctx.info),
      });
      const name = `users-${formatShanghaiDate(new Date())}.csv`;
      return new Response(result.csv, {
        headers: {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="${name}"`,
          "cache-control": "no-store",
        },
      });
    }
    const list = await listUsersForStaff(sql, pii, query.filters, query.page);
    return page({ query, list });
  },
});

function Select(
  props: { name: string; label: string; value: string; options: [string, string][]; error?: string },
) {
  const id = `f-${props.name}`;
  return (
    <div class="form-field">
      <label for={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
      >
        <option value="">全部</option>
        {props.options.map(([value, label]) => (
          <option value={value} selected={value === props.value}>{label}</option>
        ))}
      </select>
      {props.error && <p class="field-error" id={`${id}-error`} role="alert">{props.error}</p>}
    </div>
  );
}

function DateInput(props: { name: string; label: string; value: string; error?: string }) {
  const id = `f-${props.name}`;
  return (
    <div class="form-field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        type="date"
        name={props.name}
        value={props.value}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
      />
      {props.error && <p class="field-error" id={`${id}-error`} role="alert">{props.error}</p>}
    </div>
  );
}

export default define.page<typeof handler>(({ data, url }) => {
  const { query, list } = data;
  const csv = new URLSearchParams(url.searchParams);
  csv.delete("page");
  csv.set("format", "csv");
  return (
    <>
      <h1>用户管理</h1>
      <form method="get" action="/admin/users" class="admin-filters" role="search" aria-label="筛选用户">
        <Select
          name="kind"
          label="类型"
          value={query.form.kind}
          options={USER_KINDS.map((k) => [k, USER_KIND_LABELS[k]])}
          error={query.errors.kind}
        />
        <Select
          name="status"
          label="状态"
          value={query.form.status}
          options={USER_STATUSES.map((s) => [s, USER_STATUS_LABELS[s]])}
          error={query.errors.status}
        />
        <DateInput name="from" label="注册日期从" value={query.form.from} error={query.errors.from} />
        <DateInput name="to" label="至" value={query.form.to} error={query.errors.to} />
        <div class="form-field">
          <label for="f-phone">手机号（精确）</label>
          <input
            id="f-phone"
            name="phone"
            type="tel"
            inputMode="tel"
            maxLength={20}
            value={query.form.phone}
            aria-invalid={query.errors.phone ? "true" : undefined}
            aria-describedby={query.errors.phone ? "f-phone-error" : undefined}
          />
          {query.errors.phone && (
            <p class="field-error" id="f-phone-error" role="alert">{query.errors.phone}</p>
          )}
        </div>
        <div class="btn-row">
          <button class="btn" type="submit">筛选</button>
          <a class="btn btn-secondary" href="/admin/users">重置</a>
          <a class="btn btn-secondary" href={`/admin/users?${csv}`}>导出 CSV</a>
        </div>
      </form>
      <p class="muted">
        共 {list.totals.total} 人（出借人 {list.totals.investors}，借款人{" "}
        {list.totals.borrowers}）。导出为脱敏数据，最多 {USERS_EXPORT_MAX_ROWS} 行，并记入操作日志。
      </p>
      <div class="table-wrap" tabIndex={0} role="region" aria-label="数据表格（可左右滑动查看）">
        <table class="data admin-table">
          <thead>
            <tr>
              <th scope="col">用户ID</th>
              <th scope="col" class="text">手机号</th>
              <th scope="col" class="text">类型</th>
              <th scope="col" class="text">昵称</th>
              <th scope="col" class="text">状态</th>
              <th scope="col">注册时间</th>
            </tr>
          </thead>
          <tbody>
            {list.rows.map((u) => (
              <tr>
                <td>{u.id}</td>
                <td class="text">{u.phoneMasked}</td>
                <td class="text">{u.kindLabel}</td>
                <td class="text">{u.displayName}</td>
                <td class="text">
                  <span class={u.status === "active" ? "badge" : "badge badge-warn"}>{u.statusLabel}</span>
                </td>
                <td>{formatShanghaiDateTime(u.createdAt)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <td colSpan={6} class="text">
                合计 {list.totals.total} 人 · 出借人 {list.totals.investors} · 借款人 {list.totals.borrowers}
              </td>
            </tr>
          </tfoot>
        </table>
      </div>
      {list.rows.length === 0 && (
        <p class="empty">没有符合条件的用户。请放宽筛选条件，或点「重置」查看全部。</p>
      )}
      <Pager url={url} page={list.page} pageCount={list.pageCount} />
    </>
  );
});
