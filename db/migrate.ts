/**
 * Migrations: numbered SQL files in `db/migrations/` (`0001_accounts.sql`, …), applied in order, each
 * inside its own transaction, recorded in `schema_migrations`, under a Postgres advisory lock so that two
 * instances starting together migrate once.
 *
 * Migrations run as the owner of the tables (the `DATABASE_OWNER_URL` connection on real Postgres), never
 * as the app's role: `0004_roles.sql` grants the app's role (passed to every migration as the session
 * setting `p2p.app_role`) only what it needs — and only INSERT and SELECT on the audit log.
 */
import { DEFAULT_DATABASE_APP_ROLE } from "../config.ts";
import type { Db } from "./tx.ts";

/** The advisory lock key for migrations (an arbitrary constant shared by every instance). */
export const MIGRATION_LOCK_KEY = 72_640_001;

/** One migration file. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);

/** Read the migration files, sorted by version. */
export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const list: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(entry.name);
    if (!entry.isFile || !m) continue;
    list.push({ version: Number(m[1]), name: m[2], sql: await Deno.readTextFile(new URL(entry.name, dir)) });
  }
  list.sort((a, b) => a.version - b.version);
  for (let i = 1; i < list.length; i++) {
    if (list[i].version === list[i - 1].version) {
      throw new Error(`duplicate migration version ${list[i].version}`);
    }
  }
  return list;
}

/** Result of {@link migrate}: the versions this call applied (empty when already up to date). */
export interface MigrateResult {
  applied: number[];
}

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /**
   * The role the app logs in as, which the migrations grant the app's rights to (as `p2p.app_role`).
   * Default {@link DEFAULT_DATABASE_APP_ROLE}.
   */
  appRole?: string;
}

/**
 * Apply every pending migration. Safe to call from several instances at once: the advisory lock
 * serialises them and the second finds nothing to do.
 *
 * @throws {RangeError} when `options.appRole` is not a plain lower-case role name.
 */
export async function migrate(
  sql: Db,
  migrations?: Migration[],
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const appRole = options.appRole ?? DEFAULT_DATABASE_APP_ROLE;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(appRole)) throw new RangeError(`invalid app role name: ${appRole}`);
  const list = migrations ?? await loadMigrations();
  // A session-level lock needs one connection for the whole run: reserve it.
  const conn = await sql.reserve();
  try {
    await conn`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      await conn`create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`;
      const done = new Set((await conn<{ version: number }[]>`select version from schema_migrations`)
        .map((r) => r.version));
      const applied: number[] = [];
      for (const m of list) {
        if (done.has(m.version)) continue;
        // A reserved postgres.js connection has no `.begin()`: run the transaction by hand on it.
        await conn`begin`;
        try {
          await conn`select set_config('p2p.app_role', ${appRole}, true)`;
          await conn.unsafe(m.sql);
          await conn`insert into schema_migrations (version, name) values (${m.version}, ${m.name})`;
          await conn`commit`;
        } catch (error) {
          await conn`rollback`.catch(() => {});
          throw error;
        }
        applied.push(m.version);
      }
      return { applied };
    } finally {
      await conn`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    conn.release();
  }
}
