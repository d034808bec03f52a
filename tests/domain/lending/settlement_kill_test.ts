/**
 * The settlement drill on real Postgres: `deno task settle` (db/settle_cli.ts) killed with SIGKILL at a
 * random moment after its first chunk committed — most likely in the middle of a chunk — and run again
 * pays every installment exactly once; the ledger audit stays clean.
 */
import assert from "node:assert/strict";
import { dbTest, testDbKind } from "../../helpers/db.ts";
import { repayingLoan } from "../../helpers/repaying_loan.ts";
import { auditLedger } from "../../../domain/ledger/audit.ts";

function settleProcess(day: string) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../../../db/settle_cli.ts", import.meta.url).pathname,
      "--date",
      day,
      "--chunk",
      "1",
    ],
    env: { RUST_BACKTRACE: "0", DATABASE_URL: Deno.env.get("DATABASE_URL")! },
    stdout: "null",
    stderr: "null",
  }).spawn();
}

dbTest(
  "settlement (postgres only): kill -9 of deno task settle mid-run, rerun pays each installment once",
  async (sql) => {
    const day = "1999-09-09";
    const loans = [];
    for (let i = 0; i < 24; i++) {
      loans.push(
        await repayingLoan(sql, {
          firstDueDate: day,
          borrowerBalanceFen: 10_000_000n,
          weights: [1n, 2n, 3n],
        }),
      );
    }
    const child = settleProcess(day);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [run] = await sql<
        { cursor: string }[]
      >`select cursor_loan_id::text as cursor from settlement_runs where day = ${day}`;
      if (run && run.cursor !== "0") break;
      assert.ok(Date.now() < deadline, "the first chunk committed in time");
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
    child.kill("SIGKILL");
    const killed = await child.status;
    assert.equal(killed.signal, "SIGKILL");
    const [mid] = await sql<{ status: string }[]>`select status from settlement_runs where day = ${day}`;
    assert.equal(mid.status, "running", "killed before the end");

    const rerun = await settleProcess(day).status;
    assert.equal(rerun.code, 0);
    for (const loan of loans) {
      const [{ n, paid }] = await sql<{ n: number; paid: bigint }[]>`
      select (select count(*) from loan_repayments where loan_id = ${loan.loanId}) as n,
        (select paid_principal_fen + paid_interest_fen from loan_installments where loan_id = ${loan.loanId} and period = 1) as paid`;
      assert.equal(Number(n), 1);
      const [{ due }] = await sql<{ due: bigint }[]>`
      select principal_fen + interest_fen as due from loan_installments where loan_id = ${loan.loanId} and period = 1`;
      assert.equal(paid, due);
    }
    assert.deepEqual(
      await auditLedger(sql, { userIds: loans.flatMap((l) => [l.borrowerId, ...l.investorIds]) }),
      [],
    );
    const [run] = await sql<
      { status: string; attempts: number }[]
    >`select status, attempts from settlement_runs where day = ${day}`;
    assert.equal(run.status, "done");
    assert.equal(run.attempts, 2);
  },
  { ignore: testDbKind !== "postgres" },
);
