/**
 * 我的账户 and 消息中心 through the whole app: log-in required, what the account page shows, paging,
 * unread highlighting, 全部标为已读, and that nobody sees another user's messages.
 */
import assert from "node:assert/strict";
import type { Db } from "../../db/tx.ts";
import { CURRENT_AGREEMENTS } from "../../domain/accounts/agreements.ts";
import { testAppWith } from "../helpers/app.ts";
import { appTest, BASE, Client, createUser, TEST_PASSWORD } from "../helpers/forms.ts";

/** Insert `count` messages for a user, one minute apart (the last is the newest). */
async function addMessages(
  sql: Db,
  userId: string,
  count: number,
  prefix: string,
  readAt: Date | null = null,
) {
  // read ones are a day older than the unread ones
  const base = Date.now() - count * 60_000 - (readAt ? 86_400_000 : 0);
  for (let i = 1; i <= count; i++) {
    await sql`
      insert into messages (user_id, kind, title, body, read_at, created_at, dedupe_key)
      values (${userId}, 'generic', ${`${prefix} ${i}`}, ${`正文 ${prefix} ${i}`}, ${readAt},
              ${new Date(base + i * 60_000)}, ${`test:${crypto.randomUUID()}`})`;
  }
}

function titles(html: string, prefix: string): string[] {
  return [...html.matchAll(new RegExp(`class="message-title">(${prefix} \\d+)<`, "g"))].map((m) => m[1]);
}

appTest("/account and /account/messages require a log-in (303 to /login with next)", async (app) => {
  for (
    const [path, next] of [["/account", "%2Faccount"], [
      "/account/messages?page=2",
      "%2Faccount%2Fmessages%3Fpage%3D2",
    ]]
  ) {
    const res = await app.handle(new Request(BASE + path));
    assert.equal(res.status, 303, path);
    assert.equal(res.headers.get("location"), `/login?next=${next}`);
  }
  const post = await app.handle(new Request(`${BASE}/account/messages`, { method: "POST" }));
  assert.ok(post.status === 303 || post.status === 403, String(post.status));
});

appTest(
  "/account shows masked phone, kind, date, invite code and link, agreements, messages",
  async (app) => {
    const user = await createUser(app.sql, "borrower");
    await app.sql`update users set created_at = '2026-11-26T17:30:00Z' where id = ${user.userId}`;
    const c = new Client(app);
    await c.login(user.phone, TEST_PASSWORD);
    const plain = await c.get("/account");
    assert.equal(plain.res.status, 200);
    assert.equal(plain.res.headers.get("cache-control"), "no-store");
    const html = plain.html;
    assert.match(
      html,
      new RegExp(`data-field="phone">${user.phone.slice(0, 3)}\\*{4}${user.phone.slice(-4)}<`),
    );
    assert.ok(!html.includes(user.phone));
    assert.match(html, /<dd>借款人<\/dd>/);
    assert.match(html, /<time[^>]*>2026-11-27<\/time>/, "registration date in Asia/Shanghai");
    const [{ invite_code: code }] = await app.sql<{ invite_code: string }[]>`
    select invite_code from users where id = ${user.userId}`;
    assert.ok(html.includes(code));
    // the configured origin (development default: http://localhost:PORT), never the request's Host
    assert.ok(html.includes(`http://localhost:8000/register?invite=${code}`));
    for (const a of Object.values(CURRENT_AGREEMENTS)) {
      assert.ok(html.includes(a.title) && html.includes(`版本 ${a.version}`), a.title);
    }
    assert.match(html, /暂无消息/);
    assert.ok(!html.includes("注册成功"), "no welcome banner without ?welcome=1");
    assert.ok(!html.includes("出借记录"), "no placeholder features");

    await addMessages(app.sql, user.userId, 7, "通知");
    const withMessages = await c.get("/account?welcome=1");
    assert.match(withMessages.html, /注册成功/);
    assert.match(withMessages.html, /7 条未读/);
    assert.deepEqual(titles(withMessages.html, "通知"), ["通知 7", "通知 6", "通知 5", "通知 4", "通知 3"]);
    assert.match(withMessages.html, /href="\/account\/messages"/);
  },
);

