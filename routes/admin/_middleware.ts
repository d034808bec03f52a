/**
 * Guards every `/admin` route, deny by default, by the access the route declares in
 * `ADMIN_ROUTE_PERMISSIONS` (domain/staff/permissions.ts), looked up by the matched route pattern:
 * - `public` (`/admin/login`) is open;
 * - everything else needs a signed-in staff member (else 303 to `/admin/login?next=…`);
 * - `staff` (`/admin/logout`) needs only that;
 * - a permission must be held by the staff member's role; a route that declares nothing is refused to
 *   everyone (403 「无权访问」, logged as the security event `admin.forbidden`);
 * - a path that matches no route shows signed-in staff the admin 页面不存在 (signed-out visitors are sent
 *   to the log-in page first, so the admin's URLs stay unlisted).
 * Admin pages are never cached.
 */
import { h } from "preact";
import { AdminForbidden } from "../../components/AdminShell.tsx";
import { accessForAdminRoute, can } from "../../domain/staff/permissions.ts";
import { type Context, onErrorResponse } from "../../framework/mod.ts";
import { define, type State } from "../../utils.ts";

/** Query parameters that would carry personal data; dropped from the log-in page's `next`. */
const PERSONAL_PARAMS = ["phone", "idNumber", "cardNumber", "name", "email"];

/** `ctx.next()`, never cached — also when it throws and an error page answers further out. */
async function nextNoStore(ctx: Context<State>): Promise<Response> {
  try {
    return noStore(await ctx.next());
  } catch (error) {
    onErrorResponse(ctx, noStore);
    throw error;
  }
}

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
  if (access === "public") return await nextNoStore(ctx);
  const staff = ctx.state.staff;
  if (!staff) {
    const path = ctx.url.pathname.replace(/\/+$/, "") || "/";
    // personal data never travels on in a URL (an old bookmark of a phone search, say)
    const query = new URLSearchParams(ctx.url.search);
    for (const name of PERSONAL_PARAMS) query.delete(name);
    const next = path + (query.size > 0 ? `?${query}` : "");
    return noStore(ctx.redirect(`/admin/login?next=${encodeURIComponent(next)}`, 303));
  }
  // A path that matches no route goes on to the admin 页面不存在 (there is nothing to guard).
  if (access === "staff" || ctx.route === null) return await nextNoStore(ctx);
  if (access === null || !can(staff, access)) {
    ctx.state.securityLog?.emit("admin.forbidden", {
      subject: "staff",
      staffId: staff.id,
      path: ctx.url.pathname,
      httpMethod: ctx.req.method,
    });
    ctx.state.title = "无权访问";
    return noStore(await ctx.render(h(AdminForbidden, {}), { status: 403 }));
  }
  return await nextNoStore(ctx);
});
