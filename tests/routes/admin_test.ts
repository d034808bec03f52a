/**
 * The staff back office through the whole app: log-in, deny-by-default guard, role menus, 403s, staff
 * creation and disabling (audited, chain verified), the user list and its masked, audited CSV export,
 * lockout, log-out, and the separation of user and staff sessions.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../config.ts";
import type { Db } from "../../db/tx.ts";
import { registrationsPerDay } from "../../domain/admin/dashboard.ts";
import { formatCount } from "../../domain/shared/count.ts";
import { verifyAuditChain } from "../../domain/staff/audit_log.ts";
import { createPiiCipher, maskPhone } from "../../domain/accounts/pii.ts";
import { createSession } from "../../domain/accounts/session.ts";
import { createStaff } from "../../domain/staff/staff.ts";
import { menuFor, permissionsFor, type StaffRole } from "../../domain/staff/permissions.ts";
import { shanghaiDay } from "../../jobs/cron.ts";
import { handler as adminGuard } from "../../routes/admin/_middleware.ts";
import { testApp } from "../helpers/app.ts";
import { dbTest, randomPhone, testDbKind } from "../helpers/db.ts";
import { Client, type Page, seededTestApp } from "../helpers/forms.ts";
import { insertLoan } from "../helpers/lending.ts";

const PASSWORD = "Demo@2026!";
const config = { ...loadConfig({ APP_ENV: "test" }), demo: true };
const cipher = createPiiCipher(config);

function uniqueName(prefix: string): string {
  return `${prefix}${crypto.randomUUID().replace(/-/g, "").slice(0, 10)}`;
}

/** A browser on the seeded app, from its own client IP (failed staff log-ins count per IP). */
class StaffClient extends Client {
  constructor() {
    super(seededTestApp());
  }
  /** Staff log-in, with the demo password unless given. */
  loginAs(username: string, password = PASSWORD, next?: string): Promise<Page> {
    return this.staffLogin(username, password, next);
  }
}

async function loggedIn(username: string): Promise<StaffClient> {
  const c = new StaffClient();
  const res = await c.loginAs(username);
  assert.equal(res.status, 303, `log-in of ${username} failed: ${res.html.slice(0, 300)}`);
  assert.ok(c.jar.get("staff_sid"), "staff cookie set");
  return c;
}

/** POST the 停用 / 启用 form of /admin/staff (the client has loaded the page for its CSRF token). */
function setStatus(admin: Client, staffId: string, status: string, reason: string): Promise<Page> {
  return admin.post("/admin/staff", { intent: "status", staffId, status, reason });
}

