/**
 * Staff accounts (后台员工): log-in (rate-limited, audited, new session), log-out and creation (audited).
 * Roles and permissions are in `permissions.ts`.
 */
import { z } from "zod";
import { type Db, transaction } from "../../db/tx.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import { appendAudit } from "./audit_log.ts";
import { fieldErrorsFrom } from "../shared/field_errors.ts";
import {
  authenticate,
  type LockScope,
  type LoginAccount,
  loginFailureMessage,
  networkLockedMessage,
} from "../accounts/login_core.ts";
import type { SecurityLog } from "../shared/security_log.ts";
import { hashPassword, validatePassword } from "../accounts/password.ts";
import { lockMinutes, type LockoutRule } from "../accounts/rate_limit.ts";
import { destroySession } from "../accounts/session.ts";
import { createPendingLogin } from "../accounts/pending_login.ts";
import { can, permissionsFor, STAFF_ROLES } from "./permissions.ts";

/** Failed staff logins per username: 5 in 15 minutes locks it for 15 minutes. */
export const STAFF_LOCKOUT: LockoutRule = { maxFailures: 5, windowSeconds: 900, lockSeconds: 900 };

/** Chinese messages for staff log-in outcomes. */
export const STAFF_LOGIN_MESSAGES = {
  invalid_credentials: (remainingAttempts: number) =>
    remainingAttempts > 0 && remainingAttempts <= 3
      ? `用户名或密码错误，还可尝试 ${remainingAttempts} 次`
      : "用户名或密码错误",
  locked: (retryAfterSeconds: number, scope: LockScope = "account") =>
    scope === "ip"
      ? networkLockedMessage(retryAfterSeconds)
      : `登录失败次数过多，账户已锁定，请 ${lockMinutes(retryAfterSeconds)} 分钟后再试`,
  account_disabled: () => "该员工账户已停用，请联系管理员",
} as const;

/**
 * Outcome of {@link loginStaff}. A right password never yields a session by itself: it opens the second
 * step (`totp`, or `totp_enrol` for a member without TOTP) whose id goes into a short-lived cookie.
 */
export type StaffLoginResult =
  | { ok: true; pendingId: string; step: "totp" | "totp_enrol"; expiresAt: Date; staff: SessionStaff }
  | { ok: false; code: "invalid_credentials"; remainingAttempts: number }
  | { ok: false; code: "locked"; retryAfterSeconds: number; scope: LockScope }
  | { ok: false; code: "account_disabled" };

/** The Chinese message for a failed staff log-in. */
export function staffLoginErrorMessage(result: Exclude<StaffLoginResult, { ok: true }>): string {
  return loginFailureMessage(STAFF_LOGIN_MESSAGES, result);
}

function normalizeUsername(username: string): string {
  return username.trim().toLowerCase();
}

/**
 * Staff log-in, step 1: username and password, through the shared log-in core (rate-limited per username
 * and per IP, attempts counted before the password check; failures audited `staff.login_failed`). A right
 * password opens the pending second step (TOTP, or enrolment) — `completeStaffLogin` in `totp.ts` then
 * creates the session (15 min idle, 8 h absolute), replacing any previous one, and audits `staff.login`.
 */
export async function loginStaff(
  db: Db,
  input: {
    username: string;
    password: string;
    ip: string | null;
    userAgent: string | null;
    previousSessionId?: string | null;
    /** Where to go after the second step (an `/admin` path, checked by the route). */
    nextPath?: string | null;
  },
  options: { now?: Date; securityLog?: SecurityLog } = {},
): Promise<StaffLoginResult> {
  const now = options.now ?? new Date();
  const username = normalizeUsername(input.username).slice(0, 64);
  type StaffRow = LoginAccount & { username: string; displayName: string; role: string };
  const result = await authenticate<StaffRow>(db, {
    subjectType: "staff",
    accountKey: `staff:${username}`,
    accountRule: STAFF_LOCKOUT,
    ip: input.ip,
    userAgent: input.userAgent,
    password: input.password,
    previousSessionId: input.previousSessionId,
    now,
    securityLog: options.securityLog,
    // an unknown user name is not logged: it may be a password typed into the wrong field
    accountRef: (row) => (row ? { subject: "staff", staffId: row.id } : { subject: "staff" }),
    find: async (q) => {
      const [row] = await q<StaffRow[]>`
        select id, username, display_name as "displayName", role, password_hash as "passwordHash", status
        from staff where username = ${username}`;
      return row ?? null;
    },
    onFailure: async (tx, row, failures) => {
      await appendAudit(tx, {
        staffId: row?.id ?? null,
        action: "staff.login_failed",
        target: row ? `staff:${row.id}` : null,
        detail: { username, failures },
        ip: input.ip,
      });
    },
    secondStep: async (tx, row) => {
      const [t] = await tx`select 1 from staff_totp where staff_id = ${row.id} and enabled_at is not null`;
      return await createPendingLogin(tx, {
        subjectType: "staff",
        subjectId: row.id,
        step: t ? "totp" : "totp_enrol",
        nextPath: input.nextPath ?? null,
        ip: input.ip,
        userAgent: input.userAgent,
        now,
      });
    },
  });
  if (!result.ok) return result;
  const { account, pending } = result;
  if (!pending) throw new Error("staff log-in without a second step");
  return {
    ok: true,
    pendingId: pending.pendingId,
    step: pending.step === "totp" ? "totp" : "totp_enrol",
    expiresAt: pending.expiresAt,
    staff: {
      id: account.id,
      username: account.username,
      displayName: account.displayName,
      role: account.role,
      permissions: permissionsFor(account.role),
    },
  };
}

