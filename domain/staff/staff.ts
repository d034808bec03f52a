/**
 * Staff accounts (后台员工): roles, the permissions each role grants (deny by default), the admin menu,
 * staff log-in (rate-limited, audited, new session) and staff creation (audited).
 */
import { z } from "zod";
import type { Sql, TransactionSql } from "../../db/connection.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import { appendAudit } from "./audit_log.ts";
import { fieldErrorsFrom } from "../shared/field_errors.ts";
import { dummyVerify, hashPassword, validatePassword, verifyPassword } from "../accounts/password.ts";
import {
  lockMinutes,
  type LockoutRule,
  refundAttempt,
  reserveAttempts,
  resetFailures,
} from "../accounts/rate_limit.ts";
import { rotateSession } from "../accounts/session.ts";

/** Every permission. A route under `/admin` needs one of these; nothing is allowed without it. */
export const PERMISSIONS = [
  "admin.dashboard",
  "users.view",
  "users.manage",
  "loans.review",
  "risk.rules",
  "finance.disburse",
  "finance.reconcile",
  "finance.withdrawals",
  "collections.manage",
  "cs.tickets",
  "content.manage",
  "system.config",
  "audit.view",
  "staff.manage",
] as const;

/** A permission name. */
export type Permission = typeof PERMISSIONS[number];

/** Staff roles, as stored in `staff.role`. */
export const STAFF_ROLES = [
  "super_admin",
  "operations",
  "risk",
  "finance",
  "customer_service",
  "tech",
] as const;

/** A staff role. */
export type StaffRole = typeof STAFF_ROLES[number];

/** Chinese role names for the UI. */
export const ROLE_LABELS: Readonly<Record<StaffRole, string>> = {
  super_admin: "超级管理员",
  operations: "运营",
  risk: "风控",
  finance: "财务",
  customer_service: "客服",
  tech: "技术",
};

/** What each role may do. super_admin has every permission. */
export const ROLE_PERMISSIONS: Readonly<Record<StaffRole, readonly Permission[]>> = {
  super_admin: PERMISSIONS,
  operations: ["admin.dashboard", "users.view", "users.manage", "content.manage"],
  risk: ["admin.dashboard", "users.view", "loans.review", "risk.rules", "collections.manage"],
  finance: ["admin.dashboard", "users.view", "finance.disburse", "finance.reconcile", "finance.withdrawals"],
  customer_service: ["admin.dashboard", "users.view", "cs.tickets"],
  tech: ["admin.dashboard", "system.config", "audit.view"],
};

/** One entry of the admin shell's menu. */
export interface AdminMenuItem {
  href: string;
  label: string;
  permission: Permission;
}

/**
 * The admin menu, in display order. {@link menuFor} filters it by role. Only pages that exist are listed
 * (the menu also drives {@link permissionForAdminPath}, so an unlisted path is denied). Later issues add
 * 借款审核 (loans.review), 放款 (finance.disburse), 对账 (finance.reconcile), 催收 (collections.manage),
 * 客服工单 (cs.tickets) and 内容管理 (content.manage) here when those pages exist.
 */
export const ADMIN_MENU: readonly AdminMenuItem[] = [
  { href: "/admin", label: "概览", permission: "admin.dashboard" },
  { href: "/admin/users", label: "用户管理", permission: "users.view" },
  { href: "/admin/staff", label: "员工管理", permission: "staff.manage" },
  { href: "/admin/audit", label: "操作日志", permission: "audit.view" },
  { href: "/admin/system", label: "系统状态", permission: "system.config" },
];

/** Whether a string is a known role. */
export function isStaffRole(role: string): role is StaffRole {
  return (STAFF_ROLES as readonly string[]).includes(role);
}

/** The permissions of a role; an unknown role has none. */
export function permissionsFor(role: string): ReadonlySet<Permission> {
  return new Set(isStaffRole(role) ? ROLE_PERMISSIONS[role] : []);
}

/**
 * Whether a staff member may do something. Deny by default: `null`/`undefined` staff, an unknown
 * permission or a role without it → `false`.
 */
