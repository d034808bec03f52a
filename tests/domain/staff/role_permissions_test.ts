/**
 * Roles as stored: permissions loaded from `role_permissions` (with code defaults for permissions the
 * catalog does not know yet), editing a role (permission, validation, audit, super admin keeps
 * staff.manage), assigning a role, and the last active super administrator — serially on both databases
 * and under concurrency on Postgres.
 */
import assert from "node:assert/strict";
import type { Db } from "../../../db/tx.ts";
import { transaction } from "../../../db/tx.ts";
import { createSession, loadStaffForSession } from "../../../domain/accounts/session.ts";
import { menuForPermissions, ROLE_PERMISSIONS } from "../../../domain/staff/permissions.ts";
import {
  isLastActiveSuperAdmin,
  listRolePermissions,
  loadRolePermissions,
  setRolePermissions,
  setStaffRole,
} from "../../../domain/staff/role_permissions.ts";
import { setStaffStatus } from "../../../domain/staff/staff_admin.ts";
import { dbTest, testDbKind } from "../../helpers/db.ts";
import { actorFor, auditRows, insertStaff } from "../../helpers/staff_fixtures.ts";

dbTest("roles: the seeded grants equal the code's defaults for every role", async (sql) => {
  for (const r of await listRolePermissions(sql)) {
    assert.deepEqual([...r.permissions].sort(), [...ROLE_PERMISSIONS[r.role]].sort(), r.role);
  }
});

dbTest("roles: a permission missing from the catalog takes its default roles from the code", async (sql) => {
  const outcome = await transaction(sql, async (tx, rollback) => {
    await tx`delete from role_permissions where permission = 'users.pii'`;
    await tx`delete from permission_catalog where permission = 'users.pii'`;
    const sup = await loadRolePermissions(tx, "super_admin");
    const ops = await loadRolePermissions(tx, "operations");
    return rollback({ sup: sup.has("users.pii"), ops: ops.has("users.pii") });
  });
  assert.deepEqual(outcome, { sup: true, ops: false });
  assert.equal((await loadRolePermissions(sql, "nobody")).size, 0, "an unknown role has nothing");
});

dbTest(
  "roles: editing needs staff.manage, checks its input and keeps staff.manage for super_admin",
  async (sql) => {
    const ops = await insertStaff(sql, "operations");
    const denied = await setRolePermissions(
      sql,
      { role: "tech", permissions: [] },
      await actorFor(sql, ops, "operations"),
    );
    assert.deepEqual(denied, { ok: false, code: "forbidden" });
    // staff.manage delegated to another role does not let its holder raise anyone's rights
    const tech = await insertStaff(sql, "tech");
    const delegated = {
      staff: { id: tech.id, role: "tech", permissions: new Set(["staff.manage"]) },
      ip: null,
    };
    assert.deepEqual(await setRolePermissions(sql, { role: "tech", permissions: [] }, delegated), {
      ok: false,
      code: "forbidden",
    });
    assert.deepEqual(await setStaffRole(sql, { staffId: tech.id, role: "super_admin" }, delegated), {
      ok: false,
      code: "forbidden",
    });
    const admin = await insertStaff(sql, "super_admin");
    const actor = await actorFor(sql, admin, "super_admin");
    const badRole = await setRolePermissions(sql, { role: "boss", permissions: [] }, actor);
    assert.equal(badRole.ok || badRole.code, "invalid_input");
    const badPerm = await setRolePermissions(sql, { role: "tech", permissions: ["root.all"] }, actor);
    assert.equal(badPerm.ok || badPerm.code, "invalid_input");
    const lose = await setRolePermissions(sql, { role: "super_admin", permissions: ["users.view"] }, actor);
    assert.ok(!lose.ok && lose.code === "invalid_input" && lose.fields.permissions);
    assert.ok((await loadRolePermissions(sql, "super_admin")).has("staff.manage"));
  },
);

dbTest(
  "roles: saving a role changes what its staff may do at once, audited with what changed",
  async (sql) => {
    const admin = await insertStaff(sql, "super_admin");
    const actor = await actorFor(sql, admin, "super_admin");
    const cs = await insertStaff(sql, "customer_service");
    const session = await createSession(sql, {
      subjectType: "staff",
      subjectId: cs.id,
      ip: null,
      userAgent: null,
    });
    const before = [...ROLE_PERMISSIONS.customer_service];
    try {
      const saved = await setRolePermissions(sql, {
        role: "customer_service",
        permissions: [...before.filter((p) => p !== "cs.tickets"), "audit.view"],
      }, actor);
      assert.deepEqual(saved, { ok: true, changed: true, added: ["audit.view"], removed: ["cs.tickets"] });
      const loaded = await loadStaffForSession(sql, session.sessionId);
      assert.ok(loaded?.permissions.has("audit.view"));
      assert.ok(!loaded?.permissions.has("cs.tickets"));
      const [row] = (await auditRows(sql, "role.permissions", "role:customer_service")).slice(-1);
      assert.equal(row.staff_id, admin.id);
      assert.deepEqual(row.detail, { added: ["audit.view"], removed: ["cs.tickets"] });
      const again = await setRolePermissions(sql, {
        role: "customer_service",
        permissions: [...before.filter((p) => p !== "cs.tickets"), "audit.view"],
      }, actor);
      assert.equal(again.ok && again.changed, false);
    } finally {
      const restored = await setRolePermissions(
        sql,
        { role: "customer_service", permissions: before },
        actor,
      );
      assert.ok(restored.ok);
    }
  },
);

