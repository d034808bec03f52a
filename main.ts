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
  sharedPages,
  staticFiles,
  trailingSlashes,
} from "./framework/mod.ts";
import freshConfig from "./fresh.config.ts";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { type DatabaseKind, openDatabase } from "./db/connection.ts";
import type { Db } from "./db/tx.ts";
import { migrateForApp } from "./db/migrate_cli.ts";
import { seed, type SeedReport } from "./db/seed.ts";
import { formatSeedReport } from "./db/seed_cli.ts";
import { PLATFORM_NAME } from "./domain/shared/brand.ts";
import { openKv } from "./jobs/kv.ts";
import { startJobs } from "./jobs/mod.ts";
import { clientIp, type State } from "./utils.ts";
import { sessionBinding, sessions } from "./session_middleware.ts";
import { databaseUnavailable } from "./unavailable_middleware.ts";
import { type SecurityEventSink, securityLogFor, stdoutSecuritySink } from "./domain/shared/security_log.ts";
import { createPiiCipher, type PiiCipher } from "./domain/accounts/pii.ts";
import { sessionCookieName } from "./domain/accounts/session.ts";
import type { Gateways } from "./domain/gateways/mod.ts";
import { createOutbox, type Outbox } from "./db/outbox.ts";
import { createGateways } from "./integrations/gateways.ts";
import { createForegroundGauge, type ForegroundGauge } from "./jobs/foreground.ts";
import { outboxWakerFor } from "./jobs/outbox_relay.ts";
import { AVATAR_UPLOAD_BODY_MAX_BYTES, AVATAR_UPLOAD_PATH } from "./domain/accounts/profile.ts";
import { VIDEO_UPLOAD_BODY_LIMIT, VIDEO_UPLOAD_PATH } from "./domain/identity/video.ts";
import { DOCUMENT_UPLOAD_BODY_LIMIT, DOCUMENT_UPLOAD_PATH } from "./domain/borrowing/documents.ts";

/** Upload routes whose body may exceed the default 64 KiB, with their hard cap (bytes). */
function uploadBodyLimit(url: URL): number | undefined {
  if (url.pathname === AVATAR_UPLOAD_PATH) return AVATAR_UPLOAD_BODY_MAX_BYTES;
  if (url.pathname === VIDEO_UPLOAD_PATH) return VIDEO_UPLOAD_BODY_LIMIT;
  if (DOCUMENT_UPLOAD_PATH.test(url.pathname)) return DOCUMENT_UPLOAD_BODY_LIMIT;
  return undefined;
}

/** Any session cookie (user or staff, plain or `__Host-` name, as sessionCookieName makes them) in a header. */
const SESSION_COOKIE = new RegExp(
  `(?:^|;)\\s*(?:${
    (["user", "staff"] as const).flatMap((kind) =>
      [false, true].map((secure) => sessionCookieName(kind, secure))
    )
      .join("|")
  })=`,
);

/** No user or staff session cookie: a visitor every shared page is the same for. */
function withoutSession(req: Request): boolean {
  const cookie = req.headers.get("cookie");
  return cookie === null || !SESSION_COOKIE.test(cookie);
}

/** The process-wide parts every request and job shares, built once by {@link createServices}. */
export interface Services {
  sql: Db;
  kv: Deno.Kv;
  config: Config;
  dbKind: DatabaseKind;
  /** Encrypts/decrypts personal data at rest. */
  pii: PiiCipher;
  /** The outside systems (sandboxes today), built from the configuration. */
  gateways: Gateways;
  /** Where commands publish side effects; wakes the relay through the KV queue after each commit. */
  outbox: Outbox;
  /** The requests in flight (every request is counted): background work waits for a lull. */
  foreground: ForegroundGauge;
}

/**
 * Build the shared parts from an open database and KV store: the PII cipher, the gateways (production
 * refuses sandboxes unless allowed) and the outbox.
 *
 * @throws {ConfigError} when the gateways may not run with this configuration.
 */
export function createServices(
  base: { sql: Db; kv: Deno.Kv; config: Config; dbKind: DatabaseKind },
): Services {
  const pii = createPiiCipher({
    piiEncKeyBase64: base.config.piiEncKeyBase64,
    piiEncKeyVersion: base.config.piiEncKeyVersion,
    piiEncKeysOld: base.config.piiEncKeysOld,
    piiHashKey: base.config.piiHashKey,
  });
  const gateways = createGateways(base.config, base.sql);
  // the outbox's wake-ups gathered per KV store (one message on its way at a time; jobs/outbox_relay.ts)
  const waker = outboxWakerFor(base.kv);
  const outbox = createOutbox({ box: pii, wake: (ids) => waker.wake(ids) });
  return { ...base, pii, gateways, outbox, foreground: createForegroundGauge() };
}

