/** `/dev/sandbox`: what the sandbox gateways recorded, in demo mode; absent (404) otherwise. */
import assert from "node:assert/strict";
import { recordSandboxSend } from "../../integrations/sandbox_messages.ts";
import { testApp, testAppWith } from "../helpers/app.ts";
import { dbTest, randomPhone } from "../helpers/db.ts";

dbTest("dev sandbox: demo mode lists sandbox messages newest first, filtered by channel", async (sql) => {
  const phone = randomPhone();
  const email = `dev-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const key = () => `dev-test-${crypto.randomUUID()}`;
  await recordSandboxSend(sql, {
    channel: "sms",
    recipient: phone,
    subject: null,
    body: "【鑫融易贷】您的验证码为 123456",
    idempotencyKey: key(),
  }, 100);
  await recordSandboxSend(sql, {
    channel: "email",
    recipient: email,
    subject: "欢迎",
    body: "邮件正文",
    idempotencyKey: key(),
  }, 100);
  const app = await testApp();
  const res = await app.handle(new Request("http://localhost/dev/sandbox"));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const html = await res.text();
  assert.match(html, /开发沙箱/);
  assert.ok(html.includes(phone), "a developer sandbox shows the full number");
  assert.ok(html.includes(email));
  assert.ok(html.indexOf(email) < html.indexOf(phone), "newest first");

  const sms = await (await app.handle(new Request("http://localhost/dev/sandbox?channel=sms"))).text();
  assert.ok(sms.includes(phone));
  assert.ok(!sms.includes(email));
  const mail = await (await app.handle(new Request("http://localhost/dev/sandbox?channel=email"))).text();
  assert.ok(mail.includes(email));
  assert.ok(!mail.includes(phone));

  // the old address keeps working
  const old = await app.handle(new Request("http://localhost/dev/outbox?channel=sms"));
  assert.equal(old.status, 301);
  assert.equal(old.headers.get("location"), "/dev/sandbox?channel=sms");
});

dbTest("dev sandbox: absent (404) when demo features are off", async () => {
  const app = await testAppWith({}, { demo: false });
  for (const path of ["/dev/sandbox", "/dev/outbox"]) {
    const res = await app.handle(new Request(`http://localhost${path}`));
    assert.equal(res.status, 404, path);
    const html = await res.text();
    assert.match(html, /页面不存在/);
    assert.doesNotMatch(html, /开发沙箱/);
  }
});
