import assert from "node:assert/strict";
import { z } from "zod";
import {
  createQueueRegistry,
  dedupeMarkerKey,
  defineQueueHandler,
  dispatch,
  enqueue,
  PermanentJobError,
  type QueueMessage,
  startQueueConsumer,
  sweepUndelivered,
} from "../../jobs/queue.ts";
import { transaction } from "../../db/tx.ts";
import { notify } from "../../domain/messaging/notifications.ts";
import { createAppRelay } from "../../jobs/mod.ts";
import { OUTBOX_WAKE_TYPE, outboxWakeHandler, outboxWakerFor } from "../../jobs/outbox_relay.ts";
import { testOutbox } from "../helpers/outbox.ts";
import { dbTest } from "../helpers/db.ts";
import { insertUser, makeDeps, uniq, waitFor } from "./fixtures.ts";

type Sql = Parameters<Parameters<typeof dbTest>[1]>[0];

async function deadLetters(sql: Sql, dedupeKey: string) {
  return [
    ...await sql<{ queue: string; attempts: number; error: string; message: QueueMessage }[]>`
    select queue, attempts, error, message from dead_letters where message->>'dedupeKey' = ${dedupeKey}`,
  ];
}

/** Sandbox SMS rows for `phone`. */
async function smsTo(sql: Sql, phone: string): Promise<string[]> {
  return (await sql<{ body: string }[]>`
    select body from sandbox_messages where channel = 'sms' and recipient = ${phone}`).map((r) => r.body);
}

dbTest("queue: dispatching the same outbox wake-up twice delivers the event once", async (sql) => {
  const deps = await makeDeps(sql);
  try {
    const user = await insertUser(sql, { displayName: "张三" });
    // published with the test outbox: no wake-up, so only the dispatches below deliver it
    const id = await transaction(sql, (tx) =>
      testOutbox.publish(tx, {
        topic: "sms.send",
        secret: { to: user.phone, text: "【鑫融易贷】队列测试" },
        dedupeKey: `queue-test-${uniq()}`,
      }));
    assert.ok(id);
    const handlers = [outboxWakeHandler(createAppRelay(deps))];
    const message: QueueMessage = {
      type: OUTBOX_WAKE_TYPE,
      payload: { ids: [id] },
      dedupeKey: `wake-${uniq()}`,
      attempt: 1,
    };
    assert.equal(await dispatch(deps, handlers, message), "done");
    assert.equal(await dispatch(deps, handlers, message), "duplicate");
    assert.deepEqual(await smsTo(sql, user.phone), ["【鑫融易贷】队列测试"]);

    // Even with the KV marker lost (a fresh KV), the outbox keeps it to one SMS: the event is done.
    const freshKv = await Deno.openKv(":memory:");
    try {
      assert.equal(await dispatch({ ...deps, kv: freshKv }, handlers, message), "done");
    } finally {
      freshKv.close();
    }
    assert.equal((await smsTo(sql, user.phone)).length, 1);
  } finally {
    deps.kv.close();
  }
});

dbTest("queue: a handler failing on every attempt goes to dead_letters after maxAttempts", async (sql) => {
  const deps = await makeDeps(sql);
  try {
    let calls = 0;
    const failing = defineQueueHandler({
      type: "test_always_fails",
      schema: z.object({ n: z.number() }),
      backoffMs: [10, 10],
      handle() {
        calls++;
        return Promise.reject(new Error(`boom ${calls}`));
      },
    });
    assert.equal(failing.maxAttempts, 3);
    const dedupeKey = `fail-${uniq()}`;
    const message: QueueMessage = { type: failing.type, payload: { n: 1 }, dedupeKey, attempt: 1 };
    await assert.rejects(() => dispatch(deps, [failing], message), /boom 1/);
    await assert.rejects(() => dispatch(deps, [failing], message), /boom 2/);
    assert.deepEqual(await deadLetters(sql, dedupeKey), []);
    assert.equal(await dispatch(deps, [failing], message), "dead_lettered");
    const [row] = await deadLetters(sql, dedupeKey);
    assert.equal(row.queue, "test_always_fails");
    assert.equal(row.attempts, 3);
    assert.match(row.error, /boom 3/);
    assert.deepEqual(row.message.payload, { n: 1 });
    // a late redelivery does nothing
    assert.equal(await dispatch(deps, [failing], message), "duplicate");
    assert.equal(calls, 3);
    assert.equal((await deadLetters(sql, dedupeKey)).length, 1);
  } finally {
    deps.kv.close();
  }
});

dbTest("queue: a transient failure is retried and then succeeds without a dead letter", async (sql) => {
  const deps = await makeDeps(sql);
  try {
    const seen: number[] = [];
    const flaky = defineQueueHandler({
      type: "test_flaky",
      schema: z.object({}),
      async handle(ctx) {
        seen.push(ctx.attempt);
        if (ctx.attempt < 2) throw new Error("transient");
        await Promise.resolve();
      },
    });
    const dedupeKey = `flaky-${uniq()}`;
    const message: QueueMessage = { type: flaky.type, payload: {}, dedupeKey, attempt: 1 };
    await assert.rejects(() => dispatch(deps, [flaky], message), /transient/);
    assert.equal(await dispatch(deps, [flaky], message), "done");
    assert.deepEqual(seen, [1, 2]);
    assert.deepEqual(await deadLetters(sql, dedupeKey), []);
    assert.notEqual((await deps.kv.get(dedupeMarkerKey(flaky.type, dedupeKey))).value, null);
  } finally {
    deps.kv.close();
  }
});

