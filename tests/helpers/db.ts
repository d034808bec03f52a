/**
 * The test database: one per test process, migrated once. Embedded in-memory PGlite by default; the
 * server named by `DATABASE_URL` when set (`deno task test` points it at a fresh database made for the
 * run and dropped afterwards — see tests/run.ts).
 */
import { type Database, openDatabase } from "../../db/connection.ts";
import type { Db } from "../../db/tx.ts";
import { migrate } from "../../db/migrate.ts";

let opened: Promise<Database> | null = null;

/**
 * The environment variable naming a tarball of a migrated embedded database (tests/run.ts sets it): every
 * test process starts from it instead of running initdb and the migrations again. Migrations still run
 * after loading it — a copy made before a migration was added simply gets it.
 */
export const PGLITE_SNAPSHOT_ENV = "P2P_TEST_PGLITE_SNAPSHOT";

/** The shared, migrated test database. */
export function getTestDb(): Promise<Database> {
  opened ??= (async () => {
    const url = Deno.env.get("DATABASE_URL") || undefined;
    // the run's migrated embedded database (tests/run.ts makes it once), when there is one
    const snapshot = url ? undefined : Deno.env.get(PGLITE_SNAPSHOT_ENV);
    const loadDataDir = snapshot ? new Blob([await Deno.readFile(snapshot)]) : undefined;
    const db = await openDatabase({
      databaseUrl: url,
      dataDir: "memory://",
      maxConnections: 10,
      loadDataDir,
    });
    await migrate(db.sql);
    return db;
  })();
  return opened;
}

/** Which backend this run uses. */
export const testDbKind: "pglite" | "postgres" = Deno.env.get("DATABASE_URL") ? "postgres" : "pglite";

/**
 * A test that uses the shared database. Sanitizers are off because the connection outlives the test.
 */
export function dbTest(
  name: string,
  fn: (sql: Db, db: Database) => Promise<void>,
  options: { ignore?: boolean; only?: boolean } = {},
): void {
  Deno.test({
    name,
    ignore: options.ignore,
    only: options.only,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const db = await getTestDb();
      await fn(db.sql, db);
    },
  });
}

/** A random mainland mobile number, unique enough for tests sharing one database. */
export function randomPhone(): string {
  const n = crypto.getRandomValues(new Uint32Array(2));
  return `13${n[0] % 10}${String(n[1] % 100_000_000).padStart(8, "0")}`;
}
