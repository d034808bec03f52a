/**
 * `deno task db:migrate`: apply pending migrations to the configured database (embedded PGlite in
 * `DATA_DIR`, or `DATABASE_URL`) and print the versions applied.
 */
import { type Config, loadConfig } from "../config.ts";
import { openDatabase } from "./connection.ts";
import { migrate, type MigrateResult } from "./migrate.ts";

/** Open the configured database, migrate it and close it. */
export async function migrateConfigured(config: Config): Promise<MigrateResult & { backend: string }> {
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    maxConnections: 2,
  });
  try {
    return { ...await migrate(db.sql), backend: db.kind };
  } finally {
    await db.close();
  }
}

if (import.meta.main) {
  try {
    const result = await migrateConfigured(loadConfig());
    console.log(
      result.applied.length === 0
        ? `数据库 (${result.backend}) 已是最新，无需迁移。`
        : `数据库 (${result.backend}) 已应用迁移: ${
          result.applied.map((v) => String(v).padStart(4, "0")).join(", ")
        }`,
    );
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    Deno.exit(1);
  }
}