dbTest(
  "queue: permanent errors, invalid payloads and unknown types are dead-lettered at once",
  async (sql) => {
    const deps = await makeDeps(sql);
    try {
      let calls = 0;
      const handler = defineQueueHandler({
        type: "test_permanent",
        schema: z.object({ n: z.number().int() }),
        handle() {
          calls++;
          return Promise.reject(new PermanentJobError("cannot ever work"));
        },
      });
      const k1 = `perm-${uniq()}`;
      assert.equal(
        await dispatch(deps, [handler], { type: handler.type, payload: { n: 1 }, dedupeKey: k1, attempt: 1 }),
        "dead_lettered",
      );
      assert.equal((await deadLetters(sql, k1))[0].attempts, 1);

      const k2 = `invalid-${uniq()}`;
      assert.equal(
        await dispatch(deps, [handler], {
          type: handler.type,
          payload: { n: "x" },
          dedupeKey: k2,
          attempt: 1,
        }),
        "dead_lettered",
      );
      assert.match((await deadLetters(sql, k2))[0].error, /invalid payload/);

      const k3 = `unknown-${uniq()}`;
      assert.equal(
        await dispatch(deps, [handler], { type: "test_nobody", payload: {}, dedupeKey: k3, attempt: 1 }),
        "dead_lettered",
      );
      assert.match((await deadLetters(sql, k3))[0].error, /no handler/);
      assert.equal(calls, 1);
    } finally {
      deps.kv.close();
    }
  },
);

Deno.test("queue: enqueue validates the payload and the dedupe key; duplicate handler types are refused", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const handler = defineQueueHandler({
      type: "test_validate",
      schema: z.object({ n: z.number() }),
      handle: () => Promise.resolve(),
    });
    // deno-lint-ignore no-explicit-any
    await assert.rejects(() => enqueue(kv, handler, { n: "1" } as any, { dedupeKey: "k" }), {
      name: "ZodError",
    });
    await assert.rejects(() => enqueue(kv, handler, { n: 1 }, { dedupeKey: "" }), { name: "ZodError" });
    await assert.rejects(() => enqueue(kv, handler, { n: 1 }, { dedupeKey: "k", delayMs: -1 }), {
      name: "ZodError",
    });
    assert.throws(() => createQueueRegistry([handler, handler]), /duplicate/);
    assert.throws(() => defineQueueHandler({ ...handler, backoffMs: [1, 2, 3, 4, 5, 6] }), /backoffMs/);
  } finally {
    kv.close();
  }
});

dbTest(
  "queue: a real kv.listenQueue round trip: notify → wake-up → relay → message, SMS and e-mail",
  async (sql) => {
    const deps = await makeDeps(sql);
    const user = await insertUser(sql, { email: `u${uniq()}@example.com` });
    const consumer = startQueueConsumer(deps, [
      outboxWakeHandler(createAppRelay(deps), outboxWakerFor(deps.kv)),
    ]);
    try {
      await transaction(sql, (tx) => notify(tx, deps.outbox, { userId: user.id, kind: "welcome" }));
      const row = await waitFor("the welcome message", async () => {
        const [m] = await sql`select title, body from messages where user_id = ${user.id}`;
        return m;
      });
      assert.match(row.title, /欢迎/);
      // the notification's own SMS and e-mail events are woken after its commit in turn
      const sent = await waitFor("the SMS and the e-mail", async () => {
        const rows = await sql`select channel, recipient from sandbox_messages
        where recipient in (${user.phone}, ${user.email}) order by channel`;
        return rows.length === 2 ? rows : null;
      });
      assert.deepEqual(sent.map((r) => [r.channel, r.recipient]), [["email", user.email], [
        "sms",
        user.phone,
      ]]);
    } finally {
      deps.kv.close();
      await consumer;
    }
  },
);

dbTest("queue: KV redelivers a failing message with the backoff until it is dead-lettered", async (sql) => {
  const deps = await makeDeps(sql);
  let calls = 0;
  const failing = defineQueueHandler({
    type: "test_listen_fails",
    schema: z.object({}),
    backoffMs: [20, 20],
    handle() {
      calls++;
      return Promise.reject(new Error("always"));
    },
  });
  const consumer = startQueueConsumer(deps, [failing]);
  const dedupeKey = `listen-fail-${uniq()}`;
  try {
    await enqueue(deps.kv, failing, {}, { dedupeKey });
    const [row] = await waitFor(
      "the dead letter",
      async () => (await deadLetters(sql, dedupeKey))[0] ? await deadLetters(sql, dedupeKey) : null,
    );
    assert.equal(row.attempts, 3);
    assert.equal(calls, 3);
    assert.equal(await sweepUndelivered(deps), 0);
  } finally {
    deps.kv.close();
    await consumer;
  }
});
