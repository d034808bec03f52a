/**
 * Error pages under `/admin` through the whole app: an unknown admin path runs the admin guard (log-in
 * redirect for visitors, the admin 页面不存在 for staff), a page the role lacks is its 403, a route missing
 * from the permission table is refused to everyone, a 404 renders inside the back-office chrome, and errors under /admin render the admin 500 page — never
 * the public header, and never the failed page's title.
 */
import assert from "node:assert/strict";
import { DEMO_PASSWORD } from "../../db/seed.ts";
import { PLATFORM_NAME } from "../../domain/shared/brand.ts";
import { newSessionId } from "../../domain/accounts/session.ts";
import { permissionsFor } from "../../domain/staff/permissions.ts";
import { handler as guard } from "../../routes/admin/_middleware.ts";
import { dbTest } from "../helpers/db.ts";
import {
  Client,
  handleWithBrokenDatabase,
  handleWithFailingQueries,
  seededTestApp,
} from "../helpers/forms.ts";

/** A browser on the demo-seeded app. */
function newClient(): Client {
  return new Client(seededTestApp());
}

/** A browser on the demo-seeded app, signed in as the demo staff member `username`. */
async function staffClient(username: string): Promise<Client> {
  const c = newClient();
  const { status, html } = await c.staffLogin(username, DEMO_PASSWORD);
  assert.equal(status, 303, `log-in of ${username} failed: ${html.slice(0, 300)}`);
  assert.ok(c.jar.get("staff_sid"), "staff cookie set");
  return c;
}

function titleOf(html: string): string | undefined {
  return /<title>([^<]*)<\/title>/.exec(html)?.[1];
}

function assertAdminChrome(html: string, label: string): void {
  assert.match(html, /class="admin-shell"/, `${label}: inside the admin layout`);
  assert.doesNotMatch(html, /class="site-header"/, `${label}: not the public chrome`);
}

dbTest(
  "admin errors: a signed-out visitor to an unknown admin path is sent to the staff log-in",
  async () => {
    const c = newClient();
    for (const path of ["/admin/nope", "/admin/users/nope/deeper?x=1"]) {
      const { res } = await c.send(path);
      assert.equal(res.status, 303, path);
      assert.equal(res.headers.get("location"), `/admin/login?next=${encodeURIComponent(path)}`);
      assert.equal(res.headers.get("cache-control"), "no-store");
    }
    // an old bookmark of a phone search: the number does not travel on into the log-in page's URL
    const { res } = await c.send("/admin/users?phone=13812345678&kind=investor");
    assert.equal(res.status, 303);
    assert.equal(
      res.headers.get("location"),
      `/admin/login?next=${encodeURIComponent("/admin/users?kind=investor")}`,
    );
  },
);

dbTest(
  "admin errors: signed-in staff get the guard's 403 for a page their role lacks, in admin chrome",
  async () => {
    const c = await staffClient("tech");
    const { res, html } = await c.send("/admin/users");
    assert.equal(res.status, 403);
    assertAdminChrome(html, "/admin/users");
    assert.match(html, /class="admin-menu"/, "the role menu is shown");
    assert.match(html, /<h1>无权访问<\/h1>/);
    assert.equal(titleOf(html), `无权访问 - ${PLATFORM_NAME}`);
    assert.equal(res.headers.get("cache-control"), "no-store");
  },
);

Deno.test("admin errors: a route missing from the permission table is refused even to the super admin", async () => {
  const staff = {
    id: "1",
    username: "admin",
    displayName: "管理员",
    role: "super_admin",
    permissions: permissionsFor("super_admin"),
  };
  let nextCalled = false;
  let rendered: number | undefined;
  const ctx = {
    route: "/admin/undeclared",
    url: new URL("http://localhost/admin/undeclared"),
    state: { staff } as Record<string, unknown>,
    next: () => {
      nextCalled = true;
      return Promise.resolve(new Response("secret"));
    },
    render: (_: unknown, init?: ResponseInit) => {
      rendered = init?.status;
      return Promise.resolve(new Response("无权访问", { status: init?.status }));
    },
    redirect: (to: string, status: number) => new Response(null, { status, headers: { location: to } }),
  };
  // deno-lint-ignore no-explicit-any
  const res = await (guard as any)(ctx);
  assert.equal(nextCalled, false);
  assert.equal(rendered, 403);
  assert.equal(res.status, 403);
});

