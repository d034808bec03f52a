/**
 * Guards every `/admin` route, deny by default, by the access the route declares in
 * `ADMIN_ROUTE_PERMISSIONS` (domain/staff/permissions.ts), looked up by the matched route pattern:
 * - `public` (`/admin/login`) is open;
 * - everything else needs a signed-in staff member (else 303 to `/admin/login?next=…`);
 * - `staff` (`/admin/logout`) needs only that;
 * - a permission must be held by the staff member's role; a route that declares nothing is refused to
 *   everyone (403 「无权访问」);
 * - a path that matches no route shows signed-in staff the admin 页面不存在 (signed-out visitors are sent
 *   to the log-in page first, so the admin's URLs stay unlisted).
 * Admin pages are never cached.
 */
import { h } from "preact";
import { AdminForbidden } from "../../components/AdminShell.tsx";
import { accessForAdminRoute, can } from "../../domain/staff/permissions.ts";
import { define } from "../../utils.ts";

function noStore(res: Response): Response {
  try {
    res.headers.set("cache-control", "no-store");
    return res;
  } catch {
    const out = new Response(res.body, res);
    out.headers.set("cache-control", "no-store");
    return out;
  }
}

export const handler = define.middleware(async (ctx) => {
  const access = accessForAdminRoute(ctx.route);
  if (access === "public") return noStore(await ctx.next());
  const staff = ctx.state.staff;
  if (!staff) {
    const path = ctx.url.pathname.replace(/\/+$/, "") || "/";
    return noStore(ctx.redirect(`/admin/login?next=${encodeURIComponent(path + ctx.url.search)}`, 303));
  }
  // A path that matches no route goes on to the admin 页面不存在 (there is nothing to guard).
  if (access === "staff" || ctx.route === null) return noStore(await ctx.next());
  if (access === null || !can(staff, access)) {
    ctx.state.title = "无权访问";
    return noStore(await ctx.render(h(AdminForbidden, {}), { status: 403 }));
  }
  return noStore(await ctx.next());
});
