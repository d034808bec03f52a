/**
 * Roles and their permissions as stored (角色权限): which permissions each role has (`role_permissions`,
 * seeded from {@link ROLE_PERMISSIONS}, edited by the super administrator), loaded whenever a staff session
 * is, and the staff member's role (assigned on 员工管理). Two rules hold under any concurrency:
 * - there is always at least one active super administrator: demoting or disabling the last one is refused
 *   (`last_super_admin`), checked under row locks of every active super administrator;
 * - the super administrator role always keeps `staff.manage` (the right to edit roles and staff).
 *
 * A permission the code knows but `permission_catalog` does not (added by a later release) takes its
 * default roles from {@link ROLE_PERMISSIONS} until a role is first saved, which writes it to the tables.
 * @module
 */
import { type Db, type Queryable, transaction, type Tx } from "../../db/tx.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import { isId } from "../shared/ids.ts";
import { appendAudit } from "./audit_log.ts";
import {
  can,
  isStaffRole,
  type Permission,
  PERMISSIONS,
  ROLE_LABELS,
  ROLE_PERMISSIONS,
  STAFF_ROLES,
  type StaffRole,
} from "./permissions.ts";

/**
 * Whether a staff member may edit roles and assign them: a super administrator holding `staff.manage`.
 * `staff.manage` alone (delegated to another role) covers creating and disabling staff, not raising
 * anyone's rights — otherwise its holder could grant itself everything.
 */
export function canEditRoles(staff: Pick<SessionStaff, "role" | "permissions"> | null | undefined): boolean {
  return !!staff && staff.role === "super_admin" && can(staff, "staff.manage");
}

/** The permission the super administrator role can never lose. */
export const SUPER_ADMIN_KEEPS: Permission = "staff.manage";

/** Chinese names of the permissions (a permission missing here shows its key). */
export const PERMISSION_LABELS: Readonly<Partial<Record<string, string>>> = {
  "admin.dashboard": "后台概览",
  "users.view": "查看用户",
  "users.manage": "管理用户（状态、标签）",
  "users.pii": "查看用户完整个人信息",
  "kyc.review": "实名与视频审核",
  "loans.review": "借款审核",
  "risk.rules": "风控规则",
  "finance.view": "查看资金流水",
  "finance.disburse": "放款",
  "finance.reconcile": "对账",
  "finance.withdrawals": "提现审核",
  "finance.fees": "费率设置",
  "collections.manage": "催收管理",
  "cs.tickets": "客服工单",
  "content.manage": "内容管理",
  "system.config": "系统配置",
  "audit.view": "查看操作日志",
  "staff.manage": "员工与角色管理",
};

/** The Chinese name of a permission (its key when unknown). */
export function permissionLabel(permission: string): string {
  return PERMISSION_LABELS[permission] ?? permission;
}

/** The advisory lock (two-int form, with the role's index) that serialises edits of one role. */
const ROLE_EDIT_LOCK_KEY = 72_640_010;

/**
 * The permissions of a role: its rows in `role_permissions` for the permissions in the catalog, the code's
 * defaults for those not in it; the super administrator always has {@link SUPER_ADMIN_KEEPS}. An unknown
 * role has none.
 */
export async function loadRolePermissions(db: Queryable, role: string): Promise<Set<Permission>> {
  if (!isStaffRole(role)) return new Set();
  const rows = await db<{ permission: string; granted: boolean }[]>`
    select c.permission,
           exists (select 1 from role_permissions rp where rp.role = ${role} and rp.permission = c.permission)
             as granted
    from permission_catalog c`;
  return effectivePermissions(role, rows);
}

function effectivePermissions(
  role: StaffRole,
  rows: readonly { permission: string; granted: boolean }[],
): Set<Permission> {
  const known = new Map(rows.map((r) => [r.permission, r.granted]));
  const defaults = new Set<string>(ROLE_PERMISSIONS[role]);
  const out = new Set<Permission>();
  for (const p of PERMISSIONS) {
    const granted = known.has(p) ? known.get(p)! : defaults.has(p);
    if (granted) out.add(p);
  }
  if (role === "super_admin") out.add(SUPER_ADMIN_KEEPS);
  return out;
}

/** Every role's permissions (the 角色权限 matrix), in {@link STAFF_ROLES} order. */
export async function listRolePermissions(
  db: Queryable,
): Promise<{ role: StaffRole; label: string; permissions: Set<Permission> }[]> {
  const catalog = await db<{ permission: string }[]>`select permission from permission_catalog`;
  const grants = await db<
    { role: string; permission: string }[]
  >`select role, permission from role_permissions`;
  return STAFF_ROLES.map((role) => {
    const mine = new Set(grants.filter((g) => g.role === role).map((g) => g.permission));
    const rows = catalog.map((c) => ({ permission: c.permission, granted: mine.has(c.permission) }));
    return { role, label: ROLE_LABELS[role], permissions: effectivePermissions(role, rows) };
  });
}

/** Write every code permission missing from the catalog, with its default roles (inside `tx`). */
async function materialiseCatalog(tx: Tx): Promise<void> {
  const known = new Set(
    (await tx<{ permission: string }[]>`select permission from permission_catalog`).map((r) => r.permission),
  );
  for (const p of PERMISSIONS) {
    if (known.has(p)) continue;
    const inserted = await tx`
      insert into permission_catalog (permission) values (${p}) on conflict do nothing returning permission`;
    if (inserted.length === 0) continue;
    for (const role of STAFF_ROLES) {
      if (!(ROLE_PERMISSIONS[role] as readonly string[]).includes(p)) continue;
      await tx`insert into role_permissions (role, permission) values (${role}, ${p}) on conflict do nothing`;
    }
  }
}

