/**
 * Daily settlement throughput on real Postgres (part of `deno task bench` when DATABASE_URL is set;
 * alone: `deno task bench settle` or `deno run -A tests/bench/settlement.ts`): a database of its own with
 * SETTLE_BENCH_LOANS (default 10,000) loans × SETTLE_BENCH_CLAIMS (default 100) claims, one installment
 * each due on the day — 1,000,000 investor repayment rows by default — set up with set-based SQL
 * (generate_series), every borrower able to pay. Bids, claims and claim rows are written loan by loan, as
 * the disbursement writes them (a loan's rows share pages; written in join order instead, each loan's rows
 * were spread over as many pages as it has claims, which no real database looks like). Then `settleDay` is
 * timed: seconds and claim rows/s (target ≤ 60 s), the CPU time of the Postgres backends and of Deno (steadier
 * than seconds when other programs share the machine), the WAL written and the load average. Prints
 * figures; never fails on time.
 */
import process from "node:process";
import postgres from "postgres";
import { migrate } from "../../db/migrate.ts";
import { openDatabase } from "../../db/connection.ts";
import { createOutbox } from "../../db/outbox.ts";
import { settleDay } from "../../domain/lending/settlement.ts";
import { admin, cpuMicros, withDatabase } from "./bench_util.ts";

const LOANS = Number(Deno.env.get("SETTLE_BENCH_LOANS") ?? "10000");
const CLAIMS = Number(Deno.env.get("SETTLE_BENCH_CLAIMS") ?? "100");
const INVESTORS = Number(Deno.env.get("SETTLE_BENCH_INVESTORS") ?? "1000");
const CHUNK = Number(Deno.env.get("SETTLE_BENCH_CHUNK") ?? "500");
const DAY = "2001-01-15";

