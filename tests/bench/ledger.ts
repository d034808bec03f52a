/**
 * Ledger throughput on real Postgres (part of `deno task bench` when DATABASE_URL is set, or alone:
 * `deno run -A tests/bench/ledger.ts`): transfers/s between random pairs of users at 8 and 64
 * connections, each a whole command transaction (`postEntry` with two user accounts locked), beside
 * pgbench's TPC-B-like script at the same client counts in a database of its own, printed as a ratio.
 * Prints figures; never fails on time.
 */
import { migrate } from "../../db/migrate.ts";
import { transaction } from "../../db/tx.ts";
import { postEntry } from "../../domain/ledger/ledger.ts";
import { openDatabase } from "../../db/connection.ts";
import { admin, withDatabase } from "./bench_util.ts";

const SECONDS = Number(Deno.env.get("BENCH_SECONDS") ?? "8");
const CLIENTS = [8, 64] as const;
const USERS = 10_000;

async function ledgerTransfers(url: string, clients: number): Promise<number> {
  const db = await openDatabase({ databaseUrl: url, dataDir: "memory://", maxConnections: clients });
  try {
    const [{ first }] = await db.sql<{ first: string }[]>`select min(id) as first from users`;
    const firstId = BigInt(first);
    let count = 0;
    const until = performance.now() + SECONDS * 1000;
    await Promise.all(Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const a = firstId + BigInt(Math.floor(Math.random() * USERS));
        let b = firstId + BigInt(Math.floor(Math.random() * USERS));
        if (a === b) b = a === firstId ? a + 1n : a - 1n;
        const result = await transaction(db.sql, (tx) =>
          postEntry(tx, {
            businessType: "transfer",
            reference: "bench",
            idempotencyKey: crypto.randomUUID(),
            lines: [
              { account: { kind: "user_available", userId: String(a) }, amountFen: -1n },
              { account: { kind: "user_available", userId: String(b) }, amountFen: 1n },
            ],
          }));
        if (result.ok) count++;
      }
    }));
    return count / SECONDS;
  } finally {
    await db.close();
  }
}

async function pgbench(url: string, clients: number): Promise<number | null> {
  try {
    const out = await new Deno.Command("pgbench", {
      args: ["-n", "-c", String(clients), "-j", "2", "-T", String(SECONDS), url],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    const m = /tps = ([\d.]+)/.exec(text);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Run the ledger benchmark against the server of `baseUrl` (its databases are made and dropped here). */
export async function benchLedger(baseUrl: string): Promise<void> {
  const suffix = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  const ledgerDb = `bench_ledger_${suffix}`;
  const tpcbDb = `bench_tpcb_${suffix}`;
  await admin(baseUrl, `create database ${ledgerDb}`);
  await admin(baseUrl, `create database ${tpcbDb}`);
  try {
    const url = withDatabase(baseUrl, ledgerDb);
    const setup = await openDatabase({ databaseUrl: url, dataDir: "memory://", maxConnections: 1 });
    try {
      await migrate(setup.sql);
      // users with 1,000 yuan each, posted through one balanced opening entry per user (set-based)
      await setup.sql`
        insert into users (kind, phone_enc, phone_hash)
        select 'investor', '\\x00'::bytea, 'bench-' || g from generate_series(1, ${USERS}) g`;
      await setup.sql`
        insert into ledger_accounts (kind, owner_user_id, balance_fen)
        select 'user_available', id, 100000 from users`;
      await setup.sql`insert into ledger_accounts (kind) values ('custody_clearing') on conflict do nothing`;
      await setup.sql`
        insert into journal_entries (business_type, reference, idempotency_key)
        select 'top_up', 'bench', 'bench-open:' || owner_user_id from ledger_accounts
        where owner_user_id is not null`;
      await setup.sql`
        insert into journal_lines (entry_id, account_id, amount_fen, balance_after_fen)
        select e.id, a.id, 100000, 100000 from journal_entries e
        join ledger_accounts a on e.idempotency_key = 'bench-open:' || a.owner_user_id
        union all
        select e.id, c.id, -100000, null from journal_entries e
        cross join (select id from ledger_accounts where kind = 'custody_clearing' and owner_user_id is null) c
        where e.idempotency_key like 'bench-open:%'`;
      await setup.sql`vacuum analyze`.catch(() => {});
    } finally {
      await setup.close();
    }
    const tpcbUrl = withDatabase(baseUrl, tpcbDb);
    const init = await new Deno.Command("pgbench", {
      args: ["-i", "-q", "-s", "10", tpcbUrl],
      stdout: "null",
      stderr: "null",
    })
      .output().catch(() => null);
    console.log(
      `\nledger on real Postgres (${USERS} users, random pairs, ${SECONDS}s each; pgbench TPC-B scale 10)`,
    );
    for (const clients of CLIENTS) {
      const ledger = await ledgerTransfers(url, clients);
      const tpcb = init?.success ? await pgbench(tpcbUrl, clients) : null;
      console.log(
        `  ${String(clients).padStart(2)} connections: ledger ${
          ledger.toFixed(0).padStart(6)
        } transfers/s   ` +
          (tpcb === null
            ? "pgbench unavailable"
            : `pgbench ${tpcb.toFixed(0).padStart(6)} tps   ratio ${(ledger / tpcb).toFixed(2)}`),
      );
    }
  } finally {
    await admin(baseUrl, `drop database if exists ${ledgerDb} with (force)`).catch(() => {});
    await admin(baseUrl, `drop database if exists ${tpcbDb} with (force)`).catch(() => {});
  }
}

if (import.meta.main) {
  const url = Deno.env.get("DATABASE_URL");
  if (!url) {
    console.log("ledger bench: set DATABASE_URL to a Postgres server (it needs real Postgres)");
  } else {
    await benchLedger(url);
  }
}
