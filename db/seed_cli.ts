/**
 * `deno task db:seed`: migrate the configured database, create the demo data (idempotent: a second run
 * changes nothing) and print the demo accounts.
 */
import { type Config, loadConfig } from "../config.ts";
import { openDatabase } from "./connection.ts";
import { migrateForApp } from "./migrate_cli.ts";
import { seed, type SeedReport } from "./seed.ts";

/** The demo accounts as printable lines (Chinese). */
export function formatSeedReport(report: SeedReport): string {
  const lines = [`演示账户（本次新建 ${report.created} 个）：`, "  后台员工（/admin/login）："];
  for (const s of report.staff) {
    lines.push(`    ${s.username.padEnd(10)} ${s.role.padEnd(18)} 密码 ${s.password}`);
  }
  lines.push(`    两步验证：演示员工的 TOTP 密钥均为 ${report.totpSecret}（添加到验证器应用，仅限演示环境）`);
  lines.push("  用户（/login）：");
  for (const u of report.users) lines.push(`    ${u.phone}  ${u.kind.padEnd(9)} 密码 ${u.password}`);
  lines.push(`    交易密码均为 ${report.tradePassword}；新设备登录的短信验证码可在 /dev/sandbox 查看`);
  if (report.lending) {
    lines.push(
      `  借款演示数据：本次补全 ${report.lending.steps} 步${report.lending.steps === 0 ? "（已完整）" : ""}`,
    );
    for (const w of report.lending.waiting) lines.push(`    待完成：${w}`);
  }
  return lines.join("\n");
}

/** Open the configured database, migrate, seed, close. */
export async function seedConfigured(
  config: Config,
): Promise<{ backend: "pglite" | "postgres"; applied: number[]; report: SeedReport }> {
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    maxConnections: 2,
  });
  try {
    const { applied } = await migrateForApp(config, db);
    return { backend: db.kind, applied, report: await seed(db.sql, config) };
  } finally {
    await db.close();
  }
}

if (import.meta.main) {
  try {
    const { applied, report } = await seedConfigured(loadConfig());
    if (applied.length > 0) console.log(`已应用迁移: ${applied.join(", ")}`);
    console.log(formatSeedReport(report));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    Deno.exit(1);
  }
}
