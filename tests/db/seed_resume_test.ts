/**
 * The lending demo seed, stopped at several points (a throw from its step hook, as a crash between two
 * commands), is completed by the next run: every demo loan once, in its state, with backdated times where
 * the seed backdates; a run over the complete demo changes nothing; the ledger audit is clean.
 *
 * On real Postgres it runs in a schema of its own: the run's database may hold the demo loans of another
 * file, and yesterday's settlement already done.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../config.ts";
import { ledgerAuditReport } from "../../db/ledger_audit_cli.ts";
import { migrate } from "../../db/migrate.ts";
import { createOutbox } from "../../db/outbox.ts";
import { DEMO_TRADE_PASSWORD, DEMO_USERS, seed } from "../../db/seed.ts";
import type { Db } from "../../db/tx.ts";
import { createPiiCipher } from "../../domain/accounts/pii.ts";
import { type LendingSeedReport, seedLendingDemo } from "../../domain/lending/demo_seed.ts";
import { addDays } from "../../domain/lending/repayment.ts";
import { formatShanghaiDate } from "../../domain/shared/shanghai_time.ts";
import { createGateways } from "../../integrations/gateways.ts";
import { getTestDb } from "../helpers/db.ts";
import { databaseUrl, withScratchDb } from "./scratch.ts";

const config = { ...loadConfig({ APP_ENV: "test" }), demo: true };

async function withSeedDb(fn: (sql: Db) => Promise<void>): Promise<void> {
  if (!databaseUrl) return await fn((await getTestDb()).sql);
  await withScratchDb(async ({ db }) => {
    await migrate(db.sql);
    await fn(db.sql);
  });
}

class Crash extends Error {}

/** What a complete demo holds, counted. */
async function footprint(sql: Db) {
  const [row] = await sql<Record<string, bigint>[]>`
    select (select count(*) from journal_entries) as entries, (select count(*) from loan_events) as events,
      (select count(*) from bids) as bids, (select count(*) from loans) as loans,
      (select count(*) from loan_applications) as applications,
      (select count(*) from custody_instructions) as instructions,
      (select count(*) from application_documents) as documents,
      (select count(*) from withdrawals) as withdrawals, (select count(*) from outbox_events) as outbox,
      (select count(*) from settlement_runs) as settlements`;
  return row;
}

