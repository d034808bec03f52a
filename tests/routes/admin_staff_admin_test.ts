/**
 * The staff administration pages through the whole app: user detail (masked, reveal audited, status and
 * tags), the user search by ID number, 角色权限, role changes on 员工管理, 第三方设置 and 资金流水 — each
 * refused (403) to a role without the permission, 422 on bad input, audited when it changes something.
 */
import assert from "node:assert/strict";
import { transaction } from "../../db/tx.ts";
import { maskPhone } from "../../domain/accounts/pii.ts";
import { postEntry } from "../../domain/ledger/ledger.ts";
import { idNumberHash } from "../../domain/identity/identity.ts";
import { ROLE_PERMISSIONS } from "../../domain/staff/permissions.ts";
import { testApp } from "../helpers/app.ts";
import { dbTest } from "../helpers/db.ts";
import { createUser, sessionClient, testCipher } from "../helpers/forms.ts";
import { auditRows, staffBrowser } from "../helpers/staff_fixtures.ts";

function menuLabels(html: string): string[] {
  const nav = /<nav class="admin-menu"[^>]*>([\s\S]*?)<\/nav>/.exec(html);
  return nav ? [...nav[1].matchAll(/<a [^>]*>([^<]*)<\/a>/g)].map((m) => m[1]) : [];
}

dbTest("admin pages: the menu offers the new pages by permission; wrong roles get 403", async (sql) => {
  const app = testApp();
  const { client: sup } = await staffBrowser(app, sql, "super_admin");
  const home = await sup.get("/admin");
  assert.equal(home.status, 200);
  for (const label of ["资金流水", "角色权限", "第三方设置"]) {
    assert.ok(menuLabels(home.html).includes(label), label);
  }
  const { client: cs } = await staffBrowser(app, sql, "customer_service");
  assert.deepEqual(menuLabels((await cs.get("/admin")).html).filter((l) => l === "资金流水"), []);
  for (const path of ["/admin/roles", "/admin/settings/gateways", "/admin/finance/flows"]) {
    assert.equal((await cs.get(path)).status, 403, path);
  }
  const { client: tech } = await staffBrowser(app, sql, "tech");
  assert.equal((await tech.get("/admin/users/1")).status, 403);
});

dbTest(
  "admin pages: user detail is masked; reveal is refused without users.pii and audited with it",
  async (sql) => {
    const app = testApp();
    const { userId, phone } = await createUser(sql);
    const { client: cs } = await staffBrowser(app, sql, "customer_service");
    const page = await cs.get(`/admin/users/${userId}`);
    assert.equal(page.status, 200);
    assert.ok(page.html.includes(maskPhone(phone)));
    assert.ok(!page.html.includes(phone));
    assert.ok(!page.html.includes("查看完整信息"), "no reveal button without users.pii");
    assert.ok(!page.html.includes("变更账户状态"), "no status form without users.manage");
    assert.equal((await cs.post(`/admin/users/${userId}`, { intent: "reveal" })).status, 403);
    assert.equal((await cs.get("/admin/users/999999999")).status, 404);

    const { client: sup, staffId } = await staffBrowser(app, sql, "super_admin");
    const masked = await sup.get(`/admin/users/${userId}`);
    assert.ok(masked.html.includes("查看完整信息"));
    const revealed = await sup.post(`/admin/users/${userId}`, { intent: "reveal" });
    assert.equal(revealed.status, 200);
    assert.ok(revealed.html.includes(phone));
    const rows = await auditRows(sql, "users.pii_reveal", `user:${userId}`);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].staff_id, staffId);
  },
);

