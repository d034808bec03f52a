/**
 * The whole app built with the production configuration, checked end to end in one place: `__Host-`
 * Secure cookies (CSRF and session), HSTS, no demo pages (`/dev/sandbox`, `/dev/outbox` 404) and no demo
 * banner.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../config.ts";
import { createApp, createServices } from "../../main.ts";
import { testApp } from "../helpers/app.ts";
import { testDbKind } from "../helpers/db.ts";
import { createUser, TEST_DEVICE_ID, TEST_PASSWORD } from "../helpers/forms.ts";

const ORIGIN = "https://p2p.example.com";

/** The production configuration with real (test) secrets; sandboxes allowed explicitly, as staging would. */
function productionConfig() {
  const demo = loadConfig({ APP_ENV: "test" });
  return loadConfig({
    APP_ENV: "production",
    CSRF_SECRET: "p".repeat(40),
    PII_ENC_KEY: demo.piiEncKeyBase64.replace(/^./, "Q"), // a different 32-byte key
    PII_HASH_KEY: demo.piiHashKey.replace(/^./, "x"),
    PUBLIC_ORIGIN: ORIGIN,
    ALLOW_SANDBOX_GATEWAYS: "1",
    LOG_REQUESTS: "0",
  });
}

function cookieNamed(res: Response, name: string): string | undefined {
  return res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
}

Deno.test({
  name: "production: __Host- Secure cookies, HSTS, no demo pages or banner — the whole app at once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const base = await testApp();
    const config = productionConfig();
    assert.equal(config.demo, false);
    // the app under test shares the test database; its own PII keys only matter for what it writes
    const services = createServices({ sql: base.sql, kv: base.kv, config, dbKind: testDbKind });
    const app = createApp({ ...services, pii: base.services.pii, log: () => {} });
    const handle = (path: string, init: RequestInit = {}) =>
      app.handler()(new Request(ORIGIN + path, init), {
        remoteAddr: { transport: "tcp", hostname: "10.9.9.9", port: 40000 },
      } as Deno.ServeHandlerInfo);

    const login = await handle("/login");
    assert.equal(login.status, 200);
    assert.match(login.headers.get("strict-transport-security") ?? "", /max-age=\d{7,}/);
    const csrfCookie = cookieNamed(login, "__Host-csrf");
    assert.ok(csrfCookie, "the CSRF cookie is __Host- prefixed");
    assert.match(csrfCookie!, /; Secure/);
    assert.match(csrfCookie!, /; Path=\//);
    assert.doesNotMatch(csrfCookie!, /Domain=/i);
    const html = await login.text();
    assert.doesNotMatch(html, /演示环境/, "no demo banner");
    assert.doesNotMatch(html, /dev\/(sandbox|outbox)/, "no link to the sandbox");

    const { phone } = await createUser(base.sql);
    const token = /name="_csrf" value="([^"]+)"/.exec(html)![1];
    const signedIn = await handle("/login", {
      method: "POST",
      // the device the user registered with (createUser): no new-device SMS step
      headers: { origin: ORIGIN, cookie: `${csrfCookie!.split(";")[0]}; __Host-did=${TEST_DEVICE_ID}` },
      body: new URLSearchParams({ _csrf: token, phone, password: TEST_PASSWORD }),
    });
    assert.equal(signedIn.status, 303, await signedIn.text());
    const sid = cookieNamed(signedIn, "__Host-sid");
    assert.ok(sid, "the session cookie is __Host- prefixed");
    assert.match(sid!, /; HttpOnly/);
    assert.match(sid!, /; Secure/);
    assert.match(sid!, /; SameSite=Lax/);
    assert.equal(cookieNamed(signedIn, "sid"), undefined, "no plain-name session cookie");

    for (const path of ["/dev/sandbox", "/dev/outbox", "/dev/sandbox?channel=sms"]) {
      const res = await handle(path);
      assert.equal(res.status, 404, path);
      assert.match(res.headers.get("strict-transport-security") ?? "", /max-age/);
      await res.body?.cancel();
    }
  },
});
