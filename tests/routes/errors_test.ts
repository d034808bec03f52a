/** The 404 and 500 pages: Chinese, with the request id on 500, never a stack trace. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { dbTest } from "../helpers/db.ts";
import { handleWithBrokenDatabase, handleWithStoppedDatabase } from "../helpers/forms.ts";

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

dbTest(
  "errors: a stopped database answers 503 服务暂不可用 (pages) and a JSON code (API), never 500",
  async () => {
    const page = await handleWithStoppedDatabase(new Request("http://localhost/disclosure"));
    assert.equal(page.status, 503);
    const html = await page.text();
    assert.match(html, /服务暂不可用/);
    assert.match(html, /不会重复执行/);
    // an API request that carries a session cookie: its look-up meets the stopped database → JSON
    const api = await handleWithStoppedDatabase(
      new Request("http://localhost/api/calculator?principal=1000&annualRate=8&months=12&method=bullet", {
        headers: { cookie: "sid=" + "b".repeat(43) },
      }),
    );
    assert.equal(api.status, 503);
    assert.equal(api.headers.get("retry-after"), "30");
    assert.equal((await api.json()).error.code, "database_unavailable");
    // a signed-in request: the session look-up itself meets the stopped database
    const login = await handleWithStoppedDatabase(
      new Request("http://localhost/account", { headers: { cookie: "sid=" + "a".repeat(43) } }),
    );
    assert.equal(login.status, 503);
    await login.body?.cancel();
  },
);
