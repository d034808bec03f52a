/**
 * Guards every `/admin` route, deny by default:
 * - `/admin/login` is open;
 * - everything else needs a signed-in staff member (else 303 to `/admin/login?next=…`);
 * - `/admin/logout` needs only that;
 * - any other path needs the permission {@link permissionForAdminPath} maps it to, held by the staff
 *   member's role; a path without a mapping is refused to everyone (403 「无权访问」).
 * Admin pages are never cached.
 */
import { h } from "preact";
import { AdminForbidden } from "../../components/AdminShell.tsx";
import { can, permissionForAdminPath } from "../../domain/staff/staff.ts";
import { define } from "../../utils.ts";

/** Paths a signed-out visitor may open. */
const PUBLIC_PATHS = new Set(["/admin/login"]);
/** Paths any signed-in staff member may open, whatever the role. */
const ANY_STAFF_PATHS = new Set(["/admin/logout"]);

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
  const path = ctx.url.pathname.replace(/\/+$/, "") || "/";
  if (PUBLIC_PATHS.has(path)) return noStore(await ctx.next());
  const staff = ctx.state.staff;
  if (!staff) {
    const next = path + ctx.url.search;
    return noStore(ctx.redirect(`/admin/login?next=${encodeURIComponent(next)}`, 303));
  }
  if (ANY_STAFF_PATHS.has(path)) return noStore(await ctx.next());
  const permission = permissionForAdminPath(path);
  if (!permission || !can(staff, permission)) {
    ctx.state.title = "无权访问";
    return noStore(await ctx.render(h(AdminForbidden, {}), { status: 403 }));
  }
  return noStore(await ctx.next());
});
