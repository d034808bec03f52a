import assert from "node:assert/strict";
import { loadMigrations, migrate, type Migration } from "../../db/migrate.ts";
import { databaseUrl, withScratchDb, withTimeout } from "./scratch.ts";

const backend = databaseUrl ? "postgres" : "pglite";
const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("migrations: files are numbered 0001, 0002, … without gaps or duplicates", async () => {
  const list = await loadMigrations();
  assert.ok(list.length >= 2);
  assert.deepEqual(list.map((m) => m.version), list.map((_, i) => i + 1));
  assert.ok(list.some((m) => m.name === "jobs"));
});

Deno.test({
  name:
    `migrate (${backend}): applies every migration in order, records it, and a second run applies nothing`,
  ...opts,
  async fn() {
    await withScratchDb(async ({ db }) => {
      const files = await loadMigrations();
      const first = await migrate(db.sql);
      assert.deepEqual(first.applied, files.map((m) => m.version));
      const rows = await db.sql<{ version: number; name: string }[]>`
        select version, name from schema_migrations order by applied_at, version`;
      assert.deepEqual(rows.map((r) => [r.version, r.name]), files.map((m) => [m.version, m.name]));
      const [{ n }] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from information_schema.tables
        where table_schema = current_schema() and table_name in ('users', 'messages', 'outbox', 'job_runs', 'dead_letters')`;
      assert.equal(n, 5);
      assert.deepEqual((await migrate(db.sql)).applied, []);
    });
  },
});

Deno.test({
  name: `migrate (${backend}): a failing migration rolls back entirely and is not recorded`,
  ...opts,
  async fn() {
    await withScratchDb(async ({ db }) => {
      const good: Migration = { version: 1, name: "good", sql: "create table t_good (id int)" };
      const bad: Migration = {
        version: 2,
        name: "bad",
        sql: "create table t_bad (id int); insert into t_good values (1); select 1/0;",
      };
      await assert.rejects(() => migrate(db.sql, [good, bad]), /division by zero/);
      const versions = (await db.sql<{ version: number }[]>`select version from schema_migrations`).map((r) =>
        r.version
      );
      assert.deepEqual(versions, [1]);
      const [{ bad: badTable }] = await db.sql`select to_regclass('t_bad') is not null as bad`;
      assert.equal(badTable, false, "the failed migration's table must not exist");
      const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from t_good`;
      assert.equal(n, 0, "the failed migration's insert must be rolled back");
      // the lock was released: a fixed migration applies on the next run
      const fixed: Migration = { version: 2, name: "bad", sql: "create table t_bad (id int)" };
      assert.deepEqual((await migrate(db.sql, [good, fixed])).applied, [2]);
    });
  },
});

/** Migrations with a slow step and a non-idempotent one: applying any of them twice fails or shows. */
const slowList: Migration[] = [
  { version: 1, name: "one", sql: "create table lock_probe (n int not null)" },
  { version: 2, name: "slow", sql: "select pg_sleep(0.3); insert into lock_probe values (2)" },
  { version: 3, name: "three", sql: "insert into lock_probe values (3)" },
];

Deno.test({
  name: "migrate (postgres): two instances migrating at once apply each migration exactly once" +
    (databaseUrl ? "" : " [skipped: set DATABASE_URL]"),
  ignore: !databaseUrl,
  ...opts,
  async fn() {
    await withScratchDb(async ({ db, openClient }) => {
      const other = await openClient();
      const results = await withTimeout(
        Promise.all([migrate(db.sql, slowList), migrate(other.sql, slowList)]),
        20_000,
        "concurrent migrate",
      );
      const all = results.flatMap((r) => r.applied).sort();
      assert.deepEqual(all, [1, 2, 3]);
      assert.ok(results.some((r) => r.applied.length === 0), "one instance found nothing to do");
      const probe = await db.sql<{ n: number }[]>`select n from lock_probe order by n`;
      assert.deepEqual(probe.map((r) => r.n), [2, 3]);
      const [{ count }] = await db.sql<
        { count: number }[]
      >`select count(*)::int as count from schema_migrations`;
      assert.equal(count, 3);
    });
  },
});

Deno.test({
  name: `migrate (${backend}): concurrent calls on one pool apply each migration once`,
  ...opts,
  async fn() {
    await withScratchDb(async ({ db }) => {
      const results = await withTimeout(
        Promise.all([migrate(db.sql, slowList), migrate(db.sql, slowList), migrate(db.sql, slowList)]),
        20_000,
        "concurrent migrate",
      );
      assert.deepEqual(results.flatMap((r) => r.applied).sort(), [1, 2, 3]);
      const probe = await db.sql<{ n: number }[]>`select n from lock_probe order by n`;
      assert.deepEqual(probe.map((r) => r.n), [2, 3]);
    });
  },
});
