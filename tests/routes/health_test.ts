/** `/api/health`: 200 with the database kind when all answers; 503 naming the failing part. */
import assert from "node:assert/strict";
import type { Db } from "../../db/tx.ts";
import { checkHealth } from "../../domain/admin/health.ts";
import { handler } from "../../routes/api/health.ts";
import { testApp } from "../helpers/app.ts";
import { dbTest, testDbKind } from "../helpers/db.ts";

/** A `sql` whose every query fails (a database that is down). */
const failingSql = (() => Promise.reject(new Error("connection refused"))) as unknown as Db;
/** A `sql` whose queries never answer (a database that hangs). */
const hangingSql = (() => new Promise(() => {})) as unknown as Db;

async function callHandler(state: { sql: Db; kv: Deno.Kv; dbKind: "pglite" | "postgres" }) {
  // deno-lint-ignore no-explicit-any
  const res: Response = await (handler.GET as any)({
    state,
    req: new Request("http://localhost/api/health"),
  });
  return { status: res.status, body: await res.json(), cache: res.headers.get("cache-control") };
}

dbTest("health: 200 ok with the database kind and KV through the app", async () => {
  const app = await testApp();
  const res = await app.handle(new Request("http://localhost/api/health"));
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.deepEqual(await res.json(), { status: "ok", database: testDbKind, kv: "ok" });
});

dbTest("health: 503 names the database when select 1 fails", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const r = await callHandler({ sql: failingSql, kv, dbKind: "postgres" });
    assert.equal(r.status, 503);
    assert.equal(r.cache, "no-store");
    assert.deepEqual(r.body, { status: "error", database: "error", kv: "ok" });
  } finally {
    kv.close();
  }
});

dbTest("health: 503 names KV when it is closed", async () => {
  const app = await testApp();
  const kv = await Deno.openKv(":memory:");
  kv.close();
  const r = await callHandler({ sql: app.sql, kv, dbKind: testDbKind });
  assert.equal(r.status, 503);
  assert.deepEqual(r.body, { status: "error", database: testDbKind, kv: "error" });
});

dbTest("health: a database that hangs fails after the timeout", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const started = performance.now();
    const report = await checkHealth({ sql: hangingSql, kv, dbKind: "pglite" }, { timeoutMs: 100 });
    const elapsed = performance.now() - started;
    assert.deepEqual(report, { status: "error", database: "error", kv: "ok" });
    assert.ok(elapsed >= 90 && elapsed < 2000, `took ${elapsed} ms`);
  } finally {
    kv.close();
  }
});
