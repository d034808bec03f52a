import assert from "node:assert/strict";
import { createOutbox } from "../../db/outbox.ts";
import { transaction } from "../../db/tx.ts";
import type { SmsGateway } from "../../domain/gateways/sms.ts";
import { createGateways } from "../../integrations/gateways.ts";
import { createOutboxRelay, RELAY_BACKOFF_MS, RELAY_MAX_ATTEMPTS } from "../../jobs/outbox_relay.ts";
import { outboxTopicHandlers } from "../../jobs/outbox_topics.ts";
import {
  createForegroundGauge,
  FOREGROUND_BUSY_REQUESTS,
  type ForegroundGauge,
} from "../../jobs/foreground.ts";
import { dbTest, randomPhone, testDbKind } from "../helpers/db.ts";
import { testCipher } from "../helpers/forms.ts";
import { testOutbox } from "../helpers/outbox.ts";
import { testConfig, uniq } from "./fixtures.ts";

type Sql = Parameters<Parameters<typeof dbTest>[1]>[0];

/** An SMS gateway that records into the sandbox and counts its calls per idempotency key. */
function countingSms(sql: Sql, options: { failFirst?: number } = {}) {
  const sandbox = createGateways(testConfig, sql).sms;
  const calls = new Map<string, number>();
  let failures = options.failFirst ?? 0;
  const gateway: SmsGateway = {
    name: "counting",
    send(m) {
      calls.set(m.idempotencyKey, (calls.get(m.idempotencyKey) ?? 0) + 1);
      if (failures > 0) {
        failures--;
        return Promise.resolve({ ok: false, code: "unavailable" });
      }
      return sandbox.send(m);
    },
  };
  return { gateway, calls };
}

function relayWith(
  sql: Sql,
  sms: SmsGateway,
  extra: { now?: () => Date; leaseMs?: number; foreground?: ForegroundGauge } = {},
) {
  const gateways = { ...createGateways(testConfig, sql), sms };
  return createOutboxRelay(
    { db: sql, box: testCipher, ...extra },
    outboxTopicHandlers({ db: sql, gateways, outbox: testOutbox, cipher: testCipher }),
  );
}

async function publishSms(sql: Sql, phone: string, extra: { expiresAt?: Date } = {}): Promise<string> {
  const id = await transaction(sql, (tx) =>
    testOutbox.publish(tx, {
      topic: "sms.send",
      secret: { to: phone, text: "【鑫融易贷】中继测试" },
      dedupeKey: `relay-test-${uniq()}`,
      ...extra,
    }));
  assert.ok(id);
  return id;
}

async function sandboxCount(sql: Sql, phone: string): Promise<number> {
  return (await sql`select 1 from sandbox_messages where recipient = ${phone}`).length;
}

dbTest("outbox: publish writes in the caller's transaction; a rollback leaves nothing", async (sql) => {
  const key = `publish-${uniq()}`;
  const outcome = await transaction(sql, async (tx, rollback) => {
    await testOutbox.publish(tx, {
      topic: "sms.send",
      secret: { to: "13800000000", text: "x" },
      dedupeKey: key,
    });
    return rollback("no");
  });
  assert.equal(outcome, "no");
  assert.equal((await sql`select 1 from outbox_events where dedupe_key = ${key}`).length, 0);
  const first = await transaction(
    sql,
    (tx) => testOutbox.publish(tx, { topic: "notification", dedupeKey: key }),
  );
  const again = await transaction(
    sql,
    (tx) => testOutbox.publish(tx, { topic: "notification", dedupeKey: key }),
  );
  assert.ok(first);
  assert.equal(again, null, "the same dedupe key publishes once");
  await assert.rejects(
    () => transaction(sql, (tx) => testOutbox.publish(tx, { topic: "Bad Topic" })),
    RangeError,
  );
});

dbTest(
  "outbox: the wake-up runs once per committed transaction with all its ids, never on rollback",
  async (sql) => {
    const woken: string[][] = [];
    const outbox = createOutbox({ box: testCipher, wake: (ids) => void woken.push([...ids]) });
    const ids = await transaction(sql, async (tx) => [
      await outbox.publish(tx, { topic: "notification", dedupeKey: `w1-${uniq()}` }),
      await outbox.publish(tx, { topic: "notification", dedupeKey: `w2-${uniq()}` }),
    ]);
    assert.deepEqual(woken, [ids]);
    await transaction(sql, async (tx, rollback) => {
      await outbox.publish(tx, { topic: "notification", dedupeKey: `w3-${uniq()}` });
      return rollback(null);
    });
    assert.equal(woken.length, 1);
  },
);

