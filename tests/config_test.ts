import assert from "node:assert/strict";
import { ConfigError, DEFAULT_DATABASE_POOL_MAX, DEMO_SECRETS, loadConfig } from "../config.ts";

const realSecrets = {
  CSRF_SECRET: "a".repeat(40),
  PII_ENC_KEY: btoa(String.fromCharCode(...new Uint8Array(32).fill(7))),
  PII_HASH_KEY: "b".repeat(40),
};

Deno.test("config: development defaults to demo mode with demo secrets and relaxed cookies", () => {
  const c = loadConfig({});
  assert.equal(c.env, "development");
  assert.equal(c.demo, true);
  assert.equal(c.secureCookies, false);
  assert.equal(c.port, 8000);
  assert.equal(c.dataDir, "./data");
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.csrfSecret, DEMO_SECRETS.CSRF_SECRET);
});

Deno.test("config: production refuses to start while a secret is missing", () => {
  assert.throws(() => loadConfig({ APP_ENV: "production" }), (e) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /CSRF_SECRET/);
    assert.match(e.message, /PII_ENC_KEY/);
    assert.match(e.message, /PII_HASH_KEY/);
    return true;
  });
});

Deno.test("config: production refuses a secret still at its demo value", () => {
  assert.throws(
    () => loadConfig({ APP_ENV: "production", ...realSecrets, PII_HASH_KEY: DEMO_SECRETS.PII_HASH_KEY }),
    /PII_HASH_KEY/,
  );
});

Deno.test("config: production with real secrets turns demo off and cookies strictly Secure", () => {
  const c = loadConfig({ APP_ENV: "production", ...realSecrets, PORT: "9000", ALLOW_SANDBOX_GATEWAYS: "1" });
  assert.equal(c.demo, false);
  assert.equal(c.secureCookies, true);
  assert.equal(c.port, 9000);
  assert.equal(c.allowSandboxGateways, true);
});

Deno.test("config: production refuses the sandbox SMS/e-mail gateways unless explicitly allowed", () => {
  assert.throws(() => loadConfig({ APP_ENV: "production", ...realSecrets }), (e) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /ALLOW_SANDBOX_GATEWAYS=1/);
    return true;
  });
  assert.throws(
    () => loadConfig({ APP_ENV: "production", ...realSecrets, ALLOW_SANDBOX_GATEWAYS: "yes" }),
    /ALLOW/,
  );
  // development and tests use the sandboxes without asking
  assert.equal(loadConfig({}).allowSandboxGateways, false);
});

Deno.test("config: malformed values are rejected with the variable named", () => {
  assert.throws(() => loadConfig({ PORT: "http" }), /PORT/);
  assert.throws(() => loadConfig({ PII_ENC_KEY: "c2hvcnQ=" }), /PII_ENC_KEY/);
  assert.throws(() => loadConfig({ DATABASE_URL: "not a url" }), /DATABASE_URL/);
  assert.throws(() => loadConfig({ CSRF_SECRET: "short" }), /CSRF_SECRET/);
});

Deno.test("config: empty variables count as unset", () => {
  const c = loadConfig({ DATABASE_URL: "", PORT: "" });
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.port, 8000);
});

Deno.test("config: the Postgres pool size is DATABASE_POOL_MAX (default 20); PGlite always 1", () => {
  const url = "postgres://postgres@127.0.0.1:5432/postgres";
  assert.equal(loadConfig({ DATABASE_URL: url }).databasePoolMax, DEFAULT_DATABASE_POOL_MAX);
  assert.equal(DEFAULT_DATABASE_POOL_MAX, 20);
  assert.equal(loadConfig({ DATABASE_URL: url, DATABASE_POOL_MAX: "64" }).databasePoolMax, 64);
  assert.equal(loadConfig({ DATABASE_POOL_MAX: "64" }).databasePoolMax, 1);
  assert.equal(loadConfig({}).databasePoolMax, 1);
  assert.throws(() => loadConfig({ DATABASE_URL: url, DATABASE_POOL_MAX: "0" }), /DATABASE_POOL_MAX/);
  assert.throws(() => loadConfig({ DATABASE_URL: url, DATABASE_POOL_MAX: "many" }), /DATABASE_POOL_MAX/);
});
