/**
 * The one database connection module. With a `databaseUrl`, postgres.js talks to that server; without
 * one, an embedded PGlite (Postgres compiled to WASM) is started in-process behind
 * `@electric-sql/pglite-socket` on a free loopback port and postgres.js connects to it with `max: 1`.
 * The rest of the code receives a `Db` handle (`db/tx.ts`) and cannot tell which it has.
 *
 * **int8 and ids** (one rule, applied here for both backends):
 * - every `bigint` (int8, type 20) value comes back as a JS `BigInt` — amounts in fen (`Fen`), `count(*)`
 *   and `sum(…)` of int4 are exact; never cast them to `int` in SQL (DESIGN.md §4). `sum(…)` of an int8
 *   column is `numeric` in Postgres (a string here): write `sum(amount_fen)::bigint`;
 * - except identifiers: an int8 column whose name is `id`, ends in `_id` or ends in `Id` (`user_id`,
 *   `"userId"`) comes back as a decimal **string**, because the domain treats ids as opaque strings
 *   (`SessionUser.id`, route params, …). Name a selected id accordingly (`invited_by as "invitedById"`),
 *   or it arrives as a `bigint`. See {@link int8ColumnValue}.
 * Parameters need nothing: a string id and a bigint amount are both sent as text and cast by Postgres.
 * @module
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
  /** The embedded database's files as one tarball (for {@link OpenDatabaseOptions.loadDataDir}); PGlite only. */
  dumpDataDir?(): Promise<Blob>;
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
  /**
   * Start the embedded database from this tarball (made by {@link Database.dumpDataDir}) instead of an
   * empty cluster: the test run migrates once and every test process starts from the copy, skipping initdb.
   */
  loadDataDir?: Blob;
}

/** Postgres type OID of int8 (`bigint`). */
const INT8 = 20;
/** Column names that hold an identifier: `id`, `…_id`, `…Id`. */
const ID_COLUMN = /^id$|_id$|Id$/;

/** Whether a result column with this name is an identifier (returned as a string when it is int8). */
export function isIdColumnName(name: string): boolean {
  return ID_COLUMN.test(name);
}

/**
 * The value postgres.js hands the code for one result field: int8 identifiers (see the module doc) as
 * decimal strings, everything else as parsed (int8 already a `BigInt` through `types.bigint`).
 */
export function int8ColumnValue(value: unknown, column: { name: string; type: number }): unknown {
  return column.type === INT8 && typeof value === "bigint" && isIdColumnName(column.name)
    ? value.toString()
    : value;
}

const commonOptions = {
  onnotice: () => {},
  idle_timeout: 30,
  connect_timeout: 15,
  // int8 → BigInt (exact counts, sums and amounts) …
  types: { bigint: postgres.BigInt },
  // … but int8 ids → strings (the domain's opaque ids). postgres.js calls this for every field of every row.
  transform: { value: { from: int8ColumnValue } },
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
  const db = await PGlite.create(dataPath, options.loadDataDir ? { loadDataDir: options.loadDataDir } : {});
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
    dumpDataDir: () => db.dumpDataDir("none"),
  };
}
