/**
 * `deno task audit:verify [--anchors <file or folder>]…`: verify the hash chain of the staff audit log in
 * the configured database, and check it against every published anchor — those in
 * `DATA_DIR/audit_anchors/` and in each `--anchors` path (e.g. the `audit_anchor` log lines copied back
 * from write-once storage). Exits 1 and names the first broken row, or the anchor the chain no longer
 * agrees with (a chain rewritten and re-hashed by someone with the owner's rights), or an anchor line that
 * cannot be read.
 */
import { type Config, loadConfig } from "../config.ts";
import { openDatabase } from "./connection.ts";
import { AUDIT_VERIFY_REASONS, type AuditVerifyResult, verifyAuditChain } from "../domain/staff/audit_log.ts";
import { auditAnchorsDir, readAuditAnchors } from "../domain/staff/audit_anchors.ts";

/** One line of the report for a verification result. */
export function describeAuditVerify(result: AuditVerifyResult): string {
  if (result.ok) {
    const others = result.anchorsOtherDatabases
      ? `，另有 ${result.anchorsOtherDatabases} 个属于其他数据库`
      : "";
    return `操作日志哈希链校验通过：${result.rows} 条记录，核对锚点 ${
      result.anchorsChecked ?? 0
    } 个${others}。`;
  }
  const base = `操作日志哈希链在 id=${result.brokenAtId} 处断裂（${result.reason}：${
    AUDIT_VERIFY_REASONS[result.reason]
  }）`;
  if (result.reason !== "anchor_mismatch") return `${base}。`;
  const a = result.anchor;
  return `${base}：锚点 ${a.day}（发布于 ${a.at}，id=${a.lastId}，hash=${a.hash}）` +
    (result.found ? `，库中该行的哈希为 ${result.found}。` : "，库中已无该行。");
}

/** Verify the configured database against the anchors; returns the exit code and the report lines. */
export async function runAuditVerify(
  config: Config,
  anchorPaths: readonly string[] = [],
): Promise<{ exitCode: number; lines: string[] }> {
  const { anchors, invalid } = await readAuditAnchors([auditAnchorsDir(config.dataDir), ...anchorPaths]);
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    maxConnections: 1,
  });
  try {
    const result = await verifyAuditChain(db.sql, { anchors });
    const lines = [describeAuditVerify(result)];
    for (const where of invalid) lines.push(`无法读取的锚点（${where}）：格式不符，可能被改动。`);
    return { exitCode: result.ok && invalid.length === 0 ? 0 : 1, lines };
  } finally {
    await db.close();
  }
}

/** The `--anchors` paths of the command line (`--anchors path` or `--anchors=path`, repeatable). */
export function anchorPathsFromArgs(args: readonly string[]): string[] {
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--anchors" && args[i + 1]) paths.push(args[++i]);
    else if (args[i].startsWith("--anchors=")) paths.push(args[i].slice("--anchors=".length));
    else throw new Error(`unknown argument: ${args[i]} (usage: audit:verify [--anchors <file or folder>]…)`);
  }
  return paths;
}

if (import.meta.main) {
  try {
    const { exitCode, lines } = await runAuditVerify(loadConfig(), anchorPathsFromArgs(Deno.args));
    for (const line of lines) (exitCode === 0 ? console.log : console.error)(line);
    Deno.exitCode = exitCode;
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    Deno.exitCode = 1;
  }
}