function menuNav(html: string): string {
  return /<nav class="admin-menu"[^>]*>([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? "";
}

/** The menu's entries, by their label (the text before any queue count). */
function menuLabels(html: string): string[] {
  return [
    ...menuNav(html).matchAll(
      /<a [^>]*>([^<]*)(?:<span class="menu-counts">[\s\S]*?<\/span><\/span>)?<\/a>/g,
    ),
  ]
    .map((m) => m[1]);
}

/**
 * The count the menu shows beside a queue, with its visible text and screen-reader text; `null` when the
 * menu shows none (nothing waits, or the member may not see it).
 */
function menuCount(html: string, queue: string): { n: number; visible: string; spoken: string } | null {
  const m = new RegExp(
    `<span class="badge badge-warn menu-count" data-queue="${queue}"[^>]*>([\\s\\S]*?)</span>(?=<span class="badge|</span></a>)`,
  )
    .exec(menuNav(html));
  if (!m) return null;
  const spoken = /<span class="visually-hidden">([^<]*)<\/span>/.exec(m[1])?.[1] ?? "";
  const visible = m[1].replace(/<span class="visually-hidden">[^<]*<\/span>/, "").replace(/<[^>]+>/g, "");
  return { n: Number(visible.replace(/[^0-9]/g, "")), visible, spoken };
}

async function auditRows(sql: Db, action: string, target?: string) {
  return await sql<{ id: string; staff_id: string | null; detail: Record<string, unknown> }[]>`
    select id, staff_id, detail from audit_log
    where action = ${action} and (${target ?? null}::text is null or target = ${target ?? null}::text)
    order by id`;
}

async function staffId(sql: Db, username: string): Promise<string> {
  const [row] = await sql<{ id: string }[]>`select id from staff where username = ${username}`;
  return row.id;
}

/** The password of staff made by {@link newStaff}. */
const NEW_STAFF_PASSWORD = "Str0ng-pass!";

/** A staff member made by the demo super admin through the domain (bcrypt cost 4), unique user name. */
async function newStaff(
  sql: Db,
  input: { prefix: string; displayName: string; role: StaffRole },
): Promise<{ username: string; staffId: string }> {
  const adminId = await staffId(sql, "admin");
  const username = uniqueName(input.prefix);
  const created = await createStaff(
    sql,
    { username, displayName: input.displayName, role: input.role, password: NEW_STAFF_PASSWORD },
    { staff: { id: adminId, permissions: permissionsFor("super_admin") }, ip: null },
    { bcryptCost: 4 },
  );
  assert.ok(created.ok);
  return { username, staffId: created.staffId };
}

/** The state (`active`, `disabled`) of a staff member. */
async function staffStatus(sql: Db, id: string): Promise<string> {
  const [row] = await sql<{ status: string }[]>`select status from staff where id = ${id}`;
  return row.status;
}

async function insertUser(sql: Db, kind: "investor" | "borrower", phone: string, displayName: string) {
  const [row] = await sql<{ id: string }[]>`
    insert into users (kind, phone_enc, phone_hash, display_name)
    values (${kind}, ${await cipher.encrypt(phone)}, ${await cipher.hash(phone)}, ${displayName})
    returning id`;
  return row.id;
}

dbTest("admin: signed out, every admin page redirects to the log-in form with next", async () => {
  const c = new StaffClient();
  for (
    const path of ["/admin", "/admin/users?kind=investor", "/admin/staff", "/admin/audit", "/admin/system"]
  ) {
    const res = await c.get(path);
    assert.equal(res.status, 303, path);
    assert.equal(res.headers.get("location"), `/admin/login?next=${encodeURIComponent(path)}`);
  }
  const form = await c.get("/admin/login");
  assert.equal(form.status, 200);
  assert.match(form.html, /员工登录/);
  assert.match(form.html, /name="username"/);
  assert.doesNotMatch(form.html, /class="site-header"/, "the public chrome does not wrap admin pages");
  assert.doesNotMatch(form.html, /class="admin-menu"/, "no menu before log-in");
  assert.equal(form.headers.get("cache-control"), "no-store");
});

dbTest(
  "admin: log-in errors are in Chinese and keep the username; next is honoured but stays in /admin",
  async () => {
    const c = new StaffClient();
    await c.get("/admin/login");
    const empty = await c.post("/admin/login", { username: "", password: "" });
    assert.equal(empty.status, 400);
    assert.match(empty.html, /请输入用户名/);
    assert.match(empty.html, /请输入密码/);
    const wrong = await c.post("/admin/login", { username: "ops", password: "wrong-password-1" });
    assert.equal(wrong.status, 401);
    assert.match(wrong.html, /用户名或密码错误/);
    assert.match(wrong.html, /value="ops"/);
    assert.equal(c.jar.get("staff_sid"), undefined);

    const next = await new StaffClient().loginAs("ops", PASSWORD, "/admin/users?kind=borrower");
    assert.equal(next.status, 303);
    assert.equal(next.headers.get("location"), "/admin/users?kind=borrower");
    const evil = await new StaffClient().loginAs("ops", PASSWORD, "https://evil.example/admin");
    assert.equal(evil.headers.get("location"), "/admin");
    const slashes = await new StaffClient().loginAs("ops", PASSWORD, "//evil.example/admin");
    assert.equal(slashes.headers.get("location"), "/admin");
  },
);

dbTest("admin: each role sees exactly its menu", async () => {
  const expected: Record<string, string[]> = {
    admin: [
      "概览",
      "用户管理",
      "实名审核",
      "资金流水",
      "提现审核",
      "费率设置",
      "资金对账",
      "借款审核",
      "投标管理",
      "满标放款",
      "逾期催收",
      "风险等级",
      "借款产品",
      "风控规则",
      "评分卡",
      "黑名单",
      "邀请奖励",
      "员工管理",
      "角色权限",
      "第三方设置",
      "操作日志",
      "系统状态",
    ],
    ops: ["概览", "用户管理", "实名审核", "邀请奖励"],
    risk: [
      "概览",
      "用户管理",
      "实名审核",
      "借款审核",
      "投标管理",
      "满标放款",
      "逾期催收",
      "风险等级",
      "借款产品",
      "风控规则",
      "评分卡",
      "黑名单",
    ],
    finance: ["概览", "用户管理", "资金流水", "提现审核", "费率设置", "资金对账", "满标放款"],
    cs: ["概览", "用户管理"],
    tech: ["概览", "第三方设置", "操作日志", "系统状态"],
  };
  const roles: Record<string, string> = {
    admin: "super_admin",
    ops: "operations",
    risk: "risk",
    finance: "finance",
    cs: "customer_service",
    tech: "tech",
  };
  for (const [username, labels] of Object.entries(expected)) {
    const c = await loggedIn(username);
    const res = await c.get("/admin");
    assert.equal(res.status, 200, username);
    assert.deepEqual(menuLabels(res.html), labels, username);
    assert.deepEqual(labels, menuFor(roles[username]).map((m) => m.label));
    assert.match(res.html, /<a href="\/admin" aria-current="page">概览<\/a>/);
    assert.match(res.html, /管理后台/);
    // every menu entry opens for the role
    for (const item of menuFor(roles[username])) {
      const page = await c.get(item.href);
      assert.equal(page.status, 200, `${username} ${item.href}`);
    }
  }
});

dbTest("admin: the menu counts what waits in each queue the member may work, and follows it", async (sql) => {
  const ops = await loggedIn("ops");
  const before = menuCount((await ops.get("/admin")).html, "kyc")?.n ?? 0;
  const userId = await insertUser(sql, "investor", randomPhone(), "计数用户");
  const [video] = await sql<{ id: string }[]>`
    insert into video_verifications (user_id, file_name, content_type, size_bytes, sha256)
    values (${userId}, ${crypto.randomUUID().replace(/-/g, "") + ".mp4"}, 'video/mp4', 10, 'x') returning id`;
  const borrower = await insertUser(sql, "borrower", randomPhone(), "计数借款人");
  const full = await insertLoan(sql, { borrowerId: borrower, status: "full" });
  const reviewed = await insertLoan(sql, { borrowerId: borrower, status: "full_reviewed" });
  try {
    // on any admin page, beside 实名审核; the label itself unchanged
    const page = await ops.get("/admin/users");
    assert.deepEqual(menuCount(page.html, "kyc"), {
      n: before + 1,
      visible: String(before + 1),
      spoken: "待审核",
    });
    assert.ok(menuLabels(page.html).includes("实名审核"));
    // 满标放款 serves two roles: each sees the count of its own step only; both counts say which is which
    const risk = (await (await loggedIn("risk")).get("/admin")).html;
    assert.ok(menuCount(risk, "full_review")!.n >= 1);
    assert.equal(menuCount(risk, "disbursement"), null);
    const finance = (await (await loggedIn("finance")).get("/admin")).html;
    assert.ok(menuCount(finance, "disbursement")!.n >= 1);
    assert.equal(menuCount(finance, "full_review"), null);
    assert.equal(menuCount(finance, "kyc"), null, "finance does not work the KYC queue");
    const admin = (await (await loggedIn("admin")).get("/admin")).html;
    assert.match(menuCount(admin, "full_review")!.visible, /^审[0-9]+$/);
    assert.match(menuCount(admin, "disbursement")!.visible, /^放[0-9]+$/);
    assert.equal(menuCount(admin, "disbursement")!.spoken, "待放款");
    // a role without queues sees no count at all
    assert.doesNotMatch((await (await loggedIn("tech")).get("/admin")).html, /data-queue=/);
  } finally {
    await sql`update video_verifications set status = 'rejected', review_reason = '测试', reviewed_at = now()
      where id = ${video.id}`;
    await sql`delete from loans where id = any(${[full.loanId, reviewed.loanId]}::bigint[])`;
  }
  // decided: one fewer waits
  const after = menuCount((await ops.get("/admin")).html, "kyc");
  assert.equal(after?.n ?? 0, before);
});

dbTest("admin: a role without the permission gets 403 无权访问", async () => {
  const cases: [string, string][] = [
    ["finance", "/admin/audit"],
    ["finance", "/admin/staff"],
    ["ops", "/admin/system"],
    ["cs", "/admin/audit"],
    ["tech", "/admin/users"],
    ["tech", "/admin/users?format=csv"],
    ["risk", "/admin/staff"],
  ];
  for (const [username, path] of cases) {
    const c = await loggedIn(username);
    const res = await c.get(path);
    assert.equal(res.status, 403, `${username} ${path}`);
    assert.match(res.html, /无权访问/);
    assert.match(res.html, /class="admin-menu"/, "shown inside the admin shell");
  }
  // a forbidden POST changes nothing
  const ops = await loggedIn("ops");
  await ops.get("/admin");
  const username = uniqueName("x");
  const res = await ops.post("/admin/staff", {
    intent: "create",
    username,
    displayName: "越权",
    role: "super_admin",
    password: "Str0ng-pass!",
  });
  assert.equal(res.status, 403);
  const app = await testApp();
  assert.equal((await app.sql`select 1 from staff where username = ${username}`).length, 0);
});

dbTest("admin: an /admin path without a permission mapping is refused to everyone", async () => {
  // An unknown path: no route (404) for every role, including the super admin.
  for (const username of ["admin", "tech"]) {
    const c = await loggedIn(username);
    const res = await c.get("/admin/settings");
    assert.ok(res.status === 404 || res.status === 403, `${username}: ${res.status}`);
  }
  // A route that existed without a mapping would still be denied: the guard itself refuses it.
  let rendered: number | null = null;
  let nextCalled = false;
  const ctx = {
    url: new URL("http://localhost/admin/secret-report"),
    req: new Request("http://localhost/admin/secret-report"),
    state: {
      staff: {
        id: "1",
        username: "admin",
        displayName: "x",
        role: "super_admin",
        permissions: permissionsFor("super_admin"),
      },
    },
    next() {
      nextCalled = true;
      return Promise.resolve(new Response("secret"));
    },
    render(_vnode: unknown, init?: ResponseInit) {
      rendered = init?.status ?? 200;
      return Promise.resolve(new Response("forbidden", { status: rendered }));
    },
    redirect(path: string, status = 302) {
      return new Response(null, { status, headers: { location: path } });
    },
  };
  // deno-lint-ignore no-explicit-any
  const res = await (adminGuard as any)(ctx);
  assert.equal(res.status, 403);
  assert.equal(rendered, 403);
  assert.equal(nextCalled, false);
});

dbTest(
  "admin: super admin creates a staff member; audited; the chain verifies; the page says so",
  async (sql) => {
    const admin = await loggedIn("admin");
    await admin.get("/admin/staff");
    const bad = await admin.post("/admin/staff", {
      intent: "create",
      username: "9bad",
      displayName: "",
      role: "",
      password: "12345678",
    });
    assert.equal(bad.status, 400);
    assert.match(bad.html, /用户名为 2–32 位小写字母/);
    assert.match(bad.html, /请填写姓名/);
    assert.match(bad.html, /请选择角色/);
    assert.match(bad.html, /value="9bad"/, "what was typed stays");

    const username = uniqueName("n");
    const res = await admin.post("/admin/staff", {
      intent: "create",
      username,
      displayName: "新运营",
      role: "operations",
      password: "Str0ng-pass!",
    });
    assert.equal(res.status, 303, res.html.slice(0, 500));
    assert.equal(res.headers.get("location"), "/admin/staff?done=created");
    const id = await staffId(sql, username);
    const rows = await auditRows(sql, "staff.create", `staff:${id}`);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].staff_id, await staffId(sql, "admin"));
    assert.deepEqual(rows[0].detail, { username, role: "operations" });
    const list = await admin.get("/admin/staff?done=created");
    assert.match(list.html, /员工账户已创建/);
    assert.match(list.html, new RegExp(username));

    const taken = await admin.post("/admin/staff", {
      intent: "create",
      username,
      displayName: "重复",
      role: "tech",
      password: "Str0ng-pass!",
    });
    assert.equal(taken.status, 409);
    assert.match(taken.html, /该用户名已被使用/);

    // the new member can log in and sees the operations menu
    const fresh = new StaffClient();
    const login = await fresh.loginAs(username, "Str0ng-pass!");
    assert.equal(login.status, 303);
    assert.deepEqual(menuLabels((await fresh.get("/admin")).html), [
      "概览",
      "用户管理",
      "实名审核",
      "邀请奖励",
    ]);

    const verified = await verifyAuditChain(sql);
    assert.ok(verified.ok);
    const page = await admin.get("/admin/audit?verify=1");
    assert.equal(page.status, 200);
    assert.match(page.html, /哈希链校验通过（\d+ 条，核对锚点 \d+ 个）/);
    const filtered = await admin.get(`/admin/audit?action=staff.create&staff=${await staffId(sql, "admin")}`);
    assert.match(filtered.html, new RegExp(`staff:${id}`));
    assert.doesNotMatch(filtered.html, /staff\.login_failed<\/div>/);
  },
);

