import assert from "node:assert/strict";
import { isEmailAddress, sandboxEmail } from "../../integrations/email.ts";
import { listOutbox } from "../../integrations/outbox.ts";
import { dbTest } from "../helpers/db.ts";

Deno.test("email: address validation", () => {
  assert.equal(isEmailAddress("user@example.com"), true);
  for (
    const bad of ["", "user", "user@", "@example.com", "a b@example.com", `${"a".repeat(250)}@example.com`]
  ) {
    assert.equal(isEmailAddress(bad), false, bad);
  }
});

dbTest("sandbox e-mail: a send is an outbox row with its subject; bad addresses are refused", async (sql) => {
  const to = `e${crypto.randomUUID().slice(0, 8)}@example.com`;
  const result = await sandboxEmail.send(sql, { to, subject: "欢迎", text: "正文" });
  assert.equal(result.ok, true);
  const rows = await listOutbox(sql, { recipient: to, channel: "email" });
  assert.deepEqual(rows.map((r) => [r.channel, r.subject, r.body]), [["email", "欢迎", "正文"]]);
  assert.deepEqual(await sandboxEmail.send(sql, { to: "not-an-address", subject: "s", text: "t" }), {
    ok: false,
    code: "invalid_recipient",
  });
  const dedupeKey = `email-test-${crypto.randomUUID()}`;
  const a = await sandboxEmail.send(sql, { to, subject: "s", text: "t", dedupeKey });
  const b = await sandboxEmail.send(sql, { to, subject: "s", text: "t", dedupeKey });
  assert.ok(a.ok && b.ok && a.id === b.id);
  assert.equal((await listOutbox(sql, { recipient: to })).length, 2);
});