/** Outcome of {@link setRolePermissions}. */
export type SetRolePermissionsResult =
  | { ok: true; changed: boolean; added: Permission[]; removed: Permission[] }
  | { ok: false; code: "forbidden" }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/** Chinese messages of {@link setRolePermissions} and {@link setStaffRole}. */
export const ROLE_MESSAGES = {
  forbidden: "只有超级管理员可以修改角色权限或变更员工角色",
  not_found: "员工不存在",
  last_super_admin: "这是最后一位在职的超级管理员，不能变更其角色或停用",
  super_admin_keeps: "超级管理员角色必须保留“员工与角色管理”权限",
  invalid_role: "请选择正确的角色",
  invalid_permission: "包含未知的权限",
} as const;

/**
 * 保存角色权限: replace the permissions of `role` with `permissions`. Needs {@link canEditRoles}. Codes:
 * `forbidden`; `invalid_input` (unknown role or permission; the super administrator role without
 * {@link SUPER_ADMIN_KEEPS}). Audited as `role.permissions` with what was added and removed; saving the
 * same set changes nothing and writes no audit row (`changed: false`).
 */
export async function setRolePermissions(
  db: Db,
  input: { role: string; permissions: readonly string[] },
  actor: { staff: Pick<SessionStaff, "id" | "role" | "permissions">; ip: string | null },
): Promise<SetRolePermissionsResult> {
  if (!canEditRoles(actor.staff)) return { ok: false, code: "forbidden" };
  if (!isStaffRole(input.role)) {
    return { ok: false, code: "invalid_input", fields: { role: [ROLE_MESSAGES.invalid_role] } };
  }
  const role = input.role;
  const wanted = new Set<string>(input.permissions);
  if ([...wanted].some((p) => !(PERMISSIONS as readonly string[]).includes(p))) {
    return { ok: false, code: "invalid_input", fields: { permissions: [ROLE_MESSAGES.invalid_permission] } };
  }
  if (role === "super_admin" && !wanted.has(SUPER_ADMIN_KEEPS)) {
    return { ok: false, code: "invalid_input", fields: { permissions: [ROLE_MESSAGES.super_admin_keeps] } };
  }
  return await transaction(db, async (tx): Promise<SetRolePermissionsResult> => {
    await tx`select pg_advisory_xact_lock(${ROLE_EDIT_LOCK_KEY}, ${STAFF_ROLES.indexOf(role)})`;
    await materialiseCatalog(tx);
    const before = await loadRolePermissions(tx, role);
    const added = PERMISSIONS.filter((p) => wanted.has(p) && !before.has(p));
    const removed = PERMISSIONS.filter((p) => !wanted.has(p) && before.has(p));
    if (added.length === 0 && removed.length === 0) return { ok: true, changed: false, added, removed };
    if (removed.length > 0) {
      await tx`delete from role_permissions where role = ${role} and permission = any(${removed}::text[])`;
    }
    for (const p of added) {
      await tx`insert into role_permissions (role, permission) values (${role}, ${p}) on conflict do nothing`;
    }
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "role.permissions",
      target: `role:${role}`,
      detail: { added, removed },
      ip: actor.ip,
    });
    return { ok: true, changed: true, added, removed };
  });
}

/**
 * Lock every active super administrator's row (in id order, so concurrent callers queue instead of
 * deadlocking) and say whether `staffId` is one and the only one. Call it inside the transaction that
 * demotes or disables `staffId`, before changing its row.
 */
export async function isLastActiveSuperAdmin(tx: Tx, staffId: string): Promise<boolean> {
  const rows = await tx<{ id: string }[]>`
    select id from staff where role = 'super_admin' and status = 'active' order by id for update`;
  return rows.length === 1 && rows[0].id === staffId;
}

/** Outcome of {@link setStaffRole}. */
export type SetStaffRoleResult =
  | { ok: true; changed: boolean }
  | { ok: false; code: "forbidden" | "not_found" | "last_super_admin" }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/**
 * 变更角色: give a staff member another role. Needs {@link canEditRoles}. Codes: `forbidden`, `not_found`,
 * `invalid_input` (unknown role, bad id), `last_super_admin` (the member is the last active super
 * administrator and the new role is another). Audited as `staff.role` with the old and new role; the same
 * role changes nothing (`changed: false`, no audit row). Takes effect at the member's next request
 * (permissions are loaded with the session).
 */
export async function setStaffRole(
  db: Db,
  input: { staffId: string; role: string },
  actor: { staff: Pick<SessionStaff, "id" | "role" | "permissions">; ip: string | null },
): Promise<SetStaffRoleResult> {
  if (!canEditRoles(actor.staff)) return { ok: false, code: "forbidden" };
  const fields: Record<string, string[]> = {};
  if (!isId(input.staffId)) fields.staffId = ["请选择员工"];
  if (!isStaffRole(input.role)) fields.role = [ROLE_MESSAGES.invalid_role];
  if (Object.keys(fields).length > 0) return { ok: false, code: "invalid_input", fields };
  const role = input.role as StaffRole;
  return await transaction(db, async (tx): Promise<SetStaffRoleResult> => {
    const lastSuper = role !== "super_admin" && await isLastActiveSuperAdmin(tx, input.staffId);
    const [row] = await tx<{ id: string; username: string; role: string }[]>`
      select id, username, role from staff where id = ${input.staffId} for update`;
    if (!row) return { ok: false, code: "not_found" };
    if (row.role === role) return { ok: true, changed: false };
    if (lastSuper) return { ok: false, code: "last_super_admin" };
    await tx`update staff set role = ${role} where id = ${row.id}`;
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "staff.role",
      target: `staff:${row.id}`,
      detail: { username: row.username, from: row.role, to: role },
      ip: actor.ip,
    });
    return { ok: true, changed: true };
  });
}
