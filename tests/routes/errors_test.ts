/** The 404 and 500 pages: Chinese, with the request id on 500, never a stack trace. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { dbTest } from "../helpers/db.ts";
import { handleWithBrokenDatabase } from "../helpers/forms.ts";

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
  const secret = "SECRET-internal-detail-42";
  const res = await handleWithBrokenDatabase(
    new Request("http://localhost/disclosure", { headers: { "x-request-id": "req-test-500-abcdef" } }),
    secret,
  );
  assert.equal(res.status, 500);
  assert.equal(res.headers.get("x-request-id"), "req-test-500-abcdef");
  const html = await res.text();
  assert.match(html, /系统繁忙/);
  assert.match(html, /请求编号：<code>req-test-500-abcdef<\/code>/);
  assert.ok(!html.includes(secret), "the error message is not shown");
  assert.doesNotMatch(html, /at .*\.ts:\d+/, "no stack trace");
});