/** What {@link createApp} needs. */
export interface AppDeps extends Services {
  /** Where request log lines go (default: stdout when `config.logRequests`). */
  log?: (line: Record<string, unknown>) => void;
  /**
   * Where security events go (log-ins, lockouts, refusals; see domain/shared/security_log.ts). Default:
   * `log` when given, else stdout — whatever `LOG_REQUESTS` says.
   */
  security?: SecurityEventSink;
}

/** Build the application (middleware + file routes) without listening: tests call `.handler()`. */
export function createApp(deps: AppDeps): App<State> {
  const root = new URL(".", import.meta.url).pathname;
  const app = new App<State>({ ...freshConfig, root, dev: Deno.env.get("FRSH_DEV") === "1" });
  const log = deps.log ?? (deps.config.logRequests ? (line) => console.log(JSON.stringify(line)) : () => {});
  // pages that are the same for every visitor without a session (the hall): kept once made by the chain,
  // then answered before it (logged like any request when request logging is on)
  const shared = sharedPages<State>({
    eligible: withoutSession,
    onAnswer: deps.log || deps.config.logRequests
      ? (req, res) =>
        log({
          time: new Date().toISOString(),
          level: "info",
          msg: "request",
          method: req.method,
          path: new URL(req.url).pathname,
          status: res.status,
          ms: 0,
          shared: true,
        })
      : undefined,
  });
  app.front(shared.answer);
  // every request through the chain counts as foreground (the relay waits while many are in flight)
  const { foreground } = deps;
  app.use(async (ctx) => {
    foreground.enter();
    try {
      return await ctx.next();
    } finally {
      foreground.leave();
    }
  });
  app.use(requestLog({ log }));
  app.use(shared.keep);
  app.use(securityHeaders({ hsts: deps.config.env === "production" }));
  app.use(trailingSlashes("never"));
  app.use(compression());
  app.use(staticFiles());
  const logLine = deps.log;
  const security: SecurityEventSink = deps.security ??
    (logLine ? (event) => logLine({ ...event }) : stdoutSecuritySink);
  app.use((ctx) => {
    ctx.state.clientIp = clientIp(ctx.info, ctx.req, deps.config.trustedProxies);
    ctx.state.securityLog = securityLogFor(security, {
      ip: ctx.state.clientIp,
      requestId: ctx.state.requestId,
    });
    ctx.state.sql = deps.sql;
    ctx.state.pii = deps.pii;
    ctx.state.gateways = deps.gateways;
    ctx.state.outbox = deps.outbox;
    ctx.state.kv = deps.kv;
    ctx.state.config = deps.config;
    ctx.state.dbKind = deps.dbKind;
    ctx.state.sessionId = null;
    ctx.state.staffSessionId = null;
    ctx.state.user = null;
    ctx.state.staff = null;
    return ctx.next();
  });
  // a database that cannot be reached: 503 with a clear message, not 500 (before the first query)
  app.use(databaseUnavailable);
  // Before anything reads a body (csrf() parses forms), after the state the 413 page needs: bodies
  // above 64 KiB are refused with 413.
  app.use(bodyLimit({ maxBytesFor: uploadBodyLimit }));
  // the sessions (user and staff) before the CSRF check: its token is bound to them and rotated with them
  app.use(sessions);
  app.use(csrf<State>({
    secret: deps.config.csrfSecret,
    secureCookies: deps.config.secureCookies ? true : (url) => url.protocol === "https:",
    allowedOrigins: deps.config.publicOrigin ? [deps.config.publicOrigin] : [],
    // provider callbacks (custody bank, payment channels) carry an HMAC signature instead of a CSRF token
    exempt: (url) => url.pathname.startsWith("/api/callbacks/"),
    sessionId: sessionBinding,
    onReject: (ctx, reason) =>
      ctx.state.securityLog.emit("csrf.refused", {
        reason,
        path: ctx.url.pathname,
        httpMethod: ctx.req.method,
      }),
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
      `  短信/邮件沙箱（读取验证码）: http://localhost:${port}/dev/sandbox`,
      "",
    ].join("\n"),
  );
}

/** Start the platform: open everything, migrate, seed in demo mode, start jobs, listen. */
export async function start(config: Config = loadConfig()): Promise<void> {
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    maxConnections: config.databasePoolMax,
  });
  // migrations run as the owner role (DATABASE_OWNER_URL) when one is configured; the app's role is then
  // checked to be unable to change the audit log
  const { applied } = await migrateForApp(config, db);
  if (applied.length > 0) console.log(`migrations applied: ${applied.join(", ")}`);
  let report: SeedReport | null = null;
  if (config.demo) report = await seed(db.sql, config);
  const kv = await openKv(config);
  const services = createServices({ sql: db.sql, kv, config, dbKind: db.kind });
  const jobs = startJobs(services);
  const app = createApp(services);
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
