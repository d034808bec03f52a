/**
 * `deno task ledger:audit`: check the ledger of the configured database (DATABASE_URL, or the embedded one
 * in DATA_DIR): every entry balances, every user balance equals the sum of its lines, no user balance is
 * negative, the total over all accounts is zero. Prints each violation; exits 1 if there is one.
 */
import { type Config, loadConfig } from "../config.ts";
import { openDatabase } from "./connection.ts";
import { auditLedger, describeLedgerViolation } from "../domain/ledger/audit.ts";
import type { Queryable } from "./tx.ts";

/** Audit `db` and describe the outcome: the exit code and the report lines. */
export async function ledgerAuditReport(db: Queryable): Promise<{ exitCode: number; lines: string[] }> {
  const violations = await auditLedger(db);
  const [counts] = await db<{ entries: bigint; lines: bigint; accounts: bigint }[]>`
    select (select count(*) from journal_entries) as entries, (select count(*) from journal_lines) as lines,
      (select count(*) from ledger_accounts) as accounts`;
  if (violations.length === 0) {
    return {
      exitCode: 0,
      lines: [
        `账务核查通过：${counts.entries} 笔记账凭证、${counts.lines} 条分录、${counts.accounts} 个账户，0 项问题。`,
      ],
    };
  }
  return {
    exitCode: 1,
    lines: [
      ...violations.map(describeLedgerViolation),
      `账务核查发现 ${violations.length} 项问题（${counts.entries} 笔记账凭证、${counts.lines} 条分录）。`,
    ],
  };
}

/** Open the configured database, audit it, close it. */
export async function runLedgerAudit(config: Config): Promise<{ exitCode: number; lines: string[] }> {
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    maxConnections: 1,
  });
  try {
    return await ledgerAuditReport(db.sql);
  } finally {
    await db.close();
  }
}

if (import.meta.main) {
  try {
    const { exitCode, lines } = await runLedgerAudit(loadConfig());
    for (const line of lines) (exitCode === 0 ? console.log : console.error)(line);
    Deno.exitCode = exitCode;
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    Deno.exitCode = 1;
  }
}
