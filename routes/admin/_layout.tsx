/**
 * The staff back office layout. It replaces the public site chrome (`skipInheritedLayouts`): top bar,
 * role menu, main area.
 */
import { AdminShell } from "../../components/AdminShell.tsx";
import type { RouteConfig } from "../../framework/mod.ts";
import { define } from "../../utils.ts";

export const config: RouteConfig = { skipInheritedLayouts: true };

export default define.layout(function AdminLayout({ Component, state, url }) {
  return (
    <AdminShell staff={state.staff} path={url.pathname} csrfToken={state.csrfToken}>
      <Component />
    </AdminShell>
  );
});
