import assert from "node:assert/strict";
import { loadConfig } from "../../config.ts";
import { openDatabase } from "../../db/connection.ts";
import { loadMigrations, migrate } from "../../db/migrate.ts";
import { resetDatabase, ResetRefusedError } from "../../db/reset.ts";
import { kvPath } from "../../jobs/kv.ts";
import { databaseUrl } from "./scratch.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** Fill the database and KV with something, reset, and check that only the seed is left. */
async function checkReset(env: Record<string, string>) {
  const config = loadConfig(env);
  const open = () =>
    openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, maxConnections: 2 });
  const before = await open();
  try {
    await migrate(before.sql);
    await before
      .sql`insert into sandbox_messages (channel, recipient, body) values ('sms', '13800000000', 'before reset')`;
  } finally {
    await before.close();
  }
  const kv = await Deno.openKv(kvPath(config));
  await kv.set(["dedupe", "notification", "old"], { status: "done" });
  kv.close();

  await assert.rejects(() => resetDatabase({ ...config, env: "production" }), ResetRefusedError);

  const report = await resetDatabase(config);
  assert.equal(report.backend, config.databaseUrl ? "postgres" : "pglite");
  assert.deepEqual(report.applied, (await loadMigrations()).map((m) => m.version));
  assert.ok(report.seed.created > 0, "seeded again from scratch");

  const after = await open();
  try {
    const [{ n }] = await after.sql<{ n: bigint }[]>`select count(*) as n from sandbox_messages`;
    assert.equal(n, 0n, "old rows are gone");
    const [{ staff }] = await after.sql<{ staff: bigint }[]>`select count(*) as staff from staff`;
    assert.equal(staff, BigInt(report.seed.staff.length));
  } finally {
    await after.close();
  }
  const kvAfter = await Deno.openKv(kvPath(config));
  try {
    assert.equal((await kvAfter.get(["dedupe", "notification", "old"])).value, null, "KV markers are gone");
  } finally {
    kvAfter.close();
  }
}

Deno.test({
  name: "db:reset (pglite): deletes the embedded database and KV, migrates and seeds; refuses production",
  ...opts,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "reset_test_" });
    try {
      await checkReset({ APP_ENV: "test", DATA_DIR: dataDir });
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "db:reset (postgres): drops schema public, migrates and seeds" +
    (databaseUrl ? "" : " [skipped: set DATABASE_URL]"),
  ignore: !databaseUrl,
  ...opts,
  async fn() {
    const name = `reset_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    const admin = await openDatabase({ databaseUrl, maxConnections: 1 });
    await admin.sql.unsafe(`create database ${name}`);
    const dataDir = await Deno.makeTempDir({ prefix: "reset_test_" });
    try {
      const url = new URL(databaseUrl!);
      url.pathname = `/${name}`;
      await checkReset({ APP_ENV: "test", DATA_DIR: dataDir, DATABASE_URL: url.toString() });
    } finally {
      await admin.sql.unsafe(`drop database if exists ${name} with (force)`);
      await admin.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
