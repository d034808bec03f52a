/**
 * The append-only, hash-chained staff action log (操作日志).
 *
 * Each row stores `prev_hash` (the previous row's `hash`, `null` for the first row) and
 * `hash = sha256(prev_hash ‖ canonicalJson({ staffId, action, target, detail, ip, createdAt }))`.
 * Appends serialise on a transaction-level advisory lock, so the chain never forks; a trigger refuses
 * UPDATE, DELETE and TRUNCATE. {@link verifyAuditChain} recomputes the chain and names the first bad row.
 */
import type { Queryable, Tx } from "../../db/tx.ts";
import { sha256Hex } from "../accounts/pii.ts";

/** Advisory lock key that serialises appends (an arbitrary constant). */
export const AUDIT_LOCK_KEY = 72_640_002;

/** Rows read per query by {@link verifyAuditChain}. */
export const AUDIT_VERIFY_PAGE_SIZE = 1000;

/** JSON values allowed in `detail`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What a caller records. */
export interface AuditEntry {
  /** The acting staff member; `null` for the system or an unknown user (e.g. a failed login). */
  staffId: string | null;
  /** Dotted verb, e.g. `staff.login`, `loan.approve`. */
  action: string;
  /** What was acted on, e.g. `user:42`, `loan:7`. */
  target: string | null;
  /** Extra facts (reason, before/after). Never put secrets or unmasked personal data here. */
  detail?: Record<string, unknown>;
  ip: string | null;
}

/** A stored row. */
export interface AuditRow {
  id: string;
  staffId: string | null;
  action: string;
  target: string | null;
  detail: Record<string, JsonValue>;
  ip: string | null;
  createdAt: Date;
  prevHash: string | null;
  hash: string;
}

/** The columns of `audit_log` as an {@link AuditRow} (a query fragment). */
function auditColumns(db: Queryable) {
  return db`id, staff_id as "staffId", action, target, detail, ip, created_at as "createdAt",
    prev_hash as "prevHash", hash`;
}

/** JSON with object keys sorted at every level (the form the hash is computed over). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

/** The hash of a row given the previous row's hash. */
export async function auditRowHash(
  prevHash: string | null,
  row: Pick<AuditRow, "staffId" | "action" | "target" | "detail" | "ip" | "createdAt">,
): Promise<string> {
  const body = canonicalJson({
    staffId: row.staffId,
    action: row.action,
    target: row.target,
    detail: row.detail,
    ip: row.ip,
    createdAt: row.createdAt.toISOString(),
  });
  return await sha256Hex((prevHash ?? "") + body);
}

/**
 * Append one entry inside the transaction of the action being logged (the entry commits or rolls back with
 * it). Appends serialise on a transaction-scoped advisory lock, so the chain has no forks.
 */
export async function appendAudit(tx: Tx, entry: AuditEntry): Promise<AuditRow> {
  // Round-trip through JSON: what jsonb stores and gives back (no undefined, Dates as strings).
  const detail = JSON.parse(JSON.stringify(entry.detail ?? {})) as Record<string, JsonValue>;
  await tx`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`;
  const [last] = await tx<{ hash: string; created_at: Date }[]>`
    select hash, created_at from audit_log order by id desc limit 1`;
  // Millisecond precision (what JS Dates carry); never earlier than the previous row.
  let createdAt = new Date();
  if (last && last.created_at > createdAt) createdAt = new Date(last.created_at.getTime());
  const prevHash = last?.hash ?? null;
  const row = {
    staffId: entry.staffId,
    action: entry.action,
    target: entry.target,
    detail,
    ip: entry.ip,
    createdAt,
  };
  const hash = await auditRowHash(prevHash, row);
  const [inserted] = await tx<{ id: string }[]>`
    insert into audit_log (staff_id, action, target, detail, ip, created_at, prev_hash, hash)
    values (${entry.staffId}, ${entry.action}, ${entry.target}, ${tx.json(detail)}, ${entry.ip}, ${createdAt},
            ${prevHash}, ${hash})
    returning id`;
  return { id: inserted.id, ...row, prevHash, hash };
}

/** Outcome of {@link verifyAuditChain}. */
export type AuditVerifyResult =
  | { ok: true; rows: number }
  | { ok: false; brokenAtId: string; reason: "prev_hash_mismatch" | "hash_mismatch" };

/**
 * Recompute the whole chain, reading {@link AUDIT_VERIFY_PAGE_SIZE} rows per query. Detects a changed
 * row (`hash_mismatch`) and a deleted, inserted or reordered row (`prev_hash_mismatch` at the first row
 * whose predecessor is not the one it was chained to).
 */
export async function verifyAuditChain(db: Queryable): Promise<AuditVerifyResult> {
  let lastId = "0";
  let prevHash: string | null = null;
  let count = 0;
  for (;;) {
    const rows = await db<AuditRow[]>`
      select ${auditColumns(db)} from audit_log
      where id > ${lastId} order by id limit ${AUDIT_VERIFY_PAGE_SIZE}`;
    for (const r of rows) {
      if (r.prevHash !== prevHash) return { ok: false, brokenAtId: r.id, reason: "prev_hash_mismatch" };
      const expected = await auditRowHash(prevHash, r);
      if (expected !== r.hash) return { ok: false, brokenAtId: r.id, reason: "hash_mismatch" };
      prevHash = r.hash;
      lastId = r.id;
      count++;
    }
    if (rows.length < AUDIT_VERIFY_PAGE_SIZE) return { ok: true, rows: count };
  }
}

/** The newest entries, newest first, at most `limit` (≤ 200), before an optional id (paging). */
export async function listAudit(
  db: Queryable,
  options: { limit?: number; beforeId?: string; staffId?: string; action?: string } = {},
): Promise<AuditRow[]> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 200);
  return await db<AuditRow[]>`
    select ${auditColumns(db)} from audit_log
    where (${options.beforeId ?? null}::bigint is null or id < ${options.beforeId ?? null}::bigint)
      and (${options.staffId ?? null}::bigint is null or staff_id = ${options.staffId ?? null}::bigint)
      and (${options.action ?? null}::text is null or action = ${options.action ?? null}::text)
    order by id desc limit ${limit}`;
}