dbTest(
  "relay: delivers with the event's idempotency key, marks it done and erases the secret",
  async (sql) => {
    const phone = randomPhone();
    const id = await publishSms(sql, phone);
    const { gateway, calls } = countingSms(sql);
    const report = await relayWith(sql, gateway).deliver({ ids: [id] });
    assert.deepEqual(report, { claimed: 1, done: 1, retried: 0, dead: 0, expired: 0 });
    assert.deepEqual([...calls], [[`outbox:${id}`, 1]]);
    const [row] = await sql`select status, secret, attempts, finished_at from outbox_events where id = ${id}`;
    assert.equal(row.status, "done");
    assert.equal(row.secret, null);
    assert.equal(row.attempts, 1);
    assert.ok(row.finished_at instanceof Date);
    assert.equal(await sandboxCount(sql, phone), 1);
    // done is done: a second run finds nothing
    assert.equal((await relayWith(sql, gateway).deliver({ ids: [id] })).claimed, 0);
  },
);

dbTest("relay: an expired event is never sent; an unknown topic gives up at once", async (sql) => {
  const phone = randomPhone();
  const id = await publishSms(sql, phone, { expiresAt: new Date(Date.now() - 1000) });
  const odd = await transaction(
    sql,
    (tx) => testOutbox.publish(tx, { topic: "nobody.listens", dedupeKey: uniq() }),
  );
  const { gateway, calls } = countingSms(sql);
  const report = await relayWith(sql, gateway).deliver({ ids: [id, odd!] });
  assert.equal(report.expired, 1);
  assert.equal(report.dead, 1);
  assert.equal(calls.size, 0);
  const rows =
    await sql`select id, status, secret from outbox_events where id in (${id}, ${odd!}) order by id`;
  assert.deepEqual(rows.map((r) => [r.status, r.secret]), [["expired", null], ["dead", null]]);
  assert.equal(await sandboxCount(sql, phone), 0);
});

dbTest("relay: a failing gateway is retried on the backoff schedule, then the event is dead", async (sql) => {
  const phone = randomPhone();
  const id = await publishSms(sql, phone);
  let clock = new Date(Date.now() + 1000);
  const { gateway, calls } = countingSms(sql, { failFirst: 100 });
  const relay = relayWith(sql, gateway, { now: () => clock });
  for (let attempt = 1; attempt <= RELAY_MAX_ATTEMPTS; attempt++) {
    const report = await relay.deliver({ ids: [id] });
    assert.equal(report.claimed, 1, `attempt ${attempt}`);
    const [row] = await sql`select status, attempts, available_at from outbox_events where id = ${id}`;
    assert.equal(row.attempts, attempt);
    if (attempt < RELAY_MAX_ATTEMPTS) {
      assert.equal(row.status, "pending");
      assert.equal(row.available_at.getTime(), clock.getTime() + RELAY_BACKOFF_MS[attempt - 1]);
      assert.equal((await relay.deliver({ ids: [id] })).claimed, 0, "not before the retry time");
      clock = new Date(row.available_at.getTime());
    } else {
      assert.equal(row.status, "dead");
    }
  }
  assert.equal(calls.get(`outbox:${id}`), RELAY_MAX_ATTEMPTS);
  assert.equal(await sandboxCount(sql, phone), 0);
});

