/**
 * `deno task db:reset`: drop everything and rebuild — migrate and seed from scratch. Never in production.
 *
 * - Embedded database: deletes the `DATA_DIR/pglite` folder.
 * - Real Postgres (`DATABASE_URL`): `drop schema public cascade; create schema public`.
 *
 * In both cases the KV store (`DATA_DIR/kv.sqlite`) is deleted too: its queue dedupe markers name ids of
 * the old rows (e.g. `notification:welcome:<userId>:once`), and ids start again from 1 after a reset.
 * Stop the app first: a running instance holds the embedded database and the KV file open.
 */
import { type Config, loadConfig } from "../config.ts";
import { kvPath } from "../jobs/kv.ts";
import { openDatabase } from "./connection.ts";
import type { SeedReport } from "./seed.ts";
import { formatSeedReport, seedConfigured } from "./seed_cli.ts";

/** What {@link resetDatabase} did. */
export interface ResetReport {
  backend: "pglite" | "postgres";
  applied: number[];
  seed: SeedReport;
}

/** Thrown when asked to reset a production database. */
export class ResetRefusedError extends Error {
  override name = "ResetRefusedError";
}

async function removeIfExists(path: string, recursive = false): Promise<void> {
  try {
    await Deno.remove(path, { recursive });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * Drop every table and rebuild the database named by `config`, then migrate and seed it.
 *
 * @throws {ResetRefusedError} when `config.env` is `production`.
 */
export async function resetDatabase(config: Config): Promise<ResetReport> {
  if (config.env === "production") {
    throw new ResetRefusedError("db:reset 拒绝在生产环境 (APP_ENV=production) 运行：它会删除全部数据。");
  }
  const dataDir = config.dataDir.replace(/\/+$/, "");
  if (config.databaseUrl) {
    // the schema belongs to the owner role (the app's role may not drop it)
    const admin = await openDatabase({
      databaseUrl: config.databaseOwnerUrl ?? config.databaseUrl,
      maxConnections: 1,
    });
    try {
      await admin.sql.unsafe(
        "drop schema public cascade; create schema public; grant usage on schema public to public;",
      );
    } finally {
      await admin.close();
    }
  } else {
    await removeIfExists(`${dataDir}/pglite`, true);
  }
  const kv = kvPath(config);
  for (const suffix of ["", "-wal", "-shm"]) await removeIfExists(kv + suffix);

  const { backend, applied, report } = await seedConfigured(config);
  return { backend, applied, seed: report };
}

if (import.meta.main) {
  try {
    const report = await resetDatabase(loadConfig());
    console.log(
      `数据库 (${report.backend}) 已清空并重建，已应用迁移: ${
        report.applied.map((v) => String(v).padStart(4, "0")).join(", ")
      }`,
    );
    console.log(formatSeedReport(report.seed));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    Deno.exit(1);
  }
}
