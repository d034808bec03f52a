/**
 * `deno task audit:verify`: verify the hash chain of the staff audit log in the configured database.
 * Exits 1 and names the first broken row when the chain does not verify.
 */
import { loadConfig } from "../config.ts";
import { openDatabase } from "./connection.ts";
import { verifyAuditChain } from "../domain/staff/audit_log.ts";

if (import.meta.main) {
  const config = loadConfig();
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    maxConnections: 1,
  });
  try {
    const result = await verifyAuditChain(db.sql);
    if (result.ok) {
      console.log(`操作日志哈希链校验通过：${result.rows} 条记录。`);
    } else {
      console.error(`操作日志哈希链在 id=${result.brokenAtId} 处断裂（${result.reason}）。`);
      Deno.exitCode = 1;
    }
  } finally {
    await db.close();
  }
}
