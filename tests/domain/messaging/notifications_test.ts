import assert from "node:assert/strict";
import { PLATFORM_NAME } from "../../domain/shared/brand.ts";
import { sandboxSms, SMS_MAX_TEXT_CHARS, SMS_SIGNATURE } from "../../integrations/sms.ts";
import {
  createNotificationHandler,
  type Notification,
  notificationHandler,
  notify,
  renderNotification,
} from "../../jobs/notifications.ts";
import { dispatch, startQueueConsumer } from "../../jobs/queue.ts";
import { dbTest } from "../helpers/db.ts";
import { insertUser, makeDeps, uniq, waitFor } from "./fixtures.ts";

Deno.test("notifications: every kind renders Chinese texts; SMS signed and within the length limit", () => {
  const welcome = renderNotification({ userId: "1", kind: "welcome", payload: {} }, { displayName: "李四" });
  assert.match(welcome.title, new RegExp(PLATFORM_NAME));
  assert.match(welcome.body, /^李四，您好！/);
  assert.ok(welcome.sms?.startsWith(SMS_SIGNATURE));
  assert.ok(welcome.email);

  const changed = renderNotification(
    { userId: "1", kind: "password_changed", payload: { changedAt: "2026-11-27T06:05:00Z" } },
    { displayName: null },
  );
  assert.equal(changed.title, "登录密码已修改");
  assert.match(changed.body, /2026-11-27 14:05/, "time shown in Asia/Shanghai");
  assert.match(changed.sms ?? "", /2026-11-27 14:05/);

  const quiet: Notification = {
    userId: "1",
    kind: "generic",
    payload: { title: "公告", body: "内容", channels: [] },
  };
  assert.deepEqual(renderNotification(quiet, { displayName: null }), {
    title: "公告",
    body: "内容",
    sms: null,
    email: null,
  });
  const loud: Notification = {
    userId: "1",
    kind: "generic",
    payload: { title: "公告", body: "长".repeat(2000), channels: ["sms", "email"] },
  };
  const rendered = renderNotification(loud, { displayName: null });
  assert.equal(rendered.sms?.length, SMS_MAX_TEXT_CHARS);
  assert.equal(rendered.email?.text.length, 2000);
});

dbTest(
  "notifications: notify → consumer writes the message centre row and sends SMS + e-mail",
  async (sql) => {
    const deps = await makeDeps(sql);
    const user = await insertUser(sql, { email: `n${uniq()}@example.com`, displayName: "王五" });
    const consumer = startQueueConsumer(deps, [notificationHandler]);
    try {
      const { dedupeKey } = await notify(deps.kv, { userId: user.id, kind: "password_changed", key: uniq() });
      const [message] = await waitFor("the message row", async () => {
        const rows =
          await sql`select kind, title, body, read_at from messages where dedupe_key = ${dedupeKey}`;
        return rows.length > 0 ? rows : null;
      });
      assert.equal(message.kind, "password_changed");
      assert.equal(message.read_at, null);
      assert.match(message.body, /王五，您好！/);
      const outbox = await sql`select channel, recipient, subject, body from outbox
      where dedupe_key in (${dedupeKey + ":sms"}, ${dedupeKey + ":email"}) order by channel`;
      assert.deepEqual(outbox.map((r) => [r.channel, r.recipient]), [["email", user.email], [
        "sms",
        user.phone,
      ]]);
      assert.match(outbox[0].subject, /登录密码已修改/);
      assert.ok(outbox[1].body.startsWith(SMS_SIGNATURE));
    } finally {
      deps.kv.close();
      await consumer;
    }
  },
);

dbTest("notifications: welcome is delivered once per user; generic goes only where asked", async (sql) => {
  const deps = await makeDeps(sql);
  const user = await insertUser(sql);
  const consumer = startQueueConsumer(deps, [notificationHandler]);
  try {
    const a = await notify(deps.kv, { userId: user.id, kind: "welcome" });
    const b = await notify(deps.kv, { userId: user.id, kind: "welcome" });
    assert.equal(a.dedupeKey, b.dedupeKey);
    const g = await notify(deps.kv, {
      userId: user.id,
      kind: "generic",
      payload: { title: "系统维护", body: "今晚维护" },
    });
    await waitFor("both messages", async () => {
      const rows = await sql`select kind from messages where user_id = ${user.id}`;
      return rows.length >= 2 ? rows : null;
    });
    await new Promise((r) => setTimeout(r, 200)); // let the duplicate welcome be processed too
    const kinds = (await sql`select kind from messages where user_id = ${user.id} order by kind`).map((r) =>
      r.kind
    );
    assert.deepEqual(kinds, ["generic", "welcome"]);
    const sent = await sql`select dedupe_key from outbox where recipient = ${user.phone}`;
    assert.deepEqual(
      sent.map((r) => r.dedupe_key),
      [`${a.dedupeKey}:sms`],
      "no e-mail (none on file), no SMS for generic",
    );
    assert.ok(g.dedupeKey.startsWith(`notification:generic:${user.id}:`));
  } finally {
    deps.kv.close();
    await consumer;
  }
});

dbTest(
  "notifications: an unknown user is dead-lettered at once; a closed account gets nothing",
  async (sql) => {
    const deps = await makeDeps(sql);
    try {
      const key = `missing-${uniq()}`;
      const outcome = await dispatch(deps, [notificationHandler], {
        type: "notification",
        payload: { userId: "999999999999", kind: "welcome", payload: {} },
        dedupeKey: key,
        attempt: 1,
      });
      assert.equal(outcome, "dead_lettered");
      const [dead] = await sql`select attempts, error from dead_letters where message->>'dedupeKey' = ${key}`;
      assert.match(dead.error, /not found/);
      assert.equal(dead.attempts, 1);

      const closed = await insertUser(sql, { status: "closed" });
      const closedKey = `closed-${uniq()}`;
      const done = await dispatch(deps, [notificationHandler], {
        type: "notification",
        payload: { userId: closed.id, kind: "welcome", payload: {} },
        dedupeKey: closedKey,
        attempt: 1,
      });
      assert.equal(done, "done");
      assert.equal((await sql`select 1 from messages where user_id = ${closed.id}`).length, 0);
    } finally {
      deps.kv.close();
    }
  },
);

dbTest(
  "notifications: an SMS gateway failure rolls the message back so a retry delivers both",
  async (sql) => {
    const deps = await makeDeps(sql);
    try {
      let fail = true;
      const handler = createNotificationHandler({
        sms: {
          send(tx, m) {
            if (fail) return Promise.reject(new Error("gateway down"));
            return sandboxSms.send(tx, m);
          },
        },
        email: { send: () => Promise.reject(new Error("unused")) },
      });
      const user = await insertUser(sql);
      const message = {
        type: "notification",
        payload: { userId: user.id, kind: "welcome", payload: {} },
        dedupeKey: `gw-${uniq()}`,
        attempt: 1,
      };
      await assert.rejects(() => dispatch(deps, [handler], message), /gateway down/);
      assert.equal((await sql`select 1 from messages where user_id = ${user.id}`).length, 0);
      fail = false;
      assert.equal(await dispatch(deps, [handler], message), "done");
      assert.equal((await sql`select 1 from messages where user_id = ${user.id}`).length, 1);
      assert.equal((await sql`select 1 from outbox where recipient = ${user.phone}`).length, 1);
    } finally {
      deps.kv.close();
    }
  },
);