dbTest("admin: disabling a staff member needs a reason, ends their sessions, is audited", async (sql) => {
  const admin = await loggedIn("admin");
  const adminId = await staffId(sql, "admin");
  const created = await newStaff(sql, { prefix: "d", displayName: "待停用", role: "customer_service" });
  const victim = new StaffClient();
  assert.equal((await victim.loginAs(created.username, NEW_STAFF_PASSWORD)).status, 303);
  assert.equal((await victim.get("/admin")).status, 200);

  await admin.get("/admin/staff");
  const noReason = await setStatus(admin, created.staffId, "disabled", " ");
  assert.equal(noReason.status, 400);
  assert.match(noReason.html, /请填写原因/);
  assert.equal(await staffStatus(sql, created.staffId), "active");
  assert.equal((await auditRows(sql, "staff.disable", `staff:${created.staffId}`)).length, 0);

  const self = await setStatus(admin, adminId, "disabled", "测试停用自己");
  assert.equal(self.status, 400);
  assert.match(self.html, /不能停用自己的账户/);

  const ok = await setStatus(admin, created.staffId, "disabled", "离职");
  assert.equal(ok.status, 303);
  assert.equal(await staffStatus(sql, created.staffId), "disabled");
  const audit = await auditRows(sql, "staff.disable", `staff:${created.staffId}`);
  assert.equal(audit.length, 1);
  assert.equal(audit[0].detail.reason, "离职");
  assert.equal(audit[0].staff_id, adminId);

  // their open session is gone, and they cannot log in again
  const kicked = await victim.get("/admin");
  assert.equal(kicked.status, 303);
  const again = await new StaffClient().loginAs(created.username, NEW_STAFF_PASSWORD);
  assert.match(again.html, /该员工账户已停用/);

  const enable = await setStatus(admin, created.staffId, "active", "返岗");
  assert.equal(enable.status, 303);
  assert.equal((await auditRows(sql, "staff.enable", `staff:${created.staffId}`)).length, 1);
  assert.ok((await verifyAuditChain(sql)).ok);
});