/** Disable every other active super admin (directly), run `fn`, then restore them. */
async function withOnlySuperAdmins(sql: Db, keep: string[], fn: () => Promise<void>): Promise<void> {
  const others = await sql<{ id: string }[]>`
    update staff set status = 'disabled'
    where role = 'super_admin' and status = 'active' and not (id = any(${keep}::bigint[]))
    returning id`;
  try {
    await fn();
  } finally {
    const ids = others.map((o) => o.id);
    await sql`update staff set status = 'active', role = 'super_admin' where id = any(${ids}::bigint[])`;
  }
}

dbTest("roles: the last active super admin can be neither demoted nor disabled", async (sql) => {
  const last = await insertStaff(sql, "super_admin");
  const other = await insertStaff(sql, "super_admin");
  const actor = await actorFor(sql, other, "super_admin");
  await withOnlySuperAdmins(sql, [last.id], async () => {
    await sql`update staff set status = 'disabled' where id = ${other.id}`;
    assert.deepEqual(await setStaffRole(sql, { staffId: last.id, role: "tech" }, actor), {
      ok: false,
      code: "last_super_admin",
    });
    const disable = await setStaffStatus(
      sql,
      { staffId: last.id, status: "disabled", reason: "离职交接" },
      actor,
    );
    assert.deepEqual(disable, { ok: false, code: "last_super_admin" });
    assert.equal(
      (await sql`select 1 from staff where id = ${last.id} and role = 'super_admin'
      and status = 'active'`).length,
      1,
    );
    // with a second one active, demoting works and is audited
    await sql`update staff set status = 'active' where id = ${other.id}`;
    assert.deepEqual(await setStaffRole(sql, { staffId: last.id, role: "tech" }, actor), {
      ok: true,
      changed: true,
    });
    const [row] = (await auditRows(sql, "staff.role", `staff:${last.id}`)).slice(-1);
    assert.equal(row.detail.from, "super_admin");
    assert.equal(row.detail.to, "tech");
    // the other is now the last one
    const self = await setStaffRole(sql, { staffId: other.id, role: "finance" }, actor);
    assert.deepEqual(self, { ok: false, code: "last_super_admin" });
  });
});

dbTest(
  "roles: setStaffRole validates, refuses without staff.manage, and a same role changes nothing",
  async (sql) => {
    const ops = await insertStaff(sql, "operations");
    const target = await insertStaff(sql, "risk");
    assert.deepEqual(
      await setStaffRole(
        sql,
        { staffId: target.id, role: "finance" },
        await actorFor(sql, ops, "operations"),
      ),
      { ok: false, code: "forbidden" },
    );
    const admin = await insertStaff(sql, "super_admin");
    const actor = await actorFor(sql, admin, "super_admin");
    const bad = await setStaffRole(sql, { staffId: "x", role: "boss" }, actor);
    assert.ok(!bad.ok && bad.code === "invalid_input" && bad.fields.staffId && bad.fields.role);
    assert.deepEqual(await setStaffRole(sql, { staffId: "999999999", role: "finance" }, actor), {
      ok: false,
      code: "not_found",
    });
    assert.deepEqual(await setStaffRole(sql, { staffId: target.id, role: "risk" }, actor), {
      ok: true,
      changed: false,
    });
  },
);

dbTest(
  "roles (postgres only): concurrent demotions and disablings never remove the last super admin",
  async (sql) => {
    for (let round = 0; round < 5; round++) {
      const a = await insertStaff(sql, "super_admin");
      const b = await insertStaff(sql, "super_admin");
      const actor = await actorFor(sql, await insertStaff(sql, "tech"), "super_admin");
      await withOnlySuperAdmins(sql, [a.id, b.id], async () => {
        const results = await Promise.all([
          setStaffRole(sql, { staffId: a.id, role: "tech" }, actor),
          round % 2 === 0
            ? setStaffRole(sql, { staffId: b.id, role: "finance" }, actor)
            : setStaffStatus(sql, { staffId: b.id, status: "disabled", reason: "并发测试" }, actor),
        ]);
        const ok = results.filter((r) => r.ok).length;
        const refused = results.filter((r) => !r.ok && r.code === "last_super_admin").length;
        assert.deepEqual({ ok, refused }, { ok: 1, refused: 1 }, JSON.stringify(results));
        const [left] = await sql<{ n: bigint }[]>`
        select count(*) as n from staff where role = 'super_admin' and status = 'active'`;
        assert.equal(left.n, 1n);
      });
    }
  },
  { ignore: testDbKind !== "postgres" },
);

dbTest("roles: isLastActiveSuperAdmin is false for anyone but the single active super admin", async (sql) => {
  const a = await insertStaff(sql, "super_admin");
  const t = await insertStaff(sql, "tech");
  const [x, y] = await transaction(sql, async (tx) => [
    await isLastActiveSuperAdmin(tx, t.id),
    await isLastActiveSuperAdmin(tx, a.id),
  ]);
  assert.equal(x, false);
  assert.equal(y, false, "other super admins exist");
});

Deno.test("roles: the menu follows the permissions a session holds", () => {
  assert.deepEqual(menuForPermissions(new Set(["admin.dashboard", "finance.view"])).map((m) => m.href), [
    "/admin",
    "/admin/finance/flows",
  ]);
  assert.deepEqual(menuForPermissions(new Set()), []);
  // a queue's count follows its own permission, also on a page of two (满标审核 / 放款)
  const full = (perms: string[]) =>
    menuForPermissions(new Set(perms)).find((m) => m.href === "/admin/loans/full")?.queues.map((q) =>
      q.queue
    );
  assert.deepEqual(full(["finance.disburse"]), ["disbursement"]);
  assert.deepEqual(full(["loans.review"]), ["full_review"]);
  assert.deepEqual(full(["loans.review", "finance.disburse"]), ["full_review", "disbursement"]);
});
