/**
 * `deno task db:migrate`: apply pending migrations to the configured database (embedded PGlite in
 * `DATA_DIR`, or real Postgres) and print the versions applied. On real Postgres migrations run on the
 * owner's connection, `DATABASE_OWNER_URL` (else `DATABASE_URL`), and grant the app's role
 * (`config.databaseAppRole`) its rights — see `db/migrations/0004_roles.sql`.
 */
import { type Config, loadConfig } from "../config.ts";
import { auditLogTamperRisks } from "../domain/staff/audit_log.ts";
import { type Database, openDatabase } from "./connection.ts";
import { migrate, type MigrateResult } from "./migrate.ts";

/** Open the configured database as its owner, migrate it and close it. */
export async function migrateConfigured(config: Config): Promise<MigrateResult & { backend: string }> {
  const db = await openDatabase({
    databaseUrl: config.databaseOwnerUrl ?? config.databaseUrl,
    dataDir: config.dataDir,
    maxConnections: 2,
  });
  try {
    return { ...await migrate(db.sql, undefined, { appRole: config.databaseAppRole }), backend: db.kind };
  } finally {
    await db.close();
  }
}

/** Thrown by {@link migrateForApp} when the app's role could change the audit log. */
export class AppRoleError extends Error {
  override name = "AppRoleError";
}

/**
 * Migrate at the app's start-up, then check the app's role. `app` is the app's open database:
 * - with `DATABASE_OWNER_URL`, migrations run on a separate owner connection (closed afterwards), and the
 *   app's own connection must then be unable to change the audit log ({@link auditLogTamperRisks});
 * - without it (the embedded database — one connection, one superuser, so nothing can be enforced — or
 *   real Postgres outside production with a single URL), migrations run on `app` itself.
 *
 * @throws {AppRoleError} when the owner URL is set but the app's role could still update, delete,
 *   truncate, alter or drop `audit_log` (e.g. `DATABASE_URL` logs in as a superuser or as the owner).
 */
export async function migrateForApp(config: Config, app: Database): Promise<MigrateResult> {
  if (!config.databaseOwnerUrl) return await migrate(app.sql, undefined, { appRole: config.databaseAppRole });
  const { applied } = await migrateConfigured(config);
  const risks = await auditLogTamperRisks(app.sql);
  if (risks.length > 0) {
    throw new AppRoleError(
      `应用的数据库角色可以改动操作日志（${
        risks.join(", ")
      }）：DATABASE_URL 应以 ${config.databaseAppRole} ` +
        `登录（非超级用户、非表所有者），迁移由 DATABASE_OWNER_URL 执行。`,
    );
  }
  return { applied };
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