dbTest(
  "relay: a relay that dies mid-delivery leaves a lease; the next one delivers once after it",
  async (sql) => {
    const phone = randomPhone();
    const id = await publishSms(sql, phone);
    let clock = new Date(Date.now() + 1000);
    const sms = countingSms(sql);
    // What relay A did before it died: claimed the event (a 60 s lease) and handed it to the gateway —
    // then nothing more: the event is still pending and claimed.
    const [claimed] = await sql`
    update outbox_events set claimed_until = ${new Date(
      clock.getTime() + 60_000,
    )}, claim_token = gen_random_uuid(),
      attempts = attempts + 1
    where id = ${id} and status = 'pending' returning id`;
    assert.ok(claimed);
    await sms.gateway.send({ to: phone, text: "【鑫融易贷】中继测试", idempotencyKey: `outbox:${id}` });

    const b = relayWith(sql, sms.gateway, { now: () => clock });
    assert.equal((await b.deliver({ ids: [id] })).claimed, 0, "the lease holds while it lasts");
    clock = new Date(clock.getTime() + 60_001);
    assert.equal((await b.deliver({ ids: [id] })).done, 1);
    assert.equal(sms.calls.get(`outbox:${id}`), 2, "the gateway was asked twice");
    assert.equal(await sandboxCount(sql, phone), 1, "and sent once: the idempotency key");
    const [row] = await sql`select status, attempts from outbox_events where id = ${id}`;
    assert.deepEqual([row.status, row.attempts], ["done", 2]);
  },
);

dbTest("relay (postgres only): two relays at once deliver each of 120 events exactly once", async (sql) => {
  const phones = Array.from({ length: 120 }, () => randomPhone());
  const ids = await transaction(sql, async (tx) => {
    const out: string[] = [];
    for (const to of phones) {
      out.push(
        (await testOutbox.publish(tx, {
          topic: "sms.send",
          secret: { to, text: "【鑫融易贷】并发测试" },
          dedupeKey: `race-${uniq()}`,
        }))!,
      );
    }
    return out;
  });
  const sms = countingSms(sql);
  const [r1, r2, r3] = await Promise.all([
    relayWith(sql, sms.gateway).deliver({ ids }),
    relayWith(sql, sms.gateway).deliver({ ids }),
    relayWith(sql, sms.gateway).deliver(),
  ]);
  const mine = (r: { done: number }) => r.done;
  assert.ok(mine(r1) + mine(r2) + mine(r3) >= ids.length);
  for (const id of ids) assert.equal(sms.calls.get(`outbox:${id}`), 1, `event ${id} handed over once`);
  const [{ n }] = await sql`select count(*) as n from sandbox_messages where recipient = any(${phones})`;
  assert.equal(Number(n), ids.length);
}, { ignore: testDbKind !== "postgres" });

dbTest(
  "relay (postgres only): a process killed (kill -9) between commit and delivery loses nothing",
  async (sql) => {
    const phone = randomPhone();
    const dedupeKey = `crash-${uniq()}`;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./fixtures_bin/outbox_crash_child.ts", import.meta.url).pathname,
        phone,
        dedupeKey,
      ],
      env: { RUST_BACKTRACE: "0", DATABASE_URL: Deno.env.get("DATABASE_URL")! },
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    const deadline = Date.now() + 60_000;
    while (!out.includes("COMMITTED") && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    assert.match(out, /COMMITTED \d+/, "the child committed");
    child.kill("SIGKILL");
    const status = await child.status;
    assert.equal(status.signal, "SIGKILL");
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});

    const [event] = await sql`select id, status from outbox_events where dedupe_key = ${dedupeKey}`;
    assert.equal(event.status, "pending", "committed, not delivered");
    assert.equal(await sandboxCount(sql, phone), 0);
    // the catch-up poll (any relay, any instance) finds it
    const sms = countingSms(sql);
    const relay = relayWith(sql, sms.gateway);
    await relay.deliver();
    await relay.deliver();
    assert.equal(await sandboxCount(sql, phone), 1);
    const [after] = await sql`select status from outbox_events where id = ${event.id}`;
    assert.equal(after.status, "done");
  },
  { ignore: testDbKind !== "postgres" },
);

dbTest("relay: a round waits while the process is busy with requests, then delivers", async (sql) => {
  const phone = randomPhone();
  await publishSms(sql, phone);
  const foreground = createForegroundGauge();
  for (let i = 0; i < FOREGROUND_BUSY_REQUESTS; i++) foreground.enter();
  const relay = relayWith(sql, countingSms(sql).gateway, { foreground });
  const delivering = relay.deliver();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await sandboxCount(sql, phone), 0, "nothing sent while requests are in flight");
  foreground.leave();
  const report = await delivering;
  assert.ok(report.done >= 1);
  assert.equal(await sandboxCount(sql, phone), 1);
});
