/**
 * The one database connection module. With a `databaseUrl`, postgres.js talks to that server; without
 * one, an embedded PGlite (Postgres compiled to WASM) is started in-process behind
 * `@electric-sql/pglite-socket` on a free loopback port and postgres.js connects to it with `max: 1`.
 * The rest of the code receives a `Db` handle (`db/tx.ts`) and cannot tell which it has.
 */
import postgres from "postgres";
import type { Db } from "./tx.ts";

/** Which backend a `Database` talks to. */
export type DatabaseKind = "pglite" | "postgres";

/** An open database. */
export interface Database {
  sql: Db;
  kind: DatabaseKind;
  /** Close the client (and stop the embedded server, if any). */
  close(): Promise<void>;
}

/** Options for {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** A postgres:// URL; when absent the embedded database is used. */
  databaseUrl?: string;
  /** Folder of the embedded database, or `memory://` for a throw-away one. Default `./data`. */
  dataDir?: string;
  /** Pool size against real Postgres (ignored for the embedded one, which must use 1). Default 10. */
  maxConnections?: number;
  /** Postgres `search_path` for every connection (tests use a schema per run). */
  searchPath?: string;
}

const commonOptions = {
  onnotice: () => {},
  idle_timeout: 30,
  connect_timeout: 15,
  // ids are bigint identity columns; keep them as strings (the postgres.js default for int8).
  types: {},
} as const;

/**
 * Open the database named by the options.
 *
 * @throws {Error} when the server cannot be reached (postgres.js connects lazily, so the first query
 *   fails instead; call `sql\`select 1\`` to check).
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const connection = options.searchPath ? { search_path: options.searchPath } : undefined;
  if (options.databaseUrl) {
    const sql = postgres(options.databaseUrl, {
      ...commonOptions,
      max: options.maxConnections ?? 10,
      connection,
    });
    return { sql, kind: "postgres", close: () => sql.end({ timeout: 5 }) };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const dataDir = options.dataDir ?? "./data";
  let dataPath = dataDir;
  if (!dataDir.startsWith("memory://")) {
    await Deno.mkdir(dataDir, { recursive: true });
    dataPath = `${dataDir.replace(/\/$/, "")}/pglite`;
  }
  const db = await PGlite.create(dataPath);
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 1 });
  await server.start();
  const [host, port] = server.getServerConn().split(":");
  const sql = postgres({
    ...commonOptions,
    host,
    port: Number(port),
    user: "postgres",
    database: "postgres",
    max: 1,
    connection,
  });
  return {
    sql,
    kind: "pglite",
    async close() {
      await sql.end({ timeout: 5 });
      await server.stop();
      await db.close();
    },
  };
}
