/**
 * The demo seed moves its money through the real paths (top-up orders, bank confirmation, ledger), so after
 * it — and after running it a second time — the books are whole and the demo users have balances.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../config.ts";
import { DEMO_USERS, seed } from "../../db/seed.ts";
import { ledgerAuditReport } from "../../db/ledger_audit_cli.ts";
import { userBalances } from "../../domain/ledger/ledger.ts";
import { dbTest } from "../helpers/db.ts";
import { seededTestApp, testCipher } from "../helpers/forms.ts";

dbTest("seed: ledger:audit reports zero violations after the seed and after a second seed", async (sql) => {
  await seededTestApp({ lending: true });
  const first = await ledgerAuditReport(sql);
  assert.equal(first.exitCode, 0, first.lines.join("\n"));
  const [before] = await sql<{ entries: bigint }[]>`select count(*) as entries from journal_entries`;
  await seed(sql, { ...loadConfig({ APP_ENV: "test" }), demo: true });
  const [after] = await sql<{ entries: bigint }[]>`select count(*) as entries from journal_entries`;
  assert.equal(after.entries, before.entries, "a second seed posts nothing");
  const second = await ledgerAuditReport(sql);
  assert.equal(second.exitCode, 0, second.lines.join("\n"));

  for (const u of DEMO_USERS) {
    const [row] = await sql<{ id: string }[]>`select id from users where phone_hash = ${await testCipher.hash(
      u.phone,
    )}`;
    const balances = await userBalances(sql, row.id);
    assert.ok(balances.availableFen + balances.frozenFen > 0n, `${u.phone} has money after the seed`);
  }
});