export function can(
  staff: Pick<SessionStaff, "permissions"> | { role: string } | null | undefined,
  permission: Permission,
): boolean {
  if (!staff) return false;
  if ("permissions" in staff) return staff.permissions.has(permission);
  return permissionsFor(staff.role).has(permission);
}

/** The menu items a role may see, in menu order. */
export function menuFor(role: string): AdminMenuItem[] {
  const perms = permissionsFor(role);
  return ADMIN_MENU.filter((item) => perms.has(item.permission));
}

/**
 * The permission an `/admin` path needs, from the menu (longest matching prefix; `/admin` itself only
 * matches exactly). `null` means no menu entry covers it: the guard must deny unless the route declares
 * its own permission. `/admin/login` and `/admin/logout` are not covered here (public / any staff).
 */
export function permissionForAdminPath(pathname: string): Permission | null {
  const path = pathname.replace(/\/+$/, "") || "/";
  let best: AdminMenuItem | null = null;
  for (const item of ADMIN_MENU) {
    const matches = item.href === "/admin"
      ? path === "/admin"
      : path === item.href || path.startsWith(item.href + "/");
    if (matches && (!best || item.href.length > best.href.length)) best = item;
  }
  return best?.permission ?? null;
}

/** Failed staff logins per username: 5 in 15 minutes locks it for 15 minutes. */
export const STAFF_LOCKOUT: LockoutRule = { maxFailures: 5, windowSeconds: 900, lockSeconds: 900 };
/** Failed logins per IP (users and staff together): 20 in 15 minutes locks the IP for 15 minutes. */
export const IP_LOCKOUT: LockoutRule = { maxFailures: 20, windowSeconds: 900, lockSeconds: 900 };

/** Chinese messages for staff log-in outcomes. */
export const STAFF_LOGIN_MESSAGES = {
  invalid_credentials: (remainingAttempts: number) =>
    remainingAttempts > 0 && remainingAttempts <= 3
      ? `用户名或密码错误，还可尝试 ${remainingAttempts} 次`
      : "用户名或密码错误",
  locked: (retryAfterSeconds: number) =>
    `登录失败次数过多，账户已锁定，请 ${lockMinutes(retryAfterSeconds)} 分钟后再试`,
  account_disabled: () => "该员工账户已停用，请联系管理员",
} as const;

/** Outcome of {@link loginStaff}. */
export type StaffLoginResult =
  | { ok: true; sessionId: string; expiresAt: Date; staff: SessionStaff }
  | { ok: false; code: "invalid_credentials"; remainingAttempts: number }
  | { ok: false; code: "locked"; retryAfterSeconds: number }
  | { ok: false; code: "account_disabled" };

/** The Chinese message for a failed staff log-in. */
export function staffLoginErrorMessage(result: Exclude<StaffLoginResult, { ok: true }>): string {
  switch (result.code) {
    case "invalid_credentials":
      return STAFF_LOGIN_MESSAGES.invalid_credentials(result.remainingAttempts);
    case "locked":
      return STAFF_LOGIN_MESSAGES.locked(result.retryAfterSeconds);
    case "account_disabled":
      return STAFF_LOGIN_MESSAGES.account_disabled();
  }
}

function normalizeUsername(username: string): string {
  return username.trim().toLowerCase();
}

/**
 * Staff log-in with username and password. Rate-limited per username and per IP; audited as
 * `staff.login` / `staff.login_failed`; on success any previous session id is destroyed and a new staff
 * session is created (15 min idle, 8 h absolute).
 */