/**
 * The command 退出 for staff: end the session `rawSessionId` server-side and, when it was a live session of
 * `staff`, audit `staff.logout` in the same transaction. Returns whether a session ended.
 */
export async function logoutStaff(
  db: Db,
  input: { rawSessionId: string | null; staff: Pick<SessionStaff, "id"> | null; ip: string | null },
): Promise<{ ended: boolean }> {
  return await transaction(db, async (tx) => {
    const ended = await destroySession(tx, input.rawSessionId);
    if (ended && input.staff) {
      await appendAudit(tx, {
        staffId: input.staff.id,
        action: "staff.logout",
        target: `staff:${input.staff.id}`,
        detail: {},
        ip: input.ip,
      });
    }
    return { ended };
  });
}

/** Input of {@link createStaff}, validated with Chinese messages. */
export const createStaffSchema = z.object({
  username: z.string().trim().toLowerCase().regex(/^[a-z][a-z0-9_.-]{1,31}$/, {
    error: "用户名为 2–32 位小写字母、数字、点、横线或下划线，以字母开头",
  }),
  displayName: z.string().trim().min(1, { error: "请填写姓名" }).max(50, { error: "姓名最多 50 个字" }),
  role: z.enum(STAFF_ROLES, { error: "请选择角色" }),
  password: z.string({ error: "请设置密码" }),
}).superRefine((data, ctx) => {
  // the member's own username and name count against the password (「zhangsan2026」 is weak for zhangsan)
  const personal = [data.username, data.displayName].filter((v): v is string => typeof v === "string");
  for (const message of validatePassword(data.password, personal)) {
    ctx.addIssue({ code: "custom", path: ["password"], message });
  }
}, {
  // judged even when another field is wrong, so every field's error shows at once
  when: (payload) => typeof (payload.value as { password?: unknown } | null)?.password === "string",
});

/** Outcome of {@link createStaff}. */
export type CreateStaffResult =
  | { ok: true; staffId: string }
  | { ok: false; code: "forbidden" }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> }
  | { ok: false; code: "username_taken" };

/**
 * Create a staff account. The actor needs `staff.manage`; the creation and its audit entry
 * (`staff.create`) commit together.
 */
export async function createStaff(
  sql: Db,
  input: { username: string; displayName: string; role: string; password: string },
  actor: { staff: Pick<SessionStaff, "id" | "permissions">; ip: string | null },
  options: { bcryptCost?: number } = {},
): Promise<CreateStaffResult> {
  if (!can(actor.staff, "staff.manage")) return { ok: false, code: "forbidden" };
  const parsed = createStaffSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, code: "invalid_input", fields: fieldErrorsFrom(parsed.error, "form") };
  }
  const data = parsed.data;
  const passwordHash = await hashPassword(data.password, { cost: options.bcryptCost });
  return await transaction(sql, async (tx): Promise<CreateStaffResult> => {
    const [row] = await tx<{ id: string }[]>`
      insert into staff (username, display_name, role, password_hash)
      values (${data.username}, ${data.displayName}, ${data.role}, ${passwordHash})
      on conflict (username) do nothing
      returning id`;
    if (!row) return { ok: false, code: "username_taken" };
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "staff.create",
      target: `staff:${row.id}`,
      detail: { username: data.username, role: data.role },
      ip: actor.ip,
    });
    return { ok: true, staffId: row.id };
  });
}
