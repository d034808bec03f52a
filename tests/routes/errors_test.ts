/** The 404 and 500 pages: Chinese, with the request id on 500, never a stack trace. */
import assert from "node:assert/strict";
import { loadConfig } from "../../config.ts";
import type { Sql } from "../../db/connection.ts";
import { createApp } from "../../main.ts";
import { testApp } from "../helpers/app.ts";
import { dbTest, testDbKind } from "../helpers/db.ts";

dbTest("errors: an unknown path answers 404 页面不存在 with links home and to help", async () => {
  const app = await testApp();
  const res = await app.handle(new Request("http://localhost/no-such-page-xyz"));
  assert.equal(res.status, 404);
  assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
  const html = await res.text();
  assert.match(html, /<html lang="zh-CN">/);
  assert.match(html, /页面不存在/);
  assert.match(html, /href="\/"/);
  assert.match(html, /href="\/help"/);
});

dbTest("errors: a route that throws answers 500 系统繁忙 with the request id and no stack", async () => {
  const base = await testApp();
  const secret = "SECRET-internal-detail-42";
  const brokenSql = (() => Promise.reject(new Error(secret))) as unknown as Sql;
  const config = { ...loadConfig({ APP_ENV: "test" }), demo: true };
  const app = createApp({ sql: brokenSql, kv: base.kv, config, dbKind: testDbKind, log: () => {} });
  const originalError = console.error;
  console.error = () => {}; // the app logs the error; keep the test output clean
  let res: Response;
  try {
    res = await app.handler()(
      new Request("http://localhost/disclosure", { headers: { "x-request-id": "req-test-500-abcdef" } }),
    );
  } finally {
    console.error = originalError;
  }
  assert.equal(res.status, 500);
  assert.equal(res.headers.get("x-request-id"), "req-test-500-abcdef");
  const html = await res.text();
  assert.match(html, /系统繁忙/);
  assert.match(html, /请求编号：<code>req-test-500-abcdef<\/code>/);
  assert.ok(!html.includes(secret), "the error message is not shown");
  assert.doesNotMatch(html, /at .*\.ts:\d+/, "no stack trace");
});
