import assert from "node:assert/strict";
import { DEFAULT_DATABASE_APP_ROLE, loadConfig } from "../../config.ts";
import { openDatabase } from "../../db/connection.ts";
import { loadMigrations, migrate, type Migration } from "../../db/migrate.ts";
import { AppRoleError, migrateForApp } from "../../db/migrate_cli.ts";
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
      const [{ n }] = await db.sql<{ n: bigint }[]>`
        select count(*) as n from information_schema.tables
        where table_schema = current_schema()
          and table_name in ('users', 'messages', 'audit_log', 'job_runs', 'dead_letters')`;
      assert.equal(n, 5n);
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
      const [{ n }] = await db.sql<{ n: bigint }[]>`select count(*) as n from t_good`;
      assert.equal(n, 0n, "the failed migration's insert must be rolled back");
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
        { count: bigint }[]
      >`select count(*) as count from schema_migrations`;
      assert.equal(count, 3n);
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

Deno.test({
  name: `migrate (${backend}): the app's role gets SELECT and INSERT on audit_log only, and owns nothing`,
  ...opts,
  async fn() {
    await withScratchDb(async ({ db }) => {
      // the start-up path: without DATABASE_OWNER_URL, migrations run on the app's own connection
      await migrateForApp(loadConfig({ APP_ENV: "test" }), db);
      const role = DEFAULT_DATABASE_APP_ROLE;
      const [r] = await db.sql<Record<string, boolean>[]>`
        select has_table_privilege(${role}, 'audit_log', 'SELECT') as "select",
               has_table_privilege(${role}, 'audit_log', 'INSERT') as "insert",
               has_table_privilege(${role}, 'audit_log', 'UPDATE') as "update",
               has_table_privilege(${role}, 'audit_log', 'DELETE') as "delete",
               has_table_privilege(${role}, 'audit_log', 'TRUNCATE') as "truncate",
               has_table_privilege(${role}, 'audit_log', 'TRIGGER') as "trigger",
               has_table_privilege(${role}, 'audit_log', 'REFERENCES') as "references",
               has_table_privilege(${role}, 'users', 'SELECT, INSERT, UPDATE, DELETE') as users,
               has_table_privilege(${role}, 'users', 'TRUNCATE') as users_truncate,
               has_table_privilege(${role}, 'schema_migrations', 'SELECT') as migrations_select,
               has_table_privilege(${role}, 'schema_migrations', 'INSERT') as migrations_insert,
               has_schema_privilege(${role}, current_schema(), 'USAGE') as schema_usage,
               has_schema_privilege(${role}, current_schema(), 'CREATE') as schema_create,
               (select rolsuper from pg_roles where rolname = ${role}) as superuser,
               exists (select from pg_class where relowner = (select oid from pg_roles where rolname = ${role}))
                 as owns_something`;
      assert.deepEqual({ ...r }, {
        select: true,
        insert: true,
        update: false,
        delete: false,
        truncate: false,
        trigger: false,
        references: false,
        users: true,
        users_truncate: false,
        migrations_select: true,
        migrations_insert: false,
        schema_usage: true,
        schema_create: false,
        superuser: false,
        owns_something: false,
      });
      // a table a later migration creates gets the app's rights by default (and the role survives a rerun)
      const later: Migration = { version: 9001, name: "later", sql: "create table later_t (id int)" };
      assert.deepEqual((await migrate(db.sql, [...await loadMigrations(), later])).applied, [9001]);
      const [{ granted }] = await db.sql<{ granted: boolean }[]>`
        select has_table_privilege(${role}, 'later_t', 'SELECT, INSERT, UPDATE, DELETE') as granted`;
      assert.equal(granted, true);
    });
  },
});

Deno.test({
  name: `migrate (${backend}): migrations refuse to run as the app's own role`,
  ...opts,
  async fn() {
    await withScratchDb(async ({ db }) => {
      const [{ me }] = await db.sql<{ me: string }[]>`select current_user as me`;
      await assert.rejects(
        () => migrate(db.sql, undefined, { appRole: me }),
        /must not be the role that runs migrations/,
      );
      await assert.rejects(
        () => migrate(db.sql, undefined, { appRole: "x'); drop table users;--" }),
        RangeError,
      );
    });
  },
});

/** The run's database URL with another user (trust authentication: no password needed). */
function urlAs(user: string): string {
  const url = new URL(databaseUrl!);
  url.username = user;
  url.password = "";
  return url.toString();
}

Deno.test({
  name: "migrate (postgres): with DATABASE_OWNER_URL the owner migrates and the app's role is checked" +
    (databaseUrl ? "" : " [skipped: set DATABASE_URL]"),
  ignore: !databaseUrl,
  ...opts,
  async fn() {
    const config = loadConfig({
      APP_ENV: "test",
      DATABASE_URL: urlAs(DEFAULT_DATABASE_APP_ROLE),
      DATABASE_OWNER_URL: databaseUrl,
    });
    assert.equal(config.databaseAppRole, DEFAULT_DATABASE_APP_ROLE);
    const owner = await openDatabase({ databaseUrl, maxConnections: 2 });
    const app = await openDatabase({ databaseUrl: config.databaseUrl, maxConnections: 2 });
    try {
      await migrate(owner.sql); // the run's database, as its owner (tests/helpers/db.ts may not have yet)
      assert.deepEqual((await migrateForApp(config, app)).applied, []);
      // an app that logs in as the owner (here a superuser) is refused at start-up
      await assert.rejects(() => migrateForApp(config, owner), AppRoleError);
    } finally {
      await app.close();
      await owner.close();
    }
  },
});
