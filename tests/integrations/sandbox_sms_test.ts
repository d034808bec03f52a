import assert from "node:assert/strict";
import { SMS_SIGNATURE } from "../../domain/gateways/sms.ts";
import { createSandboxMessageLog } from "../../integrations/sandbox_messages.ts";
import { createSandboxSms, SANDBOX_SMS_PER_RECIPIENT_PER_HOUR } from "../../integrations/sandbox_sms.ts";
import { dbTest, randomPhone } from "../helpers/db.ts";

const key = () => `sms-test-${crypto.randomUUID()}`;

dbTest("sandbox SMS: a send is a sandbox row the developer can read", async (sql) => {
  const sms = createSandboxSms(sql);
  const phone = randomPhone();
  const text = `${SMS_SIGNATURE}验证码 123456，5 分钟内有效。`;
  const result = await sms.send({ to: phone, text, idempotencyKey: key() });
  assert.equal(result.ok, true);
  const [row] = await createSandboxMessageLog(sql).list({ recipient: phone });
  assert.equal(result.ok && result.providerId, `sandbox-${row.id}`);
  assert.equal(row.channel, "sms");
  assert.equal(row.body, text);
  assert.equal(row.subject, null);
});

dbTest("sandbox SMS: invalid numbers are refused and nothing is written", async (sql) => {
  const sms = createSandboxSms(sql);
  for (const to of ["12345678901", "1381234567", "+8613812345678", "abc"]) {
    assert.deepEqual(await sms.send({ to, text: "x", idempotencyKey: key() }), {
      ok: false,
      code: "invalid_recipient",
    });
    assert.equal((await createSandboxMessageLog(sql).list({ recipient: to })).length, 0);
  }
  await assert.rejects(() => sms.send({ to: randomPhone(), text: "", idempotencyKey: key() }), RangeError);
});

dbTest("sandbox SMS: the same idempotency key sends once and answers the first id", async (sql) => {
  const sms = createSandboxSms(sql);
  const phone = randomPhone();
  const idempotencyKey = key();
  const a = await sms.send({ to: phone, text: "一", idempotencyKey });
  const b = await sms.send({ to: phone, text: "二", idempotencyKey });
  assert.ok(a.ok && b.ok);
  assert.equal(a.providerId, b.providerId);
  assert.deepEqual((await createSandboxMessageLog(sql).list({ recipient: phone })).map((r) => r.body), [
    "一",
  ]);
});

dbTest("sandbox SMS: more than the hourly cap to one number is rate limited", async (sql) => {
  const sms = createSandboxSms(sql);
  const phone = randomPhone();
  for (let i = 0; i < SANDBOX_SMS_PER_RECIPIENT_PER_HOUR; i++) {
    assert.equal((await sms.send({ to: phone, text: `第 ${i} 条`, idempotencyKey: key() })).ok, true);
  }
  assert.deepEqual(await sms.send({ to: phone, text: "多余", idempotencyKey: key() }), {
    ok: false,
    code: "rate_limited",
  });
  assert.equal((await sms.send({ to: randomPhone(), text: "别的号码", idempotencyKey: key() })).ok, true);
});