appTest(
  "/account/messages: 20 a page newest first, unread highlighted, only my own, mark all read",
  async (app) => {
    const me = await createUser(app.sql);
    const other = await createUser(app.sql);
    await addMessages(app.sql, me.userId, 3, "已读消息", new Date(Date.now() - 3_600_000));
    await addMessages(app.sql, me.userId, 22, "我的消息");
    await addMessages(app.sql, other.userId, 2, "别人的消息");
    const c = new Client(app);
    await c.login(me.phone, TEST_PASSWORD);

    const p1 = await c.get("/account/messages");
    assert.equal(p1.res.status, 200);
    const mine = titles(p1.html, "我的消息");
    assert.equal(mine.length, 20);
    assert.equal(mine[0], "我的消息 22");
    assert.equal(mine[19], "我的消息 3");
    assert.equal(titles(p1.html, "别人的消息").length, 0, "another user's messages never show");
    assert.equal((p1.html.match(/class="message unread"/g) ?? []).length, 20);
    assert.match(p1.html, /共 25 条，未读 22 条/);
    assert.match(p1.html, /第 1 \/ 2 页/);

    const p2 = await c.get("/account/messages?page=2");
    assert.deepEqual(titles(p2.html, "我的消息"), ["我的消息 2", "我的消息 1"]);
    assert.equal(titles(p2.html, "已读消息").length, 3);
    assert.equal((p2.html.match(/class="message unread"/g) ?? []).length, 2);
    assert.equal((p2.html.match(/class="message"/g) ?? []).length, 3, "read ones are not highlighted");
    assert.equal(titles(p2.html, "别人的消息").length, 0);

    const marked = await c.post("/account/messages", {});
    assert.equal(marked.res.status, 303);
    assert.equal(marked.res.headers.get("location"), "/account/messages?read=all");
    const [{ mineUnread }] = await app.sql<{ mineUnread: bigint }[]>`
    select count(*) as "mineUnread" from messages where user_id = ${me.userId} and read_at is null`;
    assert.equal(mineUnread, 0n);
    const [{ otherUnread }] = await app.sql<{ otherUnread: bigint }[]>`
    select count(*) as "otherUnread" from messages where user_id = ${other.userId} and read_at is null`;
    assert.equal(otherUnread, 2n, "marking read touches only my messages");
    const after = await c.get("/account/messages?read=all");
    assert.match(after.html, /已全部标为已读/);
    assert.equal((after.html.match(/class="message unread"/g) ?? []).length, 0);
    assert.ok(!after.html.includes("全部标为已读</button>"), "no button when nothing is unread");

    const forged = await c.send("/account/messages", {
      method: "POST",
      headers: { origin: BASE },
      body: new URLSearchParams({ _csrf: "forged.token" }),
    });
    assert.equal(forged.res.status, 403);
  },
);

appTest("/account: the invite link never takes the request's Host (hostile Host header)", async (base) => {
  const user = await createUser(base.sql);
  const [{ invite_code: code }] = await base.sql<{ invite_code: string }[]>`
    select invite_code from users where id = ${user.userId}`;
  for (
    const [app, origin] of [[base, "http://localhost:8000"], [
      await testAppWith({ PUBLIC_ORIGIN: "https://p2p.example.com" }),
      "https://p2p.example.com",
    ]] as const
  ) {
    const c = new Client(app);
    assert.equal((await c.login(user.phone, TEST_PASSWORD)).status, 303);
    // the request as Deno.serve builds it from a forged Host header
    const res = await app.handle(
      new Request("http://evil.example/account", {
        headers: { host: "evil.example", cookie: c.jar.header(), "x-forwarded-host": "evil2.example" },
      }),
      { ip: c.ip },
    );
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.ok(
      !html.includes("evil.example") && !html.includes("evil2.example"),
      "no hostile host in the page",
    );
    assert.ok(html.includes(`${origin}/register?invite=${code}`), `the link uses ${origin}`);
  }
});