/** Every URL a page offers: links, form actions, and the `Location` of the answer. */
function urlsOf(page: Page): string[] {
  const urls = [...page.html.matchAll(/\s(?:href|action|formaction|src)="([^"]*)"/g)].map((m) => m[1]);
  const location = page.headers.get("location");
  return location ? [...urls, location] : urls;
}

dbTest(
  "admin: user list filters by phone (POST) and kind, masks phones; CSV export is masked and audited",
  async (sql) => {
    const phone = randomPhone();
    const name = uniqueName("借款人");
    const userId = await insertUser(sql, "borrower", phone, name);
    const ops = await loggedIn("ops");
    const opsId = await staffId(sql, "ops");
    const exportsBefore = (await auditRows(sql, "users.export")).length;

    await ops.get("/admin/users");
    const list = await ops.post("/admin/users", { intent: "search", phone });
    assert.equal(list.status, 200);
    assert.match(list.html, /共 1 人/);
    assert.ok(list.html.includes(maskPhone(phone)));
    const tbody = /<tbody>([\s\S]*?)<\/tbody>/.exec(list.html)?.[1] ?? "";
    assert.ok(tbody.includes(maskPhone(phone)));
    assert.ok(
      !tbody.includes(phone),
      "the table never shows a full phone (only the search box keeps what was typed)",
    );
    assert.ok(list.html.includes(name));
    assert.equal((await auditRows(sql, "users.export")).length, exportsBefore, "viewing is not audited");

    const other = await ops.post("/admin/users", { intent: "search", phone, kind: "investor" });
    assert.match(other.html, /共 0 人/);
    assert.match(other.html, /没有符合条件的用户/);
    const invalid = await ops.post("/admin/users", { intent: "search", phone: "12345", from: "2026-02-30" });
    assert.match(invalid.html, /请输入正确的 11 位手机号码/);
    assert.match(invalid.html, /日期不存在，请检查年月日/);
    const today = shanghaiDay();
    const byDay = await ops.get(`/admin/users?from=${today}&to=${today}&kind=borrower`);
    assert.ok(byDay.html.includes(name), "registered today is inside today's range");
    const future = await ops.post("/admin/users", { intent: "search", from: "2099-01-01", phone });
    assert.match(future.html, /共 0 人/);

    const csv = await ops.post("/admin/users", { intent: "export", phone });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get("content-type") ?? "", /^text\/csv/);
    assert.match(
      csv.headers.get("content-disposition") ?? "",
      /attachment; filename="users-\d{4}-\d{2}-\d{2}\.csv"/,
    );
    assert.equal(csv.headers.get("cache-control"), "no-store");
    const lines = csv.html.replace(/^\uFEFF/, "").trim().split("\r\n");
    assert.equal(lines[0], `"用户ID","手机号","类型","昵称","状态","注册时间"`);
    assert.equal(lines.length, 2);
    assert.ok(lines[1].startsWith(`"${userId}","${maskPhone(phone)}","借款人","${name}","正常",`));
    assert.ok(!csv.html.includes(phone), "CSV has no full phone");
    const exports = await auditRows(sql, "users.export");
    assert.equal(exports.length, exportsBefore + 1);
    const last = exports.at(-1)!;
    assert.equal(last.staff_id, opsId);
    assert.equal(last.detail.rows, 1);
    assert.ok(!JSON.stringify(last.detail).includes(phone), "audit detail has no full phone");

    // the export needs the CSRF token like every POST, and a GET no longer exports
    const forged = new StaffClient();
    assert.equal((await forged.loginAs("ops")).status, 303);
    forged.csrf = "forged";
    assert.equal((await forged.post("/admin/users", { intent: "export" })).status, 403);
    const viaGet = await ops.get("/admin/users?format=csv");
    assert.equal(viaGet.status, 200);
    assert.match(viaGet.headers.get("content-type") ?? "", /^text\/html/);
    assert.equal((await auditRows(sql, "users.export")).length, exportsBefore + 1, "nothing more exported");
  },
);

