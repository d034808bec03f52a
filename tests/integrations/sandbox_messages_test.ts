import assert from "node:assert/strict";
import { insertOutbox, listOutbox, OUTBOX_MAX_LIMIT } from "../../integrations/outbox.ts";
import { dbTest, randomPhone } from "../helpers/db.ts";

dbTest("outbox: newest first, filtered by channel and recipient, limit clamped to 1–200", async (sql) => {
  const phone = randomPhone();
  const ids: string[] = [];
  for (const body of ["一", "二", "三"]) {
    ids.push(
      await insertOutbox(sql, { channel: "sms", recipient: phone, subject: null, body, dedupeKey: null }),
    );
  }
  const mail = `o${crypto.randomUUID().slice(0, 8)}@example.com`;
  await insertOutbox(sql, {
    channel: "email",
    recipient: mail,
    subject: "主题",
    body: "四",
    dedupeKey: null,
  });

  const mine = await listOutbox(sql, { recipient: phone });
  assert.deepEqual(mine.map((r) => r.body), ["三", "二", "一"]);
  assert.deepEqual(mine.map((r) => r.id), [...ids].reverse());
  assert.ok(mine[0].createdAt instanceof Date);

  assert.deepEqual((await listOutbox(sql, { recipient: phone, limit: 2 })).map((r) => r.body), ["三", "二"]);
  assert.equal((await listOutbox(sql, { recipient: phone, limit: 0 })).length, 1);
  assert.equal((await listOutbox(sql, { recipient: phone, channel: "email" })).length, 0);
  assert.deepEqual((await listOutbox(sql, { channel: "email", recipient: mail })).map((r) => r.subject), [
    "主题",
  ]);

  // newest overall first, and never more than the maximum
  const latest = await listOutbox(sql, { limit: 10_000 });
  assert.ok(latest.length <= OUTBOX_MAX_LIMIT);
  for (let i = 1; i < latest.length; i++) {
    assert.ok(latest[i - 1].createdAt >= latest[i].createdAt, "ordered newest first");
  }
  assert.ok(latest.some((r) => r.recipient === mail));
});
