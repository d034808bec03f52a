/**
 * Composes the platform: configuration, database (embedded PGlite or Postgres), migrations, demo seed,
 * Deno KV jobs, middleware and file routes. `deno task start` runs this file.
 */
import {
  App,
  bodyLimit,
  compression,
  csrf,
  requestLog,
  securityHeaders,
  staticFiles,
} from "./framework/mod.ts";
import freshConfig from "./fresh.config.ts";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { type DatabaseKind, openDatabase } from "./db/connection.ts";
import type { Db } from "./db/tx.ts";
import { migrate } from "./db/migrate.ts";
import { seed, type SeedReport } from "./db/seed.ts";
import { formatSeedReport } from "./db/seed_cli.ts";
import { PLATFORM_NAME } from "./domain/shared/brand.ts";
import { openKv } from "./jobs/kv.ts";
import { startJobs } from "./jobs/mod.ts";
import type { State } from "./utils.ts";
import { createPiiCipher } from "./domain/accounts/pii.ts";

/** What {@link createApp} needs. */
export interface AppDeps {
  sql: Db;
  kv: Deno.Kv;
  config: Config;
  dbKind: DatabaseKind;
  /** Where request log lines go (default: stdout when `config.logRequests`). */
  log?: (line: Record<string, unknown>) => void;
}

/** Build the application (middleware + file routes) without listening: tests call `.handler()`. */
export function createApp(deps: AppDeps): App<State> {
  const root = new URL(".", import.meta.url).pathname;
  const app = new App<State>({
    root,
    buildDir: `${root}${freshConfig.buildDir}`,
    dev: Deno.env.get("FRSH_DEV") === "1",
  });
  const log = deps.log ?? (deps.config.logRequests ? (line) => console.log(JSON.stringify(line)) : () => {});
  app.use(requestLog({ log }));
  app.use(securityHeaders({ hsts: deps.config.env === "production" }));
  app.use(compression());
  app.use(staticFiles());
  const pii = createPiiCipher({
    piiEncKeyBase64: deps.config.piiEncKeyBase64,
    piiHashKey: deps.config.piiHashKey,
  });
  app.use((ctx) => {
    ctx.state.sql = deps.sql;
    ctx.state.pii = pii;
    ctx.state.kv = deps.kv;
    ctx.state.config = deps.config;
    ctx.state.dbKind = deps.dbKind;
    ctx.state.sessionId = null;
    ctx.state.user = null;
    ctx.state.staff = null;
    return ctx.next();
  });
  // Before anything reads a body (csrf() parses forms), after the state the 413 page needs: bodies
  // above 64 KiB are refused with 413.
  app.use(bodyLimit());
  app.use(csrf({
    secret: deps.config.csrfSecret,
    secureCookies: deps.config.secureCookies ? true : (url) => url.protocol === "https:",
    allowedOrigins: deps.config.publicOrigin ? [deps.config.publicOrigin] : [],
  }));
  app.fsRoutes();
  return app;
}

function printDemoAccounts(report: SeedReport, port: number): void {
  console.log(
    [
      "",
      `${PLATFORM_NAME} 演示环境已启动: http://localhost:${port}`,
      formatSeedReport(report),
      `  短信/邮件沙箱（读取验证码）: http://localhost:${port}/dev/outbox`,
      "",
    ].join("\n"),
  );
}

/** Start the platform: open everything, migrate, seed in demo mode, start jobs, listen. */
export async function start(config: Config = loadConfig()): Promise<void> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const { applied } = await migrate(db.sql);
  if (applied.length > 0) console.log(`migrations applied: ${applied.join(", ")}`);
  let report: SeedReport | null = null;
  if (config.demo) report = await seed(db.sql, config);
  const kv = await openKv(config);
  const jobs = startJobs({ sql: db.sql, kv, config });
  const app = createApp({ sql: db.sql, kv, config, dbKind: db.kind });
  await app.ready();
  const server = app.listen({
    port: config.port,
    hostname: config.hostname,
    onListen: () => {
      if (report) printDemoAccounts(report, config.port);
      else console.log(`listening on http://localhost:${config.port} (${config.env})`);
    },
  });
  const shutdown = async () => {
    await server.shutdown();
    jobs.stop();
    kv.close();
    await db.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", shutdown);
  Deno.addSignalListener("SIGTERM", shutdown);
}

if (import.meta.main) {
  try {
    await start();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    Deno.exit(1);
  }
}