dbTest(
  "admin: no phone number in a URL — search and export are POSTs; no Location, link or action carries it",
  async (sql) => {
    const phone = randomPhone();
    await insertUser(sql, "investor", phone, uniqueName("出借人"));
    for (let i = 0; i < 3; i++) await insertUser(sql, "investor", randomPhone(), uniqueName("翻页"));
    const ops = await loggedIn("ops");
    const pages: Page[] = [await ops.get("/admin/users")];
    // the filter form posts, with its CSRF token; the export is a submit button of that form
    assert.match(pages[0].html, /<form method="post" action="\/admin\/users"[^>]*role="search"/);
    assert.match(pages[0].html, /<button[^>]*name="intent" value="export"/);
    assert.doesNotMatch(pages[0].html, /format=csv/);

    pages.push(await ops.post("/admin/users", { intent: "search", phone, kind: "investor" }));
    assert.match(pages.at(-1)!.html, /共 1 人/);
    // without a phone the search lands on a bookmarkable GET of the other filters
    const plain = await ops.post("/admin/users", { intent: "search", kind: "investor", status: "active" });
    assert.equal(plain.status, 303);
    assert.equal(plain.headers.get("location"), "/admin/users?kind=investor&status=active");
    pages.push(plain);
    // pages 2… of a search with a phone are posted too (the pager is a form), and keep the phone filter
    const many = await ops.post("/admin/users", { intent: "search", phone, page: "2" });
    assert.equal(many.status, 200);
    assert.match(many.html, /共 1 人/, "the phone filter still applies on another page");
    pages.push(many);
    pages.push(await ops.post("/admin/users", { intent: "export", phone }));
    // a phone that arrives in a URL anyway (an old bookmark) is not searched, not echoed, and explained
    const old = await ops.get(`/admin/users?phone=${phone}&kind=investor`);
    assert.equal(old.status, 200);
    assert.match(
      old.html,
      /id="f-phone-error"[^>]*>为保护个人信息，手机号不能放在链接中，请在搜索框中输入后点“筛选”</,
    );
    assert.ok(!old.html.includes(phone), "the phone from the URL is not echoed");
    pages.push(old);

    for (const page of pages) {
      for (const url of urlsOf(page)) {
        assert.ok(!url.includes(phone), `a URL carries the phone: ${url}`);
        assert.ok(!decodeURIComponent(url).includes(phone.slice(3)), `a URL carries the phone: ${url}`);
      }
    }
  },
);