dbTest("admin pages: freezing a user (422 on bad input, audited) keeps their web session", async (sql) => {
  const app = testApp();
  const { userId } = await createUser(sql);
  const { client: ops } = await staffBrowser(app, sql, "operations");
  await ops.get(`/admin/users/${userId}`);
  const bad = await ops.post(`/admin/users/${userId}`, { intent: "status", status: "frozen", reason: "" });
  assert.equal(bad.status, 422);
  assert.match(bad.html, /请填写原因/);
  const done = await ops.post(`/admin/users/${userId}`, {
    intent: "status",
    status: "frozen",
    reason: "风险排查",
  });
  assert.equal(done.status, 303);
  const after = await ops.get(done.headers.get("location")!);
  assert.match(after.html, /已冻结/);
  assert.match(after.html, /风险排查/);
  assert.equal((await auditRows(sql, "users.status", `user:${userId}`)).length, 1);

  // the frozen user is still signed in on the site
  const user = await sessionClient(app, sql, { type: "user", id: userId });
  assert.equal((await user.get("/account")).status, 200);

  const tag = await ops.post(`/admin/users/${userId}`, { intent: "tag_add", tag: "重点关注" });
  assert.equal(tag.status, 303);
  assert.match((await ops.get(`/admin/users/${userId}`)).html, /重点关注/);
  const badTag = await ops.post(`/admin/users/${userId}`, { intent: "tag_add", tag: "" });
  assert.equal(badTag.status, 422);
});

dbTest("admin pages: the user list searches an ID number by POST only", async (sql) => {
  const app = testApp();
  const { userId } = await createUser(sql);
  const n = crypto.getRandomValues(new Uint32Array(2));
  const idNumber = `110101199${n[0] % 10}0101${String(n[1] % 1000).padStart(3, "0")}X`;
  await sql`
    update users set id_number_hash = ${await idNumberHash(testCipher, idNumber)},
      id_number_enc = ${await testCipher.encrypt(idNumber)}, real_name_enc = ${await testCipher.encrypt(
    "李四",
  )},
      identity_verified_at = now()
    where id = ${userId}`;
  const { client: cs } = await staffBrowser(app, sql, "customer_service");
  await cs.get("/admin/users");
  const found = await cs.post("/admin/users", { intent: "search", idNumber });
  assert.equal(found.status, 200);
  assert.ok(found.html.includes(`/admin/users/${userId}`));
  assert.match(found.html, /共 1 人/);
  const url = await cs.get(`/admin/users?idNumber=${idNumber}`);
  assert.match(url.html, /姓名和身份证号不能放在链接中/);
});

dbTest(
  "admin pages: 角色权限 saves a role (audited) and refuses to strip staff.manage from super admin",
  async (sql) => {
    const app = testApp();
    const { client: sup } = await staffBrowser(app, sql, "super_admin");
    const page = await sup.get("/admin/roles");
    assert.equal(page.status, 200);
    assert.match(page.html, /员工与角色管理/);
    const strip = await sup.post("/admin/roles", { role: "super_admin", permissions: "users.view" });
    assert.equal(strip.status, 422);
    assert.match(strip.html, /必须保留/);
    const before = [...ROLE_PERMISSIONS.tech];
    const body = new URLSearchParams({ _csrf: sup.csrf, role: "tech" });
    for (const p of [...before, "finance.view"]) body.append("permissions", p);
    const saved = await sup.send("/admin/roles", {
      method: "POST",
      headers: { origin: "http://localhost" },
      body,
    });
    assert.equal(saved.status, 303);
    try {
      const { client: tech } = await staffBrowser(app, sql, "tech");
      assert.equal((await tech.get("/admin/finance/flows")).status, 200, "granted at once");
      const [row] = (await auditRows(sql, "role.permissions", "role:tech")).slice(-1);
      assert.deepEqual(row.detail, { added: ["finance.view"], removed: [] });
    } finally {
      await sup.get("/admin/roles");
      const restore = new URLSearchParams({ _csrf: sup.csrf, role: "tech" });
      for (const p of before) restore.append("permissions", p);
      await sup.send("/admin/roles", {
        method: "POST",
        headers: { origin: "http://localhost" },
        body: restore,
      });
    }
  },
);

