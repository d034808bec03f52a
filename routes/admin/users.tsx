/**
 * `/admin/users` — 用户管理 (users.view): the user list with filters in the URL (kind, status, registered
 * from/to, exact phone through its keyed hash), 50 per page, totals, and `?format=csv` export of the
 * filtered list with masked phones (audited as `users.export`; viewing is not audited).
 */
import { UserFilters } from "../../components/admin/UserFilters.tsx";
import { UserTable } from "../../components/admin/UserTable.tsx";
import { Pager } from "../../components/Pager.tsx";
import { HttpError, page } from "../../framework/mod.ts";
import {
  exportUsersCsv,
  listUsersForStaff,
  parseUserFilters,
  USERS_EXPORT_MAX_ROWS,
} from "../../domain/admin/users.ts";
import { formatShanghaiDate } from "../../domain/shared/shanghai_time.ts";
import { clientIp, define } from "../../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "用户管理";
    const query = parseUserFilters(ctx.url.searchParams);
    const { sql, pii } = ctx.state;
    if (ctx.url.searchParams.get("format") === "csv") {
      const result = await exportUsersCsv(sql, { cipher: pii, filters: query.filters }, {
        staff: ctx.state.staff!,
        ip: clientIp(ctx.info),
      });
      if (!result.ok) throw new HttpError(403);
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

export default define.page<typeof handler>(({ data, url }) => {
  const { query, list } = data;
  const csv = new URLSearchParams(url.searchParams);
  csv.delete("page");
  csv.set("format", "csv");
  return (
    <>
      <h1>用户管理</h1>
      <UserFilters query={query} csvHref={`/admin/users?${csv}`} />
      <p class="muted">
        共 {list.totals.total} 人（出借人 {list.totals.investors}，借款人{" "}
        {list.totals.borrowers}）。导出为脱敏数据，最多 {USERS_EXPORT_MAX_ROWS} 行，并记入操作日志。
      </p>
      <UserTable rows={list.rows} totals={list.totals} />
      <Pager url={url} page={list.page} pageCount={list.pageCount} />
    </>
  );
});