dbTest("admin: the user list pages by GET links without filters that name a person", async (sql) => {
  const kind = "borrower";
  const [{ n }] = await sql<{ n: bigint }[]>`select count(*) as n from users where kind = ${kind}`;
  for (let i = Number(n); i < 51; i++) await insertUser(sql, kind, randomPhone(), uniqueName("翻页"));
  const ops = await loggedIn("ops");
  const first = await ops.get(`/admin/users?kind=${kind}`);
  assert.match(first.html, /<a href="\/admin\/users\?kind=borrower&amp;page=2" rel="next">下一页<\/a>/);
  const second = await ops.get(`/admin/users?kind=${kind}&page=2`);
  assert.equal(second.status, 200);
  assert.match(second.html, /第 2 \/ \d+ 页/);
  // with a phone filter (posted), the pager is a form that posts the page number with the filters
  await ops.get("/admin/users");
  const phone = randomPhone();
  const posted = await ops.post("/admin/users", { intent: "search", phone, kind, page: "1" });
  assert.equal(posted.status, 200);
  assert.doesNotMatch(posted.html, /rel="next"/, "one match: no pager");
});

dbTest("admin: five wrong passwords lock a staff account with a Chinese message", async (sql) => {
  const { username } = await newStaff(sql, { prefix: "l", displayName: "锁定测试", role: "tech" });
  const c = new StaffClient();
  await c.get("/admin/login");
  const statuses: number[] = [];
  let last = "";
  for (let i = 0; i < 5; i++) {
    const res = await c.post("/admin/login", { username, password: `wrong-${i}-password` });
    statuses.push(res.status);
    last = res.html;
  }
  assert.deepEqual(statuses.slice(0, 4), [401, 401, 401, 401]);
  assert.equal(statuses[4], 429);
  assert.match(last, /登录失败次数过多，账户已锁定，请 \d+ 分钟后再试/);
  const right = await c.post("/admin/login", { username, password: NEW_STAFF_PASSWORD });
  assert.equal(right.status, 429, "the right password does not get through a lock");
  assert.equal(c.jar.get("staff_sid"), undefined);
});