dbTest("admin errors: an unknown path under a permitted admin page is the admin 页面不存在", async () => {
  const c = await staffClient("admin");
  const { res, html } = await c.send("/admin/users/no-such-page");
  assert.equal(res.status, 404);
  assertAdminChrome(html, "/admin/users/no-such-page");
  assert.match(html, /class="admin-menu"/);
  assert.match(html, /<h1>页面不存在<\/h1>/);
  assert.match(html, /href="\/admin"/);
  assert.equal(titleOf(html), `页面不存在 - ${PLATFORM_NAME}`);
  assert.equal(res.headers.get("cache-control"), "no-store", "the admin guard wrapped the 404");

  // the public site keeps the public 404
  const pub = await c.send("/no-such-public-page");
  assert.equal(pub.res.status, 404);
  assert.match(pub.html, /class="site-header"/);
  assert.doesNotMatch(pub.html, /class="admin-shell"/);
});

dbTest(
  "admin errors: an error under /admin renders the admin 系统繁忙 page with the request id",
  async () => {
    const secret = "SECRET-admin-internal-detail";
    const staff = await staffClient("tech");
    // only the 系统状态 page's own query fails: the error happens inside the admin route
    const res = await handleWithFailingQueries(
      new Request("http://localhost/admin/system", {
        headers: { cookie: staff.jar.header(), "x-request-id": "req-admin-500-abcdef" },
      }),
      (text) => text.includes("from schema_migrations"),
      secret,
    );
    assert.equal(res.status, 500);
    assert.equal(res.headers.get("cache-control"), "no-store", "the admin guard wrapped the error page");
    const html = await res.text();
    assertAdminChrome(html, "admin 500");
    assert.match(html, /<h1>系统繁忙<\/h1>/);
    assert.match(html, /请求编号：<code>req-admin-500-abcdef<\/code>/);
    assert.equal(titleOf(html), `系统繁忙 - ${PLATFORM_NAME}`);
    assert.ok(!html.includes(secret), "the error message is not shown");
  },
);

dbTest(
  "admin errors: a failing menu count gives the admin 系统繁忙 page, its menu without counts",
  async () => {
    const staff = await staffClient("admin");
    const res = await handleWithFailingQueries(
      new Request("http://localhost/admin/audit", {
        headers: { cookie: staff.jar.header(), "x-request-id": "req-menu-count-abcdef" },
      }),
      (text) => text.includes("from write_off_proposals where status = 'pending'"),
      "menu count failed",
    );
    assert.equal(res.status, 500);
    const html = await res.text();
    assertAdminChrome(html, "admin 500 from the menu counts");
    assert.match(html, /class="admin-menu"/);
    assert.doesNotMatch(html, /data-queue=/);
    assert.match(html, /请求编号：<code>req-menu-count-abcdef<\/code>/);
  },
);

dbTest(
  "admin errors: with the whole database down, /admin answers the public 系统繁忙 page (as Fresh)",
  async () => {
    const secret = "SECRET-db-down";
    // the session middleware (app-level, before any route) is the first to fail: the root error page answers
    const res = await handleWithBrokenDatabase(
      new Request("http://localhost/admin/login", {
        headers: { cookie: `staff_sid=${newSessionId()}`, "x-request-id": "req-db-down-abcdef" },
      }),
      secret,
    );
    assert.equal(res.status, 500);
    const html = await res.text();
    assert.match(html, /<h1>系统繁忙<\/h1>/);
    assert.match(html, /请求编号：<code>req-db-down-abcdef<\/code>/);
    assert.ok(!html.includes(secret), "the error message is not shown");
  },
);
