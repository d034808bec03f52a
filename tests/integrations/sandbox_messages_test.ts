import assert from "node:assert/strict";
import { loadConfig } from "../../config.ts";
import { createGateways } from "../../integrations/gateways.ts";
import {
  createSandboxMessageLog,
  purgeSandboxMessages,
  recordSandboxSend,
  SANDBOX_LIST_MAX_LIMIT,
} from "../../integrations/sandbox_messages.ts";
import { dbTest, randomPhone } from "../helpers/db.ts";

const key = () => `test-${crypto.randomUUID()}`;

dbTest(
  "sandbox log: newest first, filtered by channel and recipient, limit clamped to 1–200",
  async (sql) => {
    const log = createSandboxMessageLog(sql);
    const phone = randomPhone();
    for (const body of ["一", "二", "三"]) {
      const r = await recordSandboxSend(
        sql,
        { channel: "sms", recipient: phone, subject: null, body, idempotencyKey: key() },
        100,
      );
      assert.equal(r.ok, true);
    }
    const mail = `o${crypto.randomUUID().slice(0, 8)}@example.com`;
    await recordSandboxSend(
      sql,
      { channel: "email", recipient: mail, subject: "主题", body: "四", idempotencyKey: key() },
      100,
    );

    const mine = await log.list({ recipient: phone });
    assert.deepEqual(mine.map((r) => r.body), ["三", "二", "一"]);
    assert.ok(mine[0].createdAt instanceof Date);
    assert.deepEqual((await log.list({ recipient: phone, limit: 2 })).map((r) => r.body), ["三", "二"]);
    assert.equal((await log.list({ recipient: phone, limit: 0 })).length, 1);
    assert.equal((await log.list({ recipient: phone, channel: "email" })).length, 0);
    assert.deepEqual((await log.list({ channel: "email", recipient: mail })).map((r) => r.subject), ["主题"]);

    const latest = await log.list({ limit: 10_000 });
    assert.ok(latest.length <= SANDBOX_LIST_MAX_LIMIT);
    for (let i = 1; i < latest.length; i++) {
      assert.ok(latest[i - 1].createdAt >= latest[i].createdAt, "ordered newest first");
    }
  },
);

dbTest("sandbox log: rows expire (7 days) and the purge deletes only expired ones", async (sql) => {
  const phone = randomPhone();
  await recordSandboxSend(
    sql,
    { channel: "sms", recipient: phone, subject: null, body: "旧", idempotencyKey: key() },
    100,
  );
  await recordSandboxSend(
    sql,
    { channel: "sms", recipient: phone, subject: null, body: "新", idempotencyKey: key() },
    100,
  );
  const [{ days }] = await sql<{ days: number }[]>`
    select round(extract(epoch from expires_at - created_at) / 86400)::float8 as days
    from sandbox_messages where recipient = ${phone} limit 1`;
  assert.equal(days, 7);
  await sql`update sandbox_messages set expires_at = now() - interval '1 second'
            where recipient = ${phone} and body = '旧'`;
  assert.ok(await purgeSandboxMessages(sql) >= 1);
  const left = await createSandboxMessageLog(sql).list({ recipient: phone });
  assert.deepEqual(left.map((r) => r.body), ["新"]);
});

Deno.test("gateways: production refuses the sandboxes unless explicitly allowed", () => {
  const sql = (() => Promise.reject(new Error("unused"))) as never;
  const production = { ...loadConfig({ APP_ENV: "test" }), env: "production" as const };
  assert.throws(
    () => createGateways({ ...production, allowSandboxGateways: false }, sql),
    /ALLOW_SANDBOX_GATEWAYS/,
  );
  const allowed = createGateways({ ...production, allowSandboxGateways: true }, sql);
  assert.equal(allowed.sms.name, "sandbox");
  assert.ok(allowed.sandboxLog);
  assert.equal(createGateways(loadConfig({ APP_ENV: "test" }), sql).email.name, "sandbox");
});