dbTest("admin: a user session cannot open /admin; staff and user cookies are separate", async (sql) => {
  const userId = await insertUser(sql, "investor", randomPhone(), "普通用户");
  const session = await createSession(sql, {
    subjectType: "user",
    subjectId: userId,
    ip: null,
    userAgent: null,
  });
  const c = new StaffClient();
  // the user cookie, and the same id smuggled into the staff cookie
  for (const cookie of [`sid=${session.sessionId}`, `staff_sid=${session.sessionId}`]) {
    const app = await seededTestApp();
    const res = await app.handle(new Request("http://localhost/admin", { headers: { cookie } }), {
      ip: c.ip,
    });
    assert.equal(res.status, 303, cookie);
    assert.match(res.headers.get("location") ?? "", /^\/admin\/login/);
  }
  const staff = await loggedIn("cs");
  assert.ok(staff.jar.get("staff_sid"));
  assert.equal(staff.jar.get("sid"), undefined, "staff log-in sets no user cookie");
  assert.notEqual(staff.jar.get("staff_sid"), session.sessionId);
});

dbTest("admin: log-out ends the session server-side and clears the cookie", async (sql) => {
  const c = await loggedIn("tech");
  const sid = c.jar.get("staff_sid")!;
  await c.get("/admin");
  const before = (await auditRows(sql, "staff.logout")).length;
  const res = await c.post("/admin/logout", {});
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/admin/login");
  assert.equal(c.jar.get("staff_sid"), undefined);
  assert.equal((await auditRows(sql, "staff.logout")).length, before + 1);
  const app = await seededTestApp();
  const reuse = await app.handle(
    new Request("http://localhost/admin", { headers: { cookie: `staff_sid=${sid}` } }),
    { ip: c.ip },
  );
  assert.equal(reuse.status, 303, "the old session id no longer works");
  // log-out without a CSRF token is refused
  const c2 = await loggedIn("tech");
  c2.csrf = "forged";
  const forged = await c2.post("/admin/logout", {});
  assert.equal(forged.status, 403);
  assert.equal((await c2.get("/admin")).status, 200);
});