export async function loginStaff(
  sql: Sql,
  input: {
    username: string;
    password: string;
    ip: string | null;
    userAgent: string | null;
    previousSessionId?: string | null;
  },
  options: { now?: Date } = {},
): Promise<StaffLoginResult> {
  const now = options.now ?? new Date();
  const username = normalizeUsername(input.username).slice(0, 64);
  const acctKey = `staff:${username}`;
  const ipKey = input.ip ? `ip:${input.ip}` : null;
  // Count the attempt before the password check, so parallel guesses get at most 5 checks per account.
  const reserved = await reserveAttempts(sql, [
    { key: acctKey, rule: STAFF_LOCKOUT },
    ...(ipKey ? [{ key: ipKey, rule: IP_LOCKOUT }] : []),
  ], now);
  if (!reserved.ok) return { ok: false, code: "locked", retryAfterSeconds: reserved.retryAfterSeconds };
  const [acct, ip = null] = reserved.results;

  const [row] = await sql<
    {
      id: string;
      username: string;
      display_name: string;
      role: string;
      password_hash: string;
      status: string;
    }[]
  >`
    select id, username, display_name, role, password_hash, status from staff where username = ${username}`;
  let valid = false;
  if (row) valid = await verifyPassword(input.password, row.password_hash);
  else await dummyVerify(input.password);

  if (!valid) {
    return await sql.begin(async (tx) => {
      // The failure was counted by the reservation.
      await appendAudit(tx, {
        staffId: row?.id ?? null,
        action: "staff.login_failed",
        target: row ? `staff:${row.id}` : null,
        detail: { username, failures: acct.count },
        ip: input.ip,
      });
      const lockedUntil = [acct.lockedUntil, ip?.lockedUntil ?? null].filter((d): d is Date => d !== null);
      if (lockedUntil.length > 0) {
        const until = Math.max(...lockedUntil.map((d) => d.getTime()));
        return {
          ok: false as const,
          code: "locked" as const,
          retryAfterSeconds: Math.ceil((until - now.getTime()) / 1000),
        };
      }
      return {
        ok: false as const,
        code: "invalid_credentials" as const,
        remainingAttempts: Math.min(acct.remaining, ip?.remaining ?? Infinity),
      };
    });
  }
  /** The right password is not a failure: reset the account, give the IP its attempt back. */
  const notAFailure = async (tx: TransactionSql) => {
    await resetFailures(tx, acctKey);
    if (ipKey) await refundAttempt(tx, ipKey, IP_LOCKOUT);
  };
  if (row.status !== "active") {
    await sql.begin(notAFailure);
    return { ok: false, code: "account_disabled" };
  }

  return await sql.begin(async (tx) => {
    await notAFailure(tx);
    const session = await rotateSession(tx, input.previousSessionId, {
      subjectType: "staff",
      subjectId: row.id,
      ip: input.ip,
      userAgent: input.userAgent,
      now,
    });
    await appendAudit(tx, {
      staffId: row.id,
      action: "staff.login",
      target: `staff:${row.id}`,
      detail: {},
      ip: input.ip,
    });
    return {
      ok: true as const,
      sessionId: session.sessionId,
      expiresAt: session.expiresAt,
      staff: {
        id: row.id,
        username: row.username,
        displayName: row.display_name,
        role: row.role,
        permissions: permissionsFor(row.role),
      },
    };
  });
}

/** Input of {@link createStaff}, validated with Chinese messages. */
export const createStaffSchema = z.object({
  username: z.string().trim().toLowerCase().regex(/^[a-z][a-z0-9_.-]{1,31}$/, {
    error: "用户名为 2–32 位小写字母、数字、点、横线或下划线，以字母开头",
  }),
  displayName: z.string().trim().min(1, { error: "请填写姓名" }).max(50, { error: "姓名最多 50 个字" }),
  role: z.enum(STAFF_ROLES, { error: "请选择角色" }),
  password: z.string().superRefine((pw, ctx) => {
    for (const message of validatePassword(pw)) ctx.addIssue({ code: "custom", message });
  }),
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
  sql: Sql,
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
  return await sql.begin(async (tx) => {
    const [row] = await tx<{ id: string }[]>`
      insert into staff (username, display_name, role, password_hash)
      values (${data.username}, ${data.displayName}, ${data.role}, ${passwordHash})
      on conflict (username) do nothing
      returning id`;
    if (!row) return { ok: false as const, code: "username_taken" as const };
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "staff.create",
      target: `staff:${row.id}`,
      detail: { username: data.username, role: data.role },
      ip: actor.ip,
    });
    return { ok: true as const, staffId: row.id };
  });
}
