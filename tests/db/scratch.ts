/**
 * Throw-away empty databases for tests of migrations and connections: a fresh in-memory PGlite, or — when
 * `DATABASE_URL` is set — a new schema on that server (via `search_path`), dropped afterwards.
 */
import { type Database, openDatabase } from "../../db/connection.ts";

/** An empty database and a way to open more clients to it. */
export interface ScratchDb {
  db: Database;
  /** Open another client to the same database (real Postgres only; PGlite has a single client). */
  openClient(): Promise<Database>;
}

/** The real Postgres URL of this run, if any. */
export const databaseUrl: string | undefined = Deno.env.get("DATABASE_URL") || undefined;

/** Run `fn` with an empty scratch database; everything is dropped afterwards. */
export async function withScratchDb(fn: (scratch: ScratchDb) => Promise<void>): Promise<void> {
  if (!databaseUrl) {
    const db = await openDatabase({ dataDir: "memory://" });
    try {
      await fn({ db, openClient: () => Promise.reject(new Error("PGlite has one client")) });
    } finally {
      await db.close();
    }
    return;
  }
  const schema = `scratch_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = await openDatabase({ databaseUrl, maxConnections: 1 });
  await admin.sql.unsafe(`create schema ${schema}`);
  const clients: Database[] = [];
  const openClient = async () => {
    const client = await openDatabase({ databaseUrl, searchPath: schema, maxConnections: 4 });
    clients.push(client);
    return client;
  };
  try {
    await fn({ db: await openClient(), openClient });
  } finally {
    for (const c of clients) await c.close();
    await admin.sql.unsafe(`drop schema ${schema} cascade`);
    await admin.close();
  }
}

/** Reject with a clear error when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