dbTest("admin: overview counts and the 14-day registration chart (Asia/Shanghai days)", async (sql) => {
  await insertUser(sql, "investor", randomPhone(), "图表用户");
  const days = await registrationsPerDay(sql, 14);
  assert.equal(days.length, 14);
  assert.equal(days.at(-1)!.day, shanghaiDay());
  assert.ok(days.at(-1)!.count >= 1n);
  for (let i = 1; i < days.length; i++) assert.ok(days[i - 1].day < days[i].day);
  const [{ n }] = await sql<{ n: bigint }[]>`
    select count(*) as n from users
    where created_at >= (current_date - 13)::timestamp at time zone 'Asia/Shanghai' - interval '1 day'`;
  assert.ok(days.reduce((s, d) => s + d.count, 0n) <= n);

  const c = await loggedIn("finance");
  const res = await c.get("/admin");
  assert.equal(res.status, 200);
  assert.match(res.html, /<svg class="bar-chart"/);
  assert.match(res.html, /近 14 天每日注册/);
  assert.match(res.html, /财务：/);
  const [{ total }] = await sql<{ total: bigint }[]>`select count(*) as total from users`;
  assert.match(res.html, new RegExp(`注册用户</div><div class="value">${formatCount(total)}<`));
  assert.doesNotMatch(res.html, /<script/, "no script on admin pages");
});

dbTest("admin: system status shows the database kind, migrations and KV", async () => {
  const c = await loggedIn("tech");
  const res = await c.get("/admin/system");
  assert.equal(res.status, 200);
  assert.match(res.html, new RegExp(`（${testDbKind}）`));
  assert.match(res.html, /0001/);
  assert.match(res.html, /accounts/);
  assert.match(res.html, /Deno KV/);
  assert.match(res.html, /发件队列（outbox）<\/th>\s*<td class="text">\s*待投递 [\d,]+ 条，放弃 [\d,]+ 条/);
  assert.match(res.html, /短信 sandbox，邮件 sandbox/);
  assert.doesNotMatch(res.html, /异常/);
});
