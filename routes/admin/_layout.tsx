/**
 * The staff back office layout. It replaces the public site chrome (`skipInheritedLayouts`): top bar,
 * role menu with the waiting items of the queues the member may see (one query per page), main area.
 */
import { AdminShell } from "../../components/AdminShell.tsx";
import { menuQueueCounts } from "../../domain/admin/menu_counts.ts";
import { menuForPermissions, menuQueues } from "../../domain/staff/permissions.ts";
import type { RouteConfig } from "../../framework/mod.ts";
import { define } from "../../utils.ts";

export const config: RouteConfig = { skipInheritedLayouts: true };

export default define.layout(async function AdminLayout({ Component, state, url, error }) {
  const menu = state.staff ? menuForPermissions(state.staff.permissions) : [];
  // an error page (a failed query, say) shows the menu without counts rather than failing again
  const counts = error ? {} : await menuQueueCounts(state.sql, menuQueues(menu));
  return (
    <AdminShell
      staff={state.staff}
      menu={menu}
      counts={counts}
      path={url.pathname}
      csrfToken={state.csrfToken}
    >
      <Component />
    </AdminShell>
  );
});
