/**
 * `/admin/users` — 用户管理 (users.view): the user list, 50 per page, with totals, filtered by kind, status,
 * tag and registration days (in the URL: GET, bookmarkable) and by an exact phone number, real name or ID
 * number, which are personal data and so never travel in a URL (ASVS 14.2.1): the filter form is a
 * CSRF-checked POST. A POST without one of those redirects to the GET of its other filters; one with a phone renders the list (its pager posts
 * again). 导出 CSV is a POST too (`intent=export`): the filtered list with masked phones, audited as
 * `users.export` in the export's transaction; viewing is not audited.
 */
import { PostPager } from "../../components/admin/PostPager.tsx";
import { UserFilters } from "../../components/admin/UserFilters.tsx";
import { UserTable } from "../../components/admin/UserTable.tsx";
import { Pager } from "../../components/Pager.tsx";
import { HttpError, page, readForm } from "../../framework/mod.ts";
import {
  exportUsersCsv,
  hasPersonalFilter,
  listUsersForStaff,
  type ParsedUserQuery,
  parseUserFilters,
  userFiltersQuery,
  USERS_EXPORT_MAX_ROWS,
} from "../../domain/admin/users.ts";
import { formatShanghaiDate } from "../../domain/shared/shanghai_time.ts";
import { formatCount } from "../../domain/shared/count.ts";
import { define, type State } from "../../utils.ts";

const EXPORT_VIA_GET_NOTICE = "导出请使用筛选栏中的“导出 CSV”按钮。";

/** The list page for `query`; `posted`: the filters came in a form body (so the pager posts them again). */
async function listPage(
  state: State,
  query: ParsedUserQuery,
  options: { posted: boolean; notice?: string | null; status?: number },
) {
  const list = await listUsersForStaff(state.sql, state.pii, query.filters, query.page);
  return page(
    { query, list, posted: options.posted, notice: options.notice ?? null },
    { status: options.status ?? 200 },
  );
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "用户管理";
    const query = parseUserFilters(ctx.url.searchParams, "url");
    const notice = ctx.url.searchParams.has("format") ? EXPORT_VIA_GET_NOTICE : null;
    return await listPage(ctx.state, query, { posted: false, notice });
  },
  async POST(ctx) {
    ctx.state.title = "用户管理";
    const form = await readForm(ctx.req);
    const query = parseUserFilters(form, "form");
    if (form.get("intent") === "export") {
      // never export a list whose filters were mistyped (a wrong phone would export everyone)
      if (Object.keys(query.errors).length > 0) {
        return await listPage(ctx.state, query, { posted: true, status: 422 });
      }
      const result = await exportUsersCsv(ctx.state.sql, { cipher: ctx.state.pii, filters: query.filters }, {
        staff: ctx.state.staff!,
        ip: ctx.state.clientIp,
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
    if (!hasPersonalFilter(query.form)) {
      const q = userFiltersQuery(query.form, query.page).toString();
      return ctx.redirect(q ? `/admin/users?${q}` : "/admin/users", 303);
    }
    return await listPage(ctx.state, query, { posted: true });
  },
});

export default define.page<typeof handler>(({ data, url, state }) => {
  const { query, list, posted, notice } = data;
  // the pager's links carry only the URL filters (never a phone, even one typed into the address bar)
  const listUrl = new URL(`/admin/users?${userFiltersQuery(query.form)}`, url);
  return (
    <>
      <h1>用户管理</h1>
      {notice && <p class="form-error" role="status">{notice}</p>}
      <UserFilters query={query} csrfToken={state.csrfToken} />
      <p class="muted">
        共 {formatCount(list.totals.total)} 人（出借人 {formatCount(list.totals.investors)}，借款人{" "}
        {formatCount(list.totals.borrowers)}）。导出为脱敏数据，最多 {USERS_EXPORT_MAX_ROWS}{" "}
        行，并记入操作日志。
      </p>
      <UserTable rows={list.rows} totals={list.totals} />
      {posted
        ? (
          <PostPager
            action="/admin/users"
            page={list.page}
            pageCount={list.pageCount}
            fields={{ ...query.form }}
            csrfToken={state.csrfToken}
          />
        )
        : <Pager url={listUrl} page={list.page} pageCount={list.pageCount} />}
    </>
  );
});