dbTest("admin pages: 员工管理 changes a member's role (audited); bad input 422", async (sql) => {
  const app = testApp();
  const { client: sup } = await staffBrowser(app, sql, "super_admin");
  const { staffId: target } = await staffBrowser(app, sql, "risk");
  await sup.get("/admin/staff");
  const bad = await sup.post("/admin/staff", { intent: "role", staffId: target, role: "boss" });
  assert.equal(bad.status, 422);
  assert.match(bad.html, /请选择正确的角色/);
  const ok = await sup.post("/admin/staff", { intent: "role", staffId: target, role: "finance" });
  assert.equal(ok.status, 303);
  assert.equal((await auditRows(sql, "staff.role", `staff:${target}`)).length, 1);
});

dbTest("admin pages: 第三方设置 refuses live, hides saved secrets and tests the connection", async (sql) => {
  const app = testApp();
  const { client: tech } = await staffBrowser(app, sql, "tech");
  const page = await tech.get("/admin/settings/gateways");
  assert.equal(page.status, 200);
  for (const label of ["短信", "电子邮件"]) assert.ok(page.html.includes(label), label);
  const live = await tech.post("/admin/settings/gateways", { intent: "mode", gateway: "sms", mode: "live" });
  assert.equal(live.status, 409);
  assert.match(live.html, /尚未接入真实服务商/);
  const secret = `key-${crypto.randomUUID()}`;
  const saved = await tech.post("/admin/settings/gateways", {
    intent: "credential",
    gateway: "sms",
    name: "accessKeySecret",
    value: secret,
  });
  assert.equal(saved.status, 303);
  const after = await tech.get("/admin/settings/gateways");
  assert.ok(!after.html.includes(secret));
  assert.ok(after.html.includes(`已设置 ····${secret.slice(-4)}`));
  const bad = await tech.post("/admin/settings/gateways", {
    intent: "credential",
    gateway: "sms",
    name: "",
    value: "",
  });
  assert.equal(bad.status, 422);
  const test = await tech.post("/admin/settings/gateways", { intent: "test", gateway: "sms" });
  assert.equal(test.status, 200);
  assert.match(test.html, /测试连接：成功/);
  assert.ok((await auditRows(sql, "gateway.test", "gateway:sms")).length >= 1);
  const unknown = await tech.post("/admin/settings/gateways", {
    intent: "mode",
    gateway: "nope",
    mode: "sandbox",
  });
  assert.equal(unknown.status, 404);
});

dbTest(
  "admin pages: 资金流水 lists, rejects bad filters with 422 and exports an audited CSV",
  async (sql) => {
    const app = testApp();
    const { userId, phone } = await createUser(sql);
    const run = `routeflow${crypto.randomUUID().slice(0, 8)}`;
    const posted = await transaction(sql, (tx) =>
      postEntry(tx, {
        businessType: "top_up",
        reference: `${run}:1`,
        idempotencyKey: crypto.randomUUID(),
        lines: [
          { account: { kind: "custody_clearing" }, amountFen: -5_000n },
          { account: { kind: "user_available", userId }, amountFen: 5_000n },
        ],
      }));
    assert.ok(posted.ok);
    const { client: fin, staffId } = await staffBrowser(app, sql, "finance");
    const list = await fin.get(`/admin/finance/flows?reference=${run}`);
    assert.equal(list.status, 200);
    assert.ok(list.html.includes(`${run}:1`));
    assert.match(list.html, /共 1 笔分录/);
    assert.equal((await fin.get("/admin/finance/flows?type=magic")).status, 422);
    const byPhone = await fin.post("/admin/finance/flows", { intent: "search", phone, reference: run });
    assert.equal(byPhone.status, 200);
    assert.ok(byPhone.html.includes(`${run}:1`));
    const csv = await fin.post("/admin/finance/flows", { intent: "export", reference: run });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get("content-type") ?? "", /text\/csv/);
    assert.match(csv.html, new RegExp(`${run}:1`));
    const [row] = (await auditRows(sql, "finance.flows_export")).slice(-1);
    assert.equal(row.staff_id, staffId);
    const badExport = await fin.post("/admin/finance/flows", { intent: "export", phone: "12" });
    assert.equal(badExport.status, 422);
  },
);
