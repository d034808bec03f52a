import assert from "node:assert/strict";
import { listOutbox } from "../../integrations/outbox.ts";
import { SANDBOX_SMS_PER_RECIPIENT_PER_HOUR, sandboxSms, SMS_SIGNATURE } from "../../integrations/sms.ts";
import { dbTest, randomPhone } from "../helpers/db.ts";

dbTest("sandbox SMS: a send is an outbox row the developer can read", async (sql) => {
  const phone = randomPhone();
  const text = `${SMS_SIGNATURE}验证码 123456，5 分钟内有效。`;
  const result = await sandboxSms.send(sql, { to: phone, text });
  assert.equal(result.ok, true);
  const [row] = await listOutbox(sql, { recipient: phone });
  assert.equal(row.id, result.ok && result.id);
  assert.equal(row.channel, "sms");
  assert.equal(row.body, text);
  assert.equal(row.subject, null);
});

dbTest("sandbox SMS: invalid numbers are refused and nothing is written", async (sql) => {
  for (const to of ["12345678901", "1381234567", "+8613812345678", "abc"]) {
    assert.deepEqual(await sandboxSms.send(sql, { to, text: "x" }), { ok: false, code: "invalid_recipient" });
    assert.equal((await listOutbox(sql, { recipient: to })).length, 0);
  }
});

dbTest("sandbox SMS: the same dedupe key sends once and returns the first id", async (sql) => {
  const phone = randomPhone();
  const dedupeKey = `sms-test-${crypto.randomUUID()}`;
  const a = await sandboxSms.send(sql, { to: phone, text: "一", dedupeKey });
  const b = await sandboxSms.send(sql, { to: phone, text: "二", dedupeKey });
  assert.ok(a.ok && b.ok);
  assert.equal(a.id, b.id);
  assert.deepEqual((await listOutbox(sql, { recipient: phone })).map((r) => r.body), ["一"]);
});

dbTest("sandbox SMS: sent inside a transaction that rolls back, it is not in the outbox", async (sql) => {
  const phone = randomPhone();
  await assert.rejects(() =>
    sql.begin(async (tx) => {
      assert.equal((await sandboxSms.send(tx, { to: phone, text: "回滚" })).ok, true);
      throw new Error("rollback");
    })
  );
  assert.equal((await listOutbox(sql, { recipient: phone })).length, 0);
});

dbTest("sandbox SMS: more than the hourly cap to one number is rate limited", async (sql) => {
  const phone = randomPhone();
  for (let i = 0; i < SANDBOX_SMS_PER_RECIPIENT_PER_HOUR; i++) {
    assert.equal((await sandboxSms.send(sql, { to: phone, text: `第 ${i} 条` })).ok, true);
  }
  assert.deepEqual(await sandboxSms.send(sql, { to: phone, text: "多余" }), {
    ok: false,
    code: "rate_limited",
  });
  assert.equal((await sandboxSms.send(sql, { to: randomPhone(), text: "别的号码" })).ok, true);
});