/** The client backends serving `db` (its pool's connections), as Postgres pids. */
async function backendPids(baseUrl: string, name: string): Promise<number[]> {
  const sql = postgres(baseUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ pid: number }[]>`
      select pid from pg_stat_activity
      where datname = ${name} and backend_type = 'client backend' and pid <> pg_backend_pid()`;
    return rows.map((r) => r.pid);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** The load average over the last minute (Linux `/proc/loadavg`), or "?". */
async function loadAverage(): Promise<string> {
  try {
    return (await Deno.readTextFile("/proc/loadavg")).split(" ")[0];
  } catch {
    return "?";
  }
}

/** Build the data set in `url` (a fresh, migrated database). */
async function setUp(url: string): Promise<void> {
  const db = await openDatabase({ databaseUrl: url, dataDir: "memory://", maxConnections: 1 });
  const sql = db.sql;
  try {
    await migrate(sql);
    const principal = 10_000; // per claim, fen
    const interest = 75;
    await sql`
      insert into users (kind, phone_enc, phone_hash)
      select case when g <= ${LOANS} then 'borrower' else 'investor' end, '\\x00'::bytea, 'settle-bench-' || g
      from generate_series(1, ${LOANS + INVESTORS}) g`;
    await sql`create temporary table bu as select id, row_number() over (order by id) as n from users`;
    await sql`
      insert into custody_accounts (user_id, account_no, status, opened_at)
      select id, 'SB' || lpad(id::text, 12, '0'), 'open', now() from users`;
    // borrowers hold enough to pay; opening entries keep the ledger whole
    const each = (principal + interest) * CLAIMS * 2;
    await sql`insert into ledger_accounts (kind, owner_user_id, balance_fen)
      select 'user_available', id, case when n <= ${LOANS} then ${each} else 0 end from bu`;
    await sql`insert into ledger_accounts (kind) values ('custody_clearing') on conflict do nothing`;
    await sql`insert into ledger_accounts (kind) values ('platform_fee_income') on conflict do nothing`;
    await sql`insert into journal_entries (business_type, reference, idempotency_key)
      select 'top_up', 'bench', 'bench-open:' || id from bu where n <= ${LOANS}`;
    await sql`
      insert into journal_lines (entry_id, account_id, amount_fen, balance_after_fen)
      select e.id, a.id, ${each}::bigint, ${each}::bigint from journal_entries e
      join ledger_accounts a on e.idempotency_key = 'bench-open:' || a.owner_user_id
      union all
      select e.id, c.id, ${-each}::bigint, null from journal_entries e
      cross join (select id from ledger_accounts where kind = 'custody_clearing' and owner_user_id is null) c
      where e.idempotency_key like 'bench-open:%'`;
    await sql`
      insert into loans (borrower_id, product_id, title, amount_fen, funded_fen, annual_rate_micros, term_unit,
        term_count, method, grade, risk_level, min_bid_fen, bid_unit_fen, service_fee_micros,
        interest_management_fee_micros, status, publish_at, bid_deadline, disbursed_at)
      select bu.id, p.id, '基准借款 ' || bu.n, ${principal * CLAIMS}, ${
      principal * CLAIMS
    }, 90000, 'month', 1,
        'bullet', 'B', 'R2', 100, 100, 0, 100000, 'repaying', now() - interval '40 days',
        now() - interval '33 days', now() - interval '31 days'
      from bu cross join (select id from loan_products where code = 'personal_credit') p where bu.n <= ${LOANS}`;
    await sql`
      insert into loan_installments (loan_id, period, due_date, principal_fen, interest_fen)
      select id, 1, ${DAY}::date, ${principal * CLAIMS}, ${interest * CLAIMS} from loans`;
    await sql`create temporary table li as select id, row_number() over (order by id) - 1 as n from loans`;
    await sql`create temporary table inv as select id, n - ${LOANS} - 1 as k from bu where n > ${LOANS}`;
    await sql`
      insert into bids (loan_id, investor_id, amount_fen, status, idempotency_key)
      select li.id, inv.id, ${principal}, 'disbursed', 'b' || li.id || ':' || j
      from li cross join generate_series(0, ${CLAIMS - 1}) j
      join inv on inv.k = (li.n * ${CLAIMS} + j) % ${INVESTORS}
      order by li.id, j`;
    await sql`
      insert into claims (loan_id, bid_id, investor_id, principal_fen)
      select loan_id, id, investor_id, amount_fen from bids order by loan_id, id`;
    await sql`
      insert into claim_installments (claim_id, period, loan_id, investor_id, due_date, principal_fen, interest_fen)
      select id, 1, loan_id, investor_id, ${DAY}::date, principal_fen, ${interest} from claims order by loan_id, id`;
    await sql`vacuum analyze`.catch(() => {});
  } finally {
    await db.close();
  }
}

/** Run the settlement benchmark against the server of `baseUrl` (its database is made and dropped here). */
export async function benchSettlement(baseUrl: string): Promise<void> {
  const name = `bench_settle_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await admin(baseUrl, `create database ${name}`);
  try {
    const url = withDatabase(baseUrl, name);
    const setupStarted = performance.now();
    await setUp(url);
    const setupS = (performance.now() - setupStarted) / 1000;
    const db = await openDatabase({ databaseUrl: url, dataDir: "memory://", maxConnections: 2 });
    try {
      const outbox = createOutbox({
        box: {
          encrypt: () => Promise.reject(new Error("no secrets")),
          decrypt: () => Promise.reject(new Error("no secrets")),
        },
      });
      // the pool's connections exist before the clock starts, so their CPU time is the settlement's
      await Promise.all([db.sql`select 1`, db.sql`select 1`]);
      const pids = await backendPids(baseUrl, name);
      const cpuBefore = await Promise.all(pids.map(cpuMicros));
      const denoBefore = process.cpuUsage();
      const loadBefore = await loadAverage();
      const [{ lsn: walBefore }] = await db.sql<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`;
      const started = performance.now();
      const result = await settleDay(db.sql, { outbox }, { day: DAY, chunkSize: CHUNK });
      const seconds = (performance.now() - started) / 1000;
      const deno = process.cpuUsage(denoBefore);
      const cpuAfter = await Promise.all(pids.map(cpuMicros));
      const pgCpuS = cpuAfter.reduce((s: number, v, k) => s + (v ?? 0) - (cpuBefore[k] ?? 0), 0) / 1e6;
      const denoCpuS = (deno.user + deno.system) / 1e6;
      const loadAfter = await loadAverage();
      const [{ bytes: walBytes }] = await db.sql<{ bytes: string }[]>`
        select pg_wal_lsn_diff(pg_current_wal_lsn(), ${walBefore}::pg_lsn)::bigint::text as bytes`;
      if (!result.ok) throw new Error(`settlement failed: ${result.code}`);
      const rows = result.counts.claimRows;
      console.log(
        `\nsettlement on real Postgres (${LOANS} loans × ${CLAIMS} claims, chunks of ${CHUNK}; set-up ${
          setupS.toFixed(0)
        } s)`,
      );
      console.log(
        `  settlement: ${rows} claim rows paid in ${seconds.toFixed(1)} s = ${
          (rows / seconds).toFixed(0)
        } rows/s` +
          ` (${result.counts.debited} loans debited; target ≤ 60 s)`,
      );
      console.log(
        `  CPU: Postgres backends ${pgCpuS.toFixed(1)} s, Deno ${denoCpuS.toFixed(1)} s; WAL (whole server) ${
          (Number(walBytes) / 2 ** 20).toFixed(0)
        } MiB; ` +
          `load average ${loadBefore} before, ${loadAfter} after (2 cores: above 2, others were busy too)`,
      );
    } finally {
      await db.close();
    }
  } finally {
    await admin(baseUrl, `drop database if exists ${name} with (force)`).catch(() => {});
  }
}

if (import.meta.main) {
  const url = Deno.env.get("DATABASE_URL");
  if (!url) console.log("the settlement bench needs real Postgres: set DATABASE_URL");
  else await benchSettlement(url);
}
