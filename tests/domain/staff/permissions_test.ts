import assert from "node:assert/strict";
import {
  accessForAdminRoute,
  ADMIN_MENU,
  ADMIN_ROUTE_PERMISSIONS,
  can,
  MENU_QUEUES,
  menuFor,
  menuQueues,
  PERMISSIONS,
  permissionsFor,
  ROLE_LABELS,
  ROLE_PERMISSIONS,
  STAFF_ROLES,
} from "../../../domain/staff/permissions.ts";

Deno.test("staff: super_admin has every permission; others only theirs", () => {
  assert.equal(permissionsFor("super_admin").size, PERMISSIONS.length);
  assert.equal(can({ role: "finance" }, "finance.disburse"), true);
  assert.equal(can({ role: "finance" }, "loans.review"), false);
  assert.equal(can({ role: "risk" }, "loans.review"), true);
  assert.equal(can({ role: "risk" }, "finance.disburse"), false);
  assert.equal(can({ role: "customer_service" }, "users.manage"), false);
  assert.equal(can({ role: "tech" }, "audit.view"), true);
  for (const role of STAFF_ROLES) {
    if (role !== "super_admin") assert.equal(can({ role }, "staff.manage"), false, role);
  }
});

Deno.test("staff: deny by default", () => {
  assert.equal(can(null, "admin.dashboard"), false);
  assert.equal(can(undefined, "admin.dashboard"), false);
  assert.equal(can({ role: "nobody" }, "admin.dashboard"), false);
  assert.equal(permissionsFor("").size, 0);
  assert.equal(can({ permissions: new Set<string>() }, "admin.dashboard"), false);
  assert.equal(can({ permissions: new Set(["cs.tickets"]) }, "cs.tickets"), true);
  assert.deepEqual(menuFor("nobody"), []);
});

Deno.test("staff: labels and menu", () => {
  assert.deepEqual(Object.values(ROLE_LABELS), ["超级管理员", "运营", "风控", "财务", "客服", "技术"]);
  assert.equal(menuFor("super_admin").length, ADMIN_MENU.length);
  assert.deepEqual(menuFor("finance").map((m) => m.label), [
    "概览",
    "用户管理",
    "资金流水",
    "提现审核",
    "费率设置",
    "资金对账",
    "满标放款",
  ]);
  // a page of two roles (满标审核 by risk, 放款 by finance) is in both menus, and only theirs
  assert.ok(menuFor("risk").some((m) => m.href === "/admin/loans/full"));
  assert.ok(!menuFor("operations").some((m) => m.href === "/admin/loans/full"));
  assert.ok(can({ role: "finance" }, ["loans.review", "finance.disburse"]));
  assert.ok(!can({ role: "operations" }, ["loans.review", "finance.disburse"]));
  assert.deepEqual(menuFor("customer_service").map((m) => m.href), ["/admin", "/admin/users"]);
  assert.deepEqual(menuFor("tech").map((m) => m.href), [
    "/admin",
    "/admin/settings/gateways",
    "/admin/audit",
    "/admin/system",
  ]);
  assert.ok(!menuFor("tech").some((m) => m.href === "/admin/staff"));
  // every permission a role holds is a known permission
  for (const role of STAFF_ROLES) for (const p of ROLE_PERMISSIONS[role]) assert.ok(PERMISSIONS.includes(p));
});

Deno.test("staff: the menu counts each queue once, only for roles that may work it", () => {
  // every queue beside exactly one entry, its permission one the entry's route declares
  assert.deepEqual(menuQueues(ADMIN_MENU).sort(), [...MENU_QUEUES].sort());
  for (const item of ADMIN_MENU) for (const q of item.queues) assert.ok(item.anyOf.includes(q.permission));
  const queuesOf = (role: string) =>
    Object.fromEntries(
      menuFor(role).filter((m) => m.queues.length > 0).map((m) => [
        m.href,
        m.queues.map((q) => q.queue),
      ]),
    );
  assert.deepEqual(queuesOf("super_admin"), {
    "/admin/kyc": ["kyc"],
    "/admin/finance/withdrawals": ["withdrawals"],
    "/admin/finance/reconciliation": ["reconciliation"],
    "/admin/loans": ["loan_review"],
    "/admin/loans/full": ["full_review", "disbursement"],
    "/admin/collections": ["collections", "write_offs"],
  });
  // 满标放款 is on both menus; risk counts what waits for 满标审核, finance what waits for 放款
  assert.deepEqual(queuesOf("risk"), {
    "/admin/kyc": ["kyc"],
    "/admin/loans": ["loan_review"],
    "/admin/loans/full": ["full_review"],
    "/admin/collections": ["collections", "write_offs"],
  });
  assert.deepEqual(queuesOf("finance"), {
    "/admin/finance/withdrawals": ["withdrawals"],
    "/admin/finance/reconciliation": ["reconciliation"],
    "/admin/loans/full": ["disbursement"],
  });
  assert.deepEqual(queuesOf("operations"), { "/admin/kyc": ["kyc"] });
  assert.deepEqual(queuesOf("customer_service"), {});
  assert.deepEqual(queuesOf("tech"), {});
  assert.deepEqual(menuQueues(menuFor("nobody")), []);
  // the whole menu still lists every queue of an entry (a role's copy is filtered, not the table)
  assert.equal(ADMIN_MENU.find((m) => m.href === "/admin/loans/full")!.queues.length, 2);
});

Deno.test("staff: every admin route declares its access; unknown routes declare nothing", () => {
  assert.equal(accessForAdminRoute("/admin"), "admin.dashboard");
  assert.equal(accessForAdminRoute("/admin/login"), "public");
  assert.equal(accessForAdminRoute("/admin/logout"), "staff");
  assert.equal(accessForAdminRoute("/admin/staff"), "staff.manage");
  assert.equal(accessForAdminRoute("/admin/staffing"), null);
  assert.equal(accessForAdminRoute("/admin/unknown"), null);
  assert.equal(accessForAdminRoute(null), null);
  // inherited object keys are not routes
  assert.equal(accessForAdminRoute("constructor"), null);
  assert.equal(accessForAdminRoute("toString"), null);
  // every menu entry links to a declared route with the same permission
  for (const item of ADMIN_MENU) {
    const access = ADMIN_ROUTE_PERMISSIONS[item.href];
    assert.deepEqual(typeof access === "string" ? [access] : access, item.anyOf);
  }
});

Deno.test("staff: every admin route file in the build manifest is in the permission table", async () => {
  const manifest = JSON.parse(
    await Deno.readTextFile(new URL("../../../_build/manifest.json", import.meta.url)),
  );
  const adminRoutes = (manifest.routes as { kind: string; pattern: string }[])
    .filter((r) => r.kind === "route" && (r.pattern === "/admin" || r.pattern.startsWith("/admin/")))
    .map((r) => r.pattern);
  assert.ok(adminRoutes.length >= 7, `found ${adminRoutes.length} admin routes`);
  const missing = adminRoutes.filter((p) => accessForAdminRoute(p) === null);
  assert.deepEqual(missing, [], "admin routes without a declared permission");
});
