/**
 * Staff authorisation: the permissions, what each role grants, and the permission every `/admin` route
 * declares. Deny by default: a staff member may do only what a permission of their role allows, and an
 * `/admin` route missing from {@link ADMIN_ROUTE_PERMISSIONS} is refused to everyone (a test checks that
 * every admin route file is listed). The admin menu is built from this table, not the other way round.
 * @module
 */
import type { SessionStaff } from "../accounts/session_subject.ts";

/** Every permission. */
export const PERMISSIONS = [
  "admin.dashboard",
  "users.view",
  "users.manage",
  "users.pii",
  "kyc.review",
  "loans.review",
  "risk.rules",
  "finance.view",
  "finance.disburse",
  "finance.reconcile",
  "finance.withdrawals",
  "finance.fees",
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
  operations: ["admin.dashboard", "users.view", "users.manage", "content.manage", "kyc.review"],
  risk: ["admin.dashboard", "users.view", "loans.review", "risk.rules", "collections.manage", "kyc.review"],
  finance: [
    "admin.dashboard",
    "users.view",
    "finance.view",
    "finance.disburse",
    "finance.reconcile",
    "finance.withdrawals",
    "finance.fees",
  ],
  customer_service: ["admin.dashboard", "users.view", "cs.tickets"],
  tech: ["admin.dashboard", "system.config", "audit.view"],
};

/**
 * What an `/admin` route needs: `public` (the log-in page), `staff` (any signed-in staff), a permission, or
 * any one of several permissions (a page serving two roles, each acting on its own part, e.g. 满标审核 and 放款).
 */
export type AdminRouteAccess = "public" | "staff" | Permission | readonly Permission[];

/**
 * The access every `/admin` route declares, keyed by its route pattern (as the router reports it in
 * `ctx.route`, e.g. `/admin/loans/:id`). A route that is not listed is refused to everyone.
 */
export const ADMIN_ROUTE_PERMISSIONS: Readonly<Record<string, AdminRouteAccess>> = {
  "/admin/login": "public",
  "/admin/login/totp": "public",
  "/admin/login/enrol": "public",
  "/admin/logout": "staff",
  "/admin/security": "staff",
  "/admin": "admin.dashboard",
  "/admin/users": "users.view",
  "/admin/users/:id": "users.view",
  "/admin/kyc": "kyc.review",
  "/admin/kyc/videos/:id": "kyc.review",
  "/admin/roles": "staff.manage",
  "/admin/settings/gateways": "system.config",
  "/admin/finance/flows": "finance.view",
  "/admin/finance/withdrawals": "finance.withdrawals",
  "/admin/finance/fees": "finance.fees",
  "/admin/finance/reconciliation": "finance.reconcile",
  "/admin/risk-levels": "risk.rules",
  "/admin/products": "risk.rules",
  "/admin/products/:id": "risk.rules",
  "/admin/loans/documents/:id": "loans.review",
  "/admin/loans": "loans.review",
  "/admin/loans/:id": "loans.review",
  "/admin/loans/bidding": "loans.review",
  // 满标审核 (loans.review) and 放款 (finance.disburse) share the page; it checks either permission itself
  "/admin/loans/full": ["loans.review", "finance.disburse"],
  "/admin/risk/rules": "risk.rules",
  "/admin/risk/scorecard": "risk.rules",
  "/admin/risk/blacklist": "risk.rules",
  "/admin/referral": "content.manage",
  "/admin/staff": "staff.manage",
  "/admin/audit": "audit.view",
  "/admin/collections": "collections.manage",
  "/admin/collections/:loanId": "collections.manage",
  "/admin/system": "system.config",
};

/**
 * The work queues the menu counts (UX.md: queues show their counts in the menu): what waits for a staff
 * member. The counts themselves are read by domain/admin/menu_counts.ts, one statement per page.
 */
export const MENU_QUEUES = [
  "kyc",
  "withdrawals",
  "loan_review",
  "full_review",
  "disbursement",
  "collections",
  "write_offs",
  "reconciliation",
] as const;

/** A counted queue. */
export type MenuQueue = typeof MENU_QUEUES[number];

/** A queue counted beside a menu entry, and who may see its count. */
export interface MenuQueueBadge {
  queue: MenuQueue;
  /** What the count means, read out (and the tooltip), e.g. 待放款. */
  title: string;
  /** Shown before the number when the entry shows more than one count, e.g. 放. */
  short: string;
  /** The count is shown only to staff holding this (one of the entry's permissions). */
  permission: Permission;
}

/** One entry of the admin shell's menu. */
export interface AdminMenuItem {
  href: string;
  label: string;
  /** Shown to staff holding any of these (the permissions its route declares). */
  anyOf: readonly Permission[];
  /** The queues counted beside it (in a staff member's menu: only those they may see). */
  queues: readonly MenuQueueBadge[];
}

type QueueSpec = Omit<MenuQueueBadge, "permission"> & { permission?: Permission };

/**
 * The admin menu in display order: label, link and counted queues; the permission comes from the route
 * table (a queue of a two-permission page names the one its count belongs to).
 */
