import assert from "node:assert/strict";
import { DEFAULT_DATABASE_APP_ROLE, loadConfig } from "../config.ts";

const production = {
  APP_ENV: "production",
  CSRF_SECRET: "c".repeat(40),
  PII_ENC_KEY: btoa("k".repeat(32)),
  PII_HASH_KEY: "h".repeat(40),
  ALLOW_SANDBOX_GATEWAYS: "1",
};
const APP = "postgres://p2p_app:secret@db.internal:5432/p2p";
const OWNER = "postgres://p2p_owner:other@db.internal:5432/p2p";

Deno.test("config: database roles — one URL or none: the app's role is p2p_app, no owner URL", () => {
  for (const env of [{}, { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/dev" }]) {
    const c = loadConfig(env);
    assert.equal(c.databaseOwnerUrl, undefined);
    assert.equal(c.databaseAppRole, DEFAULT_DATABASE_APP_ROLE);
  }
});

Deno.test("config: database roles — DATABASE_OWNER_URL migrates, the app's role is DATABASE_URL's user", () => {
  const c = loadConfig({ DATABASE_URL: APP.replace("p2p_app", "p2p_web"), DATABASE_OWNER_URL: OWNER });
  assert.equal(c.databaseOwnerUrl, OWNER);
  assert.equal(c.databaseAppRole, "p2p_web");
  const prod = loadConfig({ ...production, DATABASE_URL: APP, DATABASE_OWNER_URL: OWNER });
  assert.equal(prod.databaseAppRole, "p2p_app");
});

Deno.test("config: database roles — refused pairs name the variable", () => {
  const refused: [Record<string, string>, RegExp][] = [
    [{ DATABASE_OWNER_URL: OWNER }, /DATABASE_OWNER_URL: 需要同时设置 DATABASE_URL/],
    [{ DATABASE_URL: APP, DATABASE_OWNER_URL: "not a url" }, /DATABASE_OWNER_URL/],
    [
      { DATABASE_URL: APP.replace("p2p_app:secret@", ""), DATABASE_OWNER_URL: OWNER },
      /DATABASE_URL: 必须写明/,
    ],
    [
      { DATABASE_URL: APP.replace("p2p_app", "P2P-App"), DATABASE_OWNER_URL: OWNER },
      /DATABASE_URL: 必须写明/,
    ],
    [{ DATABASE_URL: APP, DATABASE_OWNER_URL: OWNER.replace("p2p_owner", "p2p_app") }, /不同的数据库用户/],
    [{ DATABASE_URL: APP, DATABASE_OWNER_URL: OWNER.replace("p2p_owner:other@", "") }, /不同的数据库用户/],
    [{ DATABASE_URL: APP, DATABASE_OWNER_URL: OWNER.replace(/\/p2p$/, "/other") }, /相同的服务器和数据库/],
    [
      { DATABASE_URL: APP, DATABASE_OWNER_URL: OWNER.replace("db.internal", "elsewhere") },
      /相同的服务器和数据库/,
    ],
    // production on real Postgres: the app must not be the audit log's owner
    [
      { ...production, DATABASE_URL: APP },
      /生产环境拒绝启动：使用 DATABASE_URL 时必须同时设置 DATABASE_OWNER_URL/,
    ],
  ];
  for (const [env, message] of refused) assert.throws(() => loadConfig(env), message, JSON.stringify(env));
});
