/**
 * `/admin/roles` — 角色权限 (staff.manage to look; a super administrator to save): which permissions each
 * role has, one form per role (checkboxes);
 * saving is audited as `role.permissions` and takes effect at each staff member's next request. The super
 * administrator role always keeps 员工与角色管理 (422 otherwise). Assigning a member's role is on
 * 员工管理 (`/admin/staff`).
 */
import { CsrfField } from "../../components/Field.tsx";
import { page, readForm } from "../../framework/mod.ts";
import { type Permission, PERMISSIONS, type StaffRole } from "../../domain/staff/permissions.ts";
import {
  canEditRoles,
  listRolePermissions,
  permissionLabel,
  ROLE_MESSAGES,
  setRolePermissions,
  SUPER_ADMIN_KEEPS,
} from "../../domain/staff/role_permissions.ts";
import { define, doneNotice, type State } from "../../utils.ts";

interface RolesPageData {
  roles: { role: StaffRole; label: string; permissions: Set<Permission> }[];
  notice: string | null;
  /** The role the errors (and the permissions as submitted) belong to. */
  role: string | null;
  submitted: Set<string> | null;
  errors: Record<string, string[]>;
}

const NOTICES: Record<string, string> = {
  saved: "角色权限已保存，已记入操作日志；相关员工下一次操作时生效。",
  unchanged: "权限未变化。",
};

async function render(state: State, partial: Partial<Omit<RolesPageData, "roles">>, status = 200) {
  return page<RolesPageData>({
    roles: await listRolePermissions(state.sql),
    notice: partial.notice ?? null,
    role: partial.role ?? null,
    submitted: partial.submitted ?? null,
    errors: partial.errors ?? {},
  }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "角色权限";
    return await render(ctx.state, { notice: doneNotice(ctx.url, NOTICES) });
  },
  async POST(ctx) {
    ctx.state.title = "角色权限";
    const form = await readForm(ctx.req);
    const role = String(form.get("role") ?? "").slice(0, 40);
    const permissions = form.getAll("permissions").map((p) => String(p).slice(0, 60)).slice(0, 100);
    const result = await setRolePermissions(ctx.state.sql, { role, permissions }, {
      staff: ctx.state.staff!,
      ip: ctx.state.clientIp,
    });
    if (result.ok) return ctx.redirect(`/admin/roles?done=${result.changed ? "saved" : "unchanged"}`, 303);
    const errors = result.code === "invalid_input" ? result.fields : { form: [ROLE_MESSAGES.forbidden] };
    const status = result.code === "forbidden" ? 403 : 422;
    return await render(ctx.state, { role, submitted: new Set(permissions), errors }, status);
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <>
    <h1>角色权限</h1>
    <p class="muted">
      勾选每个角色可使用的功能。保存后记入操作日志，相关员工下一次操作时生效。超级管理员始终保留“员工与角色管理”权限。
    </p>
    {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
    {!canEditRoles(state.staff) && <p class="form-error" role="status">{ROLE_MESSAGES.forbidden}。</p>}
    {data.roles.map((r) => {
      const mine = data.role === r.role;
      const checked = (p: string) =>
        mine && data.submitted ? data.submitted.has(p) : r.permissions.has(p as Permission);
      const errors = mine ? data.errors : {};
      return (
        <section class="card" aria-labelledby={`role-${r.role}`} data-role={r.role}>
          <h2 id={`role-${r.role}`}>{r.label}</h2>
          {(errors.permissions ?? errors.role ?? errors.form) && (
            <p class="form-error" role="alert">{(errors.permissions ?? errors.role ?? errors.form)[0]}</p>
          )}
          <form method="post" action="/admin/roles" class="stack">
            <CsrfField token={state.csrfToken} />
            <input type="hidden" name="role" value={r.role} />
            <fieldset class="checkbox-grid">
              <legend>{r.label}的权限</legend>
              {PERMISSIONS.map((p) => (
                <label class="choice">
                  <input
                    type="checkbox"
                    name="permissions"
                    value={p}
                    checked={checked(p)}
                    disabled={r.role === "super_admin" && p === SUPER_ADMIN_KEEPS}
                  />
                  {permissionLabel(p)}
                </label>
              ))}
              {r.role === "super_admin" && (
                <input type="hidden" name="permissions" value={SUPER_ADMIN_KEEPS} />
              )}
            </fieldset>
            <button class="btn" type="submit" disabled={!canEditRoles(state.staff)}>保存{r.label}权限</button>
          </form>
        </section>
      );
    })}
  </>
));