const MENU_ENTRIES: readonly { href: string; label: string; queues?: readonly QueueSpec[] }[] = [
  { href: "/admin", label: "概览" },
  { href: "/admin/users", label: "用户管理" },
  { href: "/admin/kyc", label: "实名审核", queues: [{ queue: "kyc", title: "待审核", short: "审" }] },
  { href: "/admin/finance/flows", label: "资金流水" },
  {
    href: "/admin/finance/withdrawals",
    label: "提现审核",
    queues: [{ queue: "withdrawals", title: "待审核提现", short: "审" }],
  },
  { href: "/admin/finance/fees", label: "费率设置" },
  {
    href: "/admin/finance/reconciliation",
    label: "资金对账",
    queues: [{ queue: "reconciliation", title: "最近一次对账的差异", short: "差" }],
  },
  {
    href: "/admin/loans",
    label: "借款审核",
    queues: [{ queue: "loan_review", title: "待人工审核", short: "审" }],
  },
  { href: "/admin/loans/bidding", label: "投标管理" },
  {
    href: "/admin/loans/full",
    label: "满标放款",
    queues: [
      { queue: "full_review", title: "待满标审核", short: "审", permission: "loans.review" },
      { queue: "disbursement", title: "待放款", short: "放", permission: "finance.disburse" },
    ],
  },
  {
    href: "/admin/collections",
    label: "逾期催收",
    queues: [
      { queue: "collections", title: "逾期借款", short: "逾" },
      { queue: "write_offs", title: "待审批核销", short: "核" },
    ],
  },
  { href: "/admin/risk-levels", label: "风险等级" },
  { href: "/admin/products", label: "借款产品" },
  { href: "/admin/risk/rules", label: "风控规则" },
  { href: "/admin/risk/scorecard", label: "评分卡" },
  { href: "/admin/risk/blacklist", label: "黑名单" },
  { href: "/admin/referral", label: "邀请奖励" },
  { href: "/admin/staff", label: "员工管理" },
  { href: "/admin/roles", label: "角色权限" },
  { href: "/admin/settings/gateways", label: "第三方设置" },
  { href: "/admin/audit", label: "操作日志" },
  { href: "/admin/system", label: "系统状态" },
];

/** The whole admin menu, each entry with the permission its route declares and all its queues. */
export const ADMIN_MENU: readonly AdminMenuItem[] = MENU_ENTRIES.map((entry) => {
  const access = ADMIN_ROUTE_PERMISSIONS[entry.href];
  if (!access || access === "public" || access === "staff") {
    throw new Error(`admin menu entry ${entry.href} has no permission in ADMIN_ROUTE_PERMISSIONS`);
  }
  const anyOf: readonly Permission[] = typeof access === "string" ? [access] : access;
  const queues = (entry.queues ?? []).map((q) => {
    const permission = q.permission ?? anyOf[0];
    if ((anyOf.length !== 1 && !q.permission) || !anyOf.includes(permission)) {
      throw new Error(`admin menu queue ${q.queue} needs one of the permissions of ${entry.href}`);
    }
    return { ...q, permission };
  });
  return { href: entry.href, label: entry.label, anyOf, queues };
});

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
 * permission or a role without it → `false`. A list of permissions means any one of them.
 */
export function can(
  staff: Pick<SessionStaff, "permissions"> | { role: string } | null | undefined,
  permission: Permission | readonly Permission[],
): boolean {
  if (!staff) return false;
  if (typeof permission !== "string") return permission.some((p) => can(staff, p));
  if ("permissions" in staff) return staff.permissions.has(permission);
  return permissionsFor(staff.role).has(permission);
}

/** The menu items a role may see, in menu order, each with only the queue counts the role may see. */
export function menuFor(role: string): AdminMenuItem[] {
  return menuForPermissions(permissionsFor(role));
}

/**
 * The menu items a set of permissions (a staff session's, loaded from `role_permissions`) may see, each
 * with only the queues whose count those permissions may see.
 */
export function menuForPermissions(permissions: ReadonlySet<string>): AdminMenuItem[] {
  return ADMIN_MENU.filter((item) => item.anyOf.some((p) => permissions.has(p)))
    .map((item) => ({ ...item, queues: item.queues.filter((q) => permissions.has(q.permission)) }));
}

/** The queues counted in a menu (the ones whose counts a page render reads). */
export function menuQueues(menu: readonly AdminMenuItem[]): MenuQueue[] {
  return menu.flatMap((item) => item.queues.map((q) => q.queue));
}

/**
 * The access an `/admin` route declares, by its route pattern (`ctx.route`); `null` when the route is not
 * in {@link ADMIN_ROUTE_PERMISSIONS} or nothing matched (the guard then refuses).
 */
export function accessForAdminRoute(route: string | null): AdminRouteAccess | null {
  if (route === null) return null;
  return Object.hasOwn(ADMIN_ROUTE_PERMISSIONS, route) ? ADMIN_ROUTE_PERMISSIONS[route] : null;
}
