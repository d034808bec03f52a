/**
 * The last test of a run (files run in path order, and `zz_` sorts last): the ledger audit over the whole
 * shared test database, after every suite has posted its entries — every entry balances, every user
 * balance equals its lines, none is negative, the total is zero (the checks of `deno task ledger:audit`).
 *
 * Postgres only: there every test module shares the run's database, while each module has its own
 * in-memory embedded database (so here it would see nothing).
 */
import assert from "node:assert/strict";
import { dbTest, testDbKind } from "./helpers/db.ts";
import { ledgerAuditReport } from "../db/ledger_audit_cli.ts";

dbTest("ledger:audit (postgres) after the suites reports zero violations", async (sql) => {
  const report = await ledgerAuditReport(sql);
  console.log(report.lines.join("\n"));
  assert.equal(report.exitCode, 0, report.lines.join("\n"));
}, { ignore: testDbKind !== "postgres" });
