/**
 * Anchors of the audit log's hash chain, published outside the database.
 *
 * The chain (`audit_log.ts`) shows any change made by someone who cannot recompute hashes. Someone with the
 * owner role can rewrite a row and recompute every hash after it; the chain then verifies again. An anchor
 * — the chain's head (last id, its hash, row count, time) written each day where the database cannot
 * reach (a JSONL file under `DATA_DIR/audit_anchors/`, and a log line the operator ships to write-once
 * storage) — pins the chain: `verifyAuditChain` checks that the row of every anchor still has the anchored
 * hash, and reports `anchor_mismatch` naming the anchor when it does not.
 *
 * The anchor line (one JSON object per line; the log line carries it as its `anchor` field):
 * ```json
 * {"type":"audit_anchor","v":1,"database":"p2p","system":"7714341785605679213","day":"2026-11-28",
 *  "at":"2026-11-27T16:30:00.123Z","lastId":"1234","hash":"<64 hex>","rows":1234}
 * ```
 * `database` and `system` (the cluster's `system_identifier`) say which database the anchor belongs to:
 * anchors of another database are not checked, only counted (so a data folder reused for another
 * database does not fail verification — but a check that skips anchors says so). `lastId`/`hash` are
 * `null` (and `rows` 0) while the log is empty.
 * @module
 */
import { z } from "zod";
import type { Queryable } from "../../db/tx.ts";

/** One published head of the chain. */
export interface AuditAnchor {
  type: "audit_anchor";
  v: 1;
  /** `current_database()` of the database anchored (anchors of other databases are not checked). */
  database: string;
  /** The cluster's `system_identifier` (`pg_control_system()`), with `database` naming the database. */
  system: string;
  /** The run key of the publishing job (the Asia/Shanghai day), or any label. */
  day: string;
  /** When it was published (ISO 8601). */
  at: string;
  /** The last row's id, `null` when the log was empty. */
  lastId: string | null;
  /** That row's hash. */
  hash: string | null;
  /** How many rows the log had up to `lastId`. */
  rows: number;
}

const anchorSchema = z.object({
  type: z.literal("audit_anchor"),
  v: z.literal(1),
  database: z.string().min(1).max(200),
  system: z.string().regex(/^[0-9]{1,20}$/),
  day: z.string().min(1).max(100),
  at: z.iso.datetime(),
  lastId: z.string().regex(/^[1-9][0-9]{0,18}$/).nullable(),
  hash: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  rows: z.number().int().min(0),
}).refine((a) => (a.lastId === null) === (a.hash === null), "lastId and hash go together");

/** The file anchors are appended to, in `dir`. */
export const AUDIT_ANCHOR_FILE = "anchors.jsonl";

/** The folder of published anchors for a data folder: `DATA_DIR/audit_anchors`. */
export function auditAnchorsDir(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, "")}/audit_anchors`;
}

/** Which database this is, as anchors name it: `current_database()` and the cluster's system identifier. */
export async function auditDatabaseIdentity(db: Queryable): Promise<{ database: string; system: string }> {
  const [row] = await db<{ database: string; system: string }[]>`
    select current_database() as database, (select system_identifier::text from pg_control_system()) as system`;
  return row;
}

/** The chain's head now: last id, its hash and the row count up to it, in one statement (one snapshot). */
export async function auditChainHead(
  db: Queryable,
): Promise<{ database: string; system: string; lastId: string | null; hash: string | null; rows: number }> {
  const [row] = await db<
    { database: string; system: string; lastId: string | null; hash: string | null; rows: bigint | null }[]
  >`
    select current_database() as database, (select system_identifier::text from pg_control_system()) as system,
           h.id as "lastId", h.hash,
           (select count(*) from audit_log where id <= h.id) as rows
    from (select 1) one
    left join lateral (select id, hash from audit_log order by id desc limit 1) h on true`;
  return { ...row, rows: Number(row.rows ?? 0) };
}

/**
 * Read the chain's head and append it as an anchor line to `dir`/{@link AUDIT_ANCHOR_FILE} (created with
 * the folder when missing; flushed to disk before returning). Nothing here runs inside a transaction.
 */
export async function publishAuditAnchor(
  db: Queryable,
  dir: string,
  options: { day: string; now?: Date },
): Promise<AuditAnchor> {
  const head = await auditChainHead(db);
  const anchor: AuditAnchor = {
    type: "audit_anchor",
    v: 1,
    database: head.database,
    system: head.system,
    day: options.day,
    at: (options.now ?? new Date()).toISOString(),
    lastId: head.lastId,
    hash: head.hash,
    rows: head.rows,
  };
  await Deno.mkdir(dir, { recursive: true, mode: 0o750 });
  const file = await Deno.open(`${dir}/${AUDIT_ANCHOR_FILE}`, {
    append: true,
    create: true,
    mode: 0o640,
  });
  try {
    const bytes = new TextEncoder().encode(JSON.stringify(anchor) + "\n");
    for (let off = 0; off < bytes.length;) off += await file.write(bytes.subarray(off));
    await file.syncData();
  } finally {
    file.close();
  }
  return anchor;
}

/** What {@link readAuditAnchors} found: the anchors, and the lines that looked like anchors but were not. */
export interface ReadAnchorsResult {
  anchors: AuditAnchor[];
  /** `file:line` of each line mentioning `audit_anchor` that is not a valid anchor. */
  invalid: string[];
}

/**
 * Read anchors from files and folders (every `*.jsonl` and `*.log` file in a folder): the anchor lines and
 * the `audit_anchor` log lines (so shipped log files can be read as they are; other log lines are
 * skipped). A line that mentions `audit_anchor` but is not a valid one is listed in `invalid`. A missing
 * path is skipped (nothing published yet).
 */
export async function readAuditAnchors(paths: readonly string[]): Promise<ReadAnchorsResult> {
  const out: ReadAnchorsResult = { anchors: [], invalid: [] };
  for (const path of paths) {
    let files: string[];
    try {
      const info = await Deno.stat(path);
      if (info.isDirectory) {
        files = [];
        for await (const e of Deno.readDir(path)) {
          if (e.isFile && /\.(jsonl|log)$/.test(e.name)) files.push(`${path.replace(/\/+$/, "")}/${e.name}`);
        }
        files.sort();
      } else files = [path];
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    for (const file of files) {
      const lines = (await Deno.readTextFile(file)).split("\n");
      lines.forEach((line, i) => {
        if (!line.includes("audit_anchor")) return;
        const anchor = parseAuditAnchorLine(line);
        if (anchor === null) out.invalid.push(`${file}:${i + 1}`);
        else if (anchor !== "skip") out.anchors.push(anchor);
      });
    }
  }
  return out;
}

/**
 * Read one line: an anchor (`"type":"audit_anchor"`), or a log line carrying one (`"event":"audit_anchor"`,
 * the anchor in `anchor`) → the anchor, or `null` when it is malformed; any other JSON line (other log
 * events) → `"skip"`. A line that is not JSON at all is malformed (`null`).
 */
export function parseAuditAnchorLine(line: string): AuditAnchor | null | "skip" {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!value || typeof value !== "object") return null;
  const record = value as Record<string, unknown>;
  if (record.event === "audit_anchor") value = record.anchor;
  else if (record.type !== "audit_anchor") return "skip";
  const parsed = anchorSchema.safeParse(value);
  return parsed.success ? parsed.data as AuditAnchor : null;
}