Deno.test({
  name: "demo seed: stopped at four points, each rerun completes the rest; a complete demo changes nothing",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withSeedDb(async (sql) => {
      await seed(sql, config, { bcryptCost: 4, lending: false });
      const cipher = createPiiCipher(config);
      const actors = {
        investorPhones: [DEMO_USERS[0].phone, DEMO_USERS[1].phone, DEMO_USERS[2].phone] as const,
        borrowerPhones: [DEMO_USERS[3].phone, DEMO_USERS[4].phone] as const,
        tradePassword: DEMO_TRADE_PASSWORD,
        staff: { risk: "risk", second: "admin", finance: "finance" },
      };
      // after a draft was started, before its purpose (the marker) was saved; between two bids; between the
      // full review and the disbursement; before the settlement
      const crashes = new Set(["repaying:terms", "full:bid:2", "written_off:disburse", "settlement"]);
      const seen: string[] = [];
      const run = () =>
        seedLendingDemo(sql, {
          pii: cipher,
          outbox: createOutbox({ box: cipher }),
          gateways: createGateways(config, sql),
          config,
          onStep(step) {
            seen.push(step);
            if (crashes.delete(step)) throw new Crash(step);
          },
        }, actors);
      let report: LendingSeedReport | null = null;
      for (let runs = 1; report === null; runs++) {
        assert.ok(runs <= 5, "completes after the four stops");
        try {
          report = await run();
        } catch (error) {
          if (!(error instanceof Crash)) throw error;
        }
      }
      assert.equal(crashes.size, 0, "every stop happened");
      assert.deepEqual(report.waiting, []);
      // each stopped step was done by the next run, once
      for (const s of ["repaying:terms", "full:bid:2", "written_off:disburse"]) {
        assert.equal(seen.filter((x) => x === s).length, 2, s);
      }
      assert.equal(seen.filter((x) => x === "repaying:start").length, 1, "the started draft was adopted");

      const statuses = Object.fromEntries(
        (await sql<{ key: string; status: string }[]>`
          select k.key, l.status from jsonb_each_text(${
          sql.json(report.loans)
        }) k join loans l on l.id = k.value::bigint`)
          .map((r) => [r.key, r.status]),
      );
      assert.deepEqual(statuses, {
        settled: "settled",
        repaying: "repaying",
        full: "full",
        open: "open",
        failed: "failed",
        overdue: "overdue",
        accelerated: "accelerated",
        written_off: "written_off",
      });
      // one application per demo marker, each demo loan's bids once
      const twice = await sql`
        select user_id, purpose from loan_applications where status <> 'cancelled'
        group by user_id, purpose having count(*) > 1`;
      assert.equal(twice.length, 0, JSON.stringify(twice));
      const [apps] = await sql<{ n: bigint }[]>`select count(*) as n from loan_applications`;
      assert.equal(apps.n, 10n, "ten demo applications, no stray draft");
      const bids = Object.fromEntries(
        (await sql<{ key: string; n: bigint }[]>`
          select k.key, count(b.id) as n from jsonb_each_text(${sql.json(report.loans)}) k
          left join bids b on b.loan_id = k.value::bigint group by k.key`).map((r) => [r.key, Number(r.n)]),
      );
      assert.deepEqual(bids, {
        settled: 2,
        repaying: 3,
        full: 2,
        open: 2,
        failed: 1,
        overdue: 2,
        accelerated: 2,
        written_off: 2,
      });

      // a backdated loan's history reads in order, days ago: submitted → approved → bids → reviewed → disbursed
      const today = formatShanghaiDate(new Date());
      const [t] = await sql<
        { submitted: Date; approved: Date; firstBid: Date; lastBid: Date; reviewed: Date; disbursed: Date }[]
      >`
        select a.submitted_at as submitted,
          (select e.created_at from loan_events e where e.loan_id = l.id and e.kind = 'approved') as approved,
          (select min(b.created_at) from bids b where b.loan_id = l.id) as "firstBid",
          (select max(b.created_at) from bids b where b.loan_id = l.id) as "lastBid",
          l.full_reviewed_at as reviewed, l.disbursed_at as disbursed
        from loans l join loan_applications a on a.id = l.application_id where l.id = ${report.loans.settled}`;
      assert.equal(formatShanghaiDate(t.submitted), addDays(today, -103));
      assert.equal(formatShanghaiDate(t.approved), addDays(today, -103));
      assert.equal(formatShanghaiDate(t.firstBid), addDays(today, -102));
      assert.equal(formatShanghaiDate(t.disbursed), addDays(today, -100));
      assert.ok(
        t.submitted < t.approved && t.approved < t.firstBid && t.lastBid < t.reviewed &&
          t.reviewed < t.disbursed,
        JSON.stringify(t),
      );
      const [failed] = await sql<{ failedAt: Date; deadline: Date }[]>`
        select failed_at as "failedAt", bid_deadline as deadline from loans where id = ${report.loans.failed}`;
      assert.equal(failed.failedAt.getTime(), failed.deadline.getTime(), "failed at its deadline");

      const audit = await ledgerAuditReport(sql);
      assert.equal(audit.exitCode, 0, audit.lines.join("\n"));

      // complete: another run finds everything and does nothing
      const before = await footprint(sql);
      seen.length = 0;
      const again = await run();
      assert.equal(again?.steps, 0, seen.join(", "));
      assert.deepEqual(again?.loans, report.loans);
      assert.deepEqual(await footprint(sql), before);
    });
  },
});
