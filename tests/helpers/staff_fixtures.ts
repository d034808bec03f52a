/**
 * Staff for tests of the staff administration: members inserted directly (unique user names, no usable
 * password), actors for domain commands with their role's permissions as stored, a signed-in browser
 * (a staff session made through the domain, so no log-in flow is needed), and the audit rows of an action.
 * @module
 */
import type { Db } from "../../db/tx.ts";
import type { StaffRole } from "../../domain/staff/permissions.ts";
import { loadRolePermissions } from "../../domain/staff/role_permissions.ts";
import type { TestApp } from "./app.ts";
import { type Client, sessionClient } from "./forms.ts";

/** A new active staff member with `role` (user name `t` + random). */
export async function insertStaff(sql: Db, role: StaffRole): Promise<{ id: string; username: string }> {
  const username = `t${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`;
  const [row] = await sql<{ id: string }[]>`
    insert into staff (username, display_name, role, password_hash)
    values (${username}, ${"测试" + role}, ${role}, ${"!no-login"}) returning id`;
  return { id: row.id, username };
}

/** An actor for a domain command: the member and the permissions of their role as stored now. */
export async function actorFor(
  sql: Db,
  staff: { id: string },
  role: StaffRole,
): Promise<{ staff: { id: string; role: StaffRole; permissions: ReadonlySet<string> }; ip: string }> {
  return { staff: { id: staff.id, role, permissions: await loadRolePermissions(sql, role) }, ip: "10.9.9.9" };
}

/** A new member with `role` and a browser signed in as them (staff cookie set; call `get` first for CSRF). */
export async function staffBrowser(
  app: TestApp | Promise<TestApp>,
  sql: Db,
  role: StaffRole,
): Promise<{ client: Client; staffId: string }> {
  const staff = await insertStaff(sql, role);
  const client = await sessionClient(app, sql, { type: "staff", id: staff.id });
  return { client, staffId: staff.id };
}

/** The audit rows of `action` (on `target` when given), oldest first. */
export async function auditRows(
  sql: Db,
  action: string,
  target?: string,
): Promise<
  { id: string; staff_id: string | null; target: string | null; detail: Record<string, unknown> }[]
> {
  return await sql`
    select id, staff_id, target, detail from audit_log
    where action = ${action} and (${target ?? null}::text is null or target = ${target ?? null}::text)
    order by id`;
}
