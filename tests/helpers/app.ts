/**
 * The whole application wired to the shared test database and an in-memory KV, for integration and
 * browser tests.
 */
import { loadConfig } from "../../config.ts";
import { createApp, createServices, type Services } from "../../main.ts";
import { startJobs } from "../../jobs/mod.ts";
import type { OutboxRelay } from "../../jobs/outbox_relay.ts";
import type { Db } from "../../db/tx.ts";
import { getTestDb } from "./db.ts";

/** A test instance of the app. */
export interface TestApp {
  sql: Db;
  kv: Deno.Kv;
  /** The services the app was built with (outbox, gateways, PII cipher). */
  services: Services;
  /** The app's outbox relay (started on the KV queue like in main.ts). */
  relay: OutboxRelay;
  /**
   * Send a request through the full middleware stack and routes. The client IP defaults to a random
   * private address per call, so the per-IP log-in limit of one test cannot lock out another.
   */
  handle(req: Request, options?: { ip?: string }): Promise<Response>;
  /** Request log lines written so far. */
  logs: Record<string, unknown>[];
}

let shared: Promise<TestApp> | null = null;

function infoFor(ip: string): Deno.ServeHandlerInfo {
  return { remoteAddr: { transport: "tcp", hostname: ip, port: 40000 } } as Deno.ServeHandlerInfo;
}

function randomPrivateIp(): string {
  const b = crypto.getRandomValues(new Uint8Array(3));
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

/** `handle` for an app: each request from `options.ip`, else from a random private address. */
function handleWith(handler: (req: Request, info: Deno.ServeHandlerInfo) => Promise<Response>) {
  return (req: Request, options?: { ip?: string }) => handler(req, infoFor(options?.ip ?? randomPrivateIp()));
}

/** The shared test app (one per test process). Config: `APP_ENV=test`, demo features on. */
export function testApp(): Promise<TestApp> {
  shared ??= (async () => {
    const db = await getTestDb();
    const kv = await Deno.openKv(":memory:");
    const config = { ...loadConfig({ APP_ENV: "test" }), demo: true };
    const logs: Record<string, unknown>[] = [];
    const services = createServices({ sql: db.sql, kv, config, dbKind: db.kind });
    // as in main.ts: the KV consumer runs the outbox relay on every wake-up (no poll, no crons in tests)
    const jobs = startJobs(services);
    const app = createApp({ ...services, log: (l) => logs.push(l) });
    return { sql: db.sql, kv, services, relay: jobs.relay, logs, handle: handleWith(app.handler()) };
  })();
  return shared;
}

/**
 * The shared test app's database, KV and relay behind an app built from other environment variables (e.g.
 * `{ PUBLIC_ORIGIN: "https://…" }`, `{ TRUSTED_PROXIES: "10.0.0.0/8" }`) — demo features on unless
 * `demo: false` — as a {@link TestApp} for `Client`. Its request log is dropped.
 */
export async function testAppWith(
  env: Record<string, string>,
  options: { demo?: boolean; kv?: Deno.Kv } = {},
): Promise<TestApp> {
  const base = await testApp();
  const config = { ...loadConfig({ APP_ENV: "test", ...env }), demo: options.demo ?? true };
  const kv = options.kv ?? base.kv;
  const services = createServices({ sql: base.sql, kv, config, dbKind: base.services.dbKind });
  const app = createApp({ ...services, log: () => {} });
  return { ...base, kv, services, logs: [], handle: handleWith(app.handler()) };
}

/** Serve the test app on a free loopback port (for the browser). Close with `server.shutdown()`. */
export async function serveTestApp(): Promise<{ baseUrl: string; server: Deno.HttpServer; app: TestApp }> {
  const app = await testApp();
  const { promise, resolve } = Promise.withResolvers<number>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: ({ port }) => resolve(port) },
    (req) => app.handle(req),
  );
  const port = await promise;
  return { baseUrl: `http://localhost:${port}`, server, app };
}

/** A cookie jar for driving forms through `handle` like a browser. */
export class CookieJar {
  #cookies = new Map<string, string>();
  /** Store the cookies of a response. */
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0\b/i.test(a.trim())) || value === "";
      if (expired) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
  /** The Cookie header value. */
  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  /** One cookie's value. */
  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }
}
