/**
 * Lending benches on real Postgres (`deno task bench rush`, or part of `deno task bench` when DATABASE_URL
 * is set), in a database of their own made and dropped here, against the app started on it:
 *
 * - **funding rush**: {@link INVESTORS} investors, each with a session and an open bid authorisation
 *   (set up directly in the database), all bid {@link BID_FEN} fen over HTTP (the JSON bid API
 *   `POST /api/loans/[id]/bids`, with the CSRF token of their own session in `X-CSRF-Token`, fetched once
 *   per investor from its GET) on one loan the moment it opens, with 3× the demand it needs, at
 *   {@link CLIENTS} concurrent connections. Prints one line
 *   `rush: over-funded <fen> fen, accepted <n> bids/s, p99 <ms> ms, pgbench <tps> tps` (pgbench TPC-B at
 *   the same clients, in another fresh database), and before it the CPU of the app and of its Postgres
 *   backends (Linux `/proc`) per request and per accepted bid during the fill, then — after waiting up to
 *   {@link DRAIN_SECONDS} for the background the bids leave (outbox relay, sandbox bank, callbacks) — per
 *   accepted bid from the rush's start to its end.
 * - **hall**: `/loans` with 20 live listings, req/s and p99 at 64 connections (wrk) beside a Deno.serve
 *   hello world.
 *
 * Prints figures; never fails on time.
 */
import postgres from "postgres";
import { loadConfig } from "../../config.ts";
import { openDatabase } from "../../db/connection.ts";
import { migrate } from "../../db/migrate.ts";
import { createPiiCipher } from "../../domain/accounts/pii.ts";
import { hashSessionId } from "../../domain/accounts/session.ts";
import { RISK_DISCLOSURE_VERSION } from "../../domain/investor/risk_disclosure.ts";
import { printPeakRss } from "./page_weight.ts";
import { admin, cpuMicros, freePort, withDatabase } from "./bench_util.ts";

const INVESTORS = Number(Deno.env.get("RUSH_INVESTORS") ?? "5000");
const CLIENTS = Number(Deno.env.get("RUSH_CLIENTS") ?? "64");
/**
 * The app's Postgres pool (`DATABASE_POOL_MAX`) during the benches: the clients' requests share it, and
 * every bid ends on the one hot loan row, so past a few connections per core more only queue inside
 * Postgres instead of inside the app.
 */
const POOL = Number(Deno.env.get("RUSH_POOL") ?? String(Math.min(CLIENTS, 32)));
const BID_FEN = 10_000n;

/** The `start` task's `deno run` flags for main.ts (deno.json), besides `-A` and `--v8-flags`. */
function startTaskRunFlags(): { v8: string; other: string[] } {
  const config = JSON.parse(Deno.readTextFileSync(new URL("../../deno.json", import.meta.url))) as {
    tasks: Record<string, string>;
  };
  const run = /deno run ((?:-\S+ )+)main\.ts/.exec(config.tasks.start)?.[1].trim().split(/\s+/) ?? [];
  return {
    v8: run.find((f) => f.startsWith("--v8-flags="))?.slice("--v8-flags=".length) ?? "",
    other: run.filter((f) => f !== "-A" && !f.startsWith("--v8-flags=")),
  };
}
/** The benches run the app as `deno task start` does: its V8 flags (RUSH_V8_FLAGS to compare others; "none": none) … */
const V8_FLAGS = Deno.env.get("RUSH_V8_FLAGS") === "none"
  ? ""
  : Deno.env.get("RUSH_V8_FLAGS") ?? startTaskRunFlags().v8;
/** … and its other run flags (e.g. `--no-code-cache`; RUSH_RUN_FLAGS, space-separated, to compare others). */
const RUN_FLAGS = Deno.env.get("RUSH_RUN_FLAGS") !== undefined
  ? Deno.env.get("RUSH_RUN_FLAGS")!.split(/\s+/).filter(Boolean)
  : startTaskRunFlags().other;
