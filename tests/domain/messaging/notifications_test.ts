import assert from "node:assert/strict";
import { transaction } from "../../../db/tx.ts";
import { SMS_MAX_TEXT_CHARS, SMS_SIGNATURE } from "../../../domain/gateways/sms.ts";
import { type Notification, notify, renderNotification } from "../../../domain/messaging/notifications.ts";
import { PLATFORM_NAME } from "../../../domain/shared/brand.ts";
import { createGateways } from "../../../integrations/gateways.ts";
import { createOutboxRelay, RELAY_BACKOFF_MS } from "../../../jobs/outbox_relay.ts";
import { outboxTopicHandlers } from "../../../jobs/outbox_topics.ts";
import { dbTest } from "../../helpers/db.ts";
import { testCipher } from "../../helpers/forms.ts";
import { deliverOutbox, testOutbox } from "../../helpers/outbox.ts";
import { insertUser, testConfig, uniq } from "../../jobs/fixtures.ts";

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
  "notifications: notify in a command → the relay writes the message and sends SMS + e-mail",
  async (sql) => {
    const user = await insertUser(sql, { email: `n${uniq()}@example.com`, displayName: "王五" });
    const { dedupeKey } = await transaction(
      sql,
      (tx) => notify(tx, testOutbox, { userId: user.id, kind: "password_changed", key: uniq() }),
    );
    // nothing has left yet: the events wait in the outbox
    assert.equal((await sql`select 1 from messages where dedupe_key = ${dedupeKey}`).length, 0);
    await deliverOutbox(sql); // the notification: message centre + two new events
    await deliverOutbox(sql); // its SMS and e-mail
    const [message] =
      await sql`select kind, title, body, read_at from messages where dedupe_key = ${dedupeKey}`;
    assert.equal(message.kind, "password_changed");
    assert.equal(message.read_at, null);
    assert.match(message.body, /王五，您好！/);
    const sent = await sql`select channel, recipient, subject, body from sandbox_messages
    where recipient in (${user.phone}, ${user.email!}) order by channel`;
    assert.deepEqual(sent.map((r) => [r.channel, r.recipient]), [["email", user.email], ["sms", user.phone]]);
    assert.match(sent[0].subject, /登录密码已修改/);
    assert.ok(sent[1].body.startsWith(SMS_SIGNATURE));
    // the events are done, and their secrets (phone, address, texts) are erased
    const events = await sql`select status, secret from outbox_events
    where dedupe_key in (${dedupeKey}, ${dedupeKey + ":sms"}, ${dedupeKey + ":email"})`;
    assert.equal(events.length, 3);
    for (const e of events) {
      assert.equal(e.status, "done");
      assert.equal(e.secret, null);
    }
  },
);

dbTest("notifications: a command that rolls back notifies nobody", async (sql) => {
  const user = await insertUser(sql);
  const outcome = await transaction(sql, async (tx, rollback) => {
    await notify(tx, testOutbox, { userId: user.id, kind: "welcome" });
    return rollback("changed my mind");
  });
  assert.equal(outcome, "changed my mind");
  assert.equal((await sql`select 1 from outbox_events where payload->>'userId' = ${user.id}`).length, 0);
});

dbTest("notifications: welcome is delivered once per user; generic goes only where asked", async (sql) => {
  const user = await insertUser(sql);
  const a = await transaction(sql, (tx) => notify(tx, testOutbox, { userId: user.id, kind: "welcome" }));
  const b = await transaction(sql, (tx) => notify(tx, testOutbox, { userId: user.id, kind: "welcome" }));
  assert.equal(a.dedupeKey, b.dedupeKey);
  const g = await transaction(sql, (tx) =>
    notify(tx, testOutbox, {
      userId: user.id,
      kind: "generic",
      payload: { title: "系统维护", body: "今晚维护" },
    }));
  assert.ok(g.dedupeKey.startsWith(`notification:generic:${user.id}:`));
  await deliverOutbox(sql);
  await deliverOutbox(sql);
  const kinds = (await sql`select kind from messages where user_id = ${user.id} order by kind`).map((r) =>
    r.kind
  );
  assert.deepEqual(kinds, ["generic", "welcome"]);
  const sent = await sql`select dedupe_key from sandbox_messages where recipient = ${user.phone}`;
  assert.equal(sent.length, 1, "one SMS (the welcome); no e-mail (none on file), no SMS for generic");
});

dbTest(
  "notifications: an unknown user's event gives up at once; a closed account gets nothing",
  async (sql) => {
    const missing = `missing-${uniq()}`;
    await transaction(sql, (tx) =>
      testOutbox.publish(tx, {
        topic: "notification",
        payload: { userId: "999999999999", kind: "welcome", payload: {} },
        dedupeKey: missing,
      }));
    const closed = await insertUser(sql, { status: "closed" });
    await transaction(sql, (tx) => notify(tx, testOutbox, { userId: closed.id, kind: "welcome" }));
    await deliverOutbox(sql);
    const [dead] =
      await sql`select status, attempts, last_error from outbox_events where dedupe_key = ${missing}`;
    assert.equal(dead.status, "dead");
    assert.equal(dead.attempts, 1);
    assert.match(dead.last_error, /user_not_found/);
    assert.equal((await sql`select 1 from messages where user_id = ${closed.id}`).length, 0);
  },
);

dbTest(
  "notifications: an SMS gateway failure keeps the message once and retries the SMS later",
  async (sql) => {
    const user = await insertUser(sql);
    const { dedupeKey } = await transaction(
      sql,
      (tx) => notify(tx, testOutbox, { userId: user.id, kind: "welcome", key: uniq() }),
    );
    const sandbox = createGateways(testConfig, sql);
    let down = true;
    let clock = new Date();
    const relay = createOutboxRelay(
      {
        db: sql,
        box: testCipher,
        now: () => clock,
      },
      outboxTopicHandlers({
        db: sql,
        outbox: testOutbox,
        cipher: testCipher,
        gateways: {
          ...sandbox,
          sms: {
            name: "flaky",
            send: (m) => down ? Promise.reject(new Error("gateway down")) : sandbox.sms.send(m),
          },
        },
      }),
    );
    const only = async () =>
      (await sql<{ id: string }[]>`select id from outbox_events where dedupe_key like ${dedupeKey + "%"}`)
        .map((
          r,
        ) => r.id);
    await relay.deliver({ ids: await only() }); // the notification: message written, SMS event published
    clock = new Date(Date.now() + 1000); // the SMS event was published just now
    const first = await relay.deliver({ ids: await only() }); // the SMS: the gateway is down
    assert.equal(first.retried, 1);
    assert.equal((await sql`select 1 from messages where dedupe_key = ${dedupeKey}`).length, 1);
    const [waiting] = await sql`select status, attempts, available_at, last_error from outbox_events
    where dedupe_key = ${dedupeKey + ":sms"}`;
    assert.equal(waiting.status, "pending");
    assert.equal(waiting.attempts, 1);
    assert.equal(waiting.available_at.getTime(), clock.getTime() + RELAY_BACKOFF_MS[0]);
    assert.match(waiting.last_error, /gateway down/);

    down = false;
    assert.equal((await relay.deliver({ ids: await only() })).claimed, 0, "not before its retry time");
    clock = new Date(clock.getTime() + RELAY_BACKOFF_MS[0]);
    assert.equal((await relay.deliver({ ids: await only() })).done, 1);
    assert.equal((await sql`select 1 from messages where dedupe_key = ${dedupeKey}`).length, 1);
    assert.equal((await sql`select 1 from sandbox_messages where recipient = ${user.phone}`).length, 1);
  },
);
