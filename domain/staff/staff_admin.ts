/**
 * Staff administration (员工管理) beyond creation: the staff list, and disabling / re-enabling an
 * account with a required reason. Each change and its audit entry commit in one transaction; disabling
 * also ends the member's sessions.
 */
import { type Db, transaction } from "../../db/tx.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import { appendAudit } from "./audit_log.ts";
import { destroySessionsFor } from "../accounts/session.ts";
import { can } from "./permissions.ts";
import { isId } from "../shared/ids.ts";
import { isLastActiveSuperAdmin } from "./role_permissions.ts";

/** Most staff rows the list shows. */
export const STAFF_LIST_LIMIT = 500;
/** Reason length bounds (characters). */
export const REASON_MIN_CHARS = 2;
/** Longest reason accepted. */
export const REASON_MAX_CHARS = 200;

/** One staff member in the list. */
export interface StaffListRow {
  id: string;
  username: string;
  displayName: string;
  role: string;
  status: "active" | "disabled";
  createdAt: Date;
}

/** Every staff member (at most {@link STAFF_LIST_LIMIT}), by id. */
export async function listStaff(sql: Db): Promise<StaffListRow[]> {
  return await sql<StaffListRow[]>`
    select id, username, display_name as "displayName", role, status, created_at as "createdAt"
    from staff order by id limit ${STAFF_LIST_LIMIT}`;
}

/** Outcome of {@link setStaffStatus}. */
export type SetStaffStatusResult =
  | { ok: true; changed: boolean }
  | { ok: false; code: "forbidden" | "not_found" | "self" | "last_super_admin" }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/** Chinese messages for the failures of {@link setStaffStatus}. */
export const SET_STAFF_STATUS_MESSAGES = {
  forbidden: "无权操作",
  not_found: "员工不存在",
  self: "不能停用自己的账户",
  last_super_admin: "这是最后一位在职的超级管理员，不能停用",
} as const;

/**
 * Disable or re-enable a staff account. Needs `staff.manage`; a reason of
 * {@link REASON_MIN_CHARS}–{@link REASON_MAX_CHARS} characters; nobody can disable themselves, nor the last
 * active super administrator (`last_super_admin`, checked under row locks). Audited as
 * `staff.disable` / `staff.enable` with the reason; disabling ends the member's sessions at once. Setting
 * the status it already has changes nothing and writes no audit row (`changed: false`).
 */
export async function setStaffStatus(
  sql: Db,
  input: { staffId: string; status: string; reason: string },
  actor: { staff: Pick<SessionStaff, "id" | "permissions">; ip: string | null },
): Promise<SetStaffStatusResult> {
  if (!can(actor.staff, "staff.manage")) return { ok: false, code: "forbidden" };
  const fields: Record<string, string[]> = {};
  const reason = input.reason.trim();
  if (Array.from(reason).length < REASON_MIN_CHARS) fields.reason = ["请填写原因（至少 2 个字）"];
  else if (Array.from(reason).length > REASON_MAX_CHARS) fields.reason = ["原因最多 200 个字"];
  if (input.status !== "active" && input.status !== "disabled") fields.status = ["请选择操作"];
  if (!isId(input.staffId)) fields.staffId = ["请选择员工"];
  if (Object.keys(fields).length > 0) return { ok: false, code: "invalid_input", fields };
  const status = input.status as "active" | "disabled";
  if (status === "disabled" && input.staffId === actor.staff.id) return { ok: false, code: "self" };

  return await transaction(sql, async (tx): Promise<SetStaffStatusResult> => {
    const lastSuper = status === "disabled" && await isLastActiveSuperAdmin(tx, input.staffId);
    const [row] = await tx<{ id: string; username: string; status: string }[]>`
      select id, username, status from staff where id = ${input.staffId} for update`;
    if (!row) return { ok: false, code: "not_found" };
    if (row.status === status) return { ok: true, changed: false };
    if (lastSuper) return { ok: false, code: "last_super_admin" };
    await tx`update staff set status = ${status} where id = ${row.id}`;
    let sessionsEnded = 0;
    if (status === "disabled") sessionsEnded = await destroySessionsFor(tx, "staff", row.id);
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: status === "disabled" ? "staff.disable" : "staff.enable",
      target: `staff:${row.id}`,
      detail: { username: row.username, reason, sessionsEnded },
      ip: actor.ip,
    });
    return { ok: true, changed: true };
  });
}