const SECONDS = Number(Deno.env.get("BENCH_SECONDS") ?? "8");
/** How long the rush waits, after its last answer, for the background of the bids (outbox, bank) to end. */
const DRAIN_SECONDS = Number(Deno.env.get("RUSH_DRAIN_SECONDS") ?? "90");
const deno = Deno.execPath();

async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

/** Run `work` over `items` with at most `limit` at a time. */
async function pool<T>(
  items: T[],
  limit: number,
  work: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i], i);
    }
  }));
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

async function pgbench(url: string, clients: number): Promise<number | null> {
  try {
    const init = await new Deno.Command("pgbench", {
      args: ["-i", "-q", "-s", "10", url],
      stdout: "null",
      stderr: "null",
    })
      .output();
    if (!init.success) return null;
    const out = await new Deno.Command("pgbench", {
      args: ["-n", "-c", String(clients), "-j", "2", "-T", String(SECONDS), url],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const m = /tps = ([\d.]+)/.exec(new TextDecoder().decode(out.stdout));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

async function wrk(
  url: string,
  seconds = SECONDS,
): Promise<{ rps: number; requests: number; p99: number; errors: string } | null> {
  try {
    const out = await new Deno.Command("wrk", {
      args: ["-t2", "-c64", `-d${seconds}s`, "--latency", "-H", "Accept-Encoding: gzip, br", url],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    const toMs = (v: string) => {
      const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
      return !m
        ? NaN
        : m[2] === "us"
        ? Number(m[1]) / 1000
        : m[2] === "s"
        ? Number(m[1]) * 1000
        : Number(m[1]);
    };
    return {
      rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN),
      requests: Number(/(\d+) requests in/.exec(text)?.[1] ?? NaN),
      p99: toMs(/\s99%\s+(\S+)/.exec(text)?.[1] ?? ""),
      errors: /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(text)?.[0] ?? "",
    };
  } catch {
    return null;
  }
}

/** CPU time (µs) so far of each Postgres backend serving database `name` (Linux `/proc`; empty elsewhere). */
async function backendsCpuMicros(url: string, name: string): Promise<Map<number, number>> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const out = new Map<number, number>();
  try {
    const rows = await sql<{ pid: number }[]>`
      select pid from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`;
    for (const r of rows) {
      const us = await cpuMicros(r.pid);
      if (us !== null) out.set(r.pid, us);
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
  return out;
}

/** CPU used between two {@link backendsCpuMicros} (backends that ended meanwhile are missed). */
function backendsCpuDelta(before: Map<number, number>, after: Map<number, number>): number | null {
  if (after.size === 0) return null;
  let total = 0;
  for (const [pid, us] of after) total += us - (before.get(pid) ?? 0);
  return total;
}

/**
 * Samples the CPU time (µs, summed) of `pids` every {@link CPU_SAMPLE_MS} ms, so that the CPU of the fill
 * (up to the last accepted bid) can be told from that of the refusals after it.
 */
const CPU_SAMPLE_MS = 50;
function cpuSampler(pids: number[]): { latest: () => number | null; stop: () => void } {
  let latest: number | null = null;
  let stopped = false;
  (async () => {
    while (!stopped) {
      let total = 0;
      for (const pid of pids) total += (await cpuMicros(pid)) ?? 0;
      latest = total;
      await new Promise((r) => setTimeout(r, CPU_SAMPLE_MS));
    }
  })();
  return { latest: () => latest, stop: () => stopped = true };
}

/** Users, money, assessments, disclosures, custody accounts, sessions and bid authorisations, set-based. */
async function setUp(
  url: string,
  env: Record<string, string>,
): Promise<{ sessions: string[]; borrowerId: string }> {
  const db = await openDatabase({ databaseUrl: url, dataDir: "memory://", maxConnections: 4 });
  const sql = db.sql;
  try {
    await migrate(sql);
    const cipher = createPiiCipher(loadConfig(env));
    const phoneEnc = await cipher.encrypt("13800138000");
    await sql`
      insert into users (kind, phone_enc, phone_hash)
      select 'investor', ${phoneEnc}, 'rush-' || g from generate_series(1, ${INVESTORS}) g`;
    const [borrower] = await sql<{ id: string }[]>`
      insert into users (kind, phone_enc, phone_hash) values ('borrower', ${phoneEnc}, 'rush-borrower') returning id`;
    await sql`
      insert into custody_accounts (user_id, account_no, status, opened_at)
      select id, 'R' || lpad(id::text, 12, '0'), 'open', now() from users where phone_hash like 'rush-%'`;
    // the sandbox bank's side of the same sub-accounts, holding the same money (the freezes are executed)
    await sql`
      insert into sandbox_bank_accounts (account_no, user_id, balance_fen)
      select account_no, user_id, 100000 from custody_accounts`;
    await sql`
      insert into risk_assessments (user_id, questionnaire_version, answers, score, level, assessed_at, expires_at)
      select id, 'bench', '{}'::jsonb, 80, 'C5', now(), now() + interval '1 year'
      from users where phone_hash like 'rush-%' and kind = 'investor'`;
    await sql`
      insert into risk_disclosure_acceptances (user_id, version)
      select id, ${RISK_DISCLOSURE_VERSION} from users where phone_hash like 'rush-%' and kind = 'investor'`;
    // 1,000 yuan each, one balanced opening entry per investor (as the ledger bench does)
    await sql`
      insert into ledger_accounts (kind, owner_user_id, balance_fen)
      select 'user_available', id, 100000 from users where kind = 'investor'`;
    await sql`insert into ledger_accounts (kind) values ('custody_clearing') on conflict do nothing`;
    await sql`
      insert into journal_entries (business_type, reference, idempotency_key)
      select 'top_up', 'bench', 'bench-open:' || owner_user_id from ledger_accounts where owner_user_id is not null`;
    await sql`
      insert into journal_lines (entry_id, account_id, amount_fen, balance_after_fen)
      select e.id, a.id, 100000, 100000 from journal_entries e
      join ledger_accounts a on e.idempotency_key = 'bench-open:' || a.owner_user_id
      union all
      select e.id, c.id, -100000, null from journal_entries e
      cross join (select id from ledger_accounts where kind = 'custody_clearing' and owner_user_id is null) c
      where e.idempotency_key like 'bench-open:%'`;
    const investors = await sql<{ id: string }[]>`select id from users where kind = 'investor' order by id`;
    const sessions: string[] = [];
    const rows: Record<string, unknown>[] = [];
    const auths: Record<string, unknown>[] = [];
    const now = new Date();
    const exp = new Date(now.getTime() + 3_600_000);
    for (const u of investors) {
      const raw = crypto.getRandomValues(new Uint8Array(32));
      const sessionId = btoa(String.fromCharCode(...raw)).replace(/\+/g, "-").replace(/\//g, "_").replace(
        /=+$/,
        "",
      );
      const hash = await hashSessionId(sessionId);
      sessions.push(sessionId);
      rows.push({
        id_hash: hash,
        subject_type: "user",
        subject_id: u.id,
        created_at: now,
        last_seen_at: now,
        idle_expires_at: exp,
        absolute_expires_at: exp,
        expires_at: exp,
      });
      auths.push({
        user_id: u.id,
        session_hash: hash,
        cap_fen: 1_000_000,
        expires_at: exp,
        created_at: now,
      });
    }
    for (let i = 0; i < rows.length; i += 1000) {
      await sql`insert into sessions ${sql(rows.slice(i, i + 1000))}`;
      await sql`insert into bid_authorisations ${sql(auths.slice(i, i + 1000))}`;
    }
    await sql`vacuum analyze`.catch(() => {});
    return { sessions, borrowerId: String(borrower.id) };
  } finally {
    await db.close();
  }
}

async function insertLoan(
  url: string,
  borrowerId: string,
  o: { amountFen: bigint; publishAt: Date; title: string },
): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ id: string }[]>`
      insert into loans (borrower_id, product_id, title, amount_fen, annual_rate_micros, term_unit, term_count,
        method, grade, risk_level, min_bid_fen, bid_unit_fen, service_fee_micros, interest_management_fee_micros,
        status, purpose, repayment_source, publish_at, bid_deadline)
      select ${borrowerId}, id, ${o.title}, ${
      String(o.amountFen)
    }::bigint, 90000, 'month', 12, 'equal_installment', 'B', 'R2',
        10000, 10000, service_fee_micros, interest_management_fee_micros, 'open', '经营周转', '经营收入',
        ${o.publishAt}, ${new Date(o.publishAt.getTime() + 7 * 86_400_000)}
      from loan_products where code = 'personal_credit'
      returning id`;
    return String(row.id);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Run the rush (and, unless `only` is "rush", the hall bench) against the server of `baseUrl`. */
export async function benchLending(baseUrl: string, only?: "rush" | "hall"): Promise<void> {
  const suffix = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  const dbName = `bench_rush_${suffix}`;
  const tpcbDb = `bench_rush_tpcb_${suffix}`;
  await admin(baseUrl, `create database ${dbName}`);
  const url = withDatabase(baseUrl, dbName);
  const port = freePort();
  const env = {
    APP_ENV: "development",
    DATABASE_URL: url,
    PORT: String(port),
    HOSTNAME: "127.0.0.1",
    LOG_REQUESTS: "0",
    // the app's pool beside the bench's clients (RUSH_POOL to try others)
    DATABASE_POOL_MAX: String(POOL),
  };
  let app: Deno.ChildProcess | null = null;
  let hello: Deno.ChildProcess | null = null;
  const dataDir = await Deno.makeTempDir({ prefix: "bench-rush-" });
  try {
    const t0 = performance.now();
    const { sessions, borrowerId } = await setUp(url, env);
    console.log(
      `\nlending benches: ${sessions.length} investors set up in ${
        ((performance.now() - t0) / 1000).toFixed(1)
      } s (database ${dbName})`,
    );
    // RUSH_INSPECT=<port>: the app runs under the V8 inspector (to take a CPU profile of the rush)
    const inspect = Deno.env.get("RUSH_INSPECT");
    app = new Deno.Command(deno, {
      args: [
        "run",
        ...(inspect ? [`--inspect=127.0.0.1:${inspect}`] : []),
        // the flags `deno task start` runs the app with
        ...RUN_FLAGS,
        ...(V8_FLAGS ? [`--v8-flags=${V8_FLAGS}`] : []),
        "-A",
        "main.ts",
      ],
      env: { ...env, DATA_DIR: dataDir },
      stdout: "null",
      stderr: "inherit",
    }).spawn();
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/api/health`);

    if (only !== "hall") {
      const demand = BigInt(Math.floor(sessions.length / 3)) * BID_FEN;
      const opensAt = new Date(Date.now() + 3_600_000);
      const loanId = await insertLoan(url, borrowerId, {
        amountFen: demand,
        publishAt: opensAt,
        title: "抢标测试项目",
      });
      // each investor's CSRF token (bound to its session), once, from the bid API's GET
      const tokens: { cookie: string; csrf: string }[] = new Array(sessions.length);
      await pool(sessions, CLIENTS, async (sid, i) => {
        const res = await fetch(`${base}/api/loans/${loanId}/bids`, { headers: { cookie: `sid=${sid}` } });
        const { csrfToken } = await res.json() as { csrfToken?: string };
        const set = res.headers.getSetCookie().map((c) => c.split(";")[0]).filter((c) => /csrf=/.test(c));
        tokens[i] = { cookie: [`sid=${sid}`, ...set].join("; "), csrf: csrfToken ?? "" };
      });
      if (inspect) {
        console.log("  rush starts in 3 s (attach the profiler now)");
        await new Promise((r) => setTimeout(r, 3000));
      }
      // the loan opens now
      await admin(url, `update loans set publish_at = now() where id = ${loanId}`);
      const pgBefore = await backendsCpuMicros(baseUrl, dbName);
      const cpuBefore = await cpuMicros(app.pid);
      const sampler = cpuSampler([app.pid]);
      const pgSampler = cpuSampler([...pgBefore.keys()]);
      const pgAtStart = [...pgBefore.values()].reduce((a, b) => a + b, 0);
      const latencies: number[] = [];
      let accepted = 0;
      let refused = 0;
      let errors = 0;
      let lastAccepted = 0;
      // the app's and its Postgres backends' CPU when the last accepted bid was answered (the fill), sampled
      let cpuAtFill: number | null = null;
      let pgAtFill: number | null = null;
      const start = performance.now();
      await pool(tokens, CLIENTS, async (t) => {
        const began = performance.now();
        try {
          const res = await fetch(`${base}/api/loans/${loanId}/bids`, {
            method: "POST",
            headers: {
              cookie: t.cookie,
              origin: base,
              "content-type": "application/json",
              "x-csrf-token": t.csrf,
              "idempotency-key": crypto.randomUUID(),
            },
            body: JSON.stringify({ amountFen: Number(BID_FEN) }),
          });
          const body = await res.json().catch(() => null) as { ok?: boolean; code?: string } | null;
          const ms = performance.now() - began;
          latencies.push(ms);
          if (res.status === 201 && body?.ok) {
            accepted++;
            lastAccepted = performance.now();
            cpuAtFill = sampler.latest();
            pgAtFill = pgSampler.latest();
          } else if (res.status === 409 && (body?.code === "loan_full" || body?.code === "over_remaining")) {
            refused++;
          } else errors++;
        } catch {
          errors++;
        }
      });
      const fillSeconds = ((lastAccepted || performance.now()) - start) / 1000;
      const cpuAfter = await cpuMicros(app.pid);
      sampler.stop();
      pgSampler.stop();
      const pgCpu = backendsCpuDelta(pgBefore, await backendsCpuMicros(baseUrl, dbName));
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      const [r] = await sql<{ bids: string; amount: string; funded: string; status: string }[]>`
        select coalesce((select sum(amount_fen) from bids where loan_id = l.id), 0)::text as bids,
          amount_fen::text as amount, funded_fen::text as funded, status from loans l where id = ${loanId}`;
      // the background each accepted bid leaves (outbox relay: notification and custody freeze; the sandbox
      // bank executing it and calling back): wait until it is all done, to count its CPU too
      const drainStart = performance.now();
      let drained = false;
      while (performance.now() - drainStart < DRAIN_SECONDS * 1000) {
        const [d] = await sql<{ busy: boolean }[]>`
          select exists (select 1 from outbox_events where status = 'pending' and available_at <= now())
            or exists (select 1 from sandbox_callbacks where delivered_at is null)
            or exists (select 1 from custody_instructions where status in ('pending', 'submitted')) as busy`;
        if (!d.busy) {
          drained = true;
          break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      const drainSeconds = (performance.now() - drainStart) / 1000;
      const cpuDrained = await cpuMicros(app.pid);
      const pgDrained = backendsCpuDelta(pgBefore, await backendsCpuMicros(baseUrl, dbName));
      await sql.end({ timeout: 5 });
      const overFunded = BigInt(r.bids) - BigInt(r.amount);
      await admin(baseUrl, `create database ${tpcbDb}`);
      const tps = await pgbench(withDatabase(baseUrl, tpcbDb), CLIENTS);
      console.log(
        `  ${sessions.length} bidders, ${CLIENTS} connections (app pool ${POOL}): ${accepted} accepted, ${refused} refused, ${errors} errors; ` +
          `loan ${r.status}, funded ${r.funded} of ${r.amount} fen; filled in ${
            fillSeconds.toFixed(2)
          } s; app CPU ${
            cpuBefore === null || cpuAfter === null
              ? "n/a"
              : `${((cpuAfter - cpuBefore) / (accepted + refused + errors) / 1000).toFixed(2)} ms per request`
          }, ${
            cpuBefore === null || cpuAtFill === null || accepted === 0
              ? "n/a"
              : `${
                ((cpuAtFill - cpuBefore) / accepted / 1000).toFixed(2)
              } ms per accepted bid during the fill`
          }; Postgres backends CPU ${
            pgAtFill === null || accepted === 0
              ? ""
              : `${
                ((pgAtFill - pgAtStart) / accepted / 1000).toFixed(2)
              } ms per accepted bid during the fill, `
          }${
            pgCpu === null
              ? "n/a"
              : `${(pgCpu / (accepted + refused + errors) / 1000).toFixed(2)} ms per request`
          }`,
      );
      console.log(
        `  background ${drained ? "done" : "NOT done"} ${drainSeconds.toFixed(1)} s after the last answer; ` +
          `from the rush's start to then, per accepted bid (its refusals, relay, bank and callbacks included): app CPU ${
            cpuBefore === null || cpuDrained === null || accepted === 0
              ? "n/a"
              : `${((cpuDrained - cpuBefore) / accepted / 1000).toFixed(2)} ms`
          }, Postgres backends CPU ${
            pgDrained === null || accepted === 0 ? "n/a" : `${(pgDrained / accepted / 1000).toFixed(2)} ms`
          }`,
      );
      console.log(
        `rush: over-funded ${overFunded > 0n ? overFunded : 0n} fen, accepted ${
          (accepted / fillSeconds).toFixed(0)
        } bids/s, p99 ${percentile(latencies, 0.99).toFixed(1)} ms, pgbench ${
          tps === null ? "n/a" : tps.toFixed(0)
        } tps`,
      );
    }

    if (only !== "rush") {
      for (let i = 0; i < 20; i++) {
        await insertLoan(url, borrowerId, {
          amountFen: 10_000_000n,
          publishAt: new Date(Date.now() - i * 60_000),
          title: `大厅项目${i + 1}`,
        });
      }
      const helloPort = freePort();
      hello = new Deno.Command(deno, {
        args: ["run", "-A", "tests/bench/hello.ts"],
        env: { PORT: String(helloPort) },
        stdout: "null",
        stderr: "inherit",
      }).spawn();
      await waitFor(`http://127.0.0.1:${helloPort}/`);
      // a short warm-up of each server first (JIT, the first renders), then the measured runs
      await wrk(`http://127.0.0.1:${helloPort}/`, 2);
      const helloCpuBefore = await cpuMicros(hello.pid);
      const h = await wrk(`http://127.0.0.1:${helloPort}/`);
      const helloCpuAfter = await cpuMicros(hello.pid);
      await wrk(`${base}/loans`, 2);
      const cpuBefore = await cpuMicros(app.pid);
      const l = await wrk(`${base}/loans`);
      const cpuAfter = await cpuMicros(app.pid);
      if (!h || !l) console.log("  wrk not installed: hall bench skipped");
      else {
        const cpu = cpuBefore === null || cpuAfter === null
          ? ""
          : `, app CPU ${((cpuAfter - cpuBefore) / l.requests).toFixed(0)} µs/req`;
        console.log(
          `hall: /loans (20 live listings) ${l.rps.toFixed(0)} req/s, p99 ${
            l.p99.toFixed(2)
          } ms${cpu} ${l.errors}; ` +
            `hello world ${h.rps.toFixed(0)} req/s, p99 ${h.p99.toFixed(2)} ms${
              helloCpuBefore === null || helloCpuAfter === null
                ? ""
                : `, CPU ${((helloCpuAfter - helloCpuBefore) / h.requests).toFixed(0)} µs/req`
            }; ratio ${(l.rps / h.rps).toFixed(2)}`,
        );
      }
    }
  } finally {
    // the app's peak (VmHWM) over the rush and the hall, on real Postgres (no database in its process)
    if (app) {
      await printPeakRss(
        app.pid,
        `lending app (${only ?? "rush and hall"}, real Postgres, ${
          [...RUN_FLAGS, `V8 flags ${V8_FLAGS || "none"}`].join(", ")
        })`,
      );
    }
    app?.kill("SIGTERM");
    hello?.kill("SIGTERM");
    await app?.status;
    await hello?.status;
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    await admin(baseUrl, `drop database if exists ${dbName} with (force)`).catch(() => {});
    await admin(baseUrl, `drop database if exists ${tpcbDb} with (force)`).catch(() => {});
  }
}

if (import.meta.main) {
  const url = Deno.env.get("DATABASE_URL");
  if (!url) console.log("lending benches need real Postgres: set DATABASE_URL");
  else {await benchLending(
      url,
      Deno.args[0] === "hall" ? "hall" : Deno.args[0] === "rush" ? "rush" : undefined,
    );}
}
