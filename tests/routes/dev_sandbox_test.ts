/** `/dev/outbox`: the sandbox outbox in demo mode, absent (404) otherwise. */
import assert from "node:assert/strict";
import { loadConfig } from "../../config.ts";
import { insertOutbox } from "../../integrations/outbox.ts";
import { createApp } from "../../main.ts";
import { testApp } from "../helpers/app.ts";
import { dbTest, randomPhone, testDbKind } from "../helpers/db.ts";

dbTest("outbox: demo mode lists sandbox messages newest first, filtered by channel", async (sql) => {
  const phone = randomPhone();
  const email = `dev-${crypto.randomUUID().slice(0, 8)}@example.com`;
  await insertOutbox(sql, {
    channel: "sms",
    recipient: phone,
    subject: null,
    body: "【鑫融易贷】您的验证码为 123456",
    dedupeKey: null,
  });
  await insertOutbox(sql, {
    channel: "email",
    recipient: email,
    subject: "欢迎",
    body: "邮件正文",
    dedupeKey: null,
  });
  const app = await testApp();
  const res = await app.handle(new Request("http://localhost/dev/outbox"));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const html = await res.text();
  assert.match(html, /开发沙箱/);
  assert.ok(html.includes(phone), "a developer sandbox shows the full number");
  assert.ok(html.includes(email));
  assert.ok(html.indexOf(email) < html.indexOf(phone), "newest first");

  const sms = await (await app.handle(new Request("http://localhost/dev/outbox?channel=sms"))).text();
  assert.ok(sms.includes(phone));
  assert.ok(!sms.includes(email));
  const mail = await (await app.handle(new Request("http://localhost/dev/outbox?channel=email"))).text();
  assert.ok(mail.includes(email));
  assert.ok(!mail.includes(phone));
});

dbTest("outbox: absent (404) when demo features are off", async (sql) => {
  const base = await testApp();
  const config = { ...loadConfig({ APP_ENV: "test" }), demo: false };
  const app = createApp({ sql, kv: base.kv, config, dbKind: testDbKind, log: () => {} });
  const res = await app.handler()(new Request("http://localhost/dev/outbox"));
  assert.equal(res.status, 404);
  const html = await res.text();
  assert.match(html, /页面不存在/);
  assert.doesNotMatch(html, /开发沙箱/);
});
