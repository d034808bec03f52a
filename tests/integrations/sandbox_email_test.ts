import assert from "node:assert/strict";
import { isEmailAddress } from "../../domain/gateways/email.ts";
import { createSandboxEmail } from "../../integrations/sandbox_email.ts";
import { createSandboxMessageLog } from "../../integrations/sandbox_messages.ts";
import { dbTest } from "../helpers/db.ts";

Deno.test("email: address validation", () => {
  assert.equal(isEmailAddress("user@example.com"), true);
  for (
    const bad of ["", "user", "user@", "@example.com", "a b@example.com", `${"a".repeat(250)}@example.com`]
  ) {
    assert.equal(isEmailAddress(bad), false, bad);
  }
});

dbTest("sandbox e-mail: a send is a sandbox row with its subject; bad addresses are refused", async (sql) => {
  const email = createSandboxEmail(sql);
  const log = createSandboxMessageLog(sql);
  const to = `e${crypto.randomUUID().slice(0, 8)}@example.com`;
  const key = () => `email-test-${crypto.randomUUID()}`;
  const result = await email.send({ to, subject: "欢迎", text: "正文", idempotencyKey: key() });
  assert.equal(result.ok, true);
  const rows = await log.list({ recipient: to, channel: "email" });
  assert.deepEqual(rows.map((r) => [r.channel, r.subject, r.body]), [["email", "欢迎", "正文"]]);
  assert.deepEqual(
    await email.send({ to: "not-an-address", subject: "s", text: "t", idempotencyKey: key() }),
    {
      ok: false,
      code: "invalid_recipient",
    },
  );
  const idempotencyKey = key();
  const a = await email.send({ to, subject: "s", text: "t", idempotencyKey });
  const b = await email.send({ to, subject: "s", text: "t", idempotencyKey });
  assert.ok(a.ok && b.ok && a.providerId === b.providerId);
  assert.equal((await log.list({ recipient: to })).length, 2);
});
